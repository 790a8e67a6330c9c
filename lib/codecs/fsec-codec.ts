// The built-in codec: filesec's own .fsec v1 format (docs/FORMAT.md).
import { decryptFile } from '../decrypt'
import { encryptFile } from '../encrypt'
import { hasFsecMagic } from '../fsec'
import { inspect } from '../inspect'
import { rotateFile } from '../rotate'
import { verifyEncryptedFile } from '../verify'
import type { Codec } from './codec'

export const fsecCodec: Codec = {
  name: 'fsec',
  description: 'filesec v1: RSA-OAEP-SHA-256, X25519 and scrypt recipients; Cobblestone-256 (AES-256-GCM) chunks',
  extension: '.fsec',
  matches: hasFsecMagic,
  encryptFile,
  decryptFile,
  inspect,
  rotateFile,
  verifyFile: verifyEncryptedFile,
}

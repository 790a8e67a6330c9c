// What a codec (an encryption file format) provides to filesec's one API. The .fsec v1 format is
// the built-in codec; others (age v1, the legacy pyFileSec reader) plug in the same way. A codec
// may be decrypt-only (no encryptFile): files in its format can be read, not written.
import type { DecryptOptions, DecryptResult } from '../decrypt'
import type { EncryptOptions, EncryptResult } from '../encrypt'
import type { InspectOptions, InspectWithMetadataResult } from '../inspect'
import type { RotateOptions, RotateResult } from '../rotate'
import type { VerifyEncryptedFileOptions, VerifyEncryptedFileResult } from '../verify'

/** Bytes read from the start of a file to recognise its codec. */
export const SNIFF_BYTES = 64

export interface Codec {
  /** Short lower-case name, used in `encryptFile(…, { codec })`: 'fsec', 'age', … */
  readonly name: string
  /** One line for listings: the format and its payload construction. */
  readonly description: string
  /** Extension of the files it writes, dot included ('.fsec'). */
  readonly extension: string
  /**
   * True when `head` (the first SNIFF_BYTES bytes of a file, fewer for a shorter file) is the
   * start of a file in this format. Must be cheap and must not throw.
   */
  matches(head: Buffer): boolean
  /** Absent for a decrypt-only codec. */
  encryptFile?(input: string, options: EncryptOptions): Promise<EncryptResult>
  decryptFile(input: string, options: DecryptOptions): Promise<DecryptResult>
  inspect(path: string, options?: InspectOptions): Promise<InspectWithMetadataResult>
  /** Absent when the format has no header-only rotation. */
  rotateFile?(path: string, options: RotateOptions): Promise<RotateResult>
  /**
   * Checks that the file decrypts with the given keys (every chunk authenticated), writing no
   * plaintext. Absent when the codec cannot check a file without decrypting it to an output.
   */
  verifyFile?(path: string, options: VerifyEncryptedFileOptions): Promise<VerifyEncryptedFileResult>
}

/** What listCodecs() says of each registered codec. */
export interface CodecInfo {
  name: string
  description: string
  extension: string
  canEncrypt: boolean
  canRotate: boolean
  canVerify: boolean
}

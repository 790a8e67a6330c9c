// filesec: public-key file encryption for sensitive data.
export { SecFile } from './secfile'
export { encryptFile, type EncryptOptions, type EncryptResult, type RecipientOptions } from './encrypt'
export { decryptFile, type DecryptOptions, type DecryptResult, type IdentityOptions } from './decrypt'
export {
  createDecryptStream,
  createEncryptStream,
  DecryptStream,
  type DecryptStreamOptions,
  EncryptStream,
  type EncryptStreamOptions,
} from './streams'
export { EncryptedFile, openEncryptedFile } from './reader'
export { inspect, type InspectResult, type RecipientInfo } from './fsec'
export {
  generateKeyPair,
  type GenerateKeyPairOptions,
  Key,
  type KeyInput,
  type KeyKind,
  type KeyPair,
  loadKey,
  loadKeys,
  type LoadKeyOptions,
  writePrivateKey,
  type WritePrivateKeyOptions,
  writePublicKey,
} from './keys'
export {
  signFile,
  type SignatureAlgorithm,
  type SignOptions,
  type SignResult,
  verifyFile,
  verifyFileDetailed,
  type VerifyOptions,
  type VerifyResult,
} from './sign'
export type { FileMetadata, MetadataOptions } from './metadata'
export type { PassphraseSource } from './passphrase'
export type { Progress, RunOptions } from './options'
export * from './errors'

import { native } from './native'

/** Versions of filesec and of the OpenSSL libcrypto linked into its native engine. */
export const versions = {
  filesec: (require('../package.json') as { version: string }).version,
  openssl: native.opensslVersion(),
}

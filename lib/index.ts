// filesec: public-key file encryption for sensitive data.
export { SecFile } from './secfile'
// The file functions go through the codec registry (lib/codecs): one API for every format.
export { DEFAULT_CODEC, decryptFile, encryptFile, inspect, rotateFile, verifyEncryptedFile } from './codecs/api'
export type { Codec, CodecInfo } from './codecs/codec'
export { listCodecs, registerCodec, unregisterCodec } from './codecs/registry'
export { type EncryptOptions, type EncryptResult, type RecipientOptions } from './encrypt'
export { type DecryptOptions, type DecryptResult, type IdentityOptions } from './decrypt'
export { defaultMigratedPath, migrateFile, type MigrateOptions, type MigrateResult } from './migrate'
export {
  type ArchiveMember,
  type KdfDigest,
  type LegacyIntegrity,
  type PyfilesecEvent,
  type PyfilesecInfo,
  type PyfilesecKdf,
} from './codecs/pyfilesec-codec'
export {
  createDecryptStream,
  createEncryptStream,
  DecryptStream,
  type DecryptStreamOptions,
  EncryptStream,
  type EncryptStreamOptions,
  type StreamCodec,
} from './streams'
export { EncryptedFile, openEncryptedFile } from './reader'
export { type InspectResult, type RecipientInfo } from './fsec'
export { type InspectOptions, type InspectWithMetadataResult } from './inspect'
export { type VerifyEncryptedFileOptions, type VerifyEncryptedFileResult } from './verify'
export { type PadOption, paddingFor, padmeLength } from './padding'
export { fileStatus, type FileStatus } from './status'
export { recoverRotation, type RecoverResult, type RotateOptions, type RotateResult } from './rotate'
export { cleanLeftovers, type CleanLeftoversResult, findLeftovers, type FindLeftoversOptions, type Leftover, type LeftoverKind } from './doctor'
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
  type PyFileSecDigest,
  type VerifyAlgorithm,
  type VerifyOptions,
  type VerifyResult,
} from './sign'
export type { FileMetadata, MetadataOptions } from './metadata'
export type { LegacyRecord, RotationRecord } from './metadata'
export type { PassphraseSource } from './passphrase'
export type { Progress, RunOptions } from './options'
export * from './errors'
export {
  DEFAULT_PADDED_SIZE,
  MAX_PADDED_SIZE,
  MIN_PADDED_SIZE,
  padFile,
  type PadOptions,
  type PadResult,
  paddingLength,
  unpadFile,
  type UnpadOptions,
  type UnpadResult,
} from './trailer-padding'
export {
  destroyFile,
  type DestroyAssurance,
  type DestroyOptions,
  type DestroyPassReport,
  type DestroyPattern,
  type DestroyReport,
} from './destroy'
export {
  describeMedium,
  detectSyncService,
  detectVcs,
  hardlinkInfo,
  type HardlinkInfo,
  type MediumInfo,
  type SyncServiceInfo,
  type SyncServiceName,
  type VcsInfo,
  type VcsKind,
} from './detect'

import { native } from './native'

/** Versions of filesec and of the OpenSSL libcrypto linked into its native engine. */
export const versions = {
  filesec: (require('../package.json') as { version: string }).version,
  openssl: native.opensslVersion(),
}

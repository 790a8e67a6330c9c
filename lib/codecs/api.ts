// The public file functions: one API over every registered codec. Encryption takes the codec by
// name (`codec`, default 'fsec'); decryption, inspection and rotation recognise it from the
// file's first bytes, so callers never name the format of a file they read.
import { resolve } from 'node:path'

import type { DecryptOptions, DecryptResult } from '../decrypt'
import type { EncryptOptions, EncryptResult } from '../encrypt'
import { ArgumentError } from '../errors'
import type { InspectOptions, InspectWithMetadataResult } from '../inspect'
import type { RotateOptions, RotateResult } from '../rotate'
import type { VerifyEncryptedFileOptions, VerifyEncryptedFileResult } from '../verify'
import { ageCodec } from './age-codec'
import { fsecCodec } from './fsec-codec'
import { pyfilesecCodec } from './pyfilesec-codec'
import { codecNamed, codecOfFile, registerBuiltInCodec } from './registry'

registerBuiltInCodec(fsecCodec)
registerBuiltInCodec(ageCodec)
// Decrypt-only: legacy pyFileSec archives are read, never written.
registerBuiltInCodec(pyfilesecCodec)

export const DEFAULT_CODEC = 'fsec'

function checkPath(path: unknown, what: string): asserts path is string {
  if (typeof path !== 'string' || path === '') throw new ArgumentError(`${what} must be a path`)
}

function checkOptions(options: unknown): asserts options is object {
  if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object')
}

/** Encrypts a file with the codec named by `options.codec` (default 'fsec'). */
export async function encryptFile(input: string, options: EncryptOptions): Promise<EncryptResult> {
  checkPath(input, 'input')
  checkOptions(options)
  const { codec: name = DEFAULT_CODEC, ...rest } = options
  const codec = codecNamed(name)
  if (codec.encryptFile === undefined) {
    throw new ArgumentError(`the '${codec.name}' codec can only decrypt (it reads files in its format but does not write them)`)
  }
  return codec.encryptFile(input, rest)
}

/** Decrypts a file in any registered format, recognised from its first bytes. */
export async function decryptFile(input: string, options: DecryptOptions): Promise<DecryptResult> {
  checkPath(input, 'input')
  checkOptions(options)
  return (await codecOfFile(resolve(input))).decryptFile(input, options)
}

/** Describes an encrypted file in any registered format (with a key: also its sealed metadata). */
export async function inspect(file: string, options?: InspectOptions): Promise<InspectWithMetadataResult> {
  checkPath(file, 'file')
  if (options !== undefined) checkOptions(options)
  return (await codecOfFile(resolve(file))).inspect(file, options)
}

/** Changes who can open an encrypted file, for codecs that support it. */
export async function rotateFile(file: string, options: RotateOptions): Promise<RotateResult> {
  checkPath(file, 'file')
  checkOptions(options)
  const codec = await codecOfFile(resolve(file))
  if (codec.rotateFile === undefined) throw new ArgumentError(`files of the '${codec.name}' codec cannot be rotated`)
  return codec.rotateFile(file, options)
}

/**
 * Checks that an encrypted file in any registered format decrypts with these keys (header and
 * every payload chunk authenticate), writing no plaintext anywhere.
 */
export async function verifyEncryptedFile(file: string, options: VerifyEncryptedFileOptions): Promise<VerifyEncryptedFileResult> {
  checkPath(file, 'path')
  checkOptions(options)
  const codec = await codecOfFile(resolve(file))
  if (codec.verifyFile === undefined) throw new ArgumentError(`files of the '${codec.name}' codec cannot be verified without decrypting them`)
  return codec.verifyFile(file, options)
}

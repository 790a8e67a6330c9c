// verifyEncryptedFile: checks that a .fsec file decrypts with the given keys — header, metadata
// and every payload chunk authenticate — without writing any plaintext anywhere. Used to make
// sure a ciphertext is whole before the plaintext it replaces is destroyed.
import { resolve } from 'node:path'

import { ArgumentError } from './errors'
import { checkIdentityOptions, type IdentityOptions, openHeader } from './decrypt'
import { readHeader } from './fsec'
import { runJob } from './jobs'
import type { FileMetadata } from './metadata'
import { native, type PayloadKey } from './native'
import { checkKnownOptions, checkRunOptions, defaultThreads, type RunOptions } from './options'
import type { JobResult } from '../binding'

export type VerifyEncryptedFileOptions = IdentityOptions & RunOptions

export interface VerifyEncryptedFileResult {
  /** The plaintext size in bytes (padding excluded): what decryptFile would write. */
  plaintextBytes: number
  metadata: FileMetadata
}

const VERIFY_OPTIONS = [
  'identity', 'identityPassphrase', 'passphrase', 'maxWorkFactor', 'signal', 'onProgress', 'threads', 'durable',
] as const

/**
 * Authenticates every chunk of the payload at `payloadOffset` of `path` with a payload key
 * already in hand, writing nothing; the last `padding` payload bytes must be zero. For callers
 * that have just written the file (the key is not destroyed here). Resolves to the plaintext
 * size without the padding, and the file size.
 * @internal
 */
export async function verifyPayload(
  path: string,
  payloadKey: PayloadKey,
  payloadOffset: number,
  expectedSize: number | null,
  runOptions: RunOptions,
  padding = 0,
): Promise<JobResult> {
  return runJob(
    (onProgress) =>
      native.verifyFile(
        payloadKey,
        { source: path, payloadOffset, expectedSize, padding, threads: runOptions.threads ?? defaultThreads() },
        onProgress,
      ),
    runOptions,
  )
}

/** Checks that a .fsec file decrypts with these keys, without writing any plaintext. */
export async function verifyEncryptedFile(path: string, options: VerifyEncryptedFileOptions): Promise<VerifyEncryptedFileResult> {
  if (typeof path !== 'string' || path === '') throw new ArgumentError('path must be a path')
  if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object')
  checkKnownOptions(options, VERIFY_OPTIONS, 'verify')
  checkIdentityOptions(options)
  checkRunOptions(options)
  const source = resolve(path)
  const { header } = await readHeader(source)
  const { payloadKey, metadata } = await openHeader(header, options)
  try {
    const result = await verifyPayload(source, payloadKey, header.length, metadata.size ?? null, options, metadata.padding)
    return { plaintextBytes: result.plaintextBytes, metadata }
  } finally {
    payloadKey.destroy()
  }
}

// inspect: what can be learned about a .fsec file. Without a key, only the public header
// (recipients, sizes); with an identity or the passphrase, also the sealed metadata (original
// name, size, times, note, padding, rotation history), which opening the header authenticates.
import { resolve } from 'node:path'

import type { PyfilesecEvent, PyfilesecInfo } from './codecs/pyfilesec-codec'
import { ArgumentError } from './errors'
import { checkIdentityOptions, type IdentityOptions, openHeader } from './decrypt'
import { describeHeader, inspect as inspectHeader, type InspectResult, readHeader } from './fsec'
import type { FileMetadata } from './metadata'

export interface InspectOptions extends IdentityOptions {}

export interface InspectWithMetadataResult extends InspectResult {
  /** The authenticated metadata; present when a key or passphrase was given. */
  metadata?: FileMetadata
  /** pyFileSec archives: every `meta-data …` event (clear text, unauthenticated), oldest first. */
  history?: PyfilesecEvent[]
  /** pyFileSec archives: warnings (the format has no MAC). */
  warnings?: string[]
  /** pyFileSec archives: members, output name, OpenSSL version hint. */
  pyfilesec?: PyfilesecInfo
}

const INSPECT_OPTIONS = new Set(['identity', 'identityPassphrase', 'passphrase', 'maxWorkFactor'])

/**
 * Describes a .fsec file. With `identity` or `passphrase`, the header is opened (which
 * authenticates it) and the sealed metadata is included; nothing of the payload is decrypted.
 */
export async function inspect(file: string, options?: InspectOptions): Promise<InspectWithMetadataResult> {
  if (typeof file !== 'string' || file === '') throw new ArgumentError('file must be a path')
  const path = resolve(file)
  if (options === undefined) return inspectHeader(path)
  if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object')
  for (const k of Object.keys(options)) {
    if (!INSPECT_OPTIONS.has(k)) throw new ArgumentError(`unknown inspect option '${k}'`)
  }
  checkIdentityOptions(options)
  const { header, fileSize } = await readHeader(path)
  const info = describeHeader(path, header, fileSize)
  const { payloadKey, metadata } = await openHeader(header, options)
  payloadKey.destroy()
  return { ...info, metadata }
}

// decryptFile: a .fsec file back to its plaintext. The plaintext is written to a temporary file
// and renamed into place only after every chunk authenticated.
import { resolve } from 'node:path'

import type { LegacyIntegrity, PyfilesecEvent, PyfilesecInfo, PyfilesecKdf } from './codecs/pyfilesec-codec'
import { detectSyncService, detectVcs } from './detect'
import { ArgumentError, nativeCall, UnsafeLocationError } from './errors'
import { readHeader } from './fsec'
import { runJob } from './jobs'
import { type KeyInput, loadIdentities } from './keys'
import { decodeMetadata, type FileMetadata } from './metadata'
import { native, type PayloadKey } from './native'
import { checkKnownOptions, checkRunOptions, defaultThreads, MAX_WORK_FACTOR, type RunOptions } from './options'
import { type PassphraseSource, withPassphrase } from './passphrase'
import { removeAbandonedTemporaries } from './leftovers'
import { assertOutputAbsent, defaultDecryptedPath, tempPathFor } from './paths'

export interface IdentityOptions {
  /** Private keys to decrypt with (any one that is a recipient will do). */
  identity?: KeyInput | KeyInput[]
  /** Passphrase of the identity files, when they are protected. */
  identityPassphrase?: PassphraseSource
  /** The passphrase of a passphrase-encrypted file. */
  passphrase?: PassphraseSource
  /** Largest scrypt work factor (log2 N) accepted from a file (default 22). */
  maxWorkFactor?: number
}

export interface DecryptOptions extends IdentityOptions, RunOptions {
  /** Output path (default: the input without `.fsec`, else the stored original name beside it). */
  output?: string
  /** Replace an existing output file (default false). */
  overwrite?: boolean
  /** Give the output the original modification time from the metadata (default true). */
  preserveMtime?: boolean
  /**
   * Allow writing the plaintext into a cloud-sync folder (Dropbox, OneDrive, …) or a version-control
   * working copy, where it would be copied elsewhere (default false: UnsafeLocationError).
   */
  allowUnsafeOutput?: boolean
  /**
   * pyFileSec archives only: write the plaintext even when the ciphertext does not match the
   * "hash of cipher_text" recorded in the archive (default false: PayloadTamperedError).
   */
  allowChecksumMismatch?: boolean
  /** pyFileSec archives only: the HMAC key given to pyFileSec's encrypt(hmac_key=…), to check its recorded HMAC. */
  hmacKey?: string | Buffer
}

export interface DecryptResult {
  input: string
  output: string
  plaintextBytes: number
  metadata: FileMetadata
  /** pyFileSec archives (unauthenticated format): what could be checked. */
  integrity?: LegacyIntegrity
  /** pyFileSec archives: things the caller should know (always: the format has no MAC). */
  warnings?: string[]
  /** pyFileSec archives: every `meta-data …` event of the archive, oldest first. */
  history?: PyfilesecEvent[]
  /** pyFileSec archives: members, the pyFileSec output name, OpenSSL hint, key derivation used. */
  pyfilesec?: PyfilesecInfo & { kdf: PyfilesecKdf }
}

const DECRYPT_OPTIONS = [
  'identity', 'identityPassphrase', 'passphrase', 'maxWorkFactor', 'output', 'overwrite', 'preserveMtime',
  'allowUnsafeOutput',
  'signal', 'onProgress', 'threads', 'durable',
] as const

export function checkIdentityOptions(o: IdentityOptions): void {
  const hasKeys = o.identity !== undefined && !(Array.isArray(o.identity) && o.identity.length === 0)
  if (hasKeys === (o.passphrase !== undefined)) {
    throw new ArgumentError('give an identity (private key) or the file passphrase, exactly one of them')
  }
  if (o.identityPassphrase !== undefined && !hasKeys) {
    throw new ArgumentError('identityPassphrase needs an identity')
  }
  if (o.maxWorkFactor !== undefined && (!Number.isInteger(o.maxWorkFactor) || o.maxWorkFactor < 1 || o.maxWorkFactor > 40)) {
    throw new ArgumentError('maxWorkFactor must be an integer from 1 to 40')
  }
}

export interface OpenedHeader {
  payloadKey: PayloadKey
  metadata: FileMetadata
}

/** Unwraps the file key from a header with the caller's identities or passphrase. */
export async function openHeader(header: Buffer, o: IdentityOptions): Promise<OpenedHeader> {
  const maxWorkFactor = o.maxWorkFactor ?? MAX_WORK_FACTOR
  let opened
  if (o.passphrase !== undefined) {
    opened = await withPassphrase(o.passphrase, 'passphrase', (pass) =>
      nativeCall(native.fsec.open(header, [], pass, maxWorkFactor)),
    )
  } else {
    const ids = await loadIdentities(
      o.identity!,
      o.identityPassphrase !== undefined ? { passphrase: o.identityPassphrase } : {},
    )
    opened = await nativeCall(native.fsec.open(header, ids.map((k) => k.native), null, maxWorkFactor))
  }
  try {
    return { payloadKey: opened.payloadKey, metadata: decodeMetadata(opened.metadata) }
  } catch (e) {
    opened.payloadKey.destroy()
    throw e
  } finally {
    opened.metadata.fill(0)
  }
}

export async function decryptFile(input: string, options: DecryptOptions): Promise<DecryptResult> {
  if (typeof input !== 'string' || input === '') throw new ArgumentError('input must be a path')
  if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object')
  checkKnownOptions(options, DECRYPT_OPTIONS, 'decrypt')
  checkIdentityOptions(options)
  checkRunOptions(options)
  if (options.allowUnsafeOutput !== undefined && typeof options.allowUnsafeOutput !== 'boolean') {
    throw new ArgumentError('allowUnsafeOutput must be a boolean')
  }
  const source = resolve(input)
  const { header } = await readHeader(source)
  const { payloadKey, metadata } = await openHeader(header, options)
  try {
    const output = options.output !== undefined ? resolve(options.output) : defaultDecryptedPath(source, metadata.name)
    if (output === undefined) {
      throw new ArgumentError('the file has no .fsec extension and no stored name: give an output path')
    }
    if (output === source) throw new ArgumentError('the output must differ from the input')
    if (!options.overwrite) await assertOutputAbsent(output)
    await removeAbandonedTemporaries(output)
    if (options.allowUnsafeOutput !== true) await refuseUnsafeOutput(output)
    const mtime = options.preserveMtime !== false && metadata.mtime !== undefined ? Date.parse(metadata.mtime) : null
    const result = await runJob(
      (onProgress) =>
        native.decryptFile(
          payloadKey,
          {
            source,
            payloadOffset: header.length,
            expectedSize: metadata.size ?? null,
            padding: metadata.padding,
            output,
            tempPath: tempPathFor(output),
            overwrite: options.overwrite === true,
            durable: options.durable !== false,
            threads: options.threads ?? defaultThreads(),
            mtimeMs: mtime !== null && mtime >= 0 ? mtime : null,
          },
          onProgress,
        ),
      options,
    )
    return { input: source, output, plaintextBytes: result.plaintextBytes, metadata }
  } finally {
    payloadKey.destroy()
  }
}

/** Refuses an output where plaintext would be copied away: a synced folder or a working copy (unless git ignores it). */
export async function refuseUnsafeOutput(output: string): Promise<void> {
  const [sync, vcs] = await Promise.all([detectSyncService(output), detectVcs(output)])
  const optIn = 'decrypt elsewhere, or opt in with allowUnsafeOutput: true (CLI --allow-unsafe-output)'
  if (sync !== null) {
    throw new UnsafeLocationError(
      `refusing to write plaintext to ${output}: it is inside a ${sync.service} folder (${sync.root}), ` +
        `which would copy it to the cloud; ${optIn}`,
      output,
    )
  }
  // A git-ignored output (a data folder listed in .gitignore) is left out by `git add`.
  if (vcs !== null && !(vcs.kind === 'git' && vcs.ignored === true)) {
    throw new UnsafeLocationError(
      `refusing to write plaintext to ${output}: it is inside a ${vcs.kind} working copy (${vcs.root}), ` +
        `where it is easily committed; ${optIn}`,
      output,
    )
  }
}

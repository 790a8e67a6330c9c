// rotateFile: change who can open an encrypted file. By default only the header changes: the
// file key is unwrapped with the old identity and wrapped again for the new recipients, so the
// payload stays byte for byte as it was and a 10 GiB file rotates as fast as a 10 KiB one. With
// `rekey` the payload is re-encrypted under a fresh file key instead. Either way a failure
// leaves the old file as it was, and the sealed metadata records the rotation.
import { chmod, lstat } from 'node:fs/promises'
import { resolve } from 'node:path'

import type { FileIdentity, FileKey } from '../binding'
import { checkIdentityOptions, type IdentityOptions } from './decrypt'
import { sealHeader } from './encrypt'
import { ArgumentError, FileError, fromFs, nativeCall } from './errors'
import {
  assertNoInterruptedRotation,
  openForReading,
  parseHeader,
  readHeaderFrom,
  recipientsOf,
  type RecipientInfo,
} from './fsec'
import { runJob } from './jobs'
import { type Key, type KeyInput, loadIdentities, loadKeys } from './keys'
import { decodeMetadata, type FileMetadata, withRotation } from './metadata'
import { native, type FsecHeaderInfo, type PayloadKey } from './native'
import { checkPadOption, type PadOption, paddingFor } from './padding'
import {
  checkKnownOptions,
  checkRunOptions,
  DEFAULT_WORK_FACTOR,
  defaultThreads,
  MAX_WORK_FACTOR,
  type RunOptions,
  throwIfAborted,
} from './options'
import { type PassphraseSource, withPassphrase } from './passphrase'
import { rotationJournalPath, statRegularFile, tempPathFor } from './paths'

export interface RotateOptions extends IdentityOptions, RunOptions {
  /** Replace every recipient with these keys (public keys, or private keys whose public half is used). */
  to?: KeyInput | KeyInput[]
  /** Add these keys as recipients; the others stay. */
  add?: KeyInput | KeyInput[]
  /** Remove these recipients: keys, or key fingerprints (64 hex digits); the others stay. */
  remove?: KeyInput | KeyInput[]
  /** Make a passphrase the only recipient (replacing every key, or the old passphrase). */
  newPassphrase?: PassphraseSource
  /** scrypt work factor log2(N) for newPassphrase (default 18, 10 to 22). */
  workFactor?: number
  /** Passphrase of private keys given in to, add or remove. */
  keyPassphrase?: PassphraseSource
  /**
   * Re-encrypt the payload under a fresh file key (default false: header only). Needs `to` or
   * `newPassphrase`: a header holds no public keys of the recipients it keeps.
   */
  rekey?: boolean
  /** With rekey: the new padding (false: none, 'padme', or a multiple of N bytes). Default: kept as it is. */
  pad?: PadOption
}

export interface RotateResult {
  path: string
  /** True when the payload was re-encrypted under a fresh file key. */
  rekeyed: boolean
  /**
   * How the new file was put in place: the header rewritten in place (same size, behind a
   * journal), the file copied with its new header (the header outgrew its room), or the
   * payload re-encrypted (rekey).
   */
  commit: 'in-place' | 'copy' | 'rewrite'
  /**
   * Who could open the file before and after: key fingerprints, or 'passphrase'. For age files,
   * one label per stanza: 'passphrase', 'ssh-ed25519:<tag>' / 'ssh-rsa:<tag>' (the stanza's key
   * tag), 'X25519:<share>' (X25519 stanzas name no key; the ephemeral share tells them apart),
   * or the type of another stanza.
   */
  from: string[]
  to: string[]
  /** The new header's recipients, as inspect() lists them. */
  recipients: RecipientInfo[]
  headerSize: number
  fileBytes: number
  /** Bytes written to disk for the file (the header alone for an in-place rotation). */
  bytesWritten: number
}

export const ROTATE_OPTIONS = [
  'identity', 'identityPassphrase', 'passphrase', 'maxWorkFactor', 'to', 'add', 'remove', 'newPassphrase',
  'workFactor', 'keyPassphrase', 'rekey', 'pad', 'signal', 'onProgress', 'threads', 'durable',
] as const

const FINGERPRINT = /^[0-9a-f]{64}$/i

/**
 * Test seam: runs between reading the file and committing the new header, so tests can change
 * the file there. Not public API.
 * @internal
 */
export const rotationTestHooks: { beforeCommit?: (path: string) => Promise<void> | void } = {}

/** True when a to/add/remove option holds at least one key. */
export function given(v: unknown): boolean {
  return v !== undefined && !(Array.isArray(v) && v.length === 0)
}

function checkRotateOptions(o: RotateOptions): void {
  checkKnownOptions(o, ROTATE_OPTIONS, 'rotate')
  checkIdentityOptions(o)
  checkRunOptions(o)
  checkRotateChange(o)
}

/**
 * The checks on the new side of a rotation that every codec shares: exactly one kind of change
 * (to, add/remove, newPassphrase), and workFactor / keyPassphrase / rekey / pad only with the
 * changes they apply to.
 */
export function checkRotateChange(o: RotateOptions): void {
  const replacing = given(o.to)
  const editing = given(o.add) || given(o.remove)
  const toPassphrase = o.newPassphrase !== undefined
  if (!replacing && !editing && !toPassphrase) {
    throw new ArgumentError('say who can open the file after the rotation: to (replace), add, remove, or newPassphrase')
  }
  if (Number(replacing) + Number(editing) + Number(toPassphrase) > 1) {
    throw new ArgumentError('to, add/remove and newPassphrase exclude each other: give one kind of change')
  }
  if (o.workFactor !== undefined) {
    if (!toPassphrase) throw new ArgumentError('workFactor applies to newPassphrase only')
    if (!Number.isInteger(o.workFactor) || o.workFactor < 10 || o.workFactor > MAX_WORK_FACTOR) {
      throw new ArgumentError(`workFactor must be an integer from 10 to ${MAX_WORK_FACTOR}`)
    }
  }
  if (o.keyPassphrase !== undefined && !replacing && !editing) {
    throw new ArgumentError('keyPassphrase applies to keys given in to, add or remove')
  }
  if (o.rekey !== undefined && typeof o.rekey !== 'boolean') throw new ArgumentError('rekey must be a boolean')
  if (o.rekey === true && editing) {
    throw new ArgumentError(
      'rekey wraps a fresh file key for every recipient, and a header holds no public keys: give the full list ' +
        'of recipients with to (or newPassphrase) instead of add/remove',
    )
  }
  if (o.pad !== undefined) {
    if (o.rekey !== true) throw new ArgumentError('pad changes the payload: it needs rekey: true')
    checkPadOption(o.pad)
  }
}

/** Who a header lets in, as recorded in the rotation history. */
function labelsOf(info: FsecHeaderInfo): string[] {
  return info.stanzas.flatMap((s) => (s.type === 'scrypt' ? ['passphrase'] : s.fingerprint !== undefined ? [s.fingerprint] : []))
}

interface FileRead {
  header: Buffer
  identity: FileIdentity
  /** Permission bits, kept by every kind of commit. */
  mode: number
}

/** Rotation rewrites the file at `path` itself: a symbolic link is refused, not followed. */
export async function refuseSymlink(path: string): Promise<void> {
  let link
  try {
    link = await lstat(path)
  } catch (e) {
    throw fromFs(e, path)
  }
  if (link.isSymbolicLink()) {
    throw new FileError('FSEC_NOT_A_FILE', `${path} is a symbolic link: rotate the file it points to`, { path })
  }
}

/** Reads the header and what identifies the file, to check again right before the commit. */
async function readForRotation(path: string): Promise<FileRead> {
  await refuseSymlink(path)
  const handle = await openForReading(path)
  try {
    const st = await handle.stat({ bigint: true })
    if (!st.isFile()) throw new FileError('FSEC_NOT_A_FILE', `${path} is not a regular file`, { path })
    const header = await readHeaderFrom(handle)
    return {
      header,
      identity: { dev: st.dev, ino: st.ino, size: Number(st.size), mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs },
      mode: Number(st.mode) & 0o777,
    }
  } finally {
    await handle.close()
  }
}

interface OpenedFile {
  fileKey: FileKey
  payloadKey: PayloadKey
  /** The metadata plaintext (wiped by the caller). */
  metadataBytes: Buffer
  metadata: FileMetadata
}

async function openFileKey(header: Buffer, o: IdentityOptions): Promise<OpenedFile> {
  const maxWorkFactor = o.maxWorkFactor ?? MAX_WORK_FACTOR
  let opened
  if (o.passphrase !== undefined) {
    opened = await withPassphrase(o.passphrase, 'passphrase', (pass) =>
      nativeCall(native.fsec.openFileKey(header, [], pass, maxWorkFactor)),
    )
  } else {
    const ids = await loadIdentities(o.identity!, o.identityPassphrase !== undefined ? { passphrase: o.identityPassphrase } : {})
    opened = await nativeCall(native.fsec.openFileKey(header, ids.map((k) => k.native), null, maxWorkFactor))
  }
  try {
    return { fileKey: opened.fileKey, payloadKey: opened.payloadKey, metadataBytes: opened.metadata, metadata: decodeMetadata(opened.metadata) }
  } catch (e) {
    opened.fileKey.destroy()
    opened.payloadKey.destroy()
    opened.metadata.fill(0)
    throw e
  }
}

/**
 * Authenticates the payload's commitment and final chunk (constant work, whatever the size):
 * a rotation must not give new recipients a file that is already truncated or mismatched.
 * Returns the payload plaintext size (padding included), authenticated.
 */
async function checkPayload(payloadKey: PayloadKey, path: string, payloadOffset: number, size: number | undefined): Promise<number> {
  const reader = await nativeCall(native.openReader(payloadKey, path, payloadOffset, size ?? null))
  try {
    return reader.size
  } finally {
    reader.close()
  }
}

/** The new recipients of a header-only rotation: old stanzas kept verbatim plus new keys. */
interface RecipientPlan {
  keep: number[]
  added: Key[]
  /** Labels of who can open the file afterwards. */
  to: string[]
}

function keyOptions(o: RotateOptions) {
  return o.keyPassphrase !== undefined ? { passphrase: o.keyPassphrase } : {}
}

async function fingerprintsToRemove(o: RotateOptions): Promise<Set<string>> {
  const out = new Set<string>()
  const items = Array.isArray(o.remove) ? o.remove : o.remove === undefined ? [] : [o.remove]
  for (const item of items) {
    if (typeof item === 'string' && FINGERPRINT.test(item.trim())) {
      out.add(item.trim().toLowerCase())
      continue
    }
    for (const k of await loadKeys(item, keyOptions(o))) out.add(k.fingerprint)
  }
  return out
}

async function planRecipients(info: FsecHeaderInfo, o: RotateOptions): Promise<RecipientPlan> {
  if (given(o.to)) {
    const added = await loadKeys(o.to!, keyOptions(o))
    return { keep: [], added, to: added.map((k) => k.fingerprint) }
  }
  if (o.newPassphrase !== undefined) return { keep: [], added: [], to: ['passphrase'] }

  if (info.stanzas.some((s) => s.type === 'scrypt')) {
    throw new ArgumentError('the file is encrypted to a passphrase, not to keys: use to (or newPassphrase) instead of add/remove')
  }
  const removing = await fingerprintsToRemove(o)
  const current = new Set(info.stanzas.flatMap((s) => (s.fingerprint !== undefined ? [s.fingerprint] : [])))
  for (const fp of removing) {
    if (!current.has(fp)) throw new ArgumentError(`${fp.slice(0, 16)}… is not a recipient of this file: nothing to remove`)
  }
  const added = given(o.add) ? await loadKeys(o.add!, keyOptions(o)) : []
  for (const k of added) {
    if (removing.has(k.fingerprint)) throw new ArgumentError(`${k.fingerprint.slice(0, 16)}… is both added and removed`)
    if (current.has(k.fingerprint)) throw new ArgumentError(`${k.fingerprint.slice(0, 16)}… is already a recipient of this file`)
  }
  // Stanzas of types this version does not know are other recipients: add/remove leave them be.
  const keep: number[] = []
  const to: string[] = []
  info.stanzas.forEach((s, i) => {
    if (s.type === 'reserved') return
    if (s.fingerprint !== undefined && removing.has(s.fingerprint)) return
    keep.push(i)
    if (s.fingerprint !== undefined) to.push(s.fingerprint)
  })
  if (keep.length + added.length === 0) {
    throw new ArgumentError('removing every recipient would leave nobody able to open the file: use to or newPassphrase to replace them')
  }
  return { keep, added, to: [...to, ...added.map((k) => k.fingerprint)] }
}

export interface Committed {
  commit: 'in-place' | 'copy'
  fileBytes: number
  bytesWritten: number
}

/** Puts the new header in place: over the old one when the size is the same, else by copy. */
async function commitHeader(path: string, read: FileRead, newHeader: Buffer, o: RunOptions): Promise<Committed> {
  if (newHeader.length === read.header.length) {
    const durable = o.durable !== false
    await nativeCall(native.rotation.commitInPlace(path, rotationJournalPath(path), read.identity, read.header, newHeader, durable))
    return { commit: 'in-place', fileBytes: read.identity.size, bytesWritten: newHeader.length }
  }
  return commitByCopy(path, read.identity, read.header, newHeader, o)
}

/**
 * Writes `newHeader` + the payload after `oldHeader` (copy_file_range) to a temporary file beside
 * `path` (same permission bits), syncs it and renames it over `path`; the file must still be
 * `identity` with `oldHeader` at its start (FSEC_SOURCE_CHANGED). Format-neutral: the age codec
 * commits its rotations this way too. `signal` aborts the copy (the original stays).
 */
export async function commitByCopy(
  path: string,
  identity: FileIdentity,
  oldHeader: Buffer,
  newHeader: Buffer,
  o: RunOptions,
): Promise<Committed> {
  const copy = native.rotation.commitCopy(path, tempPathFor(path), identity, oldHeader, newHeader, o.durable !== false)
  const onAbort = (): void => copy.abort()
  o.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    const size = await nativeCall(copy.promise)
    return { commit: 'copy', fileBytes: size, bytesWritten: size }
  } finally {
    o.signal?.removeEventListener('abort', onAbort)
  }
}

async function rotateHeaderOnly(path: string, read: FileRead, opened: OpenedFile, o: RotateOptions): Promise<RotateResult> {
  const info = parseHeader(read.header)
  const plan = await planRecipients(info, o)
  const from = labelsOf(info)
  const metadata = withRotation(opened.metadataBytes, { at: new Date(), from, to: plan.to, rekeyed: false })
  let newHeader: Buffer
  try {
    newHeader = await withPassphrase(o.newPassphrase, 'new passphrase', (pass) =>
      nativeCall(
        native.fsec.reseal(read.header, opened.fileKey, {
          keep: plan.keep,
          recipients: plan.added.map((k) => k.native),
          passphrase: pass,
          workFactor: o.workFactor ?? DEFAULT_WORK_FACTOR,
          metadata,
          targetSize: read.header.length,
        }),
      ),
    )
  } finally {
    metadata.fill(0)
  }
  throwIfAborted(o.signal)
  await rotationTestHooks.beforeCommit?.(path)
  const done = await commitHeader(path, read, newHeader, o)
  o.onProgress?.({ done: done.bytesWritten, total: done.bytesWritten })
  return {
    path,
    rekeyed: false,
    commit: done.commit,
    from,
    to: plan.to,
    recipients: recipientsOf(parseHeader(newHeader)),
    headerSize: newHeader.length,
    fileBytes: done.fileBytes,
    bytesWritten: done.bytesWritten,
  }
}

/** The padding of a rekeyed payload: kept unless `pad` says otherwise. */
function newPadding(unpadded: number, oldPadding: number, pad: PadOption | undefined): number {
  return pad === undefined ? oldPadding : paddingFor(unpadded, pad)
}

/**
 * A fresh file key: the payload re-encrypted chunk by chunk in native memory to a temporary
 * file beside the original, renamed over it once every old chunk authenticated.
 */
async function rotateRekey(path: string, read: FileRead, opened: OpenedFile, plaintextSize: number, o: RotateOptions): Promise<RotateResult> {
  const from = labelsOf(parseHeader(read.header))
  const keys = given(o.to) ? await loadKeys(o.to!, keyOptions(o)) : []
  const to = keys.length > 0 ? keys.map((k) => k.fingerprint) : ['passphrase']
  const keepBytes = plaintextSize - opened.metadata.padding
  const padding = newPadding(keepBytes, opened.metadata.padding, o.pad)
  const metadata = withRotation(
    opened.metadataBytes,
    { at: new Date(), from, to, rekeyed: true },
    { size: keepBytes + padding, padding },
  )
  let sealed
  try {
    sealed = await sealHeader(
      keys.length > 0 ? { to: keys } : { passphrase: o.newPassphrase!, ...(o.workFactor !== undefined ? { workFactor: o.workFactor } : {}) },
      metadata,
    )
  } finally {
    metadata.fill(0)
  }
  try {
    throwIfAborted(o.signal)
    await rotationTestHooks.beforeCommit?.(path)
    const result = await runJob(
      (onProgress) =>
        native.rekeyFile(
          opened.payloadKey,
          sealed.payloadKey,
          sealed.header,
          {
            source: path,
            payloadOffset: read.header.length,
            expectedSize: plaintextSize,
            keepBytes,
            padding,
            output: path,
            tempPath: tempPathFor(path),
            overwrite: true,
            durable: o.durable !== false,
            threads: o.threads ?? defaultThreads(),
          },
          onProgress,
        ),
      o,
    )
    // The engine creates its output 0600; keep who may read the file on disk as it was.
    if (read.mode !== 0o600) await chmod(path, read.mode).catch((e: unknown) => Promise.reject(fromFs(e, path)))
    return {
      path,
      rekeyed: true,
      commit: 'rewrite',
      from,
      to,
      recipients: recipientsOf(parseHeader(sealed.header)),
      headerSize: sealed.header.length,
      fileBytes: result.fileBytes,
      bytesWritten: result.fileBytes,
    }
  } finally {
    sealed.payloadKey.destroy()
  }
}

/**
 * Changes who can open an encrypted file, in place. The old side is given like decryptFile's
 * (identity, or the file's passphrase); the new side with exactly one of to, add/remove, or
 * newPassphrase. A header-only rotation (the default) does not revoke a removed recipient who
 * already had the file key: use rekey for that.
 */
export async function rotateFile(file: string, options: RotateOptions): Promise<RotateResult> {
  if (typeof file !== 'string' || file === '') throw new ArgumentError('file must be a path')
  if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object')
  checkRotateOptions(options)
  throwIfAborted(options.signal)
  const path = resolve(file)
  await assertNoInterruptedRotation(path)
  const read = await readForRotation(path)
  const opened = await openFileKey(read.header, options)
  try {
    const plaintextSize = await checkPayload(opened.payloadKey, path, read.header.length, opened.metadata.size)
    if (options.rekey === true) return await rotateRekey(path, read, opened, plaintextSize, options)
    return await rotateHeaderOnly(path, read, opened, options)
  } finally {
    opened.fileKey.destroy()
    opened.payloadKey.destroy()
    opened.metadataBytes.fill(0)
  }
}

export interface RecoverResult {
  path: string
  /** The journal looked for. */
  journal: string
  /** True when an interrupted rotation was completed; false when there was nothing to do. */
  recovered: boolean
}

/**
 * Completes a header rotation that was interrupted (a crash, a full disk) after it had started
 * to rewrite the header in place, from the journal it left beside the file. A journal that
 * fails its checks is reported (RotationError, FSEC_ROTATION_JOURNAL_INVALID) and not applied.
 */
export async function recoverRotation(file: string, options: { durable?: boolean } = {}): Promise<RecoverResult> {
  if (typeof file !== 'string' || file === '') throw new ArgumentError('file must be a path')
  if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object')
  checkKnownOptions(options, ['durable'], 'recoverRotation')
  checkRunOptions(options)
  const path = resolve(file)
  await statRegularFile(path)
  const journal = rotationJournalPath(path)
  const recovered = await nativeCall(native.rotation.recover(path, journal, options.durable !== false))
  return { path, journal, recovered }
}

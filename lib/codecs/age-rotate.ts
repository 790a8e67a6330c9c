// Header-only rotation of age files: the file key is unwrapped with the caller's identity or
// passphrase, wrapped again for the new recipients (native.age.rewrap, in native memory) and a
// new header MAC is computed under the same key. The payload (16-byte nonce + STREAM chunks)
// depends only on the file key, so it is copied byte for byte behind the new header.
//
// What age allows and what it does not:
//   - to (replace every recipient) and newPassphrase (an scrypt stanza, which must be alone)
//     work from any file;
//   - add keeps every old stanza verbatim and appends new ones (not to a passphrase file);
//   - remove finds ssh-rsa / ssh-ed25519 stanzas by their key tag (the first 4 bytes of
//     SHA-256 of the SSH public key). X25519 stanzas hold only an ephemeral share and name no
//     recipient, so an X25519 recipient cannot be removed: `to` gives the full new list instead;
//   - rekey would need a new payload (refused: decrypt and encrypt again), and pad has no
//     meaning (age has no padding).
//
// The new header seldom has the old length, and the in-place rewrite's journal is .fsec's (its
// recovery checks .fsec headers), so an age rotation always commits by copy: new header +
// copy_file_range of the payload into a temporary file beside the target, synced, renamed. An
// armored file is rotated in a binary copy and armored again into its place.
import { chmod, open, stat } from 'node:fs/promises'
import { resolve } from 'node:path'

import type { AgeFileKey, AgeHeaderInfo, AgeKeyInput, AgeStanzaInfo, FileIdentity } from '../../binding'
import { checkIdentityOptions } from '../decrypt'
import { armorFile, dearmorFile } from '../armor'
import { ArgumentError, FileError, fromFs, HeaderError, nativeCall, nativeSync, SourceChangedError } from '../errors'
import type { KeyInput } from '../keys'
import { native } from '../native'
import { checkKnownOptions, checkRunOptions, DEFAULT_WORK_FACTOR, throwIfAborted } from '../options'
import { type PassphraseSource, withPassphrase } from '../passphrase'
import { intermediatePathFor, removeIntermediate } from '../intermediate'
import { tempPathFor } from '../paths'
import {
  checkRotateChange,
  commitByCopy,
  given,
  refuseSymlink,
  ROTATE_OPTIONS,
  type RotateOptions,
  type RotateResult,
  rotationTestHooks,
} from '../rotate'
import { AGE_BINARY_MAGIC, ageRecipients, MAX_AGE_HEADER, openAgeFileKey, recipientsOfAge, startsWith } from './age-common'
import { sameBytes } from '../constant-time'

const FINGERPRINT = /^[0-9a-f]{64}$/i

function checkAgeRotateOptions(o: RotateOptions): void {
  checkKnownOptions(o, ROTATE_OPTIONS, 'rotate')
  // The .fsec options that have no age counterpart, refused before anything is read.
  if (o.rekey === true) {
    throw new ArgumentError(
      'rekey is not supported for age files: a fresh file key means a new payload; decrypt the file and encrypt it again instead',
    )
  }
  if (o.pad !== undefined) throw new ArgumentError('age files have no padding: pad does not apply to them')
  checkIdentityOptions(o)
  checkRunOptions(o)
  checkRotateChange(o)
}

/**
 * Who a stanza lets in, as RotateResult's from/to name it: 'passphrase' for scrypt, the type and
 * key tag for ssh-rsa / ssh-ed25519, and for X25519 (which names no key) the type and the
 * stanza's ephemeral share: it tells stanzas apart, and a kept stanza keeps it.
 */
function labelOf(s: AgeStanzaInfo): string {
  if (s.type === 'scrypt') return 'passphrase'
  return s.args.length > 0 && ['X25519', 'ssh-rsa', 'ssh-ed25519'].includes(s.type) ? `${s.type}:${s.args[0]}` : s.type
}

interface AgeRead {
  /** The binary header alone (empty for an armored file: its header is read once de-armored). */
  header: Buffer
  info: AgeHeaderInfo | null
  /** What the commit checks again: the same inode, unchanged since it was read. */
  identity: FileIdentity
  armored: boolean
  /** The file's permission bits, which the rotated file keeps. */
  mode: number
}

async function readAgeForRotation(path: string): Promise<AgeRead> {
  await refuseSymlink(path)
  const handle = await open(path, 'r').catch((e: unknown) => {
    throw fromFs(e, path)
  })
  try {
    const st = await handle.stat({ bigint: true })
    if (!st.isFile()) throw new FileError('FSEC_NOT_A_FILE', `${path} is not a regular file`, { path })
    const size = Number(st.size)
    const buf = Buffer.alloc(Math.min(size, MAX_AGE_HEADER))
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0)
    const head = buf.subarray(0, bytesRead)
    const identity = { dev: st.dev, ino: st.ino, size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs }
    const mode = Number(st.mode) & 0o7777
    // The codec claims armored files too; anything not binary is read as armor, so the strict
    // de-armorer says what is wrong with a file that is not.
    if (!startsWith(head, AGE_BINARY_MAGIC)) return { header: Buffer.alloc(0), info: null, identity, armored: true, mode }
    const info = nativeSync(() => native.age.parseHeader(head, bytesRead === size))
    return { header: Buffer.from(head.subarray(0, info.headerSize)), info, identity, armored: false, mode }
  } finally {
    await handle.close()
  }
}

/**
 * Authenticates the payload's final chunk (constant work, whatever the size): a rotation must
 * not hand new recipients a file that is already truncated or does not belong to this header.
 */
async function checkAgePayload(fileKey: AgeFileKey, path: string, payloadOffset: number): Promise<void> {
  const payloadKey = nativeSync(() => native.age.payloadKey(fileKey))
  try {
    const reader = await nativeCall(native.openReader(payloadKey, path, payloadOffset, null))
    reader.close()
  } finally {
    payloadKey.destroy()
  }
}

/** The new recipients: old stanzas kept verbatim (by index) and keys to wrap the file key for. */
interface AgePlan {
  keep: number[]
  added: AgeKeyInput[]
}

function asList(v: KeyInput | KeyInput[]): KeyInput[] {
  return Array.isArray(v) ? v : [v]
}

/** The indices of the stanzas `remove` names; ArgumentError for what cannot be found. */
async function stanzasToRemove(info: AgeHeaderInfo, remove: KeyInput[], keyPassphrase?: PassphraseSource): Promise<Set<number>> {
  for (const item of remove) {
    if (typeof item === 'string' && FINGERPRINT.test(item.trim())) {
      throw new ArgumentError('age stanzas carry no key fingerprints: give the public key (ssh-ed25519 or ssh-rsa) to remove')
    }
  }
  const out = new Set<number>()
  for (const d of await nativeCall(native.age.describeRecipients(await ageRecipients(remove, keyPassphrase)))) {
    if (d.tag === null) {
      throw new ArgumentError(
        'an X25519 recipient cannot be removed from an age file: its stanza does not say which key it is for ' +
          '(it holds only an ephemeral share); replace the recipients instead, with the full list the file should keep ' +
          '(to; filesec rotate -r)',
      )
    }
    const tag = d.tag
    const hits = info.stanzas.flatMap((s, i) => (s.type === d.type && s.args[0] !== undefined && sameBytes(s.args[0], tag) ? [i] : []))
    if (hits.length === 0) throw new ArgumentError(`the ${d.type} key ${d.tag} is not a recipient of this file: nothing to remove`)
    for (const i of hits) out.add(i)
  }
  return out
}

async function planAgeRecipients(info: AgeHeaderInfo, o: RotateOptions): Promise<AgePlan> {
  if (given(o.to)) return { keep: [], added: await ageRecipients(o.to!, o.keyPassphrase) }
  if (o.newPassphrase !== undefined) return { keep: [], added: [] }
  if (info.stanzas.some((s) => s.type === 'scrypt')) {
    throw new ArgumentError('the file is encrypted to a passphrase, not to keys: use to (or newPassphrase) instead of add/remove')
  }
  const removing = given(o.remove) ? await stanzasToRemove(info, asList(o.remove!), o.keyPassphrase) : new Set<number>()
  const added = given(o.add) ? await ageRecipients(o.add!, o.keyPassphrase) : []
  if (removing.size > 0 && added.length > 0) {
    for (const d of await nativeCall(native.age.describeRecipients(added))) {
      const tag = d.tag
      if (tag !== null && [...removing].some((i) => info.stanzas[i]!.type === d.type && info.stanzas[i]!.args[0] !== undefined && sameBytes(info.stanzas[i]!.args[0]!, tag))) {
        throw new ArgumentError(`the ${d.type} key ${d.tag} is both added and removed`)
      }
    }
  }
  // Stanzas of other types (plugins) are other recipients: add/remove leave them be.
  const keep = info.stanzas.flatMap((_, i) => (removing.has(i) ? [] : [i]))
  if (keep.length + added.length === 0) {
    throw new ArgumentError('removing every recipient would leave nobody able to open the file: use to or newPassphrase to replace them')
  }
  return { keep, added }
}

/**
 * rotateFile for age files (the age codec's rotateFile; reached through the public rotateFile,
 * which recognises the format). Header only; always committed by copy. An armored file is
 * de-armored into a binary copy beside it (ciphertext only), rotated there, and armored again
 * into its place: the whole file is rewritten, the payload still unchanged.
 */
export async function rotateAgeFile(file: string, options: RotateOptions): Promise<RotateResult> {
  if (typeof file !== 'string' || file === '') throw new ArgumentError('file must be a path')
  if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object')
  checkAgeRotateOptions(options)
  throwIfAborted(options.signal)
  const path = resolve(file)
  const read = await readAgeForRotation(path)
  if (!read.armored) return rotateBinary(path, read, options, path)
  const binary = intermediatePathFor(path)
  try {
    await dearmorFile(path, binary, 0, { signal: options.signal })
    const binaryRead = await readAgeForRotation(binary)
    if (binaryRead.armored) {
      throw new HeaderError('FSEC_HEADER_INVALID', 'age header: the armored data is not an age file (bad version line)')
    }
    const result = await rotateBinary(binary, binaryRead, options, path)
    await assertUnchanged(path, read.identity)
    const fileBytes = await armorFile(
      binary,
      { output: path, tempPath: tempPathFor(path), overwrite: true, durable: options.durable !== false },
      { signal: options.signal },
    )
    // The armored copy is written 0600; the rotated file keeps the original's permission bits.
    await chmod(path, read.mode).catch((e: unknown) => {
      throw fromFs(e, path)
    })
    return { ...result, path, fileBytes, bytesWritten: fileBytes }
  } finally {
    await removeIntermediate(binary)
  }
}

/** Refuses to replace a file that changed since it was read (SourceChangedError). */
async function assertUnchanged(path: string, was: FileIdentity): Promise<void> {
  const st = await stat(path, { bigint: true }).catch((e: unknown) => {
    throw fromFs(e, path)
  })
  if (st.dev !== was.dev || st.ino !== was.ino || Number(st.size) !== was.size || st.mtimeNs !== was.mtimeNs || st.ctimeNs !== was.ctimeNs) {
    throw new SourceChangedError('FSEC_SOURCE_CHANGED', `${path} changed while it was being rotated; it was left as it is`, { path })
  }
}

/** Rotates the binary age file at `path` (the target itself, or an armored target's binary copy). */
async function rotateBinary(path: string, read: AgeRead, options: RotateOptions, target: string): Promise<RotateResult> {
  const info = read.info!
  const fileKey = await openAgeFileKey(read.header, options)
  try {
    await checkAgePayload(fileKey, path, read.header.length)
    const plan = await planAgeRecipients(info, options)
    const newHeader = await withPassphrase(options.newPassphrase, 'new passphrase', (pass) =>
      nativeCall(
        native.age.rewrap(read.header, fileKey, {
          keep: plan.keep,
          recipients: plan.added,
          passphrase: pass,
          workFactor: options.workFactor ?? DEFAULT_WORK_FACTOR,
        }),
      ),
    )
    if (newHeader.length > MAX_AGE_HEADER) {
      throw new ArgumentError(`the new header would be over ${MAX_AGE_HEADER} bytes (too many recipients)`)
    }
    // The header about to be committed must parse and carry a MAC made with this file's key:
    // otherwise nobody, old or new recipient, could open the file afterwards.
    nativeSync(() => native.age.checkHeader(newHeader, fileKey))
    throwIfAborted(options.signal)
    await rotationTestHooks.beforeCommit?.(target)
    const done = await commitByCopy(path, read.identity, read.header, newHeader, options)
    options.onProgress?.({ done: done.bytesWritten, total: done.bytesWritten })
    const newInfo = native.age.parseHeader(newHeader)
    return {
      path,
      rekeyed: false,
      commit: done.commit,
      from: info.stanzas.map(labelOf),
      to: newInfo.stanzas.map(labelOf),
      recipients: recipientsOfAge(newInfo),
      headerSize: newHeader.length,
      fileBytes: done.fileBytes,
      bytesWritten: done.bytesWritten,
    }
  } finally {
    fileKey.destroy()
  }
}

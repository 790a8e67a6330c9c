// The .fsec v1 container as seen from TypeScript: reading the header from a file or a stream
// prefix, and describing its public part (no key needed).
import type { FileHandle } from 'node:fs/promises'
import { lstat, open } from 'node:fs/promises'
import { resolve } from 'node:path'

import { NotEncryptedError, RotationInterruptedError, TruncatedError, fromFs, nativeSync } from './errors'
import { native, type FsecHeaderInfo } from './native'
import { rotationJournalPath } from './paths'

export const FSEC_MAGIC = Buffer.from('filesec', 'latin1')
/** Bytes needed to learn a header's size. */
export const FSEC_FIXED_SIZE = 32

export function hasFsecMagic(bytes: Buffer): boolean {
  return bytes.length >= FSEC_MAGIC.length && bytes.subarray(0, FSEC_MAGIC.length).equals(FSEC_MAGIC)
}

/** The header size announced by the first bytes (throws for a non-.fsec or damaged start). */
export function headerSizeOf(first: Buffer): number {
  return nativeSync(() => native.fsec.headerSize(first))
}

async function readExactly(handle: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.alloc(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done)
    if (bytesRead === 0) break
    done += bytesRead
  }
  return done === length ? buf : buf.subarray(0, done)
}

/** Reads the complete header of an open .fsec file. */
export async function readHeaderFrom(handle: FileHandle): Promise<Buffer> {
  const first = await readExactly(handle, FSEC_FIXED_SIZE, 0)
  if (!hasFsecMagic(first)) throw new NotEncryptedError('FSEC_NOT_ENCRYPTED', 'not a .fsec file (no filesec magic)')
  const size = headerSizeOf(first)
  const header = await readExactly(handle, size, 0)
  if (header.length < size) throw new TruncatedError('FSEC_TRUNCATED', 'the .fsec header is truncated')
  return header
}

export async function openForReading(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r')
  } catch (e) {
    throw fromFs(e, path)
  }
}

/**
 * Refuses a file whose header rotation was interrupted: its header may be half old, half new
 * until the rotation journal beside it has been applied.
 */
export async function assertNoInterruptedRotation(path: string): Promise<void> {
  const journal = rotationJournalPath(resolve(path))
  try {
    await lstat(journal)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
    throw fromFs(e, journal)
  }
  throw new RotationInterruptedError(
    'FSEC_ROTATION_INTERRUPTED',
    `a header rotation of ${resolve(path)} was interrupted (or is running): its journal ${journal} is still there. ` +
      `Finish it with \`filesec rotate --recover ${resolve(path)}\` (recoverRotation() in the API).`,
    { path: resolve(path) },
  )
}

export async function readHeader(path: string): Promise<{ header: Buffer; fileSize: number }> {
  await assertNoInterruptedRotation(path)
  const handle = await openForReading(path)
  try {
    const st = await handle.stat()
    if (!st.isFile()) throw fromFs(Object.assign(new Error('not a file'), { code: 'EISDIR' }), path)
    return { header: await readHeaderFrom(handle), fileSize: st.size }
  } finally {
    await handle.close()
  }
}

export function parseHeader(header: Buffer): FsecHeaderInfo {
  return nativeSync(() => native.fsec.parse(header))
}

export interface RecipientInfo {
  /** The recipient kind; 'ssh-ed25519' and 'ssh-rsa' occur in age files only. */
  type: 'rsa-oaep-sha256' | 'rsa-oaep-sha1' | 'x25519' | 'scrypt' | 'ssh-rsa' | 'ssh-ed25519' | 'unknown'
  /** Recipient key fingerprint (SHA-256 of its SubjectPublicKeyInfo), for .fsec key recipients. */
  fingerprint?: string
  /**
   * age ssh-rsa / ssh-ed25519 stanzas: the key tag the stanza carries (base64 of the first 4 bytes
   * of SHA-256 over the SSH public key), which tells which SSH key can open it.
   */
  sshKeyTag?: string
  /** For type 'unknown': the stanza type as the file names it (an age plugin, mlkem768x25519, …). */
  stanzaType?: string
  /** RSA modulus size, for RSA recipients. */
  rsaBits?: number
  /** scrypt work factor (log2 N), for a passphrase. */
  workFactor?: number
}

export interface InspectResult {
  path: string
  /** The codec (format) of the file: 'fsec', or another registered codec's name. */
  codec: string
  formatVersion: number
  payload: string
  fileId: string
  headerSize: number
  fileSize: number
  /** Size of the encrypted metadata block in the header (its content needs a key). */
  sealedMetadataSize: number
  passphrase: boolean
  recipients: RecipientInfo[]
  /** age files: whether the file is ASCII-armored (PEM, `age -a`); absent for other codecs. */
  armored?: boolean
}

/** The recipients a header lists (its reserved space is not one). */
export function recipientsOf(info: FsecHeaderInfo): RecipientInfo[] {
  return info.stanzas.flatMap((s) => {
    if (s.type === 'reserved') return []
    const r: RecipientInfo = { type: s.type }
    if (s.fingerprint !== undefined) r.fingerprint = s.fingerprint
    if (s.rsaBits !== undefined) r.rsaBits = s.rsaBits
    if (s.workFactor !== undefined) r.workFactor = s.workFactor
    return [r]
  })
}

/** Describes the public part of a .fsec file: no key is needed and nothing is decrypted. */
export async function inspect(file: string): Promise<InspectResult> {
  const path = resolve(file)
  const { header, fileSize } = await readHeader(path)
  return describeHeader(path, header, fileSize)
}

/** The public description of a header already read from `path`. */
export function describeHeader(path: string, header: Buffer, fileSize: number): InspectResult {
  const info = parseHeader(header)
  return {
    path,
    codec: 'fsec',
    formatVersion: info.version,
    payload: 'Cobblestone-256 (AES-256-GCM, HKDF-SHA-512, 16 KiB chunks)',
    fileId: info.fileId,
    headerSize: info.headerSize,
    fileSize,
    sealedMetadataSize: info.metadataSize,
    passphrase: info.stanzas.some((s) => s.type === 'scrypt'),
    recipients: recipientsOf(info),
  }
}

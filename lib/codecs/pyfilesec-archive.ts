// Reading the container of a legacy pyFileSec `.enc` archive: a gzip'd tar holding `N.aes256`
// (the ciphertext, base64 text), `N.aes256.pwdrsa` (the RSA-OAEP wrapped password) and `N.meta`
// (JSON metadata). See ../shared/vectors/pyfilesec/FORMAT.md §1.
//
// Nothing is ever extracted by member name: the tar is parsed here, strictly, from a streaming
// gunzip (zlib is a container format, not cryptography), with memory bounded by the role limits
// below whatever the archive declares. Members are classified by suffix, as pyFileSec did, and
// the archive is refused (HeaderError FSEC_HEADER_INVALID) for: bad gzip, a truncated tar, a
// header checksum mismatch, absolute / `..` / hidden / nested names, links, devices, folders,
// duplicate or unknown-role members, oversized members, or a missing member.
import { createReadStream } from 'node:fs'
import type { Writable } from 'node:stream'
import { createGunzip } from 'node:zlib'

import { fromFs, HeaderError } from '../errors'
import { throwIfAborted } from '../options'

const BLOCK = 512

/** Largest accepted `.pwdrsa` member: an RSA ciphertext of up to 16384 bits. */
export const MAX_WRAPPED_BYTES = 2048
/** Largest accepted `.meta` member (pyFileSec writes well under 4 KiB per event). */
export const MAX_META_BYTES = 1 << 20
/** Largest accepted `.aes256` member: base64 of pyFileSec's 8 GiB MAX_FILE_SIZE, with room. */
export const MAX_CIPHERTEXT_BYTES = 2 ** 34
/** Zero bytes accepted after the end-of-archive block (tar record padding; Python writes < 10 KiB). */
const MAX_END_PADDING = 1 << 20
/** Largest GNU long-name / PAX extended header accepted. */
const MAX_EXTENDED_HEADER = 64 * 1024

export type MemberRole = 'ciphertext' | 'wrapped-password' | 'metadata'

export interface ArchiveMember {
  name: string
  role: MemberRole
  size: number
  /** Permission bits as stored. */
  mode: number
  /** Modification time as stored (seconds since the epoch). */
  mtime: number
}

export interface ArchiveContents {
  /** Members in stored order. */
  members: ArchiveMember[]
  ciphertext: ArchiveMember
  wrappedPassword: Buffer
  metadata: Buffer
}

function bad(message: string): HeaderError {
  return new HeaderError('FSEC_HEADER_INVALID', `pyFileSec archive: ${message}`)
}

/** The role a member name's suffix gives it (checked longest first, as pyFileSec's suffixes overlap). */
function roleOf(name: string): MemberRole | undefined {
  if (name.endsWith('.aes256.pwdrsa') || name.endsWith('.pwdrsa')) return 'wrapped-password'
  if (name.endsWith('.aes256')) return 'ciphertext'
  if (name.endsWith('.meta')) return 'metadata'
  return undefined
}

const ROLE_LIMIT: Record<MemberRole, number> = {
  ciphertext: MAX_CIPHERTEXT_BYTES,
  'wrapped-password': MAX_WRAPPED_BYTES,
  metadata: MAX_META_BYTES,
}

/**
 * A member name must be one plain file name: the decrypted file is named after it. pyFileSec
 * itself refused names starting with `.` or `/` or looking like `X:\`.
 */
function checkName(name: string): void {
  if (name === '' || name.includes('\0')) throw bad('a member has an empty name or one with a NUL byte')
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw bad(`member '${name}' has an absolute name`)
  if (name.split(/[/\\]/).includes('..')) throw bad(`member '${name}' has a '..' component (path traversal)`)
  if (name.includes('/') || name.includes('\\')) throw bad(`member '${name}' is inside a folder (pyFileSec stores plain names)`)
  if (name.startsWith('.')) throw bad(`member '${name}' has a hidden name`)
}

/** A NUL-terminated field as UTF-8 (Python 2 tarfile stores names as raw UTF-8 bytes). */
function text(field: Buffer): string {
  const end = field.indexOf(0)
  const bytes = end === -1 ? field : field.subarray(0, end)
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw bad('a member name is not valid UTF-8')
  }
}

/** An octal numeric field, or GNU base-256 when its first byte has the high bit set. */
function numeric(field: Buffer, what: string): number {
  if (field[0]! & 0x80) {
    if (field[0] !== 0x80) throw bad(`negative or oversized ${what} in a tar header`)
    let v = 0
    for (let i = 1; i < field.length; i++) {
      v = v * 256 + field[i]!
      if (v > Number.MAX_SAFE_INTEGER) throw bad(`oversized ${what} in a tar header`)
    }
    return v
  }
  const s = field.toString('latin1').replace(/\0.*$/s, '').trim()
  if (s === '') return 0
  if (!/^[0-7]+$/.test(s)) throw bad(`malformed ${what} in a tar header`)
  const v = parseInt(s, 8)
  if (!Number.isSafeInteger(v)) throw bad(`oversized ${what} in a tar header`)
  return v
}

function checksumOk(block: Buffer): boolean {
  const stored = numeric(block.subarray(148, 156), 'checksum')
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!
  return sum === stored
}

/** The records of a PAX extended header ("<len> <key>=<value>\n"): only path and size are used. */
function paxRecords(data: Buffer): { path?: string; size?: number } {
  const out: { path?: string; size?: number } = {}
  let at = 0
  while (at < data.length) {
    const space = data.indexOf(0x20, at)
    if (space === -1) throw bad('malformed PAX header')
    const len = Number(data.toString('latin1', at, space))
    if (!Number.isInteger(len) || len <= space - at + 1 || at + len > data.length) throw bad('malformed PAX header')
    const record = data.subarray(space + 1, at + len - 1)
    const eq = record.indexOf(0x3d)
    if (eq === -1 || data[at + len - 1] !== 0x0a) throw bad('malformed PAX header')
    const key = record.toString('utf8', 0, eq)
    const value = record.subarray(eq + 1)
    if (key === 'path') out.path = text(value)
    if (key === 'size') {
      if (!/^[0-9]+$/.test(value.toString('latin1'))) throw bad('malformed PAX size')
      out.size = Number(value.toString('latin1'))
      if (!Number.isSafeInteger(out.size)) throw bad('oversized PAX size')
    }
    at += len
  }
  return out
}

/** Yields the decompressed bytes of a gzip file, as Buffers; bad gzip is a HeaderError. */
async function* gunzipped(path: string, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  const input = createReadStream(path)
  const gunzip = createGunzip()
  const stream = input.pipe(gunzip)
  input.on('error', (e) => gunzip.destroy(e))
  try {
    for await (const chunk of stream) {
      throwIfAborted(signal)
      yield chunk as Buffer
    }
  } catch (e) {
    if (e instanceof Error && (e as { code?: unknown }).code === 'FSEC_ABORTED') throw e
    const code = (e as NodeJS.ErrnoException).code
    if (typeof code === 'string' && code.startsWith('Z_')) throw bad(`not a valid gzip stream (${(e as Error).message})`)
    throw fromFs(e, path)
  } finally {
    input.destroy()
    gunzip.destroy()
  }
}

/** Pulls exact byte counts out of an async stream of Buffers. */
class ByteReader {
  private pending: Buffer[] = []
  private buffered = 0
  private done = false
  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.done) {
      const r = await this.source.next()
      if (r.done) this.done = true
      else if (r.value.length > 0) {
        this.pending.push(r.value)
        this.buffered += r.value.length
      }
    }
    return this.buffered >= n
  }

  /** Exactly n bytes, or null at end of data (a HeaderError when only part is there). */
  async exact(n: number, what: string): Promise<Buffer | null> {
    if (!(await this.fill(n))) {
      if (this.buffered === 0) return null
      throw bad(`the tar ends inside ${what} (truncated)`)
    }
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending)
    const out = all.subarray(0, n)
    const rest = all.subarray(n)
    this.pending = rest.length > 0 ? [rest] : []
    this.buffered = rest.length
    return out
  }

  /** Passes n bytes to `sink` in pieces (bounded memory); `sink` null discards them. */
  async stream(n: number, what: string, sink: ((piece: Buffer) => Promise<void>) | null): Promise<void> {
    let left = n
    while (left > 0) {
      if (this.buffered === 0 && !(await this.fill(1))) throw bad(`the tar ends inside ${what} (truncated)`)
      const head = this.pending[0]!
      const take = Math.min(left, head.length)
      if (sink) await sink(head.subarray(0, take))
      if (take === head.length) this.pending.shift()
      else this.pending[0] = head.subarray(take)
      this.buffered -= take
      left -= take
    }
  }

  async rest(): Promise<AsyncGenerator<Buffer>> {
    const self = this
    return (async function* () {
      for (const p of self.pending) yield p
      self.pending = []
      while (!self.done) {
        const r = await self.source.next()
        if (r.done) self.done = true
        else yield r.value
      }
    })()
  }
}

/**
 * Reads the whole archive. The ciphertext member's bytes go to `ciphertextSink` (a writable the
 * caller owns, for a copy of the ciphertext beside the output) or are only counted when it is
 * null; the other two members are returned. Every rule above is checked before this resolves.
 */
export async function readArchive(path: string, ciphertextSink: Writable | null, signal?: AbortSignal): Promise<ArchiveContents> {
  const source = gunzipped(path, signal)
  try {
    return await readMembers(new ByteReader(source[Symbol.asyncIterator]()), ciphertextSink)
  } finally {
    // A failure part-way (a bad member, the sink's write error) leaves the generator suspended:
    // returning it closes the archive now rather than at garbage collection, so a full disk
    // can be unmounted or freed at once.
    await source.return(undefined)
  }
}

async function readMembers(reader: ByteReader, ciphertextSink: Writable | null): Promise<ArchiveContents> {
  const members: ArchiveMember[] = []
  const small: Partial<Record<MemberRole, Buffer>> = {}
  let longName: string | undefined
  let pax: { path?: string; size?: number } = {}
  for (;;) {
    const block = await reader.exact(BLOCK, 'a member header')
    if (block === null) throw bad('the tar ends without its end-of-archive blocks (truncated)')
    if (block.every((b) => b === 0)) break
    if (!checksumOk(block)) throw bad('a tar header checksum does not match (not a tar, or damaged)')
    const magic = block.toString('latin1', 257, 265)
    const posix = magic === 'ustar\u000000'
    if (!posix && magic !== 'ustar  \u0000') throw bad('not a ustar/GNU tar')
    const type = String.fromCharCode(block[156]!)
    let size = numeric(block.subarray(124, 136), 'size')
    if (type === 'L' || type === 'x') {
      if (size > MAX_EXTENDED_HEADER) throw bad('an extended tar header is too large')
      const data = await reader.exact(size, 'an extended header')
      if (data === null) throw bad('the tar ends inside an extended header (truncated)')
      await reader.stream((BLOCK - (size % BLOCK)) % BLOCK, 'an extended header', null)
      if (type === 'L') longName = text(data)
      else pax = paxRecords(data)
      continue
    }
    let name = text(block.subarray(0, 100))
    if (posix) {
      const prefix = text(block.subarray(345, 500))
      if (prefix !== '') name = `${prefix}/${name}`
    }
    if (longName !== undefined) name = longName
    if (pax.path !== undefined) name = pax.path
    if (pax.size !== undefined) size = pax.size
    longName = undefined
    pax = {}
    if (type === '1' || type === '2') throw bad(`member '${name}' is a link`)
    if (type === '3' || type === '4' || type === '6') throw bad(`member '${name}' is a device or FIFO`)
    if (type === '5') throw bad(`member '${name}' is a folder`)
    if (type !== '0' && type !== '\0' && type !== '7') throw bad(`member '${name}' has an unsupported tar type '${type}'`)
    checkName(name)
    const role = roleOf(name)
    if (role === undefined) throw bad(`member '${name}' has no known role (.aes256, .aes256.pwdrsa, .meta)`)
    if (members.some((m) => m.role === role)) throw bad(`more than one ${role} member ('${name}')`)
    if (size > ROLE_LIMIT[role]) throw bad(`member '${name}' is too large for its role (${size} bytes)`)
    const member: ArchiveMember = {
      name,
      role,
      size,
      mode: numeric(block.subarray(100, 108), 'mode') & 0o7777,
      mtime: numeric(block.subarray(136, 148), 'mtime'),
    }
    members.push(member)
    const what = `member '${name}'`
    if (role === 'ciphertext') {
      const sink = ciphertextSink
      await reader.stream(size, what, sink ? (piece) => writeTo(sink, piece) : null)
    } else {
      const data = await reader.exact(size, what)
      if (data === null && size > 0) throw bad(`the tar ends inside ${what} (truncated)`)
      small[role] = Buffer.from(data ?? Buffer.alloc(0))
    }
    await reader.stream((BLOCK - (size % BLOCK)) % BLOCK, what, null)
  }
  // After the first end-of-archive block only zeros may follow (the second block and the record
  // padding Python's tarfile writes); anything else would be data hidden behind the end.
  let padding = 0
  for await (const chunk of await reader.rest()) {
    if (!chunk.every((b) => b === 0)) throw bad('data after the end of the tar')
    // A bound, so that a stream of compressed zeros cannot keep the reader busy forever.
    padding += chunk.length
    if (padding > MAX_END_PADDING) throw bad('too much padding after the end of the tar')
  }
  const ciphertext = members.find((m) => m.role === 'ciphertext')
  for (const role of ['ciphertext', 'wrapped-password', 'metadata'] as const) {
    if (!members.some((m) => m.role === role)) throw bad(`the ${role} member is missing`)
  }
  return { members, ciphertext: ciphertext!, wrappedPassword: small['wrapped-password']!, metadata: small.metadata! }
}

function writeTo(sink: Writable, piece: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    // A copy: the gunzip stream may reuse its buffers.
    sink.write(Buffer.from(piece), (e) => (e ? reject(e) : resolve()))
  })
}

/**
 * True when `head` may start a pyFileSec archive: gzip (deflate) with a stored file name that,
 * when it ends within `head`, ends in `.enc` (Python's tarfile stores the archive's own name, and
 * pyFileSec always names archives `*.enc`). The tar inside cannot be seen in 64 bytes; the full
 * check happens when the archive is read.
 */
export function looksLikePyfilesecArchive(head: Buffer): boolean {
  if (head.length < 11 || head[0] !== 0x1f || head[1] !== 0x8b || head[2] !== 0x08) return false
  const flags = head[3]!
  if ((flags & 0xe0) !== 0 || (flags & 0x08) === 0) return false // reserved bits; FNAME required
  let at = 10
  if (flags & 0x04) {
    if (head.length < 12) return true
    at += 2 + head.readUInt16LE(10)
  }
  if (at >= head.length) return true
  const end = head.indexOf(0, at)
  if (end === -1) return true // the name runs past the sniffed bytes
  return head.toString('latin1', at, end).toLowerCase().endsWith('.enc')
}

// Standalone padding of plain files, in place, byte-compatible with pyFileSec's pad() / unpad():
// a file padded by either tool unpads with the other. Padding hides a file's length only once
// the padded file is encrypted. The trailer's bytes are in pyfilesec-trailer.ts.
//
// Unlike pyFileSec, the API is explicit: padFile() only pads (pyFileSec's special sizes 0 and -1
// are unpadFile() lenient and strict; the CLI still accepts them as `pad --size 0 / -1`).
import { constants } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { resolve } from 'node:path'

import { AbortError, ArgumentError, FileError, FilesecError, fromFs, PaddingError } from './errors'
import { SNIFF_BYTES } from './codecs/codec'
import { codecForHead } from './codecs/registry'
import {
  DEFAULT_PADDED_SIZE,
  encodeTrailer,
  MAX_PADDED_SIZE,
  MIN_PADDED_SIZE,
  padCountOf,
  TRAILER_LENGTH,
} from './pyfilesec-trailer'

export { DEFAULT_PADDED_SIZE, MAX_PADDED_SIZE, MIN_PADDED_SIZE } from './pyfilesec-trailer'

export interface PadOptions {
  /** Cancels the padding; the file is put back as it was. */
  signal?: AbortSignal
}

export interface PadResult {
  /** The file's absolute path. */
  path: string
  /** The file's size now: the requested size (raised to 128 if smaller). */
  size: number
  /** The bytes appended after the original content: fill + the 32-byte trailer. */
  padding: number
}

export interface UnpadOptions {
  /** true (default): a file that is not padded is a PaddingError. false: it is left as it is. */
  strict?: boolean
}

export interface UnpadResult {
  /** The file's absolute path. */
  path: string
  /** The file's size now (its original size). */
  size: number
  /** The padding bytes removed (0 when a lenient unpad found no padding). */
  removed: number
}

/** Zeros are written in pieces of this size, so memory stays small whatever the padded size. */
const ZEROS = Buffer.alloc(64 * 1024)

/**
 * Pads the file in place to exactly `size` bytes (default 16384; 1 to 127 are raised to 128, as
 * pyFileSec does; at most 8 GiB). Existing padding is replaced. The unpadded file must be shorter
 * than `size` − 32 bytes, else PaddingError and nothing changes. On any failure the file is put
 * back as it was.
 */
export async function padFile(path: string, size: number = DEFAULT_PADDED_SIZE, options: PadOptions = {}): Promise<PadResult> {
  const file = checkedPath(path)
  const target = checkedSize(size)
  const signal = checkedSignal(options)
  if (signal?.aborted) throw new AbortError()
  const { handle, length } = await openRegularFile(file, 'read-write')
  try {
    await refuseEncrypted(handle, file)
    const tail = await readTail(handle, length, file)
    const oldPadding = padCountOf(tail, length)
    const contentLength = length - oldPadding
    if (contentLength >= target - TRAILER_LENGTH) {
      throw new PaddingError(
        `padding ${file} to ${target} bytes cannot hide its length: the unpadded file must be shorter ` +
          `than ${target - TRAILER_LENGTH} bytes (the size minus the ${TRAILER_LENGTH}-byte trailer); choose a larger size`,
      )
    }
    try {
      // Written from the end of the content on, so old padding is overwritten where it overlaps.
      await writeZeros(handle, contentLength, target - TRAILER_LENGTH, signal)
      await writeAll(handle, encodeTrailer(target - contentLength), target - TRAILER_LENGTH)
      if (target < length) await handle.truncate(target)
      await handle.datasync()
    } catch (e) {
      throw await putBack(handle, file, e, { length, trailer: oldPadding > 0 ? tail : undefined })
    }
    return { path: file, size: target, padding: target - contentLength }
  } finally {
    await handle.close()
  }
}

/**
 * Removes the padding: truncates the file to the length its trailer announces. A file that is
 * not padded is a PaddingError, or with `strict: false` is left as it is (removed: 0).
 */
export async function unpadFile(path: string, options: UnpadOptions = {}): Promise<UnpadResult> {
  const file = checkedPath(path)
  const strict = checkedStrict(options)
  const { handle, length } = await openRegularFile(file, 'read-write')
  try {
    const padding = padCountOf(await readTail(handle, length, file), length)
    if (padding === 0) {
      if (strict) throw new PaddingError(`${file} is not padded: it does not end with a pyFileSec padding trailer`)
      return { path: file, size: length, removed: 0 }
    }
    try {
      await handle.truncate(length - padding)
      await handle.datasync()
    } catch (e) {
      throw fromFs(e, file)
    }
    return { path: file, size: length - padding, removed: padding }
  } finally {
    await handle.close()
  }
}

/** The number of padding bytes the file's trailer announces (fill + trailer), 0 when it is not padded. */
export async function paddingLength(path: string): Promise<number> {
  const file = checkedPath(path)
  const { handle, length } = await openRegularFile(file, 'read-only')
  try {
    return padCountOf(await readTail(handle, length, file), length)
  } finally {
    await handle.close()
  }
}

function checkedPath(path: unknown): string {
  if (typeof path !== 'string' || path === '') throw new ArgumentError('a file path (a non-empty string) is needed')
  return resolve(path)
}

function checkedSize(size: unknown): number {
  if (typeof size !== 'number' || !Number.isSafeInteger(size)) {
    throw new ArgumentError('the padded size must be a whole number of bytes')
  }
  if (size < 1) {
    throw new ArgumentError(`the padded size must be at least 1 byte (got ${size}); to remove padding use unpadFile()`)
  }
  if (size > MAX_PADDED_SIZE) {
    throw new ArgumentError(`the padded size must be at most ${MAX_PADDED_SIZE} bytes (8 GiB, pyFileSec's limit); got ${size}`)
  }
  return Math.max(size, MIN_PADDED_SIZE)
}

function checkedSignal(options: unknown): AbortSignal | undefined {
  if (typeof options !== 'object' || options === null) throw new ArgumentError('options must be an object')
  const { signal } = options as PadOptions
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new ArgumentError('signal must be an AbortSignal')
  return signal
}

function checkedStrict(options: unknown): boolean {
  if (typeof options !== 'object' || options === null) throw new ArgumentError('options must be an object')
  const { strict } = options as UnpadOptions
  if (strict !== undefined && typeof strict !== 'boolean') throw new ArgumentError('strict must be true or false')
  return strict ?? true
}

/**
 * Opens a regular file without following a symbolic link. O_NONBLOCK keeps the open of a FIFO
 * from waiting for a writer (it is then refused as not a regular file).
 */
async function openRegularFile(path: string, mode: 'read-only' | 'read-write'): Promise<{ handle: FileHandle; length: number }> {
  const access = mode === 'read-write' ? constants.O_RDWR : constants.O_RDONLY
  let handle: FileHandle
  try {
    handle = await open(path, access | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (e) {
    const error = e as NodeJS.ErrnoException
    if (error.code === 'ELOOP') {
      throw new FileError('FSEC_NOT_A_FILE', `${path} is a symbolic link (filesec does not follow links)`, {
        errno: error.errno,
        syscall: error.syscall,
        path,
      })
    }
    throw fromFs(e, path)
  }
  try {
    const st = await handle.stat()
    if (!st.isFile()) throw new FileError('FSEC_NOT_A_FILE', `${path} is not a regular file`, { path })
    return { handle, length: st.size }
  } catch (e) {
    await handle.close()
    throw e instanceof FilesecError ? e : fromFs(e, path)
  }
}

/** The file's last 32 bytes (fewer when the file is shorter). */
async function readTail(handle: FileHandle, length: number, path: string): Promise<Buffer> {
  const want = Math.min(length, TRAILER_LENGTH)
  const tail = Buffer.alloc(want)
  let got = 0
  try {
    while (got < want) {
      const { bytesRead } = await handle.read(tail, got, want - got, length - want + got)
      if (bytesRead === 0) break // the file shrank meanwhile: then it reads as not padded
      got += bytesRead
    }
  } catch (e) {
    throw fromFs(e, path)
  }
  return tail.subarray(0, got)
}

async function writeAll(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done)
    done += bytesWritten
  }
}

async function writeZeros(handle: FileHandle, from: number, to: number, signal?: AbortSignal): Promise<void> {
  for (let position = from; position < to; ) {
    if (signal?.aborted) throw new AbortError()
    const { bytesWritten } = await handle.write(ZEROS, 0, Math.min(ZEROS.length, to - position), position)
    position += bytesWritten
  }
}

interface BeforePadding {
  length: number
  /** The old trailer, when the file was padded. */
  trailer: Buffer | undefined
}

/**
 * After a failed or aborted padFile: gives the file its original length back and, if it was
 * padded, its old trailer. The content before the padding is never written to; the fill may
 * differ from before (it carries no information), so the file unpads exactly as before.
 * Returns the error to throw.
 */
async function putBack(handle: FileHandle, path: string, cause: unknown, before: BeforePadding): Promise<unknown> {
  const error = cause instanceof FilesecError ? cause : fromFs(cause, path)
  try {
    await handle.truncate(before.length)
    if (before.trailer !== undefined) await writeAll(handle, before.trailer, before.length - TRAILER_LENGTH)
    await handle.datasync()
  } catch (e) {
    const message = error instanceof Error ? error.message : String(error)
    const why = e instanceof Error ? e.message : String(e)
    const errno = (e as NodeJS.ErrnoException).errno
    const syscall = (e as NodeJS.ErrnoException).syscall
    return new FileError('FSEC_IO', `${message}; putting ${path} back as it was failed too (${why})`, { errno, syscall, path })
  }
  if (error instanceof FileError && error.code === 'FSEC_IO') {
    return new FileError('FSEC_IO', `${error.message}; the file was left as it was`, {
      errno: error.errno,
      syscall: error.syscall,
      path,
    })
  }
  return error
}

/**
 * A trailer appended to an encrypted file (.fsec, age, …) would make it fail to decrypt (trailing
 * data), and would hide nothing: padding belongs on the plaintext (or use encrypt's `pad` option).
 */
async function refuseEncrypted(handle: FileHandle, file: string): Promise<void> {
  const head = Buffer.alloc(SNIFF_BYTES)
  const { bytesRead } = await handle.read(head, 0, head.length, 0)
  const codec = codecForHead(head.subarray(0, bytesRead))
  if (codec !== undefined) {
    throw new ArgumentError(
      `${file} is an encrypted ${codec.name === 'fsec' ? '.fsec' : codec.name} file: pad the plaintext before encrypting it, or encrypt with the pad option`,
    )
  }
}

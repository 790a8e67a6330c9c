// Random access to an encrypted file (.fsec or binary age v1, recognised from its first bytes):
// read plaintext bytes [position, position + length) decrypting only the chunks that cover them.
// Opening authenticates the final chunk, so the size reported is authenticated and truncation is
// caught before any read.
import { open } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { resolve } from 'node:path'

import { ArgumentError, fromFs, nativeCall, InvalidPaddingError } from './errors'
import {
  AGE_BINARY_MAGIC,
  ageMetadataOf,
  isArmorStart,
  openAgeHeader,
  readBinaryAgeHeader,
  startsWith,
} from './codecs/age-common'
import { SNIFF_BYTES } from './codecs/codec'
import { checkIdentityOptions, type IdentityOptions, openHeader } from './decrypt'
import { readHeader } from './fsec'
import type { FileMetadata } from './metadata'
import { native } from './native'
import { statRegularFile } from './paths'
import type { Reader } from '../binding'

export class EncryptedFile {
  /** @internal */
  constructor(
    readonly path: string,
    /** The decrypted metadata (.fsec); for age, `{ v: 1, padding: 0, size }` from the payload. */
    readonly metadata: FileMetadata,
    private reader: Reader | undefined,
    /** The file's format. */
    readonly codec: 'fsec' | 'age' = 'fsec',
  ) {}

  /** Plaintext size in bytes (padding excluded). */
  get size(): number {
    return this.open().size - this.metadata.padding
  }

  /** Reads up to `length` plaintext bytes at `position` (fewer only at the end of the file). */
  async read(position: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(position) || position < 0) throw new ArgumentError('position must be a non-negative integer')
    if (!Number.isSafeInteger(length) || length < 0) throw new ArgumentError('length must be a non-negative integer')
    const end = Math.min(this.size, position + length)
    if (position >= end) return Buffer.alloc(0)
    return nativeCall(this.open().read(position, end - position))
  }

  /** A Readable of plaintext bytes [start, end) (end exclusive, default: the end of the file). */
  createReadStream(options: { start?: number; end?: number; chunkSize?: number } = {}): Readable {
    const start = options.start ?? 0
    const end = Math.min(options.end ?? this.size, this.size)
    const chunkSize = options.chunkSize ?? 1 << 20
    if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(end) || end < start) {
      throw new ArgumentError('start and end must be integers with 0 <= start <= end')
    }
    const file = this
    let position = start
    return new Readable({
      read() {
        if (position >= end) {
          this.push(null)
          return
        }
        file.read(position, Math.min(chunkSize, end - position)).then(
          (buf) => {
            position += buf.length
            this.push(buf)
          },
          (e) => this.destroy(e as Error),
        )
      },
    })
  }

  /** Releases the file; further reads fail. */
  close(): void {
    this.reader?.close()
    this.reader = undefined
  }

  private open(): Reader {
    if (!this.reader) throw new ArgumentError('the encrypted file is closed')
    return this.reader
  }
}

/** The first bytes of a file, to tell its format. */
async function headOf(path: string): Promise<Buffer> {
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw fromFs(e, path)
  })
  try {
    const buf = Buffer.alloc(SNIFF_BYTES)
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0)
    return buf.subarray(0, bytesRead)
  } catch (e) {
    throw fromFs(e, path)
  } finally {
    await fh.close()
  }
}

/** Opens an encrypted file (.fsec, or binary age) for random access. */
export async function openEncryptedFile(path: string, options: IdentityOptions): Promise<EncryptedFile> {
  if (typeof path !== 'string' || path === '') throw new ArgumentError('path must be a path')
  checkIdentityOptions(options)
  const source = resolve(path)
  const head = await headOf(source)
  if (startsWith(head, AGE_BINARY_MAGIC)) return openAgeFile(source, options)
  if (isArmorStart(head)) {
    throw new ArgumentError(
      `${source} is an armored (PEM) age file: random access needs the binary form (decrypt it with decryptFile, or encrypt without armor)`,
    )
  }
  // Anything else is read as .fsec, which says what is wrong with a file that is not one.
  return openFsecFile(source, options)
}

async function openFsecFile(source: string, options: IdentityOptions): Promise<EncryptedFile> {
  const { header } = await readHeader(source)
  const { payloadKey, metadata } = await openHeader(header, options)
  try {
    const reader = await nativeCall(native.openReader(payloadKey, source, header.length, metadata.size ?? null))
    const payloadSize = reader.size
    if (metadata.padding > payloadSize) {
      reader.close()
      throw new InvalidPaddingError('FSEC_PADDING_INVALID', `the metadata claims ${metadata.padding} bytes of padding but the payload holds ${payloadSize} bytes`)
    }
    return new EncryptedFile(source, metadata, reader, 'fsec')
  } finally {
    payloadKey.destroy()
  }
}

/**
 * age has no size field: the reader takes the plaintext size from the payload length and
 * authenticates the final chunk (its final flag) at open, so a file cut at a chunk boundary or
 * extended fails here, before any read.
 */
async function openAgeFile(source: string, options: IdentityOptions): Promise<EncryptedFile> {
  const st = await statRegularFile(source)
  const { header } = await readBinaryAgeHeader(source, st.size)
  const payloadKey = await openAgeHeader(header, options)
  try {
    const reader = await nativeCall(native.openReader(payloadKey, source, header.length, null))
    return new EncryptedFile(source, ageMetadataOf(reader.size), reader, 'age')
  } finally {
    payloadKey.destroy()
  }
}

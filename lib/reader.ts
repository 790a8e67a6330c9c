// Random access to an encrypted file: read plaintext bytes [position, position + length)
// decrypting only the chunks that cover them. Opening authenticates the final chunk, so the size
// reported is authenticated and truncation is caught before any read.
import { Readable } from 'node:stream'
import { resolve } from 'node:path'

import { ArgumentError, nativeCall, PaddingError } from './errors'
import { checkIdentityOptions, type IdentityOptions, openHeader } from './decrypt'
import { readHeader } from './fsec'
import type { FileMetadata } from './metadata'
import { native } from './native'
import type { Reader } from '../binding'

export class EncryptedFile {
  /** @internal */
  constructor(
    readonly path: string,
    readonly metadata: FileMetadata,
    private reader: Reader | undefined,
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

/** Opens an encrypted file for random access. */
export async function openEncryptedFile(path: string, options: IdentityOptions): Promise<EncryptedFile> {
  if (typeof path !== 'string' || path === '') throw new ArgumentError('path must be a path')
  checkIdentityOptions(options)
  const source = resolve(path)
  const { header } = await readHeader(source)
  const { payloadKey, metadata } = await openHeader(header, options)
  try {
    const reader = await nativeCall(native.openReader(payloadKey, source, header.length, metadata.size ?? null))
    const payloadSize = reader.size
    if (metadata.padding > payloadSize) {
      reader.close()
      throw new PaddingError('FSEC_PADDING_INVALID', `the metadata claims ${metadata.padding} bytes of padding but the payload holds ${payloadSize} bytes`)
    }
    return new EncryptedFile(source, metadata, reader)
  } finally {
    payloadKey.destroy()
  }
}

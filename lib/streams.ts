// Node stream transforms for pipelines: plaintext in, .fsec out, and back. The decrypt stream
// releases a chunk only after it authenticated and fails (and stays failed) on any tampering,
// truncation or extension. The cipher runs in native code, synchronously per write: each call
// handles at most the bytes of that write, microseconds per 64 KiB.
import { Transform, type TransformCallback } from 'node:stream'

import { ArgumentError, NotEncryptedError, TruncatedError, nativeSync } from './errors'
import { checkIdentityOptions, type IdentityOptions, openHeader } from './decrypt'
import { checkRecipientOptions, type RecipientOptions, sealHeader } from './encrypt'
import { FSEC_FIXED_SIZE, FSEC_MAGIC, headerSizeOf } from './fsec'
import { encodeMetadata, type FileMetadata, type MetadataOptions, metadataForStream, validateMetadataOptions } from './metadata'
import { native, type PayloadKey } from './native'
import type { Opener, Sealer } from '../binding'

export interface EncryptStreamOptions extends RecipientOptions, Omit<MetadataOptions, 'storeName' | 'storeTimes'> {
  /** The original file name to record (a base name). */
  name?: string
  /**
   * The exact number of bytes that will be written, if known: it is recorded in the metadata so
   * the decrypting side can tell truncation from extension, and the stream fails if the count
   * differs.
   */
  size?: number
}

/** A Transform that turns plaintext into a .fsec byte stream. */
export class EncryptStream extends Transform {
  private readonly options: EncryptStreamOptions
  private sealer: Sealer | undefined
  private payloadKey: PayloadKey | undefined
  private written = 0

  constructor(options: EncryptStreamOptions) {
    super()
    if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object')
    checkRecipientOptions(options)
    validateMetadataOptions(options)
    if (options.size !== undefined && (!Number.isSafeInteger(options.size) || options.size < 0)) {
      throw new ArgumentError('size must be a non-negative integer')
    }
    this.options = options
  }

  override _construct(callback: (error?: Error | null) => void): void {
    const metadata = encodeMetadata(metadataForStream(this.options))
    sealHeader(this.options, metadata).then(
      ({ header, payloadKey }) => {
        this.payloadKey = payloadKey
        this.sealer = nativeSync(() => new native.Sealer(payloadKey))
        this.push(header)
        callback()
      },
      (e) => callback(e),
    )
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.written += chunk.length
      if (this.options.size !== undefined && this.written > this.options.size) {
        throw new ArgumentError(`more bytes were written than the declared size ${this.options.size}`)
      }
      const out = nativeSync(() => this.sealer!.update(chunk))
      callback(null, out.length > 0 ? out : undefined)
    } catch (e) {
      callback(e as Error)
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.options.size !== undefined && this.written !== this.options.size) {
        throw new ArgumentError(`${this.written} bytes were written but the declared size is ${this.options.size}`)
      }
      const out = nativeSync(() => this.sealer!.final())
      this.release()
      callback(null, out)
    } catch (e) {
      this.release()
      callback(e as Error)
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.release()
    callback(error)
  }

  private release(): void {
    this.payloadKey?.destroy()
    this.payloadKey = undefined
  }
}

export type DecryptStreamOptions = IdentityOptions

/** False as soon as the first bytes cannot start a .fsec stream. */
function couldBeFsec(first: Buffer): boolean {
  const n = Math.min(first.length, FSEC_MAGIC.length)
  return first.subarray(0, n).equals(FSEC_MAGIC.subarray(0, n))
}

function notFsec(): NotEncryptedError {
  return new NotEncryptedError('FSEC_NOT_ENCRYPTED', 'not a .fsec stream (no filesec magic)')
}

/**
 * A Transform that turns a .fsec byte stream back into plaintext. Emits `metadata` (the
 * decrypted FileMetadata) once the header has been opened.
 */
export class DecryptStream extends Transform {
  private readonly options: DecryptStreamOptions
  private headerParts: Buffer[] = []
  private headerBytes = 0
  private headerSize = 0
  private opener: Opener | undefined
  private payloadKey: PayloadKey | undefined
  /** The decrypted metadata, once the header has been opened. */
  metadata: FileMetadata | undefined

  constructor(options: DecryptStreamOptions) {
    super()
    if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object')
    checkIdentityOptions(options)
    this.options = options
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.opener) {
      this.decrypt(chunk, callback)
      return
    }
    this.headerParts.push(chunk)
    this.headerBytes += chunk.length
    try {
      if (this.headerSize === 0) {
        const first = Buffer.concat(this.headerParts)
        this.headerParts = [first]
        if (!couldBeFsec(first)) throw notFsec()
        if (this.headerBytes < FSEC_FIXED_SIZE) return callback()
        this.headerSize = headerSizeOf(first)
      }
      if (this.headerBytes < this.headerSize) return callback()
    } catch (e) {
      return callback(e as Error)
    }
    const all = Buffer.concat(this.headerParts)
    this.headerParts = []
    const header = all.subarray(0, this.headerSize)
    const rest = all.subarray(this.headerSize)
    openHeader(Buffer.from(header), this.options).then(
      ({ payloadKey, metadata }) => {
        this.payloadKey = payloadKey
        this.metadata = metadata
        try {
          this.opener = nativeSync(() => new native.Opener(payloadKey, metadata.size ?? null))
        } catch (e) {
          return callback(e as Error)
        }
        this.emit('metadata', metadata)
        this.decrypt(rest, callback)
      },
      (e) => callback(e),
    )
  }

  private decrypt(chunk: Buffer, callback: TransformCallback): void {
    try {
      const out = chunk.length > 0 ? nativeSync(() => this.opener!.update(chunk)) : Buffer.alloc(0)
      callback(null, out.length > 0 ? out : undefined)
    } catch (e) {
      this.release()
      callback(e as Error)
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (!this.opener) {
        throw couldBeFsec(Buffer.concat(this.headerParts))
          ? new TruncatedError('FSEC_TRUNCATED', 'the stream ended inside the .fsec header')
          : notFsec()
      }
      const out = nativeSync(() => this.opener!.final())
      this.release()
      callback(null, out.length > 0 ? out : undefined)
    } catch (e) {
      this.release()
      callback(e as Error)
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.release()
    callback(error)
  }

  private release(): void {
    this.payloadKey?.destroy()
    this.payloadKey = undefined
  }
}

export function createEncryptStream(options: EncryptStreamOptions): EncryptStream {
  return new EncryptStream(options)
}

export function createDecryptStream(options: DecryptStreamOptions): DecryptStream {
  return new DecryptStream(options)
}

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
import { checkPadOption, type PadOption, paddingFor, PaddingStripper } from './padding'
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
  /**
   * Hide the exact size as encryptFile does ('padme', or a multiple of N bytes). Needs `size`:
   * the padding is computed from it before the first byte is encrypted.
   */
  pad?: PadOption
}

/** Padding is sealed from this block of zeros, a piece at a time. */
const ZEROS = Buffer.alloc(64 * 1024)

/** Checks the options of an encrypt stream; returns the padding its size needs. */
function checkEncryptStreamOptions(options: EncryptStreamOptions): number {
  if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object')
  checkRecipientOptions(options)
  validateMetadataOptions(options)
  if (options.size !== undefined && (!Number.isSafeInteger(options.size) || options.size < 0)) {
    throw new ArgumentError('size must be a non-negative integer')
  }
  checkPadOption(options.pad)
  if (options.pad !== undefined && options.pad !== false && options.size === undefined) {
    throw new ArgumentError('pad needs the plaintext size up front: give size as well')
  }
  return options.size !== undefined ? paddingFor(options.size, options.pad) : 0
}

/** A Transform that turns plaintext into a .fsec byte stream. */
export class EncryptStream extends Transform {
  private readonly options: EncryptStreamOptions
  private sealer: Sealer | undefined
  private payloadKey: PayloadKey | undefined
  private written = 0
  private readonly padding: number
  /** Set while the flush waits for the reading side to want more padding. */
  private wantMore: (() => void) | undefined

  constructor(options: EncryptStreamOptions) {
    // Checked before the stream exists: once super() returns, _construct is already scheduled.
    const padding = checkEncryptStreamOptions(options)
    super()
    this.padding = padding
    this.options = options
  }

  override _construct(callback: (error?: Error | null) => void): void {
    const fields = metadataForStream(this.options)
    if (fields.size !== undefined) {
      fields.size += this.padding
      fields.padding = this.padding
    }
    const metadata = encodeMetadata(fields)
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
    this.finish().then(
      (out) => {
        this.release()
        callback(null, out)
      },
      (e: unknown) => {
        this.release()
        callback(e as Error)
      },
    )
  }

  private async finish(): Promise<Buffer> {
    if (this.options.size !== undefined && this.written !== this.options.size) {
      throw new ArgumentError(`${this.written} bytes were written but the declared size is ${this.options.size}`)
    }
    await this.sealPadding()
    return nativeSync(() => this.sealer!.final())
  }

  override _read(size: number): void {
    const resume = this.wantMore
    this.wantMore = undefined
    resume?.()
    super._read(size)
  }

  /** Seals the padding's zeros a piece at a time, waiting while the reading side is full. */
  private async sealPadding(): Promise<void> {
    for (let left = this.padding; left > 0; ) {
      const n = Math.min(left, ZEROS.length)
      const out = nativeSync(() => this.sealer!.update(ZEROS.subarray(0, n)))
      left -= n
      if (out.length > 0 && !this.push(out)) await new Promise<void>((resolve) => (this.wantMore = resolve))
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
  private stripper: PaddingStripper | undefined
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
          this.stripper = new PaddingStripper(metadata.padding, metadata.size)
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
      const opened = chunk.length > 0 ? nativeSync(() => this.opener!.update(chunk)) : Buffer.alloc(0)
      const out = this.stripper!.take(opened)
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
      const out = this.stripper!.take(nativeSync(() => this.opener!.final()))
      this.stripper!.end()
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

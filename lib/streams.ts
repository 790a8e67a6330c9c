// Node stream transforms for pipelines: plaintext in, .fsec (or binary age v1) out, and back. The
// decrypt stream recognises the format from the first bytes, releases a chunk only after it
// authenticated and fails (and stays failed) on any tampering, truncation or extension. The
// cipher runs in native code, synchronously per write: each call handles at most the bytes of
// that write, microseconds per 64 KiB. Both formats share the native Sealer/Opener; only the
// header differs (lib/fsec.ts, lib/codecs/age-common.ts).
import { Transform, type TransformCallback } from 'node:stream'

import { ArgumentError, NotEncryptedError, TruncatedError, nativeSync } from './errors'
import {
  AGE_ARMOR_MAGIC,
  AGE_BINARY_MAGIC,
  ageHeaderSizeIn,
  openAgeHeader,
  sealAgeHeader,
  skipWhitespace,
} from './codecs/age-common'
import { checkIdentityOptions, type IdentityOptions, openHeader } from './decrypt'
import { checkRecipientOptions, type RecipientOptions, sealHeader } from './encrypt'
import { FSEC_FIXED_SIZE, FSEC_MAGIC, headerSizeOf } from './fsec'
import { encodeMetadata, type FileMetadata, type MetadataOptions, metadataForStream, validateMetadataOptions } from './metadata'
import { native, type PayloadKey } from './native'
import { checkPadOption, type PadOption, paddingFor, PaddingStripper } from './padding'
import type { Opener, Sealer } from '../binding'

/** The formats the streams write and read. */
export type StreamCodec = 'fsec' | 'age'

export interface EncryptStreamOptions extends RecipientOptions, Omit<MetadataOptions, 'storeName' | 'storeTimes'> {
  /**
   * The format to write: 'fsec' (default) or 'age' (a binary age v1 file, as `age -e` writes).
   * age has no sealed metadata and no padding: `name`, `note` and `pad` are refused with it;
   * `size` is enforced but not recorded.
   */
  codec?: StreamCodec
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

// Options of .fsec streams the age format has nowhere to put, and why.
const NOT_FOR_AGE: Record<string, string> = {
  name: 'age files have no sealed metadata to record a name in',
  note: 'age files have no sealed metadata to record a note in',
  pad: 'age files have no padding',
}

/** Checks the options of an encrypt stream; returns the codec and the padding its size needs. */
function checkEncryptStreamOptions(options: EncryptStreamOptions): { codec: StreamCodec; padding: number } {
  if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object')
  const codec = options.codec ?? 'fsec'
  if (codec !== 'fsec' && codec !== 'age') {
    throw new ArgumentError(`encrypt streams write the 'fsec' or 'age' codec, not '${String(codec)}'`)
  }
  checkRecipientOptions(options)
  if (options.size !== undefined && (!Number.isSafeInteger(options.size) || options.size < 0)) {
    throw new ArgumentError('size must be a non-negative integer')
  }
  if (codec === 'age') {
    for (const [k, why] of Object.entries(NOT_FOR_AGE)) {
      if ((options as Record<string, unknown>)[k] !== undefined) {
        throw new ArgumentError(`${k} is not supported with codec 'age' (${why})`)
      }
    }
    return { codec, padding: 0 }
  }
  validateMetadataOptions(options)
  checkPadOption(options.pad)
  if (options.pad !== undefined && options.pad !== false && options.size === undefined) {
    throw new ArgumentError('pad needs the plaintext size up front: give size as well')
  }
  return { codec, padding: options.size !== undefined ? paddingFor(options.size, options.pad) : 0 }
}

/** A Transform that turns plaintext into a .fsec (or, with `codec: 'age'`, a binary age) byte stream. */
export class EncryptStream extends Transform {
  private readonly options: EncryptStreamOptions
  /** The format written. */
  readonly codec: StreamCodec
  private sealer: Sealer | undefined
  private payloadKey: PayloadKey | undefined
  private written = 0
  private readonly padding: number
  /** Set while the flush waits for the reading side to want more padding. */
  private wantMore: (() => void) | undefined

  constructor(options: EncryptStreamOptions) {
    // Checked before the stream exists: once super() returns, _construct is already scheduled.
    const { codec, padding } = checkEncryptStreamOptions(options)
    super()
    this.codec = codec
    this.padding = padding
    this.options = options
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.sealHeader().then(
      ({ header, payloadKey }) => {
        this.payloadKey = payloadKey
        this.sealer = nativeSync(() => new native.Sealer(payloadKey))
        this.push(header)
        callback()
      },
      (e) => callback(e),
    )
  }

  /** The header for the recipients and its payload key: the payload is the same STREAM shape for both formats. */
  private sealHeader(): Promise<{ header: Buffer; payloadKey: PayloadKey }> {
    if (this.codec === 'age') return sealAgeHeader(this.options)
    const fields = metadataForStream(this.options)
    if (fields.size !== undefined) {
      fields.size += this.padding
      fields.padding = this.padding
    }
    return sealHeader(this.options, encodeMetadata(fields))
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

/** At most this much leading whitespace is waited through for an armor BEGIN line (age allows under 1 KiB). */
const MAX_LEADING_WHITESPACE = 1024

/**
 * What the first bytes of a stream are: a format, armored age (refused), not an encrypted
 * stream, or too few bytes to tell yet.
 */
function sniffStream(head: Buffer): StreamCodec | 'age-armor' | 'unknown' | 'undecided' {
  const isPrefixOf = (magic: Buffer): boolean => head.subarray(0, magic.length).equals(magic.subarray(0, Math.min(head.length, magic.length)))
  if (isPrefixOf(FSEC_MAGIC)) return head.length >= FSEC_MAGIC.length ? 'fsec' : 'undecided'
  if (isPrefixOf(AGE_BINARY_MAGIC)) return head.length >= AGE_BINARY_MAGIC.length ? 'age' : 'undecided'
  const ws = skipWhitespace(head)
  const rest = head.subarray(ws)
  if (rest.length === 0) return ws <= MAX_LEADING_WHITESPACE ? 'undecided' : 'unknown'
  const armorPrefix = rest.subarray(0, AGE_ARMOR_MAGIC.length).equals(AGE_ARMOR_MAGIC.subarray(0, Math.min(rest.length, AGE_ARMOR_MAGIC.length)))
  if (!armorPrefix) return 'unknown'
  return rest.length >= AGE_ARMOR_MAGIC.length ? 'age-armor' : 'undecided'
}

function notEncrypted(): NotEncryptedError {
  return new NotEncryptedError(
    'FSEC_NOT_ENCRYPTED',
    'not an encrypted stream (neither the .fsec magic nor a binary age header, age-encryption.org/v1)',
  )
}

function armorRefused(): ArgumentError {
  return new ArgumentError(
    'armored (PEM) age input is not supported by decrypt streams: give the binary form, or decrypt the file with decryptFile',
  )
}

/**
 * A Transform that turns a .fsec or binary age byte stream back into plaintext; the format is
 * recognised from the first bytes (`codec` says which, once known). Emits `metadata` once the
 * header has been opened: the decrypted FileMetadata of a .fsec stream, `{ v: 1, padding: 0 }`
 * for age (which has no sealed metadata).
 */
export class DecryptStream extends Transform {
  private readonly options: DecryptStreamOptions
  /** The bytes received while the header is incomplete. */
  private head: Buffer = Buffer.alloc(0)
  private opener: Opener | undefined
  private stripper: PaddingStripper | undefined
  private payloadKey: PayloadKey | undefined
  /** The format of the stream, once its first bytes have arrived. */
  codec: StreamCodec | undefined
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
    this.head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk])
    let headerSize: number | undefined
    try {
      if (this.codec === undefined) {
        const kind = sniffStream(this.head)
        if (kind === 'undecided') return callback()
        if (kind === 'unknown') throw notEncrypted()
        if (kind === 'age-armor') throw armorRefused()
        this.codec = kind
      }
      headerSize = this.headerSizeIn(this.head)
      if (headerSize === undefined) return callback()
    } catch (e) {
      return callback(e as Error)
    }
    const header = Buffer.from(this.head.subarray(0, headerSize))
    const rest = this.head.subarray(headerSize)
    this.head = Buffer.alloc(0)
    this.openHeader(header).then(
      ({ payloadKey, metadata }) => {
        // Destroyed while the header was being opened: _destroy has run already, so drop the key here.
        if (this.destroyed) {
          payloadKey.destroy()
          return callback()
        }
        this.payloadKey = payloadKey
        this.metadata = metadata
        try {
          this.opener = nativeSync(() => new native.Opener(payloadKey, metadata.size ?? null))
          this.stripper = new PaddingStripper(metadata.padding, metadata.size)
        } catch (e) {
          this.release()
          return callback(e as Error)
        }
        this.emit('metadata', metadata)
        this.decrypt(rest, callback)
      },
      (e) => callback(e),
    )
  }

  /** The header's size once all of it is in `bytes`; undefined while more is needed. Throws for a bad header. */
  private headerSizeIn(bytes: Buffer): number | undefined {
    if (this.codec === 'age') return ageHeaderSizeIn(bytes)
    if (bytes.length < FSEC_FIXED_SIZE) return undefined
    const size = headerSizeOf(bytes)
    return bytes.length >= size ? size : undefined
  }

  private async openHeader(header: Buffer): Promise<{ payloadKey: PayloadKey; metadata: FileMetadata }> {
    if (this.codec === 'fsec') return openHeader(header, this.options)
    // age has no sealed metadata and no size field: the final chunk's flag marks the end.
    return { payloadKey: await openAgeHeader(header, this.options), metadata: { v: 1, padding: 0 } }
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
        const kind = this.codec ?? sniffStream(this.head)
        if (kind === 'unknown') throw notEncrypted()
        if (this.head.length === 0) throw new TruncatedError('FSEC_TRUNCATED', 'the stream is empty: no encrypted header')
        const what = kind === 'age' ? 'an age' : kind === 'fsec' ? 'the .fsec' : 'an encrypted'
        throw new TruncatedError('FSEC_TRUNCATED', `the stream ended inside ${what} header`)
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

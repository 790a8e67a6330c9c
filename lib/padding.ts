// Length hiding. A .fsec file's size gives away its plaintext size; padding the plaintext with
// zero bytes (inside the authenticated payload, counted by the metadata `padding` field) blurs
// it. Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and Communication
// with PURBs", PoPETs 2019) keeps only the top bits of the length, so a padded length reveals
// O(log log L) bits instead of O(log L), for at most 15/129 (< 11.63%) extra bytes.
import { ArgumentError, PaddingError } from './errors'

/** false: no padding; 'padme': Padmé; a number N: up to the next multiple of N bytes. */
export type PadOption = false | 'padme' | number

const MAX = BigInt(Number.MAX_SAFE_INTEGER)

function checkLength(length: number): void {
  if (!Number.isSafeInteger(length) || length < 0) throw new ArgumentError('length must be a non-negative integer')
}

function toSafeNumber(padded: bigint): number {
  if (padded > MAX) throw new ArgumentError('the padded length would exceed 2^53 - 1 bytes')
  return Number(padded)
}

/**
 * The Padmé length for a plaintext of `length` bytes. Lengths 0 and 1 are unchanged (the
 * formula needs log2 of log2 L, which L < 2 does not have); so are 2 to 7 (z = 0).
 */
export function padmeLength(length: number): number {
  checkLength(length)
  if (length < 2) return length
  // BigInt throughout: JavaScript's bitwise operators work on 32 bits only.
  const l = BigInt(length)
  const e = l.toString(2).length - 1 // floor(log2 L)
  const s = e.toString(2).length // floor(log2 E) + 1: the bits needed to write E
  const mask = (1n << BigInt(e - s)) - 1n
  return toSafeNumber((l + mask) & ~mask)
}

/** Checks a pad option's shape (before any length is known). */
export function checkPadOption(pad: unknown): asserts pad is PadOption | undefined {
  if (pad === undefined || pad === false || pad === 'padme') return
  if (typeof pad === 'number' && Number.isSafeInteger(pad) && pad > 0) return
  throw new ArgumentError('pad must be false, "padme" or a positive integer (pad to a multiple of that many bytes)')
}

/** The number of zero bytes to append to a plaintext of `length` bytes. */
export function paddingFor(length: number, pad: PadOption | undefined): number {
  checkLength(length)
  checkPadOption(pad)
  if (pad === undefined || pad === false) return 0
  if (pad === 'padme') return padmeLength(length) - length
  // A remainder of numbers below 2^53 is exact in floating point.
  const padding = (pad - (length % pad)) % pad
  toSafeNumber(BigInt(length) + BigInt(padding))
  return padding
}

function checkZero(bytes: Buffer): void {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0) {
      throw new PaddingError(
        'FSEC_PADDING_INVALID',
        'the padding at the end of the payload is not all zero bytes: the file was written by a faulty encryptor',
      )
    }
  }
}

/**
 * Removes the trailing `padding` bytes from a decrypted plaintext that arrives in pieces, and
 * checks that they are zero. With the payload size known (metadata `size`), everything before
 * the padding is released at once; without it, the last `padding` bytes seen are held back
 * until the end.
 */
export class PaddingStripper {
  private seen = 0
  private held = Buffer.alloc(0)

  constructor(
    private readonly padding: number,
    private readonly payloadSize: number | undefined,
  ) {
    if (payloadSize !== undefined && padding > payloadSize) {
      throw new PaddingError('FSEC_PADDING_INVALID', `the metadata claims more padding (${padding} bytes) than payload (${payloadSize} bytes)`)
    }
  }

  /** The part of the plaintext seen so far that is certainly not padding, in order. */
  take(piece: Buffer): Buffer {
    if (this.padding === 0) return piece
    if (this.payloadSize !== undefined) {
      const keepEnd = this.payloadSize - this.padding
      const cut = Math.max(0, Math.min(piece.length, keepEnd - this.seen))
      this.seen += piece.length
      checkZero(piece.subarray(cut))
      return piece.subarray(0, cut)
    }
    const all = this.held.length > 0 ? Buffer.concat([this.held, piece]) : piece
    const cut = Math.max(0, all.length - this.padding)
    this.held = Buffer.from(all.subarray(cut))
    return all.subarray(0, cut)
  }

  /** At the end of the plaintext: checks that the padding was all there, and zero. */
  end(): void {
    if (this.padding === 0 || this.payloadSize !== undefined) return
    if (this.held.length < this.padding) {
      throw new PaddingError('FSEC_PADDING_INVALID', `the metadata claims more padding (${this.padding} bytes) than the payload holds`)
    }
    checkZero(this.held)
  }
}

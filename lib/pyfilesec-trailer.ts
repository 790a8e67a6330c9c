// The padding trailer of pyFileSec, which filesec's standalone padding writes and reads byte for
// byte. A padded file is: its original bytes, fill bytes (zeros), then the 32-byte trailer
//   `pad=` + 10 decimal digits + NUL + `pyFileSec_padded` + NUL
// where the number counts every appended byte (fill + trailer): removing the padding is a
// truncation by that many bytes. docs/FORMAT.md ("Standalone padding trailer") has the details.

/** The trailer's length in bytes. */
export const TRAILER_LENGTH = 32
/** pyFileSec's default padded size. */
export const DEFAULT_PADDED_SIZE = 16384
/** The smallest padded size; smaller positive sizes are raised to it, as pyFileSec does. */
export const MIN_PADDED_SIZE = 128
/** The largest padded size: pyFileSec's MAX_FILE_SIZE (8 GiB), so pyFileSec reads every trailer filesec writes. */
export const MAX_PADDED_SIZE = 2 ** 33

const LABEL = 'pad='
const MARKER = 'pyFileSec_padded'
const COUNT_DIGITS = 10
const COUNT_PIECE = /^pad=(\d+)$/

/** The trailer announcing `padCount` appended bytes (fill + trailer). */
export function encodeTrailer(padCount: number): Buffer {
  if (!Number.isSafeInteger(padCount) || padCount < TRAILER_LENGTH || padCount > MAX_PADDED_SIZE) {
    throw new RangeError(`a pad count must be from ${TRAILER_LENGTH} to ${MAX_PADDED_SIZE} (got ${padCount})`)
  }
  const trailer = Buffer.from(`${LABEL}${String(padCount).padStart(COUNT_DIGITS, '0')}\0${MARKER}\0`, 'latin1')
  if (trailer.length !== TRAILER_LENGTH) throw new RangeError('the pad count does not fit in 10 digits')
  return trailer
}

/**
 * The number of padding bytes a file announces at its end, or 0 when it is not padded.
 * `tail` holds the file's last bytes (32 of them when the file has that many).
 *
 * pyFileSec's detection rules: the file has at least 32 bytes; the last one is NUL; splitting the
 * last 32 bytes at each NUL, the 3rd- and 2nd-to-last pieces are the count (`pad=<digits>`) and
 * exactly `pyFileSec_padded`; the count is at most the file's length and at most 8 GiB. Anything
 * else means "not padded", so a damaged or hand-made trailer is never trusted for a truncation.
 * Stricter than pyFileSec on hand-made trailers only: the count must be `pad=` and digits (no
 * sign or spaces), and at least 32 (a smaller count would cut the trailer in half); every
 * trailer pyFileSec or filesec writes passes.
 */
export function padCountOf(tail: Buffer, fileLength: number): number {
  if (fileLength < TRAILER_LENGTH || tail.length !== TRAILER_LENGTH) return 0
  if (tail[TRAILER_LENGTH - 1] !== 0) return 0
  const pieces = tail.toString('latin1').split('\0')
  if (pieces.length < 3) return 0
  const countPiece = pieces[pieces.length - 3]!
  const markerPiece = pieces[pieces.length - 2]!
  if (markerPiece !== MARKER) return 0
  const match = COUNT_PIECE.exec(countPiece)
  if (match === null) return 0
  const count = Number(match[1])
  if (count < TRAILER_LENGTH || count > fileLength || count > MAX_PADDED_SIZE) return 0
  return count
}

// Comparisons of MACs, tags, checksums, headers that hold them, and key ids. A compare that stops
// at the first differing byte tells whoever times it how much of a guess was right; these take
// the same time whatever the contents (the length alone may differ, and is not secret).
import { timingSafeEqual } from 'node:crypto'

/** Whether two byte strings (or texts, compared as UTF-8) are equal, in time independent of their contents. */
export function sameBytes(a: Uint8Array | string, b: Uint8Array | string): boolean {
  const x = typeof a === 'string' ? Buffer.from(a, 'utf8') : a
  const y = typeof b === 'string' ? Buffer.from(b, 'utf8') : b
  return x.length === y.length && timingSafeEqual(x, y)
}

// Opening and re-closing pyFileSec archives in tests: the data ranges of the tar members, and
// gzip with the stored archive name (the FNAME field Python's tarfile writes, by which the codec
// recognises an archive). Independent of the reader under test.
import { gzipSync } from 'node:zlib'

/** The data ranges [start, end) in an uncompressed tar of its members, by name. */
export function tarMemberRanges(tar: Buffer): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>()
  for (let at = 0; at + 512 <= tar.length; ) {
    const h = tar.subarray(at, at + 512)
    if (h.every((b) => b === 0)) break
    const name = h.toString('utf8', 0, 100).replace(/\0.*$/s, '')
    const size = parseInt(h.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim(), 8)
    out.set(name, [at + 512, at + 512 + size])
    at += 512 + Math.ceil(size / 512) * 512
  }
  return out
}

/** gzip with a stored file name, as pyFileSec's archives have. */
export function gzipNamed(data: Buffer, name: string): Buffer {
  const gz = gzipSync(data)
  const header = Buffer.from(gz.subarray(0, 10))
  header[3] = 0x08 // FLG.FNAME
  return Buffer.concat([header, Buffer.from(`${name}\0`, 'latin1'), gz.subarray(10)])
}

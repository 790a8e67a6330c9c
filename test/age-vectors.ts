// Reading a C2SP CCTV age test vector (../shared/vectors/age/README.md): `name: value` lines,
// a blank line, then the age file (zlib-compressed when `compressed: zlib`).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { inflateSync } from 'node:zlib'

export interface AgeVector {
  name: string
  /** success, header failure, armor failure, payload failure, no match, HMAC failure */
  expect: string
  /** SHA-256 of the plaintext, hex, for success vectors. */
  payload?: string
  /** The file key, hex, where the vector states it. */
  fileKey?: string
  identities: string[]
  passphrases: string[]
  armored: boolean
  body: Buffer
}

export function readAgeVector(dir: string, name: string): AgeVector {
  const raw = readFileSync(join(dir, name))
  const sep = raw.indexOf('\n\n')
  const fields: [string, string][] = raw
    .subarray(0, sep)
    .toString('utf8')
    .split('\n')
    .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)])
  const all = (k: string): string[] => fields.filter(([key]) => key === k).map(([, v]) => v)
  let body = raw.subarray(sep + 2)
  if (all('compressed')[0] === 'zlib') body = inflateSync(body)
  const v: AgeVector = {
    name,
    expect: all('expect')[0]!,
    identities: all('identity'),
    passphrases: all('passphrase'),
    armored: all('armored')[0] === 'yes',
    body,
  }
  const payload = all('payload')[0]
  const fileKey = all('file key')[0]
  if (payload !== undefined) v.payload = payload
  if (fileKey !== undefined) v.fileKey = fileKey
  return v
}

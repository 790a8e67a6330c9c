// The C2SP CCTV age test kit, read from the `cctv-age` devDependency (it exports each vector file
// by name, so the suites run on any clone). A vector is `name: value` lines, a blank line, then the
// age file (zlib-compressed when `compressed: zlib`); ../shared/vectors/age/README.md says more.
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

// cctv-age is an ES module of Uint8Array exports; Node ≥ 20.19 loads it with require().
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kit = require('cctv-age') as Record<string, Uint8Array>

/** The names of every vector in the kit, sorted. */
export function ageVectorNames(): string[] {
  return Object.keys(kit).sort()
}

/** The raw bytes of one vector file, as the kit publishes it. */
export function ageVectorFile(name: string): Buffer {
  const bytes = kit[name]
  if (bytes === undefined) throw new Error(`no CCTV age vector named ${name}`)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

export function readAgeVector(name: string): AgeVector {
  const raw = ageVectorFile(name)
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

/** Vectors that need ML-KEM-768 (mlkem768x25519), which OpenSSL 3.0 does not have. */
export function needsMlKem(v: AgeVector): boolean {
  return v.name.startsWith('hybrid') || v.identities.some((i) => i.startsWith('AGE-SECRET-KEY-PQ-1'))
}

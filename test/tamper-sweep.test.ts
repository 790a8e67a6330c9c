// The tamper sweep: thousands of seeded random changes (single bytes, runs of bytes, scattered
// bytes, truncations, extensions, chunk swaps and duplicates) over whole files of several sizes,
// for every codec and recipient kind. Every change must fail authentication with a typed error,
// leave no output and no temporary file, and release no unauthenticated plaintext through the
// decrypt stream or the random-access reader. The few changes that decrypt are listed as benign
// (BENIGN below, with the reason they are not authenticated) and must give the exact plaintext.
//
// FILESEC_TAMPER_SEED=<n> replays a run (the seed is printed); FILESEC_TAMPER_CASES=<n> sets the
// number of cases per file (default below).
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'

import {
  createDecryptStream,
  decryptFile,
  encryptFile,
  FilesecError,
  generateKeyPair,
  HeaderError,
  type KeyPair,
  loadKey,
  writePrivateKey,
  NoMatchingRecipientError,
  openEncryptedFile,
  PayloadError,
  PayloadTamperedError,
  TrailingDataError,
  TruncatedError,
  WrongPassphraseError,
} from '../lib'
import { CHUNK as FSEC_CHUNK, layoutOf, SEALED_CHUNK as FSEC_SEALED_CHUNK } from './fsec-layout'
import { collectUntilError, describeWithVectors, scratchDir } from './helpers'
import { gzipNamed, tarMemberRanges } from './pyfilesec-archive'

const AGE_CHUNK = 64 * 1024
const AGE_SEALED_CHUNK = AGE_CHUNK + 16

const CASES_PER_FILE = envInt('FILESEC_TAMPER_CASES', 100)
const SEED = envInt('FILESEC_TAMPER_SEED', randomBytes(4).readUInt32BE(0))

function envInt(name: string, fallback: number): number {
  const v = process.env[name]
  if (v === undefined || v === '') return fallback
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, not ${v}`)
  return n
}

/** mulberry32: a small seeded generator, so that a failing case can be replayed from its seed. */
function prng(seed: number): { int(n: number): number; bytes(n: number): Buffer } {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number): number => Math.floor(next() * n)
  return { int, bytes: (n) => Buffer.from(Array.from({ length: n }, () => int(256))) }
}

type Rng = ReturnType<typeof prng>

/** Where the parts of an encrypted file are: the header and the sealed chunks. */
interface Regions {
  headerEnd: number
  /** Where the sealed chunks start (after the payload prefix: salt/commitment or age nonce). */
  payloadStart: number
  sealedChunk: number
  chunkStarts: number[]
}

interface Sample {
  label: string
  plain: Buffer
  file: Buffer
  /** null for formats without chunk structure seen from outside (armored age, pyFileSec). */
  regions: Regions | null
  decrypt: { identity?: string | Buffer; passphrase?: string; identityPassphrase?: { file: string } }
  /** Decrypt stream and random-access reader apply (.fsec and binary age). */
  streamable: boolean
}

interface Mutation {
  kind: string
  bytes: Buffer
  /** The first byte offset that differs from the original (its length for an extension). */
  firstChange: number
}

function fsecRegions(file: Buffer): Regions {
  const l = layoutOf(file)
  return { headerEnd: l.headerSize, payloadStart: l.headerSize + 56, sealedChunk: FSEC_SEALED_CHUNK, chunkStarts: l.chunkStarts }
}

function ageRegions(file: Buffer): Regions {
  const mac = file.indexOf('\n---')
  const headerEnd = file.indexOf(0x0a, mac + 1) + 1
  const payloadStart = headerEnd + 16
  const chunkStarts: number[] = []
  for (let p = payloadStart; p < file.length; p += AGE_SEALED_CHUNK) chunkStarts.push(p)
  return { headerEnd, payloadStart, sealedChunk: AGE_SEALED_CHUNK, chunkStarts }
}

/** An offset in a region picked at random, so that small regions (tags, header) are hit often. */
function pickOffset(rng: Rng, file: Buffer, r: Regions | null): number {
  if (!r || file.length === 0) return rng.int(Math.max(1, file.length))
  const last = r.chunkStarts.at(-1) ?? r.payloadStart
  const choices: [number, number][] = [
    [0, r.headerEnd], // header
    [r.headerEnd, r.payloadStart], // payload prefix (salt and commitment, age nonce)
    [0, file.length], // anywhere
    [last, file.length], // the final chunk
  ]
  if (r.chunkStarts.length > 0) {
    const k = rng.int(r.chunkStarts.length)
    const end = Math.min(file.length, r.chunkStarts[k]! + r.sealedChunk)
    choices.push([Math.max(r.chunkStarts[k]!, end - 16), end]) // a tag
    choices.push([r.chunkStarts[k]!, end]) // a chunk
  }
  const [from, to] = choices[rng.int(choices.length)]!
  return to > from ? from + rng.int(to - from) : rng.int(file.length)
}

function mutate(rng: Rng, file: Buffer, r: Regions | null): Mutation {
  const copy = Buffer.from(file)
  const kinds = ['flip', 'flip', 'flip', 'byte', 'run', 'scatter', 'truncate', 'extend']
  if (r && r.chunkStarts.length >= 2) kinds.push('swap', 'duplicate')
  const kind = kinds[rng.int(kinds.length)]!
  const diff = (bytes: Buffer): Mutation => {
    let first = 0
    while (first < Math.min(bytes.length, file.length) && bytes[first] === file[first]) first++
    return { kind, bytes, firstChange: first }
  }
  switch (kind) {
    case 'flip': {
      const at = pickOffset(rng, file, r)
      copy[at] = copy[at]! ^ (1 << rng.int(8))
      return diff(copy)
    }
    case 'byte': {
      const at = pickOffset(rng, file, r)
      copy[at] = copy[at]! ^ (1 + rng.int(255))
      return diff(copy)
    }
    case 'run': {
      const at = pickOffset(rng, file, r)
      const len = Math.min(file.length - at, 2 + rng.int(63))
      for (let i = 0; i < len; i++) copy[at + i] = copy[at + i]! ^ (1 + rng.int(255))
      return diff(copy)
    }
    case 'scatter': {
      const n = 2 + rng.int(7)
      for (let i = 0; i < n; i++) {
        const at = rng.int(file.length)
        copy[at] = copy[at]! ^ (1 + rng.int(255))
      }
      return diff(copy)
    }
    case 'truncate': {
      const cut = pickOffset(rng, file, r)
      return { kind, bytes: file.subarray(0, cut), firstChange: cut }
    }
    case 'extend': {
      const extra = rng.int(4) === 0 && r ? file.subarray(r.chunkStarts[0] ?? 0, Math.min(file.length, (r.chunkStarts[0] ?? 0) + r.sealedChunk)) : rng.bytes(1 + rng.int(40))
      return { kind, bytes: Buffer.concat([file, extra]), firstChange: file.length }
    }
    case 'swap':
    case 'duplicate': {
      const n = r!.chunkStarts.length
      const a = rng.int(n - 1)
      const b = a + 1 + rng.int(n - 1 - a)
      const chunk = (k: number): Buffer => file.subarray(r!.chunkStarts[k]!, Math.min(file.length, r!.chunkStarts[k]! + r!.sealedChunk))
      const ca = chunk(a)
      const cb = chunk(b)
      if (kind === 'swap') {
        // Swapped chunks of unequal length (the final one is short) shift the bytes after them.
        const out = Buffer.concat([file.subarray(0, r!.chunkStarts[a]!), cb, file.subarray(r!.chunkStarts[a]! + ca.length, r!.chunkStarts[b]!), ca, file.subarray(r!.chunkStarts[b]! + cb.length)])
        return diff(out)
      }
      return diff(Buffer.concat([file.subarray(0, r!.chunkStarts[b]!), ca, file.subarray(r!.chunkStarts[b]! + cb.length)]))
    }
  }
  throw new Error(`unknown mutation ${kind}`)
}

/**
 * Changes that decrypt, and why they are not authenticated. Each is recognised by what it did to
 * the file; any other change that decrypts fails the sweep.
 */
const BENIGN: { name: string; why: string; matches: (s: Sample, m: Mutation) => boolean }[] = [
  {
    name: 'armored age: a change of the armor alone (line ends, whitespace around it)',
    why: 'the armor is a transport encoding (age: CRLF line ends and whitespace before BEGIN and after END are accepted); what is authenticated is the binary age file inside it, unchanged',
    matches: (s, m) => s.label.startsWith('age armored') && dearmored(m.bytes)?.equals(dearmored(s.file)!) === true,
  },
]

const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----'
const ARMOR_END = '-----END AGE ENCRYPTED FILE-----'

/** The binary file inside an armored age file, read independently (undefined if there is none). */
function dearmored(bytes: Buffer): Buffer | undefined {
  const text = bytes.toString('latin1')
  const begin = text.indexOf(ARMOR_BEGIN)
  const end = text.indexOf(ARMOR_END)
  if (begin === -1 || end < begin) return undefined
  const body = text.slice(begin + ARMOR_BEGIN.length, end).replace(/\s+/g, '')
  return /^[A-Za-z0-9+/]*={0,2}$/.test(body) ? Buffer.from(body, 'base64') : undefined
}

describe('tamper sweep (seeded random changes over whole files, every codec)', function () {
  this.timeout(600_000)
  const dir = scratchDir('filesec-tamper-sweep-')
  const samples: Sample[] = []
  const counts = new Map<string, { cases: number; benign: number; byKind: Map<string, number>; codes: Map<string, number> }>()
  let caseNo = 0

  before(async function () {
    console.log(`      tamper sweep seed: ${SEED} (FILESEC_TAMPER_SEED=${SEED} replays), ${CASES_PER_FILE} cases per file`)
    const x25519 = await generateKeyPair('x25519')
    const rsa = await generateKeyPair('rsa', { bits: 2048 })
    await encryptSamples(x25519, rsa)
  })

  async function encryptSample(label: string, plain: Buffer, opts: Record<string, unknown>, decrypt: Sample['decrypt'], kind: 'fsec' | 'age' | 'armored'): Promise<void> {
    const src = join(dir(), `src-${samples.length}`)
    writeFileSync(src, plain)
    const r = await encryptFile(src, { keep: true, ...(opts as object) } as never)
    const file = readFileSync(r.output)
    rmSync(r.output)
    rmSync(src)
    const regions = kind === 'fsec' ? fsecRegions(file) : kind === 'age' ? ageRegions(file) : null
    samples.push({ label, plain, file, regions, decrypt, streamable: kind !== 'armored' })
  }

  async function encryptSamples(x25519: KeyPair, rsa: KeyPair): Promise<void> {
    const xKey = join(dir(), 'x25519.key')
    const rsaKey = join(dir(), 'rsa.key')
    await writePrivateKey(x25519.privateKey, xKey, { unprotected: true })
    await writePrivateKey(rsa.privateKey, rsaKey, { unprotected: true })
    const fsecSizes = [0, 1, FSEC_CHUNK - 1, FSEC_CHUNK, FSEC_CHUNK + 1, 3 * FSEC_CHUNK + 777]
    for (const size of fsecSizes) {
      const plain = randomBytes(size)
      await encryptSample(`fsec X25519 ${size} B`, plain, { to: x25519.publicKey }, { identity: xKey }, 'fsec')
    }
    for (const size of [1, FSEC_CHUNK + 1]) {
      await encryptSample(`fsec RSA ${size} B`, randomBytes(size), { to: rsa.publicKey }, { identity: rsaKey }, 'fsec')
      await encryptSample(`fsec passphrase ${size} B`, randomBytes(size), { passphrase: PASS, workFactor: 10 }, { passphrase: PASS }, 'fsec')
    }
    await encryptSample(`fsec X25519+RSA padded (padme) ${2 * FSEC_CHUNK + 5} B`, randomBytes(2 * FSEC_CHUNK + 5), { to: [x25519.publicKey, rsa.publicKey], pad: 'padme' }, { identity: rsaKey }, 'fsec')
    await encryptSample(`fsec X25519 padded (4096) 100 B`, randomBytes(100), { to: x25519.publicKey, pad: 4096 }, { identity: xKey }, 'fsec')
    const ageSizes = [0, 1, AGE_CHUNK - 1, AGE_CHUNK, AGE_CHUNK + 1, 2 * AGE_CHUNK + 333]
    for (const size of ageSizes) {
      await encryptSample(`age binary X25519 ${size} B`, randomBytes(size), { codec: 'age', to: x25519.publicKey.publicText }, { identity: xKey }, 'age')
    }
    for (const size of [1, AGE_CHUNK + 1]) {
      await encryptSample(`age binary scrypt ${size} B`, randomBytes(size), { codec: 'age', passphrase: PASS, workFactor: 10 }, { passphrase: PASS }, 'age')
      await encryptSample(`age armored X25519 ${size} B`, randomBytes(size), { codec: 'age', armor: true, to: x25519.publicKey.publicText }, { identity: xKey }, 'armored')
    }
    await encryptSample(`age armored scrypt 1000 B`, randomBytes(1000), { codec: 'age', armor: true, passphrase: PASS, workFactor: 10 }, { passphrase: PASS }, 'armored')
    if (haveSshKeygen()) {
      const ssh = join(dir(), 'ssh-rsa')
      spawnSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', ssh], { stdio: 'ignore' })
      await encryptSample(`age binary ssh-rsa ${AGE_CHUNK + 1} B`, randomBytes(AGE_CHUNK + 1), { codec: 'age', to: readFileSync(`${ssh}.pub`, 'utf8') }, { identity: ssh }, 'age')
    }
  }

  if (!haveSshKeygen()) {
    it('SKIPPED: the age ssh-rsa sample: ssh-keygen not found (Debian package openssh-client)', function () {
      this.skip()
    })
  }

  it('decrypts every untouched sample (control)', async () => {
    assert.ok(samples.length >= 20)
    for (const s of samples) {
      const out = await decryptInto(s, s.file)
      assert.deepEqual(out, s.plain, s.label)
    }
  })

  it('armored age: the transport changes age accepts (CRLF, whitespace around the armor, no final newline) decrypt to the same plaintext', async () => {
    const s = samples.find((x) => x.label.startsWith('age armored X25519'))!
    const text = s.file.toString('latin1')
    const changes: Record<string, string> = {
      'CRLF line ends': text.replace(/\n/g, '\r\n'),
      'whitespace after END': `${text}  \n\n`,
      'whitespace before BEGIN': `\n \n${text}`,
      'no final newline': text.replace(/\n$/, ''),
    }
    for (const [name, changed] of Object.entries(changes)) {
      const bytes = Buffer.from(changed, 'latin1')
      assert.ok(BENIGN[0]!.matches(s, { kind: 'armor', bytes, firstChange: 0 }), name)
      assert.deepEqual(await decryptInto(s, bytes), s.plain, name)
    }
    // Inside the armor it is not benign: a space at a line end, a blank line, a lower-case marker.
    for (const bad of [text.replace('\n', ' \n'), text.replace(/\n(?=[A-Za-z0-9+/])/, '\n\n'), text.replace('BEGIN', 'begin')]) {
      await assert.rejects(decryptInto(s, Buffer.from(bad, 'latin1')), HeaderError)
    }
  })

  async function decryptInto(s: Sample, bytes: Buffer): Promise<Buffer> {
    const sub = join(dir(), `c${caseNo++}`)
    mkdirSync(sub)
    const input = join(sub, s.label.startsWith('age') ? 'f.age' : 'f.fsec')
    writeFileSync(input, bytes)
    const output = join(sub, 'out')
    try {
      await decryptFile(input, { ...s.decrypt, output, maxWorkFactor: 14 })
      return readFileSync(output)
    } finally {
      rmSync(sub, { recursive: true, force: true })
    }
  }

  /** The error classes a change may fail with, by where it is. */
  function allowed(s: Sample, m: Mutation): (abstract new (...a: never[]) => Error)[] {
    // .fsec records the size, so it tells extension from truncation; age has no size, and bytes
    // added after its final chunk make an impossible payload length or a chunk that fails.
    if (m.kind === 'extend') return s.label.startsWith('fsec') ? [TrailingDataError] : [TrailingDataError, TruncatedError, PayloadTamperedError, HeaderError]
    const r = s.regions
    const inPayload = r !== null && m.firstChange >= r.payloadStart
    // age has no size either: the cut-short last chunk is taken as the final one and fails.
    if (m.kind === 'truncate') return inPayload ? (s.label.startsWith('fsec') ? [TruncatedError] : [TruncatedError, PayloadTamperedError]) : [TruncatedError, HeaderError, PayloadError, NoMatchingRecipientError, WrongPassphraseError]
    if (inPayload) return m.kind === 'swap' || m.kind === 'duplicate' ? [PayloadTamperedError, TruncatedError, TrailingDataError] : [PayloadTamperedError]
    return [HeaderError, PayloadError, NoMatchingRecipientError, WrongPassphraseError]
  }

  async function runCase(s: Sample, m: Mutation, stats: { benign: number; codes: Map<string, number> }): Promise<void> {
    const where = `${s.label}, ${m.kind} at ${m.firstChange} (of ${s.file.length}), seed ${SEED}`
    const sub = join(dir(), `c${caseNo++}`)
    mkdirSync(sub)
    const input = join(sub, s.label.startsWith('age') ? 'f.age' : 'f.fsec')
    writeFileSync(input, m.bytes)
    const output = join(sub, 'out')
    let error: unknown
    try {
      await decryptFile(input, { ...s.decrypt, output, maxWorkFactor: 14 })
    } catch (e) {
      error = e
    }
    if (error === undefined) {
      // It decrypted: only a listed benign change may, and only to the exact plaintext.
      assert.deepEqual(readFileSync(output), s.plain, `a change decrypted to something else: ${where}`)
      assert.ok(BENIGN.some((b) => b.matches(s, m)), `a change was not detected: ${where}`)
      stats.benign++
    } else {
      assert.ok(error instanceof FilesecError, `${where}: not a typed error: ${String(error)}`)
      const ok = allowed(s, m)
      assert.ok(ok.some((c) => error instanceof c), `${where}: unexpected ${error.constructor.name} ${error.code}: ${error.message}`)
      stats.codes.set(error.code, (stats.codes.get(error.code) ?? 0) + 1)
      assert.deepEqual(readdirSync(sub), ['f' + (s.label.startsWith('age') ? '.age' : '.fsec')], `${where}: an output or temporary file was left`)
    }
    if (s.streamable) await checkStream(s, m, where, error !== undefined)
    if (s.streamable && error !== undefined) await checkReader(s, m, input, where)
    rmSync(sub, { recursive: true, force: true })
  }

  /** The most plaintext a reader may have seen: the whole chunks that lie before the first change. */
  function authenticPrefix(s: Sample, m: Mutation): number {
    const r = s.regions!
    if (m.firstChange < r.payloadStart) return 0
    const chunkSize = r.sealedChunk === FSEC_SEALED_CHUNK ? FSEC_CHUNK : AGE_CHUNK
    const whole = Math.floor((m.firstChange - r.payloadStart) / r.sealedChunk)
    return Math.min(s.plain.length, whole * chunkSize)
  }

  async function checkStream(s: Sample, m: Mutation, where: string, mustFail: boolean): Promise<void> {
    // Odd write sizes, so that chunk and header boundaries fall inside writes.
    const parts: Buffer[] = []
    for (let p = 0; p < m.bytes.length; p += 7001) parts.push(m.bytes.subarray(p, p + 7001))
    const { out, error } = await collectUntilError(parts, createDecryptStream({ ...s.decrypt, maxWorkFactor: 14 }))
    if (!mustFail && error === undefined) {
      assert.deepEqual(out, s.plain, `stream: ${where}`)
      return
    }
    assert.ok(error instanceof FilesecError, `stream: ${where}: ${String(error)}`)
    const limit = m.kind === 'extend' ? s.plain.length : authenticPrefix(s, m)
    assert.ok(out.length <= limit, `stream released ${out.length} bytes, at most ${limit} are authentic: ${where}`)
    assert.deepEqual(out, s.plain.subarray(0, out.length), `stream released bytes that are not the plaintext: ${where}`)
  }

  async function checkReader(s: Sample, m: Mutation, input: string, where: string): Promise<void> {
    let f
    try {
      f = await openEncryptedFile(input, { ...s.decrypt, maxWorkFactor: 14 })
    } catch (e) {
      assert.ok(e instanceof FilesecError, `reader open: ${where}: ${String(e)}`)
      return
    }
    try {
      // Opened: the size it reports is the true one, every read returns true bytes or fails, and
      // the read covering the change fails.
      assert.equal(f.size, s.plain.length, `reader size: ${where}`)
      const chunkSize = s.regions!.sealedChunk === FSEC_SEALED_CHUNK ? FSEC_CHUNK : AGE_CHUNK
      let failed = false
      for (let p = 0; p < f.size; p += chunkSize) {
        try {
          const got = await f.read(p, chunkSize)
          assert.deepEqual(got, s.plain.subarray(p, p + chunkSize), `reader returned wrong bytes at ${p}: ${where}`)
        } catch (e) {
          assert.ok(e instanceof PayloadError, `reader read at ${p}: ${where}: ${String(e)}`)
          assert.ok(p >= authenticPrefix(s, m), `reader failed a chunk before the change at ${p}: ${where}`)
          failed = true
        }
      }
      // A change that decrypts nowhere must not be hidden by the reader either (padding aside:
      // the reader does not read padding bytes, so a change there surfaces only on a full decrypt).
      if (!failed) assert.ok(hidesInPadding(s, m), `the reader read every byte of a changed file without error: ${where}`)
    } finally {
      f.close()
    }
  }

  /** Whether the change touched only chunks holding nothing but padding (never read by the reader). */
  function hidesInPadding(s: Sample, m: Mutation): boolean {
    const r = s.regions!
    const chunkSize = r.sealedChunk === FSEC_SEALED_CHUNK ? FSEC_CHUNK : AGE_CHUNK
    const firstChunk = Math.floor((m.firstChange - r.payloadStart) / r.sealedChunk)
    return m.firstChange >= r.payloadStart && firstChunk * chunkSize >= s.plain.length
  }

  it(`every change fails authentication, leaves nothing behind and releases nothing unauthenticated (${CASES_PER_FILE} cases per file)`, async function () {
    const started = Date.now()
    for (const s of samples) {
      const rng = prng(SEED ^ hash(s.label))
      const stats = { cases: 0, benign: 0, byKind: new Map<string, number>(), codes: new Map<string, number>() }
      counts.set(s.label, stats)
      for (let i = 0; i < CASES_PER_FILE; i++) {
        const m = mutate(rng, s.file, s.regions)
        if (m.bytes.equals(s.file)) continue // a scatter that undid itself
        await runCase(s, m, stats)
        stats.cases++
        stats.byKind.set(m.kind, (stats.byKind.get(m.kind) ?? 0) + 1)
      }
    }
    let total = 0
    let benign = 0
    for (const [label, c] of counts) {
      total += c.cases
      benign += c.benign
      const kinds = [...c.byKind].map(([k, v]) => `${k} ${v}`).join(', ')
      const codes = [...c.codes].map(([k, v]) => `${k.replace('FSEC_', '')} ${v}`).join(', ')
      console.log(`      ${label}: ${c.cases} cases (${kinds}), ${c.benign} benign; ${codes}`)
    }
    console.log(`      total ${total} cases over ${samples.length} files, ${benign} benign, ${((Date.now() - started) / 1000).toFixed(1)} s`)
    assert.ok(total >= samples.length * CASES_PER_FILE * 0.95)
  })
})

const PASS = 'sweep passphrase'

function hash(s: string): number {
  let h = 2166136261
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619)
  return h >>> 0
}

function haveSshKeygen(): boolean {
  return spawnSync('sh', ['-c', 'command -v ssh-keygen'], { stdio: 'ignore' }).status === 0
}

// pyFileSec archives (gzip of a tar of: the AES-256-CBC ciphertext in base64, the RSA-OAEP-wrapped
// password, a clear-text metadata file recording the ciphertext's SHA-256). Nothing but that
// checksum covers the ciphertext, so the sweep changes the members inside the tar and gzips it
// again (a change to the gzip stream itself is caught by gzip's CRC, which proves nothing).
describeWithVectors('tamper sweep: pyFileSec archives (changes inside each member)', 'pyfilesec', (vectors) => {
  const dir = scratchDir('filesec-tamper-pfs-')
  const manifest = JSON.parse(readFileSync(join(vectors, 'manifest.json'), 'utf8')) as {
    cases: { id: string; dir: string; archive_file: string; decrypt_with: { private_key: string; passphrase_file: string }; expected_plaintext_sha256?: string }[]
  }
  const cases = manifest.cases.filter((c) => c.id.startsWith('c02') || c.id.startsWith('c06'))
  const perArchive = Math.max(1, Math.round(CASES_PER_FILE * 1.5))

  for (const c of cases) {
    it(`${c.id}: every change to the ciphertext or the wrapped password fails; metadata changes are reported (${perArchive} cases)`, async () => {
      const rng = prng(SEED ^ hash(c.id))
      const identity = await loadKey(join(vectors, c.decrypt_with.private_key), { passphrase: { file: join(vectors, c.decrypt_with.passphrase_file) } })
      const tar = gunzipSync(readFileSync(join(vectors, c.dir, c.archive_file)))
      const members = tarMemberRanges(tar)
      const counts = new Map<string, number>()
      let benign = 0
      for (let i = 0; i < perArchive; i++) {
        const [name, [from, to]] = [...members][rng.int(members.size)]!
        const bad = Buffer.from(tar)
        const n = rng.int(3) === 0 ? 2 + rng.int(8) : 1
        for (let k = 0; k < n; k++) {
          const at = from + rng.int(to - from)
          bad[at] = bad[at]! ^ (1 + rng.int(255))
        }
        const sub = join(dir(), `p${i}`)
        mkdirSync(sub)
        const input = join(sub, c.archive_file)
        writeFileSync(input, gzipNamed(bad, c.archive_file))
        const output = join(sub, 'out')
        const where = `${c.id}: ${n} byte(s) of ${name} changed, seed ${SEED}`
        let error: unknown
        try {
          await decryptFile(input, { identity, output })
        } catch (e) {
          error = e
        }
        if (error === undefined) {
          // Only the clear-text metadata is outside the checksum; it may not change the output.
          assert.ok(name.endsWith('.meta'), `a change was not detected: ${where}`)
          assert.equal(createHash('sha256').update(readFileSync(output)).digest('hex'), c.expected_plaintext_sha256, where)
          benign++
          counts.set(`decrypted (${name.replace(/^.*\./, '.')})`, (counts.get(`decrypted (${name.replace(/^.*\./, '.')})`) ?? 0) + 1)
        } else {
          assert.ok(error instanceof FilesecError, `${where}: ${String(error)}`)
          const ok: (abstract new (...a: never[]) => Error)[] = name.endsWith('.pwdrsa')
            ? [NoMatchingRecipientError]
            : name.endsWith('.aes256')
              ? [PayloadTamperedError, HeaderError]
              : [PayloadTamperedError, HeaderError]
          assert.ok(ok.some((k) => error instanceof k), `${where}: unexpected ${error.constructor.name} ${error.code}: ${error.message}`)
          assert.deepEqual(readdirSync(sub), [c.archive_file], `${where}: an output or temporary file was left`)
          const key = `${error.code.replace('FSEC_', '')} (${name.replace(/^.*\./, '.')})`
          counts.set(key, (counts.get(key) ?? 0) + 1)
        }
        rmSync(sub, { recursive: true, force: true })
      }
      console.log(`      ${c.id}: ${perArchive} cases, ${benign} decrypted (metadata only); ${[...counts].map(([k, v]) => `${k} ${v}`).join(', ')}`)
    })
  }
})

// Property-based fuzzing through the TypeScript API (fast-check): real files and key texts made
// by filesec, then mutated (bytes flipped, inserted, deleted, cut) or replaced by random bytes,
// go to decryptFile / inspect / loadKeys / verifyFileDetailed. Whatever happens, a refusal must
// be a FilesecError with a stable code (never FSEC_INTERNAL, a TypeError or a RangeError), and
// come quickly. FILESEC_FUZZ_RUNS sets the runs per property (default 200; about 15 s in all).
import { strict as assert } from 'node:assert'
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import fc from 'fast-check'

import {
  decryptFile,
  encryptFile,
  FilesecError,
  generateKeyPair,
  inspect,
  loadKeys,
  signFile,
  verifyFileDetailed,
  writePrivateKey,
  type KeyPair,
} from '../lib'
import { scratchDir } from './helpers'

const RUNS = Number(process.env.FILESEC_FUZZ_RUNS ?? 200)
const MAX_MS = 3000

/** One edit of a byte string: a flip, an insertion, a deletion, or a cut. */
type Edit = { kind: 'set' | 'insert' | 'delete' | 'cut'; at: number; byte: number; length: number }

const edit: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom('set', 'insert', 'delete', 'cut'),
  at: fc.nat(),
  byte: fc.integer({ min: 0, max: 255 }),
  length: fc.integer({ min: 1, max: 64 }),
})

function applyEdits(original: Buffer, edits: Edit[]): Buffer {
  let b = Buffer.from(original)
  for (const e of edits) {
    if (b.length === 0) break
    const at = e.at % b.length
    if (e.kind === 'set') b[at] = b[at] === e.byte ? e.byte ^ 0xff : e.byte
    else if (e.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.alloc(e.length, e.byte), b.subarray(at)])
    else if (e.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.length)])
    else b = b.subarray(0, at)
  }
  return b
}

/** Mutations of `original`, random bytes, and random bytes behind the original's first bytes. */
function hostile(original: Buffer): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => applyEdits(original, edits)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.nat({ max: Math.min(original.length, 256) }), fc.uint8Array({ maxLength: 1024 }))
        .map(([keep, tail]) => Buffer.concat([original.subarray(0, keep), Buffer.from(tail)])),
    },
  )
}

/** Runs `call`; a refusal must be a clean FilesecError, and either outcome must come quickly. */
async function refusesCleanly(what: string, call: () => Promise<unknown>): Promise<'accepted' | string> {
  const started = Date.now()
  let outcome: 'accepted' | string = 'accepted'
  try {
    await call()
  } catch (e) {
    if (!(e instanceof FilesecError)) throw new Error(`${what}: not a FilesecError: ${(e as Error)?.stack ?? String(e)}`)
    if (e.code === 'FSEC_INTERNAL') throw new Error(`${what}: FSEC_INTERNAL: ${e.message}`)
    outcome = e.code
  }
  const ms = Date.now() - started
  if (ms > MAX_MS) throw new Error(`${what}: took ${ms} ms`)
  return outcome
}

describe('property-based fuzzing through the API: hostile files, keys and signatures', function () {
  this.timeout(300_000)
  const dir = scratchDir('filesec-fuzz-api-')
  let x25519: KeyPair
  let ed25519: KeyPair
  let rsa: KeyPair
  let plain = ''
  const originals = new Map<string, Buffer>()
  let n = 0

  /** Writes a candidate file under a fresh name, so outputs never collide. */
  function candidate(bytes: Buffer, suffix: string): string {
    const path = join(dir(), `c${n++}${suffix}`)
    writeFileSync(path, bytes)
    return path
  }

  before(async function () {
    const d = dir()
    x25519 = await generateKeyPair('x25519')
    ed25519 = await generateKeyPair('ed25519')
    rsa = await generateKeyPair('rsa', { bits: 2048 })
    plain = join(d, 'plain.txt')
    writeFileSync(plain, 'fuzzing through the API\n'.repeat(100))
    for (const [name, options] of [
      ['x.fsec', { to: x25519.publicKey }],
      ['pass.fsec', { passphrase: 'fuzz', workFactor: 10 }],
      ['x.age', { codec: 'age', to: x25519.publicKey }],
      ['x.armored.age', { codec: 'age', to: x25519.publicKey, armor: true }],
    ] as const) {
      await encryptFile(plain, { ...options, output: join(d, name), keep: true })
      originals.set(name, readFileSync(join(d, name)))
    }
    const minisig = await signFile(plain, { key: ed25519.privateKey, output: false })
    originals.set('minisig', Buffer.from(minisig.signature))
    const pss = await signFile(plain, { key: rsa.privateKey, output: false })
    originals.set('pss', Buffer.from(pss.signature))
    for (const [name, pair] of [
      ['x25519.key', x25519],
      ['rsa.key', rsa],
    ] as const) {
      await writePrivateKey(pair.privateKey, join(d, name), { unprotected: true })
      originals.set(name, readFileSync(join(d, name)))
    }
    // Protected keys in the formats filesec writes, at a low cost: every mutation that keeps the
    // structure pays the key derivation, and at filesec's own cost (scrypt 2^18, 600,000 PBKDF2
    // iterations) a few hundred runs would take minutes.
    await encryptFile(join(d, 'x25519.key'), {
      codec: 'age',
      passphrase: 'fuzz',
      workFactor: 10,
      armor: true,
      output: join(d, 'x25519-protected.key'),
      keep: true,
    })
    originals.set('x25519-protected.key', readFileSync(join(d, 'x25519-protected.key')))
    const pkcs8 = { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'fuzz' } as const
    const spki = { type: 'spki', format: 'pem' } as const
    originals.set('ed25519-protected.key', Buffer.from(generateKeyPairSync('ed25519', { publicKeyEncoding: spki, privateKeyEncoding: pkcs8 }).privateKey))
    originals.set('public.keys', Buffer.from([x25519, rsa, ed25519].map((p) => p.publicKey.publicText).join('\n')))
  })

  for (const [name, options] of [
    ['x.fsec', () => ({ identity: x25519.privateKey })],
    ['pass.fsec', () => ({ passphrase: 'fuzz' })],
    ['x.age', () => ({ identity: x25519.privateKey })],
    ['x.armored.age', () => ({ identity: x25519.privateKey })],
  ] as const) {
    it(`${name}: mutated files are decrypted only when intact, refused cleanly otherwise`, async function () {
      const codes = new Set<string>()
      await fc.assert(
        fc.asyncProperty(hostile(originals.get(name)!), async (bytes) => {
          const path = candidate(bytes, name.slice(name.indexOf('.')))
          const output = `${path}.out`
          const outcome = await refusesCleanly(`decrypt ${name}`, () => decryptFile(path, { ...options(), output }))
          codes.add(outcome)
          if (outcome === 'accepted') {
            // Authenticated encryption: what decrypts is the original plaintext, nothing else.
            assert.deepEqual(readFileSync(output), readFileSync(plain))
          }
          await refusesCleanly(`inspect ${name}`, () => inspect(path))
          rmSync(output, { force: true })
          rmSync(path)
        }),
        { numRuns: RUNS },
      )
      // The mutations reach more than the first check: several distinct refusals.
      assert.ok([...codes].filter((c) => c !== 'accepted').length >= 2, [...codes].join(', '))
    })
  }

  for (const name of ['x25519.key', 'x25519-protected.key', 'rsa.key', 'ed25519-protected.key', 'public.keys']) {
    it(`${name}: mutated key texts load only as keys, refused cleanly otherwise`, async function () {
      const codes = new Set<string>()
      await fc.assert(
        fc.asyncProperty(hostile(originals.get(name)!), async (bytes) => {
          codes.add(await refusesCleanly(`load ${name}`, () => loadKeys(bytes, { passphrase: 'fuzz', maxWorkFactor: 10 })))
        }),
        { numRuns: RUNS },
      )
      assert.ok([...codes].some((c) => c !== 'accepted'), [...codes].join(', '))
    })
  }

  for (const [name, key] of [
    ['minisig', () => ed25519.publicKey],
    ['pss', () => rsa.publicKey],
  ] as const) {
    it(`${name}: mutated signatures never verify, and are refused cleanly when malformed`, async function () {
      const original = originals.get(name)!
      await fc.assert(
        fc.asyncProperty(hostile(original), async (bytes) => {
          let valid = false
          await refusesCleanly(`verify ${name}`, async () => {
            valid = (await verifyFileDetailed(plain, { key: key(), signature: bytes })).valid
          })
          // A changed signature may still verify only if the signed part is untouched (minisign's
          // untrusted comment, trailing whitespace); the signature bytes themselves must not change.
          if (valid) assert.ok(bytes.includes(signatureLine(original)), 'a changed signature verified')
        }),
        { numRuns: RUNS },
      )
    })
  }
})

/** The line of a signature text that carries the signature bytes (the longest base64 line). */
function signatureLine(signature: Buffer): Buffer {
  const lines = signature.toString('latin1').split('\n').filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l.trim()))
  return Buffer.from(lines.sort((a, b) => b.length - a.length)[0] ?? '', 'latin1')
}

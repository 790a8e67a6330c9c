// rotateFile: header-only rotation (replace, add, remove; keys and passphrases; in-place and copy
// commits), rekey, the rotation history, failures that leave the file byte-identical, and
// recovery of an interrupted in-place rotation from its journal.
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'

import {
  AbortError,
  ArgumentError,
  decryptFile,
  encryptFile,
  FileError,
  FileNotFoundError,
  generateKeyPair,
  inspect,
  KeyError,
  type KeyPair,
  NoMatchingRecipientError,
  NotEncryptedError,
  openEncryptedFile,
  PayloadMismatchError,
  recoverRotation,
  RotationError,
  RotationInterruptedError,
  rotateFile,
  type RotateOptions,
  SourceChangedError,
  TruncatedError,
  WrongPassphraseError,
} from '../lib'
import { decodeMetadata, MAX_ROTATION_ENTRIES, withRotation } from '../lib/metadata'
import { rotationJournalPath } from '../lib/paths'
import { rotationTestHooks } from '../lib/rotate'
import native = require('../binding')
import { layoutOf } from './fsec-layout'
import { rejectsWith, scratchDir } from './helpers'

const FIXTURES = join(__dirname, 'fixtures', 'v1')

describe('rotateFile', function () {
  this.timeout(120_000)
  const dir = scratchDir('filesec-rotate-')
  const f = (name: string): string => join(dir(), name)
  let x1: KeyPair
  let x2: KeyPair
  let x3: KeyPair
  let r1: KeyPair
  let r2: KeyPair
  let extraRsa: KeyPair[]
  let n = 0

  before(async () => {
    ;[x1, x2, x3] = await Promise.all([0, 1, 2].map(() => generateKeyPair('x25519')))
    ;[r1, r2] = await Promise.all([0, 1].map(() => generateKeyPair('rsa', { bits: 2048 })))
    extraRsa = await Promise.all([0, 1, 2, 3].map(() => generateKeyPair('rsa', { bits: 2048 })))
  })

  afterEach(() => {
    rotationTestHooks.beforeCommit = undefined
  })

  /** A fresh encrypted file in its own folder (so leftovers can be checked per test). */
  async function encrypted(to: KeyPair[] | { passphrase: string }, size = 100_000): Promise<{ path: string; data: Buffer }> {
    const folder = f(`case${n++}`)
    mkdirSync(folder)
    const data = randomBytes(size)
    const input = join(folder, 'data.bin')
    writeFileSync(input, data)
    const options = Array.isArray(to) ? { to: to.map((k) => k.publicKey) } : { passphrase: to.passphrase, workFactor: 10 }
    const { output } = await encryptFile(input, options)
    return { path: output, data }
  }

  /** Names of temporary files and rotation journals in the file's folder. */
  function leftovers(path: string): string[] {
    const folder = join(path, '..')
    return readdirSync(folder).filter((name) => name.endsWith('.fsec-tmp') || name.endsWith('.fsec-rotate'))
  }

  async function plaintextWith(path: string, how: { identity: KeyPair } | { passphrase: string }): Promise<Buffer> {
    const out = `${path}.out${n++}`
    await decryptFile(path, 'identity' in how ? { identity: how.identity.privateKey, output: out } : { passphrase: how.passphrase, output: out })
    return readFileSync(out)
  }

  async function refused(path: string, who: KeyPair): Promise<void> {
    await rejectsWith(
      decryptFile(path, { identity: who.privateKey, output: `${path}.never` }),
      NoMatchingRecipientError,
      'FSEC_NO_MATCHING_RECIPIENT',
    )
  }

  const payloadOf = (bytes: Buffer): Buffer => bytes.subarray(layoutOf(bytes).headerSize)
  const fp = (k: KeyPair): string => k.publicKey.fingerprint

  describe('header only', () => {
    it('replace, X25519 → X25519: the old identity is refused, the new one opens; payload byte-identical, header rewritten in place', async () => {
      const { path, data } = await encrypted([x1])
      const before = readFileSync(path)
      const r = await rotateFile(path, { identity: x1.privateKey, to: x2.publicKey })
      assert.equal(r.commit, 'in-place')
      assert.equal(r.rekeyed, false)
      assert.equal(r.path, path)
      assert.deepEqual(r.from, [fp(x1)])
      assert.deepEqual(r.to, [fp(x2)])
      assert.deepEqual(r.recipients, [{ type: 'x25519', fingerprint: fp(x2) }])
      const after = readFileSync(path)
      assert.equal(after.length, before.length)
      assert.equal(r.fileBytes, after.length)
      assert.equal(r.headerSize, layoutOf(before).headerSize)
      assert.equal(r.bytesWritten, r.headerSize)
      assert.ok(payloadOf(after).equals(payloadOf(before)), 'the payload is untouched')
      assert.ok(!after.subarray(0, r.headerSize).equals(before.subarray(0, r.headerSize)), 'the header changed')
      assert.ok(after.subarray(0, 26).equals(before.subarray(0, 26)), 'the immutable prefix did not')
      assert.deepEqual(await plaintextWith(path, { identity: x2 }), data)
      await refused(path, x1)
      assert.deepEqual((await inspect(path)).recipients, [{ type: 'x25519', fingerprint: fp(x2) }])
      assert.deepEqual(leftovers(path), [])
    })

    it('replace, RSA → X25519 + RSA: both new recipients open, the old RSA key is refused', async () => {
      const { path, data } = await encrypted([r1])
      const before = readFileSync(path)
      const r = await rotateFile(path, { identity: r1.privateKey, to: [x1.publicKey, r2.publicKey] })
      assert.deepEqual(r.to, [fp(x1), fp(r2)])
      assert.ok(payloadOf(readFileSync(path)).equals(payloadOf(before)))
      assert.deepEqual(await plaintextWith(path, { identity: x1 }), data)
      assert.deepEqual(await plaintextWith(path, { identity: r2 }), data)
      await refused(path, r1)
      assert.deepEqual(
        (await inspect(path)).recipients.map((x) => [x.type, x.fingerprint]),
        [['x25519', fp(x1)], ['rsa-oaep-sha256', fp(r2)]],
      )
    })

    it('add: new RSA and X25519 recipients join; the existing stanza is kept byte for byte (no other key needed)', async () => {
      const { path, data } = await encrypted([x1])
      const before = readFileSync(path)
      const oldStanza = layoutOf(before).stanzas[0]!
      const r = await rotateFile(path, { identity: x1.privateKey, add: [r1.publicKey, x2.publicKey] })
      assert.deepEqual(r.from, [fp(x1)])
      assert.deepEqual(r.to, [fp(x1), fp(r1), fp(x2)])
      const after = readFileSync(path)
      const newStanza = layoutOf(after).stanzas[0]!
      assert.ok(after.subarray(newStanza.start, newStanza.end).equals(before.subarray(oldStanza.start, oldStanza.end)))
      assert.ok(payloadOf(after).equals(payloadOf(before)))
      for (const k of [x1, r1, x2]) assert.deepEqual(await plaintextWith(path, { identity: k }), data)
      await refused(path, x3)
    })

    it('remove, by key and by fingerprint: the removed are refused, the others still open, in place', async () => {
      const { path, data } = await encrypted([x1, x2, r1])
      const before = readFileSync(path)
      const a = await rotateFile(path, { identity: x1.privateKey, remove: x2.publicKey })
      assert.equal(a.commit, 'in-place')
      assert.deepEqual(a.to, [fp(x1), fp(r1)])
      await refused(path, x2)
      const b = await rotateFile(path, { identity: r1.privateKey, remove: fp(r1).toUpperCase() })
      assert.equal(b.commit, 'in-place')
      assert.deepEqual(b.from, [fp(x1), fp(r1)])
      assert.deepEqual(b.to, [fp(x1)])
      await refused(path, r1)
      assert.deepEqual(await plaintextWith(path, { identity: x1 }), data)
      const after = readFileSync(path)
      assert.equal(after.length, before.length, 'a smaller header is padded to the old size')
      assert.ok(payloadOf(after).equals(payloadOf(before)))
      assert.deepEqual(leftovers(path), [])
    })

    it('add and remove in one rotation', async () => {
      const { path, data } = await encrypted([x1, x2])
      const r = await rotateFile(path, { identity: x2.privateKey, add: x3.publicKey, remove: x2.publicKey })
      assert.deepEqual(r.to, [fp(x1), fp(x3)])
      assert.deepEqual(await plaintextWith(path, { identity: x3 }), data)
      await refused(path, x2)
    })

    it('passphrase: keys → passphrase → a new passphrase → keys, each refusing the old way in (copy commits)', async () => {
      const { path, data } = await encrypted([x1])
      const payload = payloadOf(readFileSync(path))
      const a = await rotateFile(path, { identity: x1.privateKey, newPassphrase: 'first pass', workFactor: 10 })
      assert.equal(a.commit, 'copy')
      assert.deepEqual(a.to, ['passphrase'])
      assert.deepEqual((await inspect(path)).recipients, [{ type: 'scrypt', workFactor: 10 }])
      await refused(path, x1)
      assert.deepEqual(await plaintextWith(path, { passphrase: 'first pass' }), data)

      const b = await rotateFile(path, { passphrase: 'first pass', newPassphrase: Buffer.from('second pass'), workFactor: 11 })
      assert.deepEqual([b.from, b.to], [['passphrase'], ['passphrase']])
      await rejectsWith(decryptFile(path, { passphrase: 'first pass', output: f('never') }), WrongPassphraseError, 'FSEC_WRONG_PASSPHRASE')
      assert.equal((await inspect(path)).recipients[0]!.workFactor, 11)

      const c = await rotateFile(path, { passphrase: 'second pass', to: r2.publicKey })
      assert.deepEqual(c.to, [fp(r2)])
      assert.equal(c.headerSize % 1024, 0, 'back to keys: the header has room again')
      assert.deepEqual(await plaintextWith(path, { identity: r2 }), data)
      await rejectsWith(decryptFile(path, { passphrase: 'second pass', output: f('never') }), NoMatchingRecipientError, 'FSEC_NO_MATCHING_RECIPIENT')
      assert.ok(payloadOf(readFileSync(path)).equals(payload), 'the payload survived three copies untouched')
      assert.deepEqual(leftovers(path), [])
    })

    it('copy commit when the header outgrows its room (four RSA-2048 recipients added); permissions kept', async () => {
      const { path, data } = await encrypted([x1])
      chmodSync(path, 0o640)
      const before = readFileSync(path)
      const oldSize = layoutOf(before).headerSize
      const r = await rotateFile(path, { identity: x1.privateKey, add: extraRsa.map((k) => k.publicKey) })
      assert.equal(r.commit, 'copy')
      const after = readFileSync(path)
      assert.ok(r.headerSize > oldSize)
      assert.equal(r.headerSize % 1024, 0, 're-padded by the 1024 rule')
      assert.equal(layoutOf(after).headerSize, r.headerSize)
      assert.equal(r.fileBytes, after.length)
      assert.ok(payloadOf(after).equals(payloadOf(before)), 'the payload is copied unchanged')
      assert.equal(statSync(path).mode & 0o777, 0o640)
      for (const k of [x1, ...extraRsa]) assert.deepEqual(await plaintextWith(path, { identity: k }), data)
      assert.deepEqual(leftovers(path), [])
      // The copy left room: the next small change is in place again.
      const again = await rotateFile(path, { identity: x1.privateKey, remove: extraRsa[0]!.publicKey })
      assert.equal(again.commit, 'in-place')
    })

    it('a file written before the 1024 rule (a v1 fixture) rotates by copy and gains reserved space', async () => {
      const path = f('fixture-copy.txt.fsec')
      copyFileSync(join(FIXTURES, 'hello-x25519.txt.fsec'), path)
      const before = readFileSync(path)
      const r = await rotateFile(path, { identity: join(FIXTURES, 'x25519-identity.txt'), to: x2.publicKey })
      assert.equal(r.commit, 'copy')
      const after = readFileSync(path)
      assert.ok(layoutOf(after).stanzas.some((s) => s.type === 255))
      assert.equal(layoutOf(after).headerSize % 1024, 0)
      assert.ok(payloadOf(after).equals(payloadOf(before)))
      const out = await decryptFile(path, { identity: x2.privateKey, output: f('fixture.out') })
      assert.equal(readFileSync(f('fixture.out'), 'utf8'), 'hello, filesec\n')
      assert.equal(out.metadata.note, 'test fixture', 'the rest of the metadata is kept')
    })

    it('onProgress is called once at the end', async () => {
      const { path } = await encrypted([x1])
      const seen: number[][] = []
      const r = await rotateFile(path, { identity: x1.privateKey, to: x2.publicKey, onProgress: (p) => seen.push([p.done, p.total]) })
      assert.deepEqual(seen, [[r.bytesWritten, r.bytesWritten]])
    })
  })

  describe('rotation history (§7.74–77 adapted)', () => {
    it('§7.74–77: three rotations → three entries, in order, with the right fingerprints and rekeyed flags', async () => {
      const { path, data } = await encrypted([x1])
      const t0 = Date.now()
      await rotateFile(path, { identity: x1.privateKey, to: r1.publicKey })
      await rotateFile(path, { identity: r1.privateKey, to: [x2.publicKey, x3.publicKey], rekey: true })
      await rotateFile(path, { identity: x3.privateKey, newPassphrase: 'last', workFactor: 10 })
      const d = await decryptFile(path, { passphrase: 'last', output: f('history.out') })
      assert.deepEqual(readFileSync(f('history.out')), data)
      const h = d.metadata.rotations!
      assert.equal(h.length, 3)
      assert.deepEqual(
        h.map((e) => [e.from, e.to, e.rekeyed]),
        [
          [[fp(x1)], [fp(r1)], false],
          [[fp(r1)], [fp(x2), fp(x3)], true],
          [[fp(x2), fp(x3)], ['passphrase'], false],
        ],
      )
      const times = h.map((e) => Date.parse(e.at))
      assert.ok(times.every((t) => t >= t0 - 1000 && t <= Date.now()))
      assert.deepEqual([...times].sort((a, b) => a - b), times, 'oldest first')
      assert.ok(h.every((e) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(e.at)), 'ISO 8601 UTC')
      assert.equal(d.metadata.rotationsDropped, undefined)
      assert.equal(d.metadata.name, 'data.bin', 'the metadata of the file is kept')
    })

    it('is bounded: the newest 100 entries are kept and the dropped ones counted; long recipient lists are cut at 64', () => {
      let meta: Buffer = Buffer.from(JSON.stringify({ v: 1, padding: 0, size: 5, futureField: { kept: true } }))
      for (let i = 0; i < MAX_ROTATION_ENTRIES + 7; i++) {
        meta = withRotation(meta, { at: new Date(1_700_000_000_000 + i * 1000), from: [`${i}`], to: [`${i + 1}`], rekeyed: i % 2 === 0 })
      }
      const m = decodeMetadata(meta)
      assert.equal(m.rotations!.length, MAX_ROTATION_ENTRIES)
      assert.equal(m.rotationsDropped, 7)
      assert.deepEqual(m.rotations![0]!.from, ['7'], 'the oldest were dropped')
      assert.deepEqual(m.rotations!.at(-1)!.to, [`${MAX_ROTATION_ENTRIES + 7}`])
      assert.deepEqual(JSON.parse(meta.toString()).futureField, { kept: true }, 'unknown fields are carried over')

      const many = Array.from({ length: 70 }, (_, i) => i.toString(16).padStart(64, '0'))
      const big = decodeMetadata(withRotation(meta, { at: new Date(), from: many, to: ['passphrase'], rekeyed: false }))
      const last = big.rotations!.at(-1)!
      assert.equal(last.from.length, 64)
      assert.equal(last.fromCount, 70)
      assert.equal(last.toCount, undefined)
    })

    it('is bounded by the 64 KiB metadata limit: the oldest entries go first', () => {
      const many = Array.from({ length: 64 }, (_, i) => i.toString(16).padStart(64, 'a'))
      let meta: Buffer = Buffer.from(JSON.stringify({ v: 1, padding: 0 }))
      for (let i = 0; i < 20; i++) meta = withRotation(meta, { at: new Date(), from: many, to: many, rekeyed: false })
      assert.ok(meta.length <= 64 * 1024)
      const m = decodeMetadata(meta)
      assert.ok(m.rotations!.length < 20)
      assert.equal(m.rotations!.length + m.rotationsDropped!, 20)
    })

    it('a malformed history in authenticated metadata is rejected, not trusted', () => {
      for (const rotations of [{}, [{ at: 'yesterday', from: [], to: [], rekeyed: false }], [{ at: new Date().toISOString(), from: [1], to: [], rekeyed: false }], [{ at: new Date().toISOString(), from: [], to: [], rekeyed: 'no' }]]) {
        assert.throws(() => decodeMetadata(Buffer.from(JSON.stringify({ v: 1, rotations }))), { code: 'FSEC_HEADER_INVALID' })
      }
    })
  })

  describe('rekey', () => {
    it('a fresh file key: every payload byte changes, the old identity and the old file key no longer open it', async () => {
      const { path, data } = await encrypted([x1], 200_000)
      const before = readFileSync(path)
      const r = await rotateFile(path, { identity: x1.privateKey, to: x2.publicKey, rekey: true })
      assert.equal(r.commit, 'rewrite')
      assert.equal(r.rekeyed, true)
      const after = readFileSync(path)
      assert.equal(r.fileBytes, after.length)
      assert.ok(!after.subarray(10, 26).equals(before.subarray(10, 26)), 'a new file id')
      const [p0, p1] = [payloadOf(before), payloadOf(after)]
      assert.equal(p1.length, p0.length)
      let same = 0
      for (let i = 0; i < p0.length; i++) if (p0[i] === p1[i]) same++
      assert.ok(same < p0.length / 100, `${same} of ${p0.length} bytes unchanged: no more than chance`)
      assert.deepEqual(await plaintextWith(path, { identity: x2 }), data)
      await refused(path, x1)
      // The old header (the old file key) on the new payload: the commitment does not match.
      const spliced = f('spliced.fsec')
      writeFileSync(spliced, Buffer.concat([before.subarray(0, layoutOf(before).headerSize), p1]))
      await rejectsWith(decryptFile(spliced, { identity: x1.privateKey, output: f('never') }), PayloadMismatchError, 'FSEC_PAYLOAD_MISMATCH')
      assert.deepEqual(leftovers(path), [])
    })

    it('to a passphrase, keeping the permissions; padding removed with pad: false', async () => {
      const { path, data } = await encrypted([x1], 50_000)
      chmodSync(path, 0o644)
      const r = await rotateFile(path, { identity: x1.privateKey, newPassphrase: 'pw', workFactor: 10, rekey: true, pad: false })
      assert.deepEqual(r.to, ['passphrase'])
      assert.equal(statSync(path).mode & 0o777, 0o644)
      const d = await decryptFile(path, { passphrase: 'pw', output: f('rekey-pass.out') })
      assert.deepEqual(readFileSync(f('rekey-pass.out')), data)
      assert.equal(d.metadata.padding, 0)
      assert.equal(d.metadata.size, data.length)
    })

    it('§7.74–75 adapted: rekey with pad 8192, then 16384: the file grows each time, decrypts to the exact original; padme and none change it again', async () => {
      const { path, data } = await encrypted([x1], 20_000)
      const sizes = [statSync(path).size]
      const steps: [KeyPair, KeyPair, RotateOptions['pad'], number][] = [
        [x1, x2, 8192, 24_576],
        [x2, x3, 16384, 32_768],
        [x3, x1, undefined, 32_768], // kept as it is
        [x1, x2, 'padme', 20_480],
        [x2, x3, false, 20_000],
      ]
      for (const [from, to, pad, padded] of steps) {
        await rotateFile(path, { identity: from.privateKey, to: to.publicKey, rekey: true, ...(pad !== undefined ? { pad } : {}) })
        sizes.push(statSync(path).size)
        const d = await decryptFile(path, { identity: to.privateKey, output: f(`pad${n++}.out`) })
        assert.deepEqual(readFileSync(d.output), data, 'padding is removed on decryption')
        assert.equal(d.metadata.size, padded)
        assert.equal(d.metadata.padding, padded - data.length)
      }
      assert.ok(sizes[1]! > sizes[0]! && sizes[2]! > sizes[1]!, `sizes ${sizes.join(' ')}`)
      assert.equal(sizes[3], sizes[2])
      assert.ok(sizes[4]! < sizes[3]! && sizes[5]! < sizes[4]!)
    })

    it('an abort during the re-encryption leaves the file byte-identical and nothing beside it', async () => {
      const { path } = await encrypted([x1], 32 << 20)
      const before = readFileSync(path)
      const controller = new AbortController()
      // Aborted as soon as the re-encryption job has started (it runs on threads of its own).
      rotationTestHooks.beforeCommit = () => void setImmediate(() => controller.abort())
      await rejectsWith(
        rotateFile(path, { identity: x1.privateKey, to: x2.publicKey, rekey: true, threads: 1, signal: controller.signal }),
        AbortError,
        'FSEC_ABORTED',
      )
      assert.ok(readFileSync(path).equals(before))
      assert.deepEqual(leftovers(path), [])
    })
  })

  describe('failures leave the file byte-identical, with no journal or temporary file', () => {
    async function failsUnchanged(
      setup: KeyPair[] | { passphrase: string },
      options: RotateOptions,
      Class: abstract new (...a: never[]) => Error,
      code: string,
      message?: RegExp,
    ): Promise<void> {
      const { path } = await encrypted(setup, 20_000)
      const before = readFileSync(path)
      const e = await rejectsWith(rotateFile(path, options), Class, code)
      if (message) assert.match(e.message, message)
      assert.ok(readFileSync(path).equals(before), 'byte-identical')
      assert.deepEqual(leftovers(path), [])
    }

    it('a wrong identity, a wrong passphrase, a public key as identity', async () => {
      await failsUnchanged([x1], { identity: x2.privateKey, to: x3.publicKey }, NoMatchingRecipientError, 'FSEC_NO_MATCHING_RECIPIENT')
      await failsUnchanged({ passphrase: 'right' }, { passphrase: 'wrong', to: x3.publicKey }, WrongPassphraseError, 'FSEC_WRONG_PASSPHRASE')
      await failsUnchanged([x1], { identity: x1.publicKey, to: x3.publicKey }, KeyError, 'FSEC_WRONG_KEY')
    })

    it('a malformed new key (text, and a file of garbage)', async () => {
      writeFileSync(f('garbage.pub'), 'this is not a key\n')
      await failsUnchanged([x1], { identity: x1.privateKey, to: '-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----\n' }, KeyError, 'FSEC_KEY_INVALID')
      await failsUnchanged([x1], { identity: x1.privateKey, add: f('garbage.pub') }, KeyError, 'FSEC_KEY_INVALID')
      await failsUnchanged([x1], { identity: x1.privateKey, to: f('no-such-key.pub') }, FileNotFoundError, 'FSEC_FILE_NOT_FOUND')
    })

    it('removing the last recipient, a non-recipient, adding a recipient twice', async () => {
      await failsUnchanged([x1], { identity: x1.privateKey, remove: x1.publicKey }, ArgumentError, 'FSEC_INVALID_ARGUMENT', /nobody/)
      await failsUnchanged([x1, x2], { identity: x1.privateKey, remove: [fp(x1), fp(x2)] }, ArgumentError, 'FSEC_INVALID_ARGUMENT', /nobody/)
      await failsUnchanged([x1], { identity: x1.privateKey, remove: fp(x2) }, ArgumentError, 'FSEC_INVALID_ARGUMENT', /not a recipient/)
      await failsUnchanged([x1], { identity: x1.privateKey, add: x1.publicKey }, ArgumentError, 'FSEC_INVALID_ARGUMENT', /already a recipient/)
      await failsUnchanged([x1], { identity: x1.privateKey, to: [x2.publicKey, x2.publicKey] }, ArgumentError, 'FSEC_INVALID_ARGUMENT')
      await failsUnchanged({ passphrase: 'p' }, { passphrase: 'p', add: x1.publicKey }, ArgumentError, 'FSEC_INVALID_ARGUMENT', /passphrase/)
    })

    it('contradictory or incomplete options', async () => {
      const bad: [RotateOptions, RegExp][] = [
        [{ identity: x1.privateKey }, /say who/],
        [{ identity: x1.privateKey, to: x2.publicKey, add: x3.publicKey }, /exclude/],
        [{ identity: x1.privateKey, to: x2.publicKey, newPassphrase: 'p' }, /exclude/],
        [{ identity: x1.privateKey, to: x2.publicKey, workFactor: 12 }, /workFactor/],
        [{ identity: x1.privateKey, newPassphrase: 'p', workFactor: 40 }, /workFactor/],
        [{ identity: x1.privateKey, to: x2.publicKey, pad: false }, /rekey/],
        [{ identity: x1.privateKey, add: x2.publicKey, rekey: true }, /full list/],
        [{ identity: x1.privateKey, remove: x2.publicKey, rekey: true }, /full list/],
        [{ identity: x1.privateKey, to: x2.publicKey, rekey: true, pad: -3 }, /pad/],
        [{ to: x2.publicKey }, /identity/],
        [{ identity: x1.privateKey, passphrase: 'p', to: x2.publicKey }, /identity/],
        [{ identity: x1.privateKey, to: x2.publicKey, bogus: 1 } as RotateOptions, /unknown rotate option/],
        [{ identity: x1.privateKey, newPassphrase: 'p', keyPassphrase: 'k' }, /keyPassphrase/],
      ]
      for (const [options, message] of bad) {
        await failsUnchanged([x1], options, ArgumentError, 'FSEC_INVALID_ARGUMENT', message)
      }
    })

    it('§7.21: rotating an unencrypted file → NotEncryptedError', async () => {
      writeFileSync(f('plain.txt'), 'not encrypted at all\n')
      await rejectsWith(rotateFile(f('plain.txt'), { identity: x1.privateKey, to: x2.publicKey }), NotEncryptedError, 'FSEC_NOT_ENCRYPTED')
      assert.equal(readFileSync(f('plain.txt'), 'utf8'), 'not encrypted at all\n')
    })

    it('a missing file, a folder, a symbolic link', async () => {
      await rejectsWith(rotateFile(f('missing.fsec'), { identity: x1.privateKey, to: x2.publicKey }), FileNotFoundError, 'FSEC_FILE_NOT_FOUND')
      await rejectsWith(rotateFile(dir(), { identity: x1.privateKey, to: x2.publicKey }), FileError, 'FSEC_NOT_A_FILE')
      const { path } = await encrypted([x1])
      symlinkSync(path, `${path}.link`)
      await rejectsWith(rotateFile(`${path}.link`, { identity: x1.privateKey, to: x2.publicKey }), FileError, 'FSEC_NOT_A_FILE')
    })

    it('a truncated payload is refused before anything is written', async () => {
      const { path } = await encrypted([x1], 50_000)
      truncateSync(path, statSync(path).size - 100)
      const before = readFileSync(path)
      await rejectsWith(rotateFile(path, { identity: x1.privateKey, to: x2.publicKey }), TruncatedError, 'FSEC_TRUNCATED')
      assert.ok(readFileSync(path).equals(before))
      assert.deepEqual(leftovers(path), [])
    })

    it('an already aborted signal', async () => {
      const { path } = await encrypted([x1])
      const before = readFileSync(path)
      await rejectsWith(rotateFile(path, { identity: x1.privateKey, to: x2.publicKey, signal: AbortSignal.abort() }), AbortError, 'FSEC_ABORTED')
      assert.ok(readFileSync(path).equals(before))
    })

    const changes: [string, (path: string) => void][] = [
      ['bytes appended', (path) => appendFileSync(path, 'x')],
      ['a payload byte rewritten in place (same size)', (path) => {
        const bytes = readFileSync(path)
        bytes[bytes.length - 5]! ^= 1
        writeFileSync(path, bytes)
      }],
      ['the header rewritten by another rotation', (path) => {
        const bytes = readFileSync(path)
        bytes[layoutOf(bytes).headerSize - 1]! ^= 1
        writeFileSync(path, bytes)
      }],
    ]
    for (const [what, change] of changes) {
      for (const kind of ['in-place', 'copy'] as const) {
        it(`a file modified between read and commit (${what}; ${kind} commit) → SourceChangedError, the change kept, nothing else written`, async () => {
          const { path } = await encrypted([x1])
          let changed: Buffer | undefined
          rotationTestHooks.beforeCommit = (p) => {
            change(p)
            changed = readFileSync(p)
          }
          const options: RotateOptions =
            kind === 'in-place'
              ? { identity: x1.privateKey, to: x2.publicKey }
              : { identity: x1.privateKey, add: extraRsa.map((k) => k.publicKey) }
          await rejectsWith(rotateFile(path, options), SourceChangedError, 'FSEC_SOURCE_CHANGED')
          assert.ok(changed !== undefined)
          assert.ok(readFileSync(path).equals(changed), 'the file is as the other writer left it')
          assert.deepEqual(leftovers(path), [])
        })
      }
    }

    it('a file modified between read and commit of a rekey → the rekey fails and the change is kept', async () => {
      const { path } = await encrypted([x1])
      let changed: Buffer | undefined
      rotationTestHooks.beforeCommit = (p) => {
        const bytes = readFileSync(p)
        bytes[bytes.length - 5]! ^= 1
        writeFileSync(p, bytes)
        changed = bytes
      }
      await assert.rejects(rotateFile(path, { identity: x1.privateKey, to: x2.publicKey, rekey: true }), (e: Error & { code?: string }) => e.code === 'FSEC_PAYLOAD_TAMPERED')
      assert.ok(readFileSync(path).equals(changed!))
      assert.deepEqual(leftovers(path), [])
    })
  })

  describe('an interrupted in-place rotation', () => {
    /**
     * The state a crash leaves: the journal of a rotation x1 → x2 written, and the file's
     * header as `header` makes it from the old and new headers. Returns the file as the
     * completed rotation would have left it.
     */
    async function crashed(header: (oldHeader: Buffer, newHeader: Buffer) => Buffer): Promise<{ path: string; rotated: Buffer; data: Buffer }> {
      const { path, data } = await encrypted([x1])
      const original = readFileSync(path)
      const twin = `${path}.twin`
      copyFileSync(path, twin)
      await rotateFile(twin, { identity: x1.privateKey, to: x2.publicKey })
      const rotated = readFileSync(twin)
      const size = layoutOf(original).headerSize
      const [oldHeader, newHeader] = [original.subarray(0, size), rotated.subarray(0, size)]
      await native.rotation.writeJournal(rotationJournalPath(path), oldHeader, newHeader, false)
      writeFileSync(path, Buffer.concat([header(oldHeader, newHeader), original.subarray(size)]))
      return { path, rotated, data }
    }

    const states: [string, (o: Buffer, n: Buffer) => Buffer][] = [
      ['the header still old (crash before the write)', (o) => o],
      ['the header torn: first half new, second half old', (o, nw) => Buffer.concat([nw.subarray(0, 512), o.subarray(512)])],
      ['the header fully new (crash before the journal was removed)', (_o, nw) => nw],
    ]
    for (const [label, state] of states) {
      it(`${label}: readers refuse it with FSEC_ROTATION_INTERRUPTED; recoverRotation completes it`, async () => {
        const { path, rotated, data } = await crashed(state)
        const journal = rotationJournalPath(path)
        for (const attempt of [
          decryptFile(path, { identity: x2.privateKey, output: f(`never${n++}`) }),
          inspect(path),
          openEncryptedFile(path, { identity: x2.privateKey }),
          rotateFile(path, { identity: x1.privateKey, to: x3.publicKey }),
        ]) {
          const e = await rejectsWith(attempt, RotationInterruptedError, 'FSEC_ROTATION_INTERRUPTED')
          assert.ok(e.message.includes(journal), 'names the journal')
          assert.ok(e.message.includes('filesec rotate --recover'), 'names the recover command')
        }
        const r = await recoverRotation(path)
        assert.deepEqual(r, { path, journal, recovered: true })
        assert.ok(readFileSync(path).equals(rotated), 'exactly the file the rotation would have written')
        assert.equal(existsSync(journal), false)
        assert.deepEqual(await plaintextWith(path, { identity: x2 }), data)
        await refused(path, x1)
        assert.deepEqual(await recoverRotation(path), { path, journal, recovered: false }, 'nothing left to do')
        await rejectsWith(recoverRotation(f('no-such-file.fsec')), FileNotFoundError, 'FSEC_FILE_NOT_FOUND')
      })
    }

    it('a journal whose checksum fails is reported and not applied', async () => {
      const { path } = await crashed((o) => o)
      const journal = rotationJournalPath(path)
      const bytes = readFileSync(journal)
      bytes[bytes.length - 40]! ^= 1
      writeFileSync(journal, bytes)
      const before = readFileSync(path)
      const e = await rejectsWith(recoverRotation(path), RotationError, 'FSEC_ROTATION_JOURNAL_INVALID')
      assert.match(e.message, /checksum/)
      assert.ok(readFileSync(path).equals(before))
      assert.ok(existsSync(journal), 'left for a person to look at')
      // A journal cut short (a crash while it was written) too.
      writeFileSync(journal, bytes.subarray(0, 300))
      await rejectsWith(recoverRotation(path), RotationError, 'FSEC_ROTATION_JOURNAL_INVALID')
      assert.ok(readFileSync(path).equals(before))
    })

    it("another file's journal is not applied", async () => {
      const a = await crashed((o) => o)
      const { path } = await encrypted([x1])
      const before = readFileSync(path)
      copyFileSync(rotationJournalPath(a.path), rotationJournalPath(path))
      const e = await rejectsWith(recoverRotation(path), RotationError, 'FSEC_ROTATION_JOURNAL_INVALID')
      assert.match(e.message, /does not match/)
      assert.ok(readFileSync(path).equals(before))
    })

    it('a journal left in place makes the next rotation fail before it writes anything', async () => {
      const { path } = await crashed((o) => o)
      const before = readFileSync(path)
      await rejectsWith(rotateFile(path, { identity: x1.privateKey, to: x3.publicKey }), RotationInterruptedError, 'FSEC_ROTATION_INTERRUPTED')
      assert.ok(readFileSync(path).equals(before))
    })
  })
})

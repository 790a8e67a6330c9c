// Round trips through the file API: every size class around the chunk boundaries, every kind of
// recipient, metadata, naming rules, output safety and cancellation.
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  AbortError,
  ArgumentError,
  decryptFile,
  encryptFile,
  FileNotFoundError,
  generateKeyPair,
  KeyPassphraseError,
  type KeyPair,
  loadKey,
  NoMatchingRecipientError,
  NotEncryptedError,
  OutputExistsError,
  SecFile,
  SourceChangedError,
  WrongPassphraseError,
} from '../lib'
import { leftoverTempFiles, scratchDir } from './helpers'

const SIZES = [0, 1, 16383, 16384, 16385, 1 << 20, 3 * (1 << 20) + 7]

describe('file round trips', function () {
  const dir = scratchDir()
  let x25519: KeyPair
  let rsa: KeyPair
  let n = 0
  const fresh = (data: Buffer): string => {
    const p = join(dir(), `f${n++}.bin`)
    writeFileSync(p, data)
    return p
  }

  before(async () => {
    x25519 = await generateKeyPair('x25519')
    rsa = await generateKeyPair('rsa', { bits: 2048 })
  })

  for (const size of SIZES) {
    it(`${size} bytes: X25519, RSA and passphrase recipients`, async () => {
      const data = randomBytes(size)
      for (const [label, enc, dec] of [
        ['x25519', { to: x25519.publicKey }, { identity: x25519.privateKey }],
        ['rsa', { to: rsa.publicKey }, { identity: rsa.privateKey }],
        ['passphrase', { passphrase: 'correct horse', workFactor: 10 }, { passphrase: 'correct horse' }],
      ] as const) {
        const input = fresh(data)
        const e = await encryptFile(input, enc)
        assert.equal(e.output, `${input}.fsec`, label)
        assert.equal(e.plaintextBytes, size)
        assert.equal(statSync(e.output).size, e.encryptedBytes)
        const out = `${input}.out`
        const d = await decryptFile(e.output, { ...dec, output: out })
        assert.equal(d.plaintextBytes, size)
        assert.deepEqual(readFileSync(out), data, label)
        assert.equal(statSync(out).mode & 0o777, 0o600)
        assert.equal(statSync(e.output).mode & 0o777, 0o600)
      }
    })
  }

  it('the thread count does not change the result', async () => {
    const data = randomBytes(5 * (1 << 20) + 3)
    const input = fresh(data)
    for (const threads of [1, 2, 4]) {
      const e = await encryptFile(input, { keep: true, to: x25519.publicKey, threads, output: `${input}.${threads}.fsec` })
      const out = `${input}.${threads}.out`
      await decryptFile(e.output, { identity: x25519.privateKey, output: out, threads: 5 - threads })
      assert.deepEqual(readFileSync(out), data)
    }
  })

  it('keeps name, size, mode, times and note in the sealed metadata, and restores mtime', async () => {
    const input = fresh(randomBytes(1000))
    chmodSync(input, 0o640)
    const mtime = new Date('2020-02-03T04:05:06.789Z')
    utimesSync(input, mtime, mtime)
    const e = await encryptFile(input, { keep: true, to: x25519.publicKey, note: 'session 12, subject 7' })
    const d = await decryptFile(e.output, { identity: x25519.privateKey, output: `${input}.out` })
    assert.equal(d.metadata.name, input.split('/').pop())
    assert.equal(d.metadata.size, 1000)
    assert.equal(d.metadata.mode, 0o640)
    assert.equal(d.metadata.mtime, mtime.toISOString())
    assert.equal(d.metadata.note, 'session 12, subject 7')
    assert.equal(statSync(`${input}.out`).mtime.getTime(), mtime.getTime())
    // Nothing of it is readable without the key.
    const bytes = readFileSync(e.output)
    assert.equal(bytes.includes(Buffer.from('session 12')), false)
    assert.equal(bytes.includes(Buffer.from(input.split('/').pop()!)), false)
  })

  it('leaves name and times out when asked', async () => {
    const input = fresh(randomBytes(10))
    const e = await encryptFile(input, { keep: true, to: x25519.publicKey, storeName: false, storeTimes: false })
    const d = await decryptFile(e.output, { identity: x25519.privateKey, output: `${input}.out` })
    assert.equal(d.metadata.name, undefined)
    assert.equal(d.metadata.mtime, undefined)
    assert.equal(d.metadata.birthtime, undefined)
    assert.equal(d.metadata.size, 10)
  })

  it('names outputs: .fsec added, .fsec stripped, the stored name used otherwise', async () => {
    const input = fresh(randomBytes(5))
    const e = await encryptFile(input, { keep: true, to: x25519.publicKey, output: join(dir(), 'renamed.enc') })
    await assert.rejects(decryptFile(e.output, { identity: x25519.privateKey }), OutputExistsError)
    const back = input
    const copy = join(dir(), 'moved.enc')
    writeFileSync(copy, readFileSync(e.output))
    const original = readFileSync(back)
    rmSync(back)
    const d = await decryptFile(copy, { identity: x25519.privateKey })
    assert.equal(d.output, back)
    assert.deepEqual(readFileSync(back), original)
  })

  it('never replaces an existing output unless overwrite is set', async () => {
    const input = fresh(randomBytes(5))
    writeFileSync(`${input}.fsec`, 'precious')
    await assert.rejects(encryptFile(input, { keep: true, to: x25519.publicKey }), OutputExistsError)
    assert.equal(readFileSync(`${input}.fsec`, 'utf8'), 'precious')
    await encryptFile(input, { keep: true, to: x25519.publicKey, overwrite: true })
    assert.notEqual(readFileSync(`${input}.fsec`, 'utf8'), 'precious')
    const out = `${input}.out`
    writeFileSync(out, 'precious too')
    await assert.rejects(decryptFile(`${input}.fsec`, { identity: x25519.privateKey, output: out }), OutputExistsError)
    assert.equal(readFileSync(out, 'utf8'), 'precious too')
  })

  it('rejects bad input with typed errors and leaves every file as it was', async () => {
    const input = fresh(randomBytes(100))
    await assert.rejects(encryptFile(join(dir(), 'missing'), { to: x25519.publicKey }), FileNotFoundError)
    await assert.rejects(encryptFile(input, {} as never), ArgumentError)
    await assert.rejects(encryptFile(input, { keep: true, to: x25519.publicKey, passphrase: 'x' }), ArgumentError)
    await assert.rejects(encryptFile(input, { keep: true, to: x25519.publicKey, bogus: 1 } as never), ArgumentError)
    await assert.rejects(encryptFile(input, { keep: true, to: x25519.publicKey, note: 'x'.repeat(2000) }), ArgumentError)
    await assert.rejects(encryptFile(input, { keep: true, passphrase: 'p', workFactor: 40 }), ArgumentError)
    await assert.rejects(encryptFile(dir(), { keep: true, to: x25519.publicKey }), (e: Error & { code?: string }) => e.code === 'FSEC_NOT_A_FILE')
    await assert.rejects(decryptFile(input, { identity: x25519.privateKey }), NotEncryptedError)
    const e = await encryptFile(input, { keep: true, to: x25519.publicKey })
    await assert.rejects(decryptFile(e.output, { identity: rsa.privateKey, output: `${input}.o` }), NoMatchingRecipientError)
    await assert.rejects(decryptFile(e.output, { passphrase: 'x', output: `${input}.o` }), NoMatchingRecipientError)
    const p = await encryptFile(input, { keep: true, passphrase: 'right', workFactor: 10, output: `${input}.p.fsec` })
    await assert.rejects(decryptFile(p.output, { passphrase: 'wrong', output: `${input}.o` }), WrongPassphraseError)
    await assert.rejects(decryptFile(p.output, { identity: x25519.privateKey, output: `${input}.o` }), NoMatchingRecipientError)
    assert.equal(existsSync(`${input}.o`), false)
    assert.deepEqual(leftoverTempFiles(dir()), [])
  })

  it('an aborted encrypt or decrypt leaves nothing behind', async () => {
    const big = join(dir(), 'big.bin')
    writeFileSync(big, '')
    truncateSync(big, 1 << 30) // sparse: reads fast, still takes a while to encrypt
    const ac = new AbortController()
    const pending = encryptFile(big, { keep: true, to: x25519.publicKey, signal: ac.signal, durable: false })
    setTimeout(() => ac.abort(), 30)
    await assert.rejects(pending, AbortError)
    assert.equal(existsSync(`${big}.fsec`), false)
    assert.deepEqual(leftoverTempFiles(dir()), [])

    const pre = new AbortController()
    pre.abort()
    await assert.rejects(encryptFile(big, { keep: true, to: x25519.publicKey, signal: pre.signal }), AbortError)
    assert.equal(existsSync(`${big}.fsec`), false)

    const small = fresh(randomBytes(3 << 20))
    const e = await encryptFile(small, { keep: true, to: x25519.publicKey })
    const ac2 = new AbortController()
    ac2.abort()
    await assert.rejects(decryptFile(e.output, { identity: x25519.privateKey, output: `${small}.o`, signal: ac2.signal }), AbortError)
    assert.equal(existsSync(`${small}.o`), false)
    assert.deepEqual(leftoverTempFiles(dir()), [])
  })

  it('an input modified while it is being encrypted → SourceChangedError, nothing left behind', async () => {
    const big = join(dir(), 'changing.bin')
    writeFileSync(big, '')
    truncateSync(big, 1 << 30)
    let touched = false
    await assert.rejects(
      encryptFile(big, {
        keep: true,
        to: x25519.publicKey,
        durable: false,
        onProgress: ({ done, total }) => {
          if (!touched && done < total) {
            touched = true
            utimesSync(big, new Date(), new Date(Date.now() + 5000))
          }
        },
      }),
      SourceChangedError,
    )
    assert.equal(touched, true)
    assert.equal(existsSync(`${big}.fsec`), false)
    assert.deepEqual(leftoverTempFiles(dir()), [])
    rmSync(big)
  })

  it('reports progress up to the total', async () => {
    const input = fresh(randomBytes(2 << 20))
    const seen: { done: number; total: number }[] = []
    await encryptFile(input, { keep: true, to: x25519.publicKey, onProgress: (p) => seen.push(p) })
    assert.ok(seen.length >= 1)
    assert.deepEqual(seen[seen.length - 1], { done: 2 << 20, total: 2 << 20, phase: 'encrypt' })
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.done >= seen[i - 1]!.done)
  })

  it('SecFile follows the file through encrypt and decrypt', async () => {
    const data = randomBytes(4321)
    const input = fresh(data)
    const f = new SecFile(input)
    assert.equal(f.isEncrypted, false)
    assert.equal(f.size, 4321)
    await f.encrypt({ to: [x25519.publicKey, rsa.publicKey] })
    assert.equal(f.path, `${input}.fsec`)
    assert.equal(f.isEncrypted, true)
    const info = await f.inspect()
    assert.equal(info.recipients.length, 2)
    const r = await f.open({ identity: rsa.privateKey })
    assert.deepEqual(await r.read(100, 50), data.subarray(100, 150))
    r.close()
    assert.equal(existsSync(input), false, 'the plaintext is destroyed after a verified encryption')
    await f.decrypt({ identity: x25519.privateKey })
    assert.equal(f.path, input)
    assert.deepEqual(readFileSync(f.path), data)
    assert.equal(f.isEncrypted, false)
  })
})

describe('generateKeyPair writing files', () => {
  const dir = scratchDir()

  it('writes a protected private key (0600) and the public key when paths are given', async () => {
    const priv = join(dir(), 'k.key')
    const pub = join(dir(), 'k.pub')
    const pair = await generateKeyPair('x25519', { privateKeyPath: priv, publicKeyPath: pub, passphrase: 'pw' })
    assert.equal(statSync(priv).mode & 0o777, 0o600)
    await assert.rejects(loadKey(priv), KeyPassphraseError)
    assert.equal((await loadKey(priv, { passphrase: 'pw' })).fingerprint, pair.publicKey.fingerprint)
    assert.equal((await loadKey(pub)).fingerprint, pair.publicKey.fingerprint)
    await assert.rejects(generateKeyPair('x25519', { privateKeyPath: join(dir(), 'u.key') }), ArgumentError)
    assert.equal(existsSync(join(dir(), 'u.key')), false)
    await assert.rejects(generateKeyPair('x25519', { passphrase: 'pw' }), ArgumentError)
  })
})

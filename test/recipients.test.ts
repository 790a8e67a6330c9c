// Several recipients in one .fsec file: each identity alone decrypts, an outsider gets
// NoMatchingRecipientError, duplicates are refused, and inspect() lists the recipients in order
// without any key.
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  ArgumentError,
  decryptFile,
  encryptFile,
  generateKeyPair,
  inspect,
  type Key,
  type KeyInput,
  KeyError,
  loadKeys,
  NoMatchingRecipientError,
  writePrivateKey,
  writePublicKey,
} from '../lib'
import { leftoverTempFiles, rejectsWith, scratchDir } from './helpers'


interface Pair {
  publicKey: Key
  privateKey: Key
}

describe('recipients: one file, several recipients (2 RSA + 2 X25519)', () => {
  const dir = scratchDir('filesec-recipients-')
  const f = (name: string) => join(dir(), name)
  let rsa1: Pair, rsa2: Pair, x1: Pair, x2: Pair
  let outsiderRsa: Pair, outsiderX: Pair
  let data: Buffer
  let encrypted = ''
  let order: { type: string; key: Pair }[] = []

  before(async function () {
    this.timeout(30000)
    ;[rsa1, rsa2, outsiderRsa] = await Promise.all([1, 2, 3].map(() => generateKeyPair('rsa', { bits: 2048 })))
    ;[x1, x2, outsiderX] = await Promise.all([1, 2, 3].map(() => generateKeyPair('x25519')))
    // Recipients named in every form: a Key, a public key file, key text, a private key file.
    await writePublicKey(rsa2.publicKey, f('rsa2.pub.pem'))
    await writePrivateKey(x2.privateKey, f('x2.key'), { unprotected: true })
    await writePrivateKey(rsa1.privateKey, f('rsa1.key.pem'), { unprotected: true })
    await writePrivateKey(x1.privateKey, f('x1.key'), { unprotected: true })
    data = randomBytes(200_000)
    writeFileSync(f('data.bin'), data)
    encrypted = f('data.bin.fsec')
    order = [
      { type: 'rsa-oaep-sha256', key: rsa1 },
      { type: 'x25519', key: x1 },
      { type: 'rsa-oaep-sha256', key: rsa2 },
      { type: 'x25519', key: x2 },
    ]
    const to: KeyInput[] = [rsa1.publicKey, x1.publicKey.publicText, { path: f('rsa2.pub.pem') }, f('x2.key')]
    await encryptFile(f('data.bin'), { keep: true, to, output: encrypted })
  })

  const identities = (): [string, KeyInput][] => [
    ['RSA #1 (Key)', rsa1.privateKey],
    ['RSA #1 (file)', f('rsa1.key.pem')],
    ['X25519 #1 (Key)', x1.privateKey],
    ['X25519 #1 (file)', f('x1.key')],
    ['RSA #2 (Key)', rsa2.privateKey],
    ['X25519 #2 (file)', f('x2.key')],
  ]

  it('each recipient identity alone decrypts the file', async () => {
    const tried: string[] = []
    for (const [label, identity] of identities()) {
      const out = f(`out-${tried.length}.bin`)
      const r = await decryptFile(encrypted, { identity, output: out })
      assert.equal(r.plaintextBytes, data.length, label)
      assert.ok(readFileSync(out).equals(data), `${label}: plaintext differs`)
      tried.push(label)
    }
    assert.equal(tried.length, 6)
    assert.deepEqual(leftoverTempFiles(dir()), [])
  })

  it('an identity list with outsiders decrypts when one of them is a recipient', async () => {
    const out = f('out-list.bin')
    await decryptFile(encrypted, { identity: [outsiderRsa.privateKey, outsiderX.privateKey, x2.privateKey], output: out })
    assert.ok(readFileSync(out).equals(data))
  })

  it('an identity that is not a recipient → NoMatchingRecipientError (RSA, X25519, both), no output left', async () => {
    for (const identity of [outsiderRsa.privateKey, outsiderX.privateKey, [outsiderRsa.privateKey, outsiderX.privateKey]] as KeyInput[]) {
      await rejectsWith(
        decryptFile(encrypted, { identity, output: f('outsider.bin') }),
        NoMatchingRecipientError,
        'FSEC_NO_MATCHING_RECIPIENT',
      )
    }
    assert.equal(existsSync(f('outsider.bin')), false)
    assert.deepEqual(leftoverTempFiles(dir()), [])
  })

  it('duplicate recipient keys → ArgumentError, whatever form names them; nothing written', async () => {
    const dups: [string, KeyInput[]][] = [
      ['the same Key twice', [rsa1.publicKey, x1.publicKey, rsa1.publicKey]],
      ['an X25519 Key and its age1 text', [x1.publicKey, x1.publicKey.publicText]],
      ['a private key and its public half', [rsa2.privateKey, rsa2.publicKey]],
      ['a PEM file and the same key as a Key', [f('rsa2.pub.pem'), rsa2.publicKey]],
      ['an identity file and its public key', [f('x2.key'), x2.publicKey]],
    ]
    for (const [label, to] of dups) {
      const out = f('dup.fsec')
      const e = await rejectsWith(encryptFile(f('data.bin'), { keep: true, to, output: out }), ArgumentError, 'FSEC_INVALID_ARGUMENT')
      assert.ok(e instanceof ArgumentError, label)
      assert.equal(existsSync(out), false, label)
    }
    // A recipients file that lists the same key twice.
    writeFileSync(f('dup-recipients.txt'), `# twice\n${x1.publicKey.publicText}\n${x2.publicKey.publicText}\n${x1.publicKey.publicText}\n`)
    await rejectsWith(encryptFile(f('data.bin'), { keep: true, to: f('dup-recipients.txt'), output: f('dup.fsec') }), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    assert.equal(existsSync(f('dup.fsec')), false)
    assert.deepEqual(leftoverTempFiles(dir()), [])
  })

  it('inspect() lists each recipient type and fingerprint, in order, without any key', async () => {
    const info = await inspect(encrypted)
    assert.equal(info.passphrase, false)
    assert.equal(info.codec, 'fsec')
    assert.deepEqual(
      info.recipients.map((r) => [r.type, r.fingerprint]),
      order.map((o) => [o.type, o.key.publicKey.fingerprint]),
    )
    for (const [i, r] of info.recipients.entries()) {
      if (r.type === 'rsa-oaep-sha256') assert.equal(r.rsaBits, 2048, `recipient ${i}`)
      else assert.equal(r.rsaBits, undefined, `recipient ${i}`)
      assert.equal(r.workFactor, undefined)
      assert.match(r.fingerprint!, /^[0-9a-f]{64}$/)
    }
    // No key was given above: inspect() takes only the path.
  })

  it('the order follows the order given, and encryptFile reports the same list as inspect()', async () => {
    writeFileSync(f('small.txt'), 'reordered\n')
    const reversed = [...order].reverse()
    const r = await encryptFile(f('small.txt'), { keep: true, to: reversed.map((o) => o.key.publicKey), output: f('small.txt.fsec') })
    const info = await inspect(f('small.txt.fsec'))
    assert.deepEqual(r.recipients, info.recipients)
    assert.deepEqual(
      info.recipients.map((r) => [r.type, r.fingerprint]),
      reversed.map((o) => [o.type, o.key.publicKey.fingerprint]),
    )
    // Each one still decrypts it.
    for (const o of reversed) {
      const out = f(`small-${o.key.publicKey.fingerprint.slice(0, 8)}.txt`)
      await decryptFile(f('small.txt.fsec'), { identity: o.key.privateKey, output: out })
      assert.equal(readFileSync(out, 'utf8'), 'reordered\n')
    }
  })

  it('a fresh file key per file: the same recipients give two different headers', async () => {
    writeFileSync(f('twice.txt'), 'same input\n')
    const to = order.map((o) => o.key.publicKey)
    await encryptFile(f('twice.txt'), { keep: true, to, output: f('twice-1.fsec') })
    await encryptFile(f('twice.txt'), { keep: true, to, output: f('twice-2.fsec') })
    const [a, b] = [await inspect(f('twice-1.fsec')), await inspect(f('twice-2.fsec'))]
    assert.notEqual(a.fileId, b.fileId)
    assert.deepEqual(a.recipients, b.recipients)
    assert.ok(!readFileSync(f('twice-1.fsec')).equals(readFileSync(f('twice-2.fsec'))))
  })
})

describe('recipients files that mix key formats', () => {
  const dir = scratchDir()

  it('every key of a file mixing age lines, PEM blocks, ssh-rsa lines and comments is used', async () => {
    const x = await generateKeyPair('x25519')
    const r1 = await generateKeyPair('rsa', { bits: 2048 })
    const r2 = await generateKeyPair('rsa', { bits: 2048 })
    const file = join(dir(), 'team.txt')
    writeFileSync(
      file,
      [`# the study team`, x.publicKey.publicText, '', 'Alice (PI):', r1.publicKey.publicText.trim(), r2.publicKey.publicText.trim(), ''].join('\n'),
    )
    const keys = await loadKeys({ path: file })
    assert.deepEqual(
      keys.map((k) => k.fingerprint),
      [x.publicKey.fingerprint, r1.publicKey.fingerprint, r2.publicKey.fingerprint],
    )
    const input = join(dir(), 'data')
    writeFileSync(input, randomBytes(100))
    const e = await encryptFile(input, { keep: true, to: { path: file } })
    assert.equal(e.recipients.length, 3)
    for (const pair of [x, r1, r2]) {
      const out = join(dir(), `out-${pair.privateKey.fingerprint.slice(0, 8)}`)
      await decryptFile(e.output, { identity: pair.privateKey, output: out })
      assert.deepEqual(readFileSync(out), readFileSync(input))
    }
  })

  it('a PEM block without its END line is an invalid key, not a silent partial load', async () => {
    const r = await generateKeyPair('rsa', { bits: 2048 })
    const file = join(dir(), 'cut.pem')
    writeFileSync(file, r.publicKey.publicText.replace(/-----END PUBLIC KEY-----\s*$/, ''))
    await rejectsWith(loadKeys({ path: file }), KeyError, 'FSEC_KEY_INVALID')
  })

  it('a path that looks like a key name is still read as a file', async () => {
    const x = await generateKeyPair('x25519')
    const file = join(dir(), 'ssh-team.pub')
    writeFileSync(file, `${x.publicKey.publicText}\n`)
    const [k] = await loadKeys(file)
    assert.equal(k!.fingerprint, x.publicKey.fingerprint)
  })
})

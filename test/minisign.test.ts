// Interoperability with the real minisign (Debian package minisign, 0.11): what filesec signs,
// `minisign -V` verifies, and what minisign signs, filesec verifies; filesec signs with minisign's
// secret keys (unencrypted `-W` and passphrase-protected) and reads its public keys. Passwords go
// to minisign on its standard input, which it reads when that is not a terminal.
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  generateKeyPair,
  KeyError,
  type KeyPair,
  KeyPassphraseError,
  loadKey,
  SignatureError,
  signFile,
  verifyFile,
  verifyFileDetailed,
} from '../lib'
import { rejectsWith, scratchDir } from './helpers'
import { describeWithTool, MINISIGN, runTool, runToolOk } from './tools'

const BUFFER = 2 << 20 // the native hasher's read buffer (src/core/file_hash.h)
const PASSWORD = 'minisign test password'

describeWithTool(MINISIGN, 'minisign interoperability', function () {
  this.timeout(120_000)
  const dir = scratchDir('filesec-minisign-')
  const p = (name: string): string => join(dir(), name)
  let filesecPair: KeyPair
  let n = 0
  const fresh = (data: Buffer | string): string => {
    const path = p(`m${n++}.bin`)
    writeFileSync(path, data)
    return path
  }
  const minisign = (args: string[], input?: string) => runTool('minisign', args, { cwd: dir(), ...(input !== undefined ? { input } : {}) })

  before(async () => {
    filesecPair = await generateKeyPair('ed25519')
    writeFileSync(p('filesec.pub'), filesecPair.publicKey.publicText)
    // An unencrypted minisign key pair, and a password-protected one (the password twice on stdin).
    runToolOk('minisign', ['-G', '-W', '-p', p('w.pub'), '-s', p('w.key')])
    runToolOk('minisign', ['-G', '-p', p('e.pub'), '-s', p('e.key')], { input: `${PASSWORD}\n${PASSWORD}\n` })
  })

  describe('filesec signs, minisign verifies', () => {
    for (const size of [0, 1, 128, BUFFER, BUFFER + 1, 3 * BUFFER + 5]) {
      it(`${size} bytes: minisign -V (and -H, prehashed required) accepts the .minisig; a modified file is refused by both`, async () => {
        const input = fresh(randomBytes(size))
        const r = await signFile(input, { key: filesecPair.privateKey })
        const ok = minisign(['-V', '-H', '-p', p('filesec.pub'), '-m', input])
        assert.equal(ok.status, 0, ok.stderr)
        assert.match(ok.stdout, /Signature and comment signature verified/)
        assert.match(ok.stdout, new RegExp(`Trusted comment: ${r.trustedComment!.replace(/\t/g, '\\t')}`))
        writeFileSync(input, Buffer.concat([readFileSync(input), Buffer.from('x')]))
        const bad = minisign(['-V', '-p', p('filesec.pub'), '-m', input])
        assert.notEqual(bad.status, 0)
        assert.equal(await verifyFile(input, { key: filesecPair.publicKey, signature: r.signature }), false)
      })
    }

    it('minisign takes the filesec public key as -P (its base64 line) and prints a custom trusted comment', async () => {
      const input = fresh('custom comment')
      await signFile(input, { key: filesecPair.privateKey, trustedComment: 'release 2.0 — ✓' })
      const line = filesecPair.publicKey.publicText.split('\n')[1]!
      const ok = minisign(['-V', '-P', line, '-m', input])
      assert.equal(ok.status, 0, ok.stderr)
      assert.match(ok.stdout, /Trusted comment: release 2\.0 — ✓/)
    })

    it('minisign refuses a filesec signature with an altered trusted comment, or checked with another key', async () => {
      const input = fresh('altered')
      const r = await signFile(input, { key: filesecPair.privateKey, trustedComment: 'original' })
      writeFileSync(r.output!, r.signature.replace('trusted comment: original', 'trusted comment: changed'))
      assert.notEqual(minisign(['-V', '-p', p('filesec.pub'), '-m', input]).status, 0)
      writeFileSync(r.output!, r.signature)
      assert.notEqual(minisign(['-V', '-p', p('w.pub'), '-m', input]).status, 0)
    })
  })

  describe('minisign signs, filesec verifies', () => {
    it('a -W key: filesec verifies with the minisign public key file and with its base64 line', async () => {
      for (const size of [0, 1, BUFFER - 1, 2 * BUFFER + 77]) {
        const input = fresh(randomBytes(size))
        runToolOk('minisign', ['-S', '-s', p('w.key'), '-m', input, '-t', 'made by minisign', '-c', 'minisign untrusted'])
        const signature = { path: `${input}.minisig` }
        const r = await verifyFileDetailed(input, { key: p('w.pub'), signature })
        assert.deepEqual([r.valid, r.trustedComment, r.untrustedComment], [true, 'made by minisign', 'minisign untrusted'])
        assert.equal(r.keyId, (await loadKey(p('w.pub'))).keyId)
        const line = readFileSync(p('w.pub'), 'utf8').split('\n')[1]!
        assert.equal(await verifyFile(input, { key: line, signature }), true)
        // Another key, a modified file: false.
        assert.equal(await verifyFile(input, { key: p('e.pub'), signature }), false)
        assert.equal(await verifyFile(input, { key: filesecPair.publicKey, signature }), false)
        writeFileSync(input, Buffer.concat([readFileSync(input), Buffer.from('x')]))
        assert.equal(await verifyFile(input, { key: p('w.pub'), signature }), false)
      }
    })

    it('minisign\'s default trusted comment (timestamp, file name, hashed) is read back', async () => {
      const input = fresh('default comment')
      runToolOk('minisign', ['-S', '-s', p('w.key'), '-m', input])
      const r = await verifyFileDetailed(input, { key: p('w.pub'), signature: { path: `${input}.minisig` } })
      assert.equal(r.valid, true)
      assert.match(r.trustedComment!, /^timestamp:\d+\tfile:m\d+\.bin\thashed$/)
    })

    it('a passphrase-protected key (password on stdin): filesec verifies the signature', async () => {
      const input = fresh(randomBytes(BUFFER + 3))
      runToolOk('minisign', ['-S', '-s', p('e.key'), '-m', input], { input: `${PASSWORD}\n` })
      assert.equal(await verifyFile(input, { key: p('e.pub'), signature: { path: `${input}.minisig` } }), true)
    })

    it('a legacy (non-prehashed, -l) minisign signature → SignatureError FSEC_SIGNATURE_UNSUPPORTED', async () => {
      const input = fresh('legacy')
      runToolOk('minisign', ['-S', '-l', '-s', p('w.key'), '-m', input])
      await rejectsWith(
        verifyFile(input, { key: p('w.pub'), signature: { path: `${input}.minisig` } }),
        SignatureError,
        'FSEC_SIGNATURE_UNSUPPORTED',
      )
    })
  })

  describe('filesec signs with minisign secret keys', () => {
    it('a -W secret key: same key and key id as its public key file; minisign verifies what filesec signs', async () => {
      const secret = await loadKey(p('w.key'))
      const pub = await loadKey(p('w.pub'))
      assert.equal(secret.kind, 'ed25519')
      assert.equal(secret.isPrivate, true)
      assert.equal(secret.fingerprint, pub.fingerprint)
      assert.equal(secret.keyId, pub.keyId)
      // filesec writes the public key exactly as minisign did.
      assert.equal(pub.publicText, readFileSync(p('w.pub'), 'utf8'))
      assert.equal(secret.publicText, readFileSync(p('w.pub'), 'utf8'))
      for (const size of [0, BUFFER + 1]) {
        const input = fresh(randomBytes(size))
        await signFile(input, { key: p('w.key') })
        const ok = minisign(['-V', '-p', p('w.pub'), '-m', input])
        assert.equal(ok.status, 0, ok.stderr)
      }
    })

    it('a passphrase-protected secret key: needs the passphrase, refuses a wrong one, signs with the right one', async () => {
      await rejectsWith(loadKey(p('e.key')), KeyPassphraseError, 'FSEC_KEY_PASSPHRASE_REQUIRED')
      await rejectsWith(loadKey(p('e.key'), { passphrase: 'not the password' }), KeyPassphraseError, 'FSEC_KEY_WRONG_PASSPHRASE')
      const input = fresh(randomBytes(1000))
      const r = await signFile(input, { key: p('e.key'), keyPassphrase: PASSWORD })
      assert.equal(r.keyId, (await loadKey(p('e.pub'))).keyId)
      const ok = minisign(['-V', '-p', p('e.pub'), '-m', input])
      assert.equal(ok.status, 0, ok.stderr)
    })

    it('a damaged minisign secret key: FSEC_KEY_INVALID, never a key that signs wrongly', async () => {
      const [comment, line] = readFileSync(p('w.key'), 'utf8').split('\n')
      const blob = Buffer.from(line!, 'base64')
      blob[70] ^= 0x01 // inside the secret seed: the stored public key no longer matches
      writeFileSync(p('damaged.key'), `${comment}\n${blob.toString('base64')}\n`)
      await rejectsWith(loadKey(p('damaged.key')), KeyError, 'FSEC_KEY_INVALID')
      const short = Buffer.from(line!, 'base64').subarray(0, 100)
      await rejectsWith(loadKey(`${comment}\n${short.toString('base64')}\n`), KeyError, 'FSEC_KEY_INVALID')
      const otherKdf = Buffer.from(line!, 'base64')
      otherKdf.write('Xy', 2, 'latin1')
      await rejectsWith(loadKey(`${comment}\n${otherKdf.toString('base64')}\n`), KeyError, 'FSEC_KEY_UNSUPPORTED')
    })
  })
})

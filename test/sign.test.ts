// Detached signatures through the public API: signFile / verifyFile / verifyFileDetailed with
// Ed25519 (minisign .minisig) and RSA (filesec's RSA-PSS signature file) keys. Covers the file
// sizes around the hasher's buffers, known answers from an independent implementation (Node's
// crypto), tampering (file, signature, trusted comment, key), malformed and unsupported
// signatures, key errors, output safety, cancellation, and RSA interoperability with openssl dgst.
// The pyFileSec acceptance behaviours (§7) are named in the titles.
import { strict as assert } from 'node:assert'
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  constants as cryptoConstants,
  randomBytes,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import native = require('../binding')
import {
  AbortError,
  ArgumentError,
  encryptFile,
  FileError,
  FileNotFoundError,
  generateKeyPair,
  KeyError,
  KeyPassphraseError,
  type KeyPair,
  loadKey,
  OutputExistsError,
  SignatureError,
  signFile,
  SourceChangedError,
  verifyFile,
  verifyFileDetailed,
  writePrivateKey,
  WrongKeyError,
} from '../lib'
import { leftoverTempFiles, rejectsWith, scratchDir } from './helpers'
import { describeWithTool, OPENSSL, runTool, runToolOk } from './tools'

/** The hasher's read buffer (kReadBufferSize in src/core/file_hash.h); it keeps three in turn. */
const BUFFER = 2 << 20
const BLAKE2B_BLOCK = 128
const SIZES = [0, 1, BLAKE2B_BLOCK - 1, BLAKE2B_BLOCK, BLAKE2B_BLOCK + 1, 64 << 10, BUFFER - 1, BUFFER, BUFFER + 1, 3 * BUFFER, 3 * BUFFER + 1, 4 * BUFFER + 12345]
const PASS = 'sign-test passphrase'

/** Replaces line `index` (0-based) of a signature text. */
function withLine(text: string, index: number, line: string): string {
  const lines = text.split('\n')
  lines[index] = line
  return lines.join('\n')
}

function flipByte(path: string, at: number): void {
  const data = readFileSync(path)
  data[at] ^= 0x01
  writeFileSync(path, data)
}

describe('signatures: sign and verify files', function () {
  this.timeout(120_000)
  const dir = scratchDir('filesec-sign-')
  const p = (name: string): string => join(dir(), name)
  let ed: KeyPair
  let ed2: KeyPair
  let rsa: KeyPair
  let rsa2: KeyPair
  let x25519: KeyPair
  let n = 0
  const fresh = (data: Buffer | string, name = `f${n++}.bin`): string => {
    writeFileSync(p(name), data)
    return p(name)
  }

  before(async () => {
    ;[ed, ed2, rsa, rsa2, x25519] = await Promise.all([
      generateKeyPair('ed25519'),
      generateKeyPair('ed25519'),
      generateKeyPair('rsa', { bits: 2048 }),
      generateKeyPair('rsa', { bits: 2048 }),
      generateKeyPair('x25519'),
    ])
  })

  describe('Ed25519 keys', () => {
    it('the public key comment writes the key id as minisign does, without leading zeros', async () => {
      // One key id in 16 starts with a 0 digit: draw keys until one does.
      let pair = await generateKeyPair('ed25519')
      for (let i = 0; i < 400 && !pair.publicKey.keyId!.startsWith('0'); i++) pair = await generateKeyPair('ed25519')
      const id = pair.publicKey.keyId!
      assert.match(id, /^0[0-9A-F]{15}$/)
      const comment = pair.publicKey.publicText.split('\n')[0]
      assert.equal(comment, `untrusted comment: minisign public key ${id.replace(/^0+/, '')}`)
    })

    it('generateKeyPair(ed25519): the public text is a minisign public key file; the key id is the first 8 fingerprint bytes', async () => {
      const pub = ed.publicKey
      assert.equal(pub.kind, 'ed25519')
      assert.equal(ed.privateKey.kind, 'ed25519')
      assert.equal(ed.privateKey.fingerprint, pub.fingerprint)
      // minisign prints the 8 id bytes as a little-endian number.
      const idBytes = Buffer.from(pub.fingerprint.slice(0, 16), 'hex')
      assert.equal(pub.keyId, Buffer.from(idBytes).reverse().toString('hex').toUpperCase())
      assert.equal(ed.privateKey.keyId, pub.keyId)
      const [comment, line, end] = pub.publicText.split('\n')
      assert.equal(comment, `untrusted comment: minisign public key ${pub.keyId!.replace(/^0+(?=.)/, '')}`)
      assert.equal(end, '')
      const blob = Buffer.from(line!, 'base64')
      assert.equal(blob.length, 42)
      assert.equal(blob.subarray(0, 2).toString(), 'Ed')
      assert.deepEqual(blob.subarray(2, 10), idBytes)
      // An Ed25519 SubjectPublicKeyInfo ends with the raw 32-byte key.
      assert.deepEqual(blob.subarray(10), pub.native.spki().subarray(-32))
      // The same key read back from its public text, its bare line, and as JSON.
      for (const text of [pub.publicText, line!]) {
        const again = await loadKey(text)
        assert.equal(again.fingerprint, pub.fingerprint)
        assert.equal(again.keyId, pub.keyId)
      }
      assert.equal(pub.toJSON().keyId, pub.keyId)
      assert.equal(rsa.publicKey.keyId, undefined)
      assert.equal('keyId' in rsa.publicKey.toJSON(), false)
      await rejectsWith(generateKeyPair('ed25519', { bits: 256 }), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    })

    it('a private Ed25519 key is written as encrypted PKCS#8 (0600) and read back with its passphrase, same key id', async () => {
      const path = p('ed-protected.key')
      await writePrivateKey(ed.privateKey, path, { passphrase: PASS })
      assert.equal(statSync(path).mode & 0o777, 0o600)
      assert.match(readFileSync(path, 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/)
      await rejectsWith(loadKey(path), KeyPassphraseError, 'FSEC_KEY_PASSPHRASE_REQUIRED')
      await rejectsWith(loadKey(path, { passphrase: 'wrong' }), KeyPassphraseError, 'FSEC_KEY_WRONG_PASSPHRASE')
      const back = await loadKey(path, { passphrase: PASS })
      assert.equal(back.kind, 'ed25519')
      assert.equal(back.isPrivate, true)
      assert.equal(back.keyId, ed.publicKey.keyId)
      // Node reads the same key (standard PKCS#8).
      const nodeKey = createPrivateKey({ key: readFileSync(path), passphrase: PASS })
      assert.equal(nodeKey.asymmetricKeyType, 'ed25519')
    })

    it('Ed25519 keys cannot encrypt; X25519 keys cannot sign or verify (FSEC_KEY_UNSUPPORTED)', async () => {
      const input = fresh('data')
      await rejectsWith(encryptFile(input, { keep: true, to: ed.publicKey, output: p('no.fsec') }), KeyError, 'FSEC_KEY_UNSUPPORTED')
      assert.equal(existsSync(p('no.fsec')), false)
      await rejectsWith(signFile(input, { key: x25519.privateKey }), KeyError, 'FSEC_KEY_UNSUPPORTED')
      const sig = await signFile(input, { key: ed.privateKey, output: false })
      await rejectsWith(verifyFile(input, { key: x25519.publicKey, signature: sig.signature }), KeyError, 'FSEC_KEY_UNSUPPORTED')
      assert.equal(existsSync(`${input}.minisig`), false)
    })
  })

  describe('round trips at every size around the read buffers', () => {
    for (const size of SIZES) {
      it(`${size} bytes: the native digests match Node's; Ed25519 and RSA signatures verify; a flipped byte does not`, async () => {
        const data = randomBytes(size)
        const input = fresh(data)
        for (const [digest, name] of [['sha256', 'sha256'], ['blake2b512', 'blake2b512']] as const) {
          const r = await native.hashFile(input, digest, null).promise
          assert.equal(r.fileBytes, size)
          assert.equal(r.digest.toString('hex'), createHash(name).update(data).digest('hex'), digest)
        }
        for (const pair of [ed, rsa]) {
          const signed = await signFile(input, { key: pair.privateKey })
          assert.equal(signed.fileBytes, size)
          assert.equal(signed.signature, readFileSync(signed.output!, 'utf8'))
          const detail = await verifyFileDetailed(input, { key: pair.publicKey, signature: { path: signed.output! } })
          assert.deepEqual([detail.valid, detail.reason, detail.fileBytes], [true, undefined, size])
          if (size > 0) {
            for (const at of [0, size >> 1, size - 1]) {
              flipByte(input, at)
              const bad = await verifyFileDetailed(input, { key: pair.publicKey, signature: signed.signature })
              assert.deepEqual([bad.valid, bad.reason], [false, 'signature-mismatch'], `byte ${at} flipped`)
              flipByte(input, at)
            }
          }
          // Longer by one byte.
          writeFileSync(input, Buffer.concat([data, Buffer.from([0])]))
          assert.equal(await verifyFile(input, { key: pair.publicKey, signature: signed.signature }), false)
          writeFileSync(input, data)
          rmSync(signed.output!)
        }
      })
    }
  })

  describe('Ed25519 (minisign) signatures', () => {
    it('§7.22 sign with an unprotected private key (no passphrase): FILE.minisig, four lines, mode 0600', async () => {
      const input = fresh('hello\n', 'hello.txt')
      const keyFile = p('ed-plain.key')
      await writePrivateKey(ed.privateKey, keyFile, { unprotected: true })
      const before = Math.floor(Date.now() / 1000)
      const r = await signFile(input, { key: keyFile })
      assert.equal(r.output, `${input}.minisig`)
      assert.equal(r.algorithm, 'ed25519')
      assert.equal(r.keyId, ed.publicKey.keyId)
      assert.equal(r.fingerprint, ed.publicKey.fingerprint)
      assert.equal(statSync(r.output!).mode & 0o777, 0o600)
      const lines = readFileSync(r.output!, 'utf8').split('\n')
      assert.equal(lines.length, 5)
      assert.equal(lines[0], 'untrusted comment: signature from filesec secret key')
      const m = /^trusted comment: timestamp:(\d+)\tfile:hello\.txt\thashed$/.exec(lines[2]!)
      assert.ok(m, lines[2])
      assert.ok(Number(m[1]) >= before && Number(m[1]) <= before + 60)
      assert.equal(r.trustedComment, lines[2]!.slice('trusted comment: '.length))
      assert.equal(lines[4], '')
      assert.deepEqual(leftoverTempFiles(dir()), [])
    })

    it('§7.63 a known file and key give exactly the signature an independent implementation (Node crypto) computes', async () => {
      // A fixed key (from a fixed seed) and the pyFileSec test's file content "1024".
      const seed = Buffer.alloc(32, 7)
      const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed])
      const nodeKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
      const key = await loadKey(nodeKey.export({ format: 'pem', type: 'pkcs8' }) as string)
      const spki = createPublicKey(nodeKey).export({ format: 'der', type: 'spki' })
      assert.equal(key.fingerprint, createHash('sha256').update(spki).digest('hex'))
      const input = fresh('1024')
      const comment = 'timestamp:1700000000\tfile:1024.txt\thashed'
      const r = await signFile(input, { key, output: false, trustedComment: comment })

      const idBytes = Buffer.from(key.fingerprint.slice(0, 16), 'hex')
      const fileSignature = nodeSign(null, createHash('blake2b512').update('1024').digest(), nodeKey)
      const commentSignature = nodeSign(null, Buffer.concat([fileSignature, Buffer.from(comment)]), nodeKey)
      const expected = [
        'untrusted comment: signature from filesec secret key',
        Buffer.concat([Buffer.from('ED'), idBytes, fileSignature]).toString('base64'),
        `trusted comment: ${comment}`,
        commentSignature.toString('base64'),
        '',
      ].join('\n')
      assert.equal(r.signature, expected)
      assert.equal(r.output, undefined)
      assert.equal(existsSync(`${input}.minisig`), false)
      // Ed25519 is deterministic: signing again gives the same text.
      assert.equal((await signFile(input, { key, output: false, trustedComment: comment })).signature, expected)
    })

    it('§7.64 sign({ output }) writes the signature there and says so; §7.56 verify({ signature: { path } }) → true', async () => {
      const input = fresh('a')
      const out = p('sig.out')
      const r = await signFile(input, { key: ed.privateKey, output: out })
      assert.equal(r.output, out)
      assert.equal(readFileSync(out, 'utf8'), r.signature)
      assert.equal(await verifyFile(input, { key: ed.publicKey, signature: { path: out } }), true)
      assert.equal(await verifyFile(input, { key: ed.publicKey, signature: readFileSync(out) }), true)
      assert.equal(await verifyFile(input, { key: ed.privateKey, signature: r.signature }), true, 'a private key verifies too')
    })

    it('§7.65 the wrong public key, or a different file → false', async () => {
      const input = fresh('signed content')
      const other = fresh('other content')
      const { signature } = await signFile(input, { key: ed.privateKey, output: false })
      const wrongKey = await verifyFileDetailed(input, { key: ed2.publicKey, signature })
      assert.deepEqual([wrongKey.valid, wrongKey.reason, wrongKey.fileBytes], [false, 'key-mismatch', 0])
      const wrongFile = await verifyFileDetailed(other, { key: ed.publicKey, signature })
      assert.deepEqual([wrongFile.valid, wrongFile.reason], [false, 'signature-mismatch'])
      // An RSA key for a minisign signature is the wrong key too.
      assert.equal(await verifyFile(input, { key: rsa.publicKey, signature }), false)
    })

    it('a signature whose key id is changed (or the key read with another id) → false, key-mismatch', async () => {
      const input = fresh('key id test')
      const { signature } = await signFile(input, { key: ed.privateKey, output: false })
      const blob = Buffer.from(signature.split('\n')[1]!, 'base64')
      blob[2] ^= 0x01
      const changedId = withLine(signature, 1, blob.toString('base64'))
      const r = await verifyFileDetailed(input, { key: ed.publicKey, signature: changedId })
      assert.deepEqual([r.valid, r.reason], [false, 'key-mismatch'])
      // The right public key, but from a minisign file naming another id.
      const line = Buffer.from(ed.publicKey.publicText.split('\n')[1]!, 'base64')
      line[2] ^= 0x01
      const sameKeyOtherId = await loadKey(`untrusted comment: x\n${line.toString('base64')}\n`)
      assert.equal(sameKeyOtherId.fingerprint, ed.publicKey.fingerprint)
      assert.equal(await verifyFile(input, { key: sameKeyOtherId, signature }), false)
    })

    it('an altered trusted comment → false (comment-mismatch); the untrusted comment is not authenticated', async () => {
      const input = fresh('comment test')
      const { signature } = await signFile(input, { key: ed.privateKey, output: false, trustedComment: 'release 1.0' })
      const altered = withLine(signature, 2, 'trusted comment: release 1.1')
      const r = await verifyFileDetailed(input, { key: ed.publicKey, signature: altered })
      assert.deepEqual([r.valid, r.reason, r.trustedComment, r.fileBytes], [false, 'comment-mismatch', 'release 1.1', 0])
      const untrusted = withLine(signature, 0, 'untrusted comment: anything at all')
      const u = await verifyFileDetailed(input, { key: ed.publicKey, signature: untrusted })
      assert.deepEqual([u.valid, u.untrustedComment, u.trustedComment], [true, 'anything at all', 'release 1.0'])
      // Either signature altered.
      for (const index of [1, 3]) {
        const bytes = Buffer.from(signature.split('\n')[index]!, 'base64')
        bytes[bytes.length - 1] ^= 0x01
        const bad = await verifyFileDetailed(input, { key: ed.publicKey, signature: withLine(signature, index, bytes.toString('base64')) })
        assert.equal(bad.valid, false, `line ${index + 1}`)
        assert.ok(bad.reason === 'comment-mismatch' || bad.reason === 'signature-mismatch')
      }
    })

    it('trusted comments: tabs and any printable Unicode are kept; control characters, newlines and oversize ones → ArgumentError', async () => {
      const input = fresh('comments')
      const comment = 'tab\there — naïve ✓ 🎉'
      const r = await signFile(input, { key: ed.privateKey, output: false, trustedComment: comment })
      assert.equal(r.trustedComment, comment)
      const v = await verifyFileDetailed(input, { key: ed.publicKey, signature: r.signature })
      assert.deepEqual([v.valid, v.trustedComment], [true, comment])
      const longest = 'x'.repeat(8173)
      assert.equal((await signFile(input, { key: ed.privateKey, output: false, trustedComment: longest })).trustedComment, longest)
      for (const bad of ['two\nlines', 'carriage\rreturn', 'bell\u0007', 'del\u007f', 'c1\u0085', 'x'.repeat(8174), '\ud800 lone surrogate']) {
        await rejectsWith(signFile(input, { key: ed.privateKey, trustedComment: bad }), ArgumentError, 'FSEC_INVALID_ARGUMENT')
      }
      assert.equal(existsSync(`${input}.minisig`), false)
    })

    it('a file name with control characters is written as ? in the default trusted comment', async () => {
      const input = fresh('odd', 'odd\tname\u0001.txt')
      const r = await signFile(input, { key: ed.privateKey, output: false })
      assert.match(r.trustedComment!, /^timestamp:\d+\tfile:odd\?name\?\.txt\thashed$/)
    })

    it('a signed .fsec file: signatures cover any file, encrypted or not', async () => {
      const input = fresh(randomBytes(100_000))
      const enc = await encryptFile(input, { keep: true, to: x25519.publicKey })
      const r = await signFile(enc.output, { key: ed.privateKey })
      assert.equal(r.output, `${enc.output}.minisig`)
      assert.equal(await verifyFile(enc.output, { key: ed.publicKey, signature: { path: r.output! } }), true)
    })
  })

  describe('RSA (RSA-PSS-SHA-256) signatures', () => {
    it('§7.22 sign with an unprotected RSA key: FILE.sig in filesec\'s format, verified by Node with PSS, salt 32', async () => {
      const data = randomBytes(5000)
      const input = fresh(data)
      const keyFile = p('rsa-plain.key')
      await writePrivateKey(rsa.privateKey, keyFile, { unprotected: true })
      const r = await signFile(input, { key: keyFile })
      assert.equal(r.output, `${input}.sig`)
      assert.equal(r.algorithm, 'rsa-pss-sha256')
      assert.equal(r.keyId, undefined)
      assert.equal(statSync(r.output!).mode & 0o777, 0o600)
      const lines = readFileSync(r.output!, 'utf8').split('\n')
      assert.deepEqual(lines.slice(0, 3), ['filesec signature v1', 'algorithm: rsa-pss-sha256', `key-fingerprint: ${rsa.publicKey.fingerprint}`])
      assert.match(lines[3]!, /^signature: [A-Za-z0-9+/]+={0,2}$/)
      assert.equal(lines[4], '')
      assert.equal(lines.length, 5)
      const raw = Buffer.from(lines[3]!.slice('signature: '.length), 'base64')
      assert.equal(raw.length, 256)
      const pem = rsa.publicKey.publicText
      const pss = (saltLength: number) => ({ key: pem, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength })
      assert.equal(nodeVerify('sha256', data, pss(32), raw), true)
      assert.equal(nodeVerify('sha256', data, pss(20), raw), false, 'the salt is 32 bytes')
      // PSS is randomized: two signatures differ, both verify.
      const again = await signFile(input, { key: rsa.privateKey, output: false })
      assert.notEqual(again.signature, r.signature)
      assert.equal(await verifyFile(input, { key: rsa.publicKey, signature: again.signature }), true)
    })

    it('§7.65 the wrong public key, or a different file → false; a signature naming another fingerprint → key-mismatch', async () => {
      const input = fresh('rsa signed')
      const { signature } = await signFile(input, { key: rsa.privateKey, output: false })
      const wrong = await verifyFileDetailed(input, { key: rsa2.publicKey, signature })
      assert.deepEqual([wrong.valid, wrong.reason, wrong.fingerprint], [false, 'key-mismatch', rsa.publicKey.fingerprint])
      assert.deepEqual(
        [(await verifyFileDetailed(fresh('rsa signed!'), { key: rsa.publicKey, signature })).reason],
        ['signature-mismatch'],
      )
      // Another key's signature relabelled with our fingerprint: the check itself fails.
      const other = await signFile(input, { key: rsa2.privateKey, output: false })
      const relabelled = withLine(other.signature, 2, `key-fingerprint: ${rsa.publicKey.fingerprint}`)
      const r = await verifyFileDetailed(input, { key: rsa.publicKey, signature: relabelled })
      assert.deepEqual([r.valid, r.reason], [false, 'signature-mismatch'])
      // An Ed25519 key for an RSA signature.
      assert.equal(await verifyFile(input, { key: ed.publicKey, signature }), false)
    })

    it('a trusted comment is refused for RSA signatures (ArgumentError)', async () => {
      await rejectsWith(signFile(fresh('x'), { key: rsa.privateKey, trustedComment: 'no' }), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    })
  })

  describe('errors', () => {
    it('§7.23 verify without a signature → ArgumentError', async () => {
      const input = fresh('x')
      await rejectsWith(verifyFile(input, { key: ed.publicKey } as never), ArgumentError, 'FSEC_INVALID_ARGUMENT')
      for (const signature of [null, 42, {}, { path: 7 }]) {
        await rejectsWith(verifyFile(input, { key: ed.publicKey, signature } as never), ArgumentError, 'FSEC_INVALID_ARGUMENT')
      }
    })

    it('bad arguments → ArgumentError: no key, unknown option, empty path, bad output, bad signal', async () => {
      const input = fresh('x')
      const cases: Array<() => Promise<unknown>> = [
        () => signFile(input, {} as never),
        () => signFile(input, { key: ed.privateKey, threads: 2 } as never),
        () => signFile('', { key: ed.privateKey }),
        () => signFile(input, { key: ed.privateKey, output: '' }),
        () => signFile(input, { key: ed.privateKey, output: input }),
        () => signFile(input, { key: ed.privateKey, trustedComment: 5 } as never),
        () => signFile(input, { key: ed.privateKey, signal: 'no' } as never),
        () => verifyFile(input, { signature: 'x' } as never),
        () => verifyFile(input, { key: ed.publicKey, signature: 'x', output: 'y' } as never),
      ]
      for (const c of cases) await rejectsWith(c(), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    })

    it('key errors: a public key to sign (WrongKeyError); a protected key without or with the wrong passphrase', async () => {
      const input = fresh('x')
      await rejectsWith(signFile(input, { key: ed.publicKey }), WrongKeyError, 'FSEC_WRONG_KEY')
      await rejectsWith(signFile(input, { key: rsa.publicKey.publicText }), WrongKeyError, 'FSEC_WRONG_KEY')
      const keyFile = p('rsa-protected.key')
      await writePrivateKey(rsa.privateKey, keyFile, { passphrase: PASS })
      await rejectsWith(signFile(input, { key: keyFile }), KeyPassphraseError, 'FSEC_KEY_PASSPHRASE_REQUIRED')
      await rejectsWith(signFile(input, { key: keyFile, keyPassphrase: 'wrong' }), KeyPassphraseError, 'FSEC_KEY_WRONG_PASSPHRASE')
      const r = await signFile(input, { key: keyFile, keyPassphrase: { env: 'FILESEC_SIGN_TEST_PASS' } }).catch((e: Error) => e)
      assert.ok(r instanceof ArgumentError, 'an unset variable')
      process.env.FILESEC_SIGN_TEST_PASS = PASS
      try {
        const ok = await signFile(input, { key: keyFile, keyPassphrase: { env: 'FILESEC_SIGN_TEST_PASS' } })
        assert.equal(await verifyFile(input, { key: rsa.publicKey, signature: { path: ok.output! } }), true)
      } finally {
        delete process.env.FILESEC_SIGN_TEST_PASS
      }
      const sig = await signFile(input, { key: ed.privateKey, output: false })
      await rejectsWith(verifyFile(input, { key: p('missing.pub'), signature: sig.signature }), FileNotFoundError, 'FSEC_FILE_NOT_FOUND')
      await rejectsWith(verifyFile(input, { key: { text: 'not a key' }, signature: sig.signature }), KeyError, 'FSEC_KEY_INVALID')
    })

    it('malformed minisign signatures → SignatureError (FSEC_SIGNATURE_INVALID)', async () => {
      const input = fresh('malformed')
      const { signature } = await signFile(input, { key: ed.privateKey, output: false })
      const lines = signature.split('\n')
      const sigBlob = Buffer.from(lines[1]!, 'base64')
      const cases: Record<string, string> = {
        empty: '',
        garbage: 'this is not a signature',
        'three lines': lines.slice(0, 3).join('\n'),
        'no untrusted prefix': withLine(signature, 0, 'comment: x'),
        'no trusted prefix': withLine(signature, 2, 'comment: x'),
        'signature not base64': withLine(signature, 1, lines[1]!.replace(/^../, '!!')),
        'signature base64 not canonical': withLine(signature, 1, `${lines[1]!.slice(0, -2)}B=`),
        'signature short': withLine(signature, 1, sigBlob.subarray(0, 73).toString('base64')),
        'signature long': withLine(signature, 1, Buffer.concat([sigBlob, Buffer.from([0])]).toString('base64')),
        'comment signature short': withLine(signature, 3, Buffer.alloc(63).toString('base64')),
        'comment signature missing': withLine(signature, 3, ''),
        'text after the signature': `${signature}more text\n`,
        'trusted comment too long': withLine(signature, 2, `trusted comment: ${'x'.repeat(8174)}`),
        'carriage return inside the trusted comment': withLine(signature, 2, 'trusted comment: a\rb'),
        'untrusted comment too long': withLine(signature, 0, `untrusted comment: ${'x'.repeat(1100)}`),
      }
      for (const [why, text] of Object.entries(cases)) {
        try {
          await rejectsWith(verifyFile(input, { key: ed.publicKey, signature: text }), SignatureError, 'FSEC_SIGNATURE_INVALID')
        } catch (err) {
          assert.fail(`${why}: ${(err as Error).message}`)
        }
      }
      // CRLF line ends and a missing final newline are still the same signature.
      assert.equal(await verifyFile(input, { key: ed.publicKey, signature: signature.replace(/\n/g, '\r\n') }), true)
      assert.equal(await verifyFile(input, { key: ed.publicKey, signature: signature.trimEnd() }), true)
    })

    it('unsupported signatures → SignatureError (FSEC_SIGNATURE_UNSUPPORTED): legacy "Ed", other algorithms', async () => {
      const input = fresh('unsupported')
      const { signature } = await signFile(input, { key: ed.privateKey, output: false })
      const blob = Buffer.from(signature.split('\n')[1]!, 'base64')
      for (const alg of ['Ed', 'XX']) {
        const other = Buffer.concat([Buffer.from(alg), blob.subarray(2)])
        await rejectsWith(
          verifyFile(input, { key: ed.publicKey, signature: withLine(signature, 1, other.toString('base64')) }),
          SignatureError,
          'FSEC_SIGNATURE_UNSUPPORTED',
        )
      }
      const rsaSig = (await signFile(input, { key: rsa.privateKey, output: false })).signature
      for (const text of [
        withLine(rsaSig, 1, 'algorithm: rsa-pkcs1-sha256'),
        withLine(rsaSig, 0, 'filesec signature v2'),
      ]) {
        await rejectsWith(verifyFile(input, { key: rsa.publicKey, signature: text }), SignatureError, 'FSEC_SIGNATURE_UNSUPPORTED')
      }
      // Bare base64 of the key's size is a pyFileSec signature (test/legacy-signature.test.ts): checked, here false.
      const legacy = await verifyFileDetailed(input, { key: rsa.publicKey, signature: randomBytes(256).toString('base64') })
      assert.deepEqual([legacy.valid, legacy.algorithm, legacy.reason], [false, 'pyfilesec-pkcs1v15', 'signature-mismatch'])
    })

    it('malformed RSA signature files → SignatureError (FSEC_SIGNATURE_INVALID)', async () => {
      const input = fresh('rsa malformed')
      const { signature } = await signFile(input, { key: rsa.privateKey, output: false })
      const lines = signature.split('\n')
      const cases = [
        withLine(signature, 0, 'filesec signature'),
        withLine(signature, 2, 'key-fingerprint: ABC'),
        withLine(signature, 2, `key-fingerprint: ${rsa.publicKey.fingerprint.toUpperCase()}`),
        withLine(signature, 3, 'signature: not base64!'),
        withLine(signature, 3, 'signature: '),
        withLine(signature, 3, `signature: ${randomBytes(2049).toString('base64')}`),
        [lines[0], lines[2], lines[1], lines[3], ''].join('\n'),
        lines.slice(0, 3).join('\n'),
        `${signature}extra: field\n`,
        withLine(signature, 1, 'algorithm rsa-pss-sha256'),
      ]
      for (const text of cases) {
        await rejectsWith(verifyFile(input, { key: rsa.publicKey, signature: text }), SignatureError, 'FSEC_SIGNATURE_INVALID')
      }
    })

    it('missing or unusable files: FileNotFoundError, FSEC_NOT_A_FILE, an oversized signature file', async () => {
      const input = fresh('x')
      const { signature } = await signFile(input, { key: ed.privateKey, output: false })
      await rejectsWith(signFile(p('nope.bin'), { key: ed.privateKey }), FileNotFoundError, 'FSEC_FILE_NOT_FOUND')
      await rejectsWith(verifyFile(p('nope.bin'), { key: ed.publicKey, signature }), FileNotFoundError, 'FSEC_FILE_NOT_FOUND')
      mkdirSync(p('a-folder'), { recursive: true })
      await rejectsWith(signFile(p('a-folder'), { key: ed.privateKey }), FileError, 'FSEC_NOT_A_FILE')
      await rejectsWith(verifyFile(input, { key: ed.publicKey, signature: { path: p('nope.minisig') } }), FileNotFoundError, 'FSEC_FILE_NOT_FOUND')
      await rejectsWith(verifyFile(input, { key: ed.publicKey, signature: { path: p('a-folder') } }), FileError, 'FSEC_NOT_A_FILE')
      await rejectsWith(signFile(input, { key: ed.privateKey, output: p('no-such-folder/x.minisig') }), FileNotFoundError, 'FSEC_FILE_NOT_FOUND')
      const big = fresh(Buffer.alloc(65 * 1024, 0x41))
      await rejectsWith(verifyFile(input, { key: ed.publicKey, signature: { path: big } }), SignatureError, 'FSEC_SIGNATURE_INVALID')
    })
  })

  describe('output safety and cancellation', () => {
    it('an existing signature file is never replaced unless overwrite (and is left intact)', async () => {
      const input = fresh('keep')
      const out = `${input}.minisig`
      writeFileSync(out, 'precious')
      await rejectsWith(signFile(input, { key: ed.privateKey }), OutputExistsError, 'FSEC_OUTPUT_EXISTS')
      assert.equal(readFileSync(out, 'utf8'), 'precious')
      const r = await signFile(input, { key: ed.privateKey, overwrite: true })
      assert.equal(await verifyFile(input, { key: ed.publicKey, signature: { path: r.output! } }), true)
      assert.deepEqual(leftoverTempFiles(dir()), [])
    })

    it('an already-aborted signal, and an abort while hashing → AbortError; no signature file, no temporary file', async () => {
      const input = p('abort.bin')
      writeFileSync(input, '')
      truncateSync(input, 512 << 20) // sparse: large without using disk
      const ac = new AbortController()
      ac.abort()
      await rejectsWith(signFile(input, { key: ed.privateKey, signal: ac.signal }), AbortError, 'FSEC_ABORTED')
      const mid = new AbortController()
      let calls = 0
      await rejectsWith(
        signFile(input, {
          key: ed.privateKey,
          signal: mid.signal,
          onProgress: () => {
            calls++
            mid.abort()
          },
        }),
        AbortError,
        'FSEC_ABORTED',
      )
      assert.ok(calls >= 1)
      assert.equal(existsSync(`${input}.minisig`), false)
      const { signature } = await signFile(fresh('small'), { key: ed.privateKey, output: false })
      const late = new AbortController()
      late.abort()
      await rejectsWith(verifyFile(input, { key: ed.publicKey, signature, signal: late.signal }), AbortError, 'FSEC_ABORTED')
      assert.deepEqual(leftoverTempFiles(dir()), [])
      rmSync(input)
    })

    it('a file modified while it is being hashed → SourceChangedError, no signature file', async () => {
      const input = p('changing.bin')
      writeFileSync(input, '')
      truncateSync(input, 512 << 20)
      let touched = false
      await rejectsWith(
        signFile(input, {
          key: ed.privateKey,
          onProgress: ({ done, total }) => {
            if (!touched && done < total) {
              touched = true
              utimesSync(input, new Date(), new Date(Date.now() + 5000))
            }
          },
        }),
        SourceChangedError,
        'FSEC_SOURCE_CHANGED',
      )
      assert.equal(touched, true)
      assert.equal(existsSync(`${input}.minisig`), false)
      rmSync(input)
    })

    it('reports progress up to the total, in order', async () => {
      const input = p('progress.bin')
      writeFileSync(input, '')
      truncateSync(input, 256 << 20)
      const seen: Array<{ done: number; total: number }> = []
      const r = await signFile(input, { key: rsa.privateKey, output: false, onProgress: (x) => seen.push(x) })
      assert.ok(seen.length >= 1)
      assert.deepEqual(seen[seen.length - 1], { done: 256 << 20, total: 256 << 20 })
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.done >= seen[i - 1]!.done)
      const checks: Array<{ done: number; total: number }> = []
      assert.equal(await verifyFile(input, { key: rsa.publicKey, signature: r.signature, onProgress: (x) => checks.push(x) }), true)
      assert.deepEqual(checks[checks.length - 1], { done: 256 << 20, total: 256 << 20 })
      rmSync(input)
    })

    it('several signatures at once, of several files, all verify', async () => {
      const inputs = Array.from({ length: 6 }, (_, i) => fresh(randomBytes(300_000 + i)))
      const signed = await Promise.all(inputs.map((f, i) => signFile(f, { key: i % 2 ? rsa.privateKey : ed.privateKey, output: false })))
      const ok = await Promise.all(
        inputs.map((f, i) => verifyFile(f, { key: i % 2 ? rsa.publicKey : ed.publicKey, signature: signed[i]!.signature })),
      )
      assert.deepEqual(ok, inputs.map(() => true))
    })
  })

  describeWithTool(OPENSSL, 'RSA interoperability with openssl dgst', () => {
    const PSS = ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32']

    it('openssl dgst -verify accepts filesec\'s RSA signatures; a modified file is refused', async () => {
      for (const size of [0, 1, BUFFER + 1]) {
        const input = fresh(randomBytes(size))
        writeFileSync(p('rsa.pub.pem'), rsa.publicKey.publicText)
        const r = await signFile(input, { key: rsa.privateKey, output: false })
        writeFileSync(p('raw.sig'), Buffer.from(r.signature.split('\n')[3]!.slice('signature: '.length), 'base64'))
        const ok = runToolOk('openssl', ['dgst', ...PSS, '-verify', p('rsa.pub.pem'), '-signature', p('raw.sig'), input])
        assert.match(ok.stdout, /Verified OK/)
        writeFileSync(input, Buffer.concat([readFileSync(input), Buffer.from('!')]))
        const bad = runTool('openssl', ['dgst', ...PSS, '-verify', p('rsa.pub.pem'), '-signature', p('raw.sig'), input])
        assert.notEqual(bad.status, 0)
      }
    })

    it('filesec verifies what openssl dgst -sign makes (RSA-3072 key from openssl genpkey)', async () => {
      runToolOk('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072', '-out', p('ossl.key')])
      runToolOk('openssl', ['pkey', '-in', p('ossl.key'), '-pubout', '-out', p('ossl.pub')])
      const input = fresh(randomBytes(BUFFER * 2 + 3))
      runToolOk('openssl', ['dgst', ...PSS, '-sign', p('ossl.key'), '-out', p('ossl.sig'), input])
      const key = await loadKey(p('ossl.pub'))
      assert.equal(key.bits, 3072)
      const text = `filesec signature v1\nalgorithm: rsa-pss-sha256\nkey-fingerprint: ${key.fingerprint}\nsignature: ${readFileSync(p('ossl.sig')).toString('base64')}\n`
      assert.equal(await verifyFile(input, { key, signature: text }), true)
      assert.equal(await verifyFile(input, { key: rsa.publicKey, signature: text }), false)
      // The private key openssl wrote signs with filesec, and openssl verifies that.
      const mine = await signFile(input, { key: p('ossl.key'), output: false })
      writeFileSync(p('mine.sig'), Buffer.from(mine.signature.split('\n')[3]!.slice('signature: '.length), 'base64'))
      assert.match(runToolOk('openssl', ['dgst', ...PSS, '-verify', p('ossl.pub'), '-signature', p('mine.sig'), input]).stdout, /Verified OK/)
      // A PKCS#1 v1.5 signature of the same file (what pyFileSec made) is not a PSS signature.
      runToolOk('openssl', ['dgst', '-sha256', '-sign', p('ossl.key'), '-out', p('v15.sig'), input])
      const v15 = text.replace(/signature: .*\n$/, `signature: ${readFileSync(p('v15.sig')).toString('base64')}\n`)
      assert.equal(await verifyFile(input, { key, signature: v15 }), false)
    })
  })
})

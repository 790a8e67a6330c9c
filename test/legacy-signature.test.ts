// Legacy pyFileSec signatures through verifyFile / verifyFileDetailed: bare base64 RSA PKCS#1 v1.5
// over SHA-256, SHA-1 or MD5 (whichever `openssl dgst -sign` defaulted to), verified and never
// made. The signatures here come from Node's crypto (an independent implementation) and, when
// openssl is installed, from `openssl dgst -sign` exactly as pyFileSec ran it — with pyFileSec's
// own 4096-bit key from the shared vectors when present — and `openssl dgst -verify` must agree.
import { strict as assert } from 'node:assert'
import {
  constants as cryptoConstants,
  createHash,
  generateKeyPairSync,
  type KeyObject,
  privateEncrypt,
  randomBytes,
  sign as nodeSign,
} from 'node:crypto'
import { existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import native = require('../binding')
import { AbortError, generateKeyPair, loadKey, SignatureError, signFile, verifyFile, verifyFileDetailed } from '../lib'
import { rejectsWith, scratchDir, vectorsDir } from './helpers'
import { describeWithTool, OPENSSL, runTool, runToolOk } from './tools'

/** The hasher's read buffer (kReadBufferSize in src/core/file_hash.h). */
const BUFFER = 2 << 20
const DIGESTS = ['sha256', 'sha1', 'md5'] as const
type Digest = (typeof DIGESTS)[number]

/** What pyFileSec returned: the raw PKCS#1 v1.5 signature, standard base64, one line. */
function legacySign(digest: Digest, data: Buffer, key: KeyObject): string {
  return nodeSign(digest, data, { key, padding: cryptoConstants.RSA_PKCS1_PADDING }).toString('base64')
}

function pem(key: KeyObject): string {
  return key.export({ format: 'pem', type: key.type === 'private' ? 'pkcs8' : 'spki' }).toString()
}

describe('legacy pyFileSec signatures (RSA PKCS#1 v1.5, verify only)', function () {
  this.timeout(120_000)
  const dir = scratchDir('filesec-legacy-sig-')
  const p = (name: string): string => join(dir(), name)
  let n = 0
  const fresh = (data: Buffer | string): string => {
    const path = p(`f${n++}.bin`)
    writeFileSync(path, data)
    return path
  }
  let priv: KeyObject
  let pub: string
  let otherPub: string
  let bigPub: string

  before(() => {
    const a = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const b = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const c = generateKeyPairSync('rsa', { modulusLength: 3072 })
    priv = a.privateKey
    pub = pem(a.publicKey)
    otherPub = pem(b.publicKey)
    bigPub = pem(c.publicKey)
  })

  it('SHA-256, SHA-1 and MD5 signatures verify at sizes around the hasher\'s buffers; the digest that matched is reported', async () => {
    for (const size of [0, 1, BUFFER - 1, BUFFER, BUFFER + 1, 3 * BUFFER + 7]) {
      const data = randomBytes(size)
      const input = fresh(data)
      for (const digest of DIGESTS) {
        const r = await verifyFileDetailed(input, { key: { text: pub }, signature: legacySign(digest, data, priv) })
        const what = `${digest}, ${size} bytes`
        assert.equal(r.valid, true, what)
        assert.equal(r.algorithm, 'pyfilesec-pkcs1v15', what)
        assert.equal(r.digest, digest, what)
        assert.equal(r.reason, undefined, what)
        assert.equal(r.fingerprint, undefined, 'a pyFileSec signature names no key')
        assert.equal(r.fileBytes, size, what)
      }
    }
  })

  it('SHA-1 and MD5 come with a warning (MD5: broken for collisions); SHA-256 without', async () => {
    const data = Buffer.from('1024')
    const input = fresh(data)
    const result = (digest: Digest) => verifyFileDetailed(input, { key: { text: pub }, signature: legacySign(digest, data, priv) })
    assert.equal((await result('sha256')).warnings, undefined)
    const sha1 = await result('sha1')
    assert.equal(sha1.warnings?.length, 1)
    assert.match(sha1.warnings![0]!, /legacy pyFileSec signature: RSA PKCS#1 v1\.5 over SHA-1/)
    const md5 = await result('md5')
    assert.equal(md5.warnings?.length, 1)
    assert.match(md5.warnings![0]!, /RSA PKCS#1 v1\.5 over MD5, which is broken for collision resistance/)
  })

  it('the signature as text wrapped in lines (LF or CRLF) with a final newline, as a Buffer, or as { path }', async () => {
    const data = randomBytes(10_000)
    const input = fresh(data)
    const b64 = legacySign('sha1', data, priv)
    const wrapped = `${b64.match(/.{1,64}/g)!.join('\n')}\n`
    assert.equal(await verifyFile(input, { key: { text: pub }, signature: wrapped }), true)
    assert.equal(await verifyFile(input, { key: { text: pub }, signature: wrapped.replace(/\n/g, '\r\n') }), true)
    assert.equal(await verifyFile(input, { key: { text: pub }, signature: `  ${b64}\t\n` }), true)
    assert.equal(await verifyFile(input, { key: { text: pub }, signature: Buffer.from(b64) }), true)
    writeFileSync(p('out.sig'), b64) // pyFileSec's out= file: the base64, no newline
    const r = await verifyFileDetailed(input, { key: { text: pub }, signature: { path: p('out.sig') } })
    assert.deepEqual([r.valid, r.digest], [true, 'sha1'])
  })

  it('a changed file → false (signature-mismatch), for each digest', async () => {
    const data = randomBytes(BUFFER + 100)
    for (const digest of DIGESTS) {
      const signature = legacySign(digest, data, priv)
      const changed = Buffer.from(data)
      changed[BUFFER + 50] ^= 0x01
      const flipped = await verifyFileDetailed(fresh(changed), { key: { text: pub }, signature })
      assert.deepEqual([flipped.valid, flipped.reason, flipped.digest, flipped.warnings], [false, 'signature-mismatch', undefined, undefined])
      assert.equal(flipped.fileBytes, data.length)
      assert.equal(await verifyFile(fresh(Buffer.concat([data, Buffer.from('\n')])), { key: { text: pub }, signature }), false)
      assert.equal(await verifyFile(fresh(data), { key: { text: pub }, signature }), true, 'the unchanged copy')
    }
  })

  it('another RSA key of the same size → false; an Ed25519 key → key-mismatch without reading the file', async () => {
    const data = randomBytes(1000)
    const input = fresh(data)
    for (const digest of DIGESTS) {
      const r = await verifyFileDetailed(input, { key: { text: otherPub }, signature: legacySign(digest, data, priv) })
      assert.deepEqual([r.valid, r.reason], [false, 'signature-mismatch'])
    }
    const ed = await generateKeyPair('ed25519')
    const r = await verifyFileDetailed(input, { key: ed.publicKey, signature: legacySign('sha256', data, priv) })
    assert.deepEqual([r.valid, r.reason, r.algorithm, r.fileBytes], [false, 'key-mismatch', 'pyfilesec-pkcs1v15', 0])
  })

  it('garbled signature bytes (still base64 of the right length) → false', async () => {
    const data = randomBytes(1000)
    const input = fresh(data)
    const raw = Buffer.from(legacySign('md5', data, priv), 'base64')
    for (const at of [0, 100, raw.length - 1]) {
      const bad = Buffer.from(raw)
      bad[at] ^= 0x40
      assert.equal(await verifyFile(input, { key: { text: pub }, signature: bad.toString('base64') }), false, `byte ${at}`)
    }
    assert.equal(await verifyFile(input, { key: { text: pub }, signature: randomBytes(256).toString('base64') }), false)
  })

  it('malformed → SignatureError (FSEC_SIGNATURE_INVALID): truncated, bad characters, bad padding, not the key\'s size', async () => {
    const data = randomBytes(1000)
    const input = fresh(data)
    const b64 = legacySign('sha256', data, priv)
    const raw = Buffer.from(b64, 'base64')
    const cases: Record<string, string> = {
      'last 3 characters cut': b64.slice(0, -3),
      'last character cut': b64.slice(0, -1),
      'one byte short (cut at a 4-character boundary)': raw.subarray(0, raw.length - 1).toString('base64'),
      'one byte too many': Buffer.concat([raw, Buffer.from([0])]).toString('base64'),
      'half of it': raw.subarray(0, 128).toString('base64'),
      'a character that is not base64': `${b64.slice(0, 10)}!${b64.slice(11)}`,
      'base64url': b64.replace(/\+/g, '-').replace(/\//g, '_'),
      'extra padding': `${b64}==`,
      'padding inside': `${b64.slice(0, 100)}=${b64.slice(100)}`,
      'longer than any RSA signature': randomBytes(2100).toString('base64'),
      'a 3072-bit signature for a 2048-bit key': randomBytes(384).toString('base64'),
    }
    assert.ok(/[+/]/.test(b64), 'the signature has characters that base64url changes')
    for (const [why, text] of Object.entries(cases)) {
      try {
        await rejectsWith(verifyFile(input, { key: { text: pub }, signature: text }), SignatureError, 'FSEC_SIGNATURE_INVALID')
      } catch (err) {
        assert.fail(`${why}: ${(err as Error).message}`)
      }
    }
    // A key of another size: the signature cannot be its; said before the file is read.
    const e = await rejectsWith(verifyFile(input, { key: { text: bigPub }, signature: b64 }), SignatureError, 'FSEC_SIGNATURE_INVALID')
    assert.match(e.message, /256 bytes, and a 3072-bit RSA key's signatures are 384 bytes/)
  })

  it('strict PKCS#1 v1.5: a bare digest without its DigestInfo, or bytes after the digest, do not verify', async () => {
    const data = randomBytes(5000)
    const input = fresh(data)
    const padded = (block: Buffer) => privateEncrypt({ key: priv, padding: cryptoConstants.RSA_PKCS1_PADDING }, block).toString('base64')
    const sha256 = createHash('sha256').update(data).digest()
    // The SHA-256 DigestInfo prefix of RFC 8017 §9.2 note 1.
    const SHA256_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex')
    assert.equal(await verifyFile(input, { key: { text: pub }, signature: padded(Buffer.concat([SHA256_PREFIX, sha256])) }), true, 'the proper block')
    assert.equal(await verifyFile(input, { key: { text: pub }, signature: padded(sha256) }), false, 'no DigestInfo')
    // A lax parser that stops at the end of the DigestInfo would accept these (Bleichenbacher 2006).
    const trailing = Buffer.concat([SHA256_PREFIX, sha256, Buffer.from([0])])
    assert.equal(await verifyFile(input, { key: { text: pub }, signature: padded(trailing) }), false, 'a byte after the digest')
  })

  it('a legacy signature is not an RSA-PSS signature, nor an RSA-PSS signature a legacy one', async () => {
    const data = randomBytes(3000)
    const input = fresh(data)
    const key = await loadKey({ text: pem(priv) })
    const pss = await signFile(input, { key, output: false })
    const pssRaw = pss.signature.split('\n')[3]!.slice('signature: '.length)
    assert.equal(await verifyFile(input, { key: { text: pub }, signature: pss.signature }), true)
    const asLegacy = await verifyFileDetailed(input, { key: { text: pub }, signature: pssRaw })
    assert.deepEqual([asLegacy.valid, asLegacy.algorithm, asLegacy.reason], [false, 'pyfilesec-pkcs1v15', 'signature-mismatch'])
    const legacyInPssFile = pss.signature.replace(pssRaw, legacySign('sha256', data, priv))
    const asPss = await verifyFileDetailed(input, { key: { text: pub }, signature: legacyInPssFile })
    assert.deepEqual([asPss.valid, asPss.algorithm, asPss.reason], [false, 'rsa-pss-sha256', 'signature-mismatch'])
  })

  it('one hashing pass: progress up to the total, in order; an abort while hashing → AbortError', async () => {
    const size = 64 << 20
    const input = p('progress.bin')
    writeFileSync(input, '')
    truncateSync(input, size) // sparse zeros
    const seen: Array<{ done: number; total: number }> = []
    const signature = legacySign('md5', Buffer.alloc(size), priv)
    const r = await verifyFileDetailed(input, { key: { text: pub }, signature, onProgress: (x) => seen.push(x) })
    assert.deepEqual([r.valid, r.digest, r.fileBytes], [true, 'md5', size])
    assert.deepEqual(seen[seen.length - 1], { done: size, total: size })
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.done >= seen[i - 1]!.done)
    truncateSync(input, 512 << 20)
    const mid = new AbortController()
    let calls = 0
    const aborted = verifyFile(input, {
      key: { text: pub },
      signature,
      signal: mid.signal,
      onProgress: () => {
        calls++
        mid.abort()
      },
    })
    await rejectsWith(aborted, AbortError, 'FSEC_ABORTED')
    assert.ok(calls >= 1)
    rmSync(input)
  })

  it('filesec never makes PKCS#1 v1.5 signatures: the native signer refuses the scheme (FSEC_INVALID_ARGUMENT)', async () => {
    const key = await loadKey({ text: pem(priv) })
    const job = native.signFile(key.native, { source: fresh('x'), scheme: 'pyfilesec-pkcs1v15' as never, trustedComment: null }, null)
    await assert.rejects(job.promise, (e: Error & { code?: string }) => e.code === 'FSEC_INVALID_ARGUMENT' && /only verifies/.test(e.message))
  })

  describeWithTool(OPENSSL, 'openssl dgst, as pyFileSec ran it', () => {
    /** `openssl dgst -sign` into a raw file; returns the base64 pyFileSec made of it. */
    function opensslSign(digestFlag: string[], keyFile: string, passArgs: string[], input: string, raw: string): string {
      runToolOk('openssl', ['dgst', ...digestFlag, '-sign', keyFile, ...passArgs, '-keyform', 'PEM', '-out', raw, input])
      return readFileSync(raw).toString('base64')
    }

    function opensslVerifies(digest: Digest, pubFile: string, raw: string, input: string): boolean {
      const r = runTool('openssl', ['dgst', `-${digest}`, '-verify', pubFile, '-keyform', 'PEM', '-signature', raw, input])
      return r.status === 0 && /Verified OK/.test(r.stdout)
    }

    async function agree(keyFile: string, pubFile: string, passArgs: string[], inputs: string[]): Promise<void> {
      for (const input of inputs) {
        for (const digest of DIGESTS) {
          const raw = p(`ossl-${digest}.sig`)
          const b64 = opensslSign([`-${digest}`], keyFile, passArgs, input, raw)
          const r = await verifyFileDetailed(input, { key: { path: pubFile }, signature: b64 })
          assert.deepEqual([r.valid, r.digest], [true, digest], `${input}, ${digest}`)
          for (const other of DIGESTS) {
            assert.equal(opensslVerifies(other, pubFile, raw, input), other === digest, `openssl -verify with ${other}, signed with ${digest}`)
          }
          // Both refuse the signature for a modified copy.
          const changed = fresh(Buffer.concat([readFileSync(input), Buffer.from('!')]))
          assert.equal(await verifyFile(changed, { key: { path: pubFile }, signature: b64 }), false)
          assert.equal(opensslVerifies(digest, pubFile, raw, changed), false)
        }
        // No digest flag, as pyFileSec ran it: OpenSSL 1.1.0 and later default to SHA-256.
        const b64 = opensslSign([], keyFile, passArgs, input, p('ossl-default.sig'))
        const r = await verifyFileDetailed(input, { key: { path: pubFile }, signature: b64 })
        assert.deepEqual([r.valid, r.digest], [true, 'sha256'])
      }
    }

    it('a key from openssl genpkey: filesec and openssl dgst -verify agree on SHA-256, SHA-1 and MD5 signatures', async () => {
      runToolOk('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', p('ossl.key')])
      runToolOk('openssl', ['pkey', '-in', p('ossl.key'), '-pubout', '-out', p('ossl.pub')])
      await agree(p('ossl.key'), p('ossl.pub'), [], [fresh(''), fresh(randomBytes(BUFFER + 1))])
    })

    const vectors = vectorsDir()
    const keyDir = vectors !== undefined ? join(vectors, 'pyfilesec', 'keys', 'k1_pfs-cli-genrsa_4096') : undefined
    const plaintext = vectors !== undefined ? join(vectors, 'pyfilesec', 'cases', 'c04_random_1MiB', 'random_1MiB.bin') : undefined
    if (keyDir === undefined || !existsSync(keyDir) || !existsSync(plaintext!)) {
      it('SKIPPED: pyFileSec key not found (set FILESEC_VECTORS_DIR or provide ../shared/vectors/pyfilesec)', function () {
        this.skip()
      })
    } else {
      it('pyFileSec\'s own 4096-bit key (passphrase-protected, from its genrsa): filesec and openssl agree', async () => {
        const keyFile = join(keyDir, 'priv_RSA.pem')
        const pubFile = join(keyDir, 'pub_RSA.pem')
        assert.equal((await loadKey({ path: pubFile })).bits, 4096)
        await agree(keyFile, pubFile, ['-passin', `file:${join(keyDir, 'pphr_RSA.txt')}`], [plaintext!, fresh('1024')])
        // The private key file (with its passphrase) verifies too: its public half is used.
        const b64 = opensslSign(['-md5'], keyFile, ['-passin', `file:${join(keyDir, 'pphr_RSA.txt')}`], plaintext!, p('priv.sig'))
        const passphrase = readFileSync(join(keyDir, 'pphr_RSA.txt'), 'utf8')
        const r = await verifyFileDetailed(plaintext!, { key: { path: keyFile }, keyPassphrase: passphrase, signature: b64 })
        assert.deepEqual([r.valid, r.digest], [true, 'md5'])
      })
    }
  })
})

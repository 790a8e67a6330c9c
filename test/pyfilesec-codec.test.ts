// The decrypt-only pyFileSec codec against the archives the original pyFileSec 0.2.14 wrote
// (../shared/vectors/pyfilesec: manifest.json, FORMAT.md), and against malformed archives built
// here from their members. The vectors are read in place; every archive is decrypted from a copy
// in a scratch folder, because decryption writes next to the archive.
import { strict as assert } from 'node:assert'
import { constants, createDecipheriv, createHash, createHmac, createPrivateKey, generateKeyPairSync, publicEncrypt, randomBytes } from 'node:crypto'
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'

import {
  AbortError,
  ArgumentError,
  decryptFile,
  encryptFile,
  HeaderError,
  inspect,
  KeyPassphraseError,
  listCodecs,
  NoMatchingRecipientError,
  NotEncryptedError,
  OutputExistsError,
  PayloadTamperedError,
} from '../lib'
import { pyfilesecCodec } from '../lib/codecs/pyfilesec-codec'
import { digestForOpensslVersion } from '../lib/codecs/pyfilesec-meta'
import { unpadFile } from '../lib/trailer-padding'
import { expectStatus, json, jsonError } from './cli/helpers'
import { runCli } from './cli/run'
import { describeWithVectors, rejectsWith, scratchDir } from './helpers'

interface ManifestCase {
  id: string
  dir: string
  archive_file: string
  archive_members: Array<{ name: string; size: number }>
  decrypt_with: { private_key: string; passphrase_file: string }
  expected_output_name?: string
  expected_plaintext_sha256?: string
  expected_plaintext_size?: number
  expected_unpadded_sha256?: string
  metadata_member_json?: Record<string, Record<string, unknown>>
  pyfilesec_decrypt?: { output_sha256?: string }
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

// --- a minimal tar/gzip writer for malformed archives (independent of the reader under test) ---

interface TarEntry {
  name: string
  data: Buffer
  type?: string
  /** Overrides the size field (declared size ≠ data). */
  declaredSize?: number
  badChecksum?: boolean
}

function tarHeader(e: TarEntry): Buffer {
  const h = Buffer.alloc(512)
  h.write(e.name, 0, 100, 'utf8')
  h.write('0000600\0', 100, 'latin1')
  h.write('0000000\0', 108, 'latin1')
  h.write('0000000\0', 116, 'latin1')
  h.write(`${(e.declaredSize ?? e.data.length).toString(8).padStart(11, '0')}\0`, 124, 'latin1')
  h.write('15302226444\0', 136, 'latin1')
  h.write('        ', 148, 'latin1')
  h.write(e.type ?? '0', 156, 'latin1')
  if (e.type === '1' || e.type === '2') h.write('/etc/passwd', 157, 'latin1')
  h.write('ustar  \0', 257, 'latin1')
  let sum = 0
  for (const b of h) sum += b
  if (e.badChecksum) sum += 1
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1')
  return h
}

function tar(entries: TarEntry[], end = true): Buffer {
  const parts: Buffer[] = []
  for (const e of entries) {
    parts.push(tarHeader(e), e.data, Buffer.alloc((512 - (e.data.length % 512)) % 512))
  }
  if (end) parts.push(Buffer.alloc(1024))
  const body = Buffer.concat(parts)
  return end ? Buffer.concat([body, Buffer.alloc((10240 - (body.length % 10240)) % 10240)]) : body
}

/** gzip with the FNAME field Python's tarfile writes (the archive's own name). */
function gzipNamed(data: Buffer, name: string): Buffer {
  const gz = gzipSync(data, { level: 9 })
  const header = Buffer.from(gz.subarray(0, 10))
  header[3] = 0x08
  return Buffer.concat([header, Buffer.from(`${name}\0`, 'latin1'), gz.subarray(10)])
}

/** The members of a real archive, read with a trivial parser (names and data only). */
function membersOf(archive: Buffer): TarEntry[] {
  const t = gunzipSync(archive)
  const out: TarEntry[] = []
  for (let at = 0; at + 512 <= t.length; ) {
    const h = t.subarray(at, at + 512)
    if (h.every((b) => b === 0)) break
    const name = h.toString('utf8', 0, 100).replace(/\0.*$/s, '')
    const size = parseInt(h.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim(), 8)
    out.push({ name, data: Buffer.from(t.subarray(at + 512, at + 512 + size)) })
    at += 512 + Math.ceil(size / 512) * 512
  }
  return out
}

describe('pyFileSec codec registration', () => {
  it('is a built-in, decrypt-only codec', async () => {
    assert.deepEqual(
      listCodecs().find((c) => c.name === 'pyfilesec'),
      { name: 'pyfilesec', description: pyfilesecCodec.description, extension: '.enc', canEncrypt: false, canRotate: false, canVerify: false },
    )
    await rejectsWith(encryptFile(__filename, { to: 'x', codec: 'pyfilesec' } as never), ArgumentError, 'FSEC_INVALID_ARGUMENT')
  })

  it('matches gzip with a stored `.enc` name (or one running past the sniffed bytes), nothing else', () => {
    assert.equal(pyfilesecCodec.matches(gzipNamed(Buffer.alloc(10240), 'x.enc').subarray(0, 64)), true)
    assert.equal(pyfilesecCodec.matches(gzipNamed(Buffer.alloc(10240), `${'n'.repeat(80)}.enc`).subarray(0, 64)), true)
    assert.equal(pyfilesecCodec.matches(gzipNamed(Buffer.alloc(10240), 'backup.tar').subarray(0, 64)), false)
    assert.equal(pyfilesecCodec.matches(gzipSync(Buffer.alloc(100)).subarray(0, 64)), false) // no FNAME
    assert.equal(pyfilesecCodec.matches(Buffer.from('age-encryption.org/v1\n')), false)
    assert.equal(pyfilesecCodec.matches(Buffer.alloc(0)), false)
  })

  it('the OpenSSL version hint: >= 1.1.0 is sha256, older md5, unknown null', () => {
    assert.equal(digestForOpensslVersion('OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)'), 'sha256')
    assert.equal(digestForOpensslVersion('OpenSSL 1.1.0h  27 Mar 2018'), 'sha256')
    assert.equal(digestForOpensslVersion('OpenSSL 1.0.2k-fips  26 Jan 2017'), 'md5')
    assert.equal(digestForOpensslVersion('OpenSSL 0.9.8zh 14 Jan 2016'), 'md5')
    assert.equal(digestForOpensslVersion('LibreSSL 2.8.3'), null)
  })
})

describeWithVectors('pyFileSec archives (decrypt-only codec)', 'pyfilesec', (vectors) => {
  const manifest = JSON.parse(readFileSync(join(vectors, 'manifest.json'), 'utf8')) as { cases: ManifestCase[] }
  const byId = (prefix: string): ManifestCase => manifest.cases.find((c) => c.id.startsWith(prefix))!
  const scratch = scratchDir('filesec-pyfilesec-')
  let n = 0
  /** A fresh folder holding a copy of the case's archive; returns the copy's path. */
  const copyOf = (c: ManifestCase, name = c.archive_file): string => {
    const dir = join(scratch(), `d${n++}`)
    mkdirSync(dir)
    const to = join(dir, name)
    copyFileSync(join(vectors, c.dir, c.archive_file), to)
    return to
  }
  const keyOf = (c: ManifestCase) => ({
    identity: join(vectors, c.decrypt_with.private_key),
    identityPassphrase: { file: join(vectors, c.decrypt_with.passphrase_file) },
  })
  const k1 = byId('c02')
  const only = (archive: string): void => {
    const dir = join(archive, '..')
    assert.deepEqual(readdirSync(dir), [basename(archive)], 'nothing else was written')
  }

  for (const c of manifest.cases.filter((x) => x.expected_plaintext_sha256 !== undefined)) {
    it(`${c.id}: decrypts to the stated SHA-256, size and name (${c.expected_output_name})`, async () => {
      const archive = copyOf(c)
      const r = await decryptFile(archive, keyOf(c))
      assert.equal(r.output, join(archive, '..', c.expected_output_name!))
      const out = readFileSync(r.output)
      assert.equal(sha256(out), c.expected_plaintext_sha256)
      assert.equal(r.plaintextBytes, c.expected_plaintext_size)
      assert.equal(statSync(r.output).mode & 0o777, 0o600)
      assert.deepEqual(readdirSync(join(archive, '..')).sort(), [c.archive_file, c.expected_output_name].sort(), 'no temporary file left')
      assert.ok(r.warnings?.some((w) => /not authenticated/.test(w)))
      assert.equal(r.pyfilesec?.outputName, c.expected_output_name)
      assert.equal(r.pyfilesec?.kdf.digest, c.id.startsWith('c19') ? 'md5' : 'sha256')
      const meta = c.metadata_member_json!
      assert.deepEqual(r.history?.map((e) => e.label), Object.keys(meta).sort())
      const recorded = Object.values(meta).at(-1)!['hash of cipher_text']
      assert.equal(r.integrity, recorded === undefined ? 'unverified' : 'checksum-ok')
      for (const e of r.history!) assert.equal(e.fields['hash of cipher_text'], meta[e.label]!['hash of cipher_text'])
    })
  }

  it('c06: decrypt gives the padded file, as pyFileSec did; unpadFile removes the trailer', async () => {
    const c = byId('c06')
    const r = await decryptFile(copyOf(c), keyOf(c))
    assert.equal(r.plaintextBytes, 16384)
    const u = await unpadFile(r.output)
    assert.equal(u.size, 81)
    assert.equal(sha256(readFileSync(r.output)), c.expected_unpadded_sha256)
  })

  it('c12 (metadata off): history is the suppressed marker, the digest is found by probing, integrity unverified', async () => {
    const c = byId('c12')
    const r = await decryptFile(copyOf(c), keyOf(c))
    assert.deepEqual(r.history, [{ label: 'meta-data (date-time suppressed)', date: null, fields: { 'meta-data': false } }])
    assert.equal(r.integrity, 'unverified')
    assert.deepEqual(r.pyfilesec?.kdf, { digest: 'sha256', chosenBy: 'probe', ambiguous: false })
    assert.ok(r.warnings?.some((w) => /could not be checked/.test(w)))
  })

  it('c19 (MD5 era): the metadata hint (sha256) fails the probe; MD5 is found and reported', async () => {
    const c = byId('c19')
    const r = await decryptFile(copyOf(c), keyOf(c))
    assert.equal(sha256(readFileSync(r.output)), c.expected_plaintext_sha256)
    assert.deepEqual(r.pyfilesec?.kdf, { digest: 'md5', chosenBy: 'probe', ambiguous: false })
    assert.ok(r.warnings?.some((w) => /key derivation is md5/.test(w)))
  })

  it('c16 (first ciphertext block changed): checksum mismatch is an error, nothing written', async () => {
    const c = byId('c16')
    const archive = copyOf(c)
    const e = await rejectsWith(decryptFile(archive, keyOf(c)), PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED')
    assert.match(e.message, /hash of cipher_text/)
    only(archive)
  })

  it('c16 with allowChecksumMismatch: the corrupted plaintext pyFileSec wrote, reported as checksum-mismatch', async () => {
    const c = byId('c16')
    const r = await decryptFile(copyOf(c), { ...keyOf(c), allowChecksumMismatch: true })
    assert.equal(r.integrity, 'checksum-mismatch')
    assert.equal(sha256(readFileSync(r.output)), c.pyfilesec_decrypt!.output_sha256)
    assert.ok(r.warnings?.some((w) => /may be corrupted/.test(w)))
  })

  it('c18 (wrapped password changed): a wrong-key error, nothing written', async () => {
    const c = byId('c18')
    const archive = copyOf(c)
    await rejectsWith(decryptFile(archive, keyOf(c)), NoMatchingRecipientError, 'FSEC_NO_MATCHING_RECIPIENT')
    only(archive)
  })

  it('another RSA key is a wrong-key error; a wrong key passphrase a key error; a passphrase option is refused', async () => {
    const archive = copyOf(k1)
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' })
    await rejectsWith(decryptFile(archive, { identity: Buffer.from(other) }), NoMatchingRecipientError, 'FSEC_NO_MATCHING_RECIPIENT')
    await rejectsWith(
      decryptFile(archive, { identity: join(vectors, k1.decrypt_with.private_key), identityPassphrase: 'not it' }),
      KeyPassphraseError,
      'FSEC_KEY_WRONG_PASSPHRASE',
    )
    await rejectsWith(decryptFile(archive, { passphrase: 'x' }), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    await rejectsWith(decryptFile(archive, { ...keyOf(k1), hmacKey: '' }), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    await rejectsWith(decryptFile(archive, { ...keyOf(k1), preserveMtime: true }), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    only(archive)
  })

  it('the private key as traditional PEM with DEK-Info (OpenSSL 1.0 genrsa) or unencrypted, passphrase as a string', async () => {
    const pass = readFileSync(join(vectors, k1.decrypt_with.passphrase_file))
    const key = createPrivateKey({ key: readFileSync(join(vectors, k1.decrypt_with.private_key)), passphrase: pass })
    const traditional = key.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'legacy pass' }) as string
    assert.match(traditional, /DEK-Info: AES-256-CBC,/)
    const r1 = await decryptFile(copyOf(k1), { identity: Buffer.from(traditional), identityPassphrase: 'legacy pass' })
    assert.equal(sha256(readFileSync(r1.output)), k1.expected_plaintext_sha256)
    const plain = key.export({ type: 'pkcs8', format: 'pem' }) as string
    const r2 = await decryptFile(copyOf(k1), { identity: Buffer.from(plain) })
    assert.equal(sha256(readFileSync(r2.output)), k1.expected_plaintext_sha256)
  })

  it('the output name is made unique as pyFileSec did (hello_1.txt); an explicit output is kept, never replaced', async () => {
    const archive = copyOf(k1)
    const a = await decryptFile(archive, keyOf(k1))
    const b = await decryptFile(archive, keyOf(k1))
    assert.equal(a.output, join(archive, '..', 'hello.txt'))
    assert.equal(b.output, join(archive, '..', 'hello_1.txt'))
    assert.equal(sha256(readFileSync(b.output)), k1.expected_plaintext_sha256)
    await rejectsWith(decryptFile(archive, { ...keyOf(k1), output: a.output }), OutputExistsError, 'FSEC_OUTPUT_EXISTS')
    const c = await decryptFile(archive, { ...keyOf(k1), output: join(archive, '..', 'chosen.bin') })
    assert.equal(sha256(readFileSync(c.output)), k1.expected_plaintext_sha256)
  })

  it('inspect needs no key: members, history, OpenSSL hint, the RSA recipient size', async () => {
    for (const c of manifest.cases) {
      const info = await inspect(join(vectors, c.dir, c.archive_file))
      assert.equal(info.codec, 'pyfilesec')
      assert.deepEqual(
        info.pyfilesec?.members.map((m) => [m.name, m.size]),
        c.archive_members.map((m) => [m.name, m.size]),
      )
      assert.deepEqual(info.recipients, [{ type: 'rsa-oaep-sha1', rsaBits: 4096 }])
      assert.ok(info.warnings?.some((w) => /not authenticated/.test(w)))
      if (c.metadata_member_json !== undefined) assert.deepEqual(info.history?.map((e) => e.label), Object.keys(c.metadata_member_json).sort())
    }
    const info = await inspect(join(vectors, k1.dir, k1.archive_file))
    assert.equal(info.pyfilesec?.digestHint, 'sha256')
    assert.match(info.pyfilesec?.openssl ?? '', /^OpenSSL 3\.0\.19/)
    assert.equal(info.pyfilesec?.outputName, 'hello.txt')
    assert.equal(info.pyfilesec?.hasChecksum, true)
  })

  it('CLI: decrypt prints integrity and the warning; --allow-checksum-mismatch; inspect needs no key', async () => {
    const archive = copyOf(k1)
    const cwd = join(archive, '..')
    const keyArgs = ['-i', join(vectors, k1.decrypt_with.private_key), '--passphrase-file', join(vectors, k1.decrypt_with.passphrase_file)]
    const r = await runCli(['decrypt', archive, ...keyArgs], { cwd })
    expectStatus(r, 0)
    assert.match(r.stdout, /hello\.txt/)
    assert.match(r.stdout, /integrity: checksum-ok/)
    assert.match(r.stdout, /warning: pyFileSec archives are not authenticated/)
    const i = json(await runCli(['inspect', archive, '--json'], { cwd }))
    assert.equal(i.codec, 'pyfilesec')
    assert.equal(i.pyfilesec.outputName, 'hello.txt')
    const human = await runCli(['inspect', archive], { cwd })
    assert.match(human.stdout, /RSA-4096 \(pyFileSec: RSA-OAEP SHA-1\)/)
    const c16 = byId('c16')
    const tampered = copyOf(c16)
    const bad = await runCli(['decrypt', tampered, ...keyArgs, '--json'], { cwd: join(tampered, '..') })
    assert.equal(jsonError(bad).code, 'FSEC_PAYLOAD_TAMPERED')
    only(tampered)
    const allowed = json(await runCli(['decrypt', tampered, ...keyArgs, '--allow-checksum-mismatch', '--json'], { cwd: join(tampered, '..') }))
    assert.equal(allowed.integrity, 'checksum-mismatch')
  })

  describe('archives rebuilt from real members', () => {
    const base = (): TarEntry[] => membersOf(readFileSync(join(vectors, k1.dir, k1.archive_file)))
    const write = (name: string, bytes: Buffer): string => {
      const dir = join(scratch(), `m${n++}`)
      mkdirSync(dir)
      writeFileSync(join(dir, name), bytes)
      return join(dir, name)
    }
    const withMeta = (edit: (event: Record<string, unknown>) => void, entries = base()): Buffer => {
      const meta = entries.find((e) => e.name.endsWith('.meta'))!
      const json = JSON.parse(meta.data.toString('utf8')) as Record<string, Record<string, unknown>>
      edit(Object.values(json)[0]!)
      meta.data = Buffer.from(JSON.stringify(json))
      return gzipNamed(tar(entries), 'hello.enc')
    }

    it('a recorded HMAC is checked with the caller\'s key: hmac-ok, or an error for a wrong key', async () => {
      const entries = base()
      const text = entries[0]!.data
      const mac = createHmac('sha256', 'hmac secret').update(text).digest('hex')
      const archive = write('hello.enc', withMeta((ev) => (ev['hmac (enc-then-mac)'] = `HMAC-SHA2-256(/x/hello.txt.aes256)= ${mac}`), entries))
      const r = await decryptFile(archive, { ...keyOf(k1), hmacKey: 'hmac secret' })
      assert.equal(r.integrity, 'hmac-ok')
      assert.equal(sha256(readFileSync(r.output)), k1.expected_plaintext_sha256)
      const again = write('hello.enc', withMeta((ev) => (ev['hmac (enc-then-mac)'] = `HMAC-SHA256(/x/hello.txt.aes256)= ${mac}`)))
      await rejectsWith(decryptFile(again, { ...keyOf(k1), hmacKey: 'wrong' }), PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED')
      only(again)
      // Without the key the recorded checksum still counts.
      assert.equal((await decryptFile(again, keyOf(k1))).integrity, 'checksum-ok')
    })

    it('an OpenSSL 1.0 version in the metadata picks MD5 first (c19 members)', async () => {
      const c19 = membersOf(readFileSync(join(vectors, byId('c19').dir, byId('c19').archive_file)))
      const archive = write('legacy.enc', withMeta((ev) => (ev.openssl = 'OpenSSL 1.0.1e 11 Feb 2013'), c19))
      const r = await decryptFile(archive, keyOf(k1))
      assert.deepEqual(r.pyfilesec?.kdf, { digest: 'md5', chosenBy: 'metadata', ambiguous: false })
      assert.equal(sha256(readFileSync(r.output)), byId('c19').expected_plaintext_sha256)
    })

    it('members are found by suffix, not order; non-ASCII names give the same output name', async () => {
      const entries = base().reverse()
      const r = await decryptFile(write('x.enc', gzipNamed(tar(entries), 'x.enc')), keyOf(k1))
      assert.equal(r.output.endsWith('/hello.txt'), true)
      const renamed = base().map((e) => ({ ...e, name: e.name.replace('hello', 'résumé ☃') }))
      const r2 = await decryptFile(write('y.enc', gzipNamed(tar(renamed), 'y.enc')), keyOf(k1))
      assert.equal(r2.output.endsWith('/résumé ☃.txt'), true)
    })

    const malformed: Array<[string, () => Buffer, RegExp]> = [
      ['bad gzip', () => Buffer.concat([gzipNamed(Buffer.alloc(0), 'a.enc').subarray(0, 16), Buffer.from('not deflate at all, just bytes')]), /gzip/],
      ['a truncated tar', () => gzipNamed(tar(base()).subarray(0, 700), 'a.enc'), /truncated/],
      ['no end-of-archive blocks', () => gzipNamed(tar(base(), false), 'a.enc'), /truncated|end-of-archive/],
      ['a traversal name', () => gzipNamed(tar(base().map((e, i) => (i === 0 ? { ...e, name: '../hello.txt.aes256' } : e))), 'a.enc'), /\.\./],
      ['an absolute name', () => gzipNamed(tar(base().map((e, i) => (i === 0 ? { ...e, name: '/tmp/hello.txt.aes256' } : e))), 'a.enc'), /absolute/],
      ['a name in a folder', () => gzipNamed(tar(base().map((e, i) => (i === 0 ? { ...e, name: 'sub/hello.txt.aes256' } : e))), 'a.enc'), /folder/],
      ['a symlink member', () => gzipNamed(tar([{ name: 'hello.txt.aes256', data: Buffer.alloc(0), type: '2' }, ...base().slice(1)]), 'a.enc'), /link/],
      ['a hard link member', () => gzipNamed(tar([{ name: 'hello.txt.aes256', data: Buffer.alloc(0), type: '1' }, ...base().slice(1)]), 'a.enc'), /link/],
      ['a device member', () => gzipNamed(tar([...base(), { name: 'dev.meta', data: Buffer.alloc(0), type: '3' }]), 'a.enc'), /device/],
      ['a missing member', () => gzipNamed(tar(base().slice(0, 2)), 'a.enc'), /metadata member is missing/],
      ['a duplicate member', () => gzipNamed(tar([...base(), base()[0]!]), 'a.enc'), /more than one/],
      ['an unknown member', () => gzipNamed(tar([...base(), { name: 'readme.txt', data: Buffer.from('hi') }]), 'a.enc'), /no known role/],
      ['an oversized wrapped password', () => gzipNamed(tar(base().map((e, i) => (i === 1 ? { ...e, data: Buffer.alloc(4096) } : e))), 'a.enc'), /too large/],
      ['a 4 GiB declared size in a tiny file', () => gzipNamed(tar([{ ...base()[0]!, declaredSize: 4 * 2 ** 30 }], false), 'a.enc'), /truncated/],
      ['a header checksum mismatch', () => gzipNamed(tar(base().map((e, i) => (i === 0 ? { ...e, badChecksum: true } : e))), 'a.enc'), /checksum/],
      ['megabytes of zeros after the end', () => gzipNamed(Buffer.concat([tar(base()), Buffer.alloc(2 << 20)]), 'a.enc'), /too much padding/],
      ['data after the end', () => gzipNamed(Buffer.concat([tar(base()), Buffer.from('hidden')]), 'a.enc'), /after the end/],
      ['a ciphertext that is not base64', () => gzipNamed(tar(base().map((e, i) => (i === 0 ? { ...e, data: Buffer.from('Salted__ not base64!\n') } : e))), 'a.enc'), /base64/],
    ]
    for (const [what, build, message] of malformed) {
      it(`${what}: a format error (HeaderError FSEC_HEADER_INVALID), nothing written`, async () => {
        const archive = write('a.enc', build())
        const e = await rejectsWith(decryptFile(archive, keyOf(k1)), HeaderError, 'FSEC_HEADER_INVALID')
        assert.match(e.message, message)
        only(archive)
      })
    }

    it('an abort before the work starts is an AbortError, nothing written', async () => {
      const archive = copyOf(k1)
      const ac = new AbortController()
      ac.abort()
      await rejectsWith(decryptFile(archive, { ...keyOf(k1), signal: ac.signal }), AbortError, 'FSEC_ABORTED')
      only(archive)
    })

    it('without a hint, when both key derivations pass the padding probe, sha256 (the documented order) is used and the ambiguity reported', async () => {
      // Test oracle only: OpenSSL's EVP_BytesToKey (1 iteration) to build a ciphertext whose last
      // block has valid padding under both derived keys (its final byte decrypts to 0x01 under each).
      const bytesToKey = (md: string, pass: Buffer, salt: Buffer): { key: Buffer; iv: Buffer } => {
        let d = Buffer.alloc(0)
        let prev = Buffer.alloc(0)
        while (d.length < 48) {
          prev = createHash(md).update(Buffer.concat([prev, pass, salt])).digest()
          d = Buffer.concat([d, prev])
        }
        return { key: d.subarray(0, 32), iv: d.subarray(32, 48) }
      }
      const rawDecrypt = (key: Buffer, block: Buffer): Buffer => createDecipheriv('aes-256-ecb', key, null).setAutoPadding(false).update(block)
      const password = Buffer.from(`#${randomBytes(32).toString('hex')}`)
      const salt = randomBytes(8)
      const ks = bytesToKey('sha256', password, salt).key
      const km = bytesToKey('md5', password, salt).key
      let last: Buffer
      let ds: Buffer
      for (;;) {
        last = randomBytes(16)
        ds = rawDecrypt(ks, last)
        if (ds[15] === rawDecrypt(km, last)[15]) break
      }
      const prevBlock = randomBytes(16)
      prevBlock[15] = ds[15]! ^ 0x01
      const b64 = Buffer.concat([Buffer.from('Salted__'), salt, prevBlock, last]).toString('base64')
      const text = Buffer.from(`${b64.match(/.{1,64}/g)!.join('\n')}\n`)
      const pub = readFileSync(join(vectors, 'keys/k1_pfs-cli-genrsa_4096/pub_RSA.pem'))
      const wrapped = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, password)
      const entries: TarEntry[] = [
        { name: 'amb.txt.aes256', data: text },
        { name: 'amb.txt.aes256.pwdrsa', data: wrapped },
        { name: 'amb.txt.meta', data: Buffer.from('{"meta-data (date-time suppressed)": {"meta-data": false}}') },
      ]
      const r = await decryptFile(write('amb.enc', gzipNamed(tar(entries), 'amb.enc')), keyOf(k1))
      assert.deepEqual(r.pyfilesec?.kdf, { digest: 'sha256', chosenBy: 'probe', ambiguous: true })
      assert.ok(r.warnings?.some((w) => /both key derivations/.test(w)))
      assert.equal(r.plaintextBytes, 31)
    })

    it('a gzip file without a stored .enc name is not claimed by the codec', async () => {
      const archive = write('plain.tar.gz', gzipSync(tar(base())))
      await rejectsWith(decryptFile(archive, keyOf(k1)), NotEncryptedError, 'FSEC_NOT_ENCRYPTED')
    })
  })
})

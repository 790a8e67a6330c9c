// The age v1 header (native.age): every C2SP CCTV vector's header-level expectation, and interop
// with the age CLI for X25519, ssh-ed25519, ssh-rsa and scrypt in both directions. The STREAM
// payload is the age-payload branch's work; here a payload is built/checked with node:crypto only
// to prove the header's file key is the one age uses.
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { native } from '../lib/native'
import { type AgeVector, ageVectorFile, ageVectorNames, needsMlKem, readAgeVector } from './age-vectors'
import { describeWithVectors, scratchDir } from './helpers'

const age = native.age

// --- CCTV vectors -------------------------------------------------------------------------------

/** The kit's outcome class for what filesec did with the header. */
async function headerOutcome(v: AgeVector): Promise<{ outcome: string; detail: string }> {
  let binary = v.body
  if (v.armored) {
    try {
      binary = age.dearmor(v.body)
    } catch (e) {
      const err = e as Error & { code: string }
      assert.equal(err.code, 'FSEC_HEADER_INVALID', err.message)
      assert.match(err.message, /^age armor: /)
      return { outcome: 'armor failure', detail: err.message }
    }
  }
  try {
    age.parseHeader(binary, true)
    const passphrase = v.passphrases[0] === undefined ? null : Buffer.from(v.passphrases[0])
    const fk = await age.open(binary, v.identities, passphrase, 22)
    const bytes = age.testOnlyFileKeyBytes(fk).toString('hex')
    fk.destroy()
    if (v.fileKey !== undefined) assert.equal(bytes, v.fileKey, 'unwrapped file key differs from `file key:`')
    return { outcome: 'success', detail: '' }
  } catch (e) {
    const err = e as Error & { code?: string }
    const byCode: Record<string, string> = {
      FSEC_HEADER_INVALID: 'header failure',
      FSEC_UNSUPPORTED_VERSION: 'header failure',
      FSEC_NO_MATCHING_RECIPIENT: 'no match',
      FSEC_WRONG_PASSPHRASE: 'no match',
      FSEC_HEADER_TAMPERED: 'HMAC failure',
    }
    if (err.code === undefined || byCode[err.code] === undefined) throw err
    assert.doesNotMatch(err.message, /^age armor: /, 'an armor error outside the armor step')
    return { outcome: byCode[err.code], detail: `${err.code}: ${err.message}` }
  }
}

describe('age header: C2SP CCTV age vectors (header-level expectations)', () => {
  const names = ageVectorNames()
  it('the kit is complete (143 vectors)', () => assert.equal(names.length, 143))
  for (const name of names) {
    const v = readAgeVector(name)
    if (needsMlKem(v)) {
      it(`${name}: SKIPPED (needs ML-KEM-768 / mlkem768x25519, not in OpenSSL 3.0)`, function () {
        this.skip()
      })
      continue
    }
    // A payload failure has a good header: the payload is checked on the age-payload branch.
    const want = v.expect === 'payload failure' ? 'success' : v.expect
    const label = v.expect === 'payload failure' ? 'payload failure → header opens' : v.expect
    it(`${name}: ${label}`, async () => {
      const got = await headerOutcome(v)
      assert.equal(got.outcome, want, got.detail)
    })
  }
})

describeWithVectors('age header: the cctv-age package holds the kit in ../shared/vectors/age', 'age', (dir) => {
  it('same vector names and bytes', () => {
    const shared = readdirSync(dir).filter((n) => n !== 'README.md').sort()
    assert.deepEqual(ageVectorNames(), shared)
    for (const name of shared) assert.ok(ageVectorFile(name).equals(readFileSync(join(dir, name))), name)
  })
})

// --- header unit checks ------------------------------------------------------------------------

describe('age header: writing and parsing', () => {
  it('seal → parse → open round trip; MAC-covered bytes end at "---"', async () => {
    const text = 'AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0'
    const out = spawnSync('age-keygen', ['-y'], { input: text + '\n' })
    if (out.status !== 0) return
    const recipient = out.stdout.toString().trim()
    const { header, fileKey } = await age.seal([recipient, recipient], null, 18)
    const info = age.parseHeader(header)
    assert.equal(info.headerSize, header.length)
    assert.equal(header.subarray(info.macInputSize - 3, info.macInputSize).toString(), '---')
    assert.deepEqual(info.stanzas.map((s) => s.type), ['X25519', 'X25519'])
    assert.equal(info.stanzas[0].bodySize, 32)
    const opened = await age.open(header, [text], null, 22)
    assert.deepEqual(age.testOnlyFileKeyBytes(opened), age.testOnlyFileKeyBytes(fileKey))
  })

  it('armor round trip; the armored text is 64 columns with padding', () => {
    for (const n of [0, 1, 47, 48, 49, 1000]) {
      const data = randomBytes(n)
      const text = age.armor(data)
      assert.match(text, /^-----BEGIN AGE ENCRYPTED FILE-----\n([A-Za-z0-9+/=]{1,64}\n)*-----END AGE ENCRYPTED FILE-----\n$/)
      assert.deepEqual(age.dearmor(Buffer.from(text)), data)
    }
  })

  it('scrypt must be alone: seal refuses a passphrase with recipients', async () => {
    await assert.rejects(age.seal(['age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj'], Buffer.from('pw'), 10), {
      code: 'FSEC_INVALID_ARGUMENT',
    })
  })
})

// --- interop with the age CLI -------------------------------------------------------------------

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
}

function run(cmd: string, args: string[], input?: Buffer | string): Buffer {
  const r = spawnSync(cmd, args, { input, timeout: 60000 })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return r.stdout
}

const CHUNK = 64 * 1024

function streamNonce(counter: number, last: boolean): Buffer {
  const n = Buffer.alloc(12)
  n.writeUIntBE(counter, 5, 6) // 11-byte big-endian counter (small values)
  n[11] = last ? 1 : 0
  return n
}

function payloadKey(fileKey: Buffer, nonce: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32))
}

/** age's STREAM (64 KiB ChaCha20-Poly1305 chunks), built with node:crypto for these tests only. */
function sealPayload(fileKey: Buffer, plaintext: Buffer): Buffer {
  const nonce = randomBytes(16)
  const key = payloadKey(fileKey, nonce)
  const parts = [nonce]
  let i = 0
  for (let off = 0; ; off += CHUNK, i++) {
    const chunk = plaintext.subarray(off, off + CHUNK)
    const last = off + CHUNK >= plaintext.length
    const c = createCipheriv('chacha20-poly1305', key, streamNonce(i, last), { authTagLength: 16 })
    parts.push(c.update(chunk), c.final(), c.getAuthTag())
    if (last) break
  }
  return Buffer.concat(parts)
}

function openPayload(fileKey: Buffer, payload: Buffer): Buffer {
  const key = payloadKey(fileKey, payload.subarray(0, 16))
  const sealed = payload.subarray(16)
  const out: Buffer[] = []
  const count = Math.max(1, Math.ceil(sealed.length / (CHUNK + 16)))
  for (let i = 0; i < count; i++) {
    const part = sealed.subarray(i * (CHUNK + 16), (i + 1) * (CHUNK + 16))
    const d = createDecipheriv('chacha20-poly1305', key, streamNonce(i, i === count - 1), { authTagLength: 16 })
    d.setAuthTag(part.subarray(part.length - 16))
    out.push(d.update(part.subarray(0, part.length - 16)), d.final())
  }
  return Buffer.concat(out)
}

/** Runs age with a pseudo-terminal (util-linux `script`): age reads passphrases only from one. */
function ageWithTty(args: string[], typed: string): void {
  const cmd = ['age', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { input: typed, timeout: 60000 })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`age ${args.join(' ')} (through script) exited with ${r.status}: ${r.stdout}${r.stderr}`)
}

const toolsMissing = ['age', 'age-keygen', 'ssh-keygen'].filter((t) => !have(t))
;(toolsMissing.length ? describe.skip : describe)(
  `age header: interop with the age CLI${toolsMissing.length ? ` (SKIPPED: ${toolsMissing.join(', ')} not found; Debian packages age, openssh-client)` : ''}`,
  function () {
    this.timeout(60000)
    const dir = scratchDir('filesec-age-header-')
    const f = (n: string) => join(dir(), n)
    const plaintext = randomBytes(2 * CHUNK + 1234)
    const kinds = ['x25519', 'ssh-ed25519', 'ssh-rsa'] as const
    const recipientFile = (k: (typeof kinds)[number]) => f(k === 'x25519' ? 'age.pub' : k === 'ssh-ed25519' ? 'ed.pub' : 'rsa.pub')
    const identityFile = (k: (typeof kinds)[number]) => f(k === 'x25519' ? 'age.key' : k === 'ssh-ed25519' ? 'ed' : 'rsa')

    before(() => {
      run('age-keygen', ['-o', f('age.key')])
      writeFileSync(f('age.pub'), run('age-keygen', ['-y', f('age.key')]))
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', f('ed')])
      run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '3072', '-N', '', '-C', 'test', '-f', f('rsa')])
    })

    for (const kind of kinds) {
      it(`${kind}: a header written by filesec (+ a node:crypto STREAM payload) decrypts with age -d`, async () => {
        const { header, fileKey } = await age.seal([readFileSync(recipientFile(kind))], null, 18)
        const info = age.parseHeader(header)
        assert.equal(info.stanzas[0].type, kind === 'x25519' ? 'X25519' : kind)
        if (kind === 'ssh-rsa') {
          // 384-byte body = 8 full 64-column lines, so the stanza must end with an empty line.
          const lines = header.toString('latin1').split('\n')
          assert.equal(info.stanzas[0].bodySize, 384)
          assert.deepEqual(lines.slice(2, 11).map((l) => l.length), [64, 64, 64, 64, 64, 64, 64, 64, 0])
        }
        const file = Buffer.concat([header, sealPayload(age.testOnlyFileKeyBytes(fileKey), plaintext)])
        writeFileSync(f(`${kind}.age`), file)
        assert.deepEqual(run('age', ['-d', '-i', identityFile(kind), f(`${kind}.age`)]), plaintext)
      })

      it(`${kind}: a file made by age -R opens with the filesec identity (file key decrypts the payload)`, async () => {
        const made = run('age', ['-e', '-R', recipientFile(kind)], plaintext)
        const info = age.parseHeader(made, true)
        const fk = await age.open(made, [readFileSync(identityFile(kind))], null, 22)
        assert.deepEqual(openPayload(age.testOnlyFileKeyBytes(fk), made.subarray(info.headerSize)), plaintext)
      })
    }

    it('age -a (armored) with an X25519 recipient opens after dearmor', async () => {
      const made = run('age', ['-e', '-a', '-R', f('age.pub')], plaintext)
      const binary = age.dearmor(made)
      const info = age.parseHeader(made, true)
      assert.equal(info.armored, true)
      const fk = await age.open(made, [readFileSync(f('age.key'))], null, 22)
      assert.deepEqual(openPayload(age.testOnlyFileKeyBytes(fk), binary.subarray(info.headerSize)), plaintext)
    })

    it('several recipients of every kind: each identity opens the same file key; others give no match', async () => {
      const { header, fileKey } = await age.seal(kinds.map((k) => readFileSync(recipientFile(k))), null, 18)
      const want = age.testOnlyFileKeyBytes(fileKey)
      for (const k of kinds) {
        const fk = await age.open(header, [readFileSync(identityFile(k))], null, 22)
        assert.deepEqual(age.testOnlyFileKeyBytes(fk), want)
      }
      run('age-keygen', ['-o', f('other.key')])
      await assert.rejects(age.open(header, [readFileSync(f('other.key'))], null, 22), { code: 'FSEC_NO_MATCHING_RECIPIENT' })
    })

    it('scrypt: a header written by filesec decrypts with age -d (passphrase typed on a pty)', async function () {
      if (!have('script')) this.skip()
      const { header, fileKey } = await age.seal([], Buffer.from('correct horse'), 10)
      writeFileSync(f('pw.age'), Buffer.concat([header, sealPayload(age.testOnlyFileKeyBytes(fileKey), plaintext)]))
      ageWithTty(['-d', '-o', f('pw.out'), f('pw.age')], 'correct horse\n')
      assert.deepEqual(readFileSync(f('pw.out')), plaintext)
    })

    it('scrypt: a file made by age -p (pty) opens with the passphrase; a wrong one → FSEC_WRONG_PASSPHRASE', async function () {
      if (!have('script')) this.skip()
      writeFileSync(f('in.bin'), plaintext)
      ageWithTty(['-e', '-p', '-o', f('made-pw.age'), f('in.bin')], 'correct horse\ncorrect horse\n')
      const made = readFileSync(f('made-pw.age'))
      const info = age.parseHeader(made, true)
      assert.equal(info.stanzas[0].type, 'scrypt')
      const fk = await age.open(made, [], Buffer.from('correct horse'), 22)
      assert.deepEqual(openPayload(age.testOnlyFileKeyBytes(fk), made.subarray(info.headerSize)), plaintext)
      await assert.rejects(age.open(made, [], Buffer.from('wrong'), 22), { code: 'FSEC_WRONG_PASSPHRASE' })
      // A work factor above the caller's bound is refused before any scrypt work.
      await assert.rejects(age.open(made, [], Buffer.from('correct horse'), 10), { code: 'FSEC_HEADER_INVALID' })
    })

    it('a passphrase-protected OpenSSH key → FSEC_KEY_UNSUPPORTED (bcrypt_pbkdf is not in libcrypto)', async () => {
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', f('ed-locked')])
      const { header } = await age.seal([readFileSync(f('ed-locked.pub'))], null, 18)
      await assert.rejects(age.open(header, [readFileSync(f('ed-locked'))], null, 22), (e: Error & { code: string }) => {
        assert.equal(e.code, 'FSEC_KEY_UNSUPPORTED')
        assert.match(e.message, /bcrypt_pbkdf/)
        return true
      })
    })

    it('a tampered header MAC → FSEC_HEADER_TAMPERED; a public key as identity → FSEC_WRONG_KEY', async () => {
      const { header } = await age.seal([readFileSync(f('ed.pub'))], null, 18)
      const bad = Buffer.from(header)
      const at = bad.length - 5
      bad[at] = bad[at] === 0x41 ? 0x42 : 0x41
      await assert.rejects(age.open(bad, [readFileSync(f('ed'))], null, 22), { code: 'FSEC_HEADER_TAMPERED' })
      await assert.rejects(age.open(header, [readFileSync(f('age.pub'))], null, 22), { code: 'FSEC_WRONG_KEY' })
    })
  },
)

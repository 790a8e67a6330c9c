// The age codec through the one public API: encryptFile({ codec: 'age' }) / decryptFile / inspect.
// Round trips for every recipient kind and the chunk-boundary sizes, interop with the age CLI in
// both directions (byte-identical plaintext), and the whole C2SP CCTV kit through decryptFile.
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  ArgumentError,
  HeaderError,
  decryptFile,
  encryptFile,
  fileStatus,
  generateKeyPair,
  inspect,
  listCodecs,
  padFile,
  SecFile,
  verifyEncryptedFile,
  writePrivateKey,
} from '../lib'
import { native } from '../lib/native'
import { ageCodec } from '../lib/codecs/age-codec'
import { ageVectorNames, needsMlKem, readAgeVector } from './age-vectors'
import { randomFile, scratchDir } from './helpers'

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
}

function run(cmd: string, args: string[], input?: string): Buffer {
  const r = spawnSync(cmd, args, { maxBuffer: 64 * 1024 * 1024, ...(input === undefined ? {} : { input }) })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}: ${r.stderr}`)
  return r.stdout
}

/** Runs age with a pseudo-terminal (util-linux `script`): age reads passphrases only from one. */
function ageWithTty(args: string[], typed: string): void {
  const cmd = ['age', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { input: typed, timeout: 60000 })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`age ${args.join(' ')} (through script) exited with ${r.status}: ${r.stdout}${r.stderr}`)
}

/** Files left in `dir` besides `expected`: outputs or temporaries a failure must not leave. */
function strayFiles(dir: string, expected: string[]): string[] {
  return readdirSync(dir).filter((n) => !expected.includes(n))
}

const SIZES = [0, 1, 65535, 65536, 65537, 3 * 1024 * 1024 + 123]
const toolsMissing = ['age', 'age-keygen', 'ssh-keygen'].filter((t) => !have(t))

;(toolsMissing.length ? describe.skip : describe)(
  `age codec: round trips and age CLI interop${toolsMissing.length ? ` (SKIPPED: ${toolsMissing.join(', ')} not found)` : ''}`,
  function () {
    this.timeout(120_000)
    const dir = scratchDir('filesec-age-codec-')
    const f = (n: string) => join(dir(), n)
    // Each kind: what encryptFile takes (`to`), what decryptFile takes (`identity`), and the age CLI flags.
    const kinds: { name: string; to: () => string; identity: () => string; ageEnc: () => string[]; ageDec: () => string[] }[] = [
      {
        name: 'X25519',
        to: () => readFileSync(f('x.pub'), 'utf8').trim(),
        identity: () => f('x.key'),
        ageEnc: () => ['-r', readFileSync(f('x.pub'), 'utf8').trim()],
        ageDec: () => ['-i', f('x.key')],
      },
      {
        name: 'ssh-ed25519',
        to: () => f('ed.pub'),
        identity: () => f('ed'),
        ageEnc: () => ['-R', f('ed.pub')],
        ageDec: () => ['-i', f('ed')],
      },
      {
        name: 'ssh-rsa',
        to: () => readFileSync(f('rsa.pub'), 'utf8'),
        identity: () => f('rsa'),
        ageEnc: () => ['-R', f('rsa.pub')],
        ageDec: () => ['-i', f('rsa')],
      },
    ]

    before(() => {
      run('age-keygen', ['-o', f('x.key')])
      writeFileSync(f('x.pub'), run('age-keygen', ['-y', f('x.key')]))
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', f('ed')])
      run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', f('rsa')])
    })

    it('age is a built-in codec that encrypts and rotates (header only: test/age-rotate.test.ts)', () => {
      const info = listCodecs().find((c) => c.name === 'age')
      assert.deepEqual({ ...info, description: '' }, { name: 'age', description: '', extension: '.age', canEncrypt: true, canRotate: true, canVerify: true })
    })

    for (const kind of kinds) {
      it(`${kind.name}: round trips at sizes ${SIZES.join(', ')}; the age CLI decrypts each file`, async () => {
        for (const size of SIZES) {
          const name = `${kind.name}-${size}`
          const data = randomFile(f(name), size)
          const enc = await encryptFile(f(name), { codec: 'age', to: kind.to(), keep: true })
          assert.equal(enc.output, f(`${name}.age`))
          assert.equal(enc.plaintextBytes, size)
          assert.equal(statSync(enc.output).mode & 0o777, 0o600)
          assert.equal(readFileSync(enc.output).subarray(0, 22).toString(), 'age-encryption.org/v1\n')
          const dec = await decryptFile(enc.output, { identity: kind.identity(), output: f(`${name}.out`) })
          assert.equal(dec.plaintextBytes, size)
          assert.deepEqual(dec.metadata, { v: 1, padding: 0, size })
          assert.ok(readFileSync(f(`${name}.out`)).equals(data), `size ${size}`)
          // stdout: age does not create an output file for an empty plaintext.
          assert.ok(run('age', ['-d', ...kind.ageDec(), enc.output]).equals(data), `age CLI, size ${size}`)
        }
      })

      it(`${kind.name}: files written by the age CLI decrypt byte-identical (binary and armored)`, async () => {
        for (const size of [0, 65536, 200_000]) {
          const data = randomFile(f(`c-${kind.name}-${size}`), size)
          run('age', ['-e', ...kind.ageEnc(), '-o', f(`c-${kind.name}-${size}.age`), f(`c-${kind.name}-${size}`)])
          run('age', ['-e', '-a', ...kind.ageEnc(), '-o', f(`c-${kind.name}-${size}.pem.age`), f(`c-${kind.name}-${size}`)])
          for (const input of [f(`c-${kind.name}-${size}.age`), f(`c-${kind.name}-${size}.pem.age`)]) {
            const out = input + '.out'
            await decryptFile(input, { identity: kind.identity(), output: out })
            assert.ok(readFileSync(out).equals(data), input)
          }
        }
      })
    }

    it('scrypt: round trips at every size; age -d decrypts ours and we decrypt age -p (pty)', async function () {
      for (const size of SIZES) {
        const data = randomFile(f(`p-${size}`), size)
        const enc = await encryptFile(f(`p-${size}`), { codec: 'age', passphrase: 'correct horse', workFactor: 10, keep: true })
        await decryptFile(enc.output, { passphrase: 'correct horse', output: f(`p-${size}.out`) })
        assert.ok(readFileSync(f(`p-${size}.out`)).equals(data))
      }
      await assert.rejects(decryptFile(f('p-1.age'), { passphrase: 'wrong', output: f('p-wrong') }), { code: 'FSEC_WRONG_PASSPHRASE' })
      if (!have('script')) return
      ageWithTty(['-d', '-o', f('p-65537.cli'), f('p-65537.age')], 'correct horse\n')
      // (a non-empty file: age writes no output file for an empty plaintext)
      assert.ok(readFileSync(f('p-65537.cli')).equals(readFileSync(f('p-65537'))))
      ageWithTty(['-p', '-o', f('p-cli.age'), f('p-65536')], 'pw one\npw one\n')
      await decryptFile(f('p-cli.age'), { passphrase: 'pw one', output: f('p-cli.out') })
      assert.ok(readFileSync(f('p-cli.out')).equals(readFileSync(f('p-65536'))))
    })

    it('an identity file with several keys, comments and blank lines (as age-keygen writes and age reads)', async () => {
      const data = randomFile(f('multi'), 1000)
      run('age-keygen', ['-o', f('other1.key')])
      run('age-keygen', ['-o', f('other2.key')])
      // The matching key is the last of three; age tries each.
      const text = [readFileSync(f('other1.key'), 'utf8'), '', readFileSync(f('other2.key'), 'utf8'), '\n# mine:', readFileSync(f('x.key'), 'utf8')].join('\n')
      writeFileSync(f('multi.keys'), text)
      const enc = await encryptFile(f('multi'), { codec: 'age', to: kinds[0].to(), keep: true })
      await decryptFile(enc.output, { identity: f('multi.keys'), output: f('multi.out') })
      assert.ok(readFileSync(f('multi.out')).equals(data))
      assert.ok(run('age', ['-d', '-i', f('multi.keys'), enc.output]).equals(data))
      writeFileSync(f('others.keys'), readFileSync(f('other1.key'), 'utf8') + readFileSync(f('other2.key'), 'utf8'))
      await assert.rejects(decryptFile(enc.output, { identity: f('others.keys'), output: f('multi.no') }), { code: 'FSEC_NO_MATCHING_RECIPIENT' })
    })

    it('passphrase-protected identity files: age-encrypted ones (age -p, binary and armored; filesec-written) open with identityPassphrase', async function () {
      if (!have('script')) this.skip()
      const data = randomFile(f('pi'), 70_000)
      const enc = await encryptFile(f('pi'), { codec: 'age', to: kinds[0].to(), keep: true })
      ageWithTty(['-p', '-o', f('x.key.age'), f('x.key')], 'id pass\nid pass\n')
      ageWithTty(['-p', '-a', '-o', f('x.key.pem'), f('x.key')], 'id pass\nid pass\n')
      for (const id of [f('x.key.age'), f('x.key.pem')]) {
        const out = `${id}.out`
        await decryptFile(enc.output, { identity: id, identityPassphrase: 'id pass', output: out })
        assert.ok(readFileSync(out).equals(data), id)
        // Without the passphrase: the error the CLI answers by asking for it; a wrong one is refused.
        await assert.rejects(decryptFile(enc.output, { identity: id, output: `${out}2` }), { code: 'FSEC_KEY_PASSPHRASE_REQUIRED' })
        await assert.rejects(decryptFile(enc.output, { identity: id, identityPassphrase: 'nope', output: `${out}2` }), (e: Error & { code?: string }) =>
          /^FSEC_(WRONG_PASSPHRASE|KEY_)/.test(e.code ?? ''),
        )
        assert.equal(existsSync(`${out}2`), false)
        const info = await inspect(enc.output, { identity: id, identityPassphrase: 'id pass' })
        assert.equal(info.metadata?.size, 70_000)
      }
      // An unprotected key next to a protected one: each is read as it is.
      await decryptFile(enc.output, { identity: [f('ed'), f('x.key.age')], identityPassphrase: 'id pass', output: f('pi.mixed') })
      assert.ok(readFileSync(f('pi.mixed')).equals(data))
      // filesec's own protected X25519 identity file is one the age tool opens (it asks on the terminal).
      const { publicKey, privateKey } = await generateKeyPair('x25519')
      await writePrivateKey(privateKey, f('fs.key'), { passphrase: 'fs pass' })
      const enc2 = await encryptFile(f('pi'), { codec: 'age', to: publicKey, keep: true, output: f('pi2.age') })
      ageWithTty(['-d', '-i', f('fs.key'), '-o', f('pi2.cli'), enc2.output], 'fs pass\n')
      assert.ok(readFileSync(f('pi2.cli')).equals(data))
    })

    it('default names: FILE → FILE.age → FILE; the plaintext is destroyed unless keep; refusals', async () => {
      const data = randomFile(f('doc.txt'), 100_000)
      const enc = await encryptFile(f('doc.txt'), { codec: 'age', to: kinds[0].to() })
      assert.equal(enc.plaintext, 'destroyed')
      assert.equal(existsSync(f('doc.txt')), false)
      const dec = await decryptFile(f('doc.txt.age'), { identity: kinds[0].identity() })
      assert.equal(dec.output, f('doc.txt'))
      assert.ok(readFileSync(f('doc.txt')).equals(data))
      // No overwrite unless asked; no default name without `.age`.
      await assert.rejects(decryptFile(f('doc.txt.age'), { identity: kinds[0].identity() }), { code: 'FSEC_OUTPUT_EXISTS' })
      await assert.rejects(encryptFile(f('doc.txt'), { codec: 'age', to: kinds[0].to(), keep: true }), { code: 'FSEC_OUTPUT_EXISTS' })
      run('cp', [f('doc.txt.age'), f('noext')])
      await assert.rejects(decryptFile(f('noext'), { identity: kinds[0].identity() }), (e: unknown) => e instanceof ArgumentError && /output/.test(e.message))
      await decryptFile(f('doc.txt.age'), { identity: kinds[0].identity(), overwrite: true })
      // The wrong key: typed error, no output, no temporary file.
      const before = readdirSync(dir())
      await assert.rejects(decryptFile(f('doc.txt.age'), { identity: f('ed'), output: f('never') }), { code: 'FSEC_NO_MATCHING_RECIPIENT' })
      assert.deepEqual(strayFiles(dir(), before), [])
    })

    it('verifyEncryptedFile authenticates every chunk of an age file (binary and armored), writing nothing; SecFile, status and padFile see it as encrypted', async () => {
      const data = randomFile(f('ver'), 3 * 65536 + 10)
      const enc = await encryptFile(f('ver'), { codec: 'age', to: kinds[0].to(), keep: true })
      writeFileSync(f('ver.pem.age'), native.age.armor(readFileSync(enc.output)))
      const before = readdirSync(dir()).sort()
      for (const path of [enc.output, f('ver.pem.age')]) {
        const r = await verifyEncryptedFile(path, { identity: kinds[0].identity() })
        assert.equal(r.plaintextBytes, data.length)
        assert.deepEqual(r.metadata, { v: 1, padding: 0, size: data.length })
      }
      assert.deepEqual(readdirSync(dir()).sort(), before, 'no plaintext or temporary file written')
      // A flipped byte in the second chunk, a cut at a chunk boundary, a wrong key.
      const bytes = readFileSync(enc.output)
      const damaged = Buffer.from(bytes)
      damaged[damaged.length - 100_000] ^= 1
      writeFileSync(f('ver.bad.age'), damaged)
      await assert.rejects(verifyEncryptedFile(f('ver.bad.age'), { identity: kinds[0].identity() }), { code: 'FSEC_PAYLOAD_TAMPERED' })
      const headerSize = bytes.length - 16 - (3 * 65536 + 10) - 4 * 16
      writeFileSync(f('ver.cut.age'), bytes.subarray(0, headerSize + 16 + 3 * (65536 + 16)))
      await assert.rejects(verifyEncryptedFile(f('ver.cut.age'), { identity: kinds[0].identity() }), { code: 'FSEC_TRUNCATED' })
      await assert.rejects(verifyEncryptedFile(enc.output, { identity: kinds[1].identity() }), { code: 'FSEC_NO_MATCHING_RECIPIENT' })
      assert.equal(new SecFile(enc.output).isEncrypted, true)
      assert.equal(new SecFile(f('ver.pem.age')).isEncrypted, true)
      assert.equal(new SecFile(f('ver')).isEncrypted, false)
      assert.equal((await fileStatus(enc.output)).isEncrypted, true)
      await assert.rejects(padFile(enc.output), (e: Error) => e instanceof ArgumentError && /encrypted age file/.test(e.message))
    })

    it('an OpenSSH private key given as a recipient is refused clearly (FSEC_WRONG_KEY), nothing written', async () => {
      randomFile(f('wk'), 100)
      for (const key of [f('ed'), f('rsa')]) {
        await assert.rejects(encryptFile(f('wk'), { codec: 'age', to: key, keep: true }), (e: Error & { code?: string }) => {
          assert.equal(e.code, 'FSEC_WRONG_KEY')
          assert.match(e.message, /OpenSSH private key .* give its public key/)
          return true
        })
      }
      assert.equal(existsSync(f('wk.age')), false)
    })

    it('inspect: stanza types without a key; { v: 1, padding: 0, size } with one', async () => {
      randomFile(f('ins'), 70_000)
      await encryptFile(f('ins'), { codec: 'age', to: [kinds[0].to(), kinds[2].to(), kinds[1].to()], keep: true })
      const info = await inspect(f('ins.age'))
      assert.equal(info.codec, 'age')
      // The ssh stanzas' key tag: SHA-256 of the SSH public key blob, first 4 bytes, unpadded base64.
      const tag = (pub: string) =>
        createHash('sha256').update(Buffer.from(readFileSync(pub, 'utf8').split(' ')[1]!, 'base64')).digest().subarray(0, 4).toString('base64').replace(/=+$/, '')
      assert.deepEqual(info.recipients, [
        { type: 'x25519' },
        { type: 'ssh-rsa', sshKeyTag: tag(f('rsa.pub')) },
        { type: 'ssh-ed25519', sshKeyTag: tag(f('ed.pub')) },
      ])
      assert.equal(info.armored, false)
      assert.equal(info.passphrase, false)
      assert.equal(info.metadata, undefined)
      const withKey = await inspect(f('ins.age'), { identity: kinds[2].identity() })
      assert.deepEqual(withKey.metadata, { v: 1, padding: 0, size: 70_000 })
    })
  },
)

// --- the C2SP CCTV kit through decryptFile ---------------------------------------------------------

// Each failure class of the kit and the typed error codes filesec gives for it.
const FAILURE_CODES: Record<string, string[]> = {
  'header failure': ['FSEC_HEADER_INVALID', 'FSEC_UNSUPPORTED_VERSION'],
  'armor failure': ['FSEC_HEADER_INVALID'],
  'payload failure': ['FSEC_PAYLOAD_TAMPERED', 'FSEC_TRUNCATED', 'FSEC_TRAILING_DATA'],
  'no match': ['FSEC_NO_MATCHING_RECIPIENT', 'FSEC_WRONG_PASSPHRASE'],
  'HMAC failure': ['FSEC_HEADER_TAMPERED'],
}

const UNRELATED_IDENTITY = 'AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0'
// The empty file says nothing about its format: the registry reports NotEncryptedError (a
// HeaderError, the kit's "header failure" class), as for any file of no known format.
const NOT_RECOGNISED = ['empty']

describe('age codec: C2SP CCTV age vectors through decryptFile', () => {
  const scratch = scratchDir('filesec-age-cctv-')
  for (const name of ageVectorNames()) {
    const v = readAgeVector(name)
    if (needsMlKem(v)) {
      it(`${name}: SKIPPED (needs ML-KEM-768 / mlkem768x25519, not in OpenSSL 3.0)`, function () {
        this.skip()
      })
      continue
    }
    it(`${name}: ${v.expect}`, async function () {
      this.timeout(60_000)
      const input = join(scratch(), `${name}.age`)
      const output = join(scratch(), name)
      writeFileSync(input, v.body)
      // Vectors that fail before any key is used name none; the API needs one, so an unrelated key is given.
      const identity = v.identities.length > 0 ? v.identities : [UNRELATED_IDENTITY]
      const options = v.passphrases.length > 0 ? { passphrase: v.passphrases[0], output } : { identity, output }
      try {
        if (v.expect === 'success') {
          await decryptFile(input, options)
          assert.equal(createHash('sha256').update(readFileSync(output)).digest('hex'), v.payload)
          return
        }
        const codes = FAILURE_CODES[v.expect]
        assert.ok(codes, `unknown expectation '${v.expect}'`)
        if (NOT_RECOGNISED.includes(name)) {
          // Nothing at its start says age: the public API cannot pick a codec for it. The age codec
          // itself, given the file, fails with the kit's class.
          await assert.rejects(decryptFile(input, options), (e: unknown) => e instanceof HeaderError && (e as HeaderError).code === 'FSEC_NOT_ENCRYPTED')
          await assert.rejects(ageCodec.decryptFile(input, options), (e: Error & { code?: string }) => {
            assert.ok(codes.includes(e.code ?? ''), `${v.expect}: got ${e.code}: ${e.message}`)
            return true
          })
        } else {
          await assert.rejects(decryptFile(input, options), (e: Error & { code?: string }) => {
            assert.ok(codes.includes(e.code ?? ''), `${v.expect}: got ${e.code}: ${e.message}`)
            if (v.expect === 'armor failure') assert.match(e.message, /age armor: /)
            return true
          })
        }
        // A failure leaves neither the output nor a temporary file.
        assert.deepEqual(strayFiles(scratch(), [`${name}.age`]), [])
      } finally {
        for (const n of readdirSync(scratch())) rmSync(join(scratch(), n), { force: true })
      }
    })
  }
})

describe('age codec: limits and refusals', () => {
  const dir = scratchDir('filesec-age-limits-')
  const f = (n: string) => join(dir(), n)

  it('armor of any size is read as a stream: a 64 MiB line is refused as soon as it is too long, leaving nothing behind', async () => {
    // (Armored files used to be limited to 64 MiB; now a line is judged once it is longer than any valid one.)
    const big = Buffer.alloc(64 * 1024 * 1024 + 1, 0x41)
    Buffer.from('-----BEGIN AGE ENCRYPTED FILE-----\n').copy(big)
    writeFileSync(f('big.age'), big)
    await assert.rejects(decryptFile(f('big.age'), { identity: UNRELATED_IDENTITY }), {
      code: 'FSEC_HEADER_INVALID',
      message: 'age armor: line longer than 64 columns',
    })
    assert.deepEqual(readdirSync(dir()), ['big.age'])
    rmSync(f('big.age'))
  })

  it('options age cannot honour are refused, not ignored (pad, note)', async () => {
    writeFileSync(f('x'), 'x')
    const to = 'age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj'
    await assert.rejects(encryptFile(f('x'), { codec: 'age', to, keep: true, pad: 'padme' }), ArgumentError)
    await assert.rejects(encryptFile(f('x'), { codec: 'age', to, keep: true, note: 'n' }), ArgumentError)
    assert.deepEqual(readdirSync(dir()), ['x'])
    rmSync(f('x'))
  })

  it("identityPassphrase opens filesec's passphrase-protected identity files for age files too", async () => {
    const pair = await generateKeyPair('x25519')
    await writePrivateKey(pair.privateKey, f('id.key'), { passphrase: 'key pass' })
    const data = randomFile(f('z'), 70_000)
    const enc = await encryptFile(f('z'), { codec: 'age', to: pair.publicKey.publicText, keep: true })
    await assert.rejects(decryptFile(enc.output, { identity: f('id.key'), output: f('z.out') }), { code: 'FSEC_KEY_PASSPHRASE_REQUIRED' })
    await assert.rejects(
      decryptFile(enc.output, { identity: f('id.key'), identityPassphrase: 'wrong', output: f('z.out') }),
      { code: 'FSEC_KEY_WRONG_PASSPHRASE' },
    )
    assert.equal(existsSync(f('z.out')), false)
    // Unprotected identities given with it are used as they are.
    const opts = { identity: [UNRELATED_IDENTITY, f('id.key')], identityPassphrase: 'key pass' }
    assert.deepEqual((await inspect(enc.output, opts)).metadata, { v: 1, padding: 0, size: 70_000 })
    await decryptFile(enc.output, { ...opts, output: f('z.out') })
    assert.ok(readFileSync(f('z.out')).equals(data))
  })
})

// The filesec command-line tool, run for real: `node dist/cli.js …` as a child process.
import { strict as assert } from 'node:assert'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'

import { AbortError, FileError, InternalError, KeyError, loadKeys, versions, WrongPassphraseError } from '../lib'
import { UsageError } from '../lib/cli/args'
import { EXIT, exitCodeFor } from '../lib/cli/exit'
import { renderProgress } from '../lib/cli/progress'
import { leftoverTempFiles, randomFile, scratchDir } from './helpers'
import { cliIn, expectStatus, json, jsonError, keygens, runCliSignalledWhen, skippedWithoutPty } from './cli/helpers'
import { ensureBuilt, runCliOnPty } from './cli/run'

const COMMANDS = ['keygen', 'encrypt', 'decrypt', 'inspect', 'migrate'] as const
const PASS = 'correct horse battery staple'

describe('filesec CLI', function () {
  this.timeout(60_000)
  const dir = scratchDir('filesec-cli-')
  const cli = cliIn(dir)
  const p = (name: string): string => join(dir(), name)
  let age1 = ''
  /** Runs each command line (in parallel) and expects `status` from every one. */
  const allExit = async (status: number, runs: string[][]): Promise<void> => {
    const results = await Promise.all(runs.map((args) => cli(args)))
    results.forEach((r, i) => {
      assert.equal(r.status, status, `${runs[i]!.join(' ')}: exit ${r.status}, expected ${status}\n${r.stderr}`)
    })
  }

  before(async function () {
    ensureBuilt()
    writeFileSync(p('pass.txt'), `${PASS}\n`)
    writeFileSync(p('wrong-pass.txt'), 'not the passphrase\n')
    // Keys shared by the suites below, made with the CLI itself.
    const results = await keygens(cli, [
      ['-o', 'x.key', '--no-passphrase', '--json'],
      ['-o', 'y.key', '--no-passphrase'],
      ['-t', 'rsa', '-b', '2048', '-o', 'rsa.key', '--passphrase-file', 'pass.txt'],
      ['-o', 'xp.key', '--passphrase-file', 'pass.txt'],
    ])
    age1 = json(results[0]!).publicKey as string
    writeFileSync(p('garbage.key'), 'this is not a key\n')
    writeFileSync(p('plain.txt'), 'hello, plaintext\n')
  })

  /** A fresh input file with random content. */
  function input(name: string, size = 50_000): Buffer {
    return randomFile(p(name), size)
  }

  describe('help and version', () => {
    it('--help describes every command and every exit status', async () => {
      const r = await cli(['--help'])
      expectStatus(r, 0)
      for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`filesec ${c}`))
      for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 11, 130]) assert.match(r.stdout, new RegExp(`^  ${code} +\\S`, 'm'))
      assert.match(r.stdout, /--passphrase-file/)
    })

    for (const c of COMMANDS) {
      it(`filesec ${c} --help and filesec help ${c}`, async () => {
        const a = await cli([c, '--help'])
        expectStatus(a, 0)
        assert.match(a.stdout, new RegExp(`^Usage: filesec ${c}`))
        assert.match(a.stdout, /Exit status:/)
        const b = await cli(['help', c])
        expectStatus(b, 0)
        assert.equal(b.stdout, a.stdout)
      })
    }

    it('--version prints the filesec and OpenSSL versions (and as JSON)', async () => {
      const r = await cli(['--version'])
      expectStatus(r, 0)
      assert.equal(r.stdout.trim(), `filesec ${versions.filesec} (${versions.openssl})`)
      const j = json(await cli(['--json', '--version']))
      assert.deepEqual(j, { command: 'version', filesec: versions.filesec, openssl: versions.openssl })
    })
  })

  describe('usage errors (exit 2)', () => {
    it('an unknown flag, without echoing its value', async () => {
      input('u.bin', 10)
      const r = await cli(['encrypt', '--keep', 'u.bin', '-r', age1, '--frobnicate=s3cret-value'])
      expectStatus(r, EXIT.USAGE)
      assert.match(r.stderr, /unknown option --frobnicate/)
      assert.doesNotMatch(r.stderr, /s3cret-value/)
      assert.match(r.stderr, /filesec encrypt --help/)
      assert.ok(!existsSync(p('u.bin.fsec')))
    })

    it('a missing FILE, an unknown command, no command, a flag missing its value', async () => {
      await allExit(EXIT.USAGE, [
        ['encrypt', '--keep', '-r', age1],
        ['decrypt'],
        ['inspect'],
        ['frobnicate'],
        [],
        ['encrypt', '--keep', 'u.bin', '-r'],
        ['encrypt', '--keep', 'u.bin', '-r', age1, '-o', 'a', '-o', 'b'],
        ['--json=yes', 'inspect', 'x'],
        ['inspect', 'a', 'b'],
      ])
    })

    it('contradictory or incomplete choices', async () => {
      input('c.bin', 10)
      await allExit(EXIT.USAGE, [
        ['encrypt', '--keep', 'c.bin'], // no recipient
        ['encrypt', '--keep', 'c.bin', '-p', '-r', age1],
        ['encrypt', '--keep', 'c.bin', '-r', age1, '--passphrase-file', 'pass.txt'],
        ['encrypt', '--keep', 'c.bin', '-r', age1, '--work-factor', '12'],
        ['encrypt', '--keep', 'c.bin', '-p', '--passphrase-file', 'pass.txt', '--passphrase-env', 'X'],
        ['encrypt', '--keep', 'c.bin', '-p', '--passphrase-file', 'pass.txt', '--work-factor', 'ten'],
        // Range checks made by the API (ArgumentError) are usage errors too.
        ['encrypt', '--keep', 'c.bin', '-p', '--passphrase-file', 'pass.txt', '--work-factor', '5'],
        ['keygen', '-o', 'never.key', '--bits', '2048', '--no-passphrase'],
        ['keygen', '-t', 'rsa', '-b', '1000', '-o', 'never.key', '--no-passphrase'],
        ['keygen', '-t', 'dsa', '-o', 'never.key', '--no-passphrase'],
        ['keygen', '--no-passphrase'], // no -o
        ['keygen', '-o', 'never.key', '--no-passphrase', '--passphrase-file', 'pass.txt'],
      ])
      assert.ok(!existsSync(p('c.bin.fsec')))
      assert.ok(!existsSync(p('never.key')))
      assert.ok(!existsSync(p('never.key.pub')))
    })

    for (const form of [['--passphrase', 'hunter2-secret'], ['--passphrase=hunter2-secret'], ['--password', 'hunter2-secret']]) {
      it(`refuses ${form.join(' ')} on every command, with the alternatives`, async () => {
        input('pw.bin', 10)
        const runs = await Promise.all(
          [
            ['encrypt', '--keep', 'pw.bin', ...form],
            ['decrypt', 'pw.bin.fsec', ...form],
            ['keygen', '-o', 'pw.key', ...form],
            [...form, 'encrypt', 'pw.bin'],
          ].map((args) => cli(args)),
        )
        for (const r of runs) {
          expectStatus(r, EXIT.USAGE)
          assert.match(r.stderr, /--passphrase-file/)
          assert.match(r.stderr, /--passphrase-env/)
          assert.doesNotMatch(r.stderr + r.stdout, /hunter2/)
        }
        assert.ok(!existsSync(p('pw.bin.fsec')))
        assert.ok(!existsSync(p('pw.key')))
      })
    }

    it('refuses private key text as an argument, without echoing it', async () => {
      input('s.bin', 10)
      const secret = 'AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ'
      for (const args of [['encrypt', '--keep', 's.bin', '-r', secret], ['decrypt', 's.bin.fsec', '-i', secret]]) {
        const r = await cli(args)
        expectStatus(r, EXIT.USAGE)
        assert.doesNotMatch(r.stderr, /QQQQQQ/)
      }
    })

    it('--passphrase-env naming an unset variable (the name is not echoed)', async () => {
      input('e.bin', 10)
      const r = await cli(['encrypt', '--keep', 'e.bin', '-p', '--passphrase-env', 'FILESEC_TEST_UNSET_VAR'], {
        FILESEC_TEST_UNSET_VAR: undefined,
      })
      expectStatus(r, EXIT.USAGE)
      assert.doesNotMatch(r.stderr, /FILESEC_TEST_UNSET_VAR/)
      assert.ok(!existsSync(p('e.bin.fsec')))
    })

    it('a passphrase prompt without a terminal tells how to give the passphrase', async () => {
      input('t.bin', 10)
      for (const args of [['encrypt', '--keep', 't.bin', '-p'], ['keygen', '-o', 'tty.key']]) {
        const r = await cli(args)
        expectStatus(r, EXIT.USAGE)
        assert.match(r.stderr, /no terminal/)
        assert.match(r.stderr, /--passphrase-file/)
        assert.match(r.stderr, /--passphrase-env/)
      }
      assert.ok(!existsSync(p('t.bin.fsec')))
      assert.ok(!existsSync(p('tty.key')))
    })

    it('--json: usage errors as one JSON object on stderr', async () => {
      const r = await cli(['encrypt', '--keep', '--json', '--bogus'])
      expectStatus(r, EXIT.USAGE)
      assert.equal(jsonError(r).code, 'FSEC_USAGE')
    })
  })

  describe('keygen', () => {
    it('X25519 (default): private key 0600 and protected, public key file loads, nothing secret printed', async () => {
      const r = await cli(['keygen', '-o', 'k1.key', '--passphrase-file', 'pass.txt', '--json'])
      expectStatus(r, 0)
      const j = json(r)
      assert.deepEqual(Object.keys(j).sort(), [
        'bits', 'command', 'fingerprint', 'privateKeyFile', 'protected', 'publicKey', 'publicKeyFile', 'type',
      ])
      assert.equal(j.command, 'keygen')
      assert.equal(j.type, 'x25519')
      assert.equal(j.protected, true)
      assert.equal(j.privateKeyFile, p('k1.key'))
      assert.equal(j.publicKeyFile, p('k1.key.pub'))
      assert.equal(statSync(p('k1.key')).mode & 0o777, 0o600)
      const [pub] = await loadKeys({ path: p('k1.key.pub') })
      assert.equal(pub!.kind, 'x25519')
      assert.equal(pub!.isPrivate, false)
      assert.equal(pub!.fingerprint, j.fingerprint)
      assert.equal(pub!.publicText, j.publicKey)
      await assert.rejects(loadKeys({ path: p('k1.key') }), { code: 'FSEC_KEY_PASSPHRASE_REQUIRED' })
      assert.doesNotMatch(r.stdout + r.stderr, /AGE-SECRET-KEY|PRIVATE KEY|AGE ENCRYPTED/)
      assert.doesNotMatch(r.stdout + r.stderr, new RegExp(PASS))
    })

    it('RSA 2048 with --passphrase-env and --public-out; human output shows public key and fingerprint', async () => {
      const r = await cli(['keygen', '--type', 'rsa', '--bits', '2048', '-o', 'r1.key', '--public-out', 'r1.pem', '--passphrase-env', 'KEYPASS'], {
        KEYPASS: PASS,
      })
      expectStatus(r, 0)
      assert.equal(statSync(p('r1.key')).mode & 0o777, 0o600)
      const [pub] = await loadKeys({ path: p('r1.pem') })
      assert.equal(pub!.kind, 'rsa')
      assert.equal(pub!.bits, 2048)
      assert.match(r.stdout, /-----BEGIN PUBLIC KEY-----/)
      assert.ok(r.stdout.includes(`Fingerprint: ${pub!.fingerprint}`))
      assert.doesNotMatch(r.stdout + r.stderr, /PRIVATE KEY/)
      await assert.rejects(loadKeys({ path: p('r1.key') }), { code: 'FSEC_KEY_PASSPHRASE_REQUIRED' })
      await assert.rejects(loadKeys({ path: p('r1.key') }, { passphrase: 'wrong' }), KeyError)
      const [priv] = await loadKeys({ path: p('r1.key') }, { passphrase: PASS })
      assert.equal(priv!.isPrivate, true)
      assert.equal(priv!.fingerprint, pub!.fingerprint)
    })

    it('--no-passphrase writes an unprotected key', async () => {
      const [priv] = await loadKeys({ path: p('x.key') })
      const [pub] = await loadKeys({ path: p('x.key.pub') })
      assert.equal(priv!.isPrivate, true)
      assert.equal(priv!.fingerprint, pub!.fingerprint)
      assert.equal(statSync(p('x.key')).mode & 0o777, 0o600)
    })

    it('never replaces an existing key file (exit 4), private or public', async () => {
      const before = readFileSync(p('x.key'))
      const r = await cli(['keygen', '-o', 'x.key', '--no-passphrase'])
      expectStatus(r, EXIT.OUTPUT_EXISTS)
      assert.deepEqual(readFileSync(p('x.key')), before)
      writeFileSync(p('only-pub.key.pub'), 'occupied\n')
      expectStatus(await cli(['keygen', '-o', 'only-pub.key', '--no-passphrase']), EXIT.OUTPUT_EXISTS)
      assert.ok(!existsSync(p('only-pub.key')))
      assert.equal(readFileSync(p('only-pub.key.pub'), 'utf8'), 'occupied\n')
    })
  })

  describe('encrypt and decrypt', () => {
    it('-r age1… text, -i identity; default names (FILE.fsec and back)', async () => {
      const data = input('a.bin')
      const e = await cli(['encrypt', '--keep', 'a.bin', '-r', age1])
      expectStatus(e, 0)
      assert.match(e.stdout, /Encrypted a\.bin -> a\.bin\.fsec/)
      copyFileSync(p('a.bin'), p('a.orig'))
      rmSync(p('a.bin'))
      const d = await cli(['decrypt', 'a.bin.fsec', '-i', 'x.key'])
      expectStatus(d, 0)
      assert.deepEqual(readFileSync(p('a.bin')), data)
    })

    it('-r PATH (RSA public key file), -i protected RSA key with --passphrase-file', async () => {
      const data = input('b.bin')
      expectStatus(await cli(['encrypt', '--keep', 'b.bin', '-r', 'rsa.key.pub', '-o', 'b.enc']), 0)
      const d = await cli(['decrypt', 'b.enc', '-i', 'rsa.key', '--passphrase-file', 'pass.txt', '-o', 'b.out'])
      expectStatus(d, 0)
      assert.deepEqual(readFileSync(p('b.out')), data)
    })

    it('-R recipients file: each recipient alone can decrypt', async () => {
      const data = input('c.bin')
      const y = readFileSync(p('y.key.pub'), 'utf8')
      writeFileSync(p('recipients.txt'), `# team\n${age1}\n\n# second\n${y}`)
      expectStatus(await cli(['encrypt', '--keep', 'c.bin', '-R', 'recipients.txt', '-o', 'c.fsec']), 0)
      const info = json(await cli(['inspect', 'c.fsec', '--json']))
      assert.equal(info.recipients.length, 2)
      for (const id of ['x.key', 'y.key']) {
        expectStatus(await cli(['decrypt', 'c.fsec', '-i', id, '-o', `c.${id}.out`]), 0)
        assert.deepEqual(readFileSync(p(`c.${id}.out`)), data)
      }
    })

    it('several recipients of both kinds (-r text, -r path), several identities (-i -i)', async () => {
      const data = input('m.bin')
      const e = await cli(['encrypt', '--keep', 'm.bin', '-r', age1, '-r', 'rsa.key.pub', '-r', 'y.key.pub', '-o', 'm.fsec', '--json'])
      expectStatus(e, 0)
      const j = json(e)
      assert.deepEqual(
        j.recipients.map((r: { type: string }) => r.type),
        ['x25519', 'rsa-oaep-sha256', 'x25519'],
      )
      assert.equal(j.recipients[1].rsaBits, 2048)
      expectStatus(await cli(['decrypt', 'm.fsec', '-i', 'rsa.key', '--passphrase-env', 'KP', '-o', 'm1.out'], { KP: PASS }), 0)
      assert.deepEqual(readFileSync(p('m1.out')), data)
      // Any one matching identity among several will do.
      expectStatus(await cli(['decrypt', 'm.fsec', '-i', 'garbage.key', '-o', 'never.out']), EXIT.KEY)
      expectStatus(await cli(['decrypt', 'm.fsec', '-i', 'rsa.key.pub', '-o', 'never.out']), EXIT.KEY)
      const k = await cli(['decrypt', 'm.fsec', '-i', 'y.key', '-i', 'x.key', '-o', 'm2.out'])
      expectStatus(k, 0)
      assert.deepEqual(readFileSync(p('m2.out')), data)
      assert.ok(!existsSync(p('never.out')))
    })

    it('passphrase: --passphrase-file to encrypt, --passphrase-env to decrypt, and the reverse', async () => {
      const data = input('p.bin')
      expectStatus(await cli(['encrypt', '--keep', 'p.bin', '--passphrase-file', 'pass.txt', '--work-factor', '10', '-o', 'p1.fsec']), 0)
      const info = json(await cli(['inspect', 'p1.fsec', '--json']))
      assert.deepEqual(info.recipients, [{ type: 'scrypt', workFactor: 10 }])
      assert.equal(info.passphrase, true)
      expectStatus(await cli(['decrypt', 'p1.fsec', '--passphrase-env', 'FP', '-o', 'p1.out'], { FP: PASS }), 0)
      assert.deepEqual(readFileSync(p('p1.out')), data)

      expectStatus(await cli(['encrypt', '--keep', 'p.bin', '-p', '--passphrase-env', 'FP', '--work-factor', '10', '-o', 'p2.fsec'], { FP: PASS }), 0)
      expectStatus(await cli(['decrypt', 'p2.fsec', '--passphrase-file', 'pass.txt', '-o', 'p2.out']), 0)
      assert.deepEqual(readFileSync(p('p2.out')), data)
    })

    it('--json result objects: encrypt, decrypt (with --note and --no-name), inspect', async () => {
      input('j.bin', 1234)
      const e = json(await cli(['encrypt', '--keep', 'j.bin', '-r', age1, '--note', 'for Ada', '--no-name', '--json', '-o', 'j.fsec']))
      assert.deepEqual(Object.keys(e).sort(), ['codec', 'command', 'encryptedBytes', 'input', 'output', 'plaintext', 'plaintextBytes', 'recipients', 'warnings'])
      assert.equal(e.command, 'encrypt')
      assert.equal(e.codec, 'fsec')
      assert.equal(e.input, p('j.bin'))
      assert.equal(e.output, p('j.fsec'))
      assert.equal(e.plaintextBytes, 1234)
      assert.equal(e.encryptedBytes, statSync(p('j.fsec')).size)
      assert.equal(e.recipients[0].type, 'x25519')

      const d = json(await cli(['decrypt', 'j.fsec', '-i', 'x.key', '--json', '-o', 'j.out']))
      assert.deepEqual(Object.keys(d).sort(), ['command', 'input', 'metadata', 'output', 'plaintextBytes'])
      assert.equal(d.command, 'decrypt')
      assert.equal(d.output, p('j.out'))
      assert.equal(d.plaintextBytes, 1234)
      assert.equal(d.metadata.note, 'for Ada')
      assert.equal(d.metadata.name, undefined)
      assert.equal(typeof d.metadata.mtime, 'string')

      const i = json(await cli(['inspect', 'j.fsec', '--json']))
      assert.equal(i.command, 'inspect')
      assert.equal(i.codec, 'fsec')
      assert.equal(i.formatVersion, 1)
      assert.equal(i.fileSize, statSync(p('j.fsec')).size)
      assert.equal(i.passphrase, false)
      assert.equal(i.recipients[0].fingerprint, e.recipients[0].fingerprint)
    })

    it('--no-times leaves the times out; human inspect output lists recipients', async () => {
      input('t2.bin', 10)
      expectStatus(await cli(['encrypt', '--keep', 't2.bin', '-r', 'rsa.key.pub', '--no-times', '-o', 't2.fsec']), 0)
      const d = json(await cli(['decrypt', 't2.fsec', '-i', 'rsa.key', '--passphrase-file', 'pass.txt', '--json', '-o', 't2.out']))
      assert.equal(d.metadata.mtime, undefined)
      assert.equal(d.metadata.name, 't2.bin')
      const r = await cli(['inspect', 't2.fsec'])
      expectStatus(r, 0)
      assert.match(r.stdout, /filesec format v1/)
      assert.match(r.stdout, /RSA-2048 [0-9a-f]{64}/)
    })

    it('--quiet prints nothing on success; --overwrite replaces an existing output', async () => {
      const data = input('q.bin')
      writeFileSync(p('q.fsec'), 'old')
      const r = await cli(['encrypt', '--keep', 'q.bin', '-r', age1, '-o', 'q.fsec', '--overwrite', '--quiet'])
      expectStatus(r, 0)
      assert.equal(r.stdout, '')
      assert.equal(r.stderr, '')
      writeFileSync(p('q.out'), 'old')
      const d = await cli(['decrypt', 'q.fsec', '-i', 'x.key', '-o', 'q.out', '--overwrite', '-q'])
      expectStatus(d, 0)
      assert.equal(d.stdout, '')
      assert.deepEqual(readFileSync(p('q.out')), data)
      // -q grouped with another short flag
      const g = await cli(['encrypt', '--keep', 'q.bin', '-pq', '--passphrase-file', 'pass.txt', '--work-factor', '10', '-o', 'q2.fsec'])
      expectStatus(g, 0)
      assert.equal(g.stdout, '')
    })

    it('a protected X25519 identity (the keygen default) with --passphrase-file', async () => {
      const data = input('xp.bin')
      expectStatus(await cli(['encrypt', '--keep', 'xp.bin', '-r', 'xp.key.pub']), 0)
      expectStatus(await cli(['decrypt', 'xp.bin.fsec', '-i', 'xp.key', '--passphrase-file', 'pass.txt', '-o', 'xp.out']), 0)
      assert.deepEqual(readFileSync(p('xp.out')), data)
    })
  })

  describe('exit statuses (and nothing left at the output name)', () => {
    let encrypted: Buffer
    before(async () => {
      input('v.bin', 100_000)
      expectStatus(await cli(['encrypt', '--keep', 'v.bin', '-r', age1, '-o', 'v.fsec']), 0)
      expectStatus(await cli(['encrypt', '--keep', 'v.bin', '--passphrase-file', 'pass.txt', '--work-factor', '10', '-o', 'vp.fsec']), 0)
      encrypted = readFileSync(p('v.fsec'))
    })
    afterEach(() => {
      assert.ok(!existsSync(p('v.out')), 'an output was left after a failure')
      assert.deepEqual(leftoverTempFiles(dir()), [])
    })

    it('6: the wrong identity, or the wrong passphrase', async () => {
      const r = await cli(['decrypt', 'v.fsec', '-i', 'y.key', '-o', 'v.out', '--json'])
      expectStatus(r, EXIT.CANNOT_OPEN)
      assert.equal(jsonError(r).code, 'FSEC_NO_MATCHING_RECIPIENT')
      expectStatus(await cli(['decrypt', 'v.fsec', '-i', 'rsa.key', '--passphrase-file', 'pass.txt', '-o', 'v.out']), EXIT.CANNOT_OPEN)
      const w = await cli(['decrypt', 'vp.fsec', '--passphrase-file', 'wrong-pass.txt', '-o', 'v.out', '--json'])
      expectStatus(w, EXIT.CANNOT_OPEN)
      assert.equal(jsonError(w).code, 'FSEC_WRONG_PASSPHRASE')
      // An identity given for a passphrase-encrypted file.
      expectStatus(await cli(['decrypt', 'vp.fsec', '-i', 'x.key', '-o', 'v.out']), EXIT.CANNOT_OPEN)
    })

    it('7: a flipped payload byte, a flipped header byte, truncation, appended bytes, not encrypted', async () => {
      const cases: [string, Buffer, string][] = []
      const payload = Buffer.from(encrypted)
      payload[payload.length - 100]! ^= 0x01
      cases.push(['flip-payload.fsec', payload, 'FSEC_PAYLOAD_TAMPERED'])
      const header = Buffer.from(encrypted)
      header[60]! ^= 0x01
      cases.push(['flip-header.fsec', header, ''])
      cases.push(['truncated.fsec', encrypted.subarray(0, encrypted.length - 1000), 'FSEC_TRUNCATED'])
      cases.push(['appended.fsec', Buffer.concat([encrypted, Buffer.from('x')]), 'FSEC_TRAILING_DATA'])
      cases.push(['plain.txt', readFileSync(p('plain.txt')), 'FSEC_NOT_ENCRYPTED'])
      for (const [name, bytes] of cases) writeFileSync(p(name), bytes)
      const runs = await Promise.all(cases.map(([name]) => cli(['decrypt', name, '-i', 'x.key', '-o', 'v.out', '--json'])))
      runs.forEach((r, i) => {
        const [name, , code] = cases[i]!
        assert.equal(r.status, EXIT.DAMAGED, `${name}: ${r.stderr}`)
        if (code) assert.equal(jsonError(r).code, code, name)
      })
      expectStatus(await cli(['inspect', 'plain.txt']), EXIT.DAMAGED)
    })

    it('4: the output exists (encrypt and decrypt), and it is left as it was', async () => {
      writeFileSync(p('exists.out'), 'keep me')
      const e = await cli(['encrypt', '--keep', 'v.bin', '-r', age1, '-o', 'exists.out', '--json'])
      expectStatus(e, EXIT.OUTPUT_EXISTS)
      assert.equal(jsonError(e).code, 'FSEC_OUTPUT_EXISTS')
      expectStatus(await cli(['decrypt', 'v.fsec', '-i', 'x.key', '-o', 'exists.out']), EXIT.OUTPUT_EXISTS)
      expectStatus(await cli(['decrypt', 'vp.fsec', '--passphrase-file', 'pass.txt', '-o', 'exists.out']), EXIT.OUTPUT_EXISTS)
      assert.equal(readFileSync(p('exists.out'), 'utf8'), 'keep me')
    })

    it('3: a missing input, a folder as input, a missing passphrase file', async () => {
      const e = await cli(['encrypt', '--keep', 'missing.bin', '-r', age1, '--json'])
      expectStatus(e, EXIT.FILE)
      assert.equal(jsonError(e).code, 'FSEC_FILE_NOT_FOUND')
      assert.ok(!existsSync(p('missing.bin.fsec')))
      mkdirSync(p('folder'), { recursive: true })
      await allExit(EXIT.FILE, [
        ['decrypt', 'missing.fsec', '-i', 'x.key', '-o', 'v.out'],
        ['inspect', 'missing.fsec'],
        ['encrypt', '--keep', 'folder', '-r', age1, '-o', 'v.out'],
        ['decrypt', 'vp.fsec', '--passphrase-file', 'missing-pass.txt', '-o', 'v.out'],
        ['decrypt', 'v.fsec', '-i', 'missing.key', '-o', 'v.out'],
      ])
    })

    it('5: a damaged key file, a public key as identity, a wrong key passphrase', async () => {
      const r = await cli(['encrypt', '--keep', 'v.bin', '-r', 'garbage.key', '-o', 'v.out', '--json'])
      expectStatus(r, EXIT.KEY)
      assert.equal(jsonError(r).code, 'FSEC_KEY_INVALID')
      expectStatus(await cli(['decrypt', 'v.fsec', '-i', 'garbage.key', '-o', 'v.out']), EXIT.KEY)
      const w = await cli(['decrypt', 'v.fsec', '-i', 'x.key.pub', '-o', 'v.out', '--json'])
      expectStatus(w, EXIT.KEY)
      assert.equal(jsonError(w).code, 'FSEC_WRONG_KEY')
      const k = await cli(['decrypt', 'v.fsec', '-i', 'rsa.key', '--passphrase-file', 'wrong-pass.txt', '-o', 'v.out', '--json'])
      expectStatus(k, EXIT.KEY)
      assert.equal(jsonError(k).code, 'FSEC_KEY_WRONG_PASSPHRASE')
    })

    it('2: a passphrase-less decrypt of a file encrypted to keys says to give -i', async () => {
      const r = await cli(['decrypt', 'v.fsec', '-o', 'v.out'])
      expectStatus(r, EXIT.USAGE)
      assert.match(r.stderr, /-i IDENTITY/)
    })

    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      it(`130: ${signal} during a long encryption aborts it, leaving no output and no temporary file`, async () => {
        const big = p(`big-${signal}.bin`)
        writeFileSync(big, '')
        truncateSync(big, 2 * 1024 ** 3) // sparse: costs no disk space to read
        // Signal once the engine has started writing its temporary file.
        const { r, sent } = await runCliSignalledWhen(
          ['encrypt', '--keep', big, '-r', age1, '-o', 'big.fsec'],
          dir(),
          signal,
          () => leftoverTempFiles(dir()).length > 0,
          10,
        )
        assert.ok(sent, `the encryption ended before it could be interrupted: ${r.stderr}`)
        expectStatus(r, EXIT.INTERRUPTED)
        assert.ok(!existsSync(p('big.fsec')))
        assert.deepEqual(leftoverTempFiles(dir()), [])
          rmSync(big)
      })
    }
  })

  describe('exit status mapping (by class and code)', () => {
    it('maps each error family; anything else is 1', () => {
      assert.equal(exitCodeFor(new UsageError('x')), 2)
      assert.equal(exitCodeFor(new FileError('FSEC_IO', 'x')), 3)
      assert.equal(exitCodeFor(new WrongPassphraseError('FSEC_WRONG_PASSPHRASE', 'x')), 6)
      assert.equal(exitCodeFor(new AbortError()), 130)
      assert.equal(exitCodeFor(new InternalError('FSEC_INTERNAL', 'x')), 1)
      assert.equal(exitCodeFor(new Error('unexpected')), 1)
      assert.equal(exitCodeFor('a string'), 1)
    })
  })

  describe('progress bar rendering', () => {
    it('shows percent, MiB/s and ETA within the terminal width', () => {
      const line = renderProgress('Encrypting', { done: 50 * 1024 ** 2, total: 100 * 1024 ** 2 }, 1000, 80)
      assert.match(line, / 50% /)
      assert.match(line, /50\.0 MiB\/s/)
      assert.match(line, /ETA 0:01/)
      assert.ok(line.length < 80)
      assert.ok(renderProgress('Encrypting', { done: 1, total: 2 }, 10, 20).length < 20)
    })
  })

  describe('terminal prompts (pseudo-terminal)', () => {
    if (skippedWithoutPty('no pseudo-terminal for the prompt tests')) return
    const pty = (args: string[], steps: [string, string][], stdinNull = false) =>
      runCliOnPty(args, { cwd: dir(), steps, stdinNull })
    const typed = 'pässword-tty'
    /** Neither the passphrase nor its ASCII tail (in case it was echoed byte by byte) was shown. */
    const notEchoed = (output: string, secret: string): void => {
      assert.ok(!output.includes(secret), 'the passphrase was echoed')
      assert.ok(!output.includes(secret.slice(-8)), 'the passphrase was echoed')
    }

    it('keygen asks twice without echo; the key opens with what was typed (backspace edits it)', async () => {
      const r = pty(['keygen', '-t', 'rsa', '-b', '2048', '-o', 'tty-rsa.key'], [
        ['Enter passphrase', `${typed}X\x7f\r`],
        ['Confirm passphrase', `${typed}\r`],
      ])
      assert.equal(r.status, 0, r.output)
      assert.equal(r.pending, 0)
      notEchoed(r.output, typed)
      assert.match(r.output, /Fingerprint: [0-9a-f]{64}/)
      const [priv] = await loadKeys({ path: p('tty-rsa.key') }, { passphrase: typed })
      assert.equal(priv!.isPrivate, true)
    })

    it('keygen refuses a mismatch and an empty passphrase (exit 2, no files)', () => {
      const m = pty(['keygen', '-o', 'tty-mismatch.key'], [
        ['Enter passphrase', 'one\r'],
        ['Confirm passphrase', 'two\r'],
      ])
      assert.equal(m.status, EXIT.USAGE, m.output)
      assert.match(m.output, /do not match/)
      const e = pty(['keygen', '-o', 'tty-mismatch.key'], [['Enter passphrase', '\r']])
      assert.equal(e.status, EXIT.USAGE, e.output)
      assert.match(e.output, /--no-passphrase/)
      assert.ok(!existsSync(p('tty-mismatch.key')))
      assert.ok(!existsSync(p('tty-mismatch.key.pub')))
    })

    it('encrypt -p prompts on /dev/tty when stdin is not a terminal; decrypt prompts for it; progress bar on stderr', () => {
      const data = input('tty.bin', 300_000)
      const e = pty(['encrypt', '--keep', 'tty.bin', '-p', '--work-factor', '10', '-o', 'tty.fsec'], [
        ['Enter passphrase', `${typed}\r`],
        ['Confirm passphrase', `${typed}\r`],
      ], true)
      assert.equal(e.status, 0, e.output)
      notEchoed(e.output, typed)
      assert.match(e.output, /100%.*MiB\/s/)
      const d = pty(['decrypt', 'tty.fsec', '-o', 'tty.out'], [['Passphrase:', `${typed}\r`]])
      assert.equal(d.status, 0, d.output)
      notEchoed(d.output, typed)
      assert.deepEqual(readFileSync(p('tty.out')), data)
    })

    it('decrypt -i with a protected key prompts for its passphrase (and a wrong one is exit 5)', () => {
      const data = input('tty2.bin')
      const enc = pty(['encrypt', '--keep', 'tty2.bin', '-r', 'rsa.key.pub', '-o', 'tty2.fsec', '--quiet'], [])
      assert.equal(enc.status, 0, enc.output)
      const bad = pty(['decrypt', 'tty2.fsec', '-i', 'rsa.key', '-o', 'tty2.out'], [['Passphrase for rsa.key', 'nope\r']])
      assert.equal(bad.status, EXIT.KEY, bad.output)
      assert.ok(!existsSync(p('tty2.out')))
      const ok = pty(['decrypt', 'tty2.fsec', '-i', 'rsa.key', '-o', 'tty2.out'], [['Passphrase for rsa.key', `${PASS}\r`]])
      assert.equal(ok.status, 0, ok.output)
      notEchoed(ok.output, PASS)
      assert.deepEqual(readFileSync(p('tty2.out')), data)
    })

    it('decrypt -i with a protected X25519 identity (age-encrypted) prompts for its passphrase', () => {
      const data = input('tty4.bin')
      const enc = pty(['encrypt', '--keep', 'tty4.bin', '-r', 'xp.key.pub', '-o', 'tty4.fsec', '--quiet'], [])
      assert.equal(enc.status, 0, enc.output)
      const r = pty(['decrypt', 'tty4.fsec', '-i', 'xp.key', '-i', 'y.key', '-o', 'tty4.out'], [['Passphrase for xp.key', `${PASS}\r`]])
      assert.equal(r.status, 0, r.output)
      notEchoed(r.output, PASS)
      assert.deepEqual(readFileSync(p('tty4.out')), data)
    })

    it('Ctrl-C at a prompt exits 130 and writes nothing', () => {
      input('tty3.bin', 10)
      const r = pty(['encrypt', '--keep', 'tty3.bin', '-p'], [['Enter passphrase', 'abc\x03']])
      assert.equal(r.status, EXIT.INTERRUPTED, r.output)
      assert.ok(!existsSync(p('tty3.bin.fsec')))
      assert.deepEqual(readdirSync(dir()).filter((n) => n.startsWith('tty3') && n !== 'tty3.bin'), [])
    })
  })
})

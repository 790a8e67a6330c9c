// The CLI with age files, run for real (`node dist/cli.js …`): `filesec encrypt --codec age
// [--armor]` to age1… / ssh-ed25519 recipients (text, files, -R lists), filesec's own key files
// or a passphrase, decrypt and
// inspect of age files (binary and armored) through the codec dispatcher, and interop with the
// age CLI both ways; usage errors for options that do not apply to age.
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { generateKeyPair, writePrivateKey } from '../lib'
import { EXIT } from '../lib/cli/exit'
import { randomFile, scratchDir } from './helpers'
import { cliIn, expectStatus, json, jsonError } from './cli/helpers'
import { ensureBuilt } from './cli/run'

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
}

function run(cmd: string, args: string[]): Buffer {
  const r = spawnSync(cmd, args, { maxBuffer: 64 * 1024 * 1024 })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}: ${r.stderr}`)
  return r.stdout
}

const toolsMissing = ['age', 'age-keygen', 'ssh-keygen'].filter((t) => !have(t))

;(toolsMissing.length ? describe.skip : describe)(
  `filesec CLI with age files${toolsMissing.length ? ` (SKIPPED: ${toolsMissing.join(', ')} not found)` : ''}`,
  function () {
    this.timeout(60_000)
    const dir = scratchDir('filesec-cli-age-')
    const cli = cliIn(dir)
    const p = (name: string): string => join(dir(), name)
    let x25519 = '' // age1… of p('x.key')
    let ed = '' // the ssh-ed25519 line of p('ed.pub')

    before(() => {
      ensureBuilt()
      run('age-keygen', ['-o', p('x.key')])
      x25519 = run('age-keygen', ['-y', p('x.key')]).toString().trim()
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ada@example', '-f', p('ed')])
      ed = readFileSync(p('ed.pub'), 'utf8').trim()
      writeFileSync(p('pass.txt'), 'correct horse\n')
    })

    it('encrypt --codec age -r age1…: the age CLI decrypts it; --json says codec age, not armored', async () => {
      const data = randomFile(p('a.bin'), 200_000)
      const e = json(await cli(['encrypt', 'a.bin', '--codec', 'age', '-r', x25519, '--keep', '--json']))
      assert.equal(e.codec, 'age')
      assert.equal(e.armored, false)
      assert.equal(e.output, p('a.bin.age'))
      assert.deepEqual(e.recipients, [{ type: 'x25519' }])
      assert.equal(readFileSync(p('a.bin.age')).subarray(0, 22).toString(), 'age-encryption.org/v1\n')
      assert.ok(run('age', ['-d', '-i', p('x.key'), p('a.bin.age')]).equals(data))
    })

    it('encrypt --codec age --armor (and -a): ASCII-armored FILE.age that age -d decrypts; plaintext destroyed after verification', async () => {
      const data = randomFile(p('b.bin'), 300_000)
      const r = await cli(['encrypt', 'b.bin', '--codec', 'age', '--armor', '-r', x25519])
      expectStatus(r, 0)
      assert.match(r.stdout, /Encrypted b\.bin -> b\.bin\.age/)
      assert.match(r.stdout, /format: age, ASCII-armored/)
      assert.match(r.stdout, /plaintext destroyed/)
      assert.equal(existsSync(p('b.bin')), false)
      const text = readFileSync(p('b.bin.age'), 'latin1')
      assert.ok(text.startsWith('-----BEGIN AGE ENCRYPTED FILE-----\n'))
      assert.ok(text.endsWith('\n-----END AGE ENCRYPTED FILE-----\n'))
      assert.ok(run('age', ['-d', '-i', p('x.key'), p('b.bin.age')]).equals(data))

      const data2 = randomFile(p('b2.bin'), 1000)
      const e = json(await cli(['encrypt', 'b2.bin', '--codec=age', '-ak', '-r', x25519, '-o', 'b2.pem', '--json']))
      assert.equal(e.armored, true)
      assert.ok(run('age', ['-d', '-i', p('x.key'), p('b2.pem')]).equals(data2))
    })

    it('ssh-ed25519 recipients as key text, as a key file and in a -R list: the age CLI decrypts with the SSH key', async () => {
      const data = randomFile(p('s.bin'), 70_000)
      expectStatus(await cli(['encrypt', 's.bin', '--codec', 'age', '-r', ed, '-k', '-o', 's1.age']), 0)
      expectStatus(await cli(['encrypt', 's.bin', '--codec', 'age', '-r', 'ed.pub', '-a', '-k', '-o', 's2.age']), 0)
      writeFileSync(p('list.txt'), `# the team\n${x25519}\n\n${ed}\n`)
      expectStatus(await cli(['encrypt', 's.bin', '--codec', 'age', '-R', 'list.txt', '-k', '-o', 's3.age']), 0)
      for (const f of ['s1.age', 's2.age', 's3.age']) {
        assert.ok(run('age', ['-d', '-i', p('ed'), p(f)]).equals(data), f)
      }
      assert.ok(run('age', ['-d', '-i', p('x.key'), p('s3.age')]).equals(data), 's3.age with the X25519 key')
      const i = json(await cli(['inspect', 's3.age', '--json']))
      assert.deepEqual(i.recipients.map((r: { type: string }) => r.type), ['x25519', 'ssh-ed25519'])
      assert.match(i.recipients[1].sshKeyTag, /^[A-Za-z0-9+/]{6}$/)
    })

    it("filesec's key files as age recipients: an RSA PEM public key (ssh-rsa stanza, age -d with the PEM private key) and an X25519 key file", async () => {
      expectStatus(await cli(['keygen', '-t', 'rsa', '-b', '2048', '-o', 'rsa.key', '--no-passphrase']), 0)
      expectStatus(await cli(['keygen', '-o', 'fx.key', '--no-passphrase']), 0)
      const data = randomFile(p('k2.bin'), 90_000)
      const e = json(await cli(['encrypt', 'k2.bin', '--codec', 'age', '-r', 'rsa.key.pub', '-r', 'fx.key.pub', '-k', '--json']))
      assert.deepEqual(e.recipients.map((r: { type: string }) => r.type), ['ssh-rsa', 'x25519'])
      assert.ok(run('age', ['-d', '-i', p('rsa.key'), p('k2.bin.age')]).equals(data))
      assert.ok(run('age', ['-d', '-i', p('fx.key'), p('k2.bin.age')]).equals(data))
      expectStatus(await cli(['decrypt', 'k2.bin.age', '-i', 'rsa.key', '-o', 'k2.out']), 0)
      assert.ok(readFileSync(p('k2.out')).equals(data))
    })

    it('decrypt of files the age CLI wrote (binary and armored, X25519 and ssh-ed25519): default name FILE without .age', async () => {
      const data = randomFile(p('c.bin'), 150_000)
      run('age', ['-e', '-r', x25519, '-o', p('c1.bin.age'), p('c.bin')])
      run('age', ['-e', '-a', '-R', p('ed.pub'), '-o', p('c2.bin.age'), p('c.bin')])
      const d = json(await cli(['decrypt', 'c1.bin.age', '-i', 'x.key', '--json']))
      assert.equal(d.output, p('c1.bin'))
      assert.equal(d.plaintextBytes, 150_000)
      assert.ok(readFileSync(p('c1.bin')).equals(data))
      const r = await cli(['decrypt', 'c2.bin.age', '-i', 'ed'])
      expectStatus(r, 0)
      assert.match(r.stdout, /Decrypted c2\.bin\.age -> c2\.bin/)
      assert.ok(readFileSync(p('c2.bin')).equals(data))
      // The wrong key: exit 6, nothing written.
      const wrong = await cli(['decrypt', 'c1.bin.age', '-i', 'ed', '-o', 'never', '--json'])
      expectStatus(wrong, EXIT.CANNOT_OPEN)
      assert.equal(jsonError(wrong).code, 'FSEC_NO_MATCHING_RECIPIENT')
      assert.equal(existsSync(p('never')), false)
    })

    it('inspect of age files: codec, armored or not, recipient types; with -i the plaintext size', async () => {
      randomFile(p('i.bin'), 100_000)
      run('age', ['-e', '-a', '-r', x25519, '-R', p('ed.pub'), '-o', p('i.age'), p('i.bin')])
      run('age', ['-e', '-r', x25519, '-o', p('i2.age'), p('i.bin')])
      const text = await cli(['inspect', 'i.age'])
      expectStatus(text, 0)
      assert.match(text.stdout, /^i\.age: age v1, ASCII-armored, /)
      assert.match(text.stdout, /payload: ChaCha20-Poly1305 STREAM/)
      assert.match(text.stdout, /encrypted to 2 recipients:\n {4}X25519\n {4}ssh-ed25519 \(key tag [A-Za-z0-9+/]{6}\)\n/)
      assert.doesNotMatch(text.stdout, /file id|filesec format/)
      const withKey = await cli(['inspect', 'i.age', '-i', 'x.key'])
      expectStatus(withKey, 0)
      assert.match(withKey.stdout, /plaintext size: 97\.7 KiB/)
      const j = json(await cli(['inspect', 'i.age', '--json']))
      assert.equal(j.codec, 'age')
      assert.equal(j.armored, true)
      assert.equal(j.passphrase, false)
      assert.equal(j.fileSize, readFileSync(p('i.age')).length)
      assert.deepEqual(j.recipients.map((r: { type: string }) => r.type), ['x25519', 'ssh-ed25519'])
      const j2 = json(await cli(['inspect', 'i2.age', '--json', '-i', 'x.key']))
      assert.equal(j2.armored, false)
      assert.deepEqual(j2.metadata, { v: 1, padding: 0, size: 100_000 })
      assert.match((await cli(['inspect', 'i2.age'])).stdout, /^i2\.age: age v1, \d/)
    })

    it('passphrase: encrypt --codec age -a --passphrase-file, then decrypt and inspect with it', async () => {
      const data = randomFile(p('pw.bin'), 80_000)
      const e = json(await cli(['encrypt', 'pw.bin', '--codec', 'age', '-a', '--passphrase-file', 'pass.txt', '--work-factor', '10', '-k', '--json']))
      assert.deepEqual(e.recipients, [{ type: 'scrypt', workFactor: 10 }])
      assert.equal(json(await cli(['inspect', 'pw.bin.age', '--json'])).passphrase, true)
      expectStatus(await cli(['decrypt', 'pw.bin.age', '--passphrase-file', 'pass.txt', '-o', 'pw.out']), 0)
      assert.ok(readFileSync(p('pw.out')).equals(data))
    })

    it("a filesec passphrase-protected identity opens age files with --passphrase-file", async () => {
      const pair = await generateKeyPair('x25519')
      await writePrivateKey(pair.privateKey, p('prot.key'), { passphrase: { file: p('pass.txt') } })
      const data = randomFile(p('k.bin'), 10_000)
      run('age', ['-e', '-a', '-r', pair.publicKey.publicText, '-o', p('k.bin.age'), p('k.bin')])
      expectStatus(await cli(['decrypt', 'k.bin.age', '-i', 'prot.key', '--passphrase-file', 'pass.txt', '-o', 'k.out']), 0)
      assert.ok(readFileSync(p('k.out')).equals(data))
    })

    it('damaged armor: exit 7 with the age armor message, nothing written', async () => {
      randomFile(p('d.bin'), 200_000)
      run('age', ['-e', '-a', '-r', x25519, '-o', p('d.age'), p('d.bin')])
      const good = readFileSync(p('d.age'))
      const bad = Buffer.from(good)
      bad[bad.indexOf(10, good.length >> 1) + 5] = 0x2e // '.' in a line in the middle
      writeFileSync(p('d.age'), bad)
      const before = readdirSync(dir()).sort()
      const r = await cli(['decrypt', 'd.age', '-i', 'x.key', '-o', 'd.out', '--json'])
      expectStatus(r, EXIT.DAMAGED)
      assert.deepEqual(jsonError(r), { code: 'FSEC_HEADER_INVALID', message: 'age armor: invalid or non-canonical base64' })
      assert.deepEqual(readdirSync(dir()).sort(), before)
    })

    it('usage errors (exit 2, nothing written): --armor without --codec age, an unknown codec, --note or --pad with age', async () => {
      randomFile(p('u.bin'), 100)
      const before = readdirSync(dir()).sort()
      const cases: [string[], RegExp][] = [
        [['--armor'], /--armor .*needs --codec age/],
        [['-a', '--codec', 'fsec'], /--armor .*needs --codec age/],
        [['--codec', 'gpg'], /--codec must be one of: fsec, age/],
        [['--codec', 'age', '--note', 'hi'], /--note is not available with --codec age/],
        [['--codec', 'age', '--pad', 'padme'], /--pad is not available with --codec age/],
      ]
      for (const [args, message] of cases) {
        const r = await cli(['encrypt', 'u.bin', '-r', x25519, '-k', ...args, '--json'])
        expectStatus(r, EXIT.USAGE)
        const err = jsonError(r)
        assert.equal(err.code, 'FSEC_USAGE')
        assert.match(err.message, message)
      }
      assert.deepEqual(readdirSync(dir()).sort(), before)
    })
  },
)

// `filesec rotate`, run for real: `node dist/cli.js rotate …` as a child process.
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { encryptFile, generateKeyPair, inspect, type KeyPair, loadKey, rotateFile } from '../lib'
import { EXIT } from '../lib/cli/exit'
import { rotationJournalPath } from '../lib/paths'
import native = require('../binding')
import { layoutOf } from './fsec-layout'
import { scratchDir } from './helpers'
import { cliIn, expectStatus, json, skippedWithoutPty } from './cli/helpers'
import { ensureBuilt, runCliOnPty } from './cli/run'

const PASS = 'correct horse battery staple'

describe('filesec rotate (CLI)', function () {
  this.timeout(60_000)
  const dir = scratchDir('filesec-cli-rotate-')
  const p = (name: string): string => join(dir(), name)
  const cli = cliIn(dir)
  let x: KeyPair
  let y: KeyPair
  let rsa: KeyPair
  let n = 0

  before(async () => {
    ensureBuilt()
    writeFileSync(p('pass.txt'), `${PASS}\n`)
    writeFileSync(p('new-pass.txt'), 'a new passphrase\n')
    ;[x, y] = await Promise.all([
      generateKeyPair('x25519', { privateKeyPath: p('x.key'), publicKeyPath: p('x.key.pub'), unprotected: true }),
      generateKeyPair('x25519', { privateKeyPath: p('y.key'), publicKeyPath: p('y.key.pub'), unprotected: true }),
    ])
    rsa = await generateKeyPair('rsa', { bits: 2048, privateKeyPath: p('rsa.key'), publicKeyPath: p('rsa.key.pub'), passphrase: PASS })
  })

  /** A fresh file encrypted to `to`; returns its name (relative to the scratch folder). */
  async function encrypted(to: KeyPair[] | { passphrase: string }, size = 20_000): Promise<{ name: string; data: Buffer }> {
    const name = `f${n++}.bin`
    const data = randomBytes(size)
    writeFileSync(p(name), data)
    await encryptFile(p(name), Array.isArray(to) ? { to: to.map((k) => k.publicKey) } : { passphrase: to.passphrase, workFactor: 10 })
    return { name: `${name}.fsec`, data }
  }

  async function decryptsWith(name: string, args: string[], data: Buffer): Promise<void> {
    const out = `${name}.out${n++}`
    expectStatus(await cli(['decrypt', name, ...args, '-o', out]), 0)
    assert.deepEqual(readFileSync(p(out)), data)
  }

  const leftovers = (): string[] => readdirSync(dir()).filter((f) => f.endsWith('.fsec-tmp') || f.endsWith('.fsec-rotate'))

  it('rotate --help and help rotate; the main help lists rotate', async () => {
    const a = await cli(['rotate', '--help'])
    expectStatus(a, 0)
    assert.match(a.stdout, /^Usage: filesec rotate/)
    assert.match(a.stdout, /--recover/)
    assert.match(a.stdout, /Exit status:/)
    const b = await cli(['help', 'rotate'])
    assert.equal(b.stdout, a.stdout)
    const main = await cli(['--help'])
    assert.match(main.stdout, /filesec rotate/)
    for (const line of a.stdout.split('\n')) assert.ok(line.length <= 80, `help line too long: ${line}`)
  })

  it('§7.54/§7.88 adapted: rotate --json reports the command, the commit and the recipients; the file is in place and opens with the new key only', async () => {
    const { name, data } = await encrypted([x])
    const r = await cli(['rotate', name, '-i', 'x.key', '-r', 'y.key.pub', '--json'])
    expectStatus(r, 0)
    const j = json(r)
    assert.deepEqual(Object.keys(j).sort(), [
      'bytesWritten', 'command', 'commit', 'fileBytes', 'from', 'headerSize', 'path', 'recipients', 'rekeyed', 'to',
    ])
    assert.equal(j.command, 'rotate')
    assert.equal(j.commit, 'in-place')
    assert.equal(j.rekeyed, false)
    assert.equal(j.path, p(name))
    assert.deepEqual(j.from, [x.publicKey.fingerprint])
    assert.deepEqual(j.to, [y.publicKey.fingerprint])
    assert.ok(existsSync(p(name)))
    await decryptsWith(name, ['-i', 'y.key'], data)
    expectStatus(await cli(['decrypt', name, '-i', 'x.key', '-o', 'never.out']), EXIT.CANNOT_OPEN)
    assert.deepEqual(leftovers(), [])
  })

  it('--add and --remove (key text, key file, fingerprint); human output lists recipients and warns that removal is not revocation', async () => {
    const { name, data } = await encrypted([x])
    const a = await cli(['rotate', name, '-i', 'x.key', '--add', y.publicKey.publicText, '--add', 'rsa.key.pub'])
    expectStatus(a, 0)
    assert.match(a.stdout, new RegExp(`^Rotated ${name.replace('.', '\\.')} \\(header only, `))
    assert.match(a.stdout, /recipient: RSA-2048 [0-9a-f]{64}/)
    assert.equal((a.stdout.match(/recipient: /g) ?? []).length, 3)
    assert.doesNotMatch(a.stdout, /note:/)
    const b = await cli(['rotate', name, '-i', 'y.key', '--remove', x.publicKey.fingerprint, '--remove', 'rsa.key.pub'])
    expectStatus(b, 0)
    assert.match(b.stdout, /note: a removed recipient who kept the file key/)
    assert.match(b.stdout, /--rekey/)
    assert.deepEqual((await inspect(p(name))).recipients.map((r) => r.fingerprint), [y.publicKey.fingerprint])
    await decryptsWith(name, ['-i', 'y.key'], data)
  })

  it('a protected identity with --passphrase-file; to a new passphrase (--new-passphrase-file) and back (--passphrase-env, --to)', async () => {
    const { name, data } = await encrypted([rsa])
    expectStatus(await cli(['rotate', name, '-i', 'rsa.key', '--passphrase-file', 'pass.txt', '--new-passphrase-file', 'new-pass.txt', '--work-factor', '10']), 0)
    assert.deepEqual((await inspect(p(name))).recipients, [{ type: 'scrypt', workFactor: 10 }])
    await decryptsWith(name, ['--passphrase-file', 'new-pass.txt'], data)
    const back = await cli(['rotate', name, '--passphrase-env', 'OLD', '--to', x.publicKey.publicText, '--json'], { OLD: 'a new passphrase' })
    expectStatus(back, 0)
    assert.equal(json(back).commit, 'copy')
    await decryptsWith(name, ['-i', 'x.key'], data)
  })

  it('--rekey (with --pad none, --pad 4096): the payload is re-encrypted, reported as a rewrite', async () => {
    const { name, data } = await encrypted([x], 100_000)
    const before = readFileSync(p(name))
    const r = await cli(['rotate', name, '-i', 'x.key', '-R', 'y.key.pub', '--rekey', '--pad', 'none', '--json'])
    expectStatus(r, 0)
    const j = json(r)
    assert.equal(j.commit, 'rewrite')
    assert.equal(j.rekeyed, true)
    const after = readFileSync(p(name))
    assert.ok(!after.subarray(layoutOf(after).headerSize).equals(before.subarray(layoutOf(before).headerSize)))
    await decryptsWith(name, ['-i', 'y.key'], data)
    const human = await cli(['rotate', name, '-i', 'y.key', '-r', 'x.key.pub', '--rekey', '--pad', '4096'])
    expectStatus(human, 0)
    assert.match(human.stdout, /rekeyed: payload re-encrypted/)
    const d = json(await cli(['decrypt', name, '-i', 'x.key', '-o', `${name}.padded.out`, '--json']))
    assert.equal(d.metadata.size, 102_400)
    assert.deepEqual(readFileSync(p(`${name}.padded.out`)), data)
  })

  it('usage errors (exit 2) leave the file as it was, and never echo a passphrase', async () => {
    const { name } = await encrypted([x])
    const before = readFileSync(p(name))
    const runs = await Promise.all(
      [
        ['rotate', name, '-i', 'x.key'], // no change
        ['rotate', name, '-i', 'x.key', '-r', 'y.key.pub', '--add', 'rsa.key.pub'],
        ['rotate', name, '-i', 'x.key', '-r', 'y.key.pub', '-p'],
        ['rotate', name, '-i', 'x.key', '-r', 'y.key.pub', '--pad', 'padme'],
        ['rotate', name, '-i', 'x.key', '--add', 'y.key.pub', '--rekey'],
        ['rotate', name, '-i', 'x.key', '-r', 'y.key.pub', '--rekey', '--pad', 'lots'],
        ['rotate', name, '-i', 'x.key', '-r', 'y.key.pub', '--work-factor', '12'],
        ['rotate', name, '--recover', '-i', 'x.key'],
        ['rotate', name, '-i', 'x.key', '--new-passphrase', 'hunter2-secret'],
        ['rotate', name, '-i', 'x.key', '--new-passphrase-file', 'pass.txt', '--new-passphrase-env', 'X'],
        ['rotate', name, '-i', 'x.key', '-p'], // no terminal to ask on
        ['rotate', name, '-i', 'x.key', '--remove', 'y.key.pub'], // not a recipient (an ArgumentError)
        ['rotate', name, '-i', 'x.key', '--remove', 'x.key.pub'], // nobody left
        ['rotate', '-i', 'x.key', '-r', 'y.key.pub'], // no FILE
      ].map((args) => cli(args)),
    )
    runs.forEach((r, i) => {
      expectStatus(r, EXIT.USAGE)
      assert.doesNotMatch(r.stderr + r.stdout, /hunter2/, `run ${i}`)
    })
    assert.match(runs[10]!.stderr, /no terminal/)
    assert.match(runs[12]!.stderr, /nobody/)
    assert.ok(readFileSync(p(name)).equals(before))
    assert.deepEqual(leftovers(), [])
  })

  it('a wrong identity is exit 6, a public key as identity exit 5, §7.21 an unencrypted file exit 7; nothing changes', async () => {
    const { name } = await encrypted([x])
    const before = readFileSync(p(name))
    writeFileSync(p('plain.txt'), 'plain\n')
    const [wrong, pub, plain] = await Promise.all([
      cli(['rotate', name, '-i', 'y.key', '-r', 'y.key.pub']),
      cli(['rotate', name, '-i', 'x.key.pub', '-r', 'y.key.pub']),
      cli(['rotate', 'plain.txt', '-i', 'x.key', '-r', 'y.key.pub', '--json']),
    ])
    expectStatus(wrong, EXIT.CANNOT_OPEN)
    expectStatus(pub, EXIT.KEY)
    expectStatus(plain, EXIT.DAMAGED)
    assert.equal(JSON.parse(plain.stderr).error.code, 'FSEC_NOT_ENCRYPTED')
    assert.ok(readFileSync(p(name)).equals(before))
    assert.equal(readFileSync(p('plain.txt'), 'utf8'), 'plain\n')
  })

  it('an interrupted rotation: decrypt and inspect exit 7 naming the recover command; rotate --recover completes it', async () => {
    const { name, data } = await encrypted([x])
    const original = readFileSync(p(name))
    copyFileSync(p(name), p(`${name}.twin`))
    await rotateFile(p(`${name}.twin`), { identity: x.privateKey, to: y.publicKey })
    const rotated = readFileSync(p(`${name}.twin`))
    const size = layoutOf(original).headerSize
    await native.rotation.writeJournal(rotationJournalPath(p(name)), original.subarray(0, size), rotated.subarray(0, size), false)

    const [d, i] = await Promise.all([cli(['decrypt', name, '-i', 'y.key', '-o', 'never.out']), cli(['inspect', name, '--json'])])
    for (const r of [d, i]) expectStatus(r, EXIT.DAMAGED)
    assert.match(d.stderr, /interrupted/)
    assert.ok(d.stderr.includes(`filesec rotate --recover ${p(name)}`))
    assert.equal(JSON.parse(i.stderr).error.code, 'FSEC_ROTATION_INTERRUPTED')

    const r = await cli(['rotate', name, '--recover', '--json'])
    expectStatus(r, 0)
    assert.deepEqual(json(r), { command: 'rotate', path: p(name), journal: rotationJournalPath(p(name)), recovered: true })
    assert.ok(readFileSync(p(name)).equals(rotated))
    await decryptsWith(name, ['-i', 'y.key'], data)
    const again = await cli(['rotate', name, '--recover'])
    expectStatus(again, 0)
    assert.match(again.stdout, /Nothing to recover/)
    assert.deepEqual(leftovers(), [])
  })

  it('a damaged journal is reported (exit 7) and not applied', async () => {
    const { name } = await encrypted([x])
    writeFileSync(rotationJournalPath(p(name)), 'filesec-rotate but not really')
    const before = readFileSync(p(name))
    const r = await cli(['rotate', name, '--recover', '--json'])
    expectStatus(r, EXIT.DAMAGED)
    assert.equal(JSON.parse(r.stderr).error.code, 'FSEC_ROTATION_JOURNAL_INVALID')
    assert.ok(readFileSync(p(name)).equals(before))
    assert.ok(existsSync(rotationJournalPath(p(name))))
  })

  describe('on a terminal', () => {
    if (skippedWithoutPty('no pseudo-terminal for the prompt tests')) return
    const pty = (args: string[], steps: [string, string][]) => runCliOnPty(args, { cwd: dir(), steps })

    it('asks for the old passphrase, then a new one twice, without echo', async () => {
      const { name, data } = await encrypted({ passphrase: 'old-typed-pass' })
      const r = pty(['rotate', name, '-p', '--work-factor', '10'], [
        ['Passphrase:', 'old-typed-pass\r'],
        ['Enter new passphrase', 'new-typed-pass\r'],
        ['Confirm new passphrase', 'new-typed-pass\r'],
      ])
      assert.equal(r.status, 0, r.output)
      assert.equal(r.pending, 0)
      assert.ok(!r.output.includes('typed-pass'), 'a passphrase was echoed')
      writeFileSync(p('typed.txt'), 'new-typed-pass')
      await decryptsWith(name, ['--passphrase-file', 'typed.txt'], data)
    })

    it('asks for a protected identity passphrase; --rekey draws a progress bar', async () => {
      const { name, data } = await encrypted([rsa], 3 << 20)
      const r = pty(['rotate', name, '-i', 'rsa.key', '-r', 'x.key.pub', '--rekey'], [[`Passphrase for rsa.key`, `${PASS}\r`]])
      assert.equal(r.status, 0, r.output)
      assert.match(r.output, /Rekeying \[.*100%.*MiB\/s/)
      assert.match(r.output, /rekeyed/)
      await decryptsWith(name, ['-i', 'x.key'], data)
      assert.equal((await loadKey(p('x.key.pub'))).fingerprint, (await inspect(p(name))).recipients[0]!.fingerprint)
    })
  })
})

// Conservative defaults: encrypt destroys the plaintext only after the ciphertext is verified;
// decrypt refuses to write plaintext where it would be copied away (cloud sync, working copies).
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  AbortError,
  ArgumentError,
  decryptFile,
  encryptFile,
  generateKeyPair,
  type Key,
  type Progress,
  SecFile,
  UnsafeLocationError,
} from '../lib'
import { cliIn, expectStatus, json, jsonError, keygenX25519 } from './cli/helpers'
import { ensureBuilt } from './cli/run'
import { leftoverTempFiles, rejectsWith, scratchDir } from './helpers'

describe('safe defaults', function () {
  this.timeout(60_000)
  const dir = scratchDir('filesec-safe-')
  const p = (name: string): string => join(dir(), name)
  let publicKey: Key
  let privateKey: Key

  before(async () => {
    ;({ publicKey, privateKey } = await generateKeyPair('x25519'))
  })

  describe('encrypt destroys the plaintext after verifying the ciphertext', () => {
    it('§7.131 by default: the plaintext is gone, the .fsec is 0600 and decrypts to the original', async () => {
      const data = randomBytes(200_000)
      writeFileSync(p('gone.bin'), data, { mode: 0o664 })
      const r = await encryptFile(p('gone.bin'), { to: publicKey })
      assert.equal(r.plaintext, 'destroyed')
      assert.equal(r.destroyReport?.disposition, 'destroyed')
      assert.equal(r.destroyReport?.passes.length, 3)
      assert.equal(existsSync(p('gone.bin')), false)
      assert.equal(statSync(r.output).mode & 0o777, 0o600)
      const d = await decryptFile(r.output, { identity: privateKey })
      assert.deepEqual(readFileSync(d.output), data)
      assert.equal(statSync(d.output).mode & 0o777, 0o600)
    })

    it('§7.78 keep: true leaves the plaintext in place', async () => {
      writeFileSync(p('kept.txt'), 'keep me')
      const r = await encryptFile(p('kept.txt'), { to: publicKey, keep: true })
      assert.equal(r.plaintext, 'kept')
      assert.equal(r.destroyReport, undefined)
      assert.equal(readFileSync(p('kept.txt'), 'utf8'), 'keep me')
    })

    it('the steps run in order (encrypt, verify reading the whole file, destroy) on one progress scale', async () => {
      const data = randomBytes(3 * 1024 * 1024 + 5)
      writeFileSync(p('phases.bin'), data)
      const seen: Progress[] = []
      const r = await encryptFile(p('phases.bin'), { to: publicKey, destroyPasses: 2, onProgress: (q) => seen.push(q) })
      const phases = seen.map((q) => q.phase).filter((x, i, a) => i === 0 || a[i - 1] !== x)
      assert.deepEqual(phases, ['encrypt', 'verify', 'destroy'])
      const total = data.length * (1 + 1 + 2)
      for (const q of seen) assert.equal(q.total, total)
      const lastOf = (ph: string): number => Math.max(...seen.filter((q) => q.phase === ph).map((q) => q.done))
      assert.equal(lastOf('encrypt'), data.length)
      assert.equal(lastOf('verify'), 2 * data.length)
      assert.equal(lastOf('destroy'), total)
      assert.equal(r.destroyReport?.passes.length, 2)
    })

    it('cancelled before the plaintext is destroyed: the plaintext stays, no output or temporary file', async () => {
      const data = randomBytes(1024 * 1024)
      writeFileSync(p('cancel.bin'), data)
      const controller = new AbortController()
      const onProgress = (q: Progress): void => {
        // The last report of the encryption step: cancel before verification and destroy start.
        if (q.phase === 'encrypt' && q.done === data.length) controller.abort()
      }
      await rejectsWith(
        encryptFile(p('cancel.bin'), { to: publicKey, signal: controller.signal, onProgress }),
        AbortError,
        'FSEC_ABORTED',
      )
      assert.deepEqual(readFileSync(p('cancel.bin')), data)
      assert.equal(existsSync(p('cancel.bin.fsec')), false)
      assert.deepEqual(leftoverTempFiles(dir()), [])
    })

    it('a symbolic link input is refused up front unless keep: true (its target is not destroyed)', async () => {
      writeFileSync(p('target.txt'), 'target')
      symlinkSync(p('target.txt'), p('link.txt'))
      const e = await rejectsWith(encryptFile(p('link.txt'), { to: publicKey }), ArgumentError, 'FSEC_INVALID_ARGUMENT')
      assert.match(e.message, /symbolic link/)
      assert.equal(existsSync(p('link.txt.fsec')), false)
      assert.equal(readFileSync(p('target.txt'), 'utf8'), 'target')
      const r = await encryptFile(p('link.txt'), { to: publicKey, keep: true })
      assert.equal(r.plaintext, 'kept')
    })

    it('other hard links: a warning says what happens to the other names', async () => {
      writeFileSync(p('linked.txt'), 'shared data')
      linkSync(p('linked.txt'), p('linked-2.txt'))
      const kept = await encryptFile(p('linked.txt'), { to: publicKey, keep: true, output: p('linked-k.fsec') })
      assert.ok(kept.warnings.some((w) => /1 other hard link: the plaintext stays readable/.test(w)), kept.warnings.join('\n'))
      const gone = await encryptFile(p('linked.txt'), { to: publicKey })
      assert.ok(gone.warnings.some((w) => /1 other hard link: the data was overwritten/.test(w)), gone.warnings.join('\n'))
      assert.equal(existsSync(p('linked.txt')), false)
      assert.notEqual(readFileSync(p('linked-2.txt'), 'utf8'), 'shared data')
    })

    it('bad combinations are ArgumentErrors and change nothing', async () => {
      writeFileSync(p('args.txt'), 'args')
      for (const options of [
        { to: publicKey, keep: 'yes' },
        { to: publicKey, keep: true, destroyPasses: 2 },
        { to: publicKey, destroyPasses: 0 },
        { to: publicKey, durable: false },
      ]) {
        await rejectsWith(encryptFile(p('args.txt'), options as never), ArgumentError, 'FSEC_INVALID_ARGUMENT')
      }
      assert.equal(readFileSync(p('args.txt'), 'utf8'), 'args')
      assert.equal(existsSync(p('args.txt.fsec')), false)
    })

    it('SecFile.encrypt follows the default too: its path moves to the .fsec and the plaintext is gone', async () => {
      writeFileSync(p('secfile.txt'), 'secfile')
      const f = new SecFile(p('secfile.txt'))
      await f.encrypt({ to: publicKey })
      assert.equal(f.path, p('secfile.txt.fsec'))
      assert.equal(existsSync(p('secfile.txt')), false)
    })
  })

  describe('decrypt refuses outputs where plaintext would be copied away', () => {
    let home = ''
    let savedHome: string | undefined

    before(() => {
      home = p('home')
      mkdirSync(join(home, '.dropbox'), { recursive: true })
      mkdirSync(join(home, 'Dropbox'), { recursive: true })
      writeFileSync(join(home, '.dropbox', 'info.json'), JSON.stringify({ personal: { path: join(home, 'Dropbox') } }))
      savedHome = process.env.HOME
      process.env.HOME = home
    })
    after(() => {
      if (savedHome === undefined) delete process.env.HOME
      else process.env.HOME = savedHome
    })

    it('§7.135 a Dropbox folder: encrypt is allowed, decrypt is refused unless allowUnsafeOutput', async () => {
      const inBox = join(home, 'Dropbox', 'study.csv')
      writeFileSync(inBox, 'id,value\n1,2\n')
      const enc = await encryptFile(inBox, { to: publicKey })
      const e = await rejectsWith(decryptFile(enc.output, { identity: privateKey }), UnsafeLocationError, 'FSEC_UNSAFE_LOCATION')
      assert.match(e.message, /Dropbox folder/)
      assert.equal(existsSync(inBox), false)
      assert.deepEqual(leftoverTempFiles(join(home, 'Dropbox')), [])
      const d = await decryptFile(enc.output, { identity: privateKey, allowUnsafeOutput: true })
      assert.equal(readFileSync(d.output, 'utf8'), 'id,value\n1,2\n')
      // Decrypting elsewhere is fine.
      await encryptFile(inBox, { to: publicKey, output: p('from-box.fsec'), overwrite: true })
      const out = await decryptFile(p('from-box.fsec'), { identity: privateKey, output: p('from-box.csv') })
      assert.equal(readFileSync(out.output, 'utf8'), 'id,value\n1,2\n')
    })

    it('§7.20 a version-control working copy is refused too (git, or an .svn folder), unless git ignores the output', async function () {
      const svn = p('svn-wc')
      mkdirSync(join(svn, '.svn'), { recursive: true })
      writeFileSync(p('wc.txt'), 'working copy')
      await encryptFile(p('wc.txt'), { to: publicKey, output: join(svn, 'wc.txt.fsec') })
      const e = await rejectsWith(
        decryptFile(join(svn, 'wc.txt.fsec'), { identity: privateKey }),
        UnsafeLocationError,
        'FSEC_UNSAFE_LOCATION',
      )
      assert.match(e.message, /svn working copy/)
      const ok = await decryptFile(join(svn, 'wc.txt.fsec'), { identity: privateKey, allowUnsafeOutput: true })
      assert.equal(readFileSync(ok.output, 'utf8'), 'working copy')
      if (spawnSync('git', ['--version']).status !== 0) return
      const repo = p('git-wc')
      mkdirSync(repo)
      assert.equal(spawnSync('git', ['init', '-q', repo]).status, 0)
      writeFileSync(p('g.txt'), 'git working copy')
      await encryptFile(p('g.txt'), { to: publicKey, output: join(repo, 'g.txt.fsec') })
      await rejectsWith(decryptFile(join(repo, 'g.txt.fsec'), { identity: privateKey }), UnsafeLocationError, 'FSEC_UNSAFE_LOCATION')
      // A git-ignored folder of the working copy is fine: `git add` leaves it out.
      writeFileSync(join(repo, '.gitignore'), '/private/\n')
      mkdirSync(join(repo, 'private'))
      const ignored = await decryptFile(join(repo, 'g.txt.fsec'), { identity: privateKey, output: join(repo, 'private', 'g.txt') })
      assert.equal(readFileSync(ignored.output, 'utf8'), 'git working copy')
      await rejectsWith(
        decryptFile(join(repo, 'g.txt.fsec'), { identity: privateKey, allowUnsafeOutput: 1 as never }),
        ArgumentError,
        'FSEC_INVALID_ARGUMENT',
      )
    })
  })

  describe('the command line', () => {
    it('filesec encrypt destroys the plaintext unless --keep; decrypt refuses a synced folder unless --allow-unsafe-output', async () => {
      ensureBuilt()
      const run = cliIn(dir)
      const recipient = await keygenX25519(run, 'cli.key')
      writeFileSync(p('cli-plain.txt'), 'cli plaintext')
      const enc = await run(['encrypt', 'cli-plain.txt', '-r', recipient, '--passes', '1', '--json'])
      expectStatus(enc, 0)
      const result = json(enc)
      assert.equal(result.plaintext, 'destroyed')
      assert.equal(result.destroyReport.passes.length, 1)
      assert.equal(existsSync(p('cli-plain.txt')), false)
      writeFileSync(p('cli-kept.txt'), 'kept')
      const kept = await run(['encrypt', 'cli-kept.txt', '-r', recipient])
      expectStatus(kept, 0)
      assert.match(kept.stdout, /plaintext destroyed: 3 passes/)
      const keep = await run(['encrypt', 'cli-kept.txt.fsec', '-r', recipient, '--keep'])
      expectStatus(keep, 0)
      assert.match(keep.stdout, /plaintext kept/)
      assert.equal(existsSync(p('cli-kept.txt.fsec')), true)
      const bad = await run(['encrypt', 'cli-kept.txt.fsec', '-r', recipient, '--keep', '--passes', '2', '-o', 'x.fsec'])
      expectStatus(bad, 2)

      // A fake HOME whose Dropbox folder holds the encrypted file.
      const box = join(p('cli-home'), 'Dropbox')
      mkdirSync(join(p('cli-home'), '.dropbox'), { recursive: true })
      mkdirSync(box)
      writeFileSync(join(p('cli-home'), '.dropbox', 'info.json'), JSON.stringify({ business: { path: box } }))
      renameSync(p('cli-plain.txt.fsec'), join(box, 'cli-plain.txt.fsec'))
      const env = { HOME: p('cli-home') }
      const refused = await run(['decrypt', join(box, 'cli-plain.txt.fsec'), '-i', 'cli.key', '--json'], env)
      expectStatus(refused, 3)
      assert.equal(jsonError(refused).code, 'FSEC_UNSAFE_LOCATION')
      assert.equal(existsSync(join(box, 'cli-plain.txt')), false)
      const allowed = await run(['decrypt', join(box, 'cli-plain.txt.fsec'), '-i', 'cli.key', '--allow-unsafe-output'], env)
      expectStatus(allowed, 0)
      assert.equal(readFileSync(join(box, 'cli-plain.txt'), 'utf8'), 'cli plaintext')
    })
  })
})

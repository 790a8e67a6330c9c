// `filesec destroy` and `filesec status`, run for real: `node dist/cli.js …` as a child process
// (and on a pseudo-terminal for the confirmation question and the progress bar).
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { DestroyAbortedError, DestroyError, type DestroyReport, encryptFile } from '../lib'
import { EXIT, exitCodeFor } from '../lib/cli/exit'
import { randomFile, scratchDir } from './helpers'
import { cliIn, expectStatus, json, jsonError, runCliSignalledWhen, skippedWithoutPty } from './cli/helpers'
import { ensureBuilt, runCliOnPty, type RunResult } from './cli/run'

describe('filesec destroy and status (CLI)', function () {
  this.timeout(60_000)
  const dir = scratchDir('filesec-cli-destroy-')
  const cli = cliIn(dir)
  const p = (name: string): string => join(dir(), name)
  const file = (name: string, size = 20_000): Buffer => randomFile(p(name), size)

  before(() => ensureBuilt())

  describe('help', () => {
    it('destroy --help and status --help (and through `help`); the main help lists them and exit status 9', async () => {
      for (const c of ['destroy', 'status']) {
        const a = await cli([c, '--help'])
        expectStatus(a, 0)
        assert.match(a.stdout, new RegExp(`^Usage: filesec ${c}`))
        assert.equal((await cli(['help', c])).stdout, a.stdout)
      }
      const main = await cli(['--help'])
      assert.match(main.stdout, /filesec destroy FILE/)
      assert.match(main.stdout, /filesec status +FILE/)
      assert.match(main.stdout, /^ {2}9 +destroy failed part-way/m)
      assert.match((await cli(['destroy', '--help'])).stdout, /cryptographic erase|destroy the key/)
    })
  })

  describe('destroy', () => {
    it('§7.61 / §7.94 destroy FILE --yes removes it and reports disposition destroyed (--json)', async () => {
      file('a.bin')
      const r = await cli(['destroy', 'a.bin', '--yes', '--json'])
      expectStatus(r, 0)
      const report = json(r)
      assert.equal(report.command, 'destroy')
      assert.equal(report.disposition, 'destroyed')
      assert.equal(report.path, p('a.bin'))
      assert.deepEqual(
        report.passes.map((x: { pattern: string }) => x.pattern),
        ['random', 'random', 'zeros'],
      )
      assert.ok(['overwritten-in-place', 'best-effort'].includes(report.assurance))
      assert.ok(!existsSync(p('a.bin')))
      assert.ok(!readdirSync(dir()).some((n) => n.length === 6 && /^[A-Za-z0-9]+$/.test(n)), 'no renamed leftover')
    })

    it('prints the report in words: passes, file system, assurance, warnings about other links', async () => {
      file('h.bin')
      linkSync(p('h.bin'), p('h-link.bin'))
      const r = await cli(['destroy', 'h.bin', '-y'])
      expectStatus(r, 0)
      assert.match(r.stdout, /^Destroyed h\.bin \(19\.5 KiB\): 3 passes \(random, random, zeros\), each synced to disk; renamed 2 times, removed\./)
      assert.match(r.stdout, /^ {2}file system: \S+/m)
      assert.match(r.stdout, /^ {2}assurance: (overwritten-in-place \(NIST SP 800-88 Clear\)|best-effort)/m)
      assert.match(r.stdout, /warning: 1 other hard link still names this file/)
      assert.ok(readFileSync(p('h-link.bin')).every((b) => b === 0))
    })

    it('--no-remove --passes 1 overwrites in place and keeps the file', async () => {
      const data = file('k.bin', 100_000)
      const r = await cli(['destroy', 'k.bin', '--no-remove', '--passes', '1', '--yes', '--json'])
      expectStatus(r, 0)
      const report = json(r)
      assert.equal(report.disposition, 'overwritten')
      assert.equal(report.passes.length, 1)
      assert.equal(report.leftAt, p('k.bin'))
      const now = readFileSync(p('k.bin'))
      assert.equal(now.length, data.length)
      assert.ok(!now.equals(data))
      const zeros = await cli(['destroy', 'k.bin', '--no-remove', '-n', '2', '-y', '-q'])
      expectStatus(zeros, 0)
      assert.equal(zeros.stdout, '')
      assert.ok(readFileSync(p('k.bin')).every((b) => b === 0))
    })

    it('2: without --yes and without a terminal it refuses, leaving the file as it was', async () => {
      const data = file('u.bin')
      const r = await cli(['destroy', 'u.bin'])
      expectStatus(r, EXIT.USAGE)
      assert.match(r.stderr, /give --yes/)
      assert.deepEqual(readFileSync(p('u.bin')), data)
    })

    it('2: bad --passes, no FILE, two FILEs, unknown options', async () => {
      file('v.bin')
      for (const args of [
        ['destroy', 'v.bin', '--passes', '0', '--yes'],
        ['destroy', 'v.bin', '--passes', '101', '--yes'],
        ['destroy', 'v.bin', '--passes', 'three', '--yes'],
        ['destroy', '--yes'],
        ['destroy', 'v.bin', 'v.bin', '--yes'],
        ['destroy', 'v.bin', '--force', '--yes'],
        ['status'],
      ]) {
        expectStatus(await cli(args), EXIT.USAGE)
      }
      assert.ok(existsSync(p('v.bin')))
    })

    it('3: a missing file, a symbolic link, a directory (typed codes with --json)', async () => {
      file('t.bin')
      symlinkSync(p('t.bin'), p('t-link'))
      mkdirSync(p('t-dir'))
      const missing = await cli(['destroy', 'nope.bin', '--yes', '--json'])
      expectStatus(missing, EXIT.FILE)
      assert.equal(jsonError(missing).code, 'FSEC_FILE_NOT_FOUND')
      const link = await cli(['destroy', 't-link', '--yes', '--json'])
      expectStatus(link, EXIT.FILE)
      assert.equal(jsonError(link).code, 'FSEC_NOT_A_FILE')
      assert.match(jsonError(link).message, /symbolic link/)
      expectStatus(await cli(['destroy', 't-dir', '--yes']), EXIT.FILE)
      assert.ok(existsSync(p('t.bin')))
    })

    it('9: a destroy failing part-way (the folder refuses the rename) says where the file is; --json carries the report', async function () {
      const folder = p('locked')
      mkdirSync(folder)
      writeFileSync(join(folder, 'f.bin'), randomBytes(10_000))
      if (spawnSync('chattr', ['+i', folder], { stdio: 'ignore' }).status !== 0) this.skip()
      let r: RunResult
      let human: RunResult
      try {
        r = await cli(['destroy', 'locked/f.bin', '--yes', '--json'])
        human = await cli(['destroy', 'locked/f.bin', '--yes'])
      } finally {
        spawnSync('chattr', ['-i', folder], { stdio: 'ignore' })
      }
      expectStatus(r, EXIT.DESTROY_FAILED)
      const e = jsonError<{ report: DestroyReport }>(r) // a failed destroy's error carries its report
      assert.equal(e.code, 'FSEC_DESTROY_FAILED')
      assert.equal(e.report?.leftAt, join(folder, 'f.bin'))
      assert.equal(e.report?.error?.step, 'rename')
      expectStatus(human, EXIT.DESTROY_FAILED)
      assert.match(human.stderr, /The file was not removed: it is still at .*locked\/f\.bin/)
      assert.ok(existsSync(join(folder, 'f.bin')))
    })

    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      it(`130: ${signal} during a long destroy stops it; the file stays, and the error says how far it got`, async () => {
        const big = p(`big-${signal}.bin`)
        writeFileSync(big, '')
        truncateSync(big, 2 * 1024 ** 3) // sparse: blocks appear only as the overwrite writes them
        // Signal once the overwrite has started writing.
        const { r, sent } = await runCliSignalledWhen(['destroy', big, '--yes', '--json'], dir(), signal, () => statSync(big).blocks > 0, 5)
        assert.ok(sent, `the destroy ended before it could be interrupted: ${r.stderr}`)
        expectStatus(r, EXIT.INTERRUPTED)
        const e = jsonError<{ report: DestroyReport }>(r) // a failed destroy's error carries its report
        assert.equal(e.code, 'FSEC_ABORTED')
        assert.match(e.message, /was aborted.*still at/)
        assert.equal(e.report?.leftAt, big)
        assert.equal(e.report?.disposition, 'failed')
        assert.ok(existsSync(big))
        assert.equal(statSync(big).size, 2 * 1024 ** 3)
        rmSync(big)
      })
    }

    it('exit statuses: DestroyError is 9, DestroyAbortedError 130', () => {
      const report = {} as DestroyReport
      assert.equal(exitCodeFor(new DestroyError('x', report)), 9)
      assert.equal(exitCodeFor(new DestroyAbortedError('x', report)), 130)
    })
  })

  describe('status', () => {
    it('§7.59 (adapted) permissions, hard links, tracked and Dropbox, as JSON and in words', async () => {
      const home = p('home-status')
      const box = p('Dropbox-status')
      mkdirSync(join(home, '.dropbox'), { recursive: true })
      mkdirSync(box)
      writeFileSync(join(home, '.dropbox', 'info.json'), JSON.stringify({ personal: { path: box } }))
      const f = join(box, 's.txt')
      writeFileSync(f, 'hello')
      chmodSync(f, 0o640)
      linkSync(f, join(box, 's2.txt'))
      const r = await cli(['status', f, '--json'], { HOME: home })
      expectStatus(r, 0)
      const s = json(r)
      assert.equal(s.command, 'status')
      assert.equal(s.path, f)
      assert.equal(s.size, 5)
      assert.equal(s.permissions, '0640')
      assert.equal(s.hardlinks, 2)
      assert.equal(s.isEncrypted, false)
      assert.equal(s.tracked, false)
      assert.equal(s.syncService.service, 'Dropbox')
      assert.equal(s.syncService.root, box)
      assert.equal(typeof s.medium.fsType, 'string')
      assert.equal(s.folderWritable, true)
      assert.equal(s.inode, Number(statSync(f, { bigint: true }).ino))

      const human = await cli(['status', f], { HOME: home })
      expectStatus(human, 0)
      assert.match(human.stdout, /: 5 B, mode 0640, 2 hard links, not encrypted/)
      assert.match(human.stdout, /cloud sync: Dropbox folder/)
      assert.match(human.stdout, /version control: not in a version-control working copy/)
      assert.match(human.stdout, /medium: .*SSD: (yes|no|unknown)/)
    })

    it('isEncrypted from the filesec magic; tracked by git', async function () {
      writeFileSync(p('plain.txt'), 'filesex is not filesec')
      await encryptFile(p('plain.txt'), { passphrase: 'pw', workFactor: 10, keep: true })
      const enc = json(await cli(['status', 'plain.txt.fsec', '--json']))
      assert.equal(enc.isEncrypted, true)
      assert.equal(enc.permissions, '0600')
      assert.equal(json(await cli(['status', 'plain.txt', '--json'])).isEncrypted, false)
      if (spawnSync('git', ['--version'], { stdio: 'ignore' }).status !== 0) this.skip()
      const repo = p('repo')
      mkdirSync(repo)
      spawnSync('git', ['init', '-q'], { cwd: repo })
      writeFileSync(join(repo, 'in.txt'), 'x')
      spawnSync('git', ['add', 'in.txt'], { cwd: repo })
      const s = json(await cli(['status', 'repo/in.txt', '--json']))
      assert.equal(s.tracked, true)
      assert.deepEqual(s.vcs, { kind: 'git', root: repo, tracked: true, ignored: false })
    })

    it('3: missing, a symbolic link, a directory', async () => {
      writeFileSync(p('st.txt'), 'x')
      symlinkSync(p('st.txt'), p('st-link'))
      expectStatus(await cli(['status', 'missing.txt']), EXIT.FILE)
      const link = await cli(['status', 'st-link', '--json'])
      expectStatus(link, EXIT.FILE)
      assert.equal(jsonError(link).code, 'FSEC_NOT_A_FILE')
      expectStatus(await cli(['status', dir()]), EXIT.FILE)
    })
  })

  describe('on a terminal (pseudo-terminal)', () => {
    if (skippedWithoutPty('no pseudo-terminal')) return

    it('asks for confirmation: "y" destroys, with a progress bar', () => {
      file('tty.bin', 8 * 1024 * 1024)
      const r = runCliOnPty(['destroy', 'tty.bin'], { cwd: dir(), steps: [['[y/N]', 'y\r']] })
      assert.equal(r.status, 0, r.output)
      assert.equal(r.pending, 0)
      assert.match(r.output, /Destroy tty\.bin \(8\.00 MiB\)\? It will be overwritten and removed; this cannot be undone\./)
      assert.match(r.output, /Destroying .*100%/)
      assert.match(r.output, /Destroyed tty\.bin/)
      assert.ok(!existsSync(p('tty.bin')))
    })

    it('any other answer leaves the file as it was (exit 130)', () => {
      const data = file('tty-no.bin')
      const r = runCliOnPty(['destroy', 'tty-no.bin'], { cwd: dir(), steps: [['[y/N]', 'n\r']] })
      assert.equal(r.status, EXIT.INTERRUPTED, r.output)
      assert.match(r.output, /not confirmed/)
      assert.deepEqual(readFileSync(p('tty-no.bin')), data)
      const c = runCliOnPty(['destroy', 'tty-no.bin', '--no-remove'], { cwd: dir(), steps: [['[y/N]', '\x03']] })
      assert.equal(c.status, EXIT.INTERRUPTED, c.output)
      assert.deepEqual(readFileSync(p('tty-no.bin')), data)
    })
  })
})

// Leftovers of interrupted runs: findLeftovers / cleanLeftovers and `filesec doctor` tell an
// abandoned temporary or rotation journal (its writer is gone) from one a live process holds,
// remove or complete only the abandoned ones; encrypt and decrypt clear abandoned temporaries
// of their own output; a Ctrl-C pressed twice no longer leaves the unfinished output behind.
// Processes are stopped and killed at exact points with strace (SIGSTOP / SIGKILL injection).
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  cleanLeftovers,
  decryptFile,
  encryptFile,
  findLeftovers,
  generateKeyPair,
  recoverRotation,
  RotationInterruptedError,
} from '../lib'
import { removeAbandonedTemporaries } from '../lib/leftovers'
import { rotationJournalPath } from '../lib/paths'
import { expectStatus, json } from './cli/helpers'
import { ensureBuilt, runCli } from './cli/run'
import { runAndKill, runTraced } from './crash/kill'
import { rejectsWith, scratchDir } from './helpers'
import { describeWithTool } from './tools'

const STRACE = { cmd: 'strace', pkg: 'strace' }
const TEMP = /^\..+\.[0-9a-f]{12}\.fsec-tmp$/

async function waitFor(what: string, ready: () => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!ready()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

function stopped(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  return state === 'T' || state === 't'
}

function temporaries(dir: string): string[] {
  return readdirSync(dir).filter((n) => TEMP.test(n))
}

describeWithTool(STRACE, 'leftovers of interrupted runs (filesec doctor)', function () {
  this.timeout(120_000)
  const root = scratchDir('filesec-doctor-')
  let n = 0
  const keys = { x: '', xPub: '', y: '', yPub: '' }
  const data = randomBytes(3 << 20)

  before(async () => {
    ensureBuilt()
    const k = (name: string): string => join(root(), name)
    await Promise.all([
      generateKeyPair('x25519', { privateKeyPath: k('x'), publicKeyPath: k('x.pub'), unprotected: true }),
      generateKeyPair('x25519', { privateKeyPath: k('y'), publicKeyPath: k('y.pub'), unprotected: true }),
    ])
    Object.assign(keys, { x: k('x'), xPub: k('x.pub'), y: k('y'), yPub: k('y.pub') })
  })

  /** A fresh folder holding f.bin (the plaintext). */
  function folder(): string {
    const dir = join(root(), `case-${n++}`)
    mkdirSync(dir)
    writeFileSync(join(dir, 'f.bin'), data)
    return dir
  }

  /** Leaves an abandoned temporary: encrypt killed on entry to its final rename. */
  async function killedBeforeRename(dir: string): Promise<string> {
    const r = await runAndKill(['encrypt', 'f.bin', '-r', keys.xPub, '--keep', '-q'], dir, { kind: 'syscall', syscall: 'renameat2', n: 1 })
    assert.ok(r.killed)
    const temps = temporaries(dir)
    assert.equal(temps.length, 1)
    return join(dir, temps[0]!)
  }

  it('an abandoned temporary is found and destroyed; names that only look alike are left alone', async () => {
    const dir = folder()
    const temp = await killedBeforeRename(dir)
    writeFileSync(join(dir, '.f.bin.fsec.not-hex.fsec-tmp'), 'x')
    writeFileSync(join(dir, 'f.bin.fsec-tmp'), 'x')
    mkdirSync(join(dir, 'sub'))
    writeFileSync(join(dir, 'sub', 'f.bin'), data)
    const sub = await killedBeforeRename(join(dir, 'sub'))
    assert.deepEqual(await findLeftovers(dir), [
      { path: temp, kind: 'temporary', target: join(dir, 'f.bin.fsec'), state: 'abandoned', size: readFileSync(temp).length },
    ])
    assert.deepEqual((await findLeftovers(dir, { recursive: true })).map((l) => l.path), [temp, sub])
    const cleaned = await cleanLeftovers(dir, { recursive: true })
    assert.deepEqual(cleaned.removed.map((l) => l.path), [temp, sub])
    assert.deepEqual([cleaned.recovered, cleaned.inUse, cleaned.failed], [[], [], []])
    assert.ok(!existsSync(temp) && !existsSync(sub))
    assert.deepEqual(readdirSync(dir).sort(), ['.f.bin.fsec.not-hex.fsec-tmp', 'f.bin', 'f.bin.fsec-tmp', 'sub'])
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['f.bin'])
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['f.bin'])
    assert.ok(readFileSync(join(dir, 'f.bin')).equals(data))
  })

  it('a temporary a live process holds is reported in use and never removed, until that process is gone', async () => {
    const dir = folder()
    // Stopped on entry to its fdatasync: the temporary is complete and still open (locked).
    const run = runTraced(['encrypt', 'f.bin', '-r', keys.xPub, '--keep', '-q'], dir, ['-e', 'trace=fdatasync', '-e', 'inject=fdatasync:signal=SIGSTOP:when=1'])
    const pid = await run.pid()
    try {
      await waitFor('the encryption to stop at its fdatasync', () => temporaries(dir).length === 1 && stopped(pid))
      const temp = join(dir, temporaries(dir)[0]!)
      const found = await findLeftovers(dir)
      assert.deepEqual(found.map((l) => [l.path, l.state]), [[temp, 'in-use']])
      const cleaned = await cleanLeftovers(dir)
      assert.deepEqual(cleaned.inUse.map((l) => l.path), [temp])
      assert.deepEqual(cleaned.removed, [])
      assert.equal(await removeAbandonedTemporaries(join(dir, 'f.bin.fsec')), 0)
      assert.ok(existsSync(temp), 'a temporary in use was removed')
      process.kill(pid, 'SIGKILL')
      const end = await run.done
      assert.equal(end.signal, 'SIGKILL')
      assert.deepEqual((await findLeftovers(dir)).map((l) => [l.path, l.state]), [[temp, 'abandoned']])
      assert.deepEqual((await cleanLeftovers(dir)).removed.map((l) => l.path), [temp])
      assert.deepEqual(temporaries(dir), [])
    } finally {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
      await run.done
    }
  })

  it('the next encrypt or decrypt to the same output removes the abandoned temporaries first', async () => {
    const dir = folder()
    const temp = await killedBeforeRename(dir)
    await encryptFile(join(dir, 'f.bin'), { to: [keys.xPub], keep: true })
    assert.ok(!existsSync(temp))
    assert.deepEqual(temporaries(dir), [])
    const r = await runAndKill(['decrypt', 'f.bin.fsec', '-i', keys.x, '-o', 'out.bin', '-q'], dir, { kind: 'syscall', syscall: 'renameat2', n: 1 })
    assert.ok(r.killed)
    const plainTemp = temporaries(dir)
    assert.equal(plainTemp.length, 1)
    await decryptFile(join(dir, 'f.bin.fsec'), { identity: keys.x, output: join(dir, 'out.bin') })
    assert.deepEqual(temporaries(dir), [])
    assert.ok(readFileSync(join(dir, 'out.bin')).equals(data))
  })

  it('a rotation journal a live rotation holds is left alone (recovery refuses it); once the rotation is killed, cleaning completes it', async () => {
    const dir = folder()
    const file = join(dir, 'f.bin.fsec')
    await encryptFile(join(dir, 'f.bin'), { to: [keys.xPub], output: file, keep: true })
    // Stopped on entry to the header write: the journal is complete, the file not yet touched.
    const run = runTraced(['rotate', 'f.bin.fsec', '-i', keys.x, '-r', keys.yPub, '-q'], dir, ['-e', 'trace=pwrite64', '-e', 'inject=pwrite64:signal=SIGSTOP:when=2'])
    const pid = await run.pid()
    try {
      const journal = rotationJournalPath(file)
      await waitFor('the rotation to stop at its header write', () => existsSync(journal) && stopped(pid))
      assert.deepEqual((await findLeftovers(dir)).map((l) => [l.path, l.kind, l.target, l.state]), [[journal, 'rotation-journal', file, 'in-use']])
      const e = await rejectsWith(recoverRotation(file), RotationInterruptedError, 'FSEC_ROTATION_INTERRUPTED')
      assert.match(e.message, /running/)
      assert.deepEqual((await cleanLeftovers(dir)).inUse.map((l) => l.path), [journal])
      process.kill(pid, 'SIGKILL')
      assert.equal((await run.done).signal, 'SIGKILL')
      const cleaned = await cleanLeftovers(dir)
      assert.deepEqual(cleaned.recovered.map((l) => l.target), [file])
      assert.ok(!existsSync(journal))
      await decryptFile(file, { identity: keys.y, output: join(dir, 'out.bin') })
      assert.ok(readFileSync(join(dir, 'out.bin')).equals(data))
    } finally {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
      await run.done
    }
  })

  describe('filesec doctor', () => {
    it('reports without changing anything; --clean destroys and completes; --json', async () => {
      const dir = folder()
      const temp = await killedBeforeRename(dir)
      // An interrupted rotation: killed after its journal was written, before the header.
      await encryptFile(join(dir, 'f.bin'), { to: [keys.xPub], output: join(dir, 'g.fsec'), keep: true })
      const rot = await runAndKill(['rotate', 'g.fsec', '-i', keys.x, '-r', keys.yPub, '-q'], dir, { kind: 'syscall', syscall: 'pwrite64', n: 2 })
      assert.ok(rot.killed)
      const journal = rotationJournalPath(join(dir, 'g.fsec'))
      assert.ok(existsSync(journal))

      const human = await runCli(['doctor', dir], { cwd: dir })
      expectStatus(human, 0)
      assert.match(human.stdout, /abandoned temporary of f\.bin\.fsec .*may hold plaintext/)
      assert.match(human.stdout, /interrupted rotation of g\.fsec/)
      assert.match(human.stdout, /2 leftovers/)
      assert.ok(existsSync(temp) && existsSync(journal))

      const report = json(await runCli(['doctor', '--json'], { cwd: dir }))
      assert.deepEqual(
        report.leftovers.map((l: { path: string; kind: string; state: string }) => [l.path, l.kind, l.state]),
        [[temp, 'temporary', 'abandoned'], [journal, 'rotation-journal', 'abandoned']].sort((a, b) => a[0]!.localeCompare(b[0]!)),
      )

      const cleaned = await runCli(['doctor', '--clean', '--json'], { cwd: dir })
      expectStatus(cleaned, 0)
      const out = json(cleaned)
      assert.deepEqual(out.removed.map((l: { path: string }) => l.path), [temp])
      assert.deepEqual(out.recovered.map((l: { target: string }) => l.target), [join(dir, 'g.fsec')])
      assert.deepEqual([out.inUse, out.failed], [[], []])
      assert.ok(!existsSync(temp) && !existsSync(journal))
      await decryptFile(join(dir, 'g.fsec'), { identity: keys.y, output: join(dir, 'g.out') })
      assert.ok(readFileSync(join(dir, 'g.out')).equals(data))

      const none = await runCli(['doctor'], { cwd: dir })
      expectStatus(none, 0)
      assert.match(none.stdout, /No leftovers found/)
    })

    it('--clean: a journal that cannot be applied is reported with its status (7) and kept', async () => {
      const dir = folder()
      await encryptFile(join(dir, 'f.bin'), { to: [keys.xPub], output: join(dir, 'a.fsec'), keep: true })
      await encryptFile(join(dir, 'f.bin'), { to: [keys.xPub], output: join(dir, 'b.fsec'), keep: true })
      const rot = await runAndKill(['rotate', 'a.fsec', '-i', keys.x, '-r', keys.yPub, '-q'], dir, { kind: 'syscall', syscall: 'pwrite64', n: 2 })
      assert.ok(rot.killed)
      // a's journal beside b: it does not match b's header.
      copyFileSync(rotationJournalPath(join(dir, 'a.fsec')), rotationJournalPath(join(dir, 'b.fsec')))
      rmSync(rotationJournalPath(join(dir, 'a.fsec')))
      const r = await runCli(['doctor', '--clean'], { cwd: dir })
      expectStatus(r, 7)
      assert.match(r.stdout, /could not clean .*b\.fsec\.fsec-rotate/)
      assert.ok(existsSync(rotationJournalPath(join(dir, 'b.fsec'))))
    })
  })

  it('Ctrl-C twice during encrypt: the second only says it is stopping; nothing is left behind', async () => {
    const dir = folder()
    // Each write slowed down by a second (strace delay), so both signals land while the output
    // is being written, and the abort can only finish after the second.
    const run = runTraced(['encrypt', 'f.bin', '-r', keys.xPub, '--keep'], dir, ['-e', 'trace=pwritev', '-e', 'inject=pwritev:delay_enter=1000000'])
    const pid = await run.pid()
    await waitFor('the temporary output', () => temporaries(dir).length === 1)
    // Into the first (delayed) write: an abort before it would end the run at once.
    await new Promise((r) => setTimeout(r, 300))
    process.kill(pid, 'SIGINT')
    await new Promise((r) => setTimeout(r, 50))
    process.kill(pid, 'SIGINT')
    const end = await run.done
    assert.equal(end.status, 130, end.stderr)
    assert.match(end.stderr, /stopping: removing the unfinished output first/)
    assert.deepEqual(readdirSync(dir), ['f.bin'])
    assert.ok(readFileSync(join(dir, 'f.bin')).equals(data))
  })
})

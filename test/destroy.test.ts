// destroyFile: the overwrite is in place and complete (read back through another hard link, or
// from the kept file), the removal leaves nothing behind, bad targets are refused untouched, an
// abort or a failure part-way reports honestly what is left where, and the verdict follows the
// medium. pyFileSec §7 numbers are in the titles.
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { join, resolve } from 'node:path'

import {
  AbortError,
  ArgumentError,
  describeMedium,
  DestroyAbortedError,
  DestroyError,
  destroyFile,
  type DestroyReport,
  FileError,
  FileNotFoundError,
  hardlinkInfo,
  type MediumInfo,
} from '../lib'
import { assess, type AssuranceFacts } from '../lib/destroy-assurance'
import { patternsFor } from '../lib/destroy'
import { findmnt, rejectsWith, scratchDir, withHome } from './helpers'

const MiB = 1024 * 1024
const ROOT = resolve(__dirname, '..')

function every(buf: Buffer, byte: number): boolean {
  for (const b of buf) if (b !== byte) return false
  return true
}

/** Reads `length` bytes at `position`. */
function readAt(path: string, position: number, length: number): Buffer {
  const fd = openSync(path, 'r')
  try {
    const buf = Buffer.alloc(length)
    const n = readSync(fd, buf, 0, length, position)
    return buf.subarray(0, n)
  } finally {
    closeSync(fd)
  }
}

/** chattr +i (immutable: not even root may change it), or false where that is not allowed. */
function makeImmutable(path: string): boolean {
  return spawnSync('chattr', ['+i', path], { stdio: 'ignore' }).status === 0
}
function makeMutable(path: string): void {
  spawnSync('chattr', ['-i', path], { stdio: 'ignore' })
}

function checkPassesComplete(r: DestroyReport, patterns: string[]): void {
  assert.deepEqual(
    r.passes.map((p) => p.pattern),
    patterns,
  )
  for (const p of r.passes) {
    assert.equal(p.bytesWritten, r.size)
    assert.equal(p.synced, true)
  }
  assert.equal(r.bytesOverwritten, r.size * patterns.length)
}

describe('destroyFile', function () {
  this.timeout(120_000)
  const dir = scratchDir('filesec-destroy-')
  let n = 0
  /** A fresh folder holding one file of random bytes; returns the file's path and its content. */
  const fresh = (size: number, name = 'victim.bin'): { path: string; data: Buffer; folder: string } => {
    const folder = join(dir(), `case${n++}`)
    mkdirSync(folder)
    const data = randomBytes(size)
    const path = join(folder, name)
    writeFileSync(path, data)
    return { path, data, folder }
  }

  describe('overwrites in place and removes', () => {
    it('a second hard link reads the last pattern over the whole size; no renamed leftovers remain', async () => {
      const { path, folder } = fresh(3 * MiB + 123)
      const other = join(folder, 'other-name')
      linkSync(path, other)
      const r = await destroyFile(path)
      assert.equal(r.disposition, 'destroyed')
      assert.equal(r.removed, true)
      assert.equal(r.leftAt, null)
      assert.equal(r.error, null)
      checkPassesComplete(r, ['random', 'random', 'zeros'])
      assert.equal(r.renamedTo.length, 2)
      assert.equal(r.folderSynced, true)
      assert.equal(r.roundedUpToBlock, false)
      // The other name still holds the file: same size, every byte the last pattern (zeros).
      const seen = readFileSync(other)
      assert.equal(seen.length, 3 * MiB + 123)
      assert.ok(every(seen, 0), 'the data seen through the other link was not overwritten with zeros')
      assert.equal(r.truncated, false, 'a file still named elsewhere is not emptied')
      assert.deepEqual(readdirSync(folder), ['other-name'])
      for (const renamed of r.renamedTo) assert.ok(!existsSync(renamed))
    })

    it('§7.98 reports the other hardlinks: 3 names give otherLinks = 2, device, inode and mount point', async () => {
      const { path, folder } = fresh(10_000)
      linkSync(path, join(folder, 'b'))
      linkSync(path, join(folder, 'c'))
      const before = await hardlinkInfo(path)
      assert.equal(before.links, 3)
      const r = await destroyFile(path)
      assert.equal(r.otherLinks, before.links - 1)
      assert.equal(r.otherLinks, 2)
      assert.equal(r.device, before.device)
      assert.equal(r.inode, before.inode)
      assert.equal(r.mountPoint, before.mountPoint)
      assert.ok(r.warnings.some((w) => w.includes('2 other hard links') && w.includes(`-inum ${before.inode}`)))
      assert.equal(statSync(join(folder, 'b')).nlink, 2)
    })

    it('§7.99 (adapted: Linux always counts links) counts a link in another folder; one name has 0 others and is truncated', async () => {
      const { path, folder } = fresh(5000)
      mkdirSync(join(folder, 'elsewhere'))
      linkSync(path, join(folder, 'elsewhere', 'x'))
      const r = await destroyFile(path)
      assert.equal(r.otherLinks, 1)
      assert.ok(every(readFileSync(join(folder, 'elsewhere', 'x')), 0))

      const single = fresh(5000)
      const s = await destroyFile(single.path)
      assert.equal(s.otherLinks, 0)
      assert.equal(s.truncated, true)
      assert.ok(!s.warnings.some((w) => w.includes('hard link')))
      assert.deepEqual(readdirSync(single.folder), [])
    })

    for (const size of [0, 1, 4097, 9 * MiB + 5]) {
      it(`${size} bytes (${size % 4096 === 0 ? 'empty' : 'not a multiple of the block size'}): removed, and with remove: false every byte is the last pattern`, async () => {
        const kept = fresh(size)
        const k = await destroyFile(kept.path, { passes: ['random', 'ones'], remove: false })
        assert.equal(k.disposition, 'overwritten')
        assert.equal(k.removed, false)
        assert.equal(k.leftAt, kept.path)
        checkPassesComplete(k, ['random', 'ones'])
        const after = readFileSync(kept.path)
        assert.equal(after.length, size, 'the size did not change (no rounding up)')
        assert.ok(every(after, 0xff))

        const gone = fresh(size)
        const g = await destroyFile(gone.path)
        assert.equal(g.size, size)
        checkPassesComplete(g, ['random', 'random', 'zeros'])
        assert.deepEqual(readdirSync(gone.folder), [])
      })
    }

    it('remove: false with the default passes leaves zeros; passes: 1 is one random pass over every block', async () => {
      const a = fresh(2 * MiB)
      await destroyFile(a.path, { remove: false })
      assert.ok(every(readFileSync(a.path), 0))

      const b = fresh(2 * MiB)
      const r = await destroyFile(b.path, { passes: 1, remove: false })
      assert.deepEqual(
        r.passes.map((p) => p.pattern),
        ['random'],
      )
      const after = readFileSync(b.path)
      assert.equal(after.length, b.data.length)
      for (let off = 0; off < after.length; off += 4096) {
        const block = after.subarray(off, off + 4096)
        assert.ok(!block.equals(b.data.subarray(off, off + 4096)), `block at ${off} was not overwritten`)
        assert.ok(!every(block, block[0]!), `block at ${off} is not random`)
      }
    })

    it('§7.96 a 1-byte file is destroyed, three times over', async () => {
      for (let i = 0; i < 3; i++) {
        const { path, folder } = fresh(1)
        const r = await destroyFile(path)
        assert.equal(r.disposition, 'destroyed')
        assert.deepEqual(readdirSync(folder), [])
      }
    })

    it('§7.97 (adapted, no timing): progress covers every byte of every pass, and each pass was synced', async () => {
      const { path } = fresh(5 * MiB + 1)
      const seen: { done: number; total: number }[] = []
      const r = await destroyFile(path, { passes: 4, onProgress: (p) => seen.push(p) })
      checkPassesComplete(r, ['random', 'random', 'random', 'zeros'])
      const total = 4 * (5 * MiB + 1)
      assert.deepEqual(seen[0], { done: 0, total })
      assert.deepEqual(seen[seen.length - 1], { done: total, total })
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.done >= seen[i - 1]!.done)
    })

    it('§7.97 (adapted): each pass is written over the whole file and followed by fdatasync, then truncate, renames, unlink (strace)', function () {
      const probe = spawnSync('strace', ['-o', '/dev/null', 'true'], { stdio: 'ignore' })
      if (probe.error || probe.status !== 0) this.skip()
      const size = 9 * MiB + 3
      const { path, folder } = fresh(size, 'traced.bin')
      const log = join(folder, '..', `strace-${n}.txt`)
      const script = `require(${JSON.stringify(join(ROOT, 'binding'))}).destroyFile({ path: ${JSON.stringify(path)}, passes: ['random', 'ones', 'zeros'], remove: true }, null).promise.then((r) => { if (r.error) { console.error(r.error); process.exit(1) } })`
      const r = spawnSync(
        'strace',
        ['-f', '-qq', '-s', '0', '-o', log, '-e', 'trace=openat,pwrite64,fdatasync,fsync,ftruncate,renameat2,unlinkat', process.execPath, '-e', script],
        { encoding: 'utf8' },
      )
      assert.equal(r.status, 0, r.stderr)
      const lines = readFileSync(log, 'utf8').split('\n')
      const open = lines.map((l) => /openat\(\d+, "traced\.bin", O_WRONLY[^)]*\) = (\d+)/.exec(l)).find((m) => m)
      assert.ok(open, 'the file was opened for writing by name, relative to its folder')
      const fd = open[1]!
      // Calls on the file's descriptor, in order: per pass, writes covering [0, size), then fdatasync.
      const calls = lines
        .map((l) => l.replace(/^\d+\s+/, '').replace(/\)\s+=\s+/, ') = '))
        .filter((l) => l.startsWith(`pwrite64(${fd},`) || l.startsWith(`fdatasync(${fd})`) || l.startsWith(`ftruncate(${fd},`) || l.startsWith(`fsync(${fd})`) || l.startsWith('renameat2(') || l.startsWith('unlinkat('))
      let covered = 0
      let passes = 0
      const rest: string[] = []
      for (const call of calls) {
        const w = /^pwrite64\(\d+, "".*, (\d+), (\d+)\) = (\d+)$/.exec(call)
        if (w) {
          assert.equal(Number(w[2]), covered, 'writes are sequential within a pass')
          assert.equal(w[3], w[1], 'no short writes here')
          covered += Number(w[3])
        } else if (call.startsWith('fdatasync')) {
          assert.match(call, /= 0$/)
          assert.equal(covered, size, `pass ${passes + 1} covered the whole file before its fdatasync`)
          passes++
          covered = 0
        } else if (passes === 3) {
          rest.push(call.replace(/\(.*?, "([^"]*)".*?(= -?\d+).*$/, '($1) $2'))
        }
      }
      assert.equal(passes, 3)
      assert.match(rest[0]!, /^ftruncate\(\d+, 0\) = 0$/)
      assert.match(rest[1]!, /^fsync\(\d+\) = 0$/)
      assert.match(rest[2]!, /^renameat2\(traced\.bin\) = 0$/)
      assert.match(rest[3]!, /^renameat2\([A-Za-z0-9]{10}\) = 0$/)
      assert.match(rest[4]!, /^unlinkat\([A-Za-z0-9]{6}\) = 0$/)
      assert.deepEqual(readdirSync(folder), [])
    })
  })

  describe('refuses bad targets, leaving them untouched', () => {
    it('a symbolic link (to a file or dangling) is refused; neither it nor its target changes', async () => {
      const { path, data, folder } = fresh(1000)
      const link = join(folder, 'link')
      symlinkSync(path, link)
      const e = await rejectsWith(destroyFile(link), FileError, 'FSEC_NOT_A_FILE')
      assert.match(e.message, /symbolic link/)
      assert.ok(lstatSync(link).isSymbolicLink())
      assert.deepEqual(readFileSync(path), data)
      symlinkSync(join(folder, 'nowhere'), join(folder, 'dangling'))
      await rejectsWith(destroyFile(join(folder, 'dangling')), FileError, 'FSEC_NOT_A_FILE')
    })

    it('a directory and a FIFO are refused (the FIFO without waiting for a reader)', async () => {
      const { folder } = fresh(1)
      await rejectsWith(destroyFile(folder), FileError, 'FSEC_NOT_A_FILE')
      const fifo = join(folder, 'fifo')
      if (spawnSync('mkfifo', [fifo]).status === 0) {
        const e = await rejectsWith(destroyFile(fifo), FileError, 'FSEC_NOT_A_FILE')
        assert.match(e.message, /not a regular file/)
      }
    })

    it('a missing file is FileNotFoundError', async () => {
      await rejectsWith(destroyFile(join(dir(), 'no-such-file')), FileNotFoundError, 'FSEC_FILE_NOT_FOUND')
    })

    it('bad options are ArgumentError, checked before anything is touched', async () => {
      const { path, data } = fresh(100)
      for (const options of [
        { passes: 0 },
        { passes: 101 },
        { passes: 1.5 },
        { passes: [] },
        { passes: ['random', 'purple'] },
        { remove: 'yes' },
        { durable: false },
        { onProgress: 'x' },
      ]) {
        await rejectsWith(destroyFile(path, options as never), ArgumentError, 'FSEC_INVALID_ARGUMENT')
      }
      await rejectsWith(destroyFile(''), ArgumentError, 'FSEC_INVALID_ARGUMENT')
      await rejectsWith(destroyFile(42 as never), ArgumentError, 'FSEC_INVALID_ARGUMENT')
      assert.deepEqual(readFileSync(path), data)
    })

    it('passes: N is N-1 random passes then zeros', () => {
      assert.deepEqual(patternsFor(undefined), ['random', 'random', 'zeros'])
      assert.deepEqual(patternsFor(1), ['random'])
      assert.deepEqual(patternsFor(2), ['random', 'zeros'])
      assert.deepEqual(patternsFor(5), ['random', 'random', 'random', 'random', 'zeros'])
      assert.deepEqual(patternsFor(['zeros', 'ones']), ['zeros', 'ones'])
    })

    it('a file that cannot be opened for writing (immutable) is FSEC_IO, unchanged', async function () {
      const { path, data } = fresh(1000)
      if (!makeImmutable(path)) this.skip()
      try {
        const e = await rejectsWith(destroyFile(path), FileError, 'FSEC_IO')
        assert.equal((e as FileError).syscall, 'open')
        assert.deepEqual(readFileSync(path), data)
      } finally {
        makeMutable(path)
      }
    })
  })

  describe('stopping part-way says what is left where', () => {
    it('an already aborted signal: AbortError, nothing touched', async () => {
      const { path, data } = fresh(1000)
      const c = new AbortController()
      c.abort()
      await rejectsWith(destroyFile(path, { signal: c.signal }), AbortError, 'FSEC_ABORTED')
      assert.deepEqual(readFileSync(path), data)
    })

    it('abort mid-way: DestroyAbortedError with a report whose counts match the file', async () => {
      const { path, folder } = fresh(0)
      const size = 2 * 1024 * MiB
      truncateSync(path, size) // sparse: zeros that cost no disk until written
      const c = new AbortController()
      const e = await rejectsWith(
        destroyFile(path, { signal: c.signal, onProgress: () => c.abort() }),
        DestroyAbortedError,
        'FSEC_ABORTED',
      )
      assert.ok(e instanceof AbortError)
      const r = (e as DestroyAbortedError).report
      assert.equal(r.disposition, 'failed')
      assert.equal(r.assurance, 'failed')
      assert.equal(r.nistCategory, null)
      assert.equal(r.removed, false)
      assert.equal(r.leftAt, path)
      assert.equal(r.error?.code, 'FSEC_ABORTED')
      assert.ok(r.bytesOverwritten < 3 * size)
      assert.match(e.message, new RegExp(`still at ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|unchanged at`))
      assert.equal(statSync(path).size, size)
      assert.deepEqual(readdirSync(folder), ['victim.bin'])
      // The first pass was random: what the report says was written is not zeros any more, and
      // what it says was not written still is.
      const written = r.passes[0]!.bytesWritten
      if (r.passes.length === 1 && written > 0) {
        assert.ok(!every(readAt(path, 0, Math.min(written, 65536)), 0))
        assert.ok(every(readAt(path, written, 65536), 0))
      }
      rmSync(path)
    })

    it('a write failing part-way (file-size limit): DestroyError with the exact bytes written and the cause', async function () {
      if (spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status !== 0) this.skip()
      const { path, data } = fresh(3 * MiB + 1)
      const script = `
        require('tsx/cjs')
        process.on('SIGXFSZ', () => {})
        require(${JSON.stringify(join(ROOT, 'lib'))}).destroyFile(${JSON.stringify(path)}).then(
          () => console.log('{}'),
          (e) => console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message, cause: e.cause && e.cause.code, report: e.report })))`
      const r = spawnSync('prlimit', [`--fsize=${MiB}`, process.execPath, '-e', script], { encoding: 'utf8', cwd: ROOT })
      assert.equal(r.status, 0, r.stderr)
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { name: string; code: string; message: string; cause: string; report: DestroyReport }
      assert.equal(out.name, 'DestroyError')
      assert.equal(out.code, 'FSEC_DESTROY_FAILED')
      assert.equal(out.cause, 'FSEC_IO')
      assert.equal(out.report.disposition, 'failed')
      assert.equal(out.report.error?.step, 'overwrite')
      assert.deepEqual(out.report.passes, [{ pattern: 'random', bytesWritten: MiB, synced: false }])
      assert.equal(out.report.leftAt, path)
      assert.match(out.message, /stopped after 1048576 of 3145729 bytes/)
      assert.match(out.message, /not removed: it is still at .*\(partly overwritten\)/)
      const now = readFileSync(path)
      assert.ok(!now.subarray(0, MiB).equals(data.subarray(0, MiB)), 'the reported bytes were overwritten')
      assert.ok(now.subarray(MiB).equals(data.subarray(MiB)), 'the rest is as it was')
    })

    it('a folder that refuses the rename (immutable): DestroyError after the overwrite, the file still there', async function () {
      const { path, folder } = fresh(100_000)
      if (!makeImmutable(folder)) this.skip()
      let e: DestroyError
      try {
        e = (await rejectsWith(destroyFile(path), DestroyError, 'FSEC_DESTROY_FAILED')) as DestroyError
      } finally {
        makeMutable(folder)
      }
      const r = e.report
      assert.equal(r.error?.step, 'rename')
      checkPassesComplete(r, ['random', 'random', 'zeros'])
      assert.equal(r.leftAt, path)
      assert.equal(r.removed, false)
      assert.match(e.message, /All 3 passes were written over the file and synced\. The file was not removed: it is still at .* \(overwritten\)/)
      assert.ok(e.cause instanceof FileError)
      assert.ok(existsSync(path))
      assert.equal(statSync(path).size, r.truncated ? 0 : 100_000)
    })
  })

  describe('the report describes where the file lived', () => {
    it('file system, mount point and medium of the test folder (as findmnt and describeMedium see them)', async () => {
      const { path, folder } = fresh(1000)
      const medium = await describeMedium(folder)
      const r = await destroyFile(path)
      assert.deepEqual(r.medium, medium)
      assert.equal(r.fsType, medium.fsType)
      const fstype = findmnt('FSTYPE', folder)
      if (fstype !== undefined) assert.equal(r.fsType, fstype)
      const target = findmnt('TARGET', folder)
      if (target !== undefined) assert.equal(r.mountPoint, target)
      assert.equal(r.syncService, null)
    })

    it('tmpfs (/dev/shm) is RAM-backed: best-effort, never Clear', async function () {
      if (!existsSync('/dev/shm') || findmnt('FSTYPE', '/dev/shm') !== 'tmpfs') this.skip()
      const shm = mkdtempSync('/dev/shm/filesec-destroy-')
      try {
        const path = join(shm, 'f')
        writeFileSync(path, randomBytes(10_000))
        const r = await destroyFile(path)
        assert.equal(r.disposition, 'destroyed')
        assert.equal(r.fsType, 'tmpfs')
        assert.equal(r.medium.ramBacked, true)
        assert.equal(r.assurance, 'best-effort')
        assert.equal(r.nistCategory, null)
        assert.ok(r.warnings.some((w) => /swapped out/.test(w)))
      } finally {
        rmSync(shm, { recursive: true, force: true })
      }
    })

    it('§7.24 destroy works next to a .svn folder: a warning, not a refusal', async () => {
      const { path, folder } = fresh(100)
      mkdirSync(join(folder, '.svn'))
      const r = await destroyFile(path)
      assert.equal(r.disposition, 'destroyed')
      assert.deepEqual(r.vcs, { kind: 'svn', root: folder, tracked: null, ignored: null })
      assert.ok(r.warnings.some((w) => w.includes('Subversion working copy')))
      assert.equal(r.assurance, 'best-effort')
    })

    it('§7.135 (destroy part) a file in a Dropbox folder is destroyed, with a warning about the copies', async () => {
      const { path, folder } = fresh(100)
      const home = join(folder, 'home')
      mkdirSync(join(home, '.dropbox'), { recursive: true })
      writeFileSync(join(home, '.dropbox', 'info.json'), JSON.stringify({ personal: { path: folder } }))
      const r = await withHome(home, () => destroyFile(path))
      assert.equal(r.disposition, 'destroyed')
      assert.equal(r.syncService?.service, 'Dropbox')
      assert.equal(r.syncService?.root, folder)
      assert.ok(r.warnings.some((w) => w.startsWith('The file is in a Dropbox folder')))
    })
  })
})

describe('destroy assurance (NIST SP 800-88 verdict)', () => {
  const disk: MediumInfo = {
    fsType: 'ext4',
    copyOnWrite: false,
    journaling: false,
    network: false,
    ramBacked: false,
    ssd: false,
    device: 'sda1',
  }
  const facts = (over: Partial<AssuranceFacts> = {}, medium: Partial<MediumInfo> = {}): AssuranceFacts => ({
    finished: true,
    passes: [{ pattern: 'random', bytesWritten: 10, synced: true }],
    medium: { ...disk, ...medium },
    syncService: null,
    vcs: null,
    otherLinks: 0,
    device: '8:1',
    inode: 12,
    mountPoint: '/',
    ...over,
  })

  it('Clear only for a finished, synced overwrite on a rotational disk under an in-place file system, with no copies', () => {
    assert.deepEqual(assess(facts()), { assurance: 'overwritten-in-place', nistCategory: 'Clear', warnings: [] })
    assert.equal(assess(facts({}, { fsType: 'xfs' })).assurance, 'overwritten-in-place')
    assert.equal(assess(facts({ vcs: { kind: 'git', root: '/r', tracked: false, ignored: false } })).assurance, 'overwritten-in-place')
    const linked = assess(facts({ otherLinks: 1 }))
    assert.equal(linked.assurance, 'overwritten-in-place')
    assert.match(linked.warnings[0]!, /find \/ -xdev -inum 12/)
  })

  const cases: [string, Partial<AssuranceFacts>, Partial<MediumInfo>, RegExp][] = [
    ['an SSD', {}, { ssd: true }, /is an SSD/],
    ['a disk of unknown kind', {}, { ssd: null, device: 'vda' }, /could not be determined/],
    ['copy-on-write (btrfs)', {}, { fsType: 'btrfs', copyOnWrite: true }, /copy-on-write/],
    ['data=journal', {}, { journaling: true }, /data=journal/],
    ['a network file system', {}, { fsType: 'nfs', network: true, ssd: null, device: null }, /network file system/],
    ['tmpfs', {}, { fsType: 'tmpfs', ramBacked: true, ssd: null, device: null }, /swapped out/],
    ['an unknown file system', {}, { fsType: 'fuse.foo' }, /does not know whether fuse\.foo/],
    ['an unsynced pass', { passes: [{ pattern: 'random', bytesWritten: 10, synced: false }] }, {}, /could not be confirmed on disk/],
    ['a Dropbox folder', { syncService: { service: 'Dropbox', root: '/d', evidence: 'x' } }, {}, /Dropbox folder/],
    ['a file tracked by git', { vcs: { kind: 'git', root: '/r', tracked: true, ignored: false } }, {}, /tracked by git/],
    ['a Mercurial working copy', { vcs: { kind: 'hg', root: '/r', tracked: null, ignored: null } }, {}, /Mercurial working copy/],
  ]
  for (const [label, over, medium, warning] of cases) {
    it(`best-effort on ${label}, with a warning saying why`, () => {
      const a = assess(facts(over, medium))
      assert.equal(a.assurance, 'best-effort')
      assert.equal(a.nistCategory, null)
      assert.ok(a.warnings.some((w) => warning.test(w)), a.warnings.join('\n'))
    })
  }

  it('media that cannot be trusted point to cryptographic erase', () => {
    assert.ok(assess(facts({}, { ssd: true })).warnings.some((w) => /cryptographic erase/.test(w)))
    assert.ok(!assess(facts()).warnings.some((w) => /cryptographic erase/.test(w)))
  })

  it('failed when the work stopped part-way, whatever the medium', () => {
    const a = assess(facts({ finished: false }))
    assert.equal(a.assurance, 'failed')
    assert.equal(a.nistCategory, null)
  })
})

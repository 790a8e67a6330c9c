// Small mounts for the fault tests: a file system (tmpfs, or ext4 on a loop device) that fills up
// at a chosen byte, runs out of inodes, or turns read-only. Mounting needs root (CI runs as
// root); suites that need it skip visibly when it is not permitted.
import { spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readdirSync, rmdirSync, rmSync, statfsSync, truncateSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

let mountable: boolean | undefined

function run(cmd: string, args: string[]): { ok: boolean; output: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error?.message ?? ''}` }
}

/** Whether this process may mount a tmpfs (root, and not in a container that forbids it). */
export function canMountTmpfs(): boolean {
  if (mountable === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'filesec-mount-probe-'))
    mountable = run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).ok
    if (mountable) run('umount', [dir])
    rmdirSync(dir)
  }
  return mountable
}

/** describe() for suites that mount file systems; one visible skipped test when that is not permitted. */
export function describeWithMount(title: string, fn: (this: Mocha.Suite) => void): void {
  if (!canMountTmpfs()) {
    describe(title, () => {
      it('SKIPPED: cannot mount a tmpfs (needs root: mount -t tmpfs)', function () {
        this.skip()
      })
    })
    return
  }
  describe(title, fn)
}

let loopMountable: boolean | undefined

/**
 * Whether an ext4 image can be made and loop-mounted (root, e2fsprogs' mkfs.ext4, a loop
 * device: containers often have none).
 */
export function canMountExt4(): boolean {
  if (loopMountable === undefined) {
    loopMountable = false
    if (canMountTmpfs()) {
      try {
        new SmallFs(1024 * 1024, { kind: 'ext4' }).unmount()
        loopMountable = true
      } catch {
        loopMountable = false
      }
    }
  }
  return loopMountable
}

/** describe() for suites on a loop-mounted ext4; one visible skipped test when that is not possible. */
export function describeWithExt4(title: string, fn: (this: Mocha.Suite) => void): void {
  if (!canMountExt4()) {
    describe(title, () => {
      it('SKIPPED: cannot loop-mount an ext4 image (needs root, mkfs.ext4 from e2fsprogs and a loop device)', function () {
        this.skip()
      })
    })
    return
  }
  describe(title, fn)
}

export const FILLER = 'filler'

export interface SmallFsOptions {
  /** tmpfs (default), or ext4 on a loop device: fallocate and fdatasync really reach a disk. */
  kind?: 'tmpfs' | 'ext4'
  /** tmpfs only: the number of inodes (files and folders) it can hold. */
  inodes?: number
}

/** A mounted small file system of a fixed size. */
export class SmallFs {
  readonly dir: string
  private readonly image?: string
  private mounted = false

  constructor(readonly sizeBytes: number, options: SmallFsOptions = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'filesec-smallfs-'))
    let r
    if (options.kind === 'ext4') {
      this.image = `${this.dir}.img`
      closeSync(openSync(this.image, 'w'))
      truncateSync(this.image, sizeBytes)
      // No journal and no reserved blocks: the free space statfs reports is all a writer gets.
      r = run('mkfs.ext4', ['-q', '-F', '-O', '^has_journal', '-m', '0', this.image])
      if (r.ok) r = run('mount', ['-o', 'loop', this.image, this.dir])
    } else {
      const o = [`size=${sizeBytes}`, 'mode=0700']
      if (options.inodes !== undefined) o.push(`nr_inodes=${options.inodes}`)
      r = run('mount', ['-t', 'tmpfs', '-o', o.join(','), 'tmpfs', this.dir])
    }
    if (!r.ok) {
      rmdirSync(this.dir)
      if (this.image) rmSync(this.image, { force: true })
      throw new Error(`mounting a ${options.kind ?? 'tmpfs'} failed: ${r.output}`)
    }
    this.mounted = true
  }

  path(name: string): string {
    return join(this.dir, name)
  }

  /** Bytes a non-privileged writer could still allocate. */
  free(): number {
    const s = statfsSync(this.dir)
    return s.bavail * s.bsize
  }

  freeInodes(): number {
    return statfsSync(this.dir).ffree
  }

  /**
   * Fills the file system with a filler file until `bytes` remain free (rounded down to the
   * block size). Returns the bytes actually left free.
   */
  leaveFree(bytes: number): number {
    const block = statfsSync(this.dir).bsize
    const toFill = Math.max(0, this.free() - Math.ceil(bytes / block) * block)
    const fd = openSync(this.path(FILLER), 'a')
    try {
      const piece = Buffer.alloc(64 * 1024, 0xa5)
      for (let done = 0; done < toFill; ) {
        const n = Math.min(piece.length, toFill - done)
        try {
          done += writeSync(fd, piece, 0, n)
        } catch (e) {
          // ext4 spends blocks of its own on the filler's extent tree: full before the count.
          if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break
          throw e
        }
      }
    } finally {
      closeSync(fd)
    }
    return this.free()
  }

  /** Empties the file system (the filler included). */
  clear(): void {
    for (const name of readdirSync(this.dir)) rmSync(join(this.dir, name), { recursive: true, force: true })
  }

  /** Remounts read-only (true) or read-write (false). */
  setReadOnly(readOnly: boolean): void {
    const r = run('mount', ['-o', `remount,${readOnly ? 'ro' : 'rw'}`, this.dir])
    if (!r.ok) throw new Error(`remount failed: ${r.output}`)
  }

  unmount(): void {
    if (!this.mounted) return
    const r = run('umount', [this.dir])
    if (!r.ok) {
      // Busy: something still holds a file open there (a leaked descriptor is a bug the failure
      // reports). Detached lazily all the same, so no mount outlives the test run.
      run('umount', ['-l', this.dir])
      this.mounted = false
      rmdirSync(this.dir)
      if (this.image) rmSync(this.image, { force: true })
      throw new Error(`umount ${this.dir} failed (a file is still open there): ${r.output}`)
    }
    this.mounted = false
    rmdirSync(this.dir)
    if (this.image) rmSync(this.image, { force: true })
  }
}

/** Faults injected by the running suite, by kind, for its summary line. */
const faultCounts = new Map<string, number>()

export function countFault(kind: string): void {
  faultCounts.set(kind, (faultCounts.get(kind) ?? 0) + 1)
}

/** `kind=count …` of the faults counted since the last summary; starts the count afresh. */
export function takeFaultSummary(): string {
  const line = [...faultCounts.entries()].map(([k, n]) => `${k}=${n}`).join(' ')
  faultCounts.clear()
  return line
}

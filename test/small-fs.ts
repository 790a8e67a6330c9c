// Small tmpfs mounts for the fault tests: a file system that fills up at a chosen byte, runs out
// of inodes, or turns read-only. Mounting needs root (CI runs as root); suites that need it skip
// visibly when it is not permitted.
import { spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readdirSync, rmdirSync, rmSync, statfsSync, writeSync } from 'node:fs'
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

export const FILLER = 'filler'

/** A mounted tmpfs of a fixed size. */
export class SmallFs {
  readonly dir: string
  private mounted = false

  constructor(readonly sizeBytes: number, readonly inodes?: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'filesec-smallfs-'))
    const options = [`size=${sizeBytes}`, 'mode=0700']
    if (inodes !== undefined) options.push(`nr_inodes=${inodes}`)
    const r = run('mount', ['-t', 'tmpfs', '-o', options.join(','), 'tmpfs', this.dir])
    if (!r.ok) {
      rmdirSync(this.dir)
      throw new Error(`mount -t tmpfs failed: ${r.output}`)
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
        done += writeSync(fd, piece, 0, n)
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
      throw new Error(`umount ${this.dir} failed (a file is still open there): ${r.output}`)
    }
    this.mounted = false
    rmdirSync(this.dir)
  }
}

/** Faults injected across the fault suites, by kind, for the summary line. */
export const faultCounts = new Map<string, number>()

export function countFault(kind: string): void {
  faultCounts.set(kind, (faultCounts.get(kind) ?? 0) + 1)
}

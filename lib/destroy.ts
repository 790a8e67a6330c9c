// destroyFile: secure removal of a regular file. The native shredder overwrites the file in
// place (each pass synced to disk), then truncates, renames and unlinks it; this module checks
// the arguments, looks at where the file lives before its name disappears, and turns what was
// done into a report with an honest verdict (lib/destroy-assurance.ts). A destroy that stops
// part-way throws DestroyError / DestroyAbortedError carrying the same report, whose message
// says what is left where.
import { lstat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'

import type { DestroyNativeReport, DestroyStep } from '../binding'
import { assess, type DestroyAssurance, type DestroyPassReport, type DestroyPattern } from './destroy-assurance'
import { describeMedium, type MediumInfo } from './detect/medium'
import { hardlinkInfo, type HardlinkInfo } from './detect/links'
import { detectSyncService, type SyncServiceInfo } from './detect/sync'
import { detectVcs, type VcsInfo } from './detect/vcs'
import { ArgumentError, DestroyAbortedError, DestroyError, FileError, fromFs, fromNative } from './errors'
import { runJob } from './jobs'
import { native } from './native'
import { checkKnownOptions, checkRunOptions, type Progress, throwIfAborted } from './options'

export type { DestroyAssurance, DestroyPassReport, DestroyPattern } from './destroy-assurance'

export const DEFAULT_DESTROY_PASSES = 3
export const MAX_DESTROY_PASSES = 100

const PATTERNS: readonly DestroyPattern[] = ['random', 'zeros', 'ones']

export interface DestroyOptions {
  /**
   * How many passes (default 3), or the patterns themselves ('random', 'zeros', 'ones'). A number
   * N means N − 1 random passes and a final pass of zeros (so the disk does not visibly hold random
   * noise where a file was); 1 means a single random pass.
   */
  passes?: number | readonly DestroyPattern[]
  /** Remove the file once overwritten (default true); false keeps it in place, overwritten, like `shred` without -u. */
  remove?: boolean
  /** Stops the overwrite between blocks; the file is then not removed (see DestroyAbortedError). */
  signal?: AbortSignal
  /** Bytes written over all passes so far, about every 100 ms. */
  onProgress?: (progress: Progress) => void
}

export interface DestroyReport {
  /** The absolute path that was destroyed. */
  path: string
  /** `destroyed`: overwritten and removed; `overwritten`: overwritten in place and kept (remove: false); `failed`: stopped part-way. */
  disposition: 'destroyed' | 'overwritten' | 'failed'
  /** How far the overwrite can be trusted (see DestroyAssurance). */
  assurance: DestroyAssurance
  /** The NIST SP 800-88 sanitization category met: 'Clear' for a trustworthy overwrite in place, else null. */
  nistCategory: 'Clear' | null
  /** The file's size when it was opened. */
  size: number
  /** The passes started, in order. */
  passes: DestroyPassReport[]
  /** Bytes written over all passes. */
  bytesOverwritten: number
  /**
   * Always false: the file is overwritten at its exact size, not rounded up to a whole block as
   * shred does. Linux writes a file's last page whole, zero-filled past the end of the file (ext4
   * and the generic block-layer writeback), which clears the last block's slack wherever blocks
   * are no larger than a page; and the file keeps its size when `remove` is false.
   */
  roundedUpToBlock: false
  /** The file system's preferred I/O block size (st_blksize). */
  blockSize: number
  /** Emptied before removal (skipped while other hard links keep the file alive). */
  truncated: boolean
  /** The random names it had, in order, before it was unlinked (full paths). */
  renamedTo: string[]
  /** The name was unlinked. */
  removed: boolean
  /** The folder was fsynced after the unlink, so the removal survives a crash. */
  folderSynced: boolean
  /** Where the file still is when it was not removed (its original or last random name), else null. */
  leftAt: string | null
  /** Duration of the overwrite and removal. */
  seconds: number
  /** Other names (hard links) of the same file: they now show the last pattern, and keep the file alive. */
  otherLinks: number
  /** "major:minor" of the file system, and the file's inode: `find MOUNT -xdev -inum INODE` finds the other links. */
  device: string
  inode: number
  mountPoint: string | null
  fsType: string
  medium: MediumInfo
  syncService: SyncServiceInfo | null
  vcs: VcsInfo | null
  /** Plain-words reasons why data may survive, and where. */
  warnings: string[]
  /** Why the destroy stopped part-way: the underlying error's code and message, and the step. */
  error: { code: string; message: string; step: DestroyStep } | null
}

/** The patterns for a `passes` option (ArgumentError when it is not a valid one). */
export function patternsFor(passes: DestroyOptions['passes']): DestroyPattern[] {
  if (passes === undefined) passes = DEFAULT_DESTROY_PASSES
  if (typeof passes === 'number') {
    if (!Number.isInteger(passes) || passes < 1 || passes > MAX_DESTROY_PASSES) {
      throw new ArgumentError(`passes must be an integer from 1 to ${MAX_DESTROY_PASSES}`)
    }
    if (passes === 1) return ['random']
    return [...Array<DestroyPattern>(passes - 1).fill('random'), 'zeros']
  }
  if (!Array.isArray(passes) || passes.length < 1 || passes.length > MAX_DESTROY_PASSES) {
    throw new ArgumentError(`passes must be a number or a list of 1 to ${MAX_DESTROY_PASSES} patterns`)
  }
  for (const p of passes) {
    if (!PATTERNS.includes(p)) throw new ArgumentError(`unknown pass pattern ${String(p)} (use 'random', 'zeros' or 'ones')`)
  }
  return [...passes]
}

/**
 * Checks that `abs` names a regular file, without following a symbolic link; returns its size.
 * FileNotFoundError when it does not exist, FileError FSEC_NOT_A_FILE for anything else.
 */
export async function checkDestroyTarget(abs: string): Promise<number> {
  let st
  try {
    st = await lstat(abs)
  } catch (e) {
    throw fromFs(e, abs)
  }
  const refuse = (why: string): never => {
    throw new FileError('FSEC_NOT_A_FILE', `${abs} ${why}`, { path: abs })
  }
  if (st.isSymbolicLink()) refuse('is a symbolic link: destroy never follows links (give the path of the file itself)')
  if (st.isDirectory()) refuse('is a directory, not a regular file')
  if (!st.isFile()) refuse('is not a regular file (a device, FIFO or socket)')
  return st.size
}

interface Surroundings {
  medium: MediumInfo
  links: HardlinkInfo
  vcs: VcsInfo | null
  syncService: SyncServiceInfo | null
}

// The destroy job resolves with a report even when the overwrite fails or is aborted part-way
// (raw.error says so); runJob's rejection is only for a file that could not be opened.
function runShredder(abs: string, patterns: DestroyPattern[], remove: boolean, options: DestroyOptions): Promise<DestroyNativeReport> {
  return runJob((onProgress) => native.destroyFile({ path: abs, passes: patterns, remove }, onProgress), options)
}

function buildReport(abs: string, raw: DestroyNativeReport, around: Surroundings, remove: boolean, planned: number): DestroyReport {
  const passes = raw.passes.map((p) => ({ pattern: p.pattern, bytesWritten: p.bytesWritten, synced: p.synced }))
  const renamedTo = raw.renamedTo.map((name) => join(dirname(abs), name))
  const finished = raw.error === null && passes.length === planned
  const device = `${raw.deviceMajor}:${raw.deviceMinor}`
  const otherLinks = Math.max(0, raw.links - 1)
  const verdict = assess({
    finished,
    passes,
    medium: around.medium,
    syncService: around.syncService,
    vcs: around.vcs,
    otherLinks,
    device,
    inode: raw.inode,
    mountPoint: around.links.mountPoint,
  })
  return {
    path: abs,
    disposition: !finished ? 'failed' : remove ? 'destroyed' : 'overwritten',
    assurance: verdict.assurance,
    nistCategory: verdict.nistCategory,
    size: raw.size,
    passes,
    bytesOverwritten: passes.reduce((sum, p) => sum + p.bytesWritten, 0),
    roundedUpToBlock: false,
    blockSize: raw.blockSize,
    truncated: raw.truncated,
    renamedTo,
    removed: raw.unlinked,
    folderSynced: raw.folderSynced,
    leftAt: raw.unlinked ? null : (renamedTo[renamedTo.length - 1] ?? abs),
    seconds: raw.seconds,
    otherLinks,
    device,
    inode: raw.inode,
    mountPoint: around.links.mountPoint,
    fsType: around.medium.fsType,
    medium: around.medium,
    syncService: around.syncService,
    vcs: around.vcs,
    warnings: verdict.warnings,
    error: raw.error === null ? null : { code: raw.error.code, message: raw.error.message, step: raw.failedStep },
  }
}

/** Passes written over the whole file and synced. */
function wholePasses(r: DestroyReport): number {
  return r.passes.filter((p) => p.bytesWritten === r.size && p.synced).length
}

/** What the passes achieved, in words: "1 of 3 passes covered the whole file; pass 2 (random) stopped after …". */
function passesDone(r: DestroyReport, planned: number): string {
  const whole = wholePasses(r)
  if (whole === planned) return `All ${planned} passes were written over the file and synced`
  const parts = [whole === 0 ? `No pass of ${planned} was completed` : `${whole} of ${planned} passes covered the whole file`]
  const last = r.passes[r.passes.length - 1]
  if (last !== undefined && !(last.bytesWritten === r.size && last.synced)) {
    parts.push(
      last.bytesWritten === r.size
        ? `pass ${r.passes.length} (${last.pattern}) was written but not synced to disk`
        : `pass ${r.passes.length} (${last.pattern}) stopped after ${last.bytesWritten} of ${r.size} bytes`,
    )
  }
  return parts.join('; ')
}

/** The message of a destroy that stopped part-way: what was done, and what is left where. */
function failureMessage(r: DestroyReport, planned: number): string {
  const head =
    r.error?.code === 'FSEC_ABORTED'
      ? `destroying ${r.path} was aborted`
      : `destroying ${r.path} failed: ${r.error?.message ?? 'unknown error'}`
  if (r.bytesOverwritten === 0 && r.size > 0) return `${head}. Nothing was written: the file is unchanged at ${r.path}.`
  if (r.leftAt === null) {
    return `${head}. The file was overwritten and removed, but the removal could not be synced to disk: its name may reappear after a crash.`
  }
  const state = wholePasses(r) === planned ? 'overwritten' : 'partly overwritten'
  return `${head}. ${passesDone(r, planned)}. The file was not removed: it is still at ${r.leftAt} (${state}).`
}

/**
 * Overwrites a regular file in place and removes it (unless `remove: false`), and reports what was
 * done, where the file lived, and how far the result can be trusted. Symbolic links are never
 * followed. Rejects with FileNotFoundError / FileError before anything is written, and with
 * DestroyError (FSEC_DESTROY_FAILED) or DestroyAbortedError (FSEC_ABORTED), both carrying the
 * report, when it stops part-way.
 */
export async function destroyFile(path: string, options: DestroyOptions = {}): Promise<DestroyReport> {
  if (typeof path !== 'string' || path === '') throw new ArgumentError('destroyFile needs a path (a non-empty string)')
  if (typeof options !== 'object' || options === null) throw new ArgumentError('options must be an object')
  checkKnownOptions(options, ['passes', 'remove', 'signal', 'onProgress'], 'destroy')
  checkRunOptions(options)
  if (options.remove !== undefined && typeof options.remove !== 'boolean') throw new ArgumentError('remove must be a boolean')
  const patterns = patternsFor(options.passes)
  const remove = options.remove ?? true
  const abs = resolve(path)
  throwIfAborted(options.signal)
  await checkDestroyTarget(abs)
  // Look around before the name disappears.
  const [medium, links, vcs, syncService] = await Promise.all([
    describeMedium(abs),
    hardlinkInfo(abs),
    detectVcs(abs),
    detectSyncService(abs),
  ])
  throwIfAborted(options.signal)
  const raw = await runShredder(abs, patterns, remove, options)
  const report = buildReport(abs, raw, { medium, links, vcs, syncService }, remove, patterns.length)
  if (raw.error === null) return report
  const message = failureMessage(report, patterns.length)
  if (raw.error.code === 'FSEC_ABORTED') throw new DestroyAbortedError(message, report)
  throw new DestroyError(message, report, { cause: fromNative(raw.error) })
}

// Leftovers of interrupted runs: temporary outputs (`.NAME.<hex>.fsec-tmp`) and rotation journals
// (`.NAME.fsec-rotate`). Each is locked (flock) by the process writing it for as long as that
// process has it open, so one whose lock can be taken belongs to a process that is gone (killed,
// crashed, powered off): only those are removed or recovered; one in use is reported, never touched.
import type { Dirent } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'

import { ArgumentError, fromFs, type FilesecError } from './errors'
import { classify, type LeftoverKind, removeAbandoned } from './leftovers'
import { native } from './native'
import { recoverRotation } from './rotate'

export type { LeftoverKind } from './leftovers'

export interface Leftover {
  /** Absolute path of the leftover. */
  path: string
  /** `temporary`: an unfinished output (may hold plaintext); `rotation-journal`: an in-place header rotation that did not finish. */
  kind: LeftoverKind
  /** The file it belongs to: the output it would have become, or the file being rotated. */
  target: string
  /** `in-use`: a live process holds it (left alone); `abandoned`: its writer is gone. */
  state: 'in-use' | 'abandoned'
  size: number
}

export interface FindLeftoversOptions {
  /** Look into subfolders too (symbolic links are not followed). Default false. */
  recursive?: boolean
}

export interface CleanLeftoversResult {
  /** Abandoned temporaries, destroyed (overwritten once, then removed). */
  removed: Leftover[]
  /** Abandoned rotation journals whose rotation was completed (recoverRotation). */
  recovered: Leftover[]
  /** Held by a live process: not touched. */
  inUse: Leftover[]
  /** Could not be removed or recovered, with the reason. */
  failed: { leftover: Leftover; error: FilesecError | Error }[]
}

async function entriesOf(folder: string): Promise<Dirent[]> {
  try {
    return await readdir(folder, { withFileTypes: true })
  } catch (e) {
    throw fromFs(e, folder)
  }
}

async function collect(folder: string, recursive: boolean, found: Leftover[]): Promise<void> {
  for (const entry of await entriesOf(folder)) {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) {
      if (recursive) await collect(path, true, found)
      continue
    }
    if (!entry.isFile()) continue
    const what = classify(folder, entry.name)
    if (!what) continue
    const state = native.probeLeftover(path)
    if (state === 'gone') continue
    const st = await lstat(path).catch(() => undefined)
    if (!st) continue
    found.push({ path, ...what, state, size: st.size })
  }
}

/** Lists the leftovers in `folder` (and, with `recursive`, below it), in-use ones included. */
export async function findLeftovers(folder: string, options: FindLeftoversOptions = {}): Promise<Leftover[]> {
  if (typeof folder !== 'string' || folder === '') throw new ArgumentError('folder must be a path')
  if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object')
  const found: Leftover[] = []
  await collect(resolve(folder), options.recursive === true, found)
  return found.sort((a, b) => a.path.localeCompare(b.path))
}

/**
 * Destroys abandoned temporaries and completes abandoned rotations in `folder`; leaves leftovers
 * in use alone. A failure on one leftover is reported and does not stop the others.
 */
export async function cleanLeftovers(folder: string, options: FindLeftoversOptions = {}): Promise<CleanLeftoversResult> {
  const result: CleanLeftoversResult = { removed: [], recovered: [], inUse: [], failed: [] }
  for (const leftover of await findLeftovers(folder, options)) {
    if (leftover.state === 'in-use') {
      result.inUse.push(leftover)
      continue
    }
    try {
      if (leftover.kind === 'temporary') {
        // Probed again: since it was listed, its writer may have finished (renamed it away).
        if (await removeAbandoned(leftover.path)) result.removed.push(leftover)
      } else {
        await recoverRotation(leftover.target)
        result.recovered.push(leftover)
      }
    } catch (e) {
      result.failed.push({ leftover, error: e as Error })
    }
  }
  return result
}


// Recognising the leftovers of interrupted runs by name, and removing an abandoned temporary:
// one whose lock (fs::create_exclusive holds a flock while its writer has it open) can be taken,
// so its writer is gone. lib/doctor.ts builds the folder-wide report and clean-up on this.
import type { Dirent } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'

import { destroyFile } from './destroy'
import { native } from './native'
import { ROTATION_JOURNAL_SUFFIX, TEMP_SUFFIX } from './paths'

const TEMP_NAME = new RegExp(`^\\.(.+)\\.[0-9a-f]{12}${TEMP_SUFFIX.replace('.', '\\.')}$`)
const JOURNAL_NAME = new RegExp(`^\\.(.+)${ROTATION_JOURNAL_SUFFIX.replace('.', '\\.')}$`)

export type LeftoverKind = 'temporary' | 'rotation-journal'

/** What a name in `folder` is a leftover of, if it is one. */
export function classify(folder: string, name: string): { kind: LeftoverKind; target: string } | undefined {
  const temp = TEMP_NAME.exec(name)
  if (temp) return { kind: 'temporary', target: join(folder, temp[1]!) }
  const journal = JOURNAL_NAME.exec(name)
  if (journal) return { kind: 'rotation-journal', target: join(folder, journal[1]!) }
  return undefined
}

/**
 * Destroys a temporary if it is (still) abandoned: probed again right before, since its writer
 * may have finished and renamed it away since it was listed. False when held or gone.
 */
export async function removeAbandoned(path: string): Promise<boolean> {
  if (native.probeLeftover(path) !== 'abandoned') return false
  // An unfinished decryption holds plaintext: overwrite it before the name goes.
  await destroyFile(path, { passes: 1 })
  return true
}

/**
 * Removes the abandoned temporaries of one output name (`.NAME.<hex>.fsec-tmp` beside it), so a
 * run that writes `output` again also clears what an interrupted earlier run left. Best effort:
 * a temporary that cannot be removed is left for `filesec doctor`.
 */
export async function removeAbandonedTemporaries(output: string): Promise<number> {
  const abs = resolve(output)
  const folder = join(abs, '..')
  let entries: Dirent[]
  try {
    entries = await readdir(folder, { withFileTypes: true })
  } catch {
    return 0
  }
  let removed = 0
  for (const entry of entries) {
    if (!entry.isFile()) continue
    const what = classify(folder, entry.name)
    if (what?.kind !== 'temporary' || what.target !== abs) continue
    try {
      if (await removeAbandoned(join(folder, entry.name))) removed++
    } catch {
      // Left for filesec doctor, which reports why.
    }
  }
  return removed
}

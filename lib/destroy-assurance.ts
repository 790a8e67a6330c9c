// The verdict on a destroy, in NIST SP 800-88 terms, and the warnings that explain it. An
// overwrite in place is a "Clear" technique only where it really reaches the old data: a disk
// known to be rotational, under a file system known to rewrite blocks in place, with every pass
// synced to it, and no copies elsewhere (sync services, version control). Anywhere else it is
// best effort: on flash and copy-on-write storage only cryptographic erase (destroying the key
// of a file that was only ever stored encrypted) is trustworthy.
import type { MediumInfo } from './detect/medium'
import { overwritesInPlace } from './detect/medium'
import type { SyncServiceInfo } from './detect/sync'
import type { VcsInfo } from './detect/vcs'

export type DestroyPattern = 'random' | 'zeros' | 'ones'

export interface DestroyPassReport {
  pattern: DestroyPattern
  bytesWritten: number
  /** fdatasync succeeded after the pass (false when the file system does not support it). */
  synced: boolean
}

/**
 * `overwritten-in-place`: every pass was written over the file's own blocks on a rotational disk
 * and synced (NIST SP 800-88 Clear). `best-effort`: done, but the medium or copies elsewhere mean
 * the old data may survive. `failed`: the destroy stopped part-way.
 */
export type DestroyAssurance = 'overwritten-in-place' | 'best-effort' | 'failed'

export interface AssuranceFacts {
  /** Every pass written in full (and the removal, if asked) without error. */
  finished: boolean
  passes: DestroyPassReport[]
  medium: MediumInfo
  syncService: SyncServiceInfo | null
  vcs: VcsInfo | null
  otherLinks: number
  device: string
  inode: number
  mountPoint: string | null
}

export interface Assurance {
  assurance: DestroyAssurance
  /** The SP 800-88 category the result meets ('Clear'), or null. */
  nistCategory: 'Clear' | null
  /** Plain-words reasons why data may survive, and where. */
  warnings: string[]
}

const VCS_NAMES = { git: 'git', hg: 'Mercurial', svn: 'Subversion' } as const

/** Why overwriting on this medium cannot be trusted, one sentence per reason (empty when it can). */
function mediumWarnings(m: MediumInfo): string[] {
  const out: string[] = []
  const on = m.device !== null ? ` (${m.device})` : ''
  if (m.network) {
    out.push(
      `${m.fsType} is a network file system: the data is stored on another machine (with its caches, snapshots ` +
        'and backups), and whether the overwrite reached it cannot be checked from here.',
    )
  }
  if (m.ramBacked) {
    out.push(
      `The file was held in memory (${m.fsType}${on}): the overwrite replaced it there, but parts of it may have ` +
        'been swapped out to disk, where they were not overwritten.',
    )
  }
  if (m.copyOnWrite) {
    out.push(
      `${m.fsType} writes changed data to new blocks (copy-on-write or log-structured): the old blocks, with the ` +
        'original contents, stay on the disk until they happen to be reused.',
    )
  }
  if (m.journaling) {
    out.push('The file system is mounted with data=journal: file data also goes through the journal, where old copies may remain.')
  }
  if (!m.network && !m.ramBacked && !m.copyOnWrite && !overwritesInPlace(m.fsType)) {
    out.push(`filesec does not know whether ${m.fsType} overwrites files in place.`)
  }
  if (m.ssd === true) {
    out.push(
      `The disk${on} is an SSD (flash): it writes new data to other cells and keeps the old ones until it erases ` +
        'them, so overwriting a file cannot reach its old contents.',
    )
  } else if (m.ssd === null && !m.network && !m.ramBacked) {
    out.push(
      `Whether the disk${on} is an SSD could not be determined (virtual and USB disks do not report it reliably): ` +
        'if it is flash, the old contents may survive the overwrite.',
    )
  }
  if (out.length > 0) {
    out.push(
      'On such storage only cryptographic erase is trustworthy: keep sensitive files encrypted from the moment ' +
        'they are written (filesec encrypt), and destroy the private key when the data must go.',
    )
  }
  return out
}

function copiesElsewhere(f: AssuranceFacts): string[] {
  const out: string[] = []
  if (f.syncService !== null) {
    out.push(
      `The file is in a ${f.syncService.service} folder (${f.syncService.root}): the service has copied it to its ` +
        'servers and other devices, and may keep earlier versions; destroying this copy does not reach those.',
    )
  }
  if (f.vcs !== null && f.vcs.tracked !== false) {
    const name = VCS_NAMES[f.vcs.kind]
    out.push(
      f.vcs.tracked
        ? `The file is tracked by ${name} (working copy ${f.vcs.root}): its committed contents remain in the repository's history and in every clone.`
        : `The file is in a ${name} working copy (${f.vcs.root}): if it was ever committed, its contents remain in the repository's history.`,
    )
  }
  return out
}

export function assess(f: AssuranceFacts): Assurance {
  const warnings: string[] = []
  f.passes.forEach((p, i) => {
    if (p.bytesWritten > 0 && !p.synced) {
      warnings.push(`Pass ${i + 1} (${p.pattern}) could not be confirmed on disk: the file system does not support fdatasync.`)
    }
  })
  const unsynced = warnings.length > 0
  const medium = mediumWarnings(f.medium)
  const copies = copiesElsewhere(f)
  warnings.push(...medium, ...copies)
  if (f.otherLinks > 0) {
    const names = f.otherLinks === 1 ? '1 other hard link still names' : `${f.otherLinks} other hard links still name`
    warnings.push(
      `${names} this file (device ${f.device}, inode ${f.inode}): its contents were overwritten under every name, ` +
        `but the file itself lives on until they are removed too. Find them with: find ${f.mountPoint ?? '/'} -xdev -inum ${f.inode}`,
    )
  }
  if (!f.finished) return { assurance: 'failed', nistCategory: null, warnings }
  if (unsynced || medium.length > 0 || copies.length > 0) return { assurance: 'best-effort', nistCategory: null, warnings }
  return { assurance: 'overwritten-in-place', nistCategory: 'Clear', warnings }
}

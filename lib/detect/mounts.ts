// The mount a path lives on, from /proc/self/mountinfo: mount point, file-system type as the
// kernel names it, source device and options.
import { readFile, realpath, stat } from 'node:fs/promises'
import { dirname } from 'node:path'

import { isInside } from './common'

export interface MountEntry {
  mountPoint: string
  /** "major:minor" of the mounted file system (what stat() reports as st_dev for its files). */
  device: string
  /** The file-system type, e.g. ext4, btrfs, tmpfs, fuse.sshfs. */
  fsType: string
  /** The mounted source, e.g. /dev/vda1, server:/export, tmpfs. */
  source: string
  /** Per-mount and per-superblock options, e.g. rw, relatime, data=journal. */
  options: string[]
}

/** A device number as "major:minor" (glibc's encoding of dev_t). */
export function deviceName(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn)
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn)
  return `${major}:${minor}`
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
}

/** Parses /proc/self/mountinfo (see proc(5)). */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = []
  for (const line of text.split('\n')) {
    const fields = line.split(' ')
    const dash = fields.indexOf('-')
    if (dash < 6 || fields.length < dash + 4) continue
    out.push({
      mountPoint: unescape(fields[4]!),
      device: fields[2]!,
      fsType: fields[dash + 1]!,
      source: unescape(fields[dash + 2]!),
      options: [...fields[5]!.split(','), ...fields[dash + 3]!.split(',')],
    })
  }
  return out
}

async function readMountInfo(): Promise<MountEntry[]> {
  try {
    return parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'))
  } catch {
    return []
  }
}

/** Walks up from `path` while the folders stay on `device` (for systems without /proc). */
async function mountPointByWalking(path: string, device: string): Promise<string | null> {
  let here = path
  for (;;) {
    const parent = dirname(here)
    if (parent === here) return here
    try {
      if (deviceName((await stat(parent, { bigint: true })).dev) !== device) return here
    } catch {
      return null
    }
    here = parent
  }
}

/**
 * The mount holding `path` (an existing path, symbolic links in it resolved), whose files have
 * st_dev `device`. Among the mounts of that device (bind mounts, btrfs subvolumes share one) the
 * innermost whose mount point holds the path wins; null fields when /proc is not there.
 */
export async function findMount(path: string, device: string): Promise<{ mountPoint: string | null; entry: MountEntry | null }> {
  const real = await realpath(path).catch(() => path)
  const entries = await readMountInfo()
  const holding = entries.filter((e) => isInside(e.mountPoint, real))
  const pick = (list: MountEntry[]): MountEntry | null =>
    list.reduce<MountEntry | null>((best, e) => (best === null || e.mountPoint.length >= best.mountPoint.length ? e : best), null)
  const entry = pick(holding.filter((e) => e.device === device)) ?? pick(holding)
  if (entry !== null) return { mountPoint: entry.mountPoint, entry }
  return { mountPoint: await mountPointByWalking(real, device), entry: null }
}

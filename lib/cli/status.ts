// filesec status: what matters about a file before protecting or destroying it: size, mode,
// hard links, whether it is a filesec file, version control, cloud sync and the medium under it.
import { constants } from 'node:fs'
import { access, lstat, open } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'

import {
  describeMedium,
  detectSyncService,
  detectVcs,
  FileError,
  fromFs,
  hardlinkInfo,
  type MediumInfo,
  type SyncServiceInfo,
  type VcsInfo,
} from '../index'
import { FSEC_MAGIC } from '../fsec'
import { flag } from './args'
import { type Context, oneFile, parseFor } from './common'
import { STATUS_HELP } from './help'
import { clean, formatBytes, shownPath } from './output'

const C = 'status'

/** True when the file starts with the filesec magic (its first 7 bytes). */
async function startsWithMagic(abs: string): Promise<boolean> {
  let handle
  try {
    handle = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
    const head = Buffer.alloc(FSEC_MAGIC.length)
    const { bytesRead } = await handle.read(head, 0, head.length, 0)
    return bytesRead === head.length && head.equals(FSEC_MAGIC)
  } catch (e) {
    throw fromFs(e, abs)
  } finally {
    await handle?.close()
  }
}

async function isWritableFolder(dir: string): Promise<boolean> {
  return access(dir, constants.W_OK).then(
    () => true,
    () => false,
  )
}

const VCS_NAMES = { git: 'git', hg: 'Mercurial', svn: 'Subversion' } as const

function vcsLine(vcs: VcsInfo | null): string {
  if (vcs === null) return 'not in a version-control working copy'
  const tracked = vcs.tracked === null ? 'tracked: unknown' : vcs.tracked ? 'tracked' : 'not tracked'
  return `${VCS_NAMES[vcs.kind]} working copy ${shownPath(vcs.root)} (${tracked})`
}

function syncLine(s: SyncServiceInfo | null): string {
  return s === null ? 'no cloud-sync folder found' : `${s.service} folder ${shownPath(s.root)} (${clean(s.evidence)})`
}

function mediumLine(m: MediumInfo): string {
  const yn = (v: boolean): string => (v ? 'yes' : 'no')
  return (
    `${clean(m.fsType)}${m.device !== null ? ` on ${clean(m.device)}` : ''}; SSD: ${m.ssd === null ? 'unknown' : yn(m.ssd)}; ` +
    `copy-on-write: ${yn(m.copyOnWrite)}; data journaling: ${yn(m.journaling)}; network: ${yn(m.network)}; in RAM: ${yn(m.ramBacked)}`
  )
}

export async function status(args: string[], ctx: Context): Promise<void> {
  const { values, positionals } = parseFor(ctx, args, {}, C)
  if (flag(values, 'help')) return ctx.out.help(STATUS_HELP)
  const abs = resolve(oneFile(positionals, C))
  let st
  try {
    st = await lstat(abs)
  } catch (e) {
    throw fromFs(e, abs)
  }
  if (st.isSymbolicLink()) {
    throw new FileError('FSEC_NOT_A_FILE', `${abs} is a symbolic link: give the path of the file itself`, { path: abs })
  }
  if (!st.isFile()) throw new FileError('FSEC_NOT_A_FILE', `${abs} is not a regular file`, { path: abs })
  const [links, medium, vcs, syncService, isEncrypted, folderWritable] = await Promise.all([
    hardlinkInfo(abs),
    describeMedium(abs),
    detectVcs(abs),
    detectSyncService(abs),
    startsWithMagic(abs),
    isWritableFolder(dirname(abs)),
  ])
  const permissions = (st.mode & 0o7777).toString(8).padStart(4, '0')
  ctx.out.result(
    {
      command: C,
      path: abs,
      size: st.size,
      permissions,
      hardlinks: links.links,
      device: links.device,
      inode: links.inode,
      mountPoint: links.mountPoint,
      isEncrypted,
      tracked: vcs === null ? false : vcs.tracked,
      vcs,
      syncService,
      medium,
      folderWritable,
    },
    () => [
      `${shownPath(abs)}: ${formatBytes(st.size)}, mode ${permissions}, ${links.links} hard link${links.links === 1 ? '' : 's'}, ` +
        `${isEncrypted ? 'encrypted (filesec)' : 'not encrypted'}`,
      `  version control: ${vcsLine(vcs)}`,
      `  cloud sync: ${syncLine(syncService)}`,
      `  medium: ${mediumLine(medium)}`,
      `  device ${links.device}, inode ${links.inode}${links.mountPoint !== null ? `, mounted at ${shownPath(links.mountPoint)}` : ''}`,
      `  folder: ${folderWritable ? 'writable' : 'not writable'}`,
    ],
  )
}

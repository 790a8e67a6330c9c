// fileStatus: what matters about a file before protecting or destroying it: size, mode, hard
// links, whether it is a filesec file, version control, cloud sync and the medium under it.
// Nothing is changed; a symbolic link is refused (never followed).
import { constants } from 'node:fs'
import { access, lstat, open } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'

import { describeMedium, detectSyncService, detectVcs, hardlinkInfo } from './detect'
import type { MediumInfo } from './detect/medium'
import type { SyncServiceInfo } from './detect/sync'
import type { VcsInfo } from './detect/vcs'
import { ArgumentError, FileError, fromFs } from './errors'
import { SNIFF_BYTES } from './codecs/codec'
import { codecForHead } from './codecs/registry'

export interface FileStatus {
  path: string
  size: number
  /** Permission bits as four octal digits, e.g. '0600'. */
  permissions: string
  hardlinks: number
  device: string
  inode: number
  mountPoint: string | null
  /** The file starts with the filesec magic. */
  isEncrypted: boolean
  /** Tracked by version control: false outside a working copy, null when it cannot be told. */
  tracked: boolean | null
  vcs: VcsInfo | null
  syncService: SyncServiceInfo | null
  medium: MediumInfo
  folderWritable: boolean
}

export async function fileStatus(path: string): Promise<FileStatus> {
  if (typeof path !== 'string' || path === '') throw new ArgumentError('path must be a path')
  const abs = resolve(path)
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
  return {
    path: abs,
    size: st.size,
    permissions: (st.mode & 0o7777).toString(8).padStart(4, '0'),
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
  }
}

/** True when the file starts like a file of a registered codec (.fsec, age, …). */
async function startsWithMagic(abs: string): Promise<boolean> {
  let handle
  try {
    handle = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
    const head = Buffer.alloc(SNIFF_BYTES)
    const { bytesRead } = await handle.read(head, 0, head.length, 0)
    return codecForHead(head.subarray(0, bytesRead)) !== undefined
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

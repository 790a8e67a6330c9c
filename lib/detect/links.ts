// Hard links: how many names a file has, and where to look for the others (a file's data lives
// as long as any of its names does).
import { lstat } from 'node:fs/promises'

import { fromFs } from '../errors'
import { absolutePath } from './common'
import { deviceName, findMount } from './mounts'

export interface HardlinkInfo {
  /** The number of names (hard links) the file has, this one included. */
  links: number
  /** The file system's device number, "major:minor". */
  device: string
  inode: number
  /** Where that file system is mounted: its other names are below it (`find MOUNT -xdev -inum INODE`). */
  mountPoint: string | null
}

/** Link count, device, inode and mount point of `path` (a symbolic link is described, not followed). */
export async function hardlinkInfo(path: string): Promise<HardlinkInfo> {
  const abs = absolutePath(path, 'hardlinkInfo')
  let st
  try {
    st = await lstat(abs, { bigint: true })
  } catch (e) {
    throw fromFs(e, abs)
  }
  const device = deviceName(st.dev)
  const { mountPoint } = await findMount(abs, device)
  return { links: Number(st.nlink), device, inode: Number(st.ino), mountPoint }
}

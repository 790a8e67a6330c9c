// What a path is stored on, as far as it decides whether overwriting a file in place reaches
// the old data: the file-system type (statfs magic, refined by /proc/self/mountinfo), whether it
// writes copies elsewhere (copy-on-write, log-structured, data journaling), whether it is on
// another machine or in RAM, and whether the block device under it is an SSD
// (/sys/dev/block/<major>:<minor>/queue/rotational). Local reads only.
import { lstat, readdir, readFile, realpath, stat, statfs } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

import { fromFs } from '../errors'
import { absolutePath } from './common'
import { deviceName, findMount, type MountEntry } from './mounts'

export interface MediumInfo {
  /** The file-system type: ext4, xfs, btrfs, zfs, tmpfs, nfs, fuse.sshfs, … or "unknown (0x…)". */
  fsType: string
  /** Copy-on-write or log-structured: new data goes to new blocks, old blocks stay until reused. */
  copyOnWrite: boolean
  /** File data (not only metadata) is written to a journal first (ext3/ext4 data=journal). */
  journaling: boolean
  /** The data is stored on another machine (NFS, SMB, Ceph, sshfs, …). */
  network: boolean
  /** Stored in memory (tmpfs, ramfs, zram), from where it may be swapped out to disk. */
  ramBacked: boolean
  /** true for a non-rotational (flash) disk, false for a rotational one, null when unknown or not a disk. */
  ssd: boolean | null
  /** The block device holding the file system, e.g. "nvme0n1p2", "sda1", "vda"; null when there is none. */
  device: string | null
}

interface FsFamily {
  name: string
  copyOnWrite?: boolean
  network?: boolean
  ramBacked?: boolean
  /** A disk file system known to rewrite a file's blocks in place when it is overwritten. */
  inPlace?: boolean
}

// statfs f_type magic numbers (linux/magic.h and the file systems' own headers).
const BY_MAGIC = new Map<number, FsFamily>([
  [0xef53, { name: 'ext4', inPlace: true }], // ext2/3/4 share it; mountinfo tells them apart
  [0x58465342, { name: 'xfs', inPlace: true }],
  [0x3153464a, { name: 'jfs', inPlace: true }],
  [0x4d44, { name: 'vfat', inPlace: true }],
  [0x2011bab0, { name: 'exfat', inPlace: true }],
  [0x5346544e, { name: 'ntfs', inPlace: true }],
  [0x7366746e, { name: 'ntfs3', inPlace: true }],
  [0x482b, { name: 'hfsplus', inPlace: true }],
  [0x52654973, { name: 'reiserfs' }],
  [0x9123683e, { name: 'btrfs', copyOnWrite: true }],
  [0x2fc12fc1, { name: 'zfs', copyOnWrite: true }],
  [0xca451a4e, { name: 'bcachefs', copyOnWrite: true }],
  [0xf2f52010, { name: 'f2fs', copyOnWrite: true }],
  [0x3434, { name: 'nilfs2', copyOnWrite: true }],
  [0x794c7630, { name: 'overlay', copyOnWrite: true }], // a lower-layer file is copied up, the original stays
  [0x01021994, { name: 'tmpfs', ramBacked: true }],
  [0x858458f6, { name: 'ramfs', ramBacked: true }],
  [0x6969, { name: 'nfs', network: true }],
  [0xff534d42, { name: 'cifs', network: true }],
  [0xfe534d42, { name: 'smb2', network: true }],
  [0x517b, { name: 'smb', network: true }],
  [0x01021997, { name: '9p', network: true }],
  [0x00c36400, { name: 'ceph', network: true }],
  [0x5346414f, { name: 'afs', network: true }],
  [0x6b414653, { name: 'afs', network: true }],
  [0x0bd00bd0, { name: 'lustre', network: true }],
  [0x01161970, { name: 'gfs2' }],
  [0x7461636f, { name: 'ocfs2' }],
  [0x65735546, { name: 'fuse' }],
  [0xf15f, { name: 'ecryptfs' }],
  [0x73717368, { name: 'squashfs' }],
  [0xe0f5e1e2, { name: 'erofs' }],
  [0x9660, { name: 'iso9660' }],
  [0x15013346, { name: 'udf' }],
])

// FUSE file systems (fuse.<name> in mountinfo) that store their data on another machine.
const NETWORK_FUSE = /^fuse\.(sshfs|rclone|s3fs|gcsfuse|goofys|davfs2?|glusterfs|cephfs|juicefs|mount\.s3|onedriver|google-drive-ocamlfuse|dbxfs)$/

// File systems a kernel mounts whose names tell more than the shared magic.
const EXT_NAMES = new Set(['ext2', 'ext3', 'ext4'])

// Hypervisor disks report rotational=1 whatever the host stores them on.
const VIRTUAL_DISK_NAME = /^(vd[a-z]|xvd[a-z]|loop|nbd|rbd)/
const VIRTUAL_DISK_VENDOR = /QEMU|VMware|VBOX|VirtualBox|Msft|Virtual|Xen|Google|Amazon/i

function familyOf(magic: number, mount: MountEntry | null): FsFamily {
  const known = BY_MAGIC.get(magic)
  const mounted = mount?.fsType
  if (known === undefined) return { name: mounted ?? `unknown (0x${magic.toString(16)})` }
  if (known.name === 'ext4' && mounted !== undefined && EXT_NAMES.has(mounted)) return { ...known, name: mounted }
  if (known.name === 'fuse' && mounted !== undefined && mounted.startsWith('fuse')) {
    return { name: mounted, network: NETWORK_FUSE.test(mounted) }
  }
  if (known.name === 'nfs' && mounted === 'nfs4') return { ...known, name: mounted }
  return known
}

/** True for file systems known to rewrite a file's blocks in place (ext2/3/4, xfs, jfs, FAT, exFAT, NTFS, HFS+). */
export function overwritesInPlace(fsType: string): boolean {
  for (const f of BY_MAGIC.values()) if (f.name === fsType) return f.inPlace === true
  return EXT_NAMES.has(fsType)
}

async function readSys(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim()
  } catch {
    return null
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  )
}

/** The /sys folder of the whole disk for a block device's /sys folder (a partition's parent). */
async function diskFolderOf(sysDevice: string): Promise<string> {
  const real = await realpath(sysDevice)
  return (await exists(join(real, 'partition'))) ? dirname(real) : real
}

/**
 * Flash or spinning, for the disk whose /sys folder is `disk`: true, false, or null when the
 * answer cannot be trusted. Device-mapper and md devices (LVM, LUKS, RAID) are judged by the
 * disks under them: flash if any of them is.
 */
async function isFlash(disk: string, depth = 0): Promise<boolean | null> {
  const name = basename(disk)
  const slaves = await readdir(join(disk, 'slaves')).catch(() => [] as string[])
  if (slaves.length > 0 && depth < 8) {
    const under = await Promise.all(slaves.map(async (s) => isFlash(await diskFolderOf(join('/sys/class/block', s)), depth + 1)))
    if (under.includes(true)) return true
    return under.every((u) => u === false) ? false : null
  }
  const rotational = await readSys(join(disk, 'queue', 'rotational'))
  if (rotational === '0') return true
  if (rotational !== '1') return null
  // rotational=1 is the kernel's default, and what virtual disks and many USB sticks report.
  if (VIRTUAL_DISK_NAME.test(name) || (await realpath(disk).catch(() => disk)).includes('/virtio')) return null
  if ((await readSys(join(disk, 'removable'))) === '1') return null
  const vendor = `${(await readSys(join(disk, 'device', 'vendor'))) ?? ''} ${(await readSys(join(disk, 'device', 'model'))) ?? ''}`
  if (VIRTUAL_DISK_VENDOR.test(vendor)) return null
  return false
}

/** The block device's /sys folder: by device number, else by the mount's source (btrfs uses anonymous numbers). */
async function sysDeviceFolder(device: string, mount: MountEntry | null): Promise<string | null> {
  const byNumber = join('/sys/dev/block', device)
  if (await exists(byNumber)) return byNumber
  if (mount?.source.startsWith('/dev/')) {
    const name = basename(await realpath(mount.source).catch(() => mount.source))
    const byName = join('/sys/class/block', name)
    if (await exists(byName)) return byName
  }
  return null
}

function hasOption(mount: MountEntry | null, option: string): boolean {
  return mount?.options.includes(option) ?? false
}

/**
 * Describes the medium under `path` (an existing file or folder; a symbolic link is not
 * followed: the folder holding it is described).
 */
export async function describeMedium(path: string): Promise<MediumInfo> {
  const abs = absolutePath(path, 'describeMedium')
  let target = abs
  try {
    if ((await lstat(abs)).isSymbolicLink()) target = dirname(abs)
  } catch (e) {
    throw fromFs(e, abs)
  }
  let magic: number
  let device: string
  try {
    magic = Number((await statfs(target)).type)
    device = deviceName((await stat(target, { bigint: true })).dev)
  } catch (e) {
    throw fromFs(e, target)
  }
  const { entry } = await findMount(target, device)
  const family = familyOf(magic, entry)
  let ramBacked = family.ramBacked === true
  let blockDevice: string | null = null
  let ssd: boolean | null = null
  const sys = family.network ? null : await sysDeviceFolder(device, entry)
  if (sys !== null) {
    blockDevice = basename(await realpath(sys).catch(() => sys))
    if (/^(zram|ram)\d/.test(blockDevice)) ramBacked = true
    else ssd = await isFlash(await diskFolderOf(sys))
  }
  return {
    fsType: family.name,
    copyOnWrite: family.copyOnWrite === true,
    journaling: hasOption(entry, 'data=journal'),
    network: family.network === true,
    ramBacked,
    ssd,
    device: blockDevice,
  }
}

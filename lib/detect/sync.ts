// Cloud-sync detection: is a path inside a folder that a sync client (Dropbox, OneDrive, Google
// Drive, iCloud Drive, Box, Nextcloud, ownCloud, Syncthing) copies to other machines? Found from
// the clients' own configuration under the home folder (os.homedir(), so HOME decides) and from
// the marker files they leave in the folders they sync. Local reads only; a configuration that
// cannot be read or parsed is skipped, never an error.
import { lstat, open, readdir, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

import { absolutePath, folderOf, foldersUpFrom, isInside, realPathOf } from './common'

export type SyncServiceName =
  | 'Dropbox'
  | 'OneDrive'
  | 'Google Drive'
  | 'iCloud Drive'
  | 'Box'
  | 'Nextcloud'
  | 'ownCloud'
  | 'Syncthing'

export interface SyncServiceInfo {
  service: SyncServiceName
  /** The synced folder holding the path. */
  root: string
  /** How it was found: the configuration file or marker that names the folder. */
  evidence: string
}

// Configuration files are small; anything bigger is not one.
const MAX_CONFIG_BYTES = 1024 * 1024

async function readSmallFile(path: string): Promise<string | null> {
  let handle
  try {
    handle = await open(path, 'r')
    const st = await handle.stat()
    if (!st.isFile() || st.size > MAX_CONFIG_BYTES) return null
    return (await handle.readFile()).toString('utf8')
  } catch {
    return null
  } finally {
    await handle?.close()
  }
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    return false
  }
}

async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isFile()
  } catch {
    return false
  }
}

function expandHome(path: string, home: string): string {
  if (path === '~') return home
  if (path.startsWith('~/')) return join(home, path.slice(2))
  return path
}

/** Dropbox: ~/.dropbox/info.json names each account's folder ({"personal": {"path": …}, "business": …}). */
async function dropboxInfoJson(home: string): Promise<SyncServiceInfo[]> {
  const file = join(home, '.dropbox', 'info.json')
  const text = await readSmallFile(file)
  if (text === null) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return []
  }
  if (typeof parsed !== 'object' || parsed === null) return []
  const out: SyncServiceInfo[] = []
  for (const [account, value] of Object.entries(parsed as Record<string, unknown>)) {
    const path = (value as { path?: unknown } | null)?.path
    if (typeof path === 'string' && path.startsWith('/')) {
      out.push({ service: 'Dropbox', root: resolve(path), evidence: `${file} (${account} account)` })
    }
  }
  return out
}

/** Dropbox before 2016 (what pyFileSec read): the second line of ~/.dropbox/host.db is the folder, base64. */
async function dropboxHostDb(home: string): Promise<SyncServiceInfo[]> {
  const file = join(home, '.dropbox', 'host.db')
  const text = await readSmallFile(file)
  const line = text?.split(/\r?\n/)[1]?.trim()
  if (!line || !/^[A-Za-z0-9+/=]+$/.test(line)) return []
  const path = Buffer.from(line, 'base64').toString('utf8')
  return path.startsWith('/') ? [{ service: 'Dropbox', root: resolve(path), evidence: `${file} (legacy)` }] : []
}

/** OneDrive for Linux (abraunegg/onedrive): sync_dir in ~/.config/onedrive/config, default ~/OneDrive. */
async function oneDriveConfig(home: string): Promise<SyncServiceInfo[]> {
  const file = join(home, '.config', 'onedrive', 'config')
  const text = await readSmallFile(file)
  if (text === null) return []
  let dir = '~/OneDrive'
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*sync_dir\s*=\s*"(.*)"\s*$/.exec(line)
    if (m && m[1]) dir = m[1]
  }
  return [{ service: 'OneDrive', root: resolve(home, expandHome(dir, home)), evidence: file }]
}

/** Nextcloud and ownCloud desktop clients: every `…\localPath=` line of their .cfg. */
async function cloudClientConfig(home: string, service: 'Nextcloud' | 'ownCloud'): Promise<SyncServiceInfo[]> {
  const file =
    service === 'Nextcloud'
      ? join(home, '.config', 'Nextcloud', 'nextcloud.cfg')
      : join(home, '.config', 'ownCloud', 'owncloud.cfg')
  const text = await readSmallFile(file)
  if (text === null) return []
  const out: SyncServiceInfo[] = []
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*[^=\s]*localPath\s*=\s*(.+?)\s*$/.exec(line)
    if (m && m[1]!.startsWith('/')) out.push({ service, root: resolve(m[1]!), evidence: file })
  }
  return out
}

function xmlUnescape(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!)
}

/** Syncthing: the path attribute of every <folder> in its config.xml (old and new locations). */
async function syncthingConfig(home: string): Promise<SyncServiceInfo[]> {
  const out: SyncServiceInfo[] = []
  for (const file of [
    join(home, '.config', 'syncthing', 'config.xml'),
    join(home, '.local', 'state', 'syncthing', 'config.xml'),
  ]) {
    const text = await readSmallFile(file)
    if (text === null) continue
    for (const tag of text.match(/<folder\b[^>]*>/g) ?? []) {
      const m = /\spath="([^"]*)"/.exec(tag)
      if (!m || m[1] === '') continue
      const path = expandHome(xmlUnescape(m[1]!), home)
      if (path.startsWith('/')) out.push({ service: 'Syncthing', root: resolve(path), evidence: file })
    }
  }
  return out
}

/** Folders the clients create at fixed places in the home folder (macOS File Provider, Box, Google Drive, OneDrive). */
async function wellKnownFolders(home: string): Promise<SyncServiceInfo[]> {
  const out: SyncServiceInfo[] = []
  const add = async (service: SyncServiceName, path: string): Promise<void> => {
    if (await isFolder(path)) out.push({ service, root: path, evidence: `${path} (the ${service} client's folder)` })
  }
  const cloudStorage = join(home, 'Library', 'CloudStorage')
  const providers: [string, SyncServiceName][] = [
    ['Dropbox', 'Dropbox'],
    ['OneDrive', 'OneDrive'],
    ['GoogleDrive', 'Google Drive'],
    ['Box', 'Box'],
  ]
  for (const name of await readdir(cloudStorage).catch(() => [] as string[])) {
    const provider = providers.find(([prefix]) => name.startsWith(prefix))
    if (provider) await add(provider[1], join(cloudStorage, name))
  }
  if (await isFolder(join(home, 'Library', 'Mobile Documents', 'com~apple~CloudDocs'))) {
    // Every app container under Mobile Documents is synced with iCloud, not only iCloud Drive's own.
    await add('iCloud Drive', join(home, 'Library', 'Mobile Documents'))
  }
  await add('Box', join(home, 'Box'))
  await add('Google Drive', join(home, 'Google Drive'))
  await add('Google Drive', join(home, 'My Drive'))
  for (const name of await readdir(home).catch(() => [] as string[])) {
    if (name.startsWith('OneDrive')) await add('OneDrive', join(home, name))
  }
  return out
}

/** The marker a sync client leaves in the top folder it syncs, if the folder `dir` holds one. */
async function markerIn(dir: string): Promise<{ service: SyncServiceName; marker: string } | null> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    // In a Dropbox folder .dropbox is a file; the home folder's ~/.dropbox (the client's settings)
    // is a folder and says nothing about the home folder itself.
    if (name === '.dropbox' && (await isRegularFile(join(dir, name)))) return { service: 'Dropbox', marker: name }
    if (name === '.dropbox.cache') return { service: 'Dropbox', marker: name }
    if (name === '.stfolder') return { service: 'Syncthing', marker: name }
    if (name === '.nextcloudsync.log') return { service: 'Nextcloud', marker: name }
    if (name === '.owncloudsync.log') return { service: 'ownCloud', marker: name }
    // The sync journal, written by both the Nextcloud and the ownCloud client.
    if (/^\._?sync_[0-9a-f]+\.db$/i.test(name)) return { service: 'Nextcloud', marker: name }
  }
  return null
}

async function markerUpFrom(start: string): Promise<SyncServiceInfo | null> {
  for (const dir of foldersUpFrom(start)) {
    const found = await markerIn(dir)
    if (found) {
      const note = found.service === 'Nextcloud' && found.marker.endsWith('.db') ? ' (Nextcloud or ownCloud sync journal)' : ''
      return { service: found.service, root: dir, evidence: `marker ${found.marker} in ${dir}${note}` }
    }
  }
  return null
}

/**
 * The cloud-sync folder holding `path` (which need not exist), or null. When folders are nested
 * the innermost wins; a configured folder wins over a marker for the same folder.
 */
export async function detectSyncService(path: string): Promise<SyncServiceInfo | null> {
  const abs = absolutePath(path, 'detectSyncService')
  const home = homedir()
  const configured = (
    await Promise.all([
      dropboxInfoJson(home),
      dropboxHostDb(home),
      oneDriveConfig(home),
      cloudClientConfig(home, 'Nextcloud'),
      cloudClientConfig(home, 'ownCloud'),
      syncthingConfig(home),
      wellKnownFolders(home),
    ])
  ).flat()
  const real = await realPathOf(abs)
  const candidates: SyncServiceInfo[] = []
  for (const c of configured) {
    const realRoot = await realPathOf(c.root)
    if (isInside(c.root, abs) || isInside(realRoot, real)) candidates.push(c)
  }
  const marker = await markerUpFrom(await folderOf(real))
  if (marker) candidates.push(marker)
  let best: SyncServiceInfo | null = null
  for (const c of candidates) if (best === null || c.root.length > best.root.length) best = c
  return best
}

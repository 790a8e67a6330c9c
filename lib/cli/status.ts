// filesec status: what matters about a file before protecting or destroying it: size, mode,
// hard links, whether it is a filesec file, version control, cloud sync and the medium under it.
import { fileStatus, type MediumInfo, type SyncServiceInfo, type VcsInfo } from '../index'
import { flag } from './args'
import { type Context, oneFile, parseFor } from './common'
import { STATUS_HELP } from './help'
import { clean, formatBytes, shownPath } from './output'

const C = 'status'

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
  const st = await fileStatus(oneFile(positionals, C))
  ctx.out.result({ command: C, ...st }, () => [
    `${shownPath(st.path)}: ${formatBytes(st.size)}, mode ${st.permissions}, ${st.hardlinks} hard link${st.hardlinks === 1 ? '' : 's'}, ` +
      `${st.isEncrypted ? 'encrypted (filesec)' : 'not encrypted'}`,
    `  version control: ${vcsLine(st.vcs)}`,
    `  cloud sync: ${syncLine(st.syncService)}`,
    `  medium: ${mediumLine(st.medium)}`,
    `  device ${st.device}, inode ${st.inode}${st.mountPoint !== null ? `, mounted at ${shownPath(st.mountPoint)}` : ''}`,
    `  folder: ${st.folderWritable ? 'writable' : 'not writable'}`,
  ])
}

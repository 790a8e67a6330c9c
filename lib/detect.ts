// Where a file lives, as far as it matters for protecting it: version control, cloud-sync
// folders, the medium under it, and its hard links. Cheap and local: a few stat calls and small
// file reads, and one `git ls-files` inside a git working copy; no network.
export { detectVcs, type VcsInfo, type VcsKind } from './detect/vcs'
export { detectSyncService, type SyncServiceInfo, type SyncServiceName } from './detect/sync'
export { describeMedium, type MediumInfo } from './detect/medium'
export { hardlinkInfo, type HardlinkInfo } from './detect/links'

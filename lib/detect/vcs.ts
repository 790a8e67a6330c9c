// Version-control detection: is a path inside a git, Mercurial or Subversion working copy, and
// does git track it? Earlier contents of a tracked file live on in the repository's history,
// whatever happens to the file itself.
import { execFile } from 'node:child_process'
import { lstat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

import { absolutePath, folderOf, foldersUpFrom } from './common'

export type VcsKind = 'git' | 'hg' | 'svn'

export interface VcsInfo {
  kind: VcsKind
  /** The working copy's top folder (the one holding `.git`, `.hg` or `.svn`). */
  root: string
  /** For git: whether the file is tracked. null when unknown (hg, svn, or git not installed or failing). */
  tracked: boolean | null
  /**
   * For git: whether the path is ignored (.gitignore and kin), so `git add` would leave it out.
   * null when unknown (hg, svn, or git not installed or failing).
   */
  ignored: boolean | null
}

// `.git` is a folder in a plain clone and a file in worktrees and submodules.
const MARKERS: { name: string; kind: VcsKind; fileToo: boolean }[] = [
  { name: '.git', kind: 'git', fileToo: true },
  { name: '.hg', kind: 'hg', fileToo: false },
  { name: '.svn', kind: 'svn', fileToo: false },
]

// Variables that would point git at another repository than the one around the file.
const GIT_REDIRECTS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_COMMON_DIR',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_NAMESPACE',
  'GIT_CEILING_DIRECTORIES',
]

const GIT_TIMEOUT_MS = 10_000

async function markerIn(dir: string): Promise<VcsKind | null> {
  for (const m of MARKERS) {
    try {
      const st = await lstat(join(dir, m.name))
      if (st.isDirectory() || (m.fileToo && st.isFile())) return m.kind
    } catch {
      // not here
    }
  }
  return null
}

/** Runs git in `cwd` with the caller's repository redirects removed; resolves to its exit status (null: not run). */
function runGit(args: string[], cwd: string): Promise<{ status: number | null; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' }
  for (const v of GIT_REDIRECTS) delete env[v]
  return new Promise((resolvePromise) => {
    execFile('git', args, { cwd, env, timeout: GIT_TIMEOUT_MS, maxBuffer: 1024 * 1024 }, (error, _stdout, stderr) => {
      if (!error) return resolvePromise({ status: 0, stderr: String(stderr) })
      const status = (error as { code?: unknown }).code
      resolvePromise({ status: typeof status === 'number' ? status : null, stderr: String(stderr) })
    })
  })
}

/** Asks git whether it ignores `abs` (`git check-ignore`: 0 ignored, 1 not). null when unknown. */
async function gitIgnores(abs: string, isFolder: boolean): Promise<boolean | null> {
  const { status } = await runGit(
    // check-ignore takes plain paths (it refuses --literal-pathspecs).
    ['check-ignore', '-q', '--', isFolder ? '.' : basename(abs)],
    isFolder ? abs : dirname(abs),
  )
  return status === 0 ? true : status === 1 ? false : null
}

/**
 * Asks git whether it tracks `abs`: `git ls-files --error-unmatch` run in the file's own folder
 * (so git finds the repository the way a user there would). null when git is missing or fails.
 */
function gitTracks(abs: string, isFolder: boolean): Promise<boolean | null> {
  const cwd = isFolder ? abs : dirname(abs)
  const spec = isFolder ? '.' : basename(abs)
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' }
  for (const v of GIT_REDIRECTS) delete env[v]
  return new Promise((resolvePromise) => {
    execFile(
      'git',
      ['--literal-pathspecs', 'ls-files', '--error-unmatch', '--', spec],
      { cwd, env, timeout: GIT_TIMEOUT_MS, maxBuffer: 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (!error) return resolvePromise(true)
        const status = (error as { code?: unknown }).code
        resolvePromise(status === 1 && /did not match/.test(String(stderr)) ? false : null)
      },
    )
  })
}

/**
 * The version-control working copy holding `path` (which need not exist), found by walking up
 * its folders for `.git`, `.hg` or `.svn`; null when it is in none.
 */
export async function detectVcs(path: string): Promise<VcsInfo | null> {
  const abs = absolutePath(path, 'detectVcs')
  const start = await folderOf(abs)
  for (const dir of foldersUpFrom(start)) {
    const kind = await markerIn(dir)
    if (kind === null) continue
    if (kind !== 'git') return { kind, root: dir, tracked: null, ignored: null }
    const [tracked, ignored] = await Promise.all([gitTracks(abs, start === abs), gitIgnores(abs, start === abs)])
    return { kind, root: dir, tracked, ignored }
  }
  return null
}

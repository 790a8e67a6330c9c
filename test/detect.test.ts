// Detection of where a file lives: version-control working copies (real git repositories made
// with `git init` when git is installed, .hg/.svn markers), cloud-sync folders (configuration
// files in a fake HOME, marker files), the medium, and hard links. pyFileSec §7 numbers in titles.
import { strict as assert } from 'node:assert'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'

import { ArgumentError, describeMedium, detectSyncService, detectVcs, FileNotFoundError, hardlinkInfo } from '../lib'
import { parseMountInfo } from '../lib/detect/mounts'
import { findmnt, rejectsWith, scratchDir, withHome } from './helpers'

const gitMissing = spawnSync('git', ['--version'], { stdio: 'ignore' }).status !== 0

/** The first folder at or above `dir` holding a VCS marker, if any (to know what "outside" means here). */
function vcsAbove(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (['.git', '.hg', '.svn'].some((m) => existsSync(join(d, m)))) return d
    if (dirname(d) === d) return undefined
  }
}

function touch(path: string, content = 'x'): string {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, content)
  return path
}

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', args, { cwd, stdio: 'ignore', env: { ...process.env, GIT_DIR: undefined, GIT_WORK_TREE: undefined } })
}

describe('detectVcs', () => {
  const dir = scratchDir('filesec-vcs-')

  it('§7.20 (adapted) finds a .svn folder beside the file and above it (walking up)', async () => {
    const root = join(dir(), 'svn-wc')
    mkdirSync(join(root, '.svn'), { recursive: true })
    const here = touch(join(root, 'a.txt'))
    const deep = touch(join(root, 'x', 'y', 'b.txt'))
    assert.deepEqual(await detectVcs(here), { kind: 'svn', root, tracked: null, ignored: null })
    assert.deepEqual(await detectVcs(deep), { kind: 'svn', root, tracked: null, ignored: null })
  })

  it('finds a Mercurial repository from a subfolder; the nearest working copy wins', async () => {
    const root = join(dir(), 'hg-repo')
    mkdirSync(join(root, '.hg'), { recursive: true })
    assert.deepEqual(await detectVcs(touch(join(root, 'src', 'c.txt'))), { kind: 'hg', root, tracked: null, ignored: null })
    const inner = join(root, 'vendor', 'lib')
    mkdirSync(join(inner, '.svn'), { recursive: true })
    assert.deepEqual(await detectVcs(touch(join(inner, 'd.txt'))), { kind: 'svn', root: inner, tracked: null, ignored: null })
  })

  it('a path that does not exist yet is placed in its folder; a folder is its own start', async () => {
    const root = join(dir(), 'svn2')
    mkdirSync(join(root, '.svn'), { recursive: true })
    assert.equal((await detectVcs(join(root, 'not-yet.txt')))?.root, root)
    assert.equal((await detectVcs(root))?.root, root)
  })

  it('null outside any working copy', async function () {
    const outside = mkdtempSync(join(tmpdir(), 'filesec-novcs-'))
    try {
      if (vcsAbove(outside) !== undefined) this.skip() // the temp folder itself is inside a working copy here
      assert.equal(await detectVcs(touch(join(outside, 'f.txt'))), null)
    } finally {
      rmSync(outside, { recursive: true, force: true })
    }
  })

  describe('git (a real repository)', function () {
    if (gitMissing) {
      it('SKIPPED: git is not installed', function () {
        this.skip()
      })
      return
    }

    it('§7.109 (adapted) untracked → tracked after git add, also from a subfolder (git runs in the file\'s folder)', async () => {
      const repo = join(dir(), 'git-repo')
      mkdirSync(repo)
      git(repo, 'init', '-q')
      const top = touch(join(repo, 'top.txt'))
      const sub = touch(join(repo, 'sub', 'deeper', 'inner.txt'))
      assert.deepEqual(await detectVcs(top), { kind: 'git', root: repo, tracked: false, ignored: false })
      assert.deepEqual(await detectVcs(sub), { kind: 'git', root: repo, tracked: false, ignored: false })
      git(repo, 'add', 'top.txt', 'sub/deeper/inner.txt')
      assert.deepEqual(await detectVcs(top), { kind: 'git', root: repo, tracked: true, ignored: false })
      assert.deepEqual(await detectVcs(sub), { kind: 'git', root: repo, tracked: true, ignored: false })
      assert.equal((await detectVcs(join(repo, 'sub')))?.tracked, true, 'a folder holding tracked files')
      assert.equal((await detectVcs(join(repo, 'never-added.txt')))?.tracked, false)
    })

    it('ignored: paths .gitignore leaves out, also ones that do not exist yet', async () => {
      const repo = join(dir(), 'git-ignore')
      mkdirSync(repo)
      git(repo, 'init', '-q')
      touch(join(repo, '.gitignore'), '/data/\n*.wav\n')
      assert.equal((await detectVcs(touch(join(repo, 'data', 'rec.csv'))))?.ignored, true)
      assert.equal((await detectVcs(join(repo, 'data', 'not-yet.csv')))?.ignored, true)
      assert.equal((await detectVcs(join(repo, 'take.wav')))?.ignored, true)
      assert.equal((await detectVcs(touch(join(repo, 'notes.txt'))))?.ignored, false)
    })

    it('names are taken literally, not as git pathspecs', async () => {
      const repo = join(dir(), 'git-literal')
      mkdirSync(repo)
      git(repo, 'init', '-q')
      touch(join(repo, 'a.txt'))
      git(repo, 'add', 'a.txt')
      assert.equal((await detectVcs(touch(join(repo, '[a].txt'))))?.tracked, false)
      assert.equal((await detectVcs(touch(join(repo, '*.txt'))))?.tracked, false)
      assert.equal((await detectVcs(touch(join(repo, ':(glob)*'))))?.tracked, false)
    })

    it('a .git file (worktree or submodule) marks a working copy', async () => {
      const wc = join(dir(), 'git-file-wc')
      touch(join(wc, '.git'), 'gitdir: /nonexistent/worktrees/x\n')
      const found = await detectVcs(touch(join(wc, 'f.txt')))
      assert.equal(found?.kind, 'git')
      assert.equal(found?.root, wc)
      assert.equal(found?.tracked, null, 'git cannot answer for a broken gitdir')
      assert.equal(found?.ignored, null)
    })

    it('§7.104 (adapted) with git not on PATH the working copy is still found, tracked is null', async () => {
      const repo = join(dir(), 'git-nogit')
      mkdirSync(repo)
      git(repo, 'init', '-q')
      const f = touch(join(repo, 'f.txt'))
      git(repo, 'add', 'f.txt')
      const saved = process.env.PATH
      process.env.PATH = join(dir(), 'no-bin-here')
      try {
        assert.deepEqual(await detectVcs(f), { kind: 'git', root: repo, tracked: null, ignored: null })
      } finally {
        process.env.PATH = saved
      }
    })

    it('GIT_DIR in the environment does not redirect the question to another repository', async () => {
      const repo = join(dir(), 'git-env')
      mkdirSync(repo)
      git(repo, 'init', '-q')
      const f = touch(join(repo, 'f.txt'))
      git(repo, 'add', 'f.txt')
      const other = join(dir(), 'git-other')
      mkdirSync(other)
      git(other, 'init', '-q')
      const saved = process.env.GIT_DIR
      process.env.GIT_DIR = join(other, '.git')
      try {
        assert.equal((await detectVcs(f))?.tracked, true)
      } finally {
        if (saved === undefined) delete process.env.GIT_DIR
        else process.env.GIT_DIR = saved
      }
    })
  })

  it('§7.104 (adapted) a missing or non-string path is ArgumentError', async () => {
    await rejectsWith(detectVcs(''), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    await rejectsWith(detectVcs(null as never), ArgumentError, 'FSEC_INVALID_ARGUMENT')
  })
})

describe('detectSyncService (fake HOME)', () => {
  const dir = scratchDir('filesec-sync-')
  let n = 0
  /** A fresh fake home folder and a place outside it. */
  const fresh = (): { home: string; elsewhere: string } => {
    const base = join(dir(), `case${n++}`)
    const home = join(base, 'home')
    mkdirSync(home, { recursive: true })
    const elsewhere = join(base, 'elsewhere')
    mkdirSync(elsewhere)
    return { home, elsewhere }
  }

  it('§7.136 no configuration and no markers: null, for files in and outside the home folder', async () => {
    const { home, elsewhere } = fresh()
    await withHome(home, async () => {
      assert.equal(await detectSyncService(touch(join(home, 'Documents', 'a.txt'))), null)
      assert.equal(await detectSyncService(touch(join(elsewhere, 'b.txt'))), null)
      assert.equal(await detectSyncService(join(home, 'missing', 'c.txt')), null, '§7.104: a missing file does not throw')
    })
  })

  it('§7.135 Dropbox: the personal and business folders of ~/.dropbox/info.json', async () => {
    const { home, elsewhere } = fresh()
    const personal = join(home, 'Dropbox')
    const business = join(home, 'Dropbox (Lab)')
    mkdirSync(personal)
    mkdirSync(business)
    touch(join(home, '.dropbox', 'info.json'), JSON.stringify({ personal: { path: personal }, business: { path: business } }))
    await withHome(home, async () => {
      const p = await detectSyncService(touch(join(personal, 'sub', 'a.csv')))
      assert.equal(p?.service, 'Dropbox')
      assert.equal(p?.root, personal)
      assert.match(p!.evidence, /info\.json \(personal account\)/)
      const b = await detectSyncService(join(business, 'b.csv'))
      assert.equal(b?.root, business)
      assert.match(b!.evidence, /business account/)
      assert.equal(await detectSyncService(touch(join(home, 'Dropbox-not', 'c.csv'))), null, 'a name prefix is not a folder')
      assert.equal(await detectSyncService(touch(join(elsewhere, 'd.csv'))), null)
      assert.equal(await detectSyncService(touch(join(home, 'e.csv'))), null, 'the ~/.dropbox settings folder does not make home a Dropbox folder')
    })
  })

  it('§7.135 Dropbox (legacy): the second line of ~/.dropbox/host.db, base64', async () => {
    const { home } = fresh()
    const box = join(home, 'My Dropbox')
    mkdirSync(box)
    touch(join(home, '.dropbox', 'host.db'), `0123456789abcdef\n${Buffer.from(box).toString('base64')}\n`)
    await withHome(home, async () => {
      const found = await detectSyncService(join(box, 'x.txt'))
      assert.equal(found?.service, 'Dropbox')
      assert.equal(found?.root, box)
      assert.match(found!.evidence, /host\.db \(legacy\)/)
    })
  })

  it('a malformed info.json is skipped, not an error', async () => {
    const { home } = fresh()
    touch(join(home, '.dropbox', 'info.json'), '{ this is not json')
    await withHome(home, async () => assert.equal(await detectSyncService(touch(join(home, 'Dropbox', 'a'))), null))
  })

  it('Nextcloud and ownCloud: localPath lines of their .cfg files', async () => {
    const { home, elsewhere } = fresh()
    const nc = join(elsewhere, 'Nextcloud')
    const oc = join(elsewhere, 'ownCloud')
    touch(join(home, '.config', 'Nextcloud', 'nextcloud.cfg'), `[Accounts]\n0\\Folders\\1\\localPath=${nc}/\n0\\Folders\\1\\paused=false\n`)
    touch(join(home, '.config', 'ownCloud', 'owncloud.cfg'), `[Accounts]\n0\\FoldersWithPlaceholders\\2\\localPath=${oc}/\n`)
    await withHome(home, async () => {
      assert.deepEqual(await detectSyncService(touch(join(nc, 'a.txt'))), {
        service: 'Nextcloud',
        root: nc,
        evidence: join(home, '.config', 'Nextcloud', 'nextcloud.cfg'),
      })
      assert.equal((await detectSyncService(touch(join(oc, 'b', 'c.txt'))))?.service, 'ownCloud')
    })
  })

  it('Syncthing: folder paths in config.xml (both locations, ~ expanded); the innermost synced folder wins', async () => {
    const { home, elsewhere } = fresh()
    const box = join(elsewhere, 'Dropbox')
    const sync = join(box, 'Shared & Synced')
    mkdirSync(sync, { recursive: true })
    touch(join(home, '.dropbox', 'info.json'), JSON.stringify({ personal: { path: box } }))
    touch(
      join(home, '.config', 'syncthing', 'config.xml'),
      `<configuration version="37">\n  <folder id="abcd-1234" label="Shared" path="${sync.replace('&', '&amp;')}" type="sendreceive">\n  </folder>\n</configuration>\n`,
    )
    touch(join(home, '.local', 'state', 'syncthing', 'config.xml'), '<configuration><folder id="x" path="~/Sync"></folder></configuration>')
    await withHome(home, async () => {
      const inner = await detectSyncService(touch(join(sync, 'a.txt')))
      assert.equal(inner?.service, 'Syncthing')
      assert.equal(inner?.root, sync)
      assert.equal((await detectSyncService(touch(join(box, 'b.txt'))))?.service, 'Dropbox')
      const tilde = await detectSyncService(touch(join(home, 'Sync', 'c.txt')))
      assert.equal(tilde?.root, join(home, 'Sync'))
      assert.match(tilde!.evidence, /\.local\/state\/syncthing\/config\.xml$/)
    })
  })

  it('OneDrive: sync_dir of ~/.config/onedrive/config, else ~/OneDrive; OneDrive folders in the home folder', async () => {
    const { home, elsewhere } = fresh()
    touch(join(home, '.config', 'onedrive', 'config'), '# onedrive client\nsync_dir = "~/Work OneDrive"\n')
    mkdirSync(join(home, 'OneDrive - Contoso'))
    await withHome(home, async () => {
      assert.equal((await detectSyncService(join(home, 'Work OneDrive', 'a.docx')))?.service, 'OneDrive')
      assert.equal((await detectSyncService(touch(join(home, 'OneDrive - Contoso', 'b.docx'))))?.root, join(home, 'OneDrive - Contoso'))
      assert.equal(await detectSyncService(touch(join(elsewhere, 'c.docx'))), null)
    })
    const other = fresh()
    touch(join(other.home, '.config', 'onedrive', 'config'), '# no sync_dir line\n')
    await withHome(other.home, async () => {
      assert.equal((await detectSyncService(join(other.home, 'OneDrive', 'x')))?.root, join(other.home, 'OneDrive'))
    })
  })

  it('macOS-style folders: ~/Library/CloudStorage providers, iCloud Drive, ~/Box, ~/Google Drive, ~/My Drive', async () => {
    const { home } = fresh()
    mkdirSync(join(home, 'Library', 'CloudStorage', 'GoogleDrive-me@example.org'), { recursive: true })
    mkdirSync(join(home, 'Library', 'Mobile Documents', 'com~apple~CloudDocs'), { recursive: true })
    for (const f of ['Box', 'Google Drive', 'My Drive']) mkdirSync(join(home, f))
    await withHome(home, async () => {
      const cases: [string, string][] = [
        [join(home, 'Library', 'CloudStorage', 'GoogleDrive-me@example.org', 'a'), 'Google Drive'],
        [join(home, 'Library', 'Mobile Documents', 'com~apple~CloudDocs', 'b'), 'iCloud Drive'],
        [join(home, 'Box', 'c'), 'Box'],
        [join(home, 'Google Drive', 'd'), 'Google Drive'],
        [join(home, 'My Drive', 'e'), 'Google Drive'],
      ]
      for (const [path, service] of cases) assert.equal((await detectSyncService(path))?.service, service, path)
    })
  })

  it('marker files in the parents: .dropbox (a file), .dropbox.cache, .stfolder, Nextcloud/ownCloud journals and logs', async () => {
    const { home, elsewhere } = fresh()
    const cases: [string, string, string][] = [
      ['.dropbox', 'file', 'Dropbox'],
      ['.dropbox.cache', 'dir', 'Dropbox'],
      ['.stfolder', 'dir', 'Syncthing'],
      ['._sync_1a2b3c4d5e6f.db', 'file', 'Nextcloud'],
      ['.sync_0123abcd.db', 'file', 'Nextcloud'],
      ['.owncloudsync.log', 'file', 'ownCloud'],
      ['.nextcloudsync.log', 'file', 'Nextcloud'],
    ]
    await withHome(home, async () => {
      for (const [i, [marker, kind, service]] of cases.entries()) {
        const root = join(elsewhere, `m${i}`)
        if (kind === 'dir') mkdirSync(join(root, marker), { recursive: true })
        else touch(join(root, marker))
        const found = await detectSyncService(touch(join(root, 'deep', 'er', 'f.txt')))
        assert.equal(found?.service, service, marker)
        assert.equal(found?.root, root, marker)
        assert.match(found!.evidence, new RegExp(`marker ${marker.replace(/\./g, '\\.')} in`))
      }
      // A folder named .dropbox (like ~/.dropbox) is not the marker.
      mkdirSync(join(elsewhere, 'not', '.dropbox'), { recursive: true })
      assert.equal(await detectSyncService(touch(join(elsewhere, 'not', 'g.txt'))), null)
    })
  })

  it('a configured folder reached through a symbolic link is still recognised', async () => {
    const { home, elsewhere } = fresh()
    const box = join(elsewhere, 'RealDropbox')
    mkdirSync(box)
    symlinkSync(box, join(elsewhere, 'LinkToDropbox'))
    touch(join(home, '.dropbox', 'info.json'), JSON.stringify({ personal: { path: box } }))
    await withHome(home, async () => {
      assert.equal((await detectSyncService(join(elsewhere, 'LinkToDropbox', 'a.txt')))?.service, 'Dropbox')
    })
  })

  it('ArgumentError for a path that is not a string', async () => {
    await rejectsWith(detectSyncService(undefined as never), ArgumentError, 'FSEC_INVALID_ARGUMENT')
  })
})

describe('describeMedium', () => {
  const dir = scratchDir('filesec-medium-')

  it('the test folder: the type findmnt reports, and the block device under it', async () => {
    const m = await describeMedium(dir())
    const fstype = findmnt('FSTYPE', dir())
    if (fstype !== undefined) assert.equal(m.fsType, fstype)
    const source = findmnt('SOURCE', dir())
    if (source !== undefined && source.startsWith('/dev/') && !m.network) {
      assert.equal(m.device, basename(realpathSync(source)))
    }
    const file = touch(join(dir(), 'f.bin'))
    assert.deepEqual(await describeMedium(file), m, 'a file and its folder are on the same medium')
  })

  it('ssd agrees with the disk\'s queue/rotational (0 → true; 1 → false, or null for virtual and removable disks)', async function () {
    const m = await describeMedium(dir())
    if (m.device === null) this.skip()
    let disk = realpathSync(join('/sys/class/block', m.device))
    if (existsSync(join(disk, 'partition'))) disk = dirname(disk)
    const rotational = join(disk, 'queue', 'rotational')
    const stacked = existsSync(join(disk, 'slaves')) && readdirSync(join(disk, 'slaves')).length > 0 // LVM, LUKS, RAID
    if (!existsSync(rotational) || stacked) this.skip()
    const flag = readFileSync(rotational, 'utf8').trim()
    if (flag === '0') assert.equal(m.ssd, true)
    else if (/^(vd|xvd|loop)/.test(basename(disk)) || disk.includes('/virtio')) assert.equal(m.ssd, null, 'a virtual disk says rotational=1 whatever it is')
    else assert.ok(m.ssd === false || m.ssd === null)
  })

  it('tmpfs (/dev/shm) is RAM-backed, on no block device', async function () {
    if (!existsSync('/dev/shm') || findmnt('FSTYPE', '/dev/shm') !== 'tmpfs') this.skip()
    assert.deepEqual(await describeMedium('/dev/shm'), {
      fsType: 'tmpfs',
      copyOnWrite: false,
      journaling: false,
      network: false,
      ramBacked: true,
      ssd: null,
      device: null,
    })
  })

  it('a symbolic link is not followed: the folder holding it is described', async () => {
    const link = join(dir(), 'to-shm')
    symlinkSync('/dev/shm', link)
    assert.deepEqual(await describeMedium(link), await describeMedium(dir()))
  })

  it('a missing path is FileNotFoundError; an empty one ArgumentError', async () => {
    await rejectsWith(describeMedium(join(dir(), 'nope')), FileNotFoundError, 'FSEC_FILE_NOT_FOUND')
    await rejectsWith(describeMedium(''), ArgumentError, 'FSEC_INVALID_ARGUMENT')
  })

  it('parses mountinfo: escaped spaces, optional fields, per-mount and per-superblock options', () => {
    const text = [
      '36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 - ext3 /dev/root rw,errors=continue,data=journal',
      '37 25 0:27 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=100k',
      'garbage line',
    ].join('\n')
    assert.deepEqual(parseMountInfo(text), [
      {
        mountPoint: '/mnt/with space',
        device: '98:0',
        fsType: 'ext3',
        source: '/dev/root',
        options: ['rw', 'noatime', 'rw', 'errors=continue', 'data=journal'],
      },
      { mountPoint: '/dev/shm', device: '0:27', fsType: 'tmpfs', source: 'tmpfs', options: ['rw', 'relatime', 'rw', 'size=100k'] },
    ])
  })
})

describe('hardlinkInfo', () => {
  const dir = scratchDir('filesec-links-')

  it('counts the names of a file, with device, inode and mount point', async () => {
    const f = touch(join(dir(), 'a'))
    const one = await hardlinkInfo(f)
    assert.equal(one.links, 1)
    linkSync(f, join(dir(), 'b'))
    mkdirSync(join(dir(), 'sub'))
    linkSync(f, join(dir(), 'sub', 'c'))
    const three = await hardlinkInfo(f)
    assert.equal(three.links, 3)
    const st = statSync(f, { bigint: true })
    assert.equal(three.inode, Number(st.ino))
    assert.equal(three.device, one.device)
    assert.match(three.device, /^\d+:\d+$/)
    const target = findmnt('TARGET', dir())
    if (target !== undefined) assert.equal(three.mountPoint, target)
  })

  it('a symbolic link is described itself, not its target', async () => {
    const f = touch(join(dir(), 'target'))
    linkSync(f, join(dir(), 'target2'))
    const link = join(dir(), 'link')
    symlinkSync(f, link)
    const info = await hardlinkInfo(link)
    assert.equal(info.links, 1)
    assert.notEqual(info.inode, (await hardlinkInfo(f)).inode)
  })

  it('§7.103 (adapted) a missing file is FileNotFoundError, an empty path ArgumentError', async () => {
    await rejectsWith(hardlinkInfo(join(dir(), 'nope')), FileNotFoundError, 'FSEC_FILE_NOT_FOUND')
    await rejectsWith(hardlinkInfo(''), ArgumentError, 'FSEC_INVALID_ARGUMENT')
  })
})

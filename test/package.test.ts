// The published artefact: `npm pack` makes a tarball that carries the prebuilt addon, and a
// project that installs it — without running any install script, and with no compiler on PATH —
// loads filesec and encrypts and decrypts with it.
import { strict as assert } from 'node:assert'
import { spawnSync, type SpawnSyncOptions } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

import { scratchDir } from './helpers'

const root = resolve(__dirname, '..')

function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options })
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`)
  return String(r.stdout)
}

const ROUND_TRIP = `
  const f = require('filesec')
  const fs = require('fs')
  ;(async () => {
    const pair = await f.generateKeyPair('x25519')
    fs.writeFileSync('plain.txt', 'hello from the tarball')
    await f.encryptFile('plain.txt', { keep: true, to: pair.publicKey })
    fs.renameSync('plain.txt', 'original.txt')
    await f.decryptFile('plain.txt.fsec', { identity: pair.privateKey })
    if (fs.readFileSync('plain.txt', 'utf8') !== 'hello from the tarball') throw new Error('round trip differs')
    console.log(JSON.stringify({ loaded: require('node-gyp-build').path(require('path').dirname(require.resolve('filesec/package.json'))), openssl: f.versions.openssl }))
  })().catch((e) => { console.error(e); process.exit(1) })
`

describe('npm package', function () {
  this.timeout(600_000)
  const dir = scratchDir('filesec-pack-')
  let tarball = ''

  before(function () {
    // prepack compiles the TypeScript and rebuilds the prebuild when the sources are newer.
    const out = run('npm', ['pack', '--json', '--pack-destination', dir()], { cwd: root })
    const info = JSON.parse(out) as { filename: string; files: { path: string }[] }[]
    tarball = join(dir(), info[0]!.filename)
    assert.ok(existsSync(tarball))
  })

  it('contains the prebuilt addon, the compiled API and the sources for a fallback build, nothing else', () => {
    const files = run('tar', ['tzf', tarball]).trim().split('\n')
    for (const f of [
      'package/package.json',
      'package/prebuilds/linux-x64/filesec.node',
      'package/dist/index.js',
      'package/dist/index.d.ts',
      'package/binding/index.js',
      'package/binding/index.d.ts',
      'package/scripts/install.js',
      'package/CMakeLists.txt',
      'package/src/core/file_engine.cc',
      'package/README.md',
    ]) {
      assert.ok(files.includes(f), `${f} missing from the tarball`)
    }
    assert.deepEqual(files.filter((f) => /^package\/(build|test|node_modules|bench)\//.test(f)), [])
  })

  for (const scripts of [false, true]) {
    it(`installs into a fresh project ${scripts ? 'with its install script (no compiler on PATH)' : 'with --ignore-scripts'} and works`, () => {
      const project = join(dir(), scripts ? 'with-scripts' : 'no-scripts')
      mkdirSync(project)
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }))
      // Only node's own folder on PATH: no cmake, no compiler. A build attempt would fail.
      const env = { ...process.env, PATH: dirname(process.execPath) + ':/bin', npm_config_build_from_source: '' }
      const npmCli = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')
      const npmArgs = existsSync(npmCli) ? [npmCli] : [require.resolve('npm/bin/npm-cli.js')]
      run(process.execPath, [...npmArgs, 'install', tarball, '--prefer-offline', '--no-audit', '--no-fund', ...(scripts ? [] : ['--ignore-scripts'])], {
        cwd: project,
        env,
      })
      assert.equal(existsSync(join(project, 'node_modules', 'filesec', 'build')), false, 'nothing was compiled')
      const out = run(process.execPath, ['-e', ROUND_TRIP], { cwd: project })
      const report = JSON.parse(out.trim().split('\n').pop()!) as { loaded: string; openssl: string }
      assert.match(report.loaded, /node_modules\/filesec\/prebuilds\/linux-x64\/filesec\.node$/)
      assert.match(report.openssl, /^OpenSSL 3\./)
    })
  }
})

#!/usr/bin/env node
'use strict'
// Runs before `npm pack` / `npm publish`: compiles the TypeScript and makes sure the prebuilt
// addon for this platform exists and is newer than every native source, rebuilding it with
// prebuildify when it is not. The tarball then installs without any compiler.
const { spawnSync } = require('child_process')
const fs = require('fs')
const path = require('path')

const root = path.join(__dirname, '..')

function run(cmd, args) {
  // Build logs go to stderr: `npm pack --json` keeps stdout for its JSON.
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 2, 2] })
  if (r.status !== 0) process.exit(r.status === null ? 1 : r.status)
}

function newestMtime(dir) {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs)
  }
  return newest
}

run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'])

const prebuild = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'filesec.node')
const sources = Math.max(newestMtime(path.join(root, 'src')), fs.statSync(path.join(root, 'CMakeLists.txt')).mtimeMs)
if (!fs.existsSync(prebuild) || fs.statSync(prebuild).mtimeMs < sources) {
  run('npm', ['run', 'prebuild'])
}

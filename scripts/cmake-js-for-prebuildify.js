#!/usr/bin/env node
'use strict'
// prebuildify drives node-gyp (`node-gyp rebuild --target=… --arch=… --release`). filesec builds
// with cmake-js, so `npm run prebuild` points prebuildify's --node-gyp here: this translates the
// call into `cmake-js rebuild`, which leaves the addon in build/Release/ where prebuildify
// expects it. The Node-API build does not depend on the target version.
const { spawnSync } = require('child_process')
const path = require('path')

const args = process.argv.slice(2)
if (args[0] !== 'rebuild') {
  console.error(`cmake-js-for-prebuildify: unsupported command ${args[0]}`)
  process.exit(1)
}
const arch = (args.find((a) => a.startsWith('--arch=')) || '').slice('--arch='.length)
const debug = args.includes('--debug')
const cmakeJs = require.resolve('cmake-js/bin/cmake-js')
const cmd = [cmakeJs, 'rebuild', '--out', 'build']
if (arch) cmd.push('--arch', arch)
if (debug) cmd.push('--debug')
const r = spawnSync(process.execPath, cmd, { cwd: path.join(__dirname, '..'), stdio: 'inherit' })
process.exit(r.status === null ? 1 : r.status)

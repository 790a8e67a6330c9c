#!/usr/bin/env node
'use strict'
// npm install hook. node-gyp-build's own fallback only knows node-gyp, and filesec builds with
// cmake-js, so this script decides:
//   1. a prebuilt binary (prebuilds/<platform>-<arch>/) or an earlier local build that loads
//      → done, nothing is compiled;
//   2. otherwise → `cmake-js compile`, with one clear message if the toolchain is missing.
// FILESEC_BUILD_FROM_SOURCE=1 (or npm's --build-from-source) skips step 1.
const { spawnSync } = require('child_process')
const path = require('path')

const root = path.join(__dirname, '..')

function loads() {
  // In a child process: a binary that crashes on load must not take the install down with it.
  const probe = spawnSync(
    process.execPath,
    ['-e', `require(${JSON.stringify(path.join(root, 'binding'))}).opensslVersion()`],
    { stdio: 'ignore' },
  )
  return probe.status === 0
}

function build() {
  let cmakeJs
  try {
    cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] })
  } catch {
    fail('cmake-js is not installed')
  }
  const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build'], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) {
    fail(
      'the native build failed. filesec has no prebuilt binary for ' +
        `${process.platform}-${process.arch}, so it builds from source, which needs cmake >= 3.18, ` +
        'a C++17 compiler and the OpenSSL 3 development files with the static libcrypto ' +
        '(Debian/Ubuntu: apt-get install cmake g++ libssl-dev).',
    )
  }
}

function fail(message) {
  console.error(`filesec: ${message}`)
  process.exit(1)
}

const fromSource = process.env.FILESEC_BUILD_FROM_SOURCE === '1' || process.env.npm_config_build_from_source === 'true'
if (!fromSource && loads()) process.exit(0)
build()
if (!loads()) fail('the freshly built addon does not load')

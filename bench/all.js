'use strict'
// npm run bench  (= node bench/all.js [--suite crypt,rotate,sign,destroy,age,latency] [suite options…])
//
// Runs the benchmark suites one after another, each in its own process, forwarding the
// remaining options (--size, --runs, --where, --keep) to every suite. Each suite writes its own
// report to bench/results/<suite>.md (crypt: latest.md); see bench/README.md.
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const SUITES = {
  crypt: 'run.js', // encrypt / decrypt throughput
  rotate: 'rotate.js',
  sign: 'sign.js',
  destroy: 'destroy.js',
  age: 'age.js', // the age codec against the age CLI
  latency: 'latency.js', // event-loop lag while a file is encrypted / decrypted
}

function main(argv) {
  let names = Object.keys(SUITES)
  const rest = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--suite' || a.startsWith('--suite=')) {
      const value = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i]
      if (!value) throw new Error('--suite needs a value')
      names = value.split(',')
      for (const n of names) if (!SUITES[n]) throw new Error(`unknown suite ${n} (${Object.keys(SUITES).join(', ')})`)
    } else if (a === '--help' || a === '-h') {
      console.log(`usage: node bench/all.js [--suite ${Object.keys(SUITES).join(',')}] [suite options]\n` +
        'Suite options (--size, --runs, --where, --only, --keep): node bench/<suite file> --help')
      return 0
    } else rest.push(a)
  }
  let status = 0
  for (const name of names) {
    const file = path.join(__dirname, SUITES[name])
    if (!fs.existsSync(file)) {
      console.log(`\n## ${name}: ${SUITES[name]} is missing, skipped`)
      continue
    }
    console.log(`\n## suite: ${name}\n`)
    const r = spawnSync(process.execPath, [file, ...rest], { stdio: 'inherit' })
    if (r.signal === 'SIGINT' || r.status === 130) return 130
    if (r.status !== 0) status = r.status ?? 1
  }
  return status
}

try {
  process.exitCode = main(process.argv.slice(2))
} catch (e) {
  console.error(e.message)
  process.exitCode = 2
}

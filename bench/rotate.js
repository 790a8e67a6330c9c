'use strict'
// node bench/rotate.js [--size 2G] [--runs 3] [--where shm,disk] [--keep]
//
// Key rotation cost: a header-only rotateFile (the file key re-wrapped, the header rewritten in
// place) against rotateFile({ rekey: true }) (the whole payload re-encrypted under a fresh file
// key) of the same encrypted file, in /dev/shm and on the project disk (bench/data/), durable
// (the default) and with durable: false. Each
// operation runs in a fresh child process (bench/node-op.js) that times the operation itself;
// the median of `--runs` rounds is reported, with the ratio. The file is decrypted at the end
// and checked against the SHA-256 of the original. Writes bench/results/rotate.md.
const fs = require('node:fs')
const path = require('node:path')

const {
  MiB, ROOT, parseOptions, rm, median, sha256File, makeRandomFile, fmt, checkDist, measure,
  workDirs, runSuite, machine, writeReport,
} = require('./common')

const NODE_OP = path.join(__dirname, 'node-op.js')
const RESULTS = path.join(__dirname, 'results', 'rotate.md')

const USAGE = `usage: node bench/rotate.js [options]
  --size N      encrypted file size, e.g. 2G (default), 512M             (env BENCH_SIZE)
  --runs N      rounds, median reported (default 3)                      (env BENCH_RUNS)
  --where LIST  locations: shm,disk (default both)                       (env BENCH_WHERE)
  --keep        keep the test files (default: removed at the end)
  --only REGEX  accepted for bench/all.js and ignored: both rotations are needed for the ratio
  --help`

function main() {
  const o = parseOptions(process.argv.slice(2), USAGE, { size: '2G', where: 'shm,disk', only: 'ignore' })
  checkDist()
  const filesec = require(path.join(ROOT, 'dist', 'index.js'))
  const { scratch, dirs, cleanup } = workDirs(o, 'filesec-bench-rotate-', 'rotate-')
  return runSuite(cleanup, () => run(o, { filesec, scratch, dirs }))
}

async function run(o, { filesec, scratch, dirs }) {
  const sizeMiB = o.size / MiB
  // Two key pairs: each round rotates A → B header-only, then B → A with rekey.
  const pairs = await Promise.all([filesec.generateKeyPair('x25519'), filesec.generateKeyPair('x25519')])
  const keys = await Promise.all(
    pairs.map(async (pair, i) => {
      const identity = path.join(scratch, `identity-${i}.txt`)
      await filesec.writePrivateKey(pair.privateKey, identity, { unprotected: true })
      return { identity, recipient: pair.publicKey.publicText }
    }),
  )
  const [a, b] = keys
  const env = {
    ...machine(),
    filesec: `${filesec.versions.filesec} (${filesec.versions.openssl})`,
  }
  console.log(`filesec rotate bench: ${sizeMiB.toFixed(0)} MiB, ${o.runs} runs, ${o.where.join(' + ')}; ${env.cpu}, node ${env.node}`)

  const results = []
  const timeFile = path.join(scratch, 'time.txt')
  for (const w of o.where) {
    fs.mkdirSync(dirs[w], { recursive: true })
    const plain = path.join(dirs[w], 'input.bin')
    process.stdout.write(`${w}: making ${sizeMiB.toFixed(0)} MiB of random data and encrypting it ... `)
    const hash = makeRandomFile(plain, o.size)
    const file = (await filesec.encryptFile(plain, { to: a.recipient, durable: false, keep: true })).output
    rm(plain)
    console.log(`${path.relative(process.cwd(), file)}`)
    const unused = path.join(dirs[w], 'unused')
    const rotate = (from, to, rekey, durable, expect) => [
      process.execPath, NODE_OP, 'file-rotate', file, unused,
      `identity=${from.identity}`, `to=${to.recipient}`, `rekey=${rekey}`, `durable=${durable}`, `expect=${expect}`,
    ]
    const samples = { durable: { header: [], rekey: [] }, fast: { header: [], rekey: [] } }
    for (let round = 1; round <= o.runs; round++) {
      for (const mode of ['durable', 'fast']) {
        const durable = mode === 'durable'
        for (const [op, argv] of [
          ['header', rotate(a, b, false, durable, 'in-place')],
          ['rekey', rotate(b, a, true, durable, 'rewrite')],
        ]) {
          await new Promise((resolve) => setImmediate(resolve))
          const m = measure(argv, file, unused, timeFile)
          samples[mode][op].push(m)
          const label = `${op === 'header' ? 'header-only' : 'rekey'}${durable ? '' : ' (durable: false)'}`.padEnd(28)
          console.log(`[${round}/${o.runs}] ${w.padEnd(4)} ${label} ${fmt(m.opS * 1000, 1).padStart(9)} ms (process ${fmt(m.wallS, 3)} s)`)
        }
      }
    }
    // The rekeyed file must still hold the original bytes.
    const check = path.join(dirs[w], 'check.bin')
    await filesec.decryptFile(file, { identity: { path: a.identity }, output: check, durable: false })
    const got = sha256File(check)
    rm(check)
    if (got !== hash) throw new Error(`VERIFY FAILED in ${w}: the rotated file decrypts to sha256 ${got}, not ${hash}`)
    console.log(`${w}: the rotated file decrypts to the original (sha256 ${hash.slice(0, 16)}…)`)
    rm(file)
    results.push({ where: w, samples })
  }

  const report = buildReport(o, env, results, sizeMiB)
  writeReport(RESULTS, report)
  return 0
}

function buildReport(o, env, results, sizeMiB) {
  const stats = (samples) => {
    const ops = samples.map((s) => s.opS)
    return { opS: median(ops), min: Math.min(...ops), max: Math.max(...ops), wallS: median(samples.map((s) => s.wallS)) }
  }
  const lines = []
  lines.push(`## filesec key rotation (${sizeMiB.toFixed(0)} MiB encrypted file, median of ${o.runs} runs)`)
  lines.push('')
  lines.push(`${env.date}; ${env.cpu}, Linux ${env.kernel}; Node ${env.node}; filesec ${env.filesec}. ` +
    `Produced by \`node bench/rotate.js --size ${sizeMiB.toFixed(0)}M --runs ${o.runs}\`.`)
  lines.push('')
  lines.push('Each round rotates the same X25519-encrypted file twice, each time in a fresh Node process: header only ' +
    '(`rotateFile(file, { identity, to })`: the file key re-wrapped, the header rewritten in place behind its journal) ' +
    'and with `rekey: true` (a fresh file key, the payload re-encrypted to a temporary file renamed over the original). ' +
    'First both durable (the default: fdatasync and folder fsync), then both with `durable: false`. ' +
    '"op" = the `rotateFile` call timed inside the child ' +
    '(key loading included); "process" = the whole child, Node start-up included. The file was decrypted and checked ' +
    'against the original SHA-256 at the end.')
  lines.push('')
  lines.push('| where | rotation | op ms (median) | min–max ms | process s | MiB/s | rekey ÷ header-only |')
  lines.push('|---|---|---:|---:|---:|---:|---:|')
  const modes = [['durable', ''], ['fast', ', durable: false']]
  for (const r of results) {
    for (const [mode, suffix] of modes) {
      const h = stats(r.samples[mode].header)
      const k = stats(r.samples[mode].rekey)
      lines.push(`| ${r.where} | header only (in place)${suffix} | **${fmt(h.opS * 1000, 1)}** | ${fmt(h.min * 1000, 1)}–${fmt(h.max * 1000, 1)} | ${fmt(h.wallS, 3)} | – | |`)
      lines.push(`| ${r.where} | rekey${suffix} | **${fmt(k.opS * 1000, 0)}** | ${fmt(k.min * 1000, 0)}–${fmt(k.max * 1000, 0)} | ${fmt(k.wallS, 3)} | ${fmt(sizeMiB / k.opS)} | **${fmt(k.opS / h.opS, 0)}×** |`)
    }
  }
  lines.push('')
  for (const r of results) {
    for (const [mode, suffix] of modes) {
      const ratio = stats(r.samples[mode].rekey).opS / stats(r.samples[mode].header).opS
      lines.push(`- ${ratio > 100 ? 'PASS' : 'MISS'} ${r.where}${suffix}: header-only rotation over 100× faster than rekey: ${fmt(ratio, 0)}×`)
    }
  }
  return lines.join('\n')
}

main()

'use strict'
// node bench/latency.js [--size 2G] [--runs 3] [--where shm] [--keep]
//
// Event-loop responsiveness while filesec works: a 1 ms timer chain on the main thread
// (bench/lag-probe.js) records how late each timer fires, idle (the baseline of the same
// machine at the same moment) and while a file of --size is encrypted and decrypted, with and
// without progress callbacks, in the .fsec and age formats. Each run is a fresh child process
// (bench/latency-op.js). Reports max / p99 / median lag and checks the target: max lag < 50 ms
// in every filesec row. Writes bench/results/latency.md. See bench/README.md.
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const { MiB, Interrupted, parseOptions, rm, sync, median, readThrough, makeRandomFile, fmt, checkDist, workDirs, runSuite, roundOrder, machine, writeReport } =
  require('./common')

const OP = path.join(__dirname, 'latency-op.js')
const RESULTS = path.join(__dirname, 'results', 'latency.md')
const TARGET_MAX_MS = 50
const IDLE_MS = 3000

const USAGE = `usage: node bench/latency.js [options]
  --size N      file size, e.g. 2G (default), 512M                        (env BENCH_SIZE)
  --runs N      runs per row (default 3); max = worst run, p99 / p50 = median (env BENCH_RUNS)
  --where LIST  shm (default), disk, or shm,disk                           (env BENCH_WHERE)
  --keep        keep the test files
  --only        accepted and ignored (npm run bench passes it to every suite)
  --help`

function defineRows(ctx) {
  const enc = (extra) => (i, o) => ['file-encrypt', i, o, `to=${ctx.recipient}`, ...extra]
  const dec = (from, extra) => (i, o) => ['file-decrypt', `${i}.${from}`, o, `identity=${ctx.identityFile}`, ...extra]
  return [
    { id: 'idle', label: `idle (${IDLE_MS} ms, no work): the baseline`, argv: (i, o) => ['idle', i, o, `ms=${IDLE_MS}`] },
    { id: 'encrypt', label: 'encryptFile .fsec', argv: enc([]), produces: 'fsec' },
    { id: 'encrypt-progress', label: 'encryptFile .fsec + onProgress', argv: enc(['progress=true']) },
    { id: 'decrypt', label: 'decryptFile .fsec', argv: dec('fsec', []) },
    { id: 'decrypt-progress', label: 'decryptFile .fsec + onProgress', argv: dec('fsec', ['progress=true']) },
    { id: 'age-encrypt-progress', label: 'encryptFile age + onProgress', argv: enc(['codec=age', 'progress=true']), produces: 'age' },
    { id: 'age-decrypt-progress', label: 'decryptFile age + onProgress', argv: dec('age', ['progress=true']) },
  ]
}

function main() {
  const o = parseOptions(process.argv.slice(2), USAGE, { size: '2G', where: 'shm', only: 'ignore' })
  checkDist()
  const filesec = require(path.join(__dirname, '..', 'dist', 'index.js'))
  const { scratch, dirs, cleanup } = workDirs(o, 'filesec-latency-', 'latency-')
  return runSuite(cleanup, () => run(o, { filesec, scratch, dirs }))
}

// One child run; returns its JSON report.
function measureLag(argv) {
  const r = spawnSync(process.execPath, [OP, ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  if (r.signal === 'SIGINT' || r.signal === 'SIGTERM') throw new Interrupted(r.signal)
  if (r.status !== 0) throw new Error(`exit ${r.status ?? r.signal}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`)
  return JSON.parse(r.stdout.trim().split('\n').pop())
}

async function run(o, { filesec, scratch, dirs }) {
  const pair = await filesec.generateKeyPair('x25519')
  const ctx = { recipient: pair.publicKey.publicText, identityFile: path.join(scratch, 'identity.txt') }
  await filesec.writePrivateKey(pair.privateKey, ctx.identityFile, { unprotected: true })
  const rows = defineRows(ctx)
  const sizeMiB = o.size / MiB
  const env = machine()
  console.log(`filesec latency bench: ${fmt(sizeMiB)} MiB, ${o.runs} runs, in ${o.where.join(', ')}; ${env.cpu}`)
  const results = new Map()
  for (const w of o.where) {
    fs.mkdirSync(dirs[w], { recursive: true })
    const input = path.join(dirs[w], 'input.bin')
    process.stdout.write(`making ${fmt(sizeMiB)} MiB of random data in ${input} ... `)
    makeRandomFile(input, o.size)
    console.log('done')
    // The ciphertexts the decrypt rows read, made once (the encrypt rows write elsewhere).
    for (const codec of ['fsec', 'age']) {
      await filesec.encryptFile(input, { keep: true, to: ctx.recipient, codec, output: `${input}.${codec}`, durable: false })
    }
    const output = path.join(dirs[w], 'output.bin')
    for (let round = 1; round <= o.runs; round++) {
      for (const row of roundOrder(rows, round, o.runs)) {
        rm(output)
        sync()
        readThrough(row.id.includes('decrypt') ? `${input}.${row.id.startsWith('age') ? 'age' : 'fsec'}` : input)
        const m = measureLag(row.argv(input, output))
        const key = `${w}/${row.id}`
        if (!results.has(key)) results.set(key, { row, where: w, runs: [] })
        results.get(key).runs.push(m)
        console.log(`[${round}/${o.runs}] ${w} ${row.id.padEnd(22)} max ${fmt(m.maxMs, 1)} ms (at ${fmt(m.maxAtMs)} ms)  p99 ${fmt(m.p99Ms, 2)} ms  p50 ${fmt(m.p50Ms, 2)} ms  ` +
          `(${m.samples} timers, ${fmt(m.opMs)} ms${m.progressCalls ? `, ${m.progressCalls} progress calls` : ''})`)
      }
    }
    rm(output)
  }
  sync()
  writeReport(RESULTS, buildReport(o, env, results, sizeMiB))
  return 0
}

function buildReport(o, env, results, sizeMiB) {
  const lines = []
  lines.push(`## filesec event-loop lag (${fmt(sizeMiB)} MiB file, ${o.runs} runs per row)`)
  lines.push('')
  lines.push(`${env.date}; ${env.cpu}, Linux ${env.kernel}; Node ${env.node}. Produced by \`node bench/latency.js --size ${fmt(sizeMiB)}M --runs ${o.runs} --where ${o.where.join(',')}\`.`)
  lines.push('')
  lines.push('A chain of 1 ms timers on the main thread while the operation runs; lag = how late each timer fired. ' +
    'max = the worst timer of all runs; p99 and p50 = the median over runs; × idle = max lag ÷ the idle baseline\'s max lag measured in the same run.')
  lines.push('')
  lines.push('| where | operation | max lag ms | p99 ms | p50 ms | × idle (max) | timers per run | op s | progress calls |')
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|')
  const verdicts = []
  for (const w of o.where) {
    const idle = results.get(`${w}/idle`)
    const idleMax = idle ? Math.max(...idle.runs.map((r) => r.maxMs)) : null
    for (const [key, r] of results) {
      if (r.where !== w) continue
      const max = Math.max(...r.runs.map((x) => x.maxMs))
      lines.push(`| ${w} | ${r.row.label} | **${fmt(max, 1)}** | ${fmt(median(r.runs.map((x) => x.p99Ms)), 2)} | ${fmt(median(r.runs.map((x) => x.p50Ms)), 2)} | ` +
        `${idleMax ? fmt(max / idleMax, 1) : '–'} | ${fmt(median(r.runs.map((x) => x.samples)))} | ${fmt(median(r.runs.map((x) => x.opMs)) / 1000, 2)} | ` +
        `${fmt(median(r.runs.map((x) => x.progressCalls)))} |`)
      if (key !== `${w}/idle`) verdicts.push({ w, label: r.row.label, max })
    }
  }
  lines.push('')
  lines.push('### Target')
  lines.push('')
  for (const v of verdicts) {
    lines.push(`- ${v.max < TARGET_MAX_MS ? 'PASS' : 'MISS'} max lag < ${TARGET_MAX_MS} ms, ${v.label} (${v.w}): ${fmt(v.max, 1)} ms`)
  }
  return lines.join('\n')
}

main()

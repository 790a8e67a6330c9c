'use strict'
// Helpers shared by the benchmark suites (bench/run.js, bench/*.js): options, sizes, files, the
// page cache, one timed child process under /usr/bin/time, a suite's frame (work folders, exit
// status) and its report (row statistics, the machine, the report file).
const { spawnSync } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const MiB = 1024 * 1024
const ROOT = path.resolve(__dirname, '..')
const TIME_BIN = '/usr/bin/time'

function parseSize(s) {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(String(s).trim())
  if (!m) throw new Error(`bad size: ${s}`)
  const mult = { '': 1, k: 1024, m: MiB, g: 1024 * MiB, t: 1024 * 1024 * MiB }[m[2].toLowerCase()]
  return Math.round(Number(m[1]) * mult)
}

function have(bin) {
  return spawnSync('sh', ['-c', `command -v "${bin}"`], { stdio: 'ignore' }).status === 0
}

function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  return r.status === 0 ? `${r.stdout}${r.stderr}`.trim().split('\n')[0] : '?'
}

function rm(p) {
  fs.rmSync(p, { force: true, recursive: true })
}

function sync() {
  spawnSync('sync', [], { stdio: 'ignore' })
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

function readThrough(file) {
  const buf = Buffer.allocUnsafe(4 * MiB)
  const fd = fs.openSync(file, 'r')
  try {
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    fs.closeSync(fd)
  }
}

function sha256File(file) {
  const h = crypto.createHash('sha256')
  const buf = Buffer.allocUnsafe(4 * MiB)
  const fd = fs.openSync(file, 'r')
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n))
  } finally {
    fs.closeSync(fd)
  }
  return h.digest('hex')
}

// Writes `size` random bytes to `file`, returning their SHA-256.
function makeRandomFile(file, size) {
  const h = crypto.createHash('sha256')
  const buf = Buffer.allocUnsafe(16 * MiB)
  const fd = fs.openSync(file, 'w')
  try {
    for (let done = 0; done < size; ) {
      const n = Math.min(buf.length, size - done)
      crypto.randomFillSync(buf, 0, n)
      h.update(buf.subarray(0, n))
      fs.writeSync(fd, buf, 0, n)
      done += n
    }
  } finally {
    fs.closeSync(fd)
  }
  return h.digest('hex')
}

function fmt(x, digits = 0) {
  return x === undefined || x === null || !Number.isFinite(x) ? '–' : x.toFixed(digits)
}

// Warns when dist/ is older than lib/ (the bench loads dist/index.js).
function checkDist() {
  const libDir = path.join(ROOT, 'lib')
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) {
    throw new Error('dist/index.js is missing: run `npx tsc -p tsconfig.json` (npm run build:ts) first')
  }
  const stale = fs
    .readdirSync(libDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .filter((f) => {
      const js = path.join(ROOT, 'dist', f.replace(/\.ts$/, '.js'))
      return !fs.existsSync(js) || fs.statSync(js).mtimeMs < fs.statSync(path.join(libDir, f)).mtimeMs
    })
  if (stale.length > 0) {
    console.warn(`WARNING: dist/ is older than lib/ (${stale.join(', ')}): run \`npx tsc -p tsconfig.json\` first.`)
  }
}

// ---------------------------------------------------------------------------------------------
// Options. bench/all.js forwards the same flags to every suite, so they share one parser;
// `spec` says how this suite takes them:
//   size      the default --size, when BENCH_SIZE is unset (destroy: 1G, the others: 2G)
//   where     the default --where, when BENCH_WHERE is unset; without it --where is an unknown
//             option (destroy works on the project disk only)
//   only      'filter': --only REGEX picks rows (o.only, null = all); 'ignore': --only takes its
//             value and drops it (rotate: it needs both rows for its ratio); absent: unknown option
//   onlyEnv   with 'filter': BENCH_ONLY gives the default of --only
//   wholeMiB  --size must be a whole number of MiB (destroy uses size / MiB as is: dd count, report)
// --help prints `usage` and exits 0; a bad option throws (the suite exits 1 with the message).
function parseOptions(argv, usage, spec) {
  const o = {
    size: parseSize(process.env.BENCH_SIZE || spec.size),
    runs: Number(process.env.BENCH_RUNS || 3),
  }
  if (spec.where && spec.where !== 'ignore') o.where = (process.env.BENCH_WHERE || spec.where).split(',')
  if (spec.only === 'filter') o.only = spec.onlyEnv && process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null
  o.keep = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    // --name=value or --name value
    const value = () => {
      if (a.includes('=')) return a.slice(a.indexOf('=') + 1)
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`)
      return argv[++i]
    }
    const name = a.includes('=') ? a.slice(0, a.indexOf('=')) : a
    if (name === '--size') o.size = parseSize(value())
    else if (name === '--runs') o.runs = Number(value())
    else if (name === '--where' && spec.where === 'ignore') value()
    else if (name === '--where' && spec.where) o.where = value().split(',')
    else if (name === '--only' && spec.only === 'filter') o.only = new RegExp(value())
    else if (name === '--only' && spec.only === 'ignore') value()
    else if (name === '--keep') o.keep = true
    else if (name === '--help' || name === '-h') {
      console.log(usage)
      process.exit(0)
    } else throw new Error(`unknown option ${a}\n${usage}`)
  }
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be a positive integer')
  if (spec.wholeMiB) {
    if (!(o.size > 0) || o.size % MiB !== 0) throw new Error('--size must be a positive whole number of MiB')
  } else if (!(o.size > 0)) throw new Error('--size must be positive')
  for (const w of o.where ?? []) if (w !== 'shm' && w !== 'disk') throw new Error(`--where: unknown location ${w}`)
  return o
}

class Interrupted extends Error {}

// ---------------------------------------------------------------------------------------------
// One measurement: a fresh child process, timed from the parent (wall), under /usr/bin/time
// (peak RSS, CPU, minor page faults). First the output is removed, dirty pages are written
// back (sync) and the input is read once so it is hot in the page cache (the VM's DAMON
// reclaim may evict cold file pages between rounds).

function measure(argv, input, output, timeFile) {
  rm(output)
  sync()
  readThrough(input)
  const full = fs.existsSync(TIME_BIN) ? [TIME_BIN, '-o', timeFile, '-f', '%e %M %U %S %R', ...argv] : argv
  rm(timeFile)
  const t0 = process.hrtime.bigint()
  const r = spawnSync(full[0], full.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * MiB })
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.error) throw r.error
  if (r.signal === 'SIGINT' || r.signal === 'SIGTERM') throw new Interrupted(r.signal)
  if (r.status !== 0) {
    const msg = `${r.stderr || ''}${r.stdout || ''}`.trim().split('\n').slice(-3).join(' | ')
    throw new Error(`exit ${r.status ?? r.signal}: ${msg || argv.join(' ')}`)
  }
  const m = { wallS, rssMiB: null, userS: null, sysS: null, faults: null, opS: null }
  if (fs.existsSync(timeFile)) {
    const parts = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(/\s+/).map(Number)
    m.rssMiB = parts[1] / 1024
    m.userS = parts[2]
    m.sysS = parts[3]
    m.faults = parts[4]
  }
  const last = (r.stdout || '').trim().split('\n').pop()
  if (last && last.startsWith('{')) m.opS = JSON.parse(last).opMs / 1000
  return m
}

// ---------------------------------------------------------------------------------------------
// A suite's frame.

// The work folders of a suite that runs in both locations: a scratch folder in the OS temp folder
// (keys, /usr/bin/time output) and one folder per location, /dev/shm/<prefix><pid> and
// bench/data/<diskPrefix><pid>. cleanup() removes them, the location folders only without --keep.
function workDirs(o, prefix, diskPrefix) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  const dirs = {
    shm: path.join('/dev/shm', `${prefix}${process.pid}`),
    disk: path.join(__dirname, 'data', `${diskPrefix}${process.pid}`),
  }
  const cleanup = () => {
    rm(scratch)
    if (!o.keep) for (const w of o.where) rm(dirs[w])
  }
  return { scratch, dirs, cleanup }
}

// Runs a suite's body (sync or async) and sets the exit status: what the body returns (0, or 1
// when a row failed), 2 on a bench error, 130 when interrupted (SIGINT / SIGTERM to the suite,
// or a child killed by one: measure() throws Interrupted). cleanup() runs on every one of these
// paths, so that no test file is left behind.
function runSuite(cleanup, body) {
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      cleanup()
      process.exit(130)
    })
  }
  return Promise.resolve()
    .then(body)
    .catch((e) => {
      if (e instanceof Interrupted) {
        console.error(`interrupted (${e.message})`)
        return 130
      }
      console.error(e && e.stack ? e.stack : e)
      return 2
    })
    .then((code) => {
      cleanup()
      process.exitCode = code
    })
}

// The test file of a suite that runs in both locations: `o.size` random bytes made in the first
// location's folder and copied to the others (each location reads its own copy), all written
// back (sync) before the first measurement. `doneText(hash)` ends the "making …" line.
// Returns { inputs: { shm, disk: file }, hash: the SHA-256 of the bytes }.
function makeInputs(o, dirs, doneText) {
  const inputs = {}
  let hash = null
  for (const w of o.where) {
    fs.mkdirSync(dirs[w], { recursive: true })
    inputs[w] = path.join(dirs[w], 'input.bin')
    if (w === o.where[0]) {
      process.stdout.write(`making ${(o.size / MiB).toFixed(0)} MiB of random data in ${inputs[w]} ... `)
      hash = makeRandomFile(inputs[w], o.size)
      console.log(doneText(hash))
    } else {
      fs.copyFileSync(inputs[o.where[0]], inputs[w])
    }
  }
  sync()
  return { inputs, hash }
}

// The order of the tools in round `round` of `runs`: rotated by a share of the list each round,
// so that no tool always runs in the same position (on the VM a run's cost depends on what the
// runs before it freed; see bench/README.md).
function roundOrder(tools, round, runs) {
  const start = Math.floor(((round - 1) * tools.length) / runs) % tools.length
  return [...tools.slice(start), ...tools.slice(0, start)]
}

function rowKey(w, id, op) {
  return `${w}/${id}/${op}`
}

// The rows of a suite, keyed rowKey(where, tool id, op), in the report's order: by location, then
// tool, then operation. Each is { tool, where, op, samples: [], status }; status null, or
// 'not installed (…)' when a program in t.needs is missing (the row is then skipped and reported
// as such). t.where limits a tool to some locations; t.install says how to install its programs
// (default: the Debian packages named after them).
function makeRows(o, tools) {
  const rows = new Map()
  for (const w of o.where) {
    for (const t of tools) {
      if (t.where && !t.where.includes(w)) continue
      const missing = (t.needs || []).filter((b) => !have(b))
      const install = t.install ?? `apt-get install ${missing.join(' ')}`
      for (const op of Object.keys(t.ops)) {
        rows.set(rowKey(w, t.id, op), {
          tool: t,
          where: w,
          op,
          samples: [],
          status: missing.length ? `not installed (${missing.join(', ')}: ${install})` : null,
        })
      }
    }
  }
  return rows
}

// ---------------------------------------------------------------------------------------------
// The report.

// The statistics of one row ({ samples: measure() results, status }), `mib` MiB processed per
// run, or null when the row has none (not installed, failed, not run): the median wall time and
// its MiB/s, min–max MiB/s, MiB/s of the operation alone (when every run's child reported it),
// peak RSS over the runs, and the CPU figures of the median run (of the first run when the
// median falls between two runs).
function rowStats(row, mib) {
  if (!row || row.status || row.samples.length === 0) return null
  const walls = row.samples.map((s) => s.wallS)
  const wallS = median(walls)
  const mid = row.samples.find((s) => s.wallS === wallS) ?? row.samples[0]
  const opS = row.samples.every((s) => s.opS !== null) ? median(row.samples.map((s) => s.opS)) : null
  const rss = row.samples.map((s) => s.rssMiB).filter((x) => x !== null)
  return {
    wallS,
    mibs: mib / wallS,
    min: mib / Math.max(...walls),
    max: mib / Math.min(...walls),
    opMibs: opS ? mib / opS : null,
    rssMiB: rss.length ? Math.max(...rss) : null,
    userS: mid.userS,
    sysS: mid.sysS,
    faults: mid.faults,
    cpuPct: mid.userS !== null ? (100 * (mid.userS + mid.sysS)) / mid.wallS : null,
  }
}

// The suite's exit status once the report is out: 1 if a row failed (a tool exited non-zero or
// its output did not check), else 0, whatever the targets say.
function exitStatus(rows) {
  return [...rows.values()].some((r) => r.status && r.status.startsWith('FAILED')) ? 1 : 0
}

// The machine, for the report's first line; each suite adds its tools' versions.
function machine() {
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: `${os.cpus()[0]?.model ?? '?'} × ${os.availableParallelism()}`,
    mem: `${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB`,
    kernel: os.release(),
    node: process.version,
  }
}

// Prints the report and writes it to `file` (in bench/results/, git-ignored).
function writeReport(file, report) {
  console.log(`\n${report}`)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, `${report}\n`)
  console.log(`written to ${path.relative(process.cwd(), file)}`)
}

module.exports = {
  MiB, ROOT, TIME_BIN, Interrupted,
  parseOptions, parseSize, have, firstLine, rm, sync, median, readThrough, sha256File, makeRandomFile, fmt, checkDist, measure,
  workDirs, runSuite, makeInputs, roundOrder, rowKey, makeRows, rowStats, exitStatus, machine, writeReport,
}

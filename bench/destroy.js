'use strict'
// node bench/destroy.js [--size 1G] [--runs 3] [--keep]
//
// Secure deletion of a file on the project disk (bench/data/): filesec destroyFile with its
// default 3 passes (random, random, zeros; fdatasync after each) against `shred -n 2 -z -u`
// (the same three passes, also synced one by one), and the disk's own limit for three synced
// in-place passes (dd over the file three times, conv=notrunc,fdatasync). Every run is a fresh
// child process under /usr/bin/time, on a fresh copy of the same random file; rounds rotate the
// order. Prints the ratio to shred and writes bench/results/destroy.md. See bench/README.md.
const fs = require('node:fs')
const path = require('node:path')

const {
  MiB, TIME_BIN, Interrupted, parseOptions, have, firstLine, rm, sync, makeRandomFile, fmt, checkDist, measure,
  runSuite, rowStats, exitStatus, machine, writeReport,
} = require('./common')

const OP = path.join(__dirname, 'destroy-op.js')
const RESULTS = path.join(__dirname, 'results', 'destroy.md')
const TARGET_RATIO = 1.5
const PASSES = 3

const USAGE = `usage: node bench/destroy.js [options]
  --size N    file size, e.g. 1G (default), 256M                    (env BENCH_SIZE)
  --runs N    rounds per row, median reported (default 3)            (env BENCH_RUNS)
  --keep      keep bench/data/destroy-PID/ (default: removed at the end)
  --where, --only   accepted and ignored (npm run bench passes them to every suite;
              destroy always runs on the project disk)
  --help`

// Each tool destroys (or overwrites) the victim; `removes` says whether the file must be gone after.
function defineTools(sizeMiB) {
  return [
    {
      id: 'dd',
      label: `dd bs=4M conv=notrunc,fdatasync over the file, ${PASSES} times (limit: zeros, no generator)`,
      removes: false,
      argv: (v) => ['sh', '-c', `for i in ${Array.from({ length: PASSES }, (_, i) => i + 1).join(' ')}; do dd if=/dev/zero of="$1" bs=4M count=${sizeMiB / 4} conv=notrunc,fdatasync status=none || exit 1; done`, 'sh', v],
      needs: ['dd'],
    },
    {
      id: 'filesec',
      label: 'filesec destroyFile (random, random, zeros; fdatasync per pass; truncate, 2 renames, unlink)',
      removes: true,
      argv: (v) => [process.execPath, OP, v],
    },
    {
      id: 'shred',
      label: 'shred -n 2 -z -u (random, random, zeros; fdatasync per pass; wipesync renames, unlink)',
      removes: true,
      argv: (v) => ['shred', '-n', '2', '-z', '-u', v],
      needs: ['shred'],
    },
  ]
}

function main() {
  const o = parseOptions(process.argv.slice(2), USAGE, { size: '1G', wholeMiB: true, where: 'ignore', only: 'ignore' })
  checkDist()
  const work = path.join(__dirname, 'data', `destroy-${process.pid}`)
  const cleanup = () => {
    if (!o.keep) rm(work)
  }
  return runSuite(cleanup, () => run(o, work))
}

function run(o, work) {
  const sizeMiB = o.size / MiB
  const haveTime = fs.existsSync(TIME_BIN)
  fs.mkdirSync(work, { recursive: true })
  const master = path.join(work, 'master.bin')
  const victim = path.join(work, 'victim.bin')
  const timeFile = path.join(work, 'time.txt')
  const absent = path.join(work, 'no-output')
  const tools = defineTools(sizeMiB)
  const env = {
    ...machine(),
    shred: have('shred') ? firstLine('shred', ['--version']) : 'not installed',
  }
  console.log(`filesec destroy bench: ${sizeMiB} MiB, ${o.runs} runs, in ${path.relative(process.cwd(), work)}; ${env.cpu}`)
  process.stdout.write(`making ${sizeMiB} MiB of random data ... `)
  makeRandomFile(master, o.size)
  console.log('done')

  const rows = new Map(tools.map((t) => [t.id, { tool: t, samples: [], status: (t.needs || []).some((b) => !have(b)) ? 'not installed' : null }]))
  for (let round = 1; round <= o.runs; round++) {
    const start = (round - 1) % tools.length
    for (const t of [...tools.slice(start), ...tools.slice(0, start)]) {
      const row = rows.get(t.id)
      if (row.status) continue
      // A fresh copy with its blocks on the disk (measure() syncs and reads it into the cache).
      rm(victim)
      fs.copyFileSync(master, victim)
      const label = `[${round}/${o.runs}] ${t.id.padEnd(8)}`
      try {
        const m = measure(t.argv(victim), victim, absent, timeFile)
        if (t.removes && fs.existsSync(victim)) throw new Error('the file is still there')
        if (t.removes && fs.readdirSync(work).some((n) => !['master.bin', 'time.txt'].includes(n))) {
          throw new Error(`leftovers in the folder: ${fs.readdirSync(work).join(', ')}`)
        }
        row.samples.push(m)
        console.log(`${label} ${fmt(m.wallS, 3)} s  ${fmt((PASSES * sizeMiB) / m.wallS)} MiB/s over ${PASSES} passes  rss ${fmt(m.rssMiB, 1)} MiB`)
      } catch (e) {
        if (e instanceof Interrupted) throw e
        row.status = `FAILED: ${e.message}`
        console.log(`${label} ${row.status}`)
      }
      rm(victim)
    }
  }
  sync()

  const report = buildReport(o, env, rows, sizeMiB, haveTime)
  writeReport(RESULTS, report)
  return exitStatus(rows)
}

function buildReport(o, env, rows, sizeMiB, haveTime) {
  // MiB/s per pass: every run writes the file PASSES times.
  const stat = (id) => rowStats(rows.get(id), PASSES * sizeMiB)
  const lines = []
  lines.push(`## filesec destroy benchmark (${sizeMiB} MiB file on the project disk, ${PASSES} passes, median of ${o.runs} runs)`)
  lines.push('')
  lines.push(`${env.date}; ${env.cpu}, Linux ${env.kernel}; Node ${env.node}; ${env.shred}. Produced by \`node bench/destroy.js --size ${sizeMiB}M --runs ${o.runs}\`.`)
  lines.push('')
  lines.push('Each run destroys a fresh copy of the same random file in bench/data/ (`sync` and a read into the page cache first). ' +
    'MiB/s per pass = size × 3 ÷ wall time of the whole child process (Node start-up included for filesec; "op only" is destroyFile alone). ' +
    'Every tool syncs each pass to the disk before the next.')
  lines.push('')
  lines.push('| tool | MiB/s per pass | min–max | op only | wall s | × shred time | peak RSS MiB | CPU % | user / sys s |')
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
  const shred = stat('shred')
  for (const [id, r] of rows) {
    const s = stat(id)
    if (!s) {
      lines.push(`| ${r.tool.label} | ${r.status ?? 'no data'} | | | | | | | |`)
      continue
    }
    lines.push(
      `| ${r.tool.label} | **${fmt(s.mibs)}** | ${fmt(s.min)}–${fmt(s.max)} | ${fmt(s.opMibs)} | ${fmt(s.wallS, 2)} | ` +
        `${shred ? fmt(s.wallS / shred.wallS, 2) : '–'} | ${haveTime ? fmt(s.rssMiB, 1) : 'n/a'} | ${haveTime ? fmt(s.cpuPct) : 'n/a'} | ` +
        `${haveTime ? `${fmt(s.userS, 2)} / ${fmt(s.sysS, 2)}` : 'n/a'} |`,
    )
  }
  const f = stat('filesec')
  const dd = stat('dd')
  lines.push('')
  lines.push('### Target')
  lines.push('')
  const ratio = f && shred ? shred.wallS / f.wallS : null
  const verdict = ratio === null ? 'n/a ' : ratio >= TARGET_RATIO ? 'PASS' : 'MISS'
  lines.push(`- ${verdict} filesec destroy ≥ ${TARGET_RATIO}× faster than shred -n 2 -z -u: ${fmt(f?.wallS, 2)} s vs ${fmt(shred?.wallS, 2)} s = ${fmt(ratio, 2)}×`)
  if (f && dd) lines.push(`- filesec runs at ${fmt(f.mibs / dd.mibs, 2)}× the disk's own rate for synced in-place passes (dd: ${fmt(dd.mibs)} MiB/s per pass)`)
  return lines.join('\n')
}

main()

'use strict'
// node bench/age.js [--size 2G] [--runs 3] [--where shm] [--keep]
//
// filesec's age codec (encryptFile codec: 'age' / decryptFile) against the `age` CLI on the same
// file and the same X25519 key (from age-keygen), in /dev/shm by default. Each round, in an order
// that rotates from round to round:
//
//   filesec pair: filesec encrypts the input  -> `age -d` decrypts that file   -> SHA-256 check
//   age pair:     `age -r` encrypts the input -> filesec decrypts that file    -> SHA-256 check
//   dd:           a `dd bs=1M` copy of the input (the machine's copy speed in this run)
//
// so every row's output is also checked by the other implementation, on the full-size file,
// every round. filesec runs with keep: true and durable: false, which is what the age CLI does:
// no read-back verify pass (encryptFile verifies only when it destroys the plaintext), no fsync.
// Every measurement is a fresh child process under /usr/bin/time (peak RSS, CPU); the median
// wall time of `--runs` rounds gives MiB/s and the ratio to age, checked against the target
// (filesec ≥ 1.5× age, encrypt and decrypt). A few small files of edge-case sizes go through
// both tools both ways before the timed rounds. Writes bench/results/age.md. See bench/README.md.
const { spawnSync } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const {
  MiB, ROOT, TIME_BIN, Interrupted,
  parseOptions, have, firstLine, rm, sha256File, fmt, checkDist, measure,
  workDirs, runSuite, makeInputs, roundOrder, rowKey, makeRows, rowStats, exitStatus, machine, writeReport,
} = require('./common')

const NODE_OP = path.join(__dirname, 'node-op.js')
const RESULTS = path.join(__dirname, 'results', 'age.md')
const TARGET = 1.5 // filesec throughput ÷ age throughput, encrypt and decrypt
// Sizes for the untimed interop check: empty, one byte, exactly one and two full chunks (age's
// final chunk may be full), and three chunks and a bit.
const SMALL_SIZES = [0, 1, 64 * 1024, 128 * 1024, 3 * 64 * 1024 + 17]

const USAGE = `usage: node bench/age.js [options]        (npm run bench -- --suite age [options])
  --size N      test file size, e.g. 2G (default), 512M                  (env BENCH_SIZE)
  --runs N      rounds, median reported (default 3)                      (env BENCH_RUNS)
  --where LIST  locations: shm (default), disk, or shm,disk              (env BENCH_WHERE)
  --keep        keep the test files (default: removed at the end)
  --only REGEX  accepted for bench/all.js and ignored: every row is needed for the ratios
  --help`

// Runs a command; returns its stdout (a Buffer with encoding 'buffer').
function runOk(argv, encoding = 'utf8') {
  const r = spawnSync(argv[0], argv.slice(1), { encoding, maxBuffer: 64 * MiB })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${`${r.stderr}${r.stdout}`.trim()}`)
  return r.stdout
}

// The rows. A "pair" is what one round runs for a tool: its encryption, then the other tool's
// decryption of that file. Rows are keyed by the tool that did the timed work.
function defineTools(ctx) {
  const node = (op, input, output, ...kv) => [process.execPath, NODE_OP, op, input, output, ...kv]
  const threads = Math.max(1, Math.min(4, os.availableParallelism() - 1)) // filesec's default
  return [
    {
      id: 'filesec',
      label: `filesec age codec (keep: true, durable: false; ${threads} worker${threads > 1 ? 's' : ''} + writer)`,
      ops: {
        encrypt: (i, o) => node('file-encrypt', i, o, 'codec=age', `to=${ctx.recipient}`, 'durable=false'),
        decrypt: (i, o) => node('file-decrypt', i, o, `identity=${ctx.identityFile}`, 'durable=false'),
      },
    },
    {
      id: 'age',
      label: 'age -r / age -d (X25519)',
      ops: {
        encrypt: (i, o) => ['age', '-r', ctx.recipient, '-o', o, i],
        decrypt: (i, o) => ['age', '-d', '-i', ctx.identityFile, '-o', o, i],
      },
      needs: ['age', 'age-keygen'],
      install: 'apt-get install age',
    },
    {
      id: 'dd',
      label: 'dd bs=1M copy (reference)',
      ops: { copy: (i, o) => ['dd', `if=${i}`, `of=${o}`, 'bs=1M', 'status=none'] },
      needs: ['dd'],
      install: 'apt-get install coreutils',
    },
  ]
}

// Each tool's encryption is decrypted by the other tool.
const DECRYPTER = { filesec: 'age', age: 'filesec' }

function main() {
  const o = parseOptions(process.argv.slice(2), USAGE, { size: '2G', where: 'shm', only: 'ignore' })
  checkDist()
  const filesec = require(path.join(ROOT, 'dist', 'index.js'))
  const { scratch, dirs, cleanup } = workDirs(o, 'filesec-bench-age-', 'age-')
  return runSuite(cleanup, () => run(o, { filesec, scratch, dirs }))
}

// Untimed: small files of edge-case sizes, filesec -> age -d and age -r -> filesec, byte for byte.
async function checkSmallFiles(filesec, ctx, folder) {
  fs.mkdirSync(folder, { recursive: true })
  for (const size of SMALL_SIZES) {
    const plain = path.join(folder, `small-${size}.bin`)
    const data = crypto.randomBytes(size)
    fs.writeFileSync(plain, data)
    const byFilesec = `${plain}.filesec.age`
    await filesec.encryptFile(plain, { codec: 'age', to: ctx.recipient, keep: true, output: byFilesec, durable: false })
    // To stdout: age -o creates no file for an empty plaintext.
    const ageOut = runOk(['age', '-d', '-i', ctx.identityFile, byFilesec], 'buffer')
    const byAge = `${plain}.age.age`
    runOk(['age', '-r', ctx.recipient, '-o', byAge, plain])
    await filesec.decryptFile(byAge, { identity: { path: ctx.identityFile }, output: `${byAge}.out`, durable: false })
    for (const [what, out] of [['age -d of filesec\'s file', ageOut], ['filesec of age\'s file', fs.readFileSync(`${byAge}.out`)]]) {
      if (!out.equals(data)) throw new Error(`interop check failed: ${what}, ${size} bytes, differs from the input`)
    }
  }
  rm(folder)
}

async function run(o, { filesec, scratch, dirs }) {
  const sizeMiB = o.size / MiB
  const haveTime = fs.existsSync(TIME_BIN)
  const env = {
    ...machine(),
    filesec: `${filesec.versions.filesec} (${filesec.versions.openssl})`,
    age: have('age') ? firstLine('age', ['--version']) : 'not installed',
    load: os.loadavg().map((x) => x.toFixed(1)).join(' / '),
  }
  console.log(`filesec age bench: ${sizeMiB.toFixed(0)} MiB, ${o.runs} runs, ${o.where.join(' + ')}; ${env.cpu}, node ${env.node}`)
  if (!have('age') || !have('age-keygen')) {
    // Without the age CLI there is no baseline and nothing to check filesec's files against.
    console.log('age is not installed (apt-get install age): nothing to compare, suite skipped')
    return 0
  }
  if (!haveTime) console.log(`NOTE: ${TIME_BIN} not found, no peak RSS/CPU columns (apt-get install time)`)

  // One X25519 key for both tools: age-keygen's identity file, which filesec reads too.
  const ctx = { identityFile: path.join(scratch, 'age-identity.txt'), recipient: null }
  runOk(['age-keygen', '-o', ctx.identityFile])
  ctx.recipient = firstLine('age-keygen', ['-y', ctx.identityFile])

  process.stdout.write(`interop check on small files (${SMALL_SIZES.join(', ')} bytes), both ways ... `)
  await checkSmallFiles(filesec, ctx, path.join(scratch, 'small'))
  console.log('ok')

  const tools = defineTools(ctx)
  const { inputs, hash: inputHash } = makeInputs(o, dirs, (hash) => `sha256 ${hash.slice(0, 16)}…`)
  const rows = makeRows(o, tools)
  const timeFile = path.join(scratch, 'time.txt')
  const byId = Object.fromEntries(tools.map((t) => [t.id, t]))

  // One timed child process; returns the measurement, or null when the row failed (recorded).
  const timed = async (w, tool, op, input, output, round) => {
    const row = rows.get(rowKey(w, tool.id, op))
    if (row.status) return null
    const label = `[${round}/${o.runs}] ${w.padEnd(4)} ${tool.id.padEnd(7)} ${op.padEnd(7)}`
    // Let the event loop run between measurements, so SIGINT/SIGTERM handlers clean up.
    await new Promise((resolve) => setImmediate(resolve))
    try {
      const m = measure(tool.ops[op](input, output), input, output, timeFile)
      let checked = ''
      if (op === 'decrypt') {
        const got = sha256File(output)
        if (got !== inputHash) throw new Error(`VERIFY FAILED: decrypted output sha256 ${got} differs from the input ${inputHash}`)
        checked = '  output = input (sha256)'
      }
      row.samples.push({ ...m, round })
      console.log(`${label} ${fmt(m.wallS, 3)} s  ${fmt(sizeMiB / m.wallS)} MiB/s` +
        `${m.opS ? `  (op ${fmt(sizeMiB / m.opS)} MiB/s)` : ''}  rss ${fmt(m.rssMiB, 1)} MiB${checked}`)
      return m
    } catch (e) {
      if (e instanceof Interrupted) throw e
      row.status = `FAILED: ${e.message}`
      console.log(`${label} ${row.status}`)
      return null
    }
  }

  for (let round = 1; round <= o.runs; round++) {
    for (const w of o.where) {
      for (const t of roundOrder(tools, round, o.runs)) {
        const out = path.join(dirs[w], 'out.bin')
        if (t.id === 'dd') {
          await timed(w, t, 'copy', inputs[w], out, round)
        } else {
          const enc = path.join(dirs[w], `${t.id}.age`)
          if (await timed(w, t, 'encrypt', inputs[w], enc, round)) {
            await timed(w, byId[DECRYPTER[t.id]], 'decrypt', enc, out, round)
          }
          rm(enc)
        }
        rm(out)
      }
    }
  }

  env.loadEnd = os.loadavg().map((x) => x.toFixed(1)).join(' / ')
  const report = buildReport(o, env, rows, sizeMiB, haveTime)
  writeReport(RESULTS, report)
  return exitStatus(rows)
}

function buildReport(o, env, rows, sizeMiB, haveTime) {
  const stat = (r) => rowStats(r, sizeMiB)
  const get = (w, id, op) => stat(rows.get(rowKey(w, id, op)))
  const GB = (mibs) => fmt((mibs * MiB) / 1e9, 2)
  const lines = []
  lines.push(`## filesec age codec vs the age CLI (${sizeMiB.toFixed(0)} MiB file, median of ${o.runs} runs)`)
  lines.push('')
  lines.push(`${env.date}; ${env.cpu}, ${env.mem} RAM, Linux ${env.kernel}; Node ${env.node}; filesec ${env.filesec}; ` +
    `age ${env.age}; load average (1 / 5 / 15 min) ${env.load} at the start, ${env.loadEnd} at the end (other work on ` +
    'the machine shows there: the rows share the CPUs with it). ' +
    `Produced by \`node bench/age.js --size ${sizeMiB.toFixed(0)}M --runs ${o.runs} --where ${o.where.join(',')}\`.`)
  lines.push('')
  lines.push('shm = input and output in /dev/shm (tmpfs); disk = in bench/data/ (input hot in the page cache, no fsync). ' +
    'One X25519 key (age-keygen) for both tools. filesec: `encryptFile(input, { codec: \'age\', to, keep: true, ' +
    'durable: false })` and `decryptFile(input, { identity, durable: false })`, default threads: no read-back verify ' +
    'pass and no fsync, like the age CLI. Each round, in rotating order: filesec encrypts and `age -d` decrypts that ' +
    'file; `age -r` encrypts and filesec decrypts that file; a dd copy. Every decrypted output was checked against ' +
    'the input SHA-256, so each tool\'s files were read by the other. MiB/s from the wall time of the whole child ' +
    'process (Node start-up included for filesec); "op only" = the call timed inside the Node child. "× age" = ' +
    'throughput ÷ age\'s, same operation. Peak RSS = max over the runs; CPU %, user / sys s of the median run.')
  lines.push('')
  lines.push('| where | tool | op | MiB/s | GB/s | min–max MiB/s | op only MiB/s | × age | peak RSS MiB | CPU % | user / sys s |')
  lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const r of rows.values()) {
    const { tool: t, where: w, op } = r
    const s = stat(r)
    if (!s) {
      lines.push(`| ${w} | ${t.label} | ${op} | ${r.status ?? 'no data'} | | | | | | | |`)
      continue
    }
    const age = op !== 'copy' ? get(w, 'age', op) : null
    lines.push(`| ${w} | ${t.label} | ${op} | **${fmt(s.mibs)}** | ${GB(s.mibs)} | ${fmt(s.min)}–${fmt(s.max)} | ` +
      `${fmt(s.opMibs)} | ${age ? fmt(s.mibs / age.mibs, 2) : '–'} | ${haveTime ? fmt(s.rssMiB, 1) : 'n/a'} | ` +
      `${haveTime ? fmt(s.cpuPct) : 'n/a'} | ${haveTime ? `${fmt(s.userS, 2)} / ${fmt(s.sysS, 2)}` : 'n/a'} |`)
  }
  lines.push('')
  lines.push('### Targets')
  lines.push('')
  lines.push(`filesec's age codec at least ${TARGET}× the age CLI's throughput, encrypt and decrypt, from the median ` +
    'wall times of the whole processes (Node start-up counted against filesec). The per-round ratios (filesec\'s and ' +
    'age\'s run of that operation in the same round, seconds apart) show how much the machine moved during the run. ' +
    'When other work keeps a CPU busy, filesec\'s two threads get about one CPU between them and the ratio falls ' +
    'towards the ratio of CPU times (the CPU columns).')
  lines.push('')
  for (const w of o.where) {
    for (const op of ['encrypt', 'decrypt']) {
      const fRow = rows.get(rowKey(w, 'filesec', op))
      const aRow = rows.get(rowKey(w, 'age', op))
      const f = stat(fRow)
      const a = stat(aRow)
      if (!f || !a) {
        lines.push(`- n/a  ${w} ${op}: ${!f ? `filesec ${fRow.status ?? 'no data'}` : `age ${aRow.status ?? 'no data'}`}`)
        continue
      }
      const ratio = f.mibs / a.mibs
      const perRound = fRow.samples
        .map((s) => {
          const peer = aRow.samples.find((x) => x.round === s.round)
          return peer ? peer.wallS / s.wallS : null
        })
        .filter((x) => x !== null)
      lines.push(`- ${ratio >= TARGET ? 'PASS' : 'MISS'} ${w} ${op}: filesec ${fmt(f.mibs)} MiB/s (${GB(f.mibs)} GB/s) vs ` +
        `age ${fmt(a.mibs)} MiB/s (${GB(a.mibs)} GB/s) = **${fmt(ratio, 2)}×** (target ${TARGET}×; per round ` +
        `${fmt(Math.min(...perRound), 2)}–${fmt(Math.max(...perRound), 2)}×; op only ${f.opMibs ? fmt(f.opMibs / a.mibs, 2) : '–'}×)`)
    }
  }
  return lines.join('\n')
}

main()

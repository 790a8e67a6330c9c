'use strict'
// npm run bench  (= node bench/run.js [--size 2G] [--runs 3] [--where shm,disk] [--only REGEX] [--keep])
//
// Encrypt/decrypt throughput of filesec against its peers and the dd copy limit, in /dev/shm
// and on the project disk (bench/data/), every measurement in a fresh child process under
// /usr/bin/time (peak RSS), `--runs` rounds, median wall time reported. Every decrypt output is
// checked against the SHA-256 of the input. Writes the report to bench/results/latest.md.
// See bench/README.md.
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
const RESULTS = path.join(__dirname, 'results', 'latest.md')
const GB_PER_S_IN_MIB = 1e9 / MiB // "1 GB/s" target, 953.7 MiB/s

// ---------------------------------------------------------------------------------------------
// Options

const USAGE = `usage: node bench/run.js [options]        (npm run bench -- [options])
  --size N      test file size, e.g. 2G (default), 512M, 100M, 1048576   (env BENCH_SIZE)
  --runs N      rounds per row, median reported (default 3)               (env BENCH_RUNS)
  --where LIST  locations: shm,disk (default both)                        (env BENCH_WHERE)
  --only REGEX  only rows whose id matches, e.g. 'filesec|dd'  (ids: ${'dd, dd-fsync, filesec, filesec-nd, filesec-t1, stream, node-gcm, age, openssl'})
  --keep        keep the test files (default: removed at the end)
  --help`

// ---------------------------------------------------------------------------------------------
// What is measured. Each tool gives the argv of one child process per operation.

function defineTools(ctx) {
  const node = (op, input, output, ...kv) => [process.execPath, NODE_OP, op, input, output, ...kv]
  // filesec's default: read-and-crypt workers = CPUs - 1 (1 to 4), plus one writer thread.
  const threads = Math.max(1, Math.min(4, os.availableParallelism() - 1))
  return [
    {
      id: 'dd',
      label: 'dd bs=1M copy (limit)',
      ops: { copy: (i, o) => ['dd', `if=${i}`, `of=${o}`, 'bs=1M', 'status=none'] },
      needs: ['dd'],
      install: 'apt-get install coreutils',
    },
    {
      id: 'dd-fsync',
      label: 'dd bs=1M conv=fsync copy (limit)',
      where: ['disk'],
      fsync: true,
      ops: { copy: (i, o) => ['dd', `if=${i}`, `of=${o}`, 'bs=1M', 'conv=fsync', 'status=none'] },
      needs: ['dd'],
      install: 'apt-get install coreutils',
    },
    {
      id: 'filesec',
      label: `filesec encryptFile/decryptFile (default: durable, ${threads} worker${threads > 1 ? 's' : ''} + writer)`,
      fsync: true,
      ops: {
        encrypt: (i, o) => node('file-encrypt', i, o, `to=${ctx.recipient}`),
        decrypt: (i, o) => node('file-decrypt', i, o, `identity=${ctx.identityFile}`),
      },
    },
    {
      id: 'filesec-nd',
      label: `filesec file, durable: false (${threads} worker${threads > 1 ? 's' : ''} + writer)`,
      ops: {
        encrypt: (i, o) => node('file-encrypt', i, o, `to=${ctx.recipient}`, 'durable=false'),
        decrypt: (i, o) => node('file-decrypt', i, o, `identity=${ctx.identityFile}`, 'durable=false'),
      },
    },
    {
      id: 'filesec-t1',
      label: `filesec file, durable: false, threads: ${threads + 1}`,
      ops: {
        encrypt: (i, o) => node('file-encrypt', i, o, `to=${ctx.recipient}`, 'durable=false', `threads=${threads + 1}`),
        decrypt: (i, o) => node('file-decrypt', i, o, `identity=${ctx.identityFile}`, 'durable=false', `threads=${threads + 1}`),
      },
    },
    {
      id: 'stream',
      label: 'filesec stream API pipeline (1 MiB hwm)',
      ops: {
        encrypt: (i, o) => node('stream-encrypt', i, o, `to=${ctx.recipient}`),
        decrypt: (i, o) => node('stream-decrypt', i, o, `identity=${ctx.identityFile}`),
      },
    },
    {
      id: 'node-gcm',
      label: 'Node crypto aes-256-gcm pipeline (1 MiB hwm)',
      ops: {
        encrypt: (i, o) => node('gcm-encrypt', i, o, `key=${ctx.gcmKey}`, `iv=${ctx.gcmIv}`),
        decrypt: (i, o) => node('gcm-decrypt', i, o, `key=${ctx.gcmKey}`, `iv=${ctx.gcmIv}`),
      },
    },
    {
      id: 'age',
      label: 'age (X25519)',
      ops: {
        encrypt: (i, o) => ['age', '-r', ctx.ageRecipient, '-o', o, i],
        decrypt: (i, o) => ['age', '-d', '-i', ctx.ageIdentityFile, '-o', o, i],
      },
      needs: ['age', 'age-keygen'],
      install: 'apt-get install age',
    },
    {
      id: 'openssl',
      label: 'openssl enc -aes-256-ctr -pbkdf2 -bufsize 1MiB',
      ops: {
        encrypt: (i, o) => ['openssl', 'enc', '-aes-256-ctr', '-pbkdf2', '-pass', 'pass:filesec-bench', '-bufsize', '1048576', '-in', i, '-out', o],
        decrypt: (i, o) => ['openssl', 'enc', '-d', '-aes-256-ctr', '-pbkdf2', '-pass', 'pass:filesec-bench', '-bufsize', '1048576', '-in', i, '-out', o],
      },
      needs: ['openssl'],
      install: 'apt-get install openssl',
    },
  ]
}



// ---------------------------------------------------------------------------------------------

function main() {
  const o = parseOptions(process.argv.slice(2), USAGE, { size: '2G', where: 'shm,disk', only: 'filter', onlyEnv: true })
  checkDist()
  const sizeMiB = o.size / MiB
  const haveTime = fs.existsSync(TIME_BIN)
  const filesec = require(path.join(ROOT, 'dist', 'index.js'))

  const { scratch, dirs, cleanup } = workDirs(o, 'filesec-bench-', 'run-')
  return runSuite(cleanup, () => run(o, { filesec, scratch, dirs, sizeMiB, haveTime }))
}

async function run(o, { filesec, scratch, dirs, sizeMiB, haveTime }) {
  // Keys: filesec's own X25519 pair for filesec, age-keygen's for age, random key/IV for Node GCM.
  const pair = await filesec.generateKeyPair('x25519')
  const ctx = {
    recipient: pair.publicKey.publicText,
    identityFile: path.join(scratch, 'filesec-identity.txt'),
    ageIdentityFile: path.join(scratch, 'age-identity.txt'),
    ageRecipient: null,
    gcmKey: crypto.randomBytes(32).toString('hex'),
    gcmIv: crypto.randomBytes(12).toString('hex'),
  }
  await filesec.writePrivateKey(pair.privateKey, ctx.identityFile, { unprotected: true })
  if (have('age-keygen')) {
    spawnSync('age-keygen', ['-o', ctx.ageIdentityFile], { stdio: 'ignore' })
    ctx.ageRecipient = firstLine('age-keygen', ['-y', ctx.ageIdentityFile])
  }
  const tools = defineTools(ctx).filter((t) => !o.only || o.only.test(t.id))
  const timeFile = path.join(scratch, 'time.txt')

  const env = {
    ...machine(),
    filesec: `${filesec.versions.filesec} (${filesec.versions.openssl})`,
    age: have('age') ? firstLine('age', ['--version']) : 'not installed',
    openssl: have('openssl') ? firstLine('openssl', ['version']) : 'not installed',
  }
  console.log(`filesec bench: ${sizeMiB.toFixed(0)} MiB, ${o.runs} runs, ${o.where.join(' + ')}; ${env.cpu}, node ${env.node}`)
  if (!haveTime) console.log(`NOTE: ${TIME_BIN} not found, no peak RSS/CPU columns (apt-get install time)`)

  // The test file: random bytes, made once, copied to every location, hashed once.
  const { inputs, hash: inputHash } = makeInputs(o, dirs, (hash) => `sha256 ${hash.slice(0, 16)}…`)
  const rows = makeRows(o, tools)

  // Rounds: every row once per round (spreads the VM's noise over all rows alike). Per tool:
  // encrypt -> decrypt the fresh ciphertext -> verify -> remove. The tool order rotates from
  // round to round: on this VM the cost of a run depends on how much memory the previous runs
  // freed just before (see README), so no tool should always get the same position.
  for (let round = 1; round <= o.runs; round++) {
    const order = roundOrder(tools, round, o.runs)
    for (const w of o.where) {
      for (const t of order) {
        if (t.where && !t.where.includes(w)) continue
        const enc = path.join(dirs[w], `${t.id}.enc`)
        const dec = path.join(dirs[w], `${t.id}.dec`)
        let encOk = true
        for (const op of Object.keys(t.ops)) {
          const row = rows.get(rowKey(w, t.id, op))
          if (row.status) continue
          if (op === 'decrypt' && !encOk) continue
          const input = op === 'decrypt' ? enc : inputs[w]
          const output = op === 'encrypt' ? enc : dec
          const label = `[${round}/${o.runs}] ${w.padEnd(4)} ${t.id.padEnd(10)} ${op.padEnd(7)}`
          // Let the event loop run between measurements, so SIGINT/SIGTERM handlers clean up.
          await new Promise((resolve) => setImmediate(resolve))
          try {
            const m = measure(t.ops[op](input, output), input, output, timeFile)
            if (op === 'decrypt') {
              const got = sha256File(output)
              if (got !== inputHash) throw new Error(`VERIFY FAILED: decrypted output sha256 ${got} differs from the input ${inputHash}`)
            }
            row.samples.push(m)
            console.log(`${label} ${fmt(m.wallS, 3)} s  ${fmt(sizeMiB / m.wallS)} MiB/s  rss ${fmt(m.rssMiB, 1)} MiB${op === 'decrypt' ? '  verified' : ''}`)
          } catch (e) {
            if (e instanceof Interrupted) throw e
            row.status = `FAILED: ${e.message}`
            console.log(`${label} ${row.status}`)
            if (op === 'encrypt') encOk = false
          }
          if (op !== 'encrypt') rm(output)
        }
        rm(enc)
        rm(`${enc}.tag`)
      }
    }
  }

  const report = buildReport(o, env, rows, sizeMiB, haveTime)
  writeReport(RESULTS, report)
  return exitStatus(rows)
}

// ---------------------------------------------------------------------------------------------
// Report: the table, then the targets.

function buildReport(o, env, rows, sizeMiB, haveTime) {
  const stat = (r) => rowStats(r, sizeMiB)
  const get = (w, id, op) => stat(rows.get(rowKey(w, id, op)))

  const lines = []
  lines.push(`## filesec benchmark (${sizeMiB.toFixed(0)} MiB file, median of ${o.runs} runs)`)
  lines.push('')
  lines.push(`${env.date}; ${env.cpu}, ${env.mem} RAM, Linux ${env.kernel}; Node ${env.node}; filesec ${env.filesec}; ` +
    `${env.openssl}; age ${env.age}. Produced by \`npm run bench -- --size ${sizeMiB.toFixed(0)}M --runs ${o.runs}\`.`)
  lines.push('')
  lines.push('shm = input and output in /dev/shm (tmpfs); disk = input and output in bench/data/ on the project disk ' +
    '(input hot in the page cache, output to the page cache; `sync` before every run). Wall time of the whole child ' +
    'process (Node start-up included); "op only" = the operation timed inside the Node child. ' +
    '"× dd" = tool time ÷ dd copy time of the same location (rows that fsync: also ÷ dd conv=fsync); ' +
    '"× Node", "× age" = throughput ÷ that of the Node crypto pipeline / age, same operation and location. ' +
    'Peak RSS = max over runs (`/usr/bin/time %M`); CPU %, user / sys seconds and minor page faults are those of the median run. Every decrypt output was verified against the input SHA-256.')
  lines.push('')
  lines.push('| where | tool | op | MiB/s | min–max MiB/s | op only MiB/s | × dd time | × Node pipeline | × age | peak RSS MiB | CPU % | user / sys s | minor faults |')
  lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const r of rows.values()) {
    const { tool: t, where: w, op } = r
    const s = stat(r)
    if (!s) {
      lines.push(`| ${w} | ${t.label} | ${op} | ${r.status ?? 'no data'} | | | | | | | | | |`)
      continue
    }
    const dd = get(w, 'dd', 'copy')
    const ddSync = get(w, 'dd-fsync', 'copy')
    let xdd = dd ? fmt(s.wallS / dd.wallS, 2) : '–'
    if (t.fsync && ddSync && t.id !== 'dd-fsync') xdd += ` (÷ dd fsync ${fmt(s.wallS / ddSync.wallS, 2)})`
    const gcm = op !== 'copy' ? get(w, 'node-gcm', op) : null
    const age = op !== 'copy' ? get(w, 'age', op) : null
    lines.push(
      `| ${w} | ${t.label} | ${op} | **${fmt(s.mibs)}** | ${fmt(s.min)}–${fmt(s.max)} | ${fmt(s.opMibs)} | ${xdd} | ` +
        `${gcm ? fmt(s.mibs / gcm.mibs, 2) : '–'} | ${age ? fmt(s.mibs / age.mibs, 2) : '–'} | ` +
        `${haveTime ? fmt(s.rssMiB, 1) : 'n/a'} | ${haveTime ? fmt(s.cpuPct) : 'n/a'} | ` +
        `${haveTime ? `${fmt(s.userS, 2)} / ${fmt(s.sysS, 2)}` : 'n/a'} | ${haveTime ? fmt(s.faults) : 'n/a'} |`,
    )
  }

  // Targets, from this run's numbers only.
  lines.push('')
  lines.push('### Targets')
  lines.push('')
  lines.push('Peer ratios use the `durable: false` row (the peers do not fsync); the dd ratio is checked for both the ' +
    'default durable row (against dd conv=fsync on disk, plain dd in /dev/shm where fsync is a no-op) and the ' +
    '`durable: false` row (against plain dd).')
  lines.push('')
  const verdict = (ok) => (ok === null ? 'n/a ' : ok ? 'PASS' : 'MISS')
  const target = (ok, text) => lines.push(`- ${verdict(ok)} ${text}`)
  const ratio = (a, b) => (a && b ? fmt(a / b, 2) : '–')
  for (const w of o.where) {
    for (const op of ['encrypt', 'decrypt']) {
      const nd = get(w, 'filesec-nd', op)
      const def = get(w, 'filesec', op)
      const gcm = get(w, 'node-gcm', op)
      const age = get(w, 'age', op)
      const st = get(w, 'stream', op)
      const dd = get(w, 'dd', 'copy')
      const ddRef = w === 'disk' ? get(w, 'dd-fsync', 'copy') : dd
      const ddRefName = w === 'disk' ? 'dd conv=fsync' : 'dd'
      // null (n/a) when a side is missing; the row table says why (not installed / FAILED).
      const check = (a, b, ok) => (a && b ? ok(a, b) : null)
      target(check(nd, gcm, (a, b) => a.mibs >= 2 * b.mibs),
        `${w} ${op}: filesec (durable: false) ≥ 2× Node crypto pipeline: ${fmt(nd?.mibs)} vs ${fmt(gcm?.mibs)} MiB/s = ${ratio(nd?.mibs, gcm?.mibs)}×`)
      target(check(nd, age, (a, b) => a.mibs >= 2 * b.mibs),
        `${w} ${op}: filesec (durable: false) ≥ 2× age: ${fmt(nd?.mibs)} vs ${fmt(age?.mibs)} MiB/s = ${ratio(nd?.mibs, age?.mibs)}×`)
      target(check(def, ddRef, (a, b) => a.wallS <= 1.3 * b.wallS),
        `${w} ${op}: filesec default (durable) time ≤ 1.3× ${ddRefName} copy: ${fmt(def?.wallS, 2)} s vs ${fmt(ddRef?.wallS, 2)} s = ${ratio(def?.wallS, ddRef?.wallS)}×`)
      target(check(nd, dd, (a, b) => a.wallS <= 1.3 * b.wallS),
        `${w} ${op}: filesec (durable: false) time ≤ 1.3× dd copy: ${fmt(nd?.wallS, 2)} s vs ${fmt(dd?.wallS, 2)} s = ${ratio(nd?.wallS, dd?.wallS)}×`)
      target(st ? st.mibs >= GB_PER_S_IN_MIB : null,
        `${w} ${op}: stream API ≥ 1 GB/s (${fmt(GB_PER_S_IN_MIB)} MiB/s): ${fmt(st?.mibs)} MiB/s (${st ? fmt(st.mibs / 1024, 2) : '–'} GiB/s)`)
    }
  }
  const rssRows = [...rows.values()].filter((r) => ['filesec', 'filesec-nd', 'filesec-t1', 'stream'].includes(r.tool.id))
  const rssMax = Math.max(...rssRows.map((r) => stat(r)?.rssMiB ?? -Infinity))
  const worst = rssRows.find((r) => stat(r)?.rssMiB === rssMax)
  target(haveTime && Number.isFinite(rssMax) ? rssMax < 100 : null,
    `peak RSS < 100 MiB in every filesec row: max ${fmt(rssMax, 1)} MiB${worst ? ` (${worst.where} ${worst.tool.id} ${worst.op})` : ''}`)

  const notRun = [...rows.values()].filter((r) => r.status && r.status.startsWith('not installed'))
  if (notRun.length) {
    lines.push('')
    lines.push(`Not installed: ${[...new Set(notRun.map((r) => r.tool.label))].join(', ')}: \`apt-get install age time\` and run again.`)
  }
  return lines.join('\n')
}

main()

'use strict'
// node bench/sign.js [--size 2G] [--runs 3] [--where shm,disk] [--only REGEX] [--keep]
//
// Detached-signature throughput of filesec against the tool that makes the same kind of
// signature: Ed25519 minisign signatures (BLAKE2b-512 prehash) against `minisign -S` / `-V`, and
// RSA-3072 RSA-PSS-SHA-256 signatures against `openssl dgst -sha256 -sigopt rsa_padding_mode:pss
// -sigopt rsa_pss_saltlen:32 -sign` / `-verify` (the same RSA key for both). The raw hash speed of
// `openssl dgst` is measured alongside as the limit. In /dev/shm and on the project disk
// (bench/data/), every measurement in a fresh child process under /usr/bin/time, `--runs`
// rounds, median reported. Every signature filesec makes is also checked by the peer tool
// (minisign -V, openssl dgst -verify). Writes the report to bench/results/sign.md.
// See bench/README.md.
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const {
  MiB, ROOT, TIME_BIN, Interrupted,
  parseOptions, have, firstLine, rm, fmt, checkDist, measure,
  workDirs, runSuite, makeInputs, roundOrder, rowKey, makeRows, rowStats, exitStatus, machine, writeReport,
} = require('./common')

const SIGN_OP = path.join(__dirname, 'sign-op.js')
const RESULTS = path.join(__dirname, 'results', 'sign.md')
const PSS = ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32']

const USAGE = `usage: node bench/sign.js [options]
  --size N      test file size, e.g. 2G (default), 512M, 100M               (env BENCH_SIZE)
  --runs N      rounds per row, median reported (default 3)                   (env BENCH_RUNS)
  --where LIST  locations: shm,disk (default both)                            (env BENCH_WHERE)
  --only REGEX  only rows whose id matches (ids: filesec-ed25519, minisign, filesec-rsa, openssl-rsa, blake2b, sha256)
  --keep        keep the test files (default: removed at the end)
  --help`

// Each tool gives the argv of one child process per operation: (input, signature) → argv.
// `check` is an untimed check of a fresh signature by another implementation.
function defineTools(k) {
  const node = (op, key) => (input, sig) => [process.execPath, SIGN_OP, op, input, sig, `key=${key}`]
  return [
    {
      id: 'filesec-ed25519',
      peer: 'minisign',
      label: 'filesec signFile / verifyFile, Ed25519 (minisign .minisig)',
      ops: { sign: node('sign', k.edKey), verify: node('verify', k.edPub) },
      check: (input, sig) => ['minisign', '-V', '-q', '-p', k.edPub, '-m', input, '-x', sig],
      needs: ['minisign'],
    },
    {
      id: 'minisign',
      label: 'minisign -S / -V (Ed25519, BLAKE2b-512 prehash)',
      ops: {
        sign: (input, sig) => ['minisign', '-S', '-s', k.minisignKey, '-m', input, '-x', sig],
        verify: (input, sig) => ['minisign', '-V', '-q', '-p', k.minisignPub, '-m', input, '-x', sig],
      },
      needs: ['minisign'],
    },
    {
      id: 'filesec-rsa',
      peer: 'openssl-rsa',
      label: 'filesec signFile / verifyFile, RSA-3072 PSS (filesec .sig)',
      ops: { sign: node('sign', k.rsaKey), verify: node('verify', k.rsaPub) },
      check: (input, sig) => {
        const text = fs.readFileSync(sig, 'utf8')
        fs.writeFileSync(`${sig}.raw`, Buffer.from(/^signature: (.*)$/m.exec(text)[1], 'base64'))
        return ['openssl', 'dgst', ...PSS, '-verify', k.rsaPub, '-signature', `${sig}.raw`, input]
      },
      needs: ['openssl'],
    },
    {
      id: 'openssl-rsa',
      label: 'openssl dgst -sha256 -sign / -verify, RSA-3072 PSS salt 32',
      ops: {
        sign: (input, sig) => ['openssl', 'dgst', ...PSS, '-sign', k.rsaKey, '-out', sig, input],
        verify: (input, sig) => ['openssl', 'dgst', ...PSS, '-verify', k.rsaPub, '-signature', sig, input],
      },
      needs: ['openssl'],
    },
    {
      id: 'blake2b',
      label: 'openssl dgst -blake2b512 (hash only: the limit for Ed25519 rows)',
      ops: { hash: (input) => ['openssl', 'dgst', '-blake2b512', input] },
      needs: ['openssl'],
    },
    {
      id: 'sha256',
      label: 'openssl dgst -sha256 (hash only: the limit for RSA rows)',
      ops: { hash: (input) => ['openssl', 'dgst', '-sha256', input] },
      needs: ['openssl'],
    },
  ]
}

function runOk(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${`${r.stderr}${r.stdout}`.trim()}`)
  return r.stdout
}

function main() {
  const o = parseOptions(process.argv.slice(2), USAGE, { size: '2G', where: 'shm,disk', only: 'filter', onlyEnv: true })
  checkDist()
  const filesec = require(path.join(ROOT, 'dist', 'index.js'))
  const { scratch, dirs, cleanup } = workDirs(o, 'filesec-bench-sign-', 'sign-')
  return runSuite(cleanup, () => run(o, filesec, scratch, dirs))
}

async function makeKeys(filesec, scratch) {
  const k = {
    edKey: path.join(scratch, 'ed25519.key'),
    edPub: path.join(scratch, 'ed25519.pub'),
    minisignKey: path.join(scratch, 'minisign.key'),
    minisignPub: path.join(scratch, 'minisign.pub'),
    rsaKey: path.join(scratch, 'rsa3072.pem'),
    rsaPub: path.join(scratch, 'rsa3072.pub.pem'),
  }
  await filesec.generateKeyPair('ed25519', { privateKeyPath: k.edKey, publicKeyPath: k.edPub, unprotected: true })
  if (have('minisign')) runOk(['minisign', '-G', '-W', '-p', k.minisignPub, '-s', k.minisignKey])
  if (have('openssl')) {
    // One RSA-3072 key for both filesec and openssl.
    runOk(['openssl', 'genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072', '-out', k.rsaKey])
    runOk(['openssl', 'pkey', '-in', k.rsaKey, '-pubout', '-out', k.rsaPub])
  }
  return k
}

async function run(o, filesec, scratch, dirs) {
  const sizeMiB = o.size / MiB
  const haveTime = fs.existsSync(TIME_BIN)
  const keys = await makeKeys(filesec, scratch)
  const tools = defineTools(keys).filter((t) => !o.only || o.only.test(t.id))
  const timeFile = path.join(scratch, 'time.txt')
  const env = {
    ...machine(),
    filesec: `${filesec.versions.filesec} (${filesec.versions.openssl})`,
    minisign: have('minisign') ? firstLine('minisign', ['-v']) : 'not installed',
    openssl: have('openssl') ? firstLine('openssl', ['version']) : 'not installed',
  }
  console.log(`filesec sign bench: ${sizeMiB.toFixed(0)} MiB, ${o.runs} runs, ${o.where.join(' + ')}; ${env.cpu}, node ${env.node}`)
  if (!haveTime) console.log(`NOTE: ${TIME_BIN} not found, no peak RSS/CPU columns (apt-get install time)`)

  const { inputs } = makeInputs(o, dirs, () => 'done')
  const rows = makeRows(o, tools)

  // Rounds: every row once per round, the tool order rotating so that no tool always runs in
  // the same position (see bench/README.md on this VM's noise). Per tool: sign (or hash), check
  // the fresh signature with the other implementation (untimed), verify it, remove it.
  for (let round = 1; round <= o.runs; round++) {
    const order = roundOrder(tools, round, o.runs)
    for (const w of o.where) {
      for (const t of order) {
        const sig = path.join(dirs[w], `${t.id}.sig`)
        let signed = true
        for (const op of Object.keys(t.ops)) {
          const row = rows.get(rowKey(w, t.id, op))
          if (row.status || (op === 'verify' && !signed)) continue
          const label = `[${round}/${o.runs}] ${w.padEnd(4)} ${t.id.padEnd(15)} ${op.padEnd(6)}`
          await new Promise((resolve) => setImmediate(resolve))
          try {
            // For verify the "output" measure() removes first is a name nothing uses.
            const output = op === 'verify' ? `${sig}.none` : op === 'hash' ? `${sig}.none` : sig
            const m = measure(t.ops[op](inputs[w], sig), inputs[w], output, timeFile)
            let checked = ''
            if (op === 'sign' && t.check) {
              runOk(t.check(inputs[w], sig))
              checked = '  checked by the peer'
            }
            row.samples.push(m)
            console.log(`${label} ${fmt(m.wallS, 3)} s  ${fmt(sizeMiB / m.wallS)} MiB/s` +
              `${m.opS ? `  (op ${fmt(sizeMiB / m.opS)} MiB/s)` : ''}  rss ${fmt(m.rssMiB, 1)} MiB${checked}`)
          } catch (e) {
            if (e instanceof Interrupted) throw e
            row.status = `FAILED: ${e.message}`
            console.log(`${label} ${row.status}`)
            if (op === 'sign') signed = false
          }
        }
        rm(sig)
        rm(`${sig}.raw`)
      }
    }
  }

  const report = buildReport(o, env, rows, sizeMiB, haveTime)
  writeReport(RESULTS, report)
  return exitStatus(rows)
}

function buildReport(o, env, rows, sizeMiB, haveTime) {
  const stat = (r) => rowStats(r, sizeMiB)
  const get = (w, id, op) => stat(rows.get(rowKey(w, id, op)))
  const lines = []
  lines.push(`## filesec signature benchmark (${sizeMiB.toFixed(0)} MiB file, median of ${o.runs} runs)`)
  lines.push('')
  lines.push(`${env.date}; ${env.cpu}, ${env.mem} RAM, Linux ${env.kernel}; Node ${env.node}; filesec ${env.filesec}; ` +
    `${env.openssl}; ${env.minisign}. Produced by \`node bench/sign.js --size ${sizeMiB.toFixed(0)}M --runs ${o.runs}\`.`)
  lines.push('')
  lines.push('shm = file in /dev/shm (tmpfs); disk = file in bench/data/ on the project disk, hot in the page cache. ' +
    'MiB/s from the wall time of the whole child process (Node start-up included for filesec); "op only" = the ' +
    'signFile / verifyFile call timed inside the Node child. "× peer" = filesec throughput ÷ the peer\'s (minisign for ' +
    'Ed25519, openssl dgst for RSA-3072), same operation and location: whole process / op only. Every signature filesec ' +
    'made was verified by the peer (minisign -V, openssl dgst -verify).')
  lines.push('')
  lines.push('| where | tool | op | MiB/s | min–max MiB/s | op only MiB/s | × peer (process / op only) | peak RSS MiB | CPU % |')
  lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|')
  for (const r of rows.values()) {
    const { tool: t, where: w, op } = r
    const s = stat(r)
    if (!s) {
      lines.push(`| ${w} | ${t.label} | ${op} | ${r.status ?? 'no data'} | | | | | |`)
      continue
    }
    const peer = t.peer ? get(w, t.peer, op) : null
    const vs = peer ? `${fmt(s.mibs / peer.mibs, 2)} / ${s.opMibs ? fmt(s.opMibs / peer.mibs, 2) : '–'}` : '–'
    lines.push(`| ${w} | ${t.label} | ${op} | **${fmt(s.mibs)}** | ${fmt(s.min)}–${fmt(s.max)} | ${fmt(s.opMibs)} | ${vs} | ` +
      `${haveTime ? fmt(s.rssMiB, 1) : 'n/a'} | ${haveTime ? fmt(s.cpuPct) : 'n/a'} |`)
  }
  lines.push('')
  lines.push('### Targets')
  lines.push('')
  lines.push('Each filesec signature kind at least as fast as the tool that makes the same kind, same run and location. ' +
    'The verdict compares filesec\'s operation time (op only: what a program using the library gets) with the peer\'s ' +
    'whole process (its start-up is a millisecond); the ratio with Node\'s start-up included is shown beside it.')
  lines.push('')
  const verdict = (ok) => (ok === null ? 'n/a ' : ok ? 'PASS' : 'MISS')
  for (const w of o.where) {
    for (const [id, peerId, kind] of [['filesec-ed25519', 'minisign', 'Ed25519'], ['filesec-rsa', 'openssl-rsa', 'RSA-3072']]) {
      for (const op of ['sign', 'verify']) {
        const f = get(w, id, op)
        const p = get(w, peerId, op)
        const ok = f && p && f.opMibs ? f.opMibs >= p.mibs : null
        lines.push(`- ${verdict(ok)} ${w} ${op} ${kind}: filesec ${fmt(f?.opMibs)} MiB/s (whole process ${fmt(f?.mibs)}) vs ` +
          `${peerId} ${fmt(p?.mibs)} MiB/s = ${f && p && f.opMibs ? fmt(f.opMibs / p.mibs, 2) : '–'}× ` +
          `(${f && p ? fmt(f.mibs / p.mibs, 2) : '–'}× with start-up)`)
      }
    }
  }
  return lines.join('\n')
}

main()

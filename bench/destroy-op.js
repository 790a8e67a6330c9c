'use strict'
// One filesec destroy, run by bench/destroy.js in a fresh process (under /usr/bin/time) so its
// peak RSS is its own. Prints one JSON line: { opMs, disposition, bytesOverwritten }, opMs being
// the time of destroyFile itself (the parent also times the whole process, start-up included).
//
//   node bench/destroy-op.js <file> [passes=N]
const path = require('node:path')

async function main() {
  const [file, ...rest] = process.argv.slice(2)
  const args = Object.fromEntries(rest.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
  if (!file) throw new Error('usage: node bench/destroy-op.js <file> [passes=N]')
  const filesec = require(path.join(__dirname, '..', 'dist', 'index.js'))
  const t0 = process.hrtime.bigint()
  const r = await filesec.destroyFile(file, args.passes ? { passes: Number(args.passes) } : {})
  const opMs = Number(process.hrtime.bigint() - t0) / 1e6
  process.stdout.write(`${JSON.stringify({ opMs, disposition: r.disposition, bytesOverwritten: r.bytesOverwritten })}\n`)
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`)
  process.exit(1)
})

'use strict'
// One filesec signature measurement, run by bench/sign.js in a fresh process (under
// /usr/bin/time). Prints one JSON line: { opMs } = the time of the operation itself, measured
// in-process (the parent also measures the whole process, Node start-up included).
//
//   node bench/sign-op.js sign   <input> <signature output> key=<private key file>
//   node bench/sign-op.js verify <input> <signature file>   key=<public key file>
//
// verify exits 1 when the signature does not match.
const path = require('node:path')

async function main() {
  const [op, input, signature, ...rest] = process.argv.slice(2)
  const args = Object.fromEntries(rest.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
  if (!op || !input || !signature || !args.key) {
    throw new Error('usage: node bench/sign-op.js sign|verify <input> <signature> key=<key file>')
  }
  const filesec = require(path.join(__dirname, '..', 'dist', 'index.js'))
  const run = {
    sign: () => filesec.signFile(input, { key: { path: args.key }, output: signature }),
    verify: async () => {
      const ok = await filesec.verifyFile(input, { key: { path: args.key }, signature: { path: signature } })
      if (!ok) throw new Error('the signature does not match')
    },
  }[op]
  if (!run) throw new Error(`unknown op ${op}`)
  const t0 = process.hrtime.bigint()
  await run()
  const opMs = Number(process.hrtime.bigint() - t0) / 1e6
  process.stdout.write(`${JSON.stringify({ opMs })}\n`)
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`)
  process.exit(1)
})

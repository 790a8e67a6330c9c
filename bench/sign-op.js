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

const { keyValues, runChildOp } = require('./child-op')

runChildOp(() => {
  const [op, input, signature, ...rest] = process.argv.slice(2)
  const args = keyValues(rest)
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
  // Only opMs is reported, not what the operation resolves to.
  return async () => {
    await run()
  }
})

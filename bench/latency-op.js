'use strict'
// One event-loop lag measurement for bench/latency.js, in a fresh process: runs an operation
// while bench/lag-probe.js times a 1 ms timer chain on the main thread, and prints one JSON line
// { opMs, samples, maxMs, p99Ms, p50Ms, progressCalls }.
//
//   node bench/latency-op.js <op> <input> <output> [key=value ...]
//
//   idle           nothing for ms=<milliseconds>: the baseline of the same machine, same moment
//   file-encrypt   encryptFile (keep, durable: false)   to=<age1… recipient> [codec=age] [progress=true]
//   file-decrypt   decryptFile (durable: false)         identity=<key file> [progress=true]
const path = require('node:path')

const { keyValues, runChildOp } = require('./child-op')
const { startLagProbe } = require('./lag-probe')

runChildOp(() => {
  const [op, input, output, ...rest] = process.argv.slice(2)
  const args = keyValues(rest)
  if (!op || !input || !output) throw new Error('usage: node bench/latency-op.js <op> <input> <output> [key=value ...]')
  const filesec = require(path.join(__dirname, '..', 'dist', 'index.js'))
  let progressCalls = 0
  const progress = args.progress === 'true' ? { onProgress: () => progressCalls++ } : {}
  const run = {
    idle: () => new Promise((r) => setTimeout(r, Number(args.ms))),
    'file-encrypt': () =>
      filesec.encryptFile(input, { keep: true, to: args.to, output, durable: false, ...(args.codec ? { codec: args.codec } : {}), ...progress }),
    'file-decrypt': () => filesec.decryptFile(input, { identity: { path: args.identity }, output, durable: false, ...progress }),
  }[op]
  if (!run) throw new Error(`unknown op ${op}`)
  return async () => {
    const stop = startLagProbe()
    await run()
    return { ...stop(), progressCalls }
  }
})

'use strict'
// One filesec destroy, run by bench/destroy.js in a fresh process (under /usr/bin/time) so its
// peak RSS is its own. Prints one JSON line: { opMs, disposition, bytesOverwritten }, opMs being
// the time of destroyFile itself (the parent also times the whole process, start-up included).
//
//   node bench/destroy-op.js <file> [passes=N]
const path = require('node:path')

const { keyValues, runChildOp } = require('./child-op')

runChildOp(() => {
  const [file, ...rest] = process.argv.slice(2)
  const args = keyValues(rest)
  if (!file) throw new Error('usage: node bench/destroy-op.js <file> [passes=N]')
  const filesec = require(path.join(__dirname, '..', 'dist', 'index.js'))
  return async () => {
    const r = await filesec.destroyFile(file, args.passes ? { passes: Number(args.passes) } : {})
    return { disposition: r.disposition, bytesOverwritten: r.bytesOverwritten }
  }
})

'use strict'
// The frame shared by the child-process operations (bench/node-op.js, sign-op.js,
// destroy-op.js). The parent (measure() in bench/common.js) times the whole process under
// /usr/bin/time; the child times the operation alone and prints it as one JSON line,
// { opMs, ... }, the last line of its stdout. Any error exits 1 with the stack on stderr, which
// measure() reports as a failed row.

// ['key=value', ...] -> { key: 'value' } (the value may itself contain '=').
function keyValues(list) {
  return Object.fromEntries(list.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
}

// prepare() reads the arguments and returns the operation, an async function; only the operation
// is timed. Whatever the operation resolves to (an object of extra fields, or nothing) is printed
// after opMs.
function runChildOp(prepare) {
  ;(async () => {
    const op = await prepare()
    const t0 = process.hrtime.bigint()
    const extra = await op()
    const opMs = Number(process.hrtime.bigint() - t0) / 1e6
    process.stdout.write(`${JSON.stringify({ opMs, ...extra })}\n`)
  })().catch((e) => {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`)
    process.exit(1)
  })
}

module.exports = { keyValues, runChildOp }

'use strict'
// A small tour of the native engine for scripts/sanitize.sh valgrind (node under memcheck is
// ~50× slower, so every kind of native work once, on small files): key generation and parsing,
// .fsec and age encrypt/decrypt (X25519 and passphrase), streams, signatures, secure deletion,
// and a worker thread that loads the addon and is terminated mid-job. Exits non-zero on a wrong
// result.
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Readable } = require('node:stream')
const { Worker } = require('node:worker_threads')

const f = require(path.join(__dirname, '..', '..', 'dist', 'index.js'))

async function collect(source, transform) {
  const parts = []
  for await (const chunk of Readable.from([source]).pipe(transform)) parts.push(chunk)
  return Buffer.concat(parts)
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filesec-smoke-'))
  try {
    const data = crypto.randomBytes(200_000)
    const input = path.join(dir, 'in')
    fs.writeFileSync(input, data)
    const x = await f.generateKeyPair('x25519')
    const ed = await f.generateKeyPair('ed25519')
    await f.writePrivateKey(x.privateKey, path.join(dir, 'id'), { unprotected: true })
    const parsed = await f.loadKey({ path: path.join(dir, 'id') })
    for (const [codec, enc, dec] of [
      ['fsec', { to: x.publicKey }, { identity: parsed }],
      ['fsec', { passphrase: 'pw', workFactor: 10 }, { passphrase: 'pw' }],
      ['age', { to: x.publicKey }, { identity: x.privateKey }],
      ['age', { to: x.publicKey, armor: true }, { identity: x.privateKey }],
    ]) {
      const e = await f.encryptFile(input, { ...enc, codec, keep: true, overwrite: true, output: `${input}.enc`, durable: false })
      await f.decryptFile(e.output, { ...dec, output: `${input}.out`, overwrite: true, durable: false })
      assert.ok(fs.readFileSync(`${input}.out`).equals(data), `${codec} round trip`)
    }
    const sealed = await collect(data, f.createEncryptStream({ to: x.publicKey, size: data.length }))
    assert.ok((await collect(sealed, f.createDecryptStream({ identity: x.privateKey }))).equals(data), 'stream round trip')
    const s = await f.signFile(input, { key: ed.privateKey, output: false })
    assert.ok(await f.verifyFile(input, { key: ed.publicKey, signature: s.signature }), 'signature')
    // A tampered file must fail to decrypt, not crash.
    const e = await f.encryptFile(input, { to: x.publicKey, keep: true, overwrite: true, output: `${input}.enc`, durable: false })
    const fd = fs.openSync(e.output, 'r+')
    fs.writeSync(fd, Buffer.from([0x42]), 0, 1, 1000)
    fs.closeSync(fd)
    await assert.rejects(f.decryptFile(e.output, { identity: x.privateKey, output: `${input}.bad`, durable: false }))
    await f.destroyFile(`${input}.out`)
    // The addon in a worker thread, terminated while its job runs.
    const big = path.join(dir, 'big')
    fs.writeFileSync(big, Buffer.alloc(32 << 20, 1))
    const w = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads')
       const f = require(workerData.dist)
       f.generateKeyPair('x25519').then((k) => {
         parentPort.postMessage('started')
         return f.encryptFile(workerData.big, { to: k.publicKey, keep: true, durable: false })
       })`,
      { eval: true, workerData: { dist: path.join(__dirname, '..', '..', 'dist', 'index.js'), big } },
    )
    await new Promise((resolve, reject) => {
      w.once('message', resolve)
      w.once('error', reject)
    })
    await new Promise((r) => setTimeout(r, 200))
    await w.terminate()
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.fsec-tmp')), [])
    console.log('smoke: all checks passed')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})

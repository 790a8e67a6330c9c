'use strict'
// One Node.js measurement, run by bench/run.js in a fresh process (under /usr/bin/time) so its
// peak RSS is its own. Prints one JSON line: { opMs } = the time of the operation itself,
// measured in-process (the parent also measures the whole process, startup included).
//
//   node bench/node-op.js <op> <input> <output> [key=value ...]
//
//   file-encrypt   filesec encryptFile       to=<age1… recipient> durable=true|false [threads=N] [codec=age]
//   file-decrypt   filesec decryptFile       identity=<key file>  durable=true|false [threads=N]
//   stream-encrypt filesec createEncryptStream in a pipeline, 1 MiB reads/writes   to=<age1…>
//   stream-decrypt filesec createDecryptStream in a pipeline, 1 MiB reads/writes   identity=<key file>
//   gcm-encrypt    crypto.createCipheriv('aes-256-gcm') pipeline, 1 MiB  key=<hex> iv=<hex> (tag -> <output>.tag)
//   gcm-decrypt    crypto.createDecipheriv('aes-256-gcm') pipeline, 1 MiB key=<hex> iv=<hex> (tag <- <input>.tag)
//   file-rotate    filesec rotateFile of <input> in place (<output> unused)  identity=<key file> to=<age1…>
//                  rekey=true|false durable=true|false [expect=in-place|copy|rewrite: fail on another commit]
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const { pipeline } = require('node:stream/promises')

const { keyValues, runChildOp } = require('./child-op')

const MiB = 1024 * 1024

runChildOp(() => {
  const [op, input, output, ...rest] = process.argv.slice(2)
  const args = keyValues(rest)
  if (!op || !input || !output) throw new Error('usage: node bench/node-op.js <op> <input> <output> [key=value ...]')
  const filesec = op.startsWith('file-') || op.startsWith('stream-') ? require(path.join(__dirname, '..', 'dist', 'index.js')) : null
  const run = {
    'file-encrypt': () =>
      filesec.encryptFile(input, {
        keep: true,
        to: args.to,
        output,
        durable: args.durable !== 'false',
        ...(args.threads ? { threads: Number(args.threads) } : {}),
        ...(args.codec ? { codec: args.codec } : {}),
      }),
    'file-decrypt': () =>
      filesec.decryptFile(input, {
        identity: { path: args.identity },
        output,
        durable: args.durable !== 'false',
        ...(args.threads ? { threads: Number(args.threads) } : {}),
      }),
    'stream-encrypt': () =>
      pipeline(
        fs.createReadStream(input, { highWaterMark: MiB }),
        filesec.createEncryptStream({ to: args.to, size: fs.statSync(input).size }),
        fs.createWriteStream(output, { highWaterMark: MiB }),
      ),
    'stream-decrypt': () =>
      pipeline(
        fs.createReadStream(input, { highWaterMark: MiB }),
        filesec.createDecryptStream({ identity: { path: args.identity } }),
        fs.createWriteStream(output, { highWaterMark: MiB }),
      ),
    'file-rotate': async () => {
      const r = await filesec.rotateFile(input, {
        identity: { path: args.identity },
        to: args.to,
        rekey: args.rekey === 'true',
        durable: args.durable !== 'false',
        ...(args.threads ? { threads: Number(args.threads) } : {}),
      })
      if (args.expect && r.commit !== args.expect) throw new Error(`expected a ${args.expect} commit, got ${r.commit}`)
    },
    'gcm-encrypt': async () => {
      const cipher = crypto.createCipheriv('aes-256-gcm', Buffer.from(args.key, 'hex'), Buffer.from(args.iv, 'hex'))
      await pipeline(fs.createReadStream(input, { highWaterMark: MiB }), cipher, fs.createWriteStream(output, { highWaterMark: MiB }))
      fs.writeFileSync(`${output}.tag`, cipher.getAuthTag())
    },
    'gcm-decrypt': async () => {
      const decipher = crypto.createDecipheriv('aes-256-gcm', Buffer.from(args.key, 'hex'), Buffer.from(args.iv, 'hex'))
      decipher.setAuthTag(fs.readFileSync(`${input}.tag`))
      await pipeline(fs.createReadStream(input, { highWaterMark: MiB }), decipher, fs.createWriteStream(output, { highWaterMark: MiB }))
    },
  }[op]
  if (!run) throw new Error(`unknown op ${op}`)
  // Only opMs is reported, not what the operation resolves to.
  return async () => {
    await run()
  }
})

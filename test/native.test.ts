// The native addon as a binary: which libcrypto it calls, what it exports, and that it runs in
// several worker threads at once and survives their termination mid-operation.
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Worker } from 'node:worker_threads'

import { leftoverTempFiles, scratchDir } from './helpers'

const root = resolve(__dirname, '..')
const addonPath = (): string => require('node-gyp-build').path(root) as string

// Symbol prefixes of libcrypto's public API.
const OPENSSL_SYMBOL = /^(EVP_|OSSL_|OPENSSL_|OpenSSL_|ERR_|BN_|RSA_|CRYPTO_|RAND_|PEM_|X509|PKCS|BIO_|EC_|ASN1_|d2i_|i2d_|HMAC|SHA|AES_|ENGINE_|OBJ_)/

describe('native addon binary', function () {
  const dir = scratchDir()

  it("binds every libcrypto call to its own static copy, none to the node binary's OpenSSL", function () {
    const run = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(root, 'binding'))}).primitives.hmacSha256(Buffer.alloc(1), Buffer.alloc(1))`], {
      env: { ...process.env, LD_DEBUG: 'bindings' },
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    })
    assert.equal(run.status, 0, run.stderr.slice(-2000))
    const addon = addonPath()
    const lines = run.stderr.split('\n').filter((l) => l.includes(`binding file ${addon} `))
    assert.ok(lines.length > 0, 'LD_DEBUG reported no bindings for the addon: cannot check (is LD_DEBUG supported?)')
    const toNode = lines
      .filter((l) => / to node \[/.test(l) || / to \S*\/node \[/.test(l))
      .map((l) => /symbol `([^']+)'/.exec(l)?.[1] ?? l)
    const leaked = toNode.filter((s) => OPENSSL_SYMBOL.test(s))
    assert.deepEqual(leaked, [], `OpenSSL symbols bound to node: ${leaked.join(', ')}`)
    // A control that this check can fail: node itself does export OpenSSL symbols.
    const nm = spawnSync('nm', ['-D', '--defined-only', process.execPath], { encoding: 'utf8', maxBuffer: 256 << 20 })
    if (nm.status === 0) assert.match(nm.stdout, / T (EVP_EncryptInit_ex|OpenSSL_version)\n/)
  })

  it('exports only the Node-API entry points', function () {
    const nm = spawnSync('nm', ['-D', '--defined-only', addonPath()], { encoding: 'utf8' })
    if (nm.status !== 0) this.skip()
    const names = nm.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ').pop())
      .sort()
    assert.deepEqual(names, ['napi_register_module_v1', 'node_api_module_get_api_version_v1'])
  })

  it('reports the OpenSSL it was built with', function () {
    const native = require('../binding') as { opensslVersion(): string }
    assert.match(native.opensslVersion(), /^OpenSSL 3\./)
  })

  it('loads in several worker threads at once and survives termination mid-operation', async function () {
    const data = randomBytes(1 << 20)
    const input = join(dir(), 'w.bin')
    writeFileSync(input, data)
    const script = `
      const { parentPort, workerData } = require('node:worker_threads')
      require('tsx/cjs')
      const f = require(${JSON.stringify(join(root, 'lib'))})
      ;(async () => {
        const pair = await f.generateKeyPair('x25519')
        const out = workerData.input + '.' + workerData.id
        const e = await f.encryptFile(workerData.input, { keep: true, to: pair.publicKey, output: out + '.fsec' })
        await f.decryptFile(e.output, { identity: pair.privateKey, output: out })
        parentPort.postMessage({ out })
        if (workerData.spin) {
          // Keep a large job running so the parent can terminate us mid-operation.
          const big = workerData.input + '.big' + workerData.id
          require('node:fs').writeFileSync(big, '')
          require('node:fs').truncateSync(big, 1 << 30)
          parentPort.postMessage({ started: true })
          await f.encryptFile(big, { keep: true, to: pair.publicKey, durable: false })
        }
      })().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }))
    `
    const results = await Promise.all(
      [0, 1, 2].map(
        (id) =>
          new Promise<string>((resolvePromise, reject) => {
            const w = new Worker(script, { eval: true, workerData: { input, id, spin: id === 2 } })
            w.on('message', (m: { out?: string; error?: string; started?: boolean }) => {
              if (m.error) reject(new Error(m.error))
              if (m.out && id !== 2) resolvePromise(m.out)
              if (m.started) {
                // Terminate while the native job is running: the addon must stop its threads.
                setTimeout(() => void w.terminate().then(() => resolvePromise('terminated')), 50)
              }
            })
            w.on('error', reject)
          }),
      ),
    )
    assert.equal(results[2], 'terminated')
    for (const out of results.slice(0, 2)) assert.deepEqual(readFileSync(out), data)
    // The terminated worker's job was cancelled and cleaned up, not left half-written.
    assert.deepEqual(leftoverTempFiles(dir()), [])
  })
})

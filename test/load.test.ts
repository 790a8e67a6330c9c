// Under load: many file operations at once through the promise API (both codecs, every kind of
// recipient, sizes from empty to a few MiB, aborts mixed in), and the addon in several worker
// threads at once, some terminated in the middle of native work. Every result is checked byte
// for byte; afterwards no file descriptor and no temporary file may be left behind.
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Worker } from 'node:worker_threads'

import { AbortError, decryptFile, encryptFile, generateKeyPair, type KeyPair } from '../lib'
import { leftoverTempFiles, scratchDir } from './helpers'
import { newFds, openFds, settleFds } from './load/fds'
import { VICTIM_OPS, type WorkerJob, type WorkerMessage } from './load/worker-ops'

const MiB = 1 << 20
// Around the chunk boundaries of both formats (fsec 16 KiB, age 64 KiB) and a few MiB.
const SIZES = [0, 1, 16383, 16385, 65536, 65537 + 13, MiB, 3 * MiB + 7]
const CONCURRENCY = 64

type Recipient = 'x25519' | 'rsa' | 'passphrase'
interface Case {
  id: number
  codec: 'fsec' | 'age'
  recipient: Recipient
  armor: boolean
  durable: boolean
  size: number
}

/** 64 operations covering every codec × recipient × size combination several times over. */
function mixedCases(): Case[] {
  const cases: Case[] = []
  for (let id = 0; id < CONCURRENCY; id++) {
    const codec = id % 2 === 0 ? 'fsec' : 'age'
    // age has no RSA recipients: its share goes to X25519.
    const kinds: Recipient[] = codec === 'fsec' ? ['x25519', 'rsa', 'passphrase'] : ['x25519', 'passphrase']
    cases.push({
      id,
      codec,
      recipient: kinds[Math.floor(id / 2) % kinds.length]!,
      armor: codec === 'age' && id % 8 === 3,
      durable: id % 8 === 0,
      size: SIZES[Math.floor(id / 3) % SIZES.length]!,
    })
  }
  return cases
}

describe('load: concurrent operations through the API', function () {
  this.timeout(120_000)
  const dir = scratchDir('filesec-load-')
  let x25519: KeyPair
  let rsa: KeyPair

  const recipientOptions = (c: Case) =>
    c.recipient === 'passphrase'
      ? { enc: { passphrase: `pw ${c.id}`, workFactor: 10 }, dec: { passphrase: `pw ${c.id}` } }
      : { enc: { to: (c.recipient === 'rsa' ? rsa : x25519).publicKey }, dec: { identity: (c.recipient === 'rsa' ? rsa : x25519).privateKey } }

  /** Encrypts then decrypts one case's file; resolves 'done' (checked) or 'aborted' (and checked nothing is left). */
  let round = 0
  async function roundTrip(c: Case, signal?: AbortSignal): Promise<'done' | 'aborted'> {
    const data = randomBytes(c.size)
    const input = join(dir(), `in-${round++}-${c.id}`)
    writeFileSync(input, data)
    const { enc, dec } = recipientOptions(c)
    const encrypted = `${input}.${c.codec}`
    const output = `${input}.out`
    try {
      const e = await encryptFile(input, { ...enc, codec: c.codec, armor: c.armor || undefined, keep: true, output: encrypted, durable: c.durable, signal })
      assert.equal(e.plaintextBytes, c.size)
      const d = await decryptFile(encrypted, { ...dec, output, durable: c.durable, signal })
      assert.equal(d.plaintextBytes, c.size)
    } catch (err) {
      if (!(err instanceof AbortError) || signal === undefined) throw err
      // Aborted: whichever step it hit left nothing at its output name.
      if (!existsSync(output)) return 'aborted'
      throw new Error(`case ${c.id}: aborted, but the decrypted output exists`)
    }
    assert.ok(readFileSync(output).equals(data), `case ${JSON.stringify(c)}: decrypted bytes differ`)
    assert.ok(readFileSync(input).equals(data), `case ${c.id}: the plaintext changed`)
    return 'done'
  }

  before(async () => {
    x25519 = await generateKeyPair('x25519')
    rsa = await generateKeyPair('rsa', { bits: 2048 })
    // Warm-up: libuv's pool threads, its wakeup descriptors and the addon's lazily created
    // state all exist before the descriptors are counted.
    await Promise.all(mixedCases().slice(0, 8).map((c) => roundTrip(c)))
  })

  it(`${CONCURRENCY} concurrent encrypt + decrypt round trips (fsec and age, X25519/RSA/passphrase, 0 B to 3 MiB): every byte right, no descriptor or temporary file left`, async () => {
    const before = openFds()
    const cases = mixedCases()
    const results = await Promise.all(cases.map((c) => roundTrip(c)))
    assert.deepEqual(results, cases.map(() => 'done'))
    const after = await settleFds(before.size)
    assert.ok(after.size <= before.size, `descriptors left open: ${newFds(before, after).join(', ')}`)
    assert.deepEqual(leftoverTempFiles(dir()), [])
    console.log(`      descriptors ${before.size} before, ${after.size} after`)
  })

  it(`${CONCURRENCY} concurrent round trips, a third of them aborted at random moments: the rest correct, the aborted leave nothing`, async () => {
    const before = openFds()
    const cases = mixedCases()
    const outcomes = await Promise.all(
      cases.map((c) => {
        if (c.id % 3 !== 1) return roundTrip(c)
        const controller = new AbortController()
        setTimeout(() => controller.abort(), randomInt(0, 40))
        return roundTrip(c, controller.signal)
      }),
    )
    cases.forEach((c, i) => {
      if (c.id % 3 !== 1) assert.equal(outcomes[i], 'done', `case ${c.id} was not aborted`)
    })
    const after = await settleFds(before.size)
    assert.ok(after.size <= before.size, `descriptors left open: ${newFds(before, after).join(', ')}`)
    assert.deepEqual(leftoverTempFiles(dir()), [])
    // Some aborts must have landed mid-operation, or this test proved nothing about them.
    assert.ok(outcomes.includes('aborted'), `no operation was aborted: ${outcomes.join(',')}`)
    console.log(`      ${outcomes.filter((o) => o === 'aborted').length} aborted, ${outcomes.filter((o) => o === 'done').length} done; descriptors ${before.size} before, ${after.size} after`)
  })
})

/** Starts test/load/worker-ops.ts in a worker thread (tsx compiles it there too). */
function startWorker(job: WorkerJob): Worker {
  const entry = resolve(__dirname, 'load', 'worker-ops.ts')
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(entry)})`, { eval: true, workerData: job })
}

/** Resolves with the worker's final message; rejects on an error message, an error event or a crash. */
function finished(w: Worker): Promise<WorkerMessage> {
  return new Promise((resolvePromise, reject) => {
    w.on('message', (m: WorkerMessage) => {
      if ('error' in m) reject(new Error(m.error))
      else if ('done' in m) resolvePromise(m)
    })
    w.on('error', reject)
    w.on('exit', (code) => reject(new Error(`worker exited (${code}) before finishing`)))
  })
}

const TERMINATIONS = 20

describe('load: the addon in worker threads', function () {
  this.timeout(180_000)
  const dir = scratchDir('filesec-load-workers-')
  const BIG = 192 * MiB
  let big: Required<WorkerJob>['big']

  before(async () => {
    const identity = join(dir(), 'identity.txt')
    const pair = await generateKeyPair('x25519', { privateKeyPath: identity, unprotected: true })
    const plain = join(dir(), 'big')
    // Random, not sparse: the kernel must really read it, so a job is still running when terminated.
    const block = randomBytes(MiB)
    writeFileSync(plain, Buffer.concat(Array.from({ length: BIG / MiB }, () => block)))
    const fsec = (await encryptFile(plain, { to: pair.publicKey, keep: true, durable: false })).output
    const age = (await encryptFile(plain, { codec: 'age', to: pair.publicKey, keep: true, durable: false })).output
    const ageArmored = (await encryptFile(plain, { codec: 'age', armor: true, to: pair.publicKey, keep: true, durable: false, output: `${plain}.armored.age` })).output
    big = { plain, fsec, age, ageArmored, identity }
    // Warm-up: one worker's life, so that what a first worker leaves for good (libuv's pool,
    // V8's platform threads) is not counted as a leak.
    const w = startWorker({ kind: 'round-trips', dir: dir(), id: -1 })
    await finished(w).finally(() => w.terminate())
  })

  it('4 workers load the addon at the same moment, each running 16 checked round trips at once (64 in all; fsec and age, X25519 and passphrase)', async () => {
    const before = openFds()
    const workers = [0, 1, 2, 3].map((id) => startWorker({ kind: 'round-trips', dir: dir(), id }))
    const results = await Promise.all(workers.map((w) => finished(w)))
    await Promise.all(workers.map((w) => w.terminate()))
    for (const r of results) assert.deepEqual(r, { done: true, checked: 16 })
    const after = await settleFds(before.size)
    assert.ok(after.size <= before.size, `descriptors left open: ${newFds(before, after).join(', ')}`)
    assert.deepEqual(leftoverTempFiles(dir()), [])
  })

  it('process.exit() in the middle of an operation (fsec, armored age encrypt and decrypt) leaves no temporary or intermediate file', () => {
    const lib = resolve(__dirname, '..', 'lib')
    const ops = [
      `f.encryptFile(big.plain, { to: k.publicKey, keep: true, durable: false, output: out + '.fsec' })`,
      `f.encryptFile(big.plain, { codec: 'age', armor: true, to: k.publicKey, keep: true, output: out + '.age' })`,
      `f.decryptFile(big.ageArmored, { identity: { path: big.identity }, output: out })`,
    ]
    for (const [i, op] of ops.entries()) {
      const out = join(dir(), `exit${i}`)
      const script = `const f = require(${JSON.stringify(lib)}); const big = ${JSON.stringify(big)}; const out = ${JSON.stringify(out)}
        f.generateKeyPair('x25519').then((k) => { ${op}; setTimeout(() => process.exit(7), ${randomInt(100, 400)}) })`
      const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { encoding: 'utf8', timeout: 60_000 })
      assert.equal(r.status, 7, `child: ${r.stderr}`)
      assert.deepEqual(leftoverTempFiles(dir()), [], `after process.exit during ${op}`)
      for (const name of readdirSync(dir())) if (name.startsWith(`exit${i}`)) rmSync(join(dir(), name))
    }
  })

  it('an intermediate file a worker still owns when it is terminated is removed; a released one is not', async () => {
    const owned = join(dir(), '.owned.fsec-tmp')
    const released = join(dir(), '.released.fsec-tmp')
    writeFileSync(owned, 'ciphertext copy')
    writeFileSync(released, 'kept')
    const binding = resolve(__dirname, '..', 'binding')
    const w = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads')
       const native = require(workerData.binding)
       native.ownIntermediateFile(workerData.owned)
       native.ownIntermediateFile(workerData.released)
       native.releaseIntermediateFile(workerData.released)
       parentPort.postMessage('owned')
       setInterval(() => {}, 1000)`,
      { eval: true, workerData: { binding, owned, released } },
    )
    await new Promise((resolveOwned, reject) => {
      w.once('message', resolveOwned)
      w.once('error', reject)
    })
    assert.ok(existsSync(owned), 'removed only when the environment ends')
    await w.terminate()
    assert.equal(existsSync(owned), false, 'the shutdown hook removed the owned file')
    assert.equal(existsSync(released), true, 'a released file is not the environment\'s to remove')
    rmSync(released)
  })

  it(`${TERMINATIONS} workers terminated at random moments of long native work (encrypt, decrypt, age binary and armored, sign, destroy, key generation, scrypt): no crash, no temporary file, no descriptor left`, async () => {
    const before = openFds()
    const outcomes: string[] = []
    for (let id = 0; id < TERMINATIONS; id++) {
      const op = VICTIM_OPS[id % VICTIM_OPS.length]!
      const w = startWorker({ kind: 'victim', dir: dir(), id, op, big })
      const settled = new Promise<string>((resolveOutcome, reject) => {
        w.on('message', (m: WorkerMessage) => {
          if ('error' in m) reject(new Error(`${op}: ${m.error}`))
          else if ('done' in m) resolveOutcome('finished first')
        })
        w.on('error', reject)
        w.on('exit', () => resolveOutcome('terminated'))
      })
      await new Promise<void>((resolveReady, reject) => {
        w.once('message', () => resolveReady())
        w.once('error', reject)
      })
      await new Promise((r) => setTimeout(r, randomInt(0, 300)))
      await w.terminate()
      const outcome = await settled
      outcomes.push(`${op}: ${outcome}`)
      assert.deepEqual(leftoverTempFiles(dir()), [], `after terminating ${op}`)
      // A decrypted output only ever appears whole (renamed into place when complete).
      const out = join(dir(), `v${id}`)
      if (op.endsWith('decrypt') && existsSync(out)) assert.ok(readFileSync(out).equals(readFileSync(big.plain)))
      // What finished is not needed any more (up to 192 MiB each).
      for (const name of readdirSync(dir())) if (name === `v${id}` || name.startsWith(`v${id}.`)) rmSync(join(dir(), name))
    }
    const after = await settleFds(before.size)
    assert.ok(after.size <= before.size, `descriptors left open: ${newFds(before, after).join(', ')}`)
    // The bound of the random delay keeps most terminations inside the operation (on a fast
    // machine the short ones, destroy and sign, may finish first).
    assert.ok(outcomes.filter((o) => o.endsWith('terminated')).length >= TERMINATIONS / 4, outcomes.join('\n'))
    console.log(`      ${outcomes.filter((o) => o.endsWith('terminated')).length}/${TERMINATIONS} terminated mid-operation; descriptors ${before.size} before, ${after.size} after`)
  })
})

const MEMORY_ITERATIONS = 160
const MEMORY_WARMUP = 30
const MEMORY_GROWTH_MIB = 6

interface MemorySamples {
  rssMiB: number[]
  heapTotalMiB: number[]
  heapUsedMiB: number[]
  externalMiB: number[]
  ms: number
}

describe('load: memory over a long loop of native work', function () {
  this.timeout(120_000)
  // tmpfs when there is one: destroyFile syncs each pass, which costs nothing there.
  let folder = ''
  const dir = (): string => folder
  before(() => {
    folder = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : (process.env.FILESEC_TEST_TMP ?? tmpdir()), 'filesec-memory-'))
  })
  after(() => rmSync(folder, { recursive: true, force: true }))

  it(`no memory growth after warm-up over ${MEMORY_ITERATIONS} iterations of keygen, encrypt/decrypt (fsec X25519/RSA/passphrase, age, streams), sign/verify, destroy`, () => {
    // A child process of its own, so the samples are not mixed with the other tests' garbage.
    const script = join(__dirname, 'load', 'memory-loop.ts')
    const args = ['--expose-gc', '-r', 'tsx/cjs', script, dir(), String(MEMORY_ITERATIONS), String(MEMORY_WARMUP), '5']
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: resolve(__dirname, '..'), timeout: 110_000 })
    assert.equal(r.status, 0, `memory loop failed: ${r.stderr}`)
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as MemorySamples
    assert.equal(m.rssMiB.length, MEMORY_ITERATIONS / 5)
    // Native memory (ours, OpenSSL's, thread stacks): the RSS less V8's heap, whose young
    // generation grows by several MiB at some point of any allocation-heavy loop.
    const native = m.rssMiB.map((rss, i) => rss - m.heapTotalMiB[i]!)
    const growth = (xs: number[]): { first: number; second: number } => {
      const half = xs.length / 2
      return { first: median(xs.slice(0, half)), second: median(xs.slice(half)) }
    }
    const rss = growth(m.rssMiB)
    const nat = growth(native)
    const js = growth(m.heapUsedMiB)
    const show = (g: { first: number; second: number }): string => `${g.first.toFixed(1)} → ${g.second.toFixed(1)} MiB`
    console.log(
      `      medians, first half → second half after ${MEMORY_WARMUP} warm-up iterations: RSS ${show(rss)}, RSS − V8 heap ${show(nat)}, ` +
        `V8 heap used ${show(js)} (${MEMORY_ITERATIONS + MEMORY_WARMUP} iterations, ${(m.ms / 1000).toFixed(1)} s)`,
    )
    const series = (xs: number[]): string => xs.map((x) => x.toFixed(1)).join(' ')
    assert.ok(nat.second - nat.first < MEMORY_GROWTH_MIB, `native memory grew ${show(nat)}: ${series(native)}`)
    assert.ok(js.second - js.first < MEMORY_GROWTH_MIB, `live JS objects grew ${show(js)}: ${series(m.heapUsedMiB)}`)
    assert.deepEqual(leftoverTempFiles(dir()), [])
  })
})

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

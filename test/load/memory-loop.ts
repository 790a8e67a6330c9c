// The workload of the memory test in test/load.test.ts, run in a child process started with
// --expose-gc: a loop of every kind of native work (key generation, .fsec and age encrypt and
// decrypt, streams, signatures, secure deletion), sampling the resident set size after a full
// garbage collection. Prints one JSON line: { rssMiB, heapTotalMiB, heapUsedMiB, externalMiB: [...], iterations, warmup, ms }.
//
//   node --expose-gc -r tsx/cjs test/load/memory-loop.ts <folder> <iterations> <warm-up> <sample every>
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'

import {
  createDecryptStream,
  createEncryptStream,
  decryptFile,
  destroyFile,
  encryptFile,
  generateKeyPair,
  type KeyPair,
  signFile,
  verifyFile,
} from '../../lib'

async function collect(source: Buffer, transform: NodeJS.ReadWriteStream): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const chunk of Readable.from([source]).pipe(transform)) parts.push(chunk as Buffer)
  return Buffer.concat(parts)
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`${what}: wrong result`)
}

async function iteration(dir: string, i: number, rsa: KeyPair): Promise<void> {
  const data = randomBytes(100_000 + (i % 7) * 10_000)
  const input = join(dir, `m${i}`)
  writeFileSync(input, data)
  const x25519 = await generateKeyPair('x25519')
  const ed25519 = await generateKeyPair('ed25519')
  for (const [codec, enc, dec] of [
    ['fsec', { to: x25519.publicKey }, { identity: x25519.privateKey }],
    ['fsec', { to: rsa.publicKey }, { identity: rsa.privateKey }],
    ['fsec', { passphrase: 'pw', workFactor: 10 }, { passphrase: 'pw' }],
    ['age', { to: x25519.publicKey }, { identity: x25519.privateKey }],
  ] as const) {
    const e = await encryptFile(input, { ...enc, codec, keep: true, durable: false, overwrite: true, output: `${input}.enc` })
    await decryptFile(e.output, { ...dec, output: `${input}.out`, durable: false, overwrite: true })
    check(readFileSync(`${input}.out`).equals(data), `${codec} round trip`)
  }
  const sealed = await collect(data, createEncryptStream({ to: x25519.publicKey, size: data.length }))
  check((await collect(sealed, createDecryptStream({ identity: x25519.privateKey }))).equals(data), 'stream round trip')
  for (const key of [ed25519, rsa]) {
    const s = await signFile(input, { key: key.privateKey, output: false })
    check(await verifyFile(input, { key: key.publicKey, signature: s.signature }), 'signature')
  }
  await destroyFile(`${input}.out`)
  await destroyFile(`${input}.enc`)
  await destroyFile(input)
}

async function main(): Promise<void> {
  const [dir, iterations, warmup, every] = process.argv.slice(2).map((a, i) => (i === 0 ? a : Number(a))) as [string, number, number, number]
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('run with --expose-gc')
  const rsa = await generateKeyPair('rsa', { bits: 2048 })
  const rssMiB: number[] = []
  // Beside the RSS, to tell V8's heap (which grows its young generation in steps of several MiB
  // under allocation pressure) and Buffers (external) apart from native memory.
  const heapTotalMiB: number[] = []
  const heapUsedMiB: number[] = []
  const externalMiB: number[] = []
  const t0 = Date.now()
  for (let i = 0; i < warmup + iterations; i++) {
    await iteration(dir, i, rsa)
    if (i >= warmup && (i - warmup) % every === 0) {
      // Twice: the first collection's finalizers free native memory the second one can return.
      gc()
      await new Promise((r) => setImmediate(r))
      gc()
      const m = process.memoryUsage()
      rssMiB.push(m.rss / (1 << 20))
      heapTotalMiB.push(m.heapTotal / (1 << 20))
      heapUsedMiB.push(m.heapUsed / (1 << 20))
      externalMiB.push(m.external / (1 << 20))
    }
  }
  process.stdout.write(`${JSON.stringify({ rssMiB, heapTotalMiB, heapUsedMiB, externalMiB, iterations, warmup, ms: Date.now() - t0 })}\n`)
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error)?.stack ?? e}\n`)
  process.exit(1)
})

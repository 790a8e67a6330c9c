// Runs inside a worker thread for test/load.test.ts (through its tsx bootstrap): either a few checked round trips, or one long native operation that the parent
// terminates part-way.
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { isMainThread, parentPort, workerData } from 'node:worker_threads'

import { decryptFile, destroyFile, encryptFile, generateKeyPair, signFile } from '../../lib'

export type VictimOp = 'encrypt' | 'decrypt' | 'age-encrypt' | 'age-decrypt' | 'age-armor-encrypt' | 'age-armor-decrypt' | 'sign' | 'destroy' | 'keygen' | 'scrypt'
export const VICTIM_OPS: VictimOp[] = ['encrypt', 'decrypt', 'age-encrypt', 'age-decrypt', 'age-armor-encrypt', 'age-armor-decrypt', 'sign', 'destroy', 'keygen', 'scrypt']

export interface WorkerJob {
  kind: 'round-trips' | 'victim'
  dir: string
  id: number
  op?: VictimOp
  /** For victims: the big plaintext, its .fsec, .age and armored .age forms, and the X25519 identity. */
  big?: { plain: string; fsec: string; age: string; ageArmored: string; identity: string }
}

export type WorkerMessage = { ready: true } | { done: true; checked: number } | { error: string }

// 16 round trips at once: fsec and age, X25519 and passphrase, four sizes.
async function roundTrips(job: WorkerJob): Promise<number> {
  const pair = await generateKeyPair('x25519')
  const cases = (['fsec', 'age'] as const).flatMap((codec) =>
    (['x25519', 'passphrase'] as const).flatMap((recipient) => [0, 70_000, 1 << 20, 3 * (1 << 20) + 7].map((size) => ({ codec, recipient, size }))),
  )
  const results = await Promise.all(
    cases.map(async ({ codec, recipient, size }) => {
      const data = randomBytes(size)
      const input = `${job.dir}/w${job.id}-${codec}-${recipient}-${size}`
      writeFileSync(input, data)
      const [enc, dec] =
        recipient === 'x25519'
          ? [{ to: pair.publicKey }, { identity: pair.privateKey }]
          : [{ passphrase: `w${job.id}`, workFactor: 10 }, { passphrase: `w${job.id}` }]
      const e = await encryptFile(input, { ...enc, codec, keep: true, durable: false })
      await decryptFile(e.output, { ...dec, output: `${input}.out`, durable: false })
      if (!readFileSync(`${input}.out`).equals(data)) throw new Error(`worker ${job.id}: ${codec} ${recipient} ${size} bytes differ`)
      return 1
    }),
  )
  return results.length
}

async function victim(job: WorkerJob): Promise<void> {
  const big = job.big!
  const out = `${job.dir}/v${job.id}`
  const identity = { path: big.identity }
  parentPort!.postMessage({ ready: true } satisfies WorkerMessage)
  switch (job.op!) {
    case 'encrypt':
      await encryptFile(big.plain, { to: (await generateKeyPair('x25519')).publicKey, keep: true, output: `${out}.fsec`, durable: false })
      break
    case 'age-encrypt':
      await encryptFile(big.plain, { codec: 'age', to: (await generateKeyPair('x25519')).publicKey, keep: true, output: `${out}.age` })
      break
    case 'age-armor-encrypt':
      // Two native jobs: the binary age file under a temporary name, then its armored copy.
      await encryptFile(big.plain, { codec: 'age', armor: true, to: (await generateKeyPair('x25519')).publicKey, keep: true, output: `${out}.age` })
      break
    case 'age-armor-decrypt':
      // De-armored into an intermediate binary copy first, then decrypted.
      await decryptFile(big.ageArmored, { identity, output: out })
      break
    case 'decrypt':
      await decryptFile(big.fsec, { identity, output: out, durable: false })
      break
    case 'age-decrypt':
      await decryptFile(big.age, { identity, output: out })
      break
    case 'sign':
      await signFile(big.plain, { key: (await generateKeyPair('ed25519')).privateKey, output: `${out}.minisig` })
      break
    case 'destroy': {
      writeFileSync(out, randomBytes(1 << 20))
      await destroyFile(out)
      break
    }
    case 'keygen':
      await generateKeyPair('rsa', { bits: 4096 })
      break
    case 'scrypt': {
      writeFileSync(out, 'x')
      await encryptFile(out, { passphrase: 'terminated mid-scrypt', workFactor: 17, keep: true, output: `${out}.fsec` })
      break
    }
  }
}

async function main(job: WorkerJob): Promise<void> {
  if (job.kind === 'round-trips') {
    parentPort!.postMessage({ done: true, checked: await roundTrips(job) } satisfies WorkerMessage)
  } else {
    await victim(job)
    parentPort!.postMessage({ done: true, checked: 0 } satisfies WorkerMessage)
  }
}

// The test file imports this module for its types and op list; only a worker runs it.
if (!isMainThread) {
  main(workerData as WorkerJob).catch((e: unknown) =>
    parentPort!.postMessage({ error: String((e as Error)?.stack ?? e) } satisfies WorkerMessage),
  )
}

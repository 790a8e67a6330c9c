// Stream transforms and the random-access reader, against each other and against the file API,
// with property-based sizes and chunkings.
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import fc from 'fast-check'

import {
  ArgumentError,
  createDecryptStream,
  createEncryptStream,
  decryptFile,
  encryptFile,
  type FileMetadata,
  generateKeyPair,
  type KeyPair,
  NotEncryptedError,
  openEncryptedFile,
  TruncatedError,
} from '../lib'
import { collect, scratchDir } from './helpers'

/** Splits `data` at the given cut points (sorted, deduplicated). */
function split(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.min(c, data.length)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let prev = 0
  for (const p of points) {
    out.push(data.subarray(prev, p))
    prev = p
  }
  out.push(data.subarray(prev))
  return out
}

describe('streams and random access', function () {
  const dir = scratchDir()
  let pair: KeyPair

  before(async () => {
    pair = await generateKeyPair('x25519')
  })

  it('property: any plaintext in any chunking survives encrypt stream → decrypt stream', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 80000 }),
        fc.array(fc.nat({ max: 80000 }), { maxLength: 12 }),
        fc.array(fc.nat({ max: 90000 }), { maxLength: 12 }),
        fc.boolean(),
        async (size, cutsIn, cutsOut, withSize) => {
          const data = randomBytes(size)
          const sealed = await collect(
            split(data, cutsIn),
            createEncryptStream({ to: pair.publicKey, ...(withSize ? { size } : {}) }),
          )
          const back = await collect(split(sealed, cutsOut), createDecryptStream({ identity: pair.privateKey }))
          assert.deepEqual(back, data)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('stream output is a .fsec file that decryptFile and the reader open, and the reverse', async () => {
    const data = randomBytes(300000)
    const src = join(dir(), 's.bin')
    writeFileSync(src, data)
    await pipeline(
      createReadStream(src),
      createEncryptStream({ to: pair.publicKey, name: 'recording.wav', size: data.length, note: 'via stream' }),
      createWriteStream(join(dir(), 's.bin.fsec')),
    )
    const d = await decryptFile(join(dir(), 's.bin.fsec'), { identity: pair.privateKey, output: join(dir(), 's.out') })
    assert.deepEqual(readFileSync(join(dir(), 's.out')), data)
    assert.equal(d.metadata.name, 'recording.wav')
    assert.equal(d.metadata.note, 'via stream')
    assert.equal(d.metadata.size, data.length)

    const e = await encryptFile(src, { keep: true, to: pair.publicKey, output: join(dir(), 'f.fsec') })
    const stream = createDecryptStream({ identity: pair.privateKey })
    let meta: FileMetadata | undefined
    stream.on('metadata', (m: FileMetadata) => (meta = m))
    const back = await collect(createReadStream(e.output, { highWaterMark: 5000 }), stream)
    assert.deepEqual(back, data)
    assert.equal(meta?.name, 's.bin')
  })

  it('a stream without a declared size still detects truncation at a chunk boundary', async () => {
    const data = randomBytes(3 * 16384 + 10)
    const sealed = await collect([data], createEncryptStream({ to: pair.publicKey }))
    const headerAndTwoChunks = sealed.length - (16384 + 16) - (10 + 16)
    await assert.rejects(
      collect([sealed.subarray(0, headerAndTwoChunks)], createDecryptStream({ identity: pair.privateKey })),
      TruncatedError,
    )
    await assert.rejects(collect([sealed.subarray(0, 40)], createDecryptStream({ identity: pair.privateKey })), TruncatedError)
    await assert.rejects(collect([Buffer.from('not a filesec stream at all, no')], createDecryptStream({ identity: pair.privateKey })), NotEncryptedError)
  })

  it('the encrypt stream enforces a declared size', async () => {
    await assert.rejects(collect([randomBytes(10)], createEncryptStream({ to: pair.publicKey, size: 11 })), ArgumentError)
    await assert.rejects(collect([randomBytes(12)], createEncryptStream({ to: pair.publicKey, size: 11 })), ArgumentError)
  })

  it('passphrase streams', async () => {
    const data = randomBytes(20000)
    const sealed = await collect([data], createEncryptStream({ passphrase: 'pw', workFactor: 10 }))
    assert.deepEqual(await collect([sealed], createDecryptStream({ passphrase: 'pw' })), data)
  })

  it('property: random reads return exactly the plaintext bytes', async () => {
    const data = randomBytes(5 * 16384 + 777)
    const src = join(dir(), 'r.bin')
    writeFileSync(src, data)
    const e = await encryptFile(src, { keep: true, to: pair.publicKey })
    const f = await openEncryptedFile(e.output, { identity: pair.privateKey })
    try {
      assert.equal(f.size, data.length)
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: data.length + 100 }), fc.nat({ max: 70000 }), async (pos, len) => {
          const got = await f.read(pos, len)
          assert.deepEqual(got, data.subarray(pos, pos + len))
        }),
        { numRuns: 200 },
      )
      const streamed = await collect(f.createReadStream({ start: 1000, end: 50000, chunkSize: 7000 }), new (require('node:stream').PassThrough)())
      assert.deepEqual(streamed, data.subarray(1000, 50000))
    } finally {
      f.close()
    }
    await assert.rejects(f.read(0, 1), ArgumentError)
  })
})

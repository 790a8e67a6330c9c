// age v1 payload (STREAM) in the native engine: file jobs, stream Sealer/Opener and the
// random-access Reader, against an independent implementation written here with node:crypto
// (HKDF-SHA-256 and ChaCha20-Poly1305), and every rejection rule of the format.
// Spec: https://age-encryption.org/v1 ("Payload").
import { strict as assert } from 'node:assert'
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { ArgumentError, PayloadTamperedError, TrailingDataError, TruncatedError } from '../lib'
import { fromNative, nativeSync } from '../lib/errors'
import { runJob } from '../lib/jobs'
import { tempPathFor } from '../lib/paths'
import native = require('../binding')
import type { PayloadKey } from '../binding'
import { rejectsWith, scratchDir } from './helpers'

const CHUNK = 64 * 1024
const TAG = 16
const NONCE = 16
const SEALED = CHUNK + TAG
// Stands in for the age header the codec will write: the jobs put the payload right after it.
const HEADER = Buffer.from('age-encryption.org/v1\n-> test-stanza\nAAAA\n--- header-mac-placeholder\n')

// ---- Independent reference (node:crypto only) -------------------------------------------------

function refPayloadKey(fileKey: Buffer, nonce: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32))
}

function refChunkNonce(index: number, final: boolean): Buffer {
  const n = Buffer.alloc(12)
  n.writeBigUInt64BE(BigInt(index), 3) // 11-byte big-endian counter: bytes 0..10
  n[11] = final ? 1 : 0
  return n
}

function refSealChunk(key: Buffer, index: number, final: boolean, plaintext: Buffer): Buffer {
  const c = createCipheriv('chacha20-poly1305', key, refChunkNonce(index, final), { authTagLength: TAG })
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()])
}

function refOpenChunk(key: Buffer, index: number, final: boolean, sealed: Buffer): Buffer {
  const d = createDecipheriv('chacha20-poly1305', key, refChunkNonce(index, final), { authTagLength: TAG })
  d.setAuthTag(sealed.subarray(sealed.length - TAG))
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()])
}

/** The plaintext split as age splits it: 64 KiB chunks, one empty chunk for an empty plaintext. */
function refChunks(plaintext: Buffer): Buffer[] {
  if (plaintext.length === 0) return [Buffer.alloc(0)]
  const out: Buffer[] = []
  for (let i = 0; i < plaintext.length; i += CHUNK) out.push(plaintext.subarray(i, i + CHUNK))
  return out
}

/** nonce ‖ sealed chunks; `flags` overrides each chunk's final flag (for malformed payloads). */
function refSeal(fileKey: Buffer, nonce: Buffer, chunks: Buffer[], flags?: boolean[]): Buffer {
  const key = refPayloadKey(fileKey, nonce)
  return Buffer.concat([nonce, ...chunks.map((c, i) => refSealChunk(key, i, flags ? flags[i]! : i === chunks.length - 1, c))])
}

/** Opens a payload by the spec's rules, deciding the final chunk from the length alone. */
function refOpen(fileKey: Buffer, payload: Buffer): Buffer {
  if (payload.length < NONCE) throw new Error('no nonce')
  const key = refPayloadKey(fileKey, payload.subarray(0, NONCE))
  const body = payload.subarray(NONCE)
  const out: Buffer[] = []
  for (let pos = 0, i = 0; ; i++) {
    const rest = body.length - pos
    if (rest > SEALED) {
      out.push(refOpenChunk(key, i, false, body.subarray(pos, pos + SEALED)))
      pos += SEALED
      continue
    }
    if (rest < TAG) throw new Error('truncated chunk')
    if (rest === TAG && i > 0) throw new Error('empty final chunk after a full one')
    out.push(refOpenChunk(key, i, true, body.subarray(pos)))
    return Buffer.concat(out)
  }
}

// ---- Native paths -----------------------------------------------------------------------------

function cuts(data: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = []
  let pos = 0
  for (let i = 0; pos < data.length; i++) {
    const n = sizes[i % sizes.length]!
    out.push(data.subarray(pos, pos + n))
    pos += n
  }
  return out
}

// Pieces that land on, around and across chunk and look-ahead boundaries.
const CHUNKINGS: Record<string, number[]> = {
  whole: [Number.MAX_SAFE_INTEGER],
  bytes7: [7],
  sealedChunks: [SEALED],
  chunks: [CHUNK],
  chunkPlusOne: [SEALED + 1],
  odd: [1, SEALED - 1, 3, 70000, 16, 2 * SEALED + 5],
}

function sealStream(key: PayloadKey, data: Buffer, sizes: number[]): Buffer {
  const sealer = new native.Sealer(key)
  return Buffer.concat([...cuts(data, sizes).map((p) => sealer.update(p)), sealer.final()])
}

/** Runs a payload through the native Opener; returns what it released and the typed error, if any. */
function openStream(key: PayloadKey, payload: Buffer, sizes: number[]): { out: Buffer; error?: Error } {
  const opener = new native.Opener(key, null)
  const parts: Buffer[] = []
  try {
    for (const p of cuts(payload, sizes)) parts.push(nativeSync(() => opener.update(p)))
    parts.push(nativeSync(() => opener.final()))
    return { out: Buffer.concat(parts) }
  } catch (e) {
    return { out: Buffer.concat(parts), error: e as Error }
  }
}

describe('age v1 payload (STREAM), native engine', function () {
  this.timeout(120000)
  const dir = scratchDir('filesec-age-stream-')
  let n = 0
  const fresh = (name: string): string => join(dir(), `${n++}-${name}`)

  async function encryptJob(key: PayloadKey, data: Buffer): Promise<string> {
    const source = fresh('plain')
    writeFileSync(source, data)
    const output = fresh('enc.age')
    const r = await runJob(
      (p) =>
        native.encryptFile(
          key,
          HEADER,
          { source, expectedSize: data.length, output, tempPath: tempPathFor(output), overwrite: false, durable: false, threads: 2 },
          p,
        ),
      {},
    )
    assert.equal(r.plaintextBytes, data.length)
    assert.equal(r.fileBytes, readFileSync(output).length)
    return output
  }

  function decryptJob(key: PayloadKey, source: string, output = fresh('dec')) {
    return runJob(
      (p) =>
        native.decryptFile(
          key,
          { source, payloadOffset: HEADER.length, expectedSize: null, output, tempPath: tempPathFor(output), overwrite: false, durable: false, threads: 2, mtimeMs: null },
          p,
        ),
      {},
    )
  }

  function verifyJob(key: PayloadKey, source: string) {
    return runJob((p) => native.verifyFile(key, { source, payloadOffset: HEADER.length, expectedSize: null, threads: 2 }, p), {})
  }

  async function readAll(key: PayloadKey, path: string): Promise<Buffer> {
    const reader = await native.openReader(key, path, HEADER.length, null)
    try {
      return await reader.read(0, reader.size + 1)
    } finally {
      reader.close()
    }
  }

  const SIZES = [0, 1, 65535, 65536, 65537, 2 * 65536, 5 * 1024 * 1024 + 12345, 4 * 1024 * 1024]

  describe('round trips and byte-exact agreement with the node:crypto reference', () => {
    for (const size of SIZES) {
      it(`${size} bytes`, async () => {
        const data = randomBytes(size)
        const fileKey = randomBytes(16)
        const nonce = randomBytes(16)
        const fixed = native.agePayloadKey(fileKey, nonce)
        const key = native.agePayloadKey(fileKey)
        try {
          const expected = refSeal(fileKey, nonce, refChunks(data))
          const chunks = size === 0 ? 1 : Math.ceil(size / CHUNK)
          assert.equal(expected.length, NONCE + size + chunks * TAG, 'payload size')

          // Native file job → exactly the reference payload behind the header; the reference opens it.
          const enc = await encryptJob(fixed, data)
          const file = readFileSync(enc)
          assert.ok(file.subarray(0, HEADER.length).equals(HEADER), 'header written first')
          assert.ok(file.subarray(HEADER.length).equals(expected), 'native file job = reference payload')
          assert.ok(refOpen(fileKey, file.subarray(HEADER.length)).equals(data), 'reference opens the native payload')

          // Native stream sealer, in every chunking → the same bytes.
          for (const [name, sizes] of Object.entries(CHUNKINGS)) {
            assert.ok(sealStream(fixed, data, sizes).equals(expected), `Sealer (${name}) = reference payload`)
          }

          // Reference payload (another nonce) → every native opener.
          const refPayload = refSeal(fileKey, randomBytes(16), refChunks(data))
          const refFile = fresh('ref.age')
          writeFileSync(refFile, Buffer.concat([HEADER, refPayload]))
          const dec = fresh('dec')
          const r = await decryptJob(key, refFile, dec)
          assert.equal(r.plaintextBytes, size)
          assert.ok(readFileSync(dec).equals(data), 'decryptFile of the reference payload')
          assert.equal((await verifyJob(key, refFile)).plaintextBytes, size)
          assert.ok((await readAll(key, refFile)).equals(data), 'Reader of the reference payload')
          for (const [name, sizes] of Object.entries(CHUNKINGS)) {
            const { out, error } = openStream(key, refPayload, sizes)
            assert.equal(error, undefined, `Opener (${name}): ${String(error)}`)
            assert.ok(out.equals(data), `Opener (${name}) of the reference payload`)
          }

          // A random-nonce native round trip: a fresh nonce each time, still readable by both.
          const enc2 = await encryptJob(key, data)
          const payload2 = readFileSync(enc2).subarray(HEADER.length)
          assert.ok(!payload2.subarray(0, NONCE).equals(nonce), 'a random nonce when none is fixed')
          assert.ok(refOpen(fileKey, payload2).equals(data))
          const dec2 = await decryptJob(key, enc2)
          assert.equal(dec2.plaintextBytes, size)
        } finally {
          fixed.destroy()
          key.destroy()
        }
      })
    }

    it('random access reads across chunk boundaries', async () => {
      const data = randomBytes(3 * CHUNK + 999)
      const fileKey = randomBytes(16)
      const key = native.agePayloadKey(fileKey)
      const path = await encryptJob(key, data)
      const reader = await native.openReader(key, path, HEADER.length, null)
      try {
        assert.equal(reader.size, data.length)
        const ranges: [number, number][] = [
          [0, 1], [CHUNK - 1, 2], [CHUNK, CHUNK], [CHUNK - 5, CHUNK + 10], [3 * CHUNK, 999], [3 * CHUNK + 998, 50],
          [2 * CHUNK + 7, CHUNK + 500], [data.length, 10],
        ]
        for (const [pos, len] of ranges) {
          assert.ok((await reader.read(pos, len)).equals(data.subarray(pos, pos + len)), `read(${pos}, ${len})`)
        }
      } finally {
        reader.close()
        key.destroy()
      }
    })

    it('agePayloadKey rejects a file key or nonce that is not 16 bytes', () => {
      for (const [k, nonce] of [[randomBytes(15), undefined], [randomBytes(32), undefined], [randomBytes(16), randomBytes(12)]] as const) {
        assert.throws(() => nativeSync(() => native.agePayloadKey(k, nonce)), (e: unknown) => e instanceof ArgumentError)
      }
    })
  })

  describe('rejections (typed errors, nothing written, every path)', () => {
    type Expect = { job: string; stream: string }
    const classes: Record<string, abstract new (...a: never[]) => Error> = {
      FSEC_TRUNCATED: TruncatedError,
      FSEC_TRAILING_DATA: TrailingDataError,
      FSEC_PAYLOAD_TAMPERED: PayloadTamperedError,
    }

    /** Checks that decryptFile, verifyFile, openReader and the Opener all refuse `payload`. */
    async function refuses(fileKey: Buffer, payload: Buffer, expect: Expect, plaintext?: Buffer): Promise<void> {
      const key = native.agePayloadKey(fileKey)
      try {
        const path = fresh('bad.age')
        writeFileSync(path, Buffer.concat([HEADER, payload]))
        const out = fresh('out')
        await rejectsWith(decryptJob(key, path, out), classes[expect.job]!, expect.job)
        assert.ok(!existsSync(out), 'no output after a failed decryption')
        assert.ok(!existsSync(tempPathFor(out)), 'no temporary file left')
        await rejectsWith(verifyJob(key, path), classes[expect.job]!, expect.job)
        // The Reader authenticates the final chunk at open, the others when they are read.
        const whole = async () => {
          const reader = await native.openReader(key, path, HEADER.length, null)
          try {
            return await reader.read(0, reader.size)
          } finally {
            reader.close()
          }
        }
        await rejectsWith(whole().catch((e) => { throw fromNative(e) }), classes[expect.job]!, expect.job)
        for (const [name, sizes] of Object.entries(CHUNKINGS)) {
          const { out: released, error } = openStream(key, payload, sizes)
          assert.ok(error, `Opener (${name}) accepted it`)
          assert.ok(error instanceof classes[expect.stream]!, `Opener (${name}): ${(error as { code?: string }).code} ${error.message}`)
          // Whatever was released must be authenticated plaintext, never the final chunk's.
          if (plaintext) assert.ok(released.equals(plaintext.subarray(0, released.length)), `Opener (${name}) released bad bytes`)
        }
      } finally {
        key.destroy()
      }
    }

    const fileKey = randomBytes(16)
    const nonce = randomBytes(16)
    const full = randomBytes(3 * CHUNK) // final chunk full
    const short = randomBytes(3 * CHUNK + 100) // final chunk short
    const fullPayload = refSeal(fileKey, nonce, refChunks(full))
    const shortPayload = refSeal(fileKey, nonce, refChunks(short))
    const T = 'FSEC_TRUNCATED'
    const D = 'FSEC_TRAILING_DATA'
    const X = 'FSEC_PAYLOAD_TAMPERED'

    it('truncation at a chunk boundary (the last full chunk is not flagged final)', async () => {
      await refuses(fileKey, fullPayload.subarray(0, NONCE + 2 * SEALED), { job: T, stream: T }, full)
      await refuses(fileKey, fullPayload.subarray(0, NONCE + SEALED), { job: T, stream: T }, full)
    })

    it('the final chunk dropped (short final chunk)', async () => {
      await refuses(fileKey, shortPayload.subarray(0, NONCE + 3 * SEALED), { job: T, stream: T }, short)
    })

    it('truncation inside a chunk and down to the nonce', async () => {
      await refuses(fileKey, fullPayload.subarray(0, fullPayload.length - 1), { job: X, stream: X }, full)
      await refuses(fileKey, shortPayload.subarray(0, shortPayload.length - 50), { job: X, stream: X }, short)
      await refuses(fileKey, fullPayload.subarray(0, NONCE + 5), { job: T, stream: T })
      await refuses(fileKey, fullPayload.subarray(0, NONCE), { job: T, stream: T })
    })

    it('a missing final flag on a short last chunk', async () => {
      const chunks = refChunks(short)
      await refuses(fileKey, refSeal(fileKey, nonce, chunks, chunks.map(() => false)), { job: X, stream: X }, short)
    })

    it('data after the final chunk', async () => {
      // One byte after a full final chunk: no payload has that length (the job cannot tell cut from
      // extended); the stream sees the full chunk open only as final.
      await refuses(fileKey, Buffer.concat([fullPayload, Buffer.from([0])]), { job: T, stream: D }, full)
      // More than a tag's worth after a full final chunk: the chunk before the "last" one is final.
      await refuses(fileKey, Buffer.concat([fullPayload, randomBytes(100)]), { job: D, stream: D }, full)
      await refuses(fileKey, Buffer.concat([fullPayload, randomBytes(SEALED + 100)]), { job: X, stream: D }, full)
      // After a short final chunk, appended bytes change where that chunk seems to end.
      await refuses(fileKey, Buffer.concat([shortPayload, randomBytes(1)]), { job: X, stream: X }, short)
      // A second, validly sealed final chunk after the real final one.
      const key = refPayloadKey(fileKey, nonce)
      await refuses(fileKey, Buffer.concat([fullPayload, refSealChunk(key, 3, true, randomBytes(10))]), { job: D, stream: D }, full)
    })

    it('an empty final chunk after a full one', async () => {
      const chunks = [...refChunks(full), Buffer.alloc(0)]
      // A careless writer: three full non-final chunks, then an empty final one.
      const careless = refSeal(fileKey, nonce, chunks)
      assert.throws(() => refOpen(fileKey, careless), /empty final chunk/)
      await refuses(fileKey, careless, { job: T, stream: X }, full)
      // An empty final chunk appended after a real (full) final chunk.
      const appended = Buffer.concat([fullPayload, refSealChunk(refPayloadKey(fileKey, nonce), 3, true, Buffer.alloc(0))])
      await refuses(fileKey, appended, { job: T, stream: D }, full)
    })

    it('a non-final chunk that is not full', async () => {
      const chunks = [randomBytes(100), randomBytes(CHUNK), randomBytes(5)]
      const data = Buffer.concat(chunks)
      await refuses(fileKey, refSeal(fileKey, nonce, chunks), { job: X, stream: X }, data)
    })

    it('a flipped byte in the first, a middle and the last chunk, and in the nonce', async () => {
      for (const [payload, plain] of [[fullPayload, full], [shortPayload, short]] as const) {
        for (const at of [NONCE + 10, NONCE + SEALED + 5000, NONCE + SEALED - 1, payload.length - 1, payload.length - TAG - 1, 3]) {
          const bad = Buffer.from(payload)
          bad[at]! ^= 0x01
          await refuses(fileKey, bad, { job: X, stream: X }, plain)
        }
      }
    })

    it('the wrong file key', async () => {
      await refuses(randomBytes(16), fullPayload, { job: X, stream: X })
      await refuses(randomBytes(16), refSeal(fileKey, nonce, [Buffer.alloc(0)]), { job: X, stream: X })
    })
  })
})

// Cobblestone-256 (c2sp.org/chunked-encryption with AES-256-GCM) conformance: the 35 Wycheproof
// vectors of c2sp_chunked_encryption_aes_256_gcm_test.json through the native streaming Opener
// and the native random-access Reader, i.e. the same code the file formats use for payloads.
//
// How each vector is judged (README.md of the vectors folder):
// - valid: decrypts to msgLength bytes whose SHA-512 is msgSha512, through every chunking and
//   through the reader (size, whole read, random ranges, a non-zero payload offset).
// - invalid: must fail. A streaming decrypter may release plaintext before it detects the
//   error, but only for PartialPlaintext vectors, only up to msgLength bytes, and only bytes of
//   the valid prefix (checked against an independent decryption with node:crypto using the
//   vector's aeadKey/baseNonce); afterwards it must keep failing with the same error.
//   HeaderFailure vectors must fail on the 56-byte header alone, before any chunk.
//   InvalidKeySize vectors must be rejected when the key is given.
// - random access: the reader authenticates the final chunk when it opens, so invalid vectors
//   fail to open, except ValidFinalChunk ones (final chunk valid at the right index), which may
//   open but must fail to read the damaged chunk and the whole message.
import { strict as assert } from 'node:assert'
import { createDecipheriv, createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inflateSync } from 'node:zlib'

import native = require('../../binding')
import { describeWithVectors, scratchDir } from '../helpers'
import {
  Tally,
  WycheproofGroup,
  WycheproofTest,
  allTests,
  describeTest,
  hex,
  withVectors,
  prng,
  rejected,
  thrown,
} from './wycheproof'

interface ChunkedTest extends WycheproofTest {
  key: string
  ctx: string
  ct: string
  aeadKey?: string
  baseNonce?: string
  msgLength?: number
  msgSha512?: string
}
interface ChunkedGroup extends WycheproofGroup<ChunkedTest> {
  type: string
  aead: string
  sha: string
}

const PREFIX = 56 // salt (24) || commitment (32)
const CHUNK = 16384
const TAG = 16
const SEALED = CHUNK + TAG

/** The codes a payload that fails to decrypt may carry; anything else (INTERNAL, TypeError…) is a bug. */
const PAYLOAD_FAILURES = ['FSEC_PAYLOAD_TAMPERED', 'FSEC_PAYLOAD_MISMATCH', 'FSEC_TRUNCATED', 'FSEC_TRAILING_DATA']

function assertPayloadFailure(err: Error & { code?: unknown }, what: string): void {
  assert.ok(
    typeof err.code === 'string' && PAYLOAD_FAILURES.includes(err.code),
    `${what}: expected one of ${PAYLOAD_FAILURES.join('/')}, got ${String(err.code)} (${err.message})`,
  )
}

const sha512 = (b: Buffer): string => createHash('sha512').update(b).digest('hex')

// ---- chunkings of the ciphertext for the streaming opener -------------------------------------

function fixed(size: number): (len: number) => number[] {
  return (len) => {
    const sizes: number[] = []
    for (let done = 0; done < len; done += size) sizes.push(Math.min(size, len - done))
    return sizes
  }
}

/**
 * One byte at a time. Every update() of the opener allocates a chunk-sized scratch buffer, so
 * for the two 4 MiB vectors single bytes are used around the header, the first chunk boundaries
 * and the whole tail (where the final chunk is found), with one large piece in between.
 */
function singleBytes(len: number): number[] {
  const limit = 64 * 1024
  if (len <= limit) return new Array<number>(len).fill(1)
  const head = PREFIX + 2 * SEALED + 64
  const tail = 2 * SEALED + 64
  return [...new Array<number>(head).fill(1), len - head - tail, ...new Array<number>(tail).fill(1)]
}

function randomPieces(seed: number): (len: number) => number[] {
  return (len) => {
    const next = prng(seed)
    const sizes: number[] = []
    let done = 0
    while (done < len) {
      // Mostly small or chunk-sized pieces, sometimes an empty update().
      const pick = next(10)
      const n = pick === 0 ? 0 : pick < 4 ? 1 + next(64) : pick < 8 ? 1 + next(3 * SEALED) : SEALED + next(3) - 1
      sizes.push(Math.min(n, len - done))
      done += Math.min(n, len - done)
    }
    return sizes
  }
}

interface Chunking {
  name: string
  sizes: (len: number) => number[]
}

function chunkingsFor(tcId: number): Chunking[] {
  return [
    { name: 'whole', sizes: (len) => [len] },
    { name: 'single bytes', sizes: singleBytes },
    { name: 'header, then sealed chunks', sizes: (len) => (len <= PREFIX ? [len] : [PREFIX, ...fixed(SEALED)(len - PREFIX)]) },
    { name: '16400-byte pieces', sizes: fixed(SEALED) },
    { name: '16399-byte pieces', sizes: fixed(SEALED - 1) },
    { name: '16401-byte pieces', sizes: fixed(SEALED + 1) },
    { name: '7000-byte pieces', sizes: fixed(7000) },
    { name: `random pieces (seed ${1000 + tcId})`, sizes: randomPieces(1000 + tcId) },
  ]
}

// ---- an independent decryption of the valid prefix (node:crypto) ------------------------------

/** The first msgLength plaintext bytes, decrypted chunk by chunk with the vector's aeadKey/baseNonce. */
function referencePrefix(t: ChunkedTest, ct: Buffer): Buffer {
  assert.ok(t.aeadKey && t.baseNonce && t.msgLength !== undefined && t.msgSha512, 'vector lacks aeadKey/baseNonce/msgLength')
  const key = hex(t.aeadKey)
  const parts: Buffer[] = []
  for (let i = 0; i * CHUNK < t.msgLength; i++) {
    const nonce = hex(t.baseNonce)
    for (let b = 0, k = i; b < 8; b++, k = Math.floor(k / 256)) nonce[11 - b] ^= k & 0xff
    const start = PREFIX + i * SEALED
    const decipher = createDecipheriv('aes-256-gcm', key, nonce)
    decipher.setAuthTag(ct.subarray(start + CHUNK, start + SEALED))
    parts.push(decipher.update(ct.subarray(start, start + CHUNK)), decipher.final())
  }
  const prefix = Buffer.concat(parts).subarray(0, t.msgLength)
  assert.equal(sha512(prefix), t.msgSha512, 'self-check: the independent decryption of the valid prefix does not match msgSha512')
  return prefix
}

// ---- streaming -------------------------------------------------------------------------------

/** Feeds `ct` in pieces; on the first error, checks that the opener keeps failing the same way. */
function runStream(
  payloadKey: native.PayloadKey,
  ct: Buffer,
  sizes: number[],
): { released: Buffer; error?: Error & { code?: unknown } } {
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    ct.length,
    'harness: chunking does not cover the ciphertext',
  )
  const opener = new native.Opener(payloadKey, null)
  const out: Buffer[] = []
  let pos = 0
  let error: (Error & { code?: unknown }) | undefined
  try {
    for (const n of sizes) {
      const piece = ct.subarray(pos, pos + n)
      pos += n
      out.push(opener.update(piece))
    }
    out.push(opener.final())
  } catch (err) {
    assert.ok(err instanceof Error, `threw a non-Error ${String(err)}`)
    error = err as Error & { code?: unknown }
  }
  const released = Buffer.concat(out)
  if (error) {
    // Once failed, the opener must keep failing, with the same error, whatever comes next.
    const code = error.code
    const again = [
      thrown(() => opener.update(Buffer.alloc(1)), 'update() after the failure'),
      thrown(() => opener.update(ct.subarray(pos)), 'update(rest of the ciphertext) after the failure'),
      thrown(() => opener.update(Buffer.alloc(SEALED)), 'update(a whole chunk) after the failure'),
      thrown(() => opener.final(), 'final() after the failure'),
      thrown(() => opener.final(), 'a second final() after the failure'),
    ]
    for (const e of again) assert.equal(e.code, code, `after failing with ${String(code)}, a later call failed with ${String(e.code)}`)
  }
  return { released, error }
}

describeWithVectors('Cobblestone-256 (C2SP chunked encryption) vectors, native layer', 'wycheproof', (dir) => {
  withVectors<ChunkedGroup>(dir, 'c2sp_chunked_encryption_aes_256_gcm_test.json', (file) => {
    const items = allTests(file)
    const scratch = scratchDir('filesec-c2sp-')

    it('holds the 35 vectors (10 valid, 25 invalid) of one AEAD_AES_256_GCM / SHA-512 group', () => {
      assert.equal(file.algorithm, 'Cobblestone-256')
      assert.equal(items.length, 35)
      assert.equal(items.filter((i) => i.test.result === 'valid').length, 10)
      assert.equal(items.filter((i) => i.test.result === 'invalid').length, 25)
      for (const { group } of items) {
        assert.equal(group.aead, 'AEAD_AES_256_GCM')
        assert.equal(group.sha, 'SHA-512')
      }
    })

    describe('streaming (native Opener), 8 chunkings each', () => {
      const tally = new Tally('c2sp streaming').report()

      for (const { test: t } of items) {
        it(describeTest(t), () => {
          const key = hex(t.key)
          const context = hex(t.ctx)
          const ct = inflateSync(hex(t.ct))
          assert.notEqual(t.result, 'acceptable', 'this file has no acceptable vectors')

          if (t.flags.includes('InvalidKeySize')) {
            assert.equal(t.result, 'invalid')
            assert.notEqual(key.length, 32)
            const err = thrown(() => native.primitives.cobblestonePayloadKey(key, context), 'payload key from a bad-size key')
            assert.equal(err.code, 'FSEC_INVALID_ARGUMENT', err.message)
            tally.add('invalid rejected at the key')
            return
          }
          const payloadKey = native.primitives.cobblestonePayloadKey(key, context)

          // Valid prefix an invalid vector may release (empty unless PartialPlaintext).
          const partial = t.result === 'invalid' && t.flags.includes('PartialPlaintext') ? referencePrefix(t, ct) : Buffer.alloc(0)

          const failures: string[] = []
          for (const chunking of chunkingsFor(t.tcId)) {
            try {
              const { released, error } = runStream(payloadKey, ct, chunking.sizes(ct.length))
              if (t.result === 'valid') {
                if (error) throw new Error(`rejected a valid message: ${String(error.code)} ${error.message}`)
                assert.equal(released.length, t.msgLength, 'plaintext length')
                assert.equal(sha512(released), t.msgSha512, 'plaintext SHA-512')
              } else {
                assert.ok(error, 'accepted an invalid message')
                assertPayloadFailure(error, 'rejection')
                assert.ok(
                  released.length <= partial.length,
                  `released ${released.length} bytes before failing; at most ${partial.length} allowed`,
                )
                assert.ok(released.equals(partial.subarray(0, released.length)), 'released bytes that are not the valid prefix')
              }
              tally.add('chunking runs')
            } catch (err) {
              failures.push(`${chunking.name}: ${(err as Error).message}`)
            }
          }

          if (t.flags.includes('HeaderFailure')) {
            // Must be rejected while processing the 56-byte header, before any chunk is decrypted.
            const opener = new native.Opener(payloadKey, null)
            let err: Error & { code?: unknown }
            if (ct.length >= PREFIX) {
              err = thrown(() => opener.update(ct.subarray(0, PREFIX)), 'update(header only)')
            } else {
              assert.equal(opener.update(ct).length, 0, 'released plaintext from a partial header')
              err = thrown(() => opener.final(), 'final() after a partial header')
            }
            assertPayloadFailure(err, 'header rejection')
          }

          assert.deepEqual(failures, [], failures.join('\n'))
          tally.add(t.result === 'valid' ? 'valid decrypted' : 'invalid rejected')
        })
      }
    })

    describe('random access (native Reader)', () => {
      const tally = new Tally('c2sp random access').report()

      for (const { test: t } of items) {
        it(describeTest(t), async () => {
          const key = hex(t.key)
          const context = hex(t.ctx)
          const ct = inflateSync(hex(t.ct))
          const path = join(scratch(), `tc${t.tcId}.bin`)
          writeFileSync(path, ct)

          if (t.flags.includes('InvalidKeySize')) {
            const err = thrown(() => native.primitives.cobblestonePayloadKey(key, context), 'payload key from a bad-size key')
            assert.equal(err.code, 'FSEC_INVALID_ARGUMENT', err.message)
            tally.add('invalid rejected at the key')
            return
          }
          const payloadKey = native.primitives.cobblestonePayloadKey(key, context)

          if (t.result === 'valid') {
            assert.ok(t.msgLength !== undefined && t.msgSha512)
            const size = t.msgLength
            const reader = await native.openReader(payloadKey, path, 0, null)
            let plaintext: Buffer
            try {
              assert.equal(reader.size, size, 'reader.size')
              plaintext = await reader.read(0, size)
              assert.equal(plaintext.length, size, 'length of a whole read')
              assert.equal(sha512(plaintext), t.msgSha512, 'SHA-512 of a whole read')

              const next = prng(2000 + t.tcId)
              const ranges: Array<[number, number]> = [
                [0, 0],
                [size, 5],
                [Math.max(0, size - 3), 100],
                [CHUNK - 1, 2],
                [CHUNK, 1],
                [2 * CHUNK - 7, CHUNK + 14],
                [Math.max(0, size - 1), 1],
              ].filter(([p]) => p <= size) as Array<[number, number]>
              for (let i = 0; i < 8; i++) {
                const p = next(size + 1)
                ranges.push([p, next(Math.min(size - p, 3 * CHUNK) + 1)])
              }
              // All at once: reads may run concurrently on worker threads.
              const got = await Promise.all(ranges.map(([p, n]) => reader.read(p, n)))
              ranges.forEach(([p, n], i) => {
                const want = plaintext.subarray(p, Math.min(size, p + n))
                assert.ok(got[i].equals(want), `read(${p}, ${n}) returned ${got[i].length} bytes that differ from the plaintext`)
              })
            } finally {
              reader.close()
            }

            // The same payload behind 13 bytes of something else, at payloadOffset 13.
            const shifted = join(scratch(), `tc${t.tcId}-shifted.bin`)
            writeFileSync(shifted, Buffer.concat([Buffer.alloc(13, 0xa5), ct]))
            const reader2 = await native.openReader(payloadKey, shifted, 13, null)
            try {
              assert.equal(reader2.size, size, 'reader.size at payloadOffset 13')
              assert.ok((await reader2.read(0, size)).equals(plaintext), 'whole read at payloadOffset 13')
            } finally {
              reader2.close()
            }
            tally.add('valid read')
            return
          }

          if (!t.flags.includes('ValidFinalChunk')) {
            // Every other invalid vector has no valid final chunk at its index: opening (which
            // authenticates the final chunk) must fail.
            const err = await rejected(native.openReader(payloadKey, path, 0, null), 'openReader')
            assertPayloadFailure(err, 'open rejection')
            tally.add('invalid rejected at open')
            return
          }

          // ValidFinalChunk: opening may succeed; the damaged chunk (the first one past the valid
          // prefix) and the whole message must not read.
          let reader: native.Reader
          try {
            reader = await native.openReader(payloadKey, path, 0, null)
          } catch (err) {
            assertPayloadFailure(err as Error, 'open rejection')
            tally.add('invalid rejected at open')
            return
          }
          try {
            const damaged = t.msgLength ?? 0
            assert.ok(damaged < reader.size, `reader.size ${reader.size} leaves out the damaged chunk at ${damaged}`)
            assertPayloadFailure(await rejected(reader.read(0, reader.size), 'read(everything)'), 'whole read')
            assertPayloadFailure(await rejected(reader.read(damaged, 1), `read(${damaged}, 1)`), 'damaged-chunk read')
            assertPayloadFailure(
              await rejected(reader.read(damaged + CHUNK - 1, 1), `read(${damaged + CHUNK - 1}, 1)`),
              'damaged-chunk read (last byte)',
            )
            // And again: a failed read leaves nothing behind that would let a retry pass.
            assertPayloadFailure(await rejected(reader.read(damaged, 1), 'read of the damaged chunk again'), 'repeat read')
            if (t.flags.includes('PartialPlaintext')) {
              // The valid prefix may read; if it does, it must be exactly that prefix.
              const prefix = referencePrefix(t, ct)
              try {
                const got = await reader.read(0, prefix.length)
                assert.ok(got.equals(prefix), 'a read of the valid prefix returned other bytes')
              } catch (err) {
                assertPayloadFailure(err as Error, 'prefix read')
              }
            }
          } finally {
            reader.close()
          }
          tally.add('invalid opened (ValidFinalChunk), damaged range rejected')
        })
      }
    })
  })
})

// Padding inside .fsec (docs/FORMAT.md §4): the Padmé function and its bounds, padded files
// through every API (file, streams, random access, verify, rekey, CLI), and files whose
// padding is not what the metadata says.
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
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
  openEncryptedFile,
  type PadOption,
  InvalidPaddingError,
  paddingFor,
  padmeLength,
  verifyEncryptedFile,
} from '../lib'
import { openHeader } from '../lib/decrypt'
import { sealHeader } from '../lib/encrypt'
import { readHeader } from '../lib/fsec'
import { runJob } from '../lib/jobs'
import { encodeMetadata } from '../lib/metadata'
import { tempPathFor } from '../lib/paths'
import native = require('../binding')
import { ensureBuilt, runCli } from './cli/run'
import { CHUNK, PAYLOAD_PREFIX } from './fsec-layout'
import { collect, collectUntilError, leftoverTempFiles, rejectsWith, scratchDir } from './helpers'

/** Padmé written differently from lib/padding.ts: from the bit string, rounding up by division. */
function padmeReference(length: bigint): bigint {
  if (length < 2n) return length
  const e = length.toString(2).length - 1
  const s = Math.floor(Math.log2(e)) + 1
  const step = 2n ** BigInt(e - s)
  return ((length + step - 1n) / step) * step
}

const MAX_LENGTH = 2 ** 52 // Cobblestone-256's largest payload (2^38 chunks of 16 KiB)

describe('padmeLength and paddingFor', () => {
  it('gives the reference examples (format-anchors §4)', () => {
    const examples: [number, number][] = [
      [100, 104],
      [129, 144],
      [1000, 1024],
      [1e6, 1_015_808],
      [1e9, 1_006_632_960],
      [8e9, 8_053_063_680],
      [2 ** 33, 2 ** 33],
    ]
    for (const [length, padded] of examples) assert.equal(padmeLength(length), padded, `padme(${length})`)
  })

  it('leaves lengths below 8 as they are (0 and 1 by definition, 2 to 7 because z = 0)', () => {
    for (let l = 0; l < 8; l++) assert.equal(padmeLength(l), l)
    assert.equal(padmeLength(8), 8)
    assert.equal(padmeLength(9), 10)
  })

  it('is exact above 2^32 (no 32-bit bitwise arithmetic)', () => {
    // E = 40, S = 6, z = 34.
    assert.equal(padmeLength(2 ** 40 + 1), 2 ** 40 + 2 ** 34)
    assert.equal(padmeLength(2 ** 40 + 2 ** 34), 2 ** 40 + 2 ** 34)
    assert.equal(padmeLength(2 ** 32 + 1), 2 ** 32 + 2 ** 26) // E = 32, S = 6, z = 26
  })

  it('matches an independent formulation for any length up to 2^52', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_LENGTH }), (l) => {
        assert.equal(BigInt(padmeLength(l)), padmeReference(BigInt(l)))
      }),
      { numRuns: 2000 },
    )
  })

  it('never shrinks, is idempotent, and is monotone non-decreasing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_LENGTH }), fc.integer({ min: 0, max: MAX_LENGTH }), (a, b) => {
        const pa = padmeLength(a)
        assert.ok(pa >= a)
        assert.equal(padmeLength(pa), pa)
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        assert.ok(padmeLength(lo) <= padmeLength(hi))
      }),
      { numRuns: 2000 },
    )
  })

  it('overhead is at most 15/129 (≈ 11.63%, reached at 129) for every length ≥ 2, and < 2^-S', () => {
    const check = (l: number): void => {
      const overhead = BigInt(padmeLength(l) - l)
      assert.ok(overhead * 129n <= 15n * BigInt(l), `padme(${l}) overhead above 15/129`)
      const e = l.toString(2).length - 1
      const s = Math.floor(Math.log2(e)) + 1
      assert.ok(overhead * 2n ** BigInt(s) < BigInt(l), `padme(${l}) overhead not below 2^-S`)
    }
    for (let l = 2; l < 1 << 16; l++) check(l) // every small length, exhaustively
    fc.assert(fc.property(fc.integer({ min: 2, max: MAX_LENGTH }), (l) => check(l)), { numRuns: 2000 })
    assert.equal(padmeLength(129) - 129, 15) // the bound is reached
  })

  it('pads to multiples of N', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_LENGTH }), fc.integer({ min: 1, max: 2 ** 31 }), (l, n) => {
        const p = paddingFor(l, n)
        assert.ok(p >= 0 && p < n)
        assert.equal((BigInt(l) + BigInt(p)) % BigInt(n), 0n)
      }),
    )
    assert.equal(paddingFor(0, 4096), 0)
    assert.equal(paddingFor(1, 4096), 4095)
    assert.equal(paddingFor(4096, 4096), 0)
    assert.equal(paddingFor(100, 'padme'), 4)
    assert.equal(paddingFor(100, false), 0)
    assert.equal(paddingFor(100, undefined), 0)
  })

  it('refuses bad pad options and lengths with ArgumentError', () => {
    for (const pad of [0, -1, 1.5, Number.NaN, Infinity, 2 ** 53, 'PADME', 'padme ', true, null, '4096', {}]) {
      assert.throws(() => paddingFor(10, pad as PadOption), ArgumentError, `pad ${String(pad)}`)
    }
    for (const length of [-1, 0.5, Number.NaN, 2 ** 53]) {
      assert.throws(() => padmeLength(length), ArgumentError)
      assert.throws(() => paddingFor(length, 16), ArgumentError)
    }
    assert.throws(() => paddingFor(2 ** 53 - 2, 2 ** 52), ArgumentError) // would pass 2^53 - 1
  })
})

describe('padded .fsec files', function () {
  const dir = scratchDir()
  let pair: KeyPair
  let n = 0

  before(async () => {
    pair = await generateKeyPair('x25519')
  })

  const fresh = (data: Buffer): string => {
    const p = join(dir(), `p${n++}.bin`)
    writeFileSync(p, data)
    return p
  }

  function payloadFileSize(headerSize: number, padded: number): number {
    return headerSize + PAYLOAD_PREFIX + padded + (Math.floor(padded / CHUNK) + 1) * 16
  }

  const SIZES = [0, 1, 100, CHUNK - 1, CHUNK, CHUNK + 1, 100_000]
  const PADS: PadOption[] = ['padme', 1000, CHUNK, 1 << 20]
  for (const pad of PADS) {
    it(`pad ${pad}: round trips, metadata, size on disk, verify`, async () => {
      for (const size of SIZES) {
        const data = randomBytes(size)
        const input = fresh(data)
        const padding = paddingFor(size, pad)
        const e = await encryptFile(input, { keep: true, to: pair.publicKey, pad, durable: false })
        assert.equal(e.plaintextBytes, size)
        const { header } = await readHeader(e.output)
        assert.equal(statSync(e.output).size, payloadFileSize(header.length, size + padding), `size ${size}`)
        assert.equal(e.encryptedBytes, statSync(e.output).size)

        const out = `${input}.out`
        const d = await decryptFile(e.output, { identity: pair.privateKey, output: out, durable: false })
        assert.deepEqual(readFileSync(out), data, `size ${size}`)
        assert.equal(d.plaintextBytes, size)
        assert.equal(d.metadata.size, size + padding)
        assert.equal(d.metadata.padding, padding)

        const v = await verifyEncryptedFile(e.output, { identity: pair.privateKey })
        assert.equal(v.plaintextBytes, size)
      }
      assert.deepEqual(leftoverTempFiles(dir()), [])
    })
  }

  it('pads over several blocks of chunks (multiple threads)', async () => {
    const data = randomBytes(3 * 64 * CHUNK + 12345)
    const input = fresh(data)
    const padding = paddingFor(data.length, 5 << 20)
    assert.ok(padding > 64 * CHUNK, 'the padding alone fills more than one block')
    const e = await encryptFile(input, { keep: true, to: pair.publicKey, pad: 5 << 20, threads: 3, durable: false })
    const d = await decryptFile(e.output, { identity: pair.privateKey, output: `${input}.out`, threads: 2 })
    assert.equal(d.metadata.padding, padding)
    assert.deepEqual(readFileSync(`${input}.out`), data)
  })

  it('random access stops at the real end of a padded file', async () => {
    const data = randomBytes(3 * CHUNK + 77)
    const e = await encryptFile(fresh(data), { keep: true, to: pair.publicKey, pad: 10 * CHUNK })
    const f = await openEncryptedFile(e.output, { identity: pair.privateKey })
    try {
      assert.equal(f.size, data.length)
      assert.equal(f.metadata.size, 10 * CHUNK)
      assert.deepEqual(await f.read(data.length - 10, 1000), data.subarray(data.length - 10))
      assert.equal((await f.read(data.length, 10)).length, 0)
      assert.equal((await f.read(5 * CHUNK, 10)).length, 0)
      const parts: Buffer[] = []
      for await (const part of f.createReadStream({ chunkSize: 5000 })) parts.push(part as Buffer)
      assert.deepEqual(Buffer.concat(parts), data)
    } finally {
      f.close()
    }
  })

  describe('streams', () => {
    function streamEncrypt(data: Buffer, options: { size?: number; pad?: PadOption }, pieces = 3): Promise<Buffer> {
      const step = Math.max(1, Math.ceil(data.length / pieces))
      const input = Array.from({ length: Math.ceil(data.length / step) }, (_, i) => data.subarray(i * step, (i + 1) * step))
      return collect(input, createEncryptStream({ to: pair.publicKey, ...options }))
    }

    async function streamDecrypt(encrypted: Buffer, step = 7000): Promise<{ out: Buffer; metadata?: FileMetadata }> {
      const input = Array.from({ length: Math.ceil(encrypted.length / step) }, (_, i) => encrypted.subarray(i * step, (i + 1) * step))
      const decryptor = createDecryptStream({ identity: pair.privateKey })
      const out = await collect(input, decryptor)
      return { out, metadata: decryptor.metadata }
    }

    for (const size of [0, 1, CHUNK - 1, CHUNK, 50_000]) {
      it(`${size} bytes with pad 'padme' and 4096: stream → stream, stream → file`, async () => {
        const data = randomBytes(size)
        for (const pad of ['padme', 4096] as const) {
          const padding = paddingFor(size, pad)
          const encrypted = await streamEncrypt(data, { size, pad })
          const { out, metadata } = await streamDecrypt(encrypted)
          assert.deepEqual(out, data)
          assert.equal(metadata!.size, size + padding)
          assert.equal(metadata!.padding, padding)
          const file = join(dir(), `s${n++}.fsec`)
          writeFileSync(file, encrypted)
          await decryptFile(file, { identity: pair.privateKey, output: `${file}.out` })
          assert.deepEqual(readFileSync(`${file}.out`), data)
        }
      })
    }

    it('a slow reader gets all of a large padding, which is not buffered all at once', async () => {
      const data = randomBytes(10)
      const parts: Buffer[] = []
      const encryptor = createEncryptStream({ to: pair.publicKey, size: data.length, pad: 4 << 20 })
      let mostBuffered = 0
      await pipeline(
        Readable.from([data]),
        encryptor,
        new Writable({
          highWaterMark: 1024,
          write(chunk: Buffer, _e, cb) {
            parts.push(chunk)
            mostBuffered = Math.max(mostBuffered, encryptor.readableLength)
            setImmediate(cb)
          },
        }),
      )
      // The flush waits for the reader instead of pushing 4 MiB of sealed zeros at once.
      assert.ok(mostBuffered < 1 << 20, `${mostBuffered} bytes were buffered`)
      const { out, metadata } = await streamDecrypt(Buffer.concat(parts), 100_000)
      assert.deepEqual(out, data)
      assert.equal(metadata!.size, 4 << 20)
    })

    it('the decrypt stream strips padding from files made by encryptFile', async () => {
      const data = randomBytes(CHUNK + 5)
      const e = await encryptFile(fresh(data), { keep: true, to: pair.publicKey, pad: 'padme' })
      assert.deepEqual((await streamDecrypt(readFileSync(e.output), 999)).out, data)
    })

    it('pad needs size, and the written length must match it', async () => {
      assert.throws(() => createEncryptStream({ to: pair.publicKey, pad: 'padme' }), ArgumentError)
      assert.throws(() => createEncryptStream({ to: pair.publicKey, size: 10, pad: 0 }), ArgumentError)
      await assert.rejects(streamEncrypt(randomBytes(100), { size: 99, pad: 'padme' }), ArgumentError)
      await assert.rejects(streamEncrypt(randomBytes(100), { size: 101, pad: 'padme' }), ArgumentError)
      // pad: false needs nothing.
      assert.ok((await streamEncrypt(randomBytes(10), { pad: false })).length > 0)
    })
  })

  describe('padding that is not what the metadata says', () => {
    /**
     * Encrypts `plaintext` as it is, with handmade metadata claiming `padding` bytes of padding
     * (size: the plaintext length, unless `withSize` is false).
     */
    async function crafted(plaintext: Buffer, padding: number, withSize = true): Promise<string> {
      const source = fresh(plaintext)
      const output = `${source}.fsec`
      const metadata: FileMetadata = { v: 1, padding }
      if (withSize) metadata.size = plaintext.length
      const { header, payloadKey } = await sealHeader({ to: pair.publicKey }, encodeMetadata(metadata))
      try {
        await runJob(
          (onProgress) =>
            native.encryptFile(
              payloadKey,
              header,
              {
                source,
                expectedSize: plaintext.length,
                output,
                tempPath: tempPathFor(output),
                overwrite: false,
                durable: false,
                threads: 2,
              },
              onProgress,
            ),
          {},
        )
      } finally {
        payloadKey.destroy()
      }
      return output
    }

    function streamDecrypt(file: string): Promise<{ out: Buffer; error: unknown }> {
      return collectUntilError([readFileSync(file)], createDecryptStream({ identity: pair.privateKey }))
    }

    async function expectRefused(file: string, data: Buffer): Promise<void> {
      const out = `${file}.out`
      await rejectsWith(decryptFile(file, { identity: pair.privateKey, output: out }), InvalidPaddingError, 'FSEC_PADDING_INVALID')
      assert.equal(existsSync(out), false, 'no output')
      assert.deepEqual(leftoverTempFiles(dir()), [], 'no temporary file')
      await rejectsWith(verifyEncryptedFile(file, { identity: pair.privateKey }), InvalidPaddingError, 'FSEC_PADDING_INVALID')
      const s = await streamDecrypt(file)
      assert.ok(s.error instanceof InvalidPaddingError, String(s.error))
      assert.deepEqual(s.out, data.subarray(0, s.out.length), 'the stream released nothing but the real plaintext')
    }

    const cases: [string, number, number, (padding: Buffer) => void][] = [
      ['the first padding byte non-zero', 1000, 40, (p) => (p[0] = 1)],
      ['the last padding byte non-zero', 1000, 40, (p) => (p[p.length - 1] = 0x80)],
      ['a non-zero byte in a padding that crosses a chunk boundary', CHUNK - 5, 100, (p) => (p[50] = 7)],
      ['non-zero padding two blocks away from the data', 10, 130 * CHUNK, (p) => (p[129 * CHUNK] = 1)],
    ]
    for (const [label, dataLength, padding, spoil] of cases) {
      it(`${label} → InvalidPaddingError, no output`, async () => {
        const data = randomBytes(dataLength)
        const pad = Buffer.alloc(padding)
        spoil(pad)
        await expectRefused(await crafted(Buffer.concat([data, pad]), padding), data)
      })
    }

    it('zero padding crafted the same way is accepted (control)', async () => {
      const data = randomBytes(CHUNK - 5)
      const file = await crafted(Buffer.concat([data, Buffer.alloc(100)]), 100)
      const d = await decryptFile(file, { identity: pair.privateKey, output: `${file}.out` })
      assert.deepEqual(readFileSync(`${file}.out`), data)
      assert.equal(d.plaintextBytes, data.length)
      assert.deepEqual((await streamDecrypt(file)).out, data)
    })

    it('without a size in the metadata: padding is still stripped, and checked', async () => {
      const data = randomBytes(3 * CHUNK + 3)
      const good = await crafted(Buffer.concat([data, Buffer.alloc(CHUNK + 9)]), CHUNK + 9, false)
      await decryptFile(good, { identity: pair.privateKey, output: `${good}.out` })
      assert.deepEqual(readFileSync(`${good}.out`), data)
      const s = await streamDecrypt(good)
      assert.equal(s.error, undefined)
      assert.deepEqual(s.out, data)
      const spoilt = Buffer.alloc(CHUNK + 9)
      spoilt[CHUNK] = 3
      await expectRefused(await crafted(Buffer.concat([data, spoilt]), CHUNK + 9, false), data)
    })

    it('more padding than payload (no size in the metadata) → InvalidPaddingError everywhere', async () => {
      const data = randomBytes(50)
      const file = await crafted(data, 51, false)
      await expectRefused(file, Buffer.alloc(0))
      await rejectsWith(openEncryptedFile(file, { identity: pair.privateKey }), InvalidPaddingError, 'FSEC_PADDING_INVALID')
    })
  })

  it('rekeying can change the padding (rotation re-pads)', async () => {
    const data = randomBytes(5 * CHUNK + 3)
    const e = await encryptFile(fresh(data), { keep: true, to: pair.publicKey, pad: 'padme' })
    const other = await generateKeyPair('x25519')
    const { header } = await readHeader(e.output)
    const old = await openHeader(header, { identity: pair.privateKey })
    const padding = paddingFor(data.length, 1 << 20)
    const metadata = { ...old.metadata, size: data.length + padding, padding }
    const sealed = await sealHeader({ to: other.publicKey }, encodeMetadata(metadata))
    const output = `${e.output}.rekeyed`
    try {
      await runJob(
        (onProgress) =>
          native.rekeyFile(
            old.payloadKey,
            sealed.payloadKey,
            sealed.header,
            {
              source: e.output,
              payloadOffset: header.length,
              expectedSize: old.metadata.size!,
              keepBytes: old.metadata.size! - old.metadata.padding,
              padding,
              output,
              tempPath: tempPathFor(output),
              overwrite: false,
              durable: false,
              threads: 2,
            },
            onProgress,
          ),
        {},
      )
    } finally {
      old.payloadKey.destroy()
      sealed.payloadKey.destroy()
    }
    const d = await decryptFile(output, { identity: other.privateKey, output: `${output}.out` })
    assert.equal(d.metadata.padding, padding)
    assert.deepEqual(readFileSync(`${output}.out`), data)
    assert.equal(statSync(output).size, payloadFileSize(sealed.header.length, 1 << 20))
  })

  describe('CLI: filesec encrypt --pad', function () {
    this.timeout(60_000)
    before(() => ensureBuilt())

    it('--pad padme and --pad N pad the file; decrypt restores it; bad values are usage errors', async () => {
      const data = randomBytes(70_000)
      const input = fresh(data)
      const key = join(dir(), 'cli.key')
      const cli = (args: string[]) => runCli(args, { cwd: dir() })
      assert.equal((await cli(['keygen', '-o', key, '--no-passphrase', '--quiet'])).status, 0)
      for (const pad of ['padme', '65536']) {
        const out = `${input}.${pad}.fsec`
        const e = await cli(['encrypt', '--keep', input, '-r', `${key}.pub`, '--pad', pad, '-o', out, '--json'])
        assert.equal(e.status, 0, e.stderr)
        const padded = data.length + paddingFor(data.length, pad === 'padme' ? 'padme' : Number(pad))
        const { header } = await readHeader(out)
        assert.equal(statSync(out).size, payloadFileSize(header.length, padded))
        assert.equal(JSON.parse(e.stdout).plaintextBytes, data.length)
        const d = await cli(['decrypt', out, '-i', key, '-o', `${out}.out`, '--json'])
        assert.equal(d.status, 0, d.stderr)
        assert.equal(JSON.parse(d.stdout).metadata.size, padded)
        assert.deepEqual(readFileSync(`${out}.out`), data)
      }
      for (const bad of ['0', '-5', 'PADME', '1.5', 'x', '']) {
        const r = await cli(['encrypt', '--keep', input, '-r', `${key}.pub`, `--pad=${bad}`, '-o', `${input}.bad.fsec`])
        assert.equal(r.status, 2, `--pad ${bad}: ${r.stderr}`)
        assert.match(r.stderr, /--pad/)
        assert.equal(existsSync(`${input}.bad.fsec`), false)
      }
    })
  })
})

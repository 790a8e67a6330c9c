// native.rekeyFile: re-encryption of a .fsec file under a new file key with the plaintext only in
// native memory. The new file must hold exactly the kept old plaintext plus the zero padding,
// open with the new key only, and nothing may change at the output unless every old chunk
// authenticated.
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  AbortError,
  ArgumentError,
  decryptFile,
  encryptFile,
  generateKeyPair,
  type KeyPair,
  NoMatchingRecipientError,
  OutputExistsError,
  PayloadMismatchError,
  PayloadTamperedError,
  TruncatedError,
} from '../lib'
import { openHeader } from '../lib/decrypt'
import { sealHeader } from '../lib/encrypt'
import { nativeCall } from '../lib/errors'
import { readHeader } from '../lib/fsec'
import { runJob } from '../lib/jobs'
import { encodeMetadata, type FileMetadata } from '../lib/metadata'
import type { Progress } from '../lib/options'
import { tempPathFor } from '../lib/paths'
import native = require('../binding')
import { CHUNK, layoutOf, PAYLOAD_PREFIX, SEALED_CHUNK } from './fsec-layout'
import { leftoverTempFiles, rejectsWith, scratchDir } from './helpers'

const BLOCK = 64 * CHUNK

interface RekeyOptions {
  keepBytes?: number
  padding?: number
  overwrite?: boolean
  threads?: number
  signal?: AbortSignal
  onProgress?: (p: Progress) => void
}

describe('native rekeyFile', function () {
  const dir = scratchDir()
  let oldPair: KeyPair
  let newPair: KeyPair
  let n = 0

  before(async () => {
    oldPair = await generateKeyPair('x25519')
    newPair = await generateKeyPair('x25519')
  })

  /** Encrypts `data` to the old key; returns the .fsec path. */
  async function encrypted(data: Buffer): Promise<string> {
    const input = join(dir(), `r${n++}.bin`)
    writeFileSync(input, data)
    return (await encryptFile(input, { keep: true, to: oldPair.publicKey, durable: false })).output
  }

  /** Rekeys `source` from the old key pair to the new one, as a rotation would. */
  async function rekey(source: string, output: string, o: RekeyOptions = {}) {
    const { header } = await readHeader(source)
    const old = await openHeader(header, { identity: oldPair.privateKey })
    const oldSize = old.metadata.size!
    const keepBytes = o.keepBytes ?? oldSize - old.metadata.padding
    const padding = o.padding ?? 0
    const metadata: FileMetadata = { ...old.metadata, size: keepBytes + padding, padding }
    const sealed = await sealHeader({ to: newPair.publicKey }, encodeMetadata(metadata))
    try {
      return await runJob(
        (onProgress) =>
          native.rekeyFile(
            old.payloadKey,
            sealed.payloadKey,
            sealed.header,
            {
              source,
              payloadOffset: header.length,
              expectedSize: oldSize,
              keepBytes,
              padding,
              output,
              tempPath: tempPathFor(output),
              overwrite: o.overwrite === true,
              durable: false,
              threads: o.threads ?? 2,
            },
            onProgress,
          ),
        { signal: o.signal, onProgress: o.onProgress },
      )
    } finally {
      old.payloadKey.destroy()
      sealed.payloadKey.destroy()
    }
  }

  /** The whole payload plaintext of a .fsec file (padding included), read with `pair`. */
  async function payloadOf(path: string, pair: KeyPair): Promise<{ bytes: Buffer; metadata: FileMetadata }> {
    const { header } = await readHeader(path)
    const opened = await openHeader(header, { identity: pair.privateKey })
    try {
      const reader = await nativeCall(native.openReader(opened.payloadKey, path, header.length, opened.metadata.size ?? null))
      try {
        return { bytes: await nativeCall(reader.read(0, reader.size)), metadata: opened.metadata }
      } finally {
        reader.close()
      }
    } finally {
      opened.payloadKey.destroy()
    }
  }

  function expectedFileSize(headerSize: number, plaintext: number): number {
    return headerSize + PAYLOAD_PREFIX + plaintext + (Math.floor(plaintext / CHUNK) + 1) * 16
  }

  function flipped(bytes: Buffer, offset: number): Buffer {
    const copy = Buffer.from(bytes)
    copy[offset]! ^= 0x40
    return copy
  }

  const SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 3, 3 * (1 << 20) + 7]
  for (const size of SIZES) {
    it(`${size} bytes: the new file decrypts to the same plaintext with the new key only`, async () => {
      const data = randomBytes(size)
      const source = await encrypted(data)
      const output = `${source}.new`
      const result = await rekey(source, output)
      assert.equal(result.plaintextBytes, size)
      assert.equal(statSync(output).size, result.fileBytes)
      const { header } = await readHeader(output)
      assert.equal(result.fileBytes, expectedFileSize(header.length, size))
      assert.equal(statSync(output).mode & 0o777, 0o600)

      const out = `${output}.out`
      const d = await decryptFile(output, { identity: newPair.privateKey, output: out })
      assert.equal(d.plaintextBytes, size)
      assert.deepEqual(readFileSync(out), data)
      await rejectsWith(
        decryptFile(output, { identity: oldPair.privateKey, output: `${out}2` }),
        NoMatchingRecipientError,
        'FSEC_NO_MATCHING_RECIPIENT',
      )
      assert.deepEqual(leftoverTempFiles(dir()), [])
    })
  }

  it('the new payload has its own salt and commitment: the old file key does not open it', async () => {
    const data = randomBytes(3 * CHUNK + 5)
    const source = await encrypted(data)
    const output = `${source}.new`
    await rekey(source, output)
    const oldBytes = readFileSync(source)
    const newBytes = readFileSync(output)
    const oldPayload = oldBytes.subarray(layoutOf(oldBytes).headerSize)
    const newPayload = newBytes.subarray(layoutOf(newBytes).headerSize)
    assert.equal(newPayload.length, oldPayload.length)
    assert.equal(newPayload.subarray(0, 24).equals(oldPayload.subarray(0, 24)), false, 'a fresh salt')
    // The old payload key against the new payload: the key commitment does not match.
    const { header } = await readHeader(source)
    const old = await openHeader(header, { identity: oldPair.privateKey })
    try {
      await rejectsWith(
        nativeCall(native.openReader(old.payloadKey, output, layoutOf(newBytes).headerSize, data.length)),
        PayloadMismatchError,
        'FSEC_PAYLOAD_MISMATCH',
      )
    } finally {
      old.payloadKey.destroy()
    }
  })

  it('gives the same file whatever the thread count', async () => {
    const data = randomBytes(3 * BLOCK + 100)
    const source = await encrypted(data)
    for (const threads of [1, 3]) {
      const output = `${source}.${threads}`
      await rekey(source, output, { threads })
      assert.deepEqual((await payloadOf(output, newPair)).bytes, data)
    }
  })

  describe('keepBytes and padding', () => {
    const oldSize = 2 * BLOCK + 5 * CHUNK + 100
    let data: Buffer
    let source: string

    before(async () => {
      data = randomBytes(oldSize)
      source = await encrypted(data)
    })

    const shrink = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, BLOCK, BLOCK + 7, oldSize - CHUNK, oldSize - 1]
    for (const keepBytes of shrink) {
      it(`keeps the first ${keepBytes} of ${oldSize} bytes (drops the rest)`, async () => {
        const output = join(dir(), `keep-${keepBytes}.fsec`)
        const result = await rekey(source, output, { keepBytes })
        assert.equal(result.plaintextBytes, keepBytes)
        const { bytes, metadata } = await payloadOf(output, newPair)
        assert.equal(metadata.size, keepBytes)
        assert.deepEqual(bytes, data.subarray(0, keepBytes))
        assert.equal(statSync(output).size, result.fileBytes)
      })
    }

    const grow: [number, number][] = [
      [oldSize, 1],
      [oldSize, CHUNK - 100],
      [oldSize, CHUNK],
      [oldSize, 2 * BLOCK + 11],
      [100, 3 * BLOCK], // shorter kept part, longer new payload than the old one
      [BLOCK - 1, 1],
      [0, 5],
      [0, 0],
    ]
    for (const [keepBytes, padding] of grow) {
      it(`keeps ${keepBytes} bytes and appends ${padding} zero bytes`, async () => {
        const output = join(dir(), `pad-${keepBytes}-${padding}.fsec`)
        const result = await rekey(source, output, { keepBytes, padding })
        assert.equal(result.plaintextBytes, keepBytes + padding)
        const { bytes, metadata } = await payloadOf(output, newPair)
        assert.equal(metadata.size, keepBytes + padding)
        assert.equal(metadata.padding, padding)
        assert.deepEqual(bytes, Buffer.concat([data.subarray(0, keepBytes), Buffer.alloc(padding)]))
        const { header } = await readHeader(output)
        assert.equal(result.fileBytes, expectedFileSize(header.length, keepBytes + padding))
        assert.equal(statSync(output).size, result.fileBytes)
      })
    }

    it('refuses keepBytes beyond the old plaintext (FSEC_INVALID_ARGUMENT), writes nothing', async () => {
      const output = join(dir(), 'too-much.fsec')
      await rejectsWith(rekey(source, output, { keepBytes: oldSize + 1 }), ArgumentError, 'FSEC_INVALID_ARGUMENT')
      assert.equal(existsSync(output), false)
      assert.deepEqual(leftoverTempFiles(dir()), [])
    })
  })

  it('replaces the source in place (output = source, overwrite) only after full success', async () => {
    const data = randomBytes(BLOCK + 3 * CHUNK + 9)
    const source = await encrypted(data)
    const before = readFileSync(source)
    const result = await rekey(source, source, { overwrite: true })
    const after = readFileSync(source)
    assert.equal(after.length, result.fileBytes)
    assert.equal(after.equals(before), false)
    assert.deepEqual((await payloadOf(source, newPair)).bytes, data)
    await rejectsWith(payloadOf(source, oldPair), NoMatchingRecipientError, 'FSEC_NO_MATCHING_RECIPIENT')
    assert.deepEqual(leftoverTempFiles(dir()), [])
  })

  it('never replaces an existing output without overwrite', async () => {
    const source = await encrypted(randomBytes(100))
    const output = join(dir(), 'exists.fsec')
    writeFileSync(output, 'precious')
    await rejectsWith(rekey(source, output), OutputExistsError, 'FSEC_OUTPUT_EXISTS')
    assert.equal(readFileSync(output, 'utf8'), 'precious')
    assert.deepEqual(leftoverTempFiles(dir()), [])
  })

  describe('a damaged old file: typed error, the source untouched, no temporary file', () => {
    // 2 blocks and more: chunks 0..(chunks - 1); keepBytes drops everything after chunk 9.
    const size = 2 * BLOCK + 3 * CHUNK + 500
    const chunks = Math.floor(size / CHUNK) + 1
    let data: Buffer
    let pristine: Buffer

    before(async () => {
      data = randomBytes(size)
      pristine = readFileSync(await encrypted(data))
    })

    async function expectFailure(bytes: Buffer, o: RekeyOptions, Class: typeof PayloadTamperedError, code: string) {
      const source = join(dir(), `bad${n++}.fsec`)
      writeFileSync(source, bytes)
      // In place, as a rotation does: the damaged file must stay exactly as it was.
      await rejectsWith(rekey(source, source, { ...o, overwrite: true }), Class, code)
      assert.deepEqual(readFileSync(source), bytes)
      // To a new name: nothing appears there.
      const output = `${source}.new`
      await rejectsWith(rekey(source, output, o), Class, code)
      assert.equal(existsSync(output), false)
      assert.deepEqual(leftoverTempFiles(dir()), [])
    }

    const cases: [string, number, RekeyOptions][] = [
      ['the first chunk', 0, {}],
      ['a middle chunk (second block)', 70, {}],
      ['the last chunk', chunks - 1, {}],
      ['a chunk in the dropped region', 100, { keepBytes: 10 * CHUNK }],
      ['the last chunk, dropped', chunks - 1, { keepBytes: 10 * CHUNK, padding: 5 }],
    ]
    for (const [label, k, o] of cases) {
      it(`${label} (chunk ${k}) → FSEC_PAYLOAD_TAMPERED`, async () => {
        const layout = layoutOf(pristine)
        assert.equal(layout.chunkStarts.length, chunks)
        await expectFailure(flipped(pristine, layout.chunkStarts[k]! + 77), o, PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED')
        await expectFailure(flipped(pristine, layout.chunkEnds[k]! - 1), o, PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED')
      })
    }

    it('a truncated source → FSEC_TRUNCATED', async () => {
      const layout = layoutOf(pristine)
      await expectFailure(pristine.subarray(0, layout.chunkStarts[chunks - 1]!), {}, TruncatedError, 'FSEC_TRUNCATED')
      await expectFailure(pristine.subarray(0, layout.chunkStarts[40]! + 1000), {}, TruncatedError, 'FSEC_TRUNCATED')
      await expectFailure(pristine.subarray(0, pristine.length - 1), { keepBytes: 0 }, TruncatedError, 'FSEC_TRUNCATED')
    })

    it('a chunk from another position → FSEC_PAYLOAD_TAMPERED', async () => {
      const layout = layoutOf(pristine)
      const bad = Buffer.from(pristine)
      pristine.copy(bad, layout.chunkStarts[5]!, layout.chunkStarts[6]!, layout.chunkStarts[6]! + SEALED_CHUNK)
      await expectFailure(bad, {}, PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED')
    })
  })

  it('reports progress up to its total', async () => {
    const source = await encrypted(randomBytes(2 * BLOCK))
    const seen: Progress[] = []
    await rekey(source, `${source}.new`, { keepBytes: BLOCK, padding: 3 * BLOCK, onProgress: (p) => seen.push(p) })
    const last = seen[seen.length - 1]!
    assert.equal(last.done, last.total)
    // Four blocks of new chunks (the last one partly padding) beyond which nothing is left.
    assert.equal(last.total, 4 * BLOCK)
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.done >= seen[i - 1]!.done)
  })

  it('an abort leaves the source as it was and nothing else behind', async () => {
    // Big enough that the job is still running when the first progress report (after 100 ms)
    // reaches JS and aborts it: 256 MiB took ~105 ms here once the writer thread also crypts.
    const big = join(dir(), 'big.bin')
    writeFileSync(big, '')
    truncateSync(big, 1024 << 20)
    const source = (await encryptFile(big, { keep: true, to: oldPair.publicKey, durable: false })).output
    const before = statSync(source)
    const ac = new AbortController()
    let aborted = false
    await rejectsWith(
      rekey(source, source, {
        overwrite: true,
        threads: 1,
        signal: ac.signal,
        onProgress: ({ done, total }) => {
          if (!aborted && done < total) {
            aborted = true
            ac.abort()
          }
        },
      }),
      AbortError,
      'FSEC_ABORTED',
    )
    assert.equal(aborted, true, 'the job reported progress before it finished')
    const after = statSync(source)
    assert.equal(after.mtimeMs, before.mtimeMs)
    assert.equal(after.ino, before.ino)
    assert.deepEqual(leftoverTempFiles(dir()), [])

    const pre = new AbortController()
    pre.abort()
    await rejectsWith(rekey(source, `${source}.new`, { signal: pre.signal }), AbortError, 'FSEC_ABORTED')
    assert.equal(existsSync(`${source}.new`), false)
  })
})

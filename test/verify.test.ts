// verifyEncryptedFile / native.verifyFile: every chunk of a .fsec file is authenticated and
// nothing is written. Any change to the file fails with its typed error.
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  AbortError,
  ArgumentError,
  encryptFile,
  generateKeyPair,
  HeaderTamperedError,
  type KeyPair,
  NoMatchingRecipientError,
  type RecipientOptions,
  PayloadMismatchError,
  PayloadTamperedError,
  TrailingDataError,
  TruncatedError,
  verifyEncryptedFile,
  WrongPassphraseError,
} from '../lib'
import { openHeader } from '../lib/decrypt'
import { readHeader } from '../lib/fsec'
import type { Progress } from '../lib/options'
import { verifyPayload } from '../lib/verify'
import { CHUNK, layoutOf } from './fsec-layout'
import { rejectsWith, scratchDir } from './helpers'

const BLOCK = 64 * CHUNK

describe('verifyEncryptedFile', function () {
  const dir = scratchDir()
  let pair: KeyPair
  let other: KeyPair
  let n = 0

  before(async () => {
    pair = await generateKeyPair('x25519')
    other = await generateKeyPair('x25519')
  })

  async function encrypted(data: Buffer, recipients?: RecipientOptions): Promise<string> {
    const input = join(dir(), `v${n++}.bin`)
    writeFileSync(input, data)
    return (await encryptFile(input, { keep: true, ...(recipients ?? { to: pair.publicKey }), durable: false })).output
  }

  /** Runs `fn` and checks that the folder's names and the file's bytes did not change. */
  async function writesNothing<T>(file: string, fn: () => Promise<T>): Promise<T> {
    const names = readdirSync(dir()).sort()
    const bytes = readFileSync(file)
    const mtime = statSync(file).mtimeMs
    try {
      return await fn()
    } finally {
      assert.deepEqual(readdirSync(dir()).sort(), names, 'no file was created or removed')
      assert.deepEqual(readFileSync(file), bytes)
      assert.equal(statSync(file).mtimeMs, mtime)
    }
  }

  for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, BLOCK - 1, BLOCK + 1, 2 * BLOCK + 5 * CHUNK + 3]) {
    it(`${size} bytes: a whole file verifies, and nothing is written`, async () => {
      const file = await encrypted(randomBytes(size))
      const r = await writesNothing(file, () => verifyEncryptedFile(file, { identity: pair.privateKey, threads: 2 }))
      assert.equal(r.plaintextBytes, size)
      assert.equal(r.metadata.size, size)
    })
  }

  it('verifies a passphrase-encrypted file, and refuses a wrong passphrase', async () => {
    const file = await encrypted(randomBytes(5000), { passphrase: 'pw', workFactor: 10 })
    assert.equal((await verifyEncryptedFile(file, { passphrase: 'pw' })).plaintextBytes, 5000)
    await rejectsWith(verifyEncryptedFile(file, { passphrase: 'wrong' }), WrongPassphraseError, 'FSEC_WRONG_PASSPHRASE')
  })

  it('refuses a key that is not a recipient', async () => {
    const file = await encrypted(randomBytes(10))
    await rejectsWith(verifyEncryptedFile(file, { identity: other.privateKey }), NoMatchingRecipientError, 'FSEC_NO_MATCHING_RECIPIENT')
  })

  describe('a changed file fails with its typed error and nothing is written', () => {
    const size = 2 * BLOCK + 3 * CHUNK + 700
    let pristine: Buffer

    before(async () => {
      pristine = readFileSync(await encrypted(randomBytes(size)))
    })

    async function expectFailure(bytes: Buffer, Class: abstract new (...a: never[]) => Error, code: string) {
      const file = join(dir(), `bad${n++}.fsec`)
      writeFileSync(file, bytes)
      await writesNothing(file, () => rejectsWith(verifyEncryptedFile(file, { identity: pair.privateKey }), Class, code))
    }

    function flipped(offset: number): Buffer {
      const copy = Buffer.from(pristine)
      copy[offset]! ^= 0x08
      return copy
    }

    it('the untouched copy verifies (control)', async () => {
      const file = join(dir(), 'control.fsec')
      writeFileSync(file, pristine)
      assert.equal((await verifyEncryptedFile(file, { identity: pair.privateKey })).plaintextBytes, size)
    })

    it('every single chunk, changed in its body or its tag → FSEC_PAYLOAD_TAMPERED', async () => {
      const layout = layoutOf(pristine)
      assert.equal(layout.chunkStarts.length, Math.floor(size / CHUNK) + 1)
      for (let k = 0; k < layout.chunkStarts.length; k++) {
        const offset = k % 2 === 0 ? layout.chunkStarts[k]! + (k * 131) % 1000 : layout.chunkEnds[k]! - 1 - (k % 16)
        await expectFailure(flipped(offset), PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED')
      }
    })

    it('the header MAC and the payload salt', async () => {
      const layout = layoutOf(pristine)
      await expectFailure(flipped(layout.headerSize - 1), HeaderTamperedError, 'FSEC_HEADER_TAMPERED')
      await expectFailure(flipped(layout.headerSize + 3), PayloadMismatchError, 'FSEC_PAYLOAD_MISMATCH')
    })

    it('truncation and appended bytes', async () => {
      const layout = layoutOf(pristine)
      await expectFailure(pristine.subarray(0, layout.chunkStarts[100]!), TruncatedError, 'FSEC_TRUNCATED')
      await expectFailure(pristine.subarray(0, pristine.length - 1), TruncatedError, 'FSEC_TRUNCATED')
      await expectFailure(Buffer.concat([pristine, Buffer.from([0])]), TrailingDataError, 'FSEC_TRAILING_DATA')
    })
  })

  it('reports progress up to the total, and can be aborted', async () => {
    const file = await encrypted(randomBytes(BLOCK + 10))
    const seen: Progress[] = []
    await verifyEncryptedFile(file, { identity: pair.privateKey, onProgress: (p) => seen.push(p) })
    assert.deepEqual(seen[seen.length - 1], { done: BLOCK + 10, total: BLOCK + 10 })
    const ac = new AbortController()
    ac.abort()
    await rejectsWith(verifyEncryptedFile(file, { identity: pair.privateKey, signal: ac.signal }), AbortError, 'FSEC_ABORTED')
  })

  it('checks its options', async () => {
    const file = await encrypted(randomBytes(10))
    await rejectsWith(verifyEncryptedFile(file, {}), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    await rejectsWith(verifyEncryptedFile(file, { identity: pair.privateKey, output: 'x' } as never), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    await rejectsWith(verifyEncryptedFile('', { identity: pair.privateKey }), ArgumentError, 'FSEC_INVALID_ARGUMENT')
  })

  it('verifyPayload: checks a payload with a payload key already in hand', async () => {
    const data = randomBytes(3 * CHUNK + 1)
    const file = await encrypted(data)
    const { header } = await readHeader(file)
    const { payloadKey, metadata } = await openHeader(header, { identity: pair.privateKey })
    try {
      const r = await verifyPayload(file, payloadKey, header.length, metadata.size ?? null, {})
      assert.equal(r.plaintextBytes, data.length)
      assert.equal(r.fileBytes, statSync(file).size)
      // Without the size from the metadata, the payload length alone decides.
      assert.equal((await verifyPayload(file, payloadKey, header.length, null, { threads: 1 })).plaintextBytes, data.length)
      const bad = Buffer.from(readFileSync(file))
      bad[layoutOf(bad).chunkStarts[2]! + 5]! ^= 1
      writeFileSync(file, bad)
      await rejectsWith(verifyPayload(file, payloadKey, header.length, data.length, {}), PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED')
    } finally {
      payloadKey.destroy()
    }
  })
})

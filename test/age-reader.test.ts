// Random access to binary age files: openEncryptedFile / SecFile.open recognise them from their
// first bytes and give the same read(position, length) API and errors as for .fsec. The size
// comes from the payload length and is authenticated at open (the final chunk's flag), so a file
// cut at a chunk boundary or extended fails to open; a damaged chunk fails only the reads that
// touch it, as for .fsec.
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import fc from 'fast-check'

import {
  ArgumentError,
  KeyPassphraseError,
  writePrivateKey,
  createEncryptStream,
  encryptFile,
  generateKeyPair,
  HeaderError,
  type KeyPair,
  NoMatchingRecipientError,
  NotEncryptedError,
  openEncryptedFile,
  PayloadTamperedError,
  SecFile,
  TrailingDataError,
  TruncatedError,
} from '../lib'
import { native } from '../lib/native'
import { collect, rejectsWith, scratchDir } from './helpers'
import { describeWithTool, type Tool } from './tools'

const CHUNK = 64 * 1024
const NONCE = 16
const SEALED = CHUNK + 16

function chunkStart(file: Buffer, k: number): number {
  return native.age.parseHeader(file).headerSize + NONCE + k * SEALED
}

function flipped(data: Buffer, at: number): Buffer {
  const copy = Buffer.from(data)
  copy[at]! ^= 0x01
  return copy
}

describe('age random access (openEncryptedFile)', function () {
  this.timeout(60_000)
  const dir = scratchDir('filesec-age-reader-')
  const f = (n: string) => join(dir(), n)
  let pair: KeyPair
  const data = randomBytes(5 * CHUNK + 777)
  let file: Buffer

  before(async () => {
    pair = await generateKeyPair('x25519')
    writeFileSync(f('r.bin'), data)
    await encryptFile(f('r.bin'), { codec: 'age', to: pair.publicKey, keep: true })
    file = readFileSync(f('r.bin.age'))
  })

  it('property: random reads return exactly the plaintext bytes, across chunk boundaries', async () => {
    const ef = await openEncryptedFile(f('r.bin.age'), { identity: pair.privateKey })
    try {
      assert.equal(ef.codec, 'age')
      assert.equal(ef.size, data.length)
      assert.deepEqual(ef.metadata, { v: 1, padding: 0, size: data.length })
      for (const [pos, len] of [[0, 1], [CHUNK - 1, 2], [CHUNK, CHUNK], [CHUNK - 5, 2 * CHUNK + 10], [5 * CHUNK, 777], [data.length - 1, 10], [data.length, 10]]) {
        assert.ok((await ef.read(pos!, len!)).equals(data.subarray(pos!, pos! + len!)), `read(${pos}, ${len})`)
      }
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: data.length + 100 }), fc.nat({ max: 3 * CHUNK }), async (pos, len) => {
          assert.ok((await ef.read(pos, len)).equals(data.subarray(pos, pos + len)))
        }),
        { numRuns: 150 },
      )
      const streamed = await collect(ef.createReadStream({ start: 1000, end: 3 * CHUNK + 5, chunkSize: 7000 }), new PassThrough())
      assert.ok(streamed.equals(data.subarray(1000, 3 * CHUNK + 5)))
      await assert.rejects(ef.read(-1, 1), ArgumentError)
    } finally {
      ef.close()
    }
    await assert.rejects(ef.read(0, 1), ArgumentError) // closed
  })

  it('the sizes at chunk boundaries, a passphrase file, a stream-written file and SecFile.open', async () => {
    for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK]) {
      const plain = randomBytes(size)
      writeFileSync(f(`s${size}`), plain)
      await encryptFile(f(`s${size}`), { codec: 'age', passphrase: 'pw', workFactor: 10, keep: true })
      const ef = await openEncryptedFile(f(`s${size}.age`), { passphrase: 'pw' })
      try {
        assert.equal(ef.size, size)
        assert.ok((await ef.read(0, size + 10)).equals(plain), `size ${size}`)
      } finally {
        ef.close()
      }
    }
    const plain = randomBytes(2 * CHUNK + 9)
    writeFileSync(f('stream.age'), await collect([plain], createEncryptStream({ codec: 'age', to: pair.publicKey })))
    const ef = await new SecFile(f('stream.age')).open({ identity: pair.privateKey })
    try {
      assert.ok((await ef.read(CHUNK - 3, CHUNK + 6)).equals(plain.subarray(CHUNK - 3, 2 * CHUNK + 3)))
    } finally {
      ef.close()
    }
  })

  it('a damaged chunk fails only the reads that touch it (FSEC_PAYLOAD_TAMPERED)', async () => {
    writeFileSync(f('dmg.age'), flipped(file, chunkStart(file, 2) + 50))
    const ef = await openEncryptedFile(f('dmg.age'), { identity: pair.privateKey })
    try {
      assert.ok((await ef.read(0, 2 * CHUNK)).equals(data.subarray(0, 2 * CHUNK)))
      assert.ok((await ef.read(3 * CHUNK, 1000)).equals(data.subarray(3 * CHUNK, 3 * CHUNK + 1000)))
      await rejectsWith(ef.read(2 * CHUNK + 5, 10), PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED')
      await rejectsWith(ef.read(CHUNK, 2 * CHUNK), PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED')
      // Still usable afterwards for the intact chunks.
      assert.ok((await ef.read(5, 5)).equals(data.subarray(5, 10)))
    } finally {
      ef.close()
    }
  })

  it('truncated (also exactly at a chunk boundary) or extended files fail to open', async () => {
    const cases: [string, Buffer, abstract new (...a: never[]) => Error, string][] = [
      ['cut at a chunk boundary', file.subarray(0, chunkStart(file, 3)), TruncatedError, 'FSEC_TRUNCATED'],
      ['the short final chunk dropped', file.subarray(0, chunkStart(file, 5)), TruncatedError, 'FSEC_TRUNCATED'],
      ['cut inside the final chunk', file.subarray(0, file.length - 1), PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED'],
      ['damaged final chunk', flipped(file, file.length - 1), PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED'],
      ['cut right after the nonce', file.subarray(0, chunkStart(file, 0)), TruncatedError, 'FSEC_TRUNCATED'],
    ]
    // A file whose final chunk is full: data after it is told from a cut.
    const full = randomBytes(3 * CHUNK)
    const fullFile = await collect([full], createEncryptStream({ codec: 'age', to: pair.publicKey }))
    cases.push(['100 bytes appended after a full final chunk', Buffer.concat([fullFile, randomBytes(100)]), TrailingDataError, 'FSEC_TRAILING_DATA'])
    cases.push(['a full final chunk cut at the boundary', fullFile.subarray(0, chunkStart(fullFile, 2)), TruncatedError, 'FSEC_TRUNCATED'])
    for (const [name, bytes, Class, code] of cases) {
      writeFileSync(f('bad.age'), bytes)
      await rejectsWith(openEncryptedFile(f('bad.age'), { identity: pair.privateKey }), Class, code).catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`)
      })
    }
  })

  it('refusals: armored age (ArgumentError), the wrong key, a header cut short, neither format', async () => {
    writeFileSync(f('armored.age'), native.age.armor(file))
    const e = await rejectsWith(openEncryptedFile(f('armored.age'), { identity: pair.privateKey }), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    assert.match(e.message, /armored .*random access needs the binary form/)
    const other = await generateKeyPair('x25519')
    await rejectsWith(openEncryptedFile(f('r.bin.age'), { identity: other.privateKey }), NoMatchingRecipientError, 'FSEC_NO_MATCHING_RECIPIENT')
    writeFileSync(f('head.age'), file.subarray(0, 50))
    await rejectsWith(openEncryptedFile(f('head.age'), { identity: pair.privateKey }), HeaderError, 'FSEC_HEADER_INVALID')
    writeFileSync(f('plain.txt'), 'just text')
    await rejectsWith(openEncryptedFile(f('plain.txt'), { identity: pair.privateKey }), NotEncryptedError, 'FSEC_NOT_ENCRYPTED')
    // A protected identity file needs its passphrase, and opens with it.
    await writePrivateKey(pair.privateKey, f('locked.key'), { passphrase: 'id pass' })
    await rejectsWith(openEncryptedFile(f('r.bin.age'), { identity: f('locked.key') }), KeyPassphraseError, 'FSEC_KEY_PASSPHRASE_REQUIRED')
    const reader = await openEncryptedFile(f('r.bin.age'), { identity: f('locked.key'), identityPassphrase: 'id pass' })
    try {
      assert.ok((await reader.read(CHUNK - 3, 10)).equals(data.subarray(CHUNK - 3, CHUNK + 7)))
    } finally {
      reader.close()
    }
  })
})

const AGE: Tool = { cmd: 'age', pkg: 'age' }

describeWithTool(AGE, 'age random access: files written by the age CLI', function () {
  this.timeout(60_000)
  const dir = scratchDir('filesec-age-reader-cli-')
  const f = (n: string) => join(dir(), n)

  it('random reads of an `age -e -r` file equal the plaintext slices', async () => {
    const run = (cmd: string, args: string[]): Buffer => {
      const r = spawnSync(cmd, args, { timeout: 60_000 })
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`)
      return r.stdout
    }
    run('age-keygen', ['-o', f('k')])
    const data = randomBytes(4 * CHUNK + 3)
    writeFileSync(f('p'), data)
    run('age', ['-e', '-r', run('age-keygen', ['-y', f('k')]).toString().trim(), '-o', f('p.age'), f('p')])
    const ef = await openEncryptedFile(f('p.age'), { identity: f('k') })
    try {
      assert.equal(ef.size, data.length)
      for (const [pos, len] of [[0, data.length], [CHUNK - 1, 2], [3 * CHUNK + 100, CHUNK], [4 * CHUNK, 3]]) {
        assert.ok((await ef.read(pos!, len!)).equals(data.subarray(pos!, pos! + len!)), `read(${pos}, ${len})`)
      }
    } finally {
      ef.close()
    }
  })
})

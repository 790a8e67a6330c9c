// The tamper matrix: every kind of change to an encrypted file fails with its own typed error,
// leaves no output file and no temporary file behind, and releases no unauthenticated plaintext.
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  createDecryptStream,
  decryptFile,
  encryptFile,
  generateKeyPair,
  HeaderError,
  HeaderTamperedError,
  type KeyPair,
  NotEncryptedError,
  openEncryptedFile,
  PayloadMismatchError,
  PayloadTamperedError,
  TrailingDataError,
  TruncatedError,
  UnsupportedVersionError,
} from '../lib'
import native = require('../binding')
import { layoutOf, type Layout } from './fsec-layout'
import { collectUntilError, leftoverTempFiles, scratchDir } from './helpers'

type ErrorClass = new (...args: never[]) => Error

describe('tamper matrix', function () {
  const dir = scratchDir()
  let x25519: KeyPair
  let rsa: KeyPair
  let plain: Buffer
  let fileA: Buffer
  let fileB: Buffer
  let layout: Layout
  let n = 0

  before(async () => {
    x25519 = await generateKeyPair('x25519')
    rsa = await generateKeyPair('rsa', { bits: 2048 })
    plain = randomBytes(5 * 16384 + 1234) // 6 chunks: 5 full, final short
    writeFileSync(join(dir(), 'a'), plain)
    writeFileSync(join(dir(), 'b'), randomBytes(plain.length))
    await encryptFile(join(dir(), 'a'), { to: [x25519.publicKey, rsa.publicKey] })
    await encryptFile(join(dir(), 'b'), { to: [x25519.publicKey, rsa.publicKey] })
    fileA = readFileSync(join(dir(), 'a.fsec'))
    fileB = readFileSync(join(dir(), 'b.fsec'))
    layout = layoutOf(fileA)
    assert.equal(layout.chunkStarts.length, 6)
    assert.deepEqual(layout.stanzas.map((s) => s.type), [2, 1, 255], 'X25519, RSA, then the reserved space')
    assert.equal(layout.headerSize % 1024, 0)
  })

  async function expectFailure(bytes: Buffer, expected: ErrorClass, code: string, identity = x25519.privateKey) {
    const input = join(dir(), `t${n++}.fsec`)
    const output = `${input}.out`
    writeFileSync(input, bytes)
    await assert.rejects(decryptFile(input, { identity, output }), (e: Error & { code?: string }) => {
      assert.ok(e instanceof expected, `expected ${expected.name}, got ${e.constructor.name}: ${e.message}`)
      assert.equal(e.code, code, e.message)
      return true
    })
    assert.equal(existsSync(output), false, 'no output file after a failure')
    assert.deepEqual(leftoverTempFiles(dir()), [], 'no temporary file left')
  }

  function flipped(bytes: Buffer, offset: number, mask = 0x01): Buffer {
    const copy = Buffer.from(bytes)
    copy[offset]! ^= mask
    return copy
  }

  function field(name: string) {
    const f = layout.fields.find((x) => x.name === name)
    if (!f) throw new Error(`no field ${name}`)
    return f
  }

  it('decrypts the untouched file (control)', async () => {
    const out = join(dir(), 'control.out')
    await decryptFile(join(dir(), 'a.fsec'), { identity: x25519.privateKey, output: out })
    assert.deepEqual(readFileSync(out), plain)
  })

  const headerCases: [string, number, ErrorClass, string][] = [
    ['magic', 0x01, NotEncryptedError, 'FSEC_NOT_ENCRYPTED'],
    ['version', 0x02, UnsupportedVersionError, 'FSEC_UNSUPPORTED_VERSION'],
    ['version', 0x01, HeaderError, 'FSEC_HEADER_INVALID'],
    ['suite', 0x01, HeaderError, 'FSEC_HEADER_INVALID'],
    ['flags', 0x01, HeaderError, 'FSEC_HEADER_INVALID'],
    ['file id', 0x01, HeaderTamperedError, 'FSEC_HEADER_TAMPERED'],
    ['header size', 0x01, HeaderError, 'FSEC_HEADER_INVALID'],
    ['stanza count', 0x01, HeaderError, 'FSEC_HEADER_INVALID'],
    ['stanza 0 type', 0x01, HeaderError, 'FSEC_HEADER_INVALID'],
    ['stanza 0 length', 0x01, HeaderError, 'FSEC_HEADER_INVALID'],
    ['stanza 0 fingerprint', 0x01, HeaderTamperedError, 'FSEC_HEADER_TAMPERED'],
    ['stanza 0 ephemeral share', 0x01, HeaderTamperedError, 'FSEC_HEADER_TAMPERED'],
    ['stanza 0 wrapped key', 0x01, HeaderTamperedError, 'FSEC_HEADER_TAMPERED'],
    // RSA's type 1 becomes 0, an unknown type that is skipped: stanza 0 opens, the MAC fails.
    ['stanza 1 type', 0x01, HeaderTamperedError, 'FSEC_HEADER_TAMPERED'],
    ['stanza 1 length', 0x01, HeaderError, 'FSEC_HEADER_INVALID'],
    ['stanza 1 fingerprint', 0x01, HeaderTamperedError, 'FSEC_HEADER_TAMPERED'],
    ['stanza 1 RSA-OAEP ciphertext', 0x01, HeaderTamperedError, 'FSEC_HEADER_TAMPERED'],
    // The reserved space (type 255) that rounds the header up to 1024 bytes: 254 is an unknown
    // type, skipped, so the MAC catches it; its zero bytes are covered by the MAC as well.
    ['stanza 2 type', 0x01, HeaderTamperedError, 'FSEC_HEADER_TAMPERED'],
    ['stanza 2 length', 0x01, HeaderError, 'FSEC_HEADER_INVALID'],
    ['stanza 2 reserved space', 0x01, HeaderTamperedError, 'FSEC_HEADER_TAMPERED'],
    ['metadata nonce', 0x01, HeaderTamperedError, 'FSEC_HEADER_TAMPERED'],
    ['metadata length', 0x01, HeaderError, 'FSEC_HEADER_INVALID'],
    ['sealed metadata', 0x01, HeaderTamperedError, 'FSEC_HEADER_TAMPERED'],
    ['header MAC', 0x01, HeaderTamperedError, 'FSEC_HEADER_TAMPERED'],
  ]
  for (const [name, mask, cls, code] of headerCases) {
    for (const where of ['first', 'last'] as const) {
      it(`header: a flipped bit in the ${where} byte of "${name}" (mask ${mask}) → ${code}`, async () => {
        const f = field(name)
        const offset = where === 'first' ? f.start : f.end - 1
        // A change in the last byte of a big-endian length is a change of its value too.
        await expectFailure(flipped(fileA, offset, mask), cls, code)
      })
    }
  }

  it('header: the RSA identity sees a changed RSA stanza as tampering too', async () => {
    await expectFailure(
      flipped(fileA, field('stanza 1 RSA-OAEP ciphertext').start + 7),
      HeaderTamperedError,
      'FSEC_HEADER_TAMPERED',
      rsa.privateKey,
    )
    await expectFailure(flipped(fileA, field('stanza 1 fingerprint').start), HeaderTamperedError, 'FSEC_HEADER_TAMPERED', rsa.privateKey)
  })

  it('header: every single-bit change anywhere in the header fails with a header error', async () => {
    const header = fileA.subarray(0, layout.headerSize)
    let checked = 0
    for (let i = 0; i < header.length; i++) {
      const bad = flipped(header, i, 1 << (i % 8))
      let size: number
      try {
        size = native.fsec.headerSize(bad.subarray(0, 32))
        const info = native.fsec.parse(bad.subarray(0, Math.min(size, bad.length)))
        assert.ok(info)
        await native.fsec.open(bad, [x25519.privateKey.native], null, 22)
        assert.fail(`a change at header byte ${i} was not detected`)
      } catch (e) {
        const code = (e as { code?: string }).code
        assert.ok(
          ['FSEC_NOT_ENCRYPTED', 'FSEC_UNSUPPORTED_VERSION', 'FSEC_HEADER_INVALID', 'FSEC_HEADER_TAMPERED', 'FSEC_TRUNCATED'].includes(code!),
          `byte ${i}: unexpected ${code} ${(e as Error).message}`,
        )
        checked++
      }
    }
    assert.equal(checked, header.length)
  })

  const payloadStart = () => layout.headerSize
  it('payload: a flipped bit in the salt → FSEC_PAYLOAD_MISMATCH', async () => {
    await expectFailure(flipped(fileA, payloadStart()), PayloadMismatchError, 'FSEC_PAYLOAD_MISMATCH')
  })
  it('payload: a flipped bit in the key commitment → FSEC_PAYLOAD_MISMATCH', async () => {
    await expectFailure(flipped(fileA, payloadStart() + 24 + 31), PayloadMismatchError, 'FSEC_PAYLOAD_MISMATCH')
  })
  for (const [label, k] of [['first', 0], ['a middle', 2], ['the last', 5]] as const) {
    it(`payload: a flipped bit in ${label} chunk (body and tag) → FSEC_PAYLOAD_TAMPERED`, async () => {
      await expectFailure(flipped(fileA, layout.chunkStarts[k]! + 100), PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED')
      await expectFailure(flipped(fileA, layout.chunkEnds[k]! - 1, 0x80), PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED')
    })
  }
  it('payload: truncation at a chunk boundary (final chunk dropped) → FSEC_TRUNCATED', async () => {
    await expectFailure(fileA.subarray(0, layout.chunkStarts[5]!), TruncatedError, 'FSEC_TRUNCATED')
    await expectFailure(fileA.subarray(0, layout.chunkStarts[3]!), TruncatedError, 'FSEC_TRUNCATED')
  })
  it('payload: truncation inside a chunk and inside a tag → FSEC_TRUNCATED', async () => {
    await expectFailure(fileA.subarray(0, layout.chunkStarts[2]! + 5000), TruncatedError, 'FSEC_TRUNCATED')
    await expectFailure(fileA.subarray(0, fileA.length - 3), TruncatedError, 'FSEC_TRUNCATED')
    await expectFailure(fileA.subarray(0, layout.headerSize + 30), TruncatedError, 'FSEC_TRUNCATED')
  })
  it('payload: truncation inside the header → FSEC_TRUNCATED', async () => {
    await expectFailure(fileA.subarray(0, layout.headerSize - 10), TruncatedError, 'FSEC_TRUNCATED')
  })
  it('payload: appended bytes (one byte, a whole chunk) → FSEC_TRAILING_DATA', async () => {
    await expectFailure(Buffer.concat([fileA, Buffer.from([0])]), TrailingDataError, 'FSEC_TRAILING_DATA')
    await expectFailure(Buffer.concat([fileA, fileA.subarray(layout.chunkStarts[0]!, layout.chunkEnds[0]!)]), TrailingDataError, 'FSEC_TRAILING_DATA')
  })
  it('payload: two chunks swapped within the file → FSEC_PAYLOAD_TAMPERED', async () => {
    const bad = Buffer.from(fileA)
    const c1 = fileA.subarray(layout.chunkStarts[1]!, layout.chunkEnds[1]!)
    const c2 = fileA.subarray(layout.chunkStarts[2]!, layout.chunkEnds[2]!)
    c2.copy(bad, layout.chunkStarts[1]!)
    c1.copy(bad, layout.chunkStarts[2]!)
    await expectFailure(bad, PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED')
  })
  it('payload: a chunk duplicated in place of another → FSEC_PAYLOAD_TAMPERED', async () => {
    const bad = Buffer.from(fileA)
    fileA.subarray(layout.chunkStarts[0]!, layout.chunkEnds[0]!).copy(bad, layout.chunkStarts[1]!)
    await expectFailure(bad, PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED')
  })
  it('payload: a chunk taken from another file at the same position → FSEC_PAYLOAD_TAMPERED', async () => {
    const lb = layoutOf(fileB)
    const bad = Buffer.from(fileA)
    fileB.subarray(lb.chunkStarts[3]!, lb.chunkEnds[3]!).copy(bad, layout.chunkStarts[3]!)
    await expectFailure(bad, PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED')
  })
  it("payload: one file's header on another file's payload → FSEC_PAYLOAD_MISMATCH", async () => {
    const lb = layoutOf(fileB)
    const bad = Buffer.concat([fileB.subarray(0, lb.headerSize), fileA.subarray(layout.headerSize)])
    await expectFailure(bad, PayloadMismatchError, 'FSEC_PAYLOAD_MISMATCH')
  })

  describe('through the decrypt stream: no unauthenticated byte is released', () => {
    function streamDecrypt(bytes: Buffer): Promise<{ out: Buffer; error: unknown }> {
      return collectUntilError(
        [bytes.subarray(0, 1000), bytes.subarray(1000, 40000), bytes.subarray(40000)],
        createDecryptStream({ identity: x25519.privateKey }),
      )
    }

    it('a damaged middle chunk: only the chunks before it come out, then the error', async () => {
      const { out, error } = await streamDecrypt(flipped(fileA, layout.chunkStarts[3]! + 10))
      assert.ok(error instanceof PayloadTamperedError)
      assert.ok(out.length <= 3 * 16384)
      assert.deepEqual(out, plain.subarray(0, out.length))
    })
    it('truncation and extension are told apart (size in the metadata)', async () => {
      const t = await streamDecrypt(fileA.subarray(0, layout.chunkStarts[5]!))
      assert.ok(t.error instanceof TruncatedError, String(t.error))
      assert.deepEqual(t.out, plain.subarray(0, t.out.length))
      const x = await streamDecrypt(Buffer.concat([fileA, Buffer.from('x')]))
      assert.ok(x.error instanceof TrailingDataError, String(x.error))
    })
  })

  describe('through the random-access reader', () => {
    it('refuses to open a truncated or extended file, and fails reads of a damaged chunk only', async () => {
      const cut = join(dir(), 'cut.fsec')
      writeFileSync(cut, fileA.subarray(0, layout.chunkStarts[5]!))
      await assert.rejects(openEncryptedFile(cut, { identity: x25519.privateKey }), TruncatedError)
      const ext = join(dir(), 'ext.fsec')
      writeFileSync(ext, Buffer.concat([fileA, Buffer.alloc(5)]))
      await assert.rejects(openEncryptedFile(ext, { identity: x25519.privateKey }), TrailingDataError)
      const dmg = join(dir(), 'dmg.fsec')
      writeFileSync(dmg, flipped(fileA, layout.chunkStarts[2]! + 50))
      const f = await openEncryptedFile(dmg, { identity: x25519.privateKey })
      try {
        assert.deepEqual(await f.read(0, 2 * 16384), plain.subarray(0, 2 * 16384))
        assert.deepEqual(await f.read(3 * 16384, 1000), plain.subarray(3 * 16384, 3 * 16384 + 1000))
        await assert.rejects(f.read(2 * 16384 + 5, 10), PayloadTamperedError)
      } finally {
        f.close()
      }
    })
  })
})

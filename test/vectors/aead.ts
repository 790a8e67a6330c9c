// Wycheproof AEAD vectors (aead_test_schema_v1) through native.primitives.aeadSeal/aeadOpen, the
// one-shot AEAD of the production code. It supports 256-bit keys, 96-bit nonces and 128-bit tags
// only; vectors with other sizes must be refused with FSEC_INVALID_ARGUMENT and are counted as
// "rejected as unsupported", never as passes.
import { strict as assert } from 'node:assert'

import native = require('../../binding')
import {
  Tally,
  WycheproofGroup,
  WycheproofTest,
  allTests,
  assertThrowsCode,
  checkEach,
  hex,
  withVectors,
} from './wycheproof'

interface AeadTest extends WycheproofTest {
  key: string
  iv: string
  aad: string
  msg: string
  ct: string
  tag: string
}
interface AeadGroup extends WycheproofGroup<AeadTest> {
  keySize: number
  ivSize: number
  tagSize: number
}

type Algorithm = 'aes-256-gcm' | 'chacha20-poly1305'

export function aeadSuite(dir: string, fileName: string, algorithm: Algorithm): void {
  withVectors<AeadGroup>(dir, fileName, (file) => {
    const items = allTests(file)
    const supported = (g: AeadGroup): boolean => g.keySize === 256 && g.ivSize === 96 && g.tagSize === 128
    const ok = items.filter((i) => supported(i.group))
    const valid = ok.filter((i) => i.test.result === 'valid')
    const invalid = ok.filter((i) => i.test.result === 'invalid')
    // Key or nonce size the API cannot take: it must throw.
    const badKeyOrNonce = items.filter((i) => i.group.keySize !== 256 || i.group.ivSize !== 96)
    // 256-bit key and 96-bit nonce but a tag that is not 128 bits: the API has no tag-size
    // parameter, so such a vector cannot be expressed; it must at least never authenticate.
    const badTagOnly = items.filter((i) => !badKeyOrNonce.includes(i) && i.group.tagSize !== 128)
    const tally = new Tally(`${algorithm} (${fileName})`).report()

    it(`reads all ${file.numberOfTests} vectors: ${ok.length} usable (${valid.length} valid, ${invalid.length} invalid), ${badKeyOrNonce.length + badTagOnly.length} with unsupported sizes`, () => {
      assert.equal(items.length, file.numberOfTests)
      assert.equal(ok.length + badKeyOrNonce.length + badTagOnly.length, items.length)
      // No acceptable results in these files; a new category would need a policy first.
      assert.deepEqual(
        items.filter((i) => i.test.result === 'acceptable').map((i) => i.test.tcId),
        [],
      )
      for (const { group, test } of items) {
        assert.equal(hex(test.key).length * 8, group.keySize, `tcId ${test.tcId} key size`)
        assert.equal(hex(test.iv).length * 8, group.ivSize, `tcId ${test.tcId} IV size`)
        // (Invalid-nonce-size vectors of the ChaCha20-Poly1305 file come with an empty ct and tag.)
        if (test.tag !== '' || test.result === 'valid') {
          assert.equal(hex(test.tag).length * 8, group.tagSize, `tcId ${test.tcId} tag size`)
        }
      }
    })

    it(`valid (${valid.length}): seal gives ct || tag, open gives msg back, a changed tag or AAD does not open`, () => {
      checkEach(valid, ({ test: t }) => {
        const key = hex(t.key)
        const iv = hex(t.iv)
        const aad = hex(t.aad)
        const msg = hex(t.msg)
        const sealed = Buffer.concat([hex(t.ct), hex(t.tag)])
        const out = native.primitives.aeadSeal(algorithm, key, iv, aad, msg)
        assert.equal(out.toString('hex'), sealed.toString('hex'), 'seal')
        const opened = native.primitives.aeadOpen(algorithm, key, iv, aad, sealed)
        assert.ok(opened !== null, 'open returned null for a valid vector')
        assert.equal(opened.toString('hex'), t.msg, 'open')
        const badTag = Buffer.from(sealed)
        badTag[badTag.length - 1] ^= 0x01
        assert.equal(native.primitives.aeadOpen(algorithm, key, iv, aad, badTag), null, 'opened with a changed tag')
        assert.equal(
          native.primitives.aeadOpen(algorithm, key, iv, Buffer.concat([aad, Buffer.from([0])]), sealed),
          null,
          'opened with a longer AAD',
        )
      })
      tally.add('valid passed', valid.length)
    })

    it(`invalid (${invalid.length}): open returns null`, () => {
      checkEach(invalid, ({ test: t }) => {
        const sealed = Buffer.concat([hex(t.ct), hex(t.tag)])
        const opened = native.primitives.aeadOpen(algorithm, hex(t.key), hex(t.iv), hex(t.aad), sealed)
        assert.strictEqual(opened, null, 'opened an invalid vector')
      })
      tally.add('invalid rejected', invalid.length)
    })

    it(`rejected as unsupported: ${badKeyOrNonce.length} vectors whose key is not 256 bits or nonce not 96 bits throw FSEC_INVALID_ARGUMENT (seal and open)`, () => {
      checkEach(badKeyOrNonce, ({ group: g, test: t }) => {
        const key = hex(t.key)
        const iv = hex(t.iv)
        const aad = hex(t.aad)
        const sealed = Buffer.concat([hex(t.ct), hex(t.tag)])
        assertThrowsCode(() => native.primitives.aeadSeal(algorithm, key, iv, aad, hex(t.msg)), 'FSEC_INVALID_ARGUMENT', 'seal')
        assertThrowsCode(() => native.primitives.aeadOpen(algorithm, key, iv, aad, sealed), 'FSEC_INVALID_ARGUMENT', 'open')
        tally.add(`rejected as unsupported (${g.keySize !== 256 ? "key size" : "nonce size"})`)
      })
    })

    // Only generated when such vectors exist (none in the current files).
    if (badTagOnly.length > 0) {
      it(`rejected as unsupported: ${badTagOnly.length} vectors with a tag other than 128 bits never authenticate`, () => {
        checkEach(badTagOnly, ({ group: g, test: t }) => {
          const sealed = Buffer.concat([hex(t.ct), hex(t.tag)])
          let opened: Buffer | null = null
          try {
            opened = native.primitives.aeadOpen(algorithm, hex(t.key), hex(t.iv), hex(t.aad), sealed)
          } catch (err) {
            assert.equal((err as { code?: unknown }).code, 'FSEC_INVALID_ARGUMENT', (err as Error).message)
          }
          assert.strictEqual(opened, null, 'a truncated-tag vector opened')
          tally.add(`rejected as unsupported (${g.tagSize}-bit tag)`)
        })
      })
    }
  })
}

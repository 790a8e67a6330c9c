// HKDF-SHA-256 (hkdf_sha256_test.json) and HMAC-SHA-256 (hmac_sha256_test.json) conformance
// through native.primitives.hkdfSha256 / hmacSha256, the KDF and MAC of the .fsec header and
// the age stanzas.
// - HKDF: valid vectors give `okm`; invalid ones (SizeTooLarge: more than 255 * 32 bytes) must
//   throw a filesec error.
// - HMAC: the native function returns the full 32-byte tag; groups with tagSize 128 compare
//   the first 16 bytes (truncated tags). Invalid vectors carry a wrong tag: the comparison
//   must fail.
import { strict as assert } from 'node:assert'

import native = require('../../binding')
import { describeWithVectors } from '../helpers'
import { Tally, WycheproofGroup, WycheproofTest, allTests, checkEach, hex, withVectors, thrown } from './wycheproof'

interface HkdfTest extends WycheproofTest {
  ikm: string
  salt: string
  info: string
  size: number
  okm: string
}
interface HkdfGroup extends WycheproofGroup<HkdfTest> {
  keySize: number
}

interface MacTest extends WycheproofTest {
  key: string
  msg: string
  tag: string
}
interface MacGroup extends WycheproofGroup<MacTest> {
  keySize: number
  tagSize: number
}

describeWithVectors('HKDF-SHA-256 vectors, native hkdfSha256', 'wycheproof', (dir) => {
  withVectors<HkdfGroup>(dir, 'hkdf_sha256_test.json', (file) => {
    const items = allTests(file)
    const valid = items.filter((i) => i.test.result === 'valid')
    const invalid = items.filter((i) => i.test.result === 'invalid')
    const tally = new Tally('hkdf_sha256_test.json').report()

    it(`reads ${items.length} vectors (${valid.length} valid, ${invalid.length} invalid)`, () => {
      assert.equal(valid.length + invalid.length, items.length, 'acceptable vectors appeared: they need a policy')
      assert.ok(valid.some((i) => i.test.flags.includes('EmptySalt')), 'no empty-salt vector')
      assert.ok(valid.some((i) => i.test.size === 255 * 32), 'no maximal-size vector')
    })

    it(`valid (${valid.length}): output equals okm (empty salts, maximal 8160-byte outputs included)`, () => {
      checkEach(valid, ({ test: t }) => {
        const out = native.primitives.hkdfSha256(hex(t.ikm), hex(t.salt), hex(t.info), t.size)
        assert.equal(out.length, t.size, 'output length')
        assert.equal(out.toString('hex'), t.okm)
      })
      tally.add('valid passed', valid.length)
    })

    it(`invalid (${invalid.length}, output too long): throws a filesec error`, () => {
      const codes = new Set<string>()
      checkEach(invalid, ({ test: t }) => {
        assert.ok(t.size > 255 * 32, `tcId ${t.tcId}: expected an over-long output request`)
        const err = thrown(() => native.primitives.hkdfSha256(hex(t.ikm), hex(t.salt), hex(t.info), t.size), 'hkdfSha256')
        assert.ok(typeof err.code === 'string' && err.code.startsWith('FSEC_'), `not a filesec error: ${String(err.code)} ${err.message}`)
        codes.add(err.code)
      })
      tally.add(`invalid rejected (throws ${[...codes].join('/')})`, invalid.length)
    })
  })
})

describeWithVectors('HMAC-SHA-256 vectors, native hmacSha256', 'wycheproof', (dir) => {
  withVectors<MacGroup>(dir, 'hmac_sha256_test.json', (file) => {
    const items = allTests(file)
    const valid = items.filter((i) => i.test.result === 'valid')
    const invalid = items.filter((i) => i.test.result === 'invalid')
    const tally = new Tally('hmac_sha256_test.json').report()
    const truncated = items.filter((i) => i.group.tagSize < 256).length

    it(`reads ${items.length} vectors (${valid.length} valid, ${invalid.length} invalid, ${truncated} with 128-bit truncated tags)`, () => {
      assert.equal(valid.length + invalid.length, items.length, 'acceptable vectors appeared: they need a policy')
      for (const { group, test } of items) {
        assert.ok(group.tagSize % 8 === 0 && group.tagSize <= 256, `tcId ${test.tcId}: tagSize ${group.tagSize}`)
        assert.equal(hex(test.tag).length * 8, group.tagSize, `tcId ${test.tcId}: tag length`)
        assert.equal(hex(test.key).length * 8, group.keySize, `tcId ${test.tcId}: key length`)
      }
    })

    it(`valid (${valid.length}): the tag (its first tagSize bits) matches`, () => {
      checkEach(valid, ({ group, test: t }) => {
        const mac = native.primitives.hmacSha256(hex(t.key), hex(t.msg))
        assert.equal(mac.length, 32, 'HMAC-SHA-256 output length')
        assert.equal(mac.subarray(0, group.tagSize / 8).toString('hex'), t.tag)
      })
      tally.add('valid passed', valid.length)
    })

    it(`invalid (${invalid.length}, modified tags): the comparison fails`, () => {
      checkEach(invalid, ({ group, test: t }) => {
        const mac = native.primitives.hmacSha256(hex(t.key), hex(t.msg))
        assert.equal(mac.length, 32, 'HMAC-SHA-256 output length')
        assert.notEqual(mac.subarray(0, group.tagSize / 8).toString('hex'), t.tag, 'a modified tag matched')
      })
      tally.add('invalid rejected (tag mismatch)', invalid.length)
    })
  })
})

// Conformance of the two primitives the legacy pyFileSec reader uses (src/core/legacy_cbc.h),
// through the native entry points that call the production code:
// - aes_cbc_pkcs5: AES-CBC with PKCS#7 padding (legacy::aes_cbc_decrypt, which also does the
//   last-block key-derivation probe). Valid vectors decrypt to msg; invalid ones (bad padding)
//   return null, all alike.
// - rsa_oaep_2048_sha1_mgf1sha1: the password unwrap (legacy::unwrap_password: RSA-OAEP SHA-1,
//   MGF1-SHA-1, empty label, as `openssl rsautl -oaep` wrote it). Valid empty-label vectors
//   decrypt to msg; vectors with a label (which the unwrap never uses) and invalid ones give null.
import { strict as assert } from 'node:assert'

import native = require('../../binding')
import { describeWithVectors } from '../helpers'
import { Tally, WycheproofGroup, WycheproofTest, allTests, checkEach, hex, withVectors } from './wycheproof'

interface CbcTest extends WycheproofTest {
  key: string
  iv: string
  msg: string
  ct: string
}
interface CbcGroup extends WycheproofGroup<CbcTest> {
  keySize: number
  ivSize: number
}

interface OaepTest extends WycheproofTest {
  msg: string
  ct: string
  label: string
}
interface OaepGroup extends WycheproofGroup<OaepTest> {
  keySize: number
  sha: string
  mgfSha: string
  privateKeyPkcs8: string
}

function attempt<T>(fn: () => T): { value?: T; error?: unknown } {
  try {
    return { value: fn() }
  } catch (error) {
    return { error }
  }
}

describeWithVectors('pyFileSec legacy primitives: Wycheproof vectors', 'wycheproof', (dir) => {
  describe('aes_cbc_pkcs5_test.json through native aesCbcDecrypt', () => {
    withVectors<CbcGroup>(dir, 'aes_cbc_pkcs5_test.json', (file) => {
      const items = allTests(file)
      const valid = items.filter((i) => i.test.result === 'valid')
      const invalid = items.filter((i) => i.test.result === 'invalid')
      const tally = new Tally('aes_cbc_pkcs5').report()

      it(`reads ${items.length} vectors (${valid.length} valid, ${invalid.length} invalid), AES-128/192/256`, () => {
        assert.equal(valid.length + invalid.length, items.length, 'unexpected "acceptable" vectors')
        assert.ok(valid.some((i) => i.group.keySize === 256) && invalid.some((i) => i.group.keySize === 256))
      })

      it(`valid (${valid.length}): decrypts to msg`, () => {
        checkEach(valid, ({ test: t }) => {
          const r = attempt(() => native.primitives.aesCbcDecrypt(hex(t.key), hex(t.iv), hex(t.ct)))
          assert.equal(r.error, undefined, `threw: ${String(r.error)}`)
          assert.ok(r.value, 'returned null for a valid vector')
          assert.equal(r.value.toString('hex'), t.msg)
        })
        tally.add('valid passed', valid.length)
      })

      it(`invalid (${invalid.length}): null, never a thrown error (no padding oracle in the outcome)`, () => {
        checkEach(invalid, ({ test: t }) => {
          const r = attempt(() => native.primitives.aesCbcDecrypt(hex(t.key), hex(t.iv), hex(t.ct)))
          assert.strictEqual(r.error, undefined, `threw ${String(r.error)}`)
          assert.strictEqual(r.value, null)
        })
        tally.add('invalid rejected (null)', invalid.length)
      })

      it('a wrong key size or IV size is an argument error, not a decryption failure', () => {
        assert.throws(() => native.primitives.aesCbcDecrypt(Buffer.alloc(20), Buffer.alloc(16), Buffer.alloc(16)), /AES keys/)
        assert.throws(() => native.primitives.aesCbcDecrypt(Buffer.alloc(32), Buffer.alloc(8), Buffer.alloc(16)), /IV/)
      })
    })
  })

  describe('rsa_oaep_2048_sha1_mgf1sha1_test.json through native pyfilesecUnwrap', () => {
    withVectors<OaepGroup>(dir, 'rsa_oaep_2048_sha1_mgf1sha1_test.json', (file) => {
      const items = allTests(file)
      const emptyLabel = items.filter((i) => i.test.result === 'valid' && i.test.label === '')
      const rest = items.filter((i) => !(i.test.result === 'valid' && i.test.label === ''))
      const tally = new Tally('rsa_oaep_sha1 unwrap').report()

      it(`reads ${items.length} vectors: RSA-2048, SHA-1 / MGF1-SHA-1`, () => {
        assert.ok(emptyLabel.length > 0 && rest.length > 0)
        for (const { group } of items) {
          assert.equal(group.keySize, 2048)
          assert.equal(group.sha, 'SHA-1')
          assert.equal(group.mgfSha, 'SHA-1')
        }
      })

      it(`valid with an empty label (${emptyLabel.length}): unwraps to msg`, () => {
        checkEach(emptyLabel, ({ group, test: t }) => {
          const r = attempt(() => native.primitives.pyfilesecUnwrap(hex(group.privateKeyPkcs8), hex(t.ct)))
          assert.equal(r.error, undefined, `threw: ${String(r.error)}`)
          assert.equal(r.value?.toString('hex'), t.msg)
        })
        tally.add('valid passed', emptyLabel.length)
      })

      it(`invalid, or made with a label (${rest.length}): null, all alike`, () => {
        checkEach(rest, ({ group, test: t }) => {
          const r = attempt(() => native.primitives.pyfilesecUnwrap(hex(group.privateKeyPkcs8), hex(t.ct)))
          assert.strictEqual(r.error, undefined, `threw ${String(r.error)}`)
          assert.strictEqual(r.value, null)
        })
        tally.add('rejected (null)', rest.length)
      })
    })
  })
})

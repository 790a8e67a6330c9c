// X25519 conformance (x25519_test.json) through native.primitives.x25519, the key agreement of
// the age-style X25519 recipient stanzas (the private key goes through the production raw-key
// wrapper, the peer share through OpenSSL).
//
// Policy for the 254 "acceptable" vectors, decided per flag:
// - ZeroSharedSecret (LowOrderPublic / SmallPublicKey points, with or without Twist or
//   NonCanonicalPublic, whose result is the all-zero string): REJECTED. age requires refusing
//   an all-zero shared secret (a low-order share would make the wrapped key independent of the
//   recipient's key), so x25519() must return null for every one of them. The same holds for
//   any vector whose expected `shared` is all zero, whatever its flags.
// - Twist, NonCanonicalPublic, SpecialPublicKey, EdgeCaseShared, EdgeCaseMultiplication, Ktv
//   (without ZeroSharedSecret): ACCEPTED, computed as OpenSSL does (RFC 7748: the top bit of the
//   share is masked, non-canonical u-coordinates are reduced mod p, points on the twist are
//   multiplied like any other). The result must equal `shared` (which is non-zero for all of them).
// - valid vectors: must equal `shared`.
// Anything else (a new flag, an acceptable vector with a non-zero result that is neither of the
// above) fails the suite until a policy is chosen for it.
import { strict as assert } from 'node:assert'

import native = require('../../binding')
import { describeWithVectors } from '../helpers'
import { Tally, WycheproofGroup, WycheproofTest, allTests, checkEach, hex, withVectors } from './wycheproof'

interface XdhTest extends WycheproofTest {
  public: string
  private: string
  shared: string
}
interface XdhGroup extends WycheproofGroup<XdhTest> {
  curve: string
}

/** Flags whose acceptable vectors are computed and must match `shared`. */
const ACCEPTED_FLAGS = new Set(['Twist', 'NonCanonicalPublic', 'SpecialPublicKey', 'EdgeCaseShared', 'EdgeCaseMultiplication', 'Ktv'])
/** Flags that only describe the public key; on their own they decide nothing. */
const DESCRIPTIVE_FLAGS = new Set(['LowOrderPublic', 'SmallPublicKey'])

const isZero = (s: string): boolean => /^(00)+$/.test(s)

describeWithVectors('X25519 vectors, native x25519', 'wycheproof', (dir) => {
  withVectors<XdhGroup>(dir, 'x25519_test.json', (file) => {
    const items = allTests(file)
    const valid = items.filter((i) => i.test.result === 'valid')
    const zero = items.filter((i) => i.test.result === 'acceptable' && i.test.flags.includes('ZeroSharedSecret'))
    const accepted = items.filter((i) => i.test.result === 'acceptable' && !i.test.flags.includes('ZeroSharedSecret'))
    const tally = new Tally('x25519_test.json').report()

    it(`reads ${items.length} vectors: ${valid.length} valid, ${zero.length} acceptable with a zero shared secret, ${accepted.length} other acceptable`, () => {
      assert.equal(valid.length + zero.length + accepted.length, items.length, 'invalid vectors appeared: they need a policy')
      for (const { group } of items) assert.equal(group.curve, 'curve25519')
      // The all-zero results are exactly the ZeroSharedSecret vectors (so the policy covers them).
      assert.deepEqual(
        items.filter((i) => isZero(i.test.shared)).map((i) => i.test.tcId),
        zero.map((i) => i.test.tcId),
      )
      // Every other acceptable vector carries a flag of the accepted list.
      for (const { test } of accepted) {
        const unknown = test.flags.filter((f) => !ACCEPTED_FLAGS.has(f) && !DESCRIPTIVE_FLAGS.has(f))
        assert.deepEqual(unknown, [], `tcId ${test.tcId}: flags without a policy`)
        assert.ok(test.flags.some((f) => ACCEPTED_FLAGS.has(f)), `tcId ${test.tcId}: no flag of the accepted list`)
      }
    })

    it(`valid (${valid.length}): the shared secret equals \`shared\``, () => {
      checkEach(valid, ({ test: t }) => {
        const out = native.primitives.x25519(hex(t.private), hex(t.public))
        assert.ok(out !== null, 'returned null')
        assert.equal(out.toString('hex'), t.shared)
      })
      tally.add('valid passed', valid.length)
    })

    it(`acceptable, zero shared secret (${zero.length}): rejected with null`, () => {
      checkEach(zero, ({ test: t }) => {
        assert.strictEqual(native.primitives.x25519(hex(t.private), hex(t.public)), null)
      })
      tally.add('acceptable zero-secret rejected (null)', zero.length)
    })

    it(`acceptable, non-zero shared secret (${accepted.length}: Twist, NonCanonicalPublic, …): computed as OpenSSL does, equals \`shared\``, () => {
      checkEach(accepted, ({ test: t }) => {
        const out = native.primitives.x25519(hex(t.private), hex(t.public))
        assert.ok(out !== null, 'returned null for a non-zero shared secret')
        assert.equal(out.toString('hex'), t.shared)
      })
      tally.add('acceptable computed and matched', accepted.length)
    })

    it('a peer share that is not 32 bytes never yields a secret (null or FSEC_INVALID_ARGUMENT)', () => {
      const { test: t } = valid[0]
      const pub = hex(t.public)
      for (const bad of [pub.subarray(0, 31), Buffer.concat([pub, Buffer.from([0])]), Buffer.alloc(0)]) {
        let out: Buffer | null = null
        try {
          out = native.primitives.x25519(hex(t.private), bad)
        } catch (err) {
          assert.equal((err as { code?: unknown }).code, 'FSEC_INVALID_ARGUMENT', `${bad.length}-byte share: ${String(err)}`)
        }
        assert.strictEqual(out, null, `${bad.length}-byte share gave a secret`)
      }
    })
  })
})

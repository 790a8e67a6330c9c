// Ed25519 conformance (ed25519_test.json) through native.primitives.ed25519Verify: the public key
// (publicKeyDer) goes through the production key parser, the signature through the same
// sig::ed25519_verify that checks minisign signatures. Valid vectors verify; every invalid one
// (malleable S, non-canonical R, truncated or padded signatures, edge-case values) is false,
// never an error. There are no "acceptable" vectors in this file; the suite fails if some appear.
//
// The vectors also check the other way keys arrive: the raw 32-byte key in a minisign public key
// line and the PEM form must give the very key the DER form gives.
import { strict as assert } from 'node:assert'

import native = require('../../binding')
import { describeWithVectors } from '../helpers'
import { Tally, WycheproofGroup, WycheproofTest, allTests, checkEach, hex, withVectors } from './wycheproof'

interface EddsaTest extends WycheproofTest {
  msg: string
  sig: string
}
interface EddsaGroup extends WycheproofGroup<EddsaTest> {
  publicKey: { curve: string; keySize: number; pk: string }
  publicKeyDer: string
  publicKeyPem: string
}

/** Calls ed25519Verify and records a thrown error instead of propagating it. */
function attempt(der: Buffer, msg: Buffer, sig: Buffer): { value?: boolean; error?: unknown } {
  try {
    return { value: native.primitives.ed25519Verify(der, msg, sig) }
  } catch (error) {
    return { error }
  }
}

/** A minisign public key line for a raw key: base64("Ed" ‖ key id ‖ key). */
function minisignLine(pk: Buffer, keyId: Buffer): string {
  return Buffer.concat([Buffer.from('Ed'), keyId, pk]).toString('base64')
}

describeWithVectors('Ed25519 vectors, native ed25519Verify', 'wycheproof', (dir) => {
  withVectors<EddsaGroup>(dir, 'ed25519_test.json', (file) => {
    const items = allTests(file)
    const valid = items.filter((i) => i.test.result === 'valid')
    const invalid = items.filter((i) => i.test.result === 'invalid')
    const tally = new Tally('ed25519_test.json').report()

    it(`reads ${items.length} vectors: ${valid.length} valid, ${invalid.length} invalid, no acceptable ones`, () => {
      assert.equal(valid.length + invalid.length, items.length, '"acceptable" vectors appeared: they need a policy')
      assert.ok(valid.length > 0 && invalid.length > 0)
      for (const { group } of items) {
        assert.equal(group.publicKey.curve, 'edwards25519')
        assert.equal(group.publicKey.pk.length, 64)
      }
    })

    it(`valid (${valid.length}): true`, () => {
      checkEach(valid, ({ group, test: t }) => {
        const r = attempt(hex(group.publicKeyDer), hex(t.msg), hex(t.sig))
        assert.equal(r.error, undefined, `threw: ${String(r.error)}`)
        assert.strictEqual(r.value, true)
      })
      tally.add('valid passed', valid.length)
    })

    it(`invalid (${invalid.length}: malleability, bad encodings, truncated, with garbage, …): false, never an error`, () => {
      checkEach(invalid, ({ group, test: t }) => {
        const r = attempt(hex(group.publicKeyDer), hex(t.msg), hex(t.sig))
        assert.equal(r.error, undefined, `threw: ${String(r.error)}`)
        assert.strictEqual(r.value, false, `accepted (${t.flags.join(',')})`)
      })
      tally.add('invalid rejected (false)', invalid.length)
    })

    it('valid signatures fail for a changed message, a changed signature bit, or another key', () => {
      const keys = [...new Set(items.map((i) => i.group.publicKeyDer))]
      assert.ok(keys.length > 1, 'the file has several keys')
      let derived = 0
      checkEach(valid, ({ group, test: t }) => {
        const der = hex(group.publicKeyDer)
        const msg = hex(t.msg)
        const sig = hex(t.sig)
        const longer = Buffer.concat([msg, Buffer.from([0])])
        assert.strictEqual(native.primitives.ed25519Verify(der, longer, sig), false, 'message with an extra byte')
        if (msg.length > 0) {
          const flipped = Buffer.from(msg)
          flipped[0] ^= 0x01
          assert.strictEqual(native.primitives.ed25519Verify(der, flipped, sig), false, 'message with a flipped bit')
        }
        for (const at of [0, 31, 32, 63]) {
          const bad = Buffer.from(sig)
          bad[at] ^= 0x80
          assert.strictEqual(native.primitives.ed25519Verify(der, msg, bad), false, `signature bit flipped at byte ${at}`)
        }
        const other = keys.find((k) => k !== group.publicKeyDer)!
        assert.strictEqual(native.primitives.ed25519Verify(hex(other), msg, sig), false, 'another key')
        derived += 6
      })
      tally.add('derived failures rejected (false)', derived)
    })

    it('every group key read from a minisign public key line or from PEM is the key its DER names', async () => {
      const groups = [...new Map(items.map((i) => [i.group.publicKeyDer, i.group])).values()]
      for (const [n, group] of groups.entries()) {
        const keyId = Buffer.from([n, 1, 2, 3, 4, 5, 6, 7])
        const [fromMinisign] = await native.parseKeys(Buffer.from(minisignLine(hex(group.publicKey.pk), keyId)), null, 2048, 22)
        const [fromPem] = await native.parseKeys(Buffer.from(group.publicKeyPem), null, 2048, 22)
        for (const key of [fromMinisign!, fromPem!]) {
          assert.equal(key.kind, 'ed25519')
          assert.equal(key.isPrivate, false)
          assert.equal(key.spki().toString('hex'), group.publicKeyDer)
        }
        // A minisign key keeps its id (minisign prints it as a little-endian number).
        assert.equal(fromMinisign!.keyId, Buffer.from(keyId).reverse().toString('hex').toUpperCase())
      }
      tally.add('group keys read three ways', groups.length)
    })
  })
})

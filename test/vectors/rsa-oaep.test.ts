// RSA-OAEP decryption conformance through native.primitives.rsaOaepDecrypt: the private key
// (privateKeyPkcs8, DER) goes through the production key parser, then OAEP decryption with the
// named label digest and MGF1 digest. Valid vectors decrypt to msg; invalid ones return null.
// Padding-oracle hygiene: every failure must look the same to the caller (null, never a thrown
// error, never a different value), whether the padding, the ciphertext size or the label is bad.
//
// Files: SHA-256 with MGF1-SHA-256 (the .fsec RSA stanza), SHA-256 with MGF1-SHA-1, and SHA-1
// with MGF1-SHA-1 (what `openssl rsautl -oaep` produced for legacy pyFileSec archives).
import { strict as assert } from 'node:assert'

import native = require('../../binding')
import { describeWithVectors } from '../helpers'
import { Tally, WycheproofGroup, WycheproofTest, allTests, checkEach, hex, withVectors } from './wycheproof'

interface OaepTest extends WycheproofTest {
  msg: string
  ct: string
  label: string
}
interface OaepGroup extends WycheproofGroup<OaepTest> {
  keySize: number
  sha: string
  mgf: string
  mgfSha: string
  privateKeyPkcs8: string
}

const FILES: Array<[file: string, bits: number, digest: string, mgf1: string]> = [
  ['rsa_oaep_2048_sha256_mgf1sha256_test.json', 2048, 'SHA256', 'SHA256'],
  ['rsa_oaep_4096_sha256_mgf1sha256_test.json', 4096, 'SHA256', 'SHA256'],
  ['rsa_oaep_2048_sha256_mgf1sha1_test.json', 2048, 'SHA256', 'SHA1'],
  ['rsa_oaep_4096_sha256_mgf1sha1_test.json', 4096, 'SHA256', 'SHA1'],
  ['rsa_oaep_2048_sha1_mgf1sha1_test.json', 2048, 'SHA1', 'SHA1'],
]

/** Wycheproof digest names ("SHA-256") as OpenSSL names ("SHA256"). */
const opensslName = (s: string): string => s.replace('-', '')

/** Calls rsaOaepDecrypt and describes the outcome: a thrown error is recorded, not propagated. */
function attempt(der: Buffer, digest: string, mgf1: string, label: Buffer, ct: Buffer): { value?: Buffer | null; error?: unknown } {
  try {
    return { value: native.primitives.rsaOaepDecrypt(der, digest, mgf1, label, ct) }
  } catch (error) {
    return { error }
  }
}

describeWithVectors('RSA-OAEP vectors, native rsaOaepDecrypt', 'wycheproof', (dir) => {
  for (const [name, bits, digest, mgf1] of FILES) {
    describe(name, () => {
      withVectors<OaepGroup>(dir, name, (file) => {
        const items = allTests(file)
        const valid = items.filter((i) => i.test.result === 'valid')
        const invalid = items.filter((i) => i.test.result === 'invalid')
        const tally = new Tally(name).report()

        it(`reads ${items.length} vectors (${valid.length} valid, ${invalid.length} invalid) for RSA-${bits}, ${digest} / MGF1-${mgf1}`, () => {
          assert.equal(valid.length + invalid.length, items.length, 'unexpected "acceptable" vectors')
          assert.ok(valid.length > 0 && invalid.length > 0)
          for (const { group } of items) {
            assert.equal(group.keySize, bits)
            assert.equal(group.mgf, 'MGF1')
            assert.equal(opensslName(group.sha), digest)
            assert.equal(opensslName(group.mgfSha), mgf1)
          }
        })

        it(`valid (${valid.length}): decrypts to msg`, () => {
          checkEach(valid, ({ group, test: t }) => {
            const r = attempt(hex(group.privateKeyPkcs8), digest, mgf1, hex(t.label), hex(t.ct))
            assert.equal(r.error, undefined, `threw: ${String(r.error)}`)
            assert.ok(r.value, 'returned null for a valid vector')
            assert.equal(r.value.toString('hex'), t.msg)
          })
          tally.add('valid passed', valid.length)
        })

        it(`invalid (${invalid.length}): null, and indistinguishable from each other and from a wrong label or digest`, () => {
          // Failures derived from valid vectors: a changed label, the other label digest, a
          // ciphertext with a flipped bit, a ciphertext one byte short, an all-zero ciphertext.
          const derived: Array<{ test: OaepTest; group: OaepGroup; label: Buffer; ct: Buffer; digest: string; why: string }> = []
          for (const { group, test } of valid) {
            const label = hex(test.label)
            const ct = hex(test.ct)
            const flipped = Buffer.from(ct)
            flipped[flipped.length - 1] ^= 0x01
            derived.push(
              { group, test, label: Buffer.concat([label, Buffer.from([0])]), ct, digest, why: 'label with an extra byte' },
              { group, test, label, ct, digest: digest === 'SHA256' ? 'SHA1' : 'SHA256', why: 'other label digest' },
              { group, test, label, ct: flipped, digest, why: 'ciphertext with a flipped bit' },
              { group, test, label, ct: ct.subarray(1), digest, why: 'ciphertext one byte short' },
              { group, test, label, ct: Buffer.alloc(ct.length), digest, why: 'all-zero ciphertext' },
            )
          }
          const cases = [
            ...invalid.map(({ group, test }) => ({ group, test, label: hex(test.label), ct: hex(test.ct), digest, why: 'vector' })),
            ...derived,
          ]
          const outcomes = new Map<string, number>()
          checkEach(cases, ({ group, test: t, label, ct, digest: d, why }) => {
            const r = attempt(hex(group.privateKeyPkcs8), d, mgf1, label, ct)
            const seen = r.error !== undefined ? `threw ${String((r.error as { code?: unknown }).code)}` : r.value === null ? 'null' : 'a value'
            outcomes.set(seen, (outcomes.get(seen) ?? 0) + 1)
            assert.strictEqual(r.error, undefined, `${why}: threw ${String(r.error)} instead of returning null`)
            assert.strictEqual(r.value, null, `${why}: returned ${seen} (${t.flags.join(',')})`)
          })
          // Every failure, whatever its cause, produced one and the same outcome.
          assert.deepEqual([...outcomes.keys()], ['null'])
          tally.add('invalid rejected (null)', invalid.length)
          tally.add('derived failures rejected (null)', derived.length)
        })

        it('a failed decryption leaves nothing behind: the next valid decryption still works', () => {
          const { group, test } = valid[0]
          const der = hex(group.privateKeyPkcs8)
          for (const { test: bad } of invalid) {
            assert.strictEqual(native.primitives.rsaOaepDecrypt(der, digest, mgf1, hex(bad.label), hex(bad.ct)), null)
            const ok = native.primitives.rsaOaepDecrypt(der, digest, mgf1, hex(test.label), hex(test.ct))
            assert.equal(ok?.toString('hex'), test.msg, `after invalid tcId ${bad.tcId}`)
          }
        })
      })
    })
  }
})

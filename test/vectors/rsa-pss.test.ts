// RSASSA-PSS conformance (SHA-256, MGF1-SHA-256, 32-byte salt; RSA-2048 and RSA-4096) through
// native.primitives.rsaPssVerify: the key (publicKeyDer) goes through the production key parser,
// the message is hashed, and the digest is verified by sig::rsa_pss_verify_digest, the code path
// of filesec's RSA file signatures. Valid vectors verify (salts of all zeros or all ones included);
// invalid ones, the PKCS#1 v1.5 signature among them, are false, never an error.
//
// The same vectors then go end to end: each message as a file, each signature in a filesec
// signature file, through verifyFile.
import { strict as assert } from 'node:assert'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import native = require('../../binding')
import { loadKey, SignatureError, verifyFile } from '../../lib'
import { formatRsaSignature } from '../../lib/rsa-signature'
import { describeWithVectors, rejectsWith, scratchDir } from '../helpers'
import { Tally, WycheproofGroup, WycheproofTest, allTests, checkEach, checkEachAsync, hex, withVectors } from './wycheproof'

interface PssTest extends WycheproofTest {
  msg: string
  sig: string
}
interface PssGroup extends WycheproofGroup<PssTest> {
  keySize: number
  sha: string
  mgf: string
  mgfSha: string
  sLen: number
  publicKeyDer: string
  publicKeyPem: string
}

const FILES: Array<[file: string, bits: number]> = [
  ['rsa_pss_2048_sha256_mgf1_32_test.json', 2048],
  ['rsa_pss_4096_sha256_mgf1_32_test.json', 4096],
]

function attempt(der: Buffer, saltLength: number, msg: Buffer, sig: Buffer, digest = 'SHA256'): { value?: boolean; error?: unknown } {
  try {
    return { value: native.primitives.rsaPssVerify(der, digest, 'SHA256', saltLength, msg, sig) }
  } catch (error) {
    return { error }
  }
}

describeWithVectors('RSA-PSS vectors, native rsaPssVerify', 'wycheproof', (dir) => {
  const scratch = scratchDir('filesec-rsa-pss-')
  for (const [name, bits] of FILES) {
    describe(name, () => {
      withVectors<PssGroup>(dir, name, (file) => {
        const items = allTests(file)
        const valid = items.filter((i) => i.test.result === 'valid')
        const invalid = items.filter((i) => i.test.result === 'invalid')
        const tally = new Tally(name).report()

        it(`reads ${items.length} vectors (${valid.length} valid, ${invalid.length} invalid) for RSA-${bits}, SHA-256 / MGF1-SHA-256, salt 32`, () => {
          assert.equal(valid.length + invalid.length, items.length, '"acceptable" vectors appeared: they need a policy')
          assert.ok(valid.length > 0 && invalid.length > 0)
          for (const { group } of items) {
            assert.equal(group.keySize, bits)
            assert.equal(group.sha, 'SHA-256')
            assert.equal(group.mgf, 'MGF1')
            assert.equal(group.mgfSha, 'SHA-256')
            assert.equal(group.sLen, 32)
          }
        })

        it(`valid (${valid.length}): true`, () => {
          checkEach(valid, ({ group, test: t }) => {
            const r = attempt(hex(group.publicKeyDer), group.sLen, hex(t.msg), hex(t.sig))
            assert.equal(r.error, undefined, `threw: ${String(r.error)}`)
            assert.strictEqual(r.value, true)
          })
          tally.add('valid passed', valid.length)
        })

        it(`invalid (${invalid.length}, the PKCS#1 v1.5 signature included): false, never an error`, () => {
          assert.ok(invalid.some((i) => i.test.flags.includes('WrongPrimitive')), 'the PKCS#1 v1.5 vector is there')
          checkEach(invalid, ({ group, test: t }) => {
            const r = attempt(hex(group.publicKeyDer), group.sLen, hex(t.msg), hex(t.sig))
            assert.equal(r.error, undefined, `threw: ${String(r.error)}`)
            assert.strictEqual(r.value, false, `accepted (${t.flags.join(',')})`)
          })
          tally.add('invalid rejected (false)', invalid.length)
        })

        it('valid signatures fail for another message, another salt length, another digest, or a signature of the wrong size', () => {
          let derived = 0
          checkEach(valid, ({ group, test: t }) => {
            const der = hex(group.publicKeyDer)
            const msg = hex(t.msg)
            const sig = hex(t.sig)
            const cases: Array<[string, ReturnType<typeof attempt>]> = [
              ['message with an extra byte', attempt(der, 32, Buffer.concat([msg, Buffer.from([0])]), sig)],
              ['salt length 20', attempt(der, 20, msg, sig)],
              ['salt length 0', attempt(der, 0, msg, sig)],
              ['SHA-384 as the digest', attempt(der, 32, msg, sig, 'SHA384')],
              ['signature one byte short', attempt(der, 32, msg, sig.subarray(1))],
              ['signature with a byte appended', attempt(der, 32, msg, Buffer.concat([sig, Buffer.from([0])]))],
            ]
            for (const [why, r] of cases) {
              assert.equal(r.error, undefined, `${why}: threw ${String(r.error)}`)
              assert.strictEqual(r.value, false, why)
            }
            derived += cases.length
          })
          tally.add('derived failures rejected (false)', derived)
        })

        it('end to end: every vector as a file and a filesec signature file, through verifyFile (an empty signature is malformed)', async () => {
          const key = await loadKey({ text: items[0]!.group.publicKeyPem })
          assert.equal(key.bits, bits)
          const empty = items.filter((i) => i.test.sig === '')
          assert.equal(empty.length, 1, 'the file has one empty signature')
          await checkEachAsync(items, async ({ test: t }) => {
            const path = join(scratch(), `${bits}-${t.tcId}.msg`)
            writeFileSync(path, hex(t.msg))
            const signature = formatRsaSignature(key.fingerprint, hex(t.sig))
            if (t.sig === '') {
              await rejectsWith(verifyFile(path, { key, signature }), SignatureError, 'FSEC_SIGNATURE_INVALID')
              return
            }
            assert.equal(await verifyFile(path, { key, signature }), t.result === 'valid')
          })
          tally.add('verified end to end', items.length - empty.length)
          tally.add('empty signature refused as malformed', empty.length)
        })
      })
    })
  }
})

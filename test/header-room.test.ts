// The reserved space of a .fsec header (stanza type 255, docs/FORMAT.md section 2.1): new
// headers are rounded up to a multiple of 1024 bytes with it, readers skip it, and it never
// counts as a recipient or as an unsupported stanza.
import { strict as assert } from 'node:assert'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  decryptFile,
  encryptFile,
  generateKeyPair,
  HeaderError,
  inspect,
  type KeyPair,
  NoMatchingRecipientError,
} from '../lib'
import native = require('../binding')
import { layoutOf } from './fsec-layout'
import { rejectsWith, scratchDir } from './helpers'

describe('header room: reserved space rounds new headers up to 1024 bytes', function () {
  this.timeout(60_000)
  const dir = scratchDir('filesec-room-')
  const f = (name: string): string => join(dir(), name)
  let x: KeyPair
  let y: KeyPair
  let rsa: KeyPair[]

  before(async () => {
    x = await generateKeyPair('x25519')
    y = await generateKeyPair('x25519')
    rsa = await Promise.all([0, 1, 2, 3].map(() => generateKeyPair('rsa', { bits: 2048 })))
    writeFileSync(f('data'), 'some bytes\n')
  })

  /** The header size a writer would pick for this layout: the 1024 rule of FORMAT.md. */
  function expectedSize(layout: ReturnType<typeof layoutOf>): number {
    const reserved = layout.stanzas.at(-1)!
    assert.equal(reserved.type, 255, 'the reserved space is the last stanza')
    const withoutRoom = layout.headerSize - (reserved.end - reserved.start)
    return Math.ceil((withoutRoom + 3 + 512) / 1024) * 1024
  }

  const shapes: [string, () => KeyPair[]][] = [
    ['one X25519 recipient', () => [x]],
    ['X25519 and RSA-2048', () => [x, rsa[0]!]],
    ['four RSA-2048 and two X25519 (more than 1 KiB of stanzas)', () => [...rsa, x, y]],
  ]
  for (const [label, keys] of shapes) {
    it(`${label}: H is the smallest multiple of 1024 that holds the header and at least 512 bytes of room`, async () => {
      const out = f(`${label.length}.fsec`)
      await encryptFile(f('data'), { keep: true, to: keys().map((k) => k.publicKey), output: out })
      const file = readFileSync(out)
      const layout = layoutOf(file)
      assert.equal(layout.headerSize % 1024, 0)
      assert.equal(layout.headerSize, expectedSize(layout))
      const reserved = layout.fields.find((fl) => fl.name.endsWith('reserved space'))!
      assert.ok(file.subarray(reserved.start, reserved.end).equals(Buffer.alloc(reserved.end - reserved.start)), 'zeros')
      assert.ok(reserved.end - reserved.start >= 512 && reserved.end - reserved.start < 512 + 1024)
      // Readers skip it: every recipient decrypts, inspect lists only the recipients.
      for (const k of keys()) {
        const o = `${out}.${k.publicKey.fingerprint.slice(0, 8)}`
        await decryptFile(out, { identity: k.privateKey, output: o })
        assert.equal(readFileSync(o, 'utf8'), 'some bytes\n')
      }
      const info = await inspect(out)
      assert.deepEqual(
        info.recipients.map((r) => r.fingerprint),
        keys().map((k) => k.publicKey.fingerprint),
      )
      assert.equal(info.headerSize, layout.headerSize)
    })
  }

  it('a passphrase header gets no reserved space (a scrypt stanza must be alone)', async () => {
    await encryptFile(f('data'), { keep: true, passphrase: 'pw', workFactor: 10, output: f('pass.fsec') })
    const layout = layoutOf(readFileSync(f('pass.fsec')))
    assert.deepEqual(layout.stanzas.map((s) => s.type), [3])
    assert.notEqual(layout.headerSize % 1024, 0)
    assert.deepEqual((await inspect(f('pass.fsec'))).recipients.map((r) => r.type), ['scrypt'])
  })

  it('a wrong identity is still "no matching recipient", not an unsupported stanza type', async () => {
    await encryptFile(f('data'), { keep: true, to: x.publicKey, output: f('x.fsec') })
    const e = await rejectsWith(
      decryptFile(f('x.fsec'), { identity: y.privateKey, output: f('never') }),
      NoMatchingRecipientError,
      'FSEC_NO_MATCHING_RECIPIENT',
    )
    assert.match(e.message, new RegExp(x.publicKey.fingerprint.slice(0, 16)))
  })

  it('a header whose only stanzas are reserved space is malformed', async () => {
    await encryptFile(f('data'), { keep: true, to: x.publicKey, output: f('only-room.fsec') })
    const bytes = readFileSync(f('only-room.fsec'))
    const layout = layoutOf(bytes)
    bytes[layout.stanzas[0]!.start] = 255 // the X25519 stanza becomes reserved space
    writeFileSync(f('only-room.fsec'), bytes)
    const e = await rejectsWith(
      decryptFile(f('only-room.fsec'), { identity: x.privateKey, output: f('never') }),
      HeaderError,
      'FSEC_HEADER_INVALID',
    )
    assert.match(e.message, /no recipient/)
    assert.throws(() => native.fsec.parse(bytes.subarray(0, layout.headerSize)), { code: 'FSEC_HEADER_INVALID' })
  })

  it('files without reserved space (format v1 fixtures written before the rule) still open', async () => {
    const fixture = join(__dirname, 'fixtures', 'v1', 'hello-x25519.txt.fsec')
    const layout = layoutOf(readFileSync(fixture))
    assert.ok(layout.stanzas.every((s) => s.type !== 255))
    await decryptFile(fixture, { identity: join(__dirname, 'fixtures', 'v1', 'x25519-identity.txt'), output: f('fixture.out') })
    assert.ok(readFileSync(f('fixture.out')).length > 0)
  })
})

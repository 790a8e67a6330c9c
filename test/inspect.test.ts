// inspect: the public header without a key; the authenticated metadata with one.
import { strict as assert } from 'node:assert'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  ArgumentError,
  encryptFile,
  generateKeyPair,
  HeaderTamperedError,
  inspect,
  loadKey,
  NoMatchingRecipientError,
  rotateFile,
  WrongPassphraseError,
} from '../lib'
import { cliIn, expectStatus, json, keygenX25519 } from './cli/helpers'
import { ensureBuilt } from './cli/run'
import { corruptByte, rejectsWith, scratchDir } from './helpers'

describe('inspect', function () {
  this.timeout(60_000)
  const dir = scratchDir('filesec-inspect-')
  const p = (name: string): string => join(dir(), name)
  const cli = cliIn(dir)

  it('without a key: the public header only, no metadata', async () => {
    const { publicKey } = await generateKeyPair('x25519')
    writeFileSync(p('a.txt'), 'alpha')
    await encryptFile(p('a.txt'), { keep: true, to: publicKey, note: 'secret note' })
    const info = await inspect(p('a.txt.fsec'))
    assert.equal(info.metadata, undefined)
    assert.equal(info.recipients.length, 1)
    assert.equal(info.recipients[0]!.fingerprint, publicKey.fingerprint)
  })

  it('with the identity: the sealed metadata (name, size, note, padding)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('x25519')
    writeFileSync(p('b.txt'), 'bravo!')
    await encryptFile(p('b.txt'), { keep: true, to: publicKey, note: 'visit 3' })
    const info = await inspect(p('b.txt.fsec'), { identity: privateKey })
    assert.ok(info.metadata)
    assert.equal(info.metadata.name, 'b.txt')
    assert.equal(info.metadata.size, 6)
    assert.equal(info.metadata.note, 'visit 3')
    assert.equal(info.metadata.padding, 0)
    assert.equal(info.recipients[0]!.fingerprint, publicKey.fingerprint)
  })

  it('with the passphrase of a passphrase-encrypted file', async () => {
    writeFileSync(p('c.txt'), 'charlie')
    await encryptFile(p('c.txt'), { keep: true, passphrase: 'pw for c', workFactor: 10, storeName: false })
    const info = await inspect(p('c.txt.fsec'), { passphrase: 'pw for c' })
    assert.equal(info.passphrase, true)
    assert.equal(info.metadata?.name, undefined)
    assert.equal(info.metadata?.size, 7)
    await rejectsWith(inspect(p('c.txt.fsec'), { passphrase: 'wrong' }), WrongPassphraseError, 'FSEC_WRONG_PASSPHRASE')
  })

  it('a key that is not a recipient, a modified header and bad options are typed errors', async () => {
    const a = await generateKeyPair('x25519')
    const b = await generateKeyPair('x25519')
    writeFileSync(p('d.txt'), 'delta')
    await encryptFile(p('d.txt'), { keep: true, to: a.publicKey })
    await rejectsWith(inspect(p('d.txt.fsec'), { identity: b.privateKey }), NoMatchingRecipientError, 'FSEC_NO_MATCHING_RECIPIENT')
    await rejectsWith(inspect(p('d.txt.fsec'), { identity: a.privateKey, passphrase: 'x' }), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    await rejectsWith(inspect(p('d.txt.fsec'), { identity: a.privateKey, output: 'x' } as never), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    // The sealed metadata sits just before the 32-byte MAC: change its last byte.
    const info = await inspect(p('d.txt.fsec'))
    corruptByte(p('d.txt.fsec'), info.headerSize - 33)
    // Without a key the header still parses (the change is only visible with a key).
    assert.equal((await inspect(p('d.txt.fsec'))).metadata, undefined)
    await rejectsWith(inspect(p('d.txt.fsec'), { identity: a.privateKey }), HeaderTamperedError, 'FSEC_HEADER_TAMPERED')
  })

  it('CLI: inspect -i shows the metadata; --json carries it', async () => {
    ensureBuilt()
    const recipient = await keygenX25519(cli, 'id.key')
    writeFileSync(p('e.txt'), 'echo echo')
    expectStatus(await cli(['encrypt', '--keep', 'e.txt', '-r', recipient, '--note', 'cli note']), 0)
    const human = await cli(['inspect', 'e.txt.fsec', '-i', 'id.key'])
    expectStatus(human, 0)
    assert.match(human.stdout, /original name: e\.txt/)
    assert.match(human.stdout, /note: cli note/)
    const j = await cli(['inspect', 'e.txt.fsec', '-i', 'id.key', '--json'])
    expectStatus(j, 0)
    const parsed = json(j)
    assert.equal(parsed.metadata.name, 'e.txt')
    assert.equal(parsed.metadata.size, 9)
    const noKey = json(await cli(['inspect', 'e.txt.fsec', '--json']))
    assert.equal(noKey.metadata, undefined)
  })

  it('the rotation history: in the metadata and in the CLI human output', async () => {
    ensureBuilt()
    await keygenX25519(cli, 'rot.key')
    const first = await loadKey(p('rot.key'))
    const second = await generateKeyPair('x25519')
    writeFileSync(p('r.txt'), 'rotated')
    await encryptFile(p('r.txt'), { keep: true, to: first })
    await rotateFile(p('r.txt.fsec'), { identity: first, add: second.publicKey })
    const info = await inspect(p('r.txt.fsec'), { identity: second.privateKey })
    assert.equal(info.metadata?.rotations?.length, 1)
    assert.deepEqual(info.metadata?.rotations?.[0]?.to.sort(), [first.fingerprint, second.publicKey.fingerprint].sort())
    const human = await cli(['inspect', 'r.txt.fsec', '-i', 'rot.key'])
    expectStatus(human, 0)
    assert.match(human.stdout, /rotations: 1\n/)
    assert.match(human.stdout, new RegExp(`header only: ${first.fingerprint.slice(0, 16)} -> `))
  })
})


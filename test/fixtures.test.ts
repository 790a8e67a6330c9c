// Files written by an earlier filesec must keep opening: the format is fixed by these fixtures.
import { strict as assert } from 'node:assert'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { decryptFile, inspect, loadKey } from '../lib'
import { scratchDir } from './helpers'

const FIX = join(__dirname, 'fixtures', 'v1')
const HELLO = '52eeb618239063b8f52814cfb300ac69f4570f5f71784a5febb1a83950472f02'
const CHUNKS = '8f272ca6d96caedf3d860ff34ed21868f04ce18a2f41686f513c3c989146ca79'
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

describe('format v1 fixtures', () => {
  const dir = scratchDir()
  const x25519 = join(FIX, 'x25519-identity.txt')
  const rsa = join(FIX, 'rsa-2048-private.pem')
  const cases: [string, { identity: string } | { passphrase: string }, string][] = [
    ['hello-x25519.txt.fsec', { identity: x25519 }, HELLO],
    ['hello-rsa.txt.fsec', { identity: rsa }, HELLO],
    ['hello-passphrase.txt.fsec', { passphrase: 'filesec fixture' }, HELLO],
    ['chunks-two-recipients.bin.fsec', { identity: rsa }, CHUNKS],
    ['chunks-two-recipients.bin.fsec', { identity: x25519 }, CHUNKS],
    ['empty-x25519.bin.fsec', { identity: x25519 }, EMPTY],
  ]
  let n = 0
  for (const [file, how, hash] of cases) {
    it(`${file} opens with ${'identity' in how ? how.identity.split('/').pop() : 'its passphrase'}`, async () => {
      const out = join(dir(), `out${n++}`)
      const r = await decryptFile(join(FIX, file), { ...how, output: out })
      assert.equal(sha256(readFileSync(out)), hash)
      assert.equal(r.metadata.note, 'test fixture')
      assert.equal(r.metadata.mtime, '2026-01-02T03:04:05.000Z')
      assert.equal(r.metadata.name, file.replace(/\.fsec$/, ''))
    })
  }

  it('inspect lists the recipients by fingerprint without a key', async () => {
    const info = await inspect(join(FIX, 'chunks-two-recipients.bin.fsec'))
    const rsaKey = await loadKey(join(FIX, 'rsa-2048-public.pem'))
    const xKey = await loadKey(join(FIX, 'x25519-recipient.txt'))
    assert.deepEqual(
      info.recipients.map((r) => [r.type, r.fingerprint]),
      [
        ['rsa-oaep-sha256', rsaKey.fingerprint],
        ['x25519', xKey.fingerprint],
      ],
    )
    assert.equal(info.formatVersion, 1)
    assert.equal(info.fileSize, readFileSync(join(FIX, 'chunks-two-recipients.bin.fsec')).length)
  })
})

import { strict as assert } from 'node:assert'
import { readFileSync, writeFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'

import { decryptFile, encryptFile, generateKeyPair } from '../lib'
import { leftoverTempFiles, scratchDir } from './helpers'

describe('smoke: encrypt then decrypt a file', () => {
  const dir = scratchDir()

  it('round-trips 100 KiB for an X25519 recipient', async () => {
    const { publicKey, privateKey } = await generateKeyPair('x25519')
    const input = join(dir(), 'data.bin')
    const data = randomBytes(100 * 1024)
    writeFileSync(input, data)
    const enc = await encryptFile(input, { keep: true, to: publicKey })
    assert.equal(statSync(enc.output).mode & 0o777, 0o600)
    const out = join(dir(), 'back.bin')
    await decryptFile(enc.output, { identity: privateKey, output: out })
    assert.deepEqual(readFileSync(out), data)
    assert.deepEqual(leftoverTempFiles(dir()), [])
  })
})

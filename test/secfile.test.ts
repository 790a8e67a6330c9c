// SecFile: the one object that follows a file (plain → .fsec → plain) and reports on it.
import { strict as assert } from 'node:assert'
import { chmodSync, linkSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { FileError, FileNotFoundError, generateKeyPair, PaddingError, SecFile } from '../lib'
import { scratchDir } from './helpers'

describe('SecFile', function () {
  this.timeout(60_000)
  const dir = scratchDir('filesec-secfile-')
  const p = (name: string): string => join(dir(), name)

  it('§7.105/§7.130 permissions are read, never changed by merely selecting a file', () => {
    writeFileSync(p('perm.txt'), 'x')
    chmodSync(p('perm.txt'), 0o644)
    const f = new SecFile(p('perm.txt'))
    assert.equal(f.permissions, 0o644)
    chmodSync(p('perm.txt'), 0o600)
    assert.equal(f.permissions, 0o600)
  })

  it('§7.98 hardlinks counts every name of the file', () => {
    writeFileSync(p('links.txt'), 'x')
    const f = new SecFile(p('links.txt'))
    assert.equal(f.hardlinks, 1)
    linkSync(p('links.txt'), p('links-2.txt'))
    linkSync(p('links.txt'), p('links-3.txt'))
    assert.equal(f.hardlinks, 3)
  })

  it('§7.102/§7.107 a missing file or a folder is a typed error', () => {
    mkdirSync(p('folder'))
    const missing = new SecFile(p('nope.txt'))
    assert.throws(() => missing.size, (e: unknown) => e instanceof FileNotFoundError && e.code === 'FSEC_FILE_NOT_FOUND')
    assert.throws(() => missing.permissions, FileNotFoundError)
    const folder = new SecFile(p('folder'))
    assert.throws(() => folder.size, (e: unknown) => e instanceof FileError && e.code === 'FSEC_NOT_A_FILE')
    assert.throws(() => folder.hardlinks, (e: unknown) => e instanceof FileError && e.code === 'FSEC_NOT_A_FILE')
  })

  it('§7.108 metadata() needs a key and returns the note given at encryption', async () => {
    const { publicKey, privateKey } = await generateKeyPair('x25519')
    writeFileSync(p('meta.txt'), 'metadata')
    const f = new SecFile(p('meta.txt'))
    await f.encrypt({ to: publicKey, note: 'this is a note' })
    const m = await f.metadata({ identity: privateKey })
    assert.equal(m.note, 'this is a note')
    assert.equal(m.name, 'meta.txt')
    assert.equal(m.size, 8)
  })

  it('§7.120 pad, pad(-1), pad(0): pyFileSec special sizes; lastResult says what happened', async () => {
    const original = Buffer.from('a plain file to pad')
    writeFileSync(p('pad.txt'), original)
    const f = new SecFile(p('pad.txt'))
    await f.pad(1024)
    assert.equal(f.size, 1024)
    assert.deepEqual(f.lastResult, { path: p('pad.txt'), size: 1024, padding: 1024 - original.length })
    await f.pad(-1)
    assert.deepEqual(readFileSync(p('pad.txt')), original)
    await f.pad(0) // lenient: nothing to remove
    assert.deepEqual(f.lastResult, { path: p('pad.txt'), size: original.length, removed: 0 })
    await assert.rejects(f.pad(-1), (e: unknown) => e instanceof PaddingError && e.code === 'FSEC_PADDING')
    await assert.rejects(f.unpad(), PaddingError)
  })
})


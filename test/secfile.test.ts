// SecFile: the one object that follows a file (plain → .fsec → plain) and reports on it.
import { strict as assert } from 'node:assert'
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  type DestroyReport,
  FileError,
  FileNotFoundError,
  generateKeyPair,
  NoMatchingRecipientError,
  PaddingError,
  type RotateResult,
  SecFile,
  type SignResult,
} from '../lib'
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

  it('§7.108 metadata(): the public header without a key; with the key the note given at encryption', async () => {
    const { publicKey, privateKey } = await generateKeyPair('x25519')
    writeFileSync(p('meta.txt'), 'metadata')
    const f = new SecFile(p('meta.txt'))
    await f.encrypt({ to: publicKey, note: 'this is a note' })
    const header = await f.metadata()
    assert.equal(header.metadata, undefined)
    assert.equal(header.recipients[0]!.fingerprint, publicKey.fingerprint)
    const m = (await f.metadata({ identity: privateKey })).metadata!
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

  it('status(), isTracked(), syncService(): where the file lives (§7.104/§7.105)', async () => {
    writeFileSync(p('where.txt'), 'where')
    const f = new SecFile(p('where.txt'))
    const st = await f.status()
    assert.equal(st.path, p('where.txt'))
    assert.equal(st.size, 5)
    assert.equal(st.isEncrypted, false)
    assert.equal(st.hardlinks, 1)
    assert.equal(await f.isTracked(), false)
    assert.equal(await f.syncService(), null)
    mkdirSync(p('wc/.hg'), { recursive: true })
    writeFileSync(p('wc/in-hg.txt'), 'x')
    assert.equal(await new SecFile(p('wc/in-hg.txt')).isTracked(), true)
  })

  it('§7.96 destroy() removes the file and keeps the report as lastResult', async () => {
    writeFileSync(p('bye.txt'), 'goodbye')
    const f = new SecFile(p('bye.txt'))
    await f.destroy({ passes: 1 })
    const report = f.lastResult as DestroyReport
    assert.equal(report.disposition, 'destroyed')
    assert.equal(report.passes.length, 1)
    assert.equal(existsSync(p('bye.txt')), false)
  })

  it('rotate() keeps the path; the new recipient opens the file and the old one no longer does', async () => {
    const a = await generateKeyPair('x25519')
    const b = await generateKeyPair('x25519')
    writeFileSync(p('rot.txt'), 'rotate me')
    const f = new SecFile(p('rot.txt'))
    await f.encrypt({ to: a.publicKey })
    await f.rotate({ identity: a.privateKey, to: b.publicKey })
    assert.equal(f.path, p('rot.txt.fsec'))
    assert.equal((f.lastResult as RotateResult).rekeyed, false)
    await assert.rejects(f.metadata({ identity: a.privateKey }), NoMatchingRecipientError)
    const m = (await f.metadata({ identity: b.privateKey })).metadata!
    assert.equal(m.rotations?.length, 1)
    await f.decrypt({ identity: b.privateKey })
    assert.equal(readFileSync(f.path, 'utf8'), 'rotate me')
  })

  it('§7.22/§7.65 sign() then verify(): true for the file, false once it changes', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ed25519')
    writeFileSync(p('signed.txt'), 'signed content')
    const f = new SecFile(p('signed.txt'))
    await f.sign({ key: privateKey })
    const signed = f.lastResult as SignResult
    assert.equal(signed.output, p('signed.txt.minisig'))
    assert.equal(await f.verify({ key: publicKey, signature: { path: signed.output as string } }), true)
    writeFileSync(p('signed.txt'), 'signed content!')
    assert.equal(await f.verify({ key: publicKey, signature: { path: signed.output as string } }), false)
  })
})


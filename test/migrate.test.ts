// Migration of legacy pyFileSec archives to .fsec (migrateFile, `filesec migrate`), against the
// archives the original pyFileSec 0.2.14 wrote (../shared/vectors/pyfilesec, read in place; each
// test migrates a copy in a fresh scratch folder, because the output goes beside the archive).
import { strict as assert } from 'node:assert'
import { createHash, generateKeyPairSync } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  AbortError,
  ArgumentError,
  decryptFile,
  inspect,
  migrateFile,
  NoMatchingRecipientError,
  OutputExistsError,
  PayloadTamperedError,
} from '../lib'
import { describeWithVectors, rejectsWith, scratchDir } from './helpers'

interface ManifestCase {
  id: string
  dir: string
  archive_file: string
  decrypt_with: { private_key: string; passphrase_file: string }
  expected_output_name?: string
  expected_plaintext_sha256?: string
  expected_plaintext_size?: number
  metadata_member_json?: Record<string, Record<string, unknown>>
  pyfilesec_decrypt?: { output_sha256?: string }
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

describeWithVectors('migrate: pyFileSec archives to .fsec', 'pyfilesec', (vectors) => {
  const manifest = JSON.parse(readFileSync(join(vectors, 'manifest.json'), 'utf8')) as { cases: ManifestCase[] }
  const byId = (prefix: string): ManifestCase => manifest.cases.find((c) => c.id.startsWith(prefix))!
  const scratch = scratchDir('filesec-migrate-')
  let n = 0
  const freshDir = (): string => {
    const dir = join(scratch(), `d${n++}`)
    mkdirSync(dir)
    return dir
  }
  /** A fresh folder holding a copy of the case's archive; returns the copy's path. */
  const copyOf = (c: ManifestCase, dir = freshDir(), name = c.archive_file): string => {
    const to = join(dir, name)
    copyFileSync(join(vectors, c.dir, c.archive_file), to)
    return to
  }
  const keyOf = (c: ManifestCase) => ({
    identity: join(vectors, c.decrypt_with.private_key),
    identityPassphrase: { file: join(vectors, c.decrypt_with.passphrase_file) },
  })
  let recipient: { pub: string; priv: string }
  before(() => {
    const pair = generateKeyPairSync('x25519')
    recipient = {
      pub: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      priv: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    }
  })
  const only = (dir: string, names: string[]): void => {
    assert.deepEqual(readdirSync(dir).sort(), [...names].sort(), 'nothing else in the folder (no plaintext, no temporary file)')
  }

  for (const c of manifest.cases.filter((x) => x.expected_plaintext_sha256 !== undefined)) {
    it(`${c.id}: migrates to a .fsec that decrypts to the stated SHA-256, with name and history sealed`, async () => {
      const archive = copyOf(c)
      const dir = join(archive, '..')
      const r = await migrateFile(archive, { ...keyOf(c), to: recipient.pub })
      assert.equal(r.output, join(dir, `${c.expected_output_name}.fsec`))
      assert.equal(r.plaintextBytes, c.expected_plaintext_size)
      assert.equal(r.oldArchive, 'kept')
      assert.equal(statSync(r.output).mode & 0o777, 0o600)
      only(dir, [c.archive_file, `${c.expected_output_name}.fsec`])
      const recorded = Object.values(c.metadata_member_json!).at(-1)!['hash of cipher_text']
      assert.equal(r.integrity, recorded === undefined ? 'unverified' : 'checksum-ok')
      assert.deepEqual(r.history.map((e) => e.label), Object.keys(c.metadata_member_json!).sort())

      const info = await inspect(r.output, { identity: recipient.priv })
      assert.equal(info.codec, 'fsec')
      assert.equal(info.metadata?.name, c.expected_output_name)
      assert.equal(info.metadata?.size, c.expected_plaintext_size)
      const legacy = info.metadata?.legacy
      assert.equal(legacy?.format, 'pyfilesec')
      assert.equal(legacy?.integrity, r.integrity)
      assert.deepEqual(legacy?.history.map((e) => e.label), r.history.map((e) => e.label))
      assert.deepEqual(legacy?.history.map((e) => e.fields), r.history.map((e) => e.fields))

      const out = join(freshDir(), 'plain')
      const d = await decryptFile(r.output, { identity: recipient.priv, output: out })
      assert.equal(d.plaintextBytes, c.expected_plaintext_size)
      assert.equal(sha256(readFileSync(out)), c.expected_plaintext_sha256)
    })
  }

  it('c19 (MD5 era): migrated with the probed MD5 derivation', async () => {
    const c = byId('c19')
    const r = await migrateFile(copyOf(c), { ...keyOf(c), to: recipient.pub })
    assert.deepEqual(r.kdf, { digest: 'md5', chosenBy: 'probe', ambiguous: false })
  })

  it('a passphrase for the new file, padding, a note', async () => {
    const c = byId('c02')
    const r = await migrateFile(copyOf(c), { ...keyOf(c), passphrase: 'new pass', workFactor: 10, pad: 4096, note: 'moved' })
    const info = await inspect(r.output, { passphrase: 'new pass' })
    assert.equal(info.metadata?.size, 4096)
    assert.equal(info.metadata?.note, 'moved')
    const out = join(freshDir(), 'plain')
    await decryptFile(r.output, { passphrase: 'new pass', output: out })
    assert.equal(sha256(readFileSync(out)), c.expected_plaintext_sha256)
  })

  it('c16 (tampered ciphertext) is refused, nothing written; allowChecksumMismatch migrates it, reported', async () => {
    const c = byId('c16')
    const archive = copyOf(c)
    const dir = join(archive, '..')
    const e = await rejectsWith(migrateFile(archive, { ...keyOf(c), to: recipient.pub }), PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED')
    assert.match(e.message, /hash of cipher_text/)
    only(dir, [c.archive_file])
    const r = await migrateFile(archive, { ...keyOf(c), to: recipient.pub, allowChecksumMismatch: true })
    assert.equal(r.integrity, 'checksum-mismatch')
    assert.ok(r.warnings.some((w) => /may be corrupted/.test(w)))
    const info = await inspect(r.output, { identity: recipient.priv })
    assert.equal(info.metadata?.legacy?.integrity, 'checksum-mismatch')
    const out = join(freshDir(), 'plain')
    await decryptFile(r.output, { identity: recipient.priv, output: out })
    assert.equal(sha256(readFileSync(out)), c.pyfilesec_decrypt!.output_sha256)
  })

  it('c18 (changed wrapped password): a wrong-key error, nothing written', async () => {
    const c = byId('c18')
    const archive = copyOf(c)
    await rejectsWith(migrateFile(archive, { ...keyOf(c), to: recipient.pub }), NoMatchingRecipientError, 'FSEC_NO_MATCHING_RECIPIENT')
    only(join(archive, '..'), [c.archive_file])
  })

  it('another RSA key: a wrong-key error, nothing written, the archive kept even with destroyOld', async () => {
    const c = byId('c02')
    const archive = copyOf(c)
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' })
    await rejectsWith(
      migrateFile(archive, { identity: Buffer.from(other), to: recipient.pub, destroyOld: true }),
      NoMatchingRecipientError,
      'FSEC_NO_MATCHING_RECIPIENT',
    )
    only(join(archive, '..'), [c.archive_file])
  })

  it('destroyOld: the archive is destroyed only after the .fsec was written and verified', async () => {
    const c = byId('c04')
    const archive = copyOf(c)
    const r = await migrateFile(archive, { ...keyOf(c), to: recipient.pub, destroyOld: true, destroyPasses: 1 })
    assert.equal(r.oldArchive, 'destroyed')
    assert.equal(r.destroyReport?.disposition, 'destroyed')
    only(join(archive, '..'), [`${c.expected_output_name}.fsec`])
    const out = join(freshDir(), 'plain')
    await decryptFile(r.output, { identity: recipient.priv, output: out })
    assert.equal(sha256(readFileSync(out)), c.expected_plaintext_sha256)
  })

  it('an existing output is refused (the archive kept); overwrite replaces it; output and argument checks', async () => {
    const c = byId('c02')
    const archive = copyOf(c)
    const dir = join(archive, '..')
    writeFileSync(join(dir, 'hello.txt.fsec'), 'someone else')
    await rejectsWith(migrateFile(archive, { ...keyOf(c), to: recipient.pub, destroyOld: true }), OutputExistsError, 'FSEC_OUTPUT_EXISTS')
    assert.equal(readFileSync(join(dir, 'hello.txt.fsec'), 'utf8'), 'someone else')
    assert.ok(existsSync(archive))
    await migrateFile(archive, { ...keyOf(c), to: recipient.pub, overwrite: true })
    assert.equal((await inspect(join(dir, 'hello.txt.fsec'), { identity: recipient.priv })).metadata?.name, 'hello.txt')
    const r = await migrateFile(archive, { ...keyOf(c), to: recipient.pub, output: join(dir, 'x.fsec') })
    assert.equal(r.output, join(dir, 'x.fsec'))
    await rejectsWith(migrateFile(archive, { ...keyOf(c) } as never), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    await rejectsWith(migrateFile(archive, { to: recipient.pub } as never), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    await rejectsWith(
      migrateFile(archive, { ...keyOf(c), to: recipient.pub, destroyOld: true, durable: false }),
      ArgumentError,
      'FSEC_INVALID_ARGUMENT',
    )
  })

  it('abort leaves nothing but the archive', async () => {
    const c = byId('c04')
    const archive = copyOf(c)
    const dir = join(archive, '..')
    for (const after of ['check', 'migrate']) {
      const ac = new AbortController()
      const p = migrateFile(archive, {
        ...keyOf(c),
        to: recipient.pub,
        signal: ac.signal,
        onProgress: (pr) => {
          if (pr.phase === after && pr.done > 0) ac.abort()
        },
      })
      await rejectsWith(p, AbortError, 'FSEC_ABORTED')
      only(dir, [c.archive_file])
    }
    const ac = new AbortController()
    ac.abort()
    await rejectsWith(migrateFile(archive, { ...keyOf(c), to: recipient.pub, signal: ac.signal }), AbortError, 'FSEC_ABORTED')
    only(dir, [c.archive_file])
  })
})

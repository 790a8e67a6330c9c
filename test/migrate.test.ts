// Migration of legacy pyFileSec archives to .fsec (migrateFile, `filesec migrate`), against the
// archives the original pyFileSec 0.2.14 wrote (../shared/vectors/pyfilesec, read in place; each
// test migrates a copy in a fresh scratch folder, because the output goes beside the archive).
import { strict as assert } from 'node:assert'
import { createHash, generateKeyPairSync } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
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
  rotateFile,
  SecFile,
} from '../lib'
import { decodeMetadata, encodeWithLegacy, METADATA_MAX_BYTES } from '../lib/metadata'
import { expectStatus, json, jsonError, runCliSignalledWhen } from './cli/helpers'
import { ensureBuilt, ptyUnavailable, runCli, runCliOnPty } from './cli/run'
import { describeWithVectors, rejectsWith, scratchDir } from './helpers'
import { haveTool } from './tools'

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

  it('SecFile.migrate: path becomes the .fsec file, lastResult the MigrateResult', async () => {
    const c = byId('c02')
    const f = new SecFile(copyOf(c))
    await f.migrate({ ...keyOf(c), to: recipient.pub })
    assert.equal(f.path, join(f.path, '..', 'hello.txt.fsec'))
    assert.equal((f.lastResult as { oldArchive?: string }).oldArchive, 'kept')
    assert.ok(f.isEncrypted)
  })

  it('an HMAC key for an archive that records none: migrated, with a warning that it was not checked', async () => {
    const c = byId('c02')
    const r = await migrateFile(copyOf(c), { ...keyOf(c), to: recipient.pub, hmacKey: 'k' })
    assert.ok(r.warnings.some((w) => /records no HMAC/.test(w)))
    assert.equal(r.integrity, 'checksum-ok')
  })

  it('the legacy record survives a header rotation of the migrated file', async () => {
    const c = byId('c02')
    const r = await migrateFile(copyOf(c), { ...keyOf(c), to: recipient.pub })
    await rotateFile(r.output, { identity: recipient.priv, newPassphrase: 'rotated', workFactor: 10 })
    const info = await inspect(r.output, { passphrase: 'rotated' })
    assert.equal(info.metadata?.legacy?.format, 'pyfilesec')
    assert.deepEqual(info.metadata?.legacy?.history.map((e) => e.label), r.history.map((e) => e.label))
    assert.equal(info.metadata?.rotations?.length, 1)
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

  describe('filesec migrate (CLI)', () => {
    before(() => ensureBuilt())
    const keyArgs = (c: ManifestCase): string[] => [
      '-i', join(vectors, c.decrypt_with.private_key), '--passphrase-file', join(vectors, c.decrypt_with.passphrase_file),
    ]
    const pubIn = (dir: string): string => {
      writeFileSync(join(dir, 'new.pub'), recipient.pub)
      return join(dir, 'new.pub')
    }
    /** Every file under `dir`, relative, sorted. */
    const tree = (dir: string): string[] => {
      const out: string[] = []
      const walk = (d: string, rel: string): void => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`)
          else out.push(`${rel}${e.name}`)
        }
      }
      walk(dir, '')
      return out.sort()
    }

    it('one archive: --json result, the .fsec decrypts; --destroy-old removes the archive after success', async () => {
      const c = byId('c02')
      const dir = freshDir()
      const archive = copyOf(c, dir)
      const pub = pubIn(dir)
      const r = await runCli(['migrate', archive, ...keyArgs(c), '-r', pub, '--json'], { cwd: dir })
      expectStatus(r, 0)
      const j = json(r)
      assert.equal(j.command, 'migrate')
      assert.equal(j.output, join(dir, 'hello.txt.fsec'))
      assert.equal(j.oldArchive, 'kept')
      assert.equal(j.integrity, 'checksum-ok')
      writeFileSync(join(dir, 'new.key'), recipient.priv, { mode: 0o600 })
      const shown = await runCli(['inspect', 'hello.txt.fsec', '-i', 'new.key'], { cwd: dir })
      expectStatus(shown, 0)
      assert.match(shown.stdout, /original name: hello\.txt/)
      assert.match(shown.stdout, /migrated from pyfilesec on .* \(legacy integrity: checksum-ok\)/)
      assert.match(shown.stdout, /legacy history \(as recorded in clear text\): 1 event\n {6}meta-data /)
      const again = await runCli(['migrate', archive, ...keyArgs(c), '-r', pub, '--json'], { cwd: dir })
      expectStatus(again, 4)
      assert.equal(jsonError(again).code, 'FSEC_OUTPUT_EXISTS')
      const d = await runCli(['migrate', archive, ...keyArgs(c), '-r', pub, '-o', 'moved.fsec', '--destroy-old', '-n', '1'], { cwd: dir })
      expectStatus(d, 0)
      assert.match(d.stdout, /old archive destroyed/)
      only(dir, ['new.pub', 'new.key', 'hello.txt.fsec', 'moved.fsec'])
      const out = join(freshDir(), 'plain')
      await decryptFile(join(dir, 'moved.fsec'), { identity: recipient.priv, output: out })
      assert.equal(sha256(readFileSync(out)), c.expected_plaintext_sha256)
    })

    it('one archive that fails (c16) keeps the archive with --destroy-old and writes nothing; usage errors', async () => {
      const c = byId('c16')
      const dir = freshDir()
      const archive = copyOf(c, dir)
      const pub = pubIn(dir)
      const r = await runCli(['migrate', archive, ...keyArgs(c), '-r', pub, '--destroy-old', '--json'], { cwd: dir })
      expectStatus(r, 7)
      assert.equal(jsonError(r).code, 'FSEC_PAYLOAD_TAMPERED')
      only(dir, ['new.pub', c.archive_file])
      expectStatus(await runCli(['migrate', archive, '-r', pub], { cwd: dir }), 2)
      expectStatus(await runCli(['migrate', archive, ...keyArgs(c)], { cwd: dir }), 2)
      expectStatus(await runCli(['migrate', dir, ...keyArgs(c), '-r', pub, '-o', 'x.fsec'], { cwd: dir }), 2)
      expectStatus(await runCli(['migrate', archive, ...keyArgs(c), '-r', pub, '-n', '2'], { cwd: dir }), 2)
    })

    it('a folder: good, tampered, wrong-key, broken and non-archive files give the right summary and exit status 11', async () => {
      const dir = freshDir()
      const pub = pubIn(dir)
      const root = join(dir, 'tree')
      for (const sub of ['', 'a', 'b', 'c', 'd']) mkdirSync(join(root, sub), { recursive: true })
      copyOf(byId('c02'), root)
      copyOf(byId('c04'), join(root, 'a'))
      copyOf(byId('c16'), join(root, 'b'))
      copyOf(byId('c18'), join(root, 'c'))
      writeFileSync(join(root, 'notes.txt'), 'not an archive')
      writeFileSync(join(root, 'd', 'fake.enc'), 'named .enc but not an archive')
      // A gzip header naming an .enc archive, then garbage: recognised, then refused when read.
      writeFileSync(join(root, 'd', 'broken.enc'), Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x08, 0, 0, 0, 0, 0, 3]), Buffer.from('broken.enc\0'), Buffer.alloc(64, 7)]))
      const before = tree(root)
      const c = byId('c02')
      const r = await runCli(['migrate', 'tree', ...keyArgs(c), '-r', pub, '--json'], { cwd: dir })
      expectStatus(r, 11)
      const j = json(r)
      assert.deepEqual(j.migrated.map((m: { input: string }) => m.input).sort(), [join(root, 'a', 'random_1MiB.enc'), join(root, 'hello.enc')])
      assert.deepEqual(j.skipped, [])
      const failed = new Map<string, string>(j.failed.map((f: { path: string; code: string }) => [f.path, f.code]))
      assert.deepEqual(
        [...failed.entries()].sort(),
        [
          [join(root, 'b', 'hello.tampered-first-block.enc'), 'FSEC_PAYLOAD_TAMPERED'],
          [join(root, 'c', 'hello.tampered-pwdrsa.enc'), 'FSEC_NO_MATCHING_RECIPIENT'],
          [join(root, 'd', 'broken.enc'), 'FSEC_HEADER_INVALID'],
        ].sort(),
      )
      assert.equal(j.otherFiles, 2)
      assert.equal(j.interrupted, false)
      assert.deepEqual(tree(root), [...before, 'a/random_1MiB.bin.fsec', 'hello.txt.fsec'].sort(), 'only the two outputs were added')

      // Again: the outputs exist, so those two are skipped (with the reason); the failures stay.
      const again = await runCli(['migrate', 'tree', ...keyArgs(c), '-r', pub], { cwd: dir })
      expectStatus(again, 11)
      assert.match(again.stdout, /Migrated 0, skipped 2, failed 3 of 5 pyFileSec archives/)
      assert.match(again.stdout, /skipped: tree\/hello\.enc: .*already exists/)
      assert.match(again.stdout, /failed: tree\/b\/hello\.tampered-first-block\.enc: .*hash of cipher_text/)

      // A folder with only good archives: exit status 0; --destroy-old leaves only the outputs.
      const clean = join(dir, 'clean')
      mkdirSync(clean)
      copyOf(byId('c02'), clean)
      copyOf(byId('c19'), clean)
      const ok = await runCli(['migrate', 'clean', ...keyArgs(c), '-r', pub, '--destroy-old', '-n', '1', '--json'], { cwd: dir })
      expectStatus(ok, 0)
      assert.equal(json(ok).migrated.length, 2)
      assert.deepEqual(tree(clean), ['hello.txt.fsec', 'legacy_md5.txt.fsec'])
    })

    it('a folder on a terminal: a progress bar over the whole tree, then the summary', function () {
      if (ptyUnavailable() !== undefined) this.skip()
      const dir = freshDir()
      const pub = pubIn(dir)
      mkdirSync(join(dir, 'tree', 'a'), { recursive: true })
      copyOf(byId('c02'), join(dir, 'tree'))
      copyOf(byId('c04'), join(dir, 'tree', 'a'))
      const r = runCliOnPty(['migrate', 'tree', ...keyArgs(byId('c02')), '-r', pub], { cwd: dir, steps: [] })
      assert.equal(r.status, 0, r.output)
      assert.match(r.output, /Migrating \(1\/2\) \[/)
      assert.match(r.output, /Migrating \(2\/2\) \[=+\] 100%/)
      assert.match(r.output, /Migrated 2, skipped 0, failed 0 of 2 pyFileSec archives under tree/)
    })

    it('a folder, interrupted (SIGINT): stops between or inside files, leaving whole outputs only and no temporary file', async function () {
      this.timeout(60_000)
      const dir = freshDir()
      const pub = pubIn(dir)
      const root = join(dir, 'many')
      const c = byId('c04')
      for (let i = 0; i < 40; i++) {
        mkdirSync(join(root, `f${String(i).padStart(2, '0')}`), { recursive: true })
        copyOf(c, join(root, `f${String(i).padStart(2, '0')}`))
      }
      const outputs = (): number => tree(root).filter((f) => f.endsWith('.bin.fsec')).length
      const { r, sent } = await runCliSignalledWhen(['migrate', 'many', ...keyArgs(c), '-r', pub, '--json'], dir, 'SIGINT', () => outputs() >= 2, 10)
      if (!sent) this.skip()
      expectStatus(r, 130)
      const j = json(r)
      assert.equal(j.interrupted, true)
      assert.ok(j.migrated.length >= 2 && j.migrated.length < 40, `${j.migrated.length} migrated`)
      const files = tree(root)
      assert.deepEqual(files.filter((f) => !f.endsWith('random_1MiB.enc') && !f.endsWith('random_1MiB.bin.fsec')), [], 'no temporary file')
      assert.equal(outputs(), j.migrated.length, 'an output exists exactly for each migrated archive')
      for (const m of j.migrated as Array<{ output: string }>) {
        const info = await inspect(m.output, { identity: recipient.priv })
        assert.equal(info.metadata?.size, c.expected_plaintext_size)
      }
    })

    it('no plaintext file is ever created (strace: only 0600 temporary files and the final .fsec are written)', async function () {
      if (!haveTool({ cmd: 'strace', pkg: 'strace' })) this.skip()
      ensureBuilt()
      const c = byId('c02')
      const dir = freshDir()
      const archive = copyOf(c, dir)
      const pub = pubIn(dir)
      const log = join(freshDir(), 'trace')
      const run = spawnSync('strace', ['-f', '-qq', '-e', 'trace=openat,open,creat,rename,renameat,renameat2,link,linkat', '-o', log, process.execPath, join(__dirname, '..', 'dist', 'cli.js'), 'migrate', archive, ...keyArgs(c), '-r', pub], { cwd: dir, encoding: 'utf8' })
      if (run.error !== undefined || /ptrace|Operation not permitted/.test(run.stderr)) this.skip()
      assert.equal(run.status, 0, run.stderr)
      const lines = readFileSync(log, 'utf8').split('\n')
      const writes = lines.filter((l) => /O_CREAT|O_WRONLY|O_RDWR|creat\(/.test(l) && l.includes(dir))
      for (const l of writes) assert.match(l, /O_CREAT\|O_EXCL.*, 0600\)/, `created exclusively, 0600: ${l}`)
      const created = writes.map((l) => /"([^"]+)"/.exec(l)![1]!)
      assert.ok(created.length >= 2)
      for (const f of created) assert.match(f, /\/\.hello\.txt\.fsec\.[0-9a-f]{12}\.fsec-tmp$/, `only temporary files are created: ${f}`)
      for (const l of lines.filter((x) => /rename/.test(x) && x.includes(dir))) assert.match(l, /hello\.txt\.fsec"/)
      assert.ok(!lines.some((l) => /"[^"]*\/hello\.txt"/.test(l)), 'no file of the plaintext name is touched')
      only(dir, ['new.pub', c.archive_file, 'hello.txt.fsec'])
    })
  })
})

describe('metadata.legacy (sealed legacy history)', () => {
  const event = (i: number) => ({ label: `meta-data 2020_01_01_00:00.${String(i).padStart(5, '0')}`, date: '2020_01_01', fields: { note: 'x'.repeat(900), i: String(i) } })
  it('keeps the newest events within 64 KiB, counting the dropped ones; decodes back', () => {
    const history = Array.from({ length: 200 }, (_, i) => event(i))
    const bytes = encodeWithLegacy({ v: 1, name: 'a.txt', size: 3, padding: 0 }, { format: 'pyfilesec', migrated: new Date().toISOString(), integrity: 'checksum-ok', history })
    assert.ok(bytes.length <= METADATA_MAX_BYTES)
    const m = decodeMetadata(bytes)
    const kept = m.legacy!.history.length
    assert.ok(kept > 10 && kept < 200)
    assert.equal(m.legacy!.historyDropped, 200 - kept)
    assert.deepEqual(m.legacy!.history.at(-1), history.at(-1), 'the newest is kept')
    assert.equal(m.legacy!.history[0]!.fields.i, String(200 - kept))
  })
  it('a small history is kept whole, without historyDropped; a malformed record is refused', () => {
    const m = decodeMetadata(encodeWithLegacy({ v: 1, padding: 0 }, { format: 'pyfilesec', migrated: '2026-01-01T00:00:00.000Z', integrity: 'unverified', history: [event(1)] }))
    assert.equal(m.legacy!.history.length, 1)
    assert.equal(m.legacy!.historyDropped, undefined)
    assert.throws(() => decodeMetadata(Buffer.from(JSON.stringify({ v: 1, legacy: { format: 'pyfilesec', history: 'no' } }))), /legacy/)
  })
})

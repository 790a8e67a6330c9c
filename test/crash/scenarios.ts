// The operations the crash suite kills, each with what must hold afterwards: the original intact
// or the complete, verified output; never neither, and nothing partial under a final name.
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { copyFileSync, existsSync, lstatSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { decryptFile, FilesecError } from '../../lib'
import { classify } from '../../lib/leftovers'
import { layoutOf } from '../fsec-layout'

export interface Keys {
  /** Private key paths and their public keys (files), outside every case folder. */
  x: string
  xPub: string
  y: string
  yPub: string
  /** An RSA-4096 public key: adding it outgrows the header's room, so the rotation copies the file. */
  bigPub: string
  big: string
}

export interface LegacyArchive {
  path: string
  identity: string
  passphraseFile: string
  plaintext: Buffer
}

export interface Fixture {
  keys: Keys
  plaintext: Buffer
  /** `plaintext` encrypted to x. */
  encrypted: string
  /** Where decryptions made for checking go (never a case folder). */
  verifyDir: string
  archive?: LegacyArchive
}

export interface Scenario {
  name: string
  /** CLI arguments, run in the case folder. */
  args: string[]
  /** Puts the inputs into a fresh, empty case folder. */
  prepare(dir: string): void
  /** Checks what must hold after a kill (or a run that finished); returns the state it found. */
  check(dir: string): Promise<string>
  /** Names the operation may leave under final names. */
  finals: string[]
  /** The file the operation destroys: a kill after its renames leaves it emptied under a random name. */
  destroys?: string
}

/** Decrypts `file` with `identity` into verifyDir; the error code when it cannot. */
async function openWith(fx: Fixture, file: string, identity: string, expected: Buffer): Promise<true | string> {
  const out = join(fx.verifyDir, `${randomBytes(6).toString('hex')}.out`)
  try {
    await decryptFile(file, { identity, output: out })
    assert.ok(readFileSync(out).equals(expected), `${file} decrypts, but not to the original plaintext`)
    return true
  } catch (e) {
    if (e instanceof FilesecError) return e.code
    throw e
  } finally {
    rmSync(out, { force: true })
  }
}

async function mustOpen(fx: Fixture, file: string, identity: string, expected: Buffer): Promise<void> {
  const r = await openWith(fx, file, identity, expected)
  assert.equal(r, true, `${file} exists under its final name but does not open to the original (${String(r)})`)
}

function sameBytes(path: string, expected: Buffer, what: string): void {
  assert.ok(existsSync(path), `${what} is gone`)
  assert.ok(readFileSync(path).equals(expected), `${what} changed`)
}

/**
 * Every name in the folder is a final name, a recognised leftover (temporary, rotation journal),
 * or, for an operation that destroys a file whose name is gone, that file emptied under a random name.
 */
export function checkNames(dir: string, s: Scenario): void {
  for (const name of readdirSync(dir)) {
    if (s.finals.includes(name) || classify(dir, name)) continue
    const st = lstatSync(join(dir, name))
    assert.ok(
      s.destroys !== undefined && !existsSync(join(dir, s.destroys)) && st.isFile() && st.size === 0,
      `unexpected file ${name} (${st.size} bytes) left in the folder by ${s.name}`,
    )
  }
}

export function scenarios(fx: Fixture): Scenario[] {
  const { keys, plaintext: P } = fx
  const E = readFileSync(fx.encrypted)
  const list: Scenario[] = [
    {
      name: 'encrypt (plaintext kept)',
      args: ['encrypt', 'f.bin', '-r', keys.xPub, '-o', 'f.bin.fsec', '--keep', '-q'],
      finals: ['f.bin', 'f.bin.fsec'],
      prepare: (dir) => writeFileSync(join(dir, 'f.bin'), P),
      async check(dir) {
        sameBytes(join(dir, 'f.bin'), P, 'the plaintext')
        if (!existsSync(join(dir, 'f.bin.fsec'))) return 'no output'
        await mustOpen(fx, join(dir, 'f.bin.fsec'), keys.x, P)
        return 'output complete'
      },
    },
    {
      name: 'encrypt, then destroy the plaintext',
      args: ['encrypt', 'f.bin', '-r', keys.xPub, '-o', 'f.bin.fsec', '-q'],
      finals: ['f.bin', 'f.bin.fsec'],
      destroys: 'f.bin',
      prepare: (dir) => writeFileSync(join(dir, 'f.bin'), P),
      async check(dir) {
        const plain = join(dir, 'f.bin')
        const out = join(dir, 'f.bin.fsec')
        checkNames(dir, this)
        if (existsSync(plain) && readFileSync(plain).equals(P)) {
          if (!existsSync(out)) return 'plaintext intact, no output'
          await mustOpen(fx, out, keys.x, P)
          return 'plaintext intact, output complete'
        }
        // The destroy has begun: it only starts once the output is written, synced and verified.
        assert.ok(existsSync(out), 'the plaintext is damaged or gone and there is no encrypted file')
        await mustOpen(fx, out, keys.x, P)
        if (existsSync(plain)) {
          // Overwritten in place (same size), then truncated before its renames.
          const size = lstatSync(plain).size
          assert.ok(size === P.length || size === 0, `the plaintext being destroyed has ${size} bytes`)
          return size === 0 ? 'plaintext overwritten and truncated, output complete' : 'plaintext being overwritten, output complete'
        }
        return 'plaintext destroyed, output complete'
      },
    },
    {
      name: 'decrypt',
      args: ['decrypt', 'f.fsec', '-i', keys.x, '-o', 'out.bin', '-q'],
      finals: ['f.fsec', 'out.bin'],
      prepare: (dir) => copyFileSync(fx.encrypted, join(dir, 'f.fsec')),
      async check(dir) {
        sameBytes(join(dir, 'f.fsec'), E, 'the encrypted file')
        if (!existsSync(join(dir, 'out.bin'))) return 'no output'
        sameBytes(join(dir, 'out.bin'), P, 'the decrypted output')
        return 'output complete'
      },
    },
    {
      name: 'rotate, header only, in place (journal)',
      args: ['rotate', 'f.fsec', '-i', keys.x, '-r', keys.yPub, '-q'],
      finals: ['f.fsec'],
      prepare: (dir) => copyFileSync(fx.encrypted, join(dir, 'f.fsec')),
      async check(dir) {
        const file = join(dir, 'f.fsec')
        const now = readFileSync(file)
        assert.equal(now.length, E.length, 'an in-place rotation changed the file size')
        const { headerSize } = layoutOf(E)
        assert.ok(now.subarray(headerSize).equals(E.subarray(headerSize)), 'an in-place rotation changed the payload')
        const old = await openWith(fx, file, keys.x, P)
        if (old === true) return 'old keys'
        if (old === 'FSEC_ROTATION_INTERRUPTED') return 'interrupted (journal)'
        await mustOpen(fx, file, keys.y, P)
        return 'new keys'
      },
    },
    {
      name: 'rotate, header only, by copy',
      args: ['rotate', 'f.fsec', '-i', keys.x, '--add', keys.bigPub, '-q'],
      finals: ['f.fsec'],
      prepare: (dir) => copyFileSync(fx.encrypted, join(dir, 'f.fsec')),
      async check(dir) {
        const file = join(dir, 'f.fsec')
        await mustOpen(fx, file, keys.x, P)
        if (readFileSync(file).equals(E)) return 'old keys'
        await mustOpen(fx, file, keys.big, P)
        return 'new keys'
      },
    },
    {
      name: 'rotate --rekey',
      args: ['rotate', 'f.fsec', '-i', keys.x, '-r', keys.yPub, '--rekey', '-q'],
      finals: ['f.fsec'],
      prepare: (dir) => copyFileSync(fx.encrypted, join(dir, 'f.fsec')),
      async check(dir) {
        const file = join(dir, 'f.fsec')
        if (readFileSync(file).equals(E)) return 'old keys'
        await mustOpen(fx, file, keys.y, P)
        return 'new keys'
      },
    },
    {
      name: 'destroy',
      args: ['destroy', 'f.bin', '--yes', '-q'],
      finals: ['f.bin'],
      destroys: 'f.bin',
      prepare: (dir) => writeFileSync(join(dir, 'f.bin'), P),
      async check(dir) {
        checkNames(dir, this)
        const file = join(dir, 'f.bin')
        if (!existsSync(file)) return 'gone'
        // Overwritten in place (same size); truncated to nothing only once every pass is done.
        const size = lstatSync(file).size
        if (size === 0) return 'overwritten and truncated, at its name'
        assert.equal(size, P.length, 'the file under its name changed size')
        return readFileSync(file).equals(P) ? 'untouched' : 'partly overwritten, at its name'
      },
    },
  ]
  const archive = fx.archive
  if (archive) {
    const A = readFileSync(archive.path)
    list.push({
      name: 'migrate (pyFileSec archive)',
      args: ['migrate', 'a.enc', '-i', archive.identity, '--passphrase-file', archive.passphraseFile, '-r', keys.xPub, '-o', 'a.fsec', '-q'],
      finals: ['a.enc', 'a.fsec'],
      prepare: (dir) => copyFileSync(archive.path, join(dir, 'a.enc')),
      async check(dir) {
        sameBytes(join(dir, 'a.enc'), A, 'the archive')
        if (!existsSync(join(dir, 'a.fsec'))) return 'no output'
        await mustOpen(fx, join(dir, 'a.fsec'), keys.x, archive.plaintext)
        return 'output complete'
      },
    })
  }
  return list
}

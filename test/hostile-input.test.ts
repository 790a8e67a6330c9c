// The hostile inputs named in issue 6, each through the public API in a child process: a header
// declaring the most stanzas its format allows (or a million), 4 GiB length fields, scrypt work
// factor 2^60, chunks past the end, key files asking for absurd key-derivation work. Each must
// be refused with its format error code, within 2 s even on a loaded machine, without the
// child's peak RSS growing by 64 MiB. The files are built in test/fuzz/hostile-files.ts.
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync, truncateSync, appendFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { encryptFile, FilesecError, generateKeyPair, loadKey, writePrivateKey } from '../lib'
import { scratchDir } from './helpers'
import { describeWithTool, OPENSSL, runToolOk } from './tools'
import { age, fsec, keyFiles, pyfilesec } from './fuzz/hostile-files'

const ROOT = join(__dirname, '..')
const MAX_MS = 2000
const MAX_GROWTH_MIB = 64

interface Case {
  name: string
  call: 'decrypt' | 'inspect' | 'loadKey' | 'open'
  file: string
  options: Record<string, unknown>
  /** The error code (or codes, where either is a correct description) the input must be refused with. */
  codes: string[]
}

interface Outcome {
  name: string
  ok: boolean
  filesec: boolean
  code?: string
  message?: string
  ms: number
  growthMiB: number
}

/**
 * Runs the cases one after another in a fresh Node process. Growth is the process's peak RSS
 * (VmHWM) after a case minus its RSS once filesec is loaded and warmed up: the high-water mark
 * only rises, so every case's bound holds for all the cases before it too.
 */
function runInChild(cases: Case[]): Outcome[] {
  const script = `
    require('tsx/cjs')
    const f = require(${JSON.stringify(join(ROOT, 'lib'))})
    const status = (field) => Number(new RegExp('^' + field + ':\\\\s+(\\\\d+) kB', 'm').exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]) / 1024
    const cases = JSON.parse(process.argv[1])
    const call = (c) =>
      c.call === 'decrypt' ? f.decryptFile(c.file, { ...c.options, output: c.file + '.out' })
      : c.call === 'inspect' ? f.inspect(c.file, c.options)
      : c.call === 'open' ? f.openEncryptedFile(c.file, c.options).then((r) => r.close())
      : f.loadKey({ path: c.file }, c.options)
    ;(async () => {
      await f.inspect(__filename).catch(() => {})
      const base = status('VmRSS')
      for (const c of cases) {
        const started = process.hrtime.bigint()
        const r = { name: c.name, ok: true, filesec: false }
        try { await call(c) } catch (e) {
          r.ok = false; r.filesec = e instanceof f.FilesecError; r.code = e.code; r.message = String(e.message)
        }
        r.ms = Number(process.hrtime.bigint() - started) / 1e6
        r.growthMiB = status('VmHWM') - base
        console.log(JSON.stringify(r))
      }
    })().catch((e) => { console.error(e); process.exit(1) })`
  const r = spawnSync(process.execPath, ['-e', script, JSON.stringify(cases)], {
    encoding: 'utf8',
    cwd: ROOT,
    maxBuffer: 16 << 20,
    timeout: 600_000,
  })
  assert.equal(r.status, 0, r.stderr)
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Outcome)
}

describe('hostile input: absurd counts, lengths and work factors are refused quickly and cheaply', function () {
  this.timeout(300_000)
  const dir = scratchDir('filesec-hostile-')
  const cases: Case[] = []
  let outcomes = new Map<string, Outcome>()

  before(async function () {
    const d = dir()
    const put = (name: string, bytes: Buffer | string): string => {
      const path = join(d, name)
      writeFileSync(path, bytes)
      return path
    }
    const x25519 = await generateKeyPair('x25519')
    const identity = join(d, 'id.txt')
    await writePrivateKey(x25519.privateKey, identity, { unprotected: true })
    const byKey = { identity }
    const byPassphrase = { passphrase: 'hostile' }
    const add = (name: string, call: Case['call'], file: string, options: Record<string, unknown>, ...codes: string[]): void => {
      cases.push({ name, call, file, options, codes })
    }

    add('.fsec: 65,535 stanzas declared in a 1 KiB header', 'decrypt', put('a.fsec', fsec.stanzaCountPastHeader()), byKey, 'FSEC_HEADER_INVALID')
    add('.fsec: 65,535 stanzas present (the 16-bit maximum)', 'decrypt', put('b.fsec', fsec.maximumStanzas()), byKey, 'FSEC_NO_MATCHING_RECIPIENT')
    add('.fsec: header size field of 4 GiB', 'decrypt', put('c.fsec', fsec.headerSize4GiB()), byKey, 'FSEC_HEADER_INVALID')
    add('.fsec: metadata length field of 4 GiB', 'decrypt', put('d.fsec', fsec.metadataLength4GiB()), byKey, 'FSEC_HEADER_INVALID')
    add('.fsec: stanza body length past the header', 'decrypt', put('e.fsec', fsec.stanzaLengthPastHeader()), byKey, 'FSEC_HEADER_INVALID')
    add('.fsec: scrypt work factor 2^60', 'decrypt', put('f.fsec', fsec.scrypt2pow60()), byPassphrase, 'FSEC_HEADER_INVALID')

    const plain = put('plain.bin', Buffer.alloc(300_000, 7))
    for (const codec of ['fsec', 'age']) {
      const cut = join(d, `cut.${codec}`)
      await encryptFile(plain, { codec, to: x25519.publicKey, output: cut, keep: true })
      truncateSync(cut, readFileSync(cut).length - 1000)
      add(`${codec}: last chunk cut short (its length runs past the end of the file)`, 'decrypt', cut, byKey, 'FSEC_TRUNCATED', 'FSEC_PAYLOAD_TAMPERED')
      add(`${codec}: random access to a file whose last chunk is cut short`, 'open', cut, byKey, 'FSEC_TRUNCATED', 'FSEC_PAYLOAD_TAMPERED')
      const long = join(d, `long.${codec}`)
      await encryptFile(plain, { codec, to: x25519.publicKey, output: long, keep: true })
      appendFileSync(long, Buffer.alloc(1 << 20, 1))
      add(`${codec}: a MiB of chunks after the last one`, 'decrypt', long, byKey, 'FSEC_TRAILING_DATA', 'FSEC_PAYLOAD_TAMPERED')
      add(`${codec}: random access to a file with a MiB after its last chunk`, 'open', long, byKey, 'FSEC_TRAILING_DATA', 'FSEC_PAYLOAD_TAMPERED')
    }

    add('age: a million stanzas', 'decrypt', put('a.age', age.millionStanzas()), byKey, 'FSEC_HEADER_INVALID')
    add('age: a stanza body that never ends', 'decrypt', put('b.age', age.endlessStanzaBody()), byKey, 'FSEC_HEADER_INVALID')
    add('age: scrypt work factor 2^60', 'decrypt', put('c.age', age.scrypt2pow60()), byPassphrase, 'FSEC_HEADER_INVALID')
    add('age: an armor line of 16 MiB', 'decrypt', put('d.age', age.armorLineOf16MiB()), byKey, 'FSEC_HEADER_INVALID')
    add('age: scrypt 2^60 as a passphrase-protected identity file', 'loadKey', put('e.age', age.scrypt2pow60()), byPassphrase, 'FSEC_KEY_INVALID', 'FSEC_KEY_UNSUPPORTED')

    add('pyFileSec: a .meta member declaring 4 GiB', 'inspect', put('a.enc', pyfilesec.metaMember4GiB()), {}, 'FSEC_HEADER_INVALID')
    add('pyFileSec: a ciphertext member declaring 8 GiB in a tiny archive', 'inspect', put('b.enc', pyfilesec.ciphertextMemberPastEnd()), {}, 'FSEC_HEADER_INVALID')

    const rsaPem = join(d, 'rsa-protected.pem')
    await writePrivateKey((await generateKeyPair('ed25519')).privateKey, rsaPem, { passphrase: 'hostile' })
    add('key file: PKCS#8 asking for 8,388,607 PBKDF2 iterations', 'loadKey', put('iter.pem', keyFiles.raisePbkdf2Iterations(readFileSync(rsaPem, 'utf8'))), byPassphrase, 'FSEC_KEY_UNSUPPORTED')
    add('key file: minisign secret key with opslimit and memlimit 2^63', 'loadKey', put('mini.key', keyFiles.minisignSecretHugeLimits()), byPassphrase, 'FSEC_KEY_UNSUPPORTED')

    outcomes = new Map(runInChild(cases).map((o) => [o.name, o]))
  })

  it('runs every case, and each has its own test below', function () {
    assert.deepEqual([...outcomes.keys()], cases.map((c) => c.name))
    assert.deepEqual([...CASE_NAMES()].sort(), cases.map((c) => c.name).sort())
    if (process.env.FILESEC_FUZZ_REPORT) {
      for (const o of outcomes.values()) console.log(`      ${o.name}: ${o.code} in ${o.ms.toFixed(1)} ms, +${o.growthMiB.toFixed(1)} MiB`)
    }
  })

  // One test per case, declared up front (mocha collects tests before `before` runs).
  for (const name of CASE_NAMES()) {
    it(name, function () {
      const c = cases.find((x) => x.name === name)!
      const o = outcomes.get(name)!
      assert.ok(!o.ok, 'the input was accepted')
      assert.ok(o.filesec, `refused with a non-filesec error: ${o.message}`)
      assert.ok(c.codes.includes(o.code!), `refused with ${o.code} (${o.message}), expected ${c.codes.join(' or ')}`)
      assert.ok(o.ms < MAX_MS, `took ${o.ms.toFixed(0)} ms`)
      assert.ok(o.growthMiB < MAX_GROWTH_MIB, `peak RSS grew by ${o.growthMiB.toFixed(1)} MiB`)
    })
  }
})

function CASE_NAMES(): string[] {
  return [
    '.fsec: 65,535 stanzas declared in a 1 KiB header',
    '.fsec: 65,535 stanzas present (the 16-bit maximum)',
    '.fsec: header size field of 4 GiB',
    '.fsec: metadata length field of 4 GiB',
    '.fsec: stanza body length past the header',
    '.fsec: scrypt work factor 2^60',
    'fsec: last chunk cut short (its length runs past the end of the file)',
    'fsec: a MiB of chunks after the last one',
    'fsec: random access to a file whose last chunk is cut short',
    'fsec: random access to a file with a MiB after its last chunk',
    'age: last chunk cut short (its length runs past the end of the file)',
    'age: a MiB of chunks after the last one',
    'age: random access to a file whose last chunk is cut short',
    'age: random access to a file with a MiB after its last chunk',
    'age: a million stanzas',
    'age: a stanza body that never ends',
    'age: scrypt work factor 2^60',
    'age: an armor line of 16 MiB',
    'age: scrypt 2^60 as a passphrase-protected identity file',
    'pyFileSec: a .meta member declaring 4 GiB',
    'pyFileSec: a ciphertext member declaring 8 GiB in a tiny archive',
    'key file: PKCS#8 asking for 8,388,607 PBKDF2 iterations',
    'key file: minisign secret key with opslimit and memlimit 2^63',
  ]
}

// The cost limits on encrypted PKCS#8 keys (src/core/pbe_cost.cc) refuse what is absurd and
// nothing that common tools write.
describe('hostile input: the key-derivation cost an encrypted PKCS#8 key may ask for', function () {
  this.timeout(120_000)
  const dir = scratchDir('filesec-pbe-cost-')

  it("loads a PKCS#8 key at Node's own 2,048 PBKDF2 iterations", async function () {
    const pem = generateKeyPairSync('ed25519', {
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'hostile' },
    }).privateKey
    const key = await loadKey(pem, { passphrase: 'hostile' })
    assert.equal(key.kind, 'ed25519')
  })

  describeWithTool(OPENSSL, 'scrypt-protected PKCS#8 keys (made by openssl)', () => {
    let path = ''
    before(function () {
      const plain = join(dir(), 'plain.pem')
      path = join(dir(), 'scrypt.pem')
      runToolOk('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', plain])
      // N = 2^14, r = 8, p = 1: the work of an age scrypt stanza at work factor 14.
      runToolOk('openssl', ['pkcs8', '-topk8', '-in', plain, '-out', path, '-scrypt', '-scrypt_N', '16384', '-scrypt_r', '8', '-scrypt_p', '1', '-passout', 'pass:hostile'])
    })

    it('loads it when the work factor limit admits its work', async function () {
      const key = await loadKey({ path }, { passphrase: 'hostile', maxWorkFactor: 14 })
      assert.equal(key.kind, 'ed25519')
    })

    it('refuses it at once, before trying the passphrase, when the limit is lower', async function () {
      const started = Date.now()
      await assert.rejects(loadKey({ path }, { passphrase: 'hostile', maxWorkFactor: 13 }), (e: FilesecError) => {
        assert.equal(e.code, 'FSEC_KEY_UNSUPPORTED')
        assert.match(e.message, /scrypt work N=16384 r=8 p=1/)
        return true
      })
      assert.ok(Date.now() - started < MAX_MS)
    })
  })
})

// Header-only rotation of age files (lib/codecs/age-rotate.ts, native.age.rewrap): through the
// public rotateFile (which recognises the format), SecFile.rotate and `filesec rotate`. Each
// rotation must leave the payload bytes exactly as they were, keep the file's mode, open with
// the new recipients (filesec and the real `age -d`) and not with the removed ones; a refused or
// failed rotation must leave the file byte-identical with no temporary file beside it.
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  AbortError,
  ArgumentError,
  decryptFile,
  encryptFile,
  FileError,
  generateKeyPair,
  HeaderError,
  inspect,
  type KeyPair,
  KeyPassphraseError,
  NoMatchingRecipientError,
  rotateFile,
  type RotateOptions,
  SecFile,
  SourceChangedError,
  WrongPassphraseError,
  writePrivateKey,
} from '../lib'
import { EXIT } from '../lib/cli/exit'
import { rotationTestHooks } from '../lib/rotate'
import native = require('../binding')
import { expectStatus, json, cliIn } from './cli/helpers'
import { ensureBuilt } from './cli/run'
import { randomFile, rejectsWith, scratchDir } from './helpers'

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
}

/** it() that says visibly in its title which tools it lacks when it cannot run. */
function itWith(tools: string[], title: string, fn: () => Promise<void>): void {
  const missing = tools.filter((t) => !have(t))
  if (missing.length > 0) {
    it(`${title} (SKIPPED: ${missing.join(', ')} not found)`, function () {
      this.skip()
    })
  } else {
    it(title, fn)
  }
}

function run(cmd: string, args: string[]): Buffer {
  const r = spawnSync(cmd, args, { maxBuffer: 64 * 1024 * 1024 })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}: ${r.stderr}`)
  return r.stdout
}

/** `age -d` with a passphrase: age reads it only from a terminal, so through util-linux `script`. */
function ageDecryptWithPassphrase(file: string, out: string, passphrase: string): void {
  const cmd = ['age', '-d', '-o', out, file].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { input: `${passphrase}\n`, timeout: 60000 })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`age -d (through script) exited with ${r.status}: ${r.stdout}${r.stderr}`)
}

const PASS = 'correct horse battery staple'
const SIZE = 200_000 // four STREAM chunks: a real payload to copy

describe('age rotation (header only)', function () {
  this.timeout(120_000)
  const dir = scratchDir('filesec-age-rotate-')
  const p = (name: string): string => join(dir(), name)
  let a: KeyPair
  let b: KeyPair
  let c: KeyPair
  let n = 0

  before(async () => {
    ;[a, b, c] = await Promise.all(
      ['a', 'b', 'c'].map((k) =>
        generateKeyPair('x25519', { privateKeyPath: p(`${k}.key`), publicKeyPath: p(`${k}.key.pub`), unprotected: true }),
      ),
    )
    if (have('ssh-keygen')) {
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', p('ed')])
      run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', p('rsa')])
    }
  })

  afterEach(() => {
    rotationTestHooks.beforeCommit = undefined
  })

  /** A fresh age file in its own folder (so leftovers are checked per test); returns its path and plaintext. */
  async function ageFile(to: RotateOptions['to'] | { passphrase: string }, size = SIZE): Promise<{ path: string; data: Buffer }> {
    const folder = p(`t${n++}`)
    mkdirSync(folder)
    const plain = join(folder, 'data.bin')
    const data = randomFile(plain, size)
    const opts = to !== null && typeof to === 'object' && 'passphrase' in to ? { passphrase: to.passphrase, workFactor: 10 } : { to: to! }
    const enc = await encryptFile(plain, { codec: 'age', keep: true, ...opts })
    return { path: enc.output, data }
  }

  /** Files beside `path` other than it and its plaintext: a rotation must leave none. */
  function leftovers(path: string): string[] {
    const folder = join(path, '..')
    return readdirSync(folder).filter((f) => f !== 'data.bin' && join(folder, f) !== path && !f.endsWith('.out'))
  }

  function headerSize(file: Buffer): number {
    return native.age.parseHeader(file).headerSize
  }

  /** The payload (nonce + STREAM chunks) after the header. */
  function payloadOf(file: Buffer): Buffer {
    return file.subarray(headerSize(file))
  }

  async function opensWith(path: string, options: { identity: string } | { passphrase: string }, data: Buffer): Promise<void> {
    const out = `${path}.${n++}.out`
    const r = await decryptFile(path, { ...options, output: out })
    assert.equal(r.plaintextBytes, data.length)
    assert.ok(readFileSync(out).equals(data), `decrypts byte-identical with ${JSON.stringify(options)}`)
  }

  /** A refused rotation: the error, then the file exactly as it was and nothing left beside it. */
  async function refused(
    path: string,
    options: RotateOptions,
    Class: abstract new (...x: never[]) => Error,
    code: string,
    message?: RegExp,
  ): Promise<void> {
    const before = readFileSync(path)
    const mtime = statSync(path).mtimeMs
    const err = await rejectsWith(rotateFile(path, options), Class, code)
    if (message) assert.match(err.message, message)
    assert.ok(readFileSync(path).equals(before), 'the file is byte-identical')
    assert.equal(statSync(path).mtimeMs, mtime)
    assert.deepEqual(leftovers(path), [])
  }

  it('add an X25519 recipient: old and new identities decrypt byte-identical, the payload bytes are unchanged, the result says so', async () => {
    const { path, data } = await ageFile(a.publicKey)
    const before = readFileSync(path)
    const oldStanzas = native.age.parseHeader(before).stanzas
    const r = await rotateFile(path, { identity: p('a.key'), add: b.publicKey.publicText })
    const after = readFileSync(path)
    assert.ok(payloadOf(after).equals(payloadOf(before)), 'payload unchanged')
    assert.notEqual(headerSize(after), headerSize(before))
    const newStanzas = native.age.parseHeader(after).stanzas
    assert.deepEqual(newStanzas.map((s) => s.type), ['X25519', 'X25519'])
    assert.deepEqual(newStanzas[0], oldStanzas[0], 'the old stanza is kept verbatim')
    assert.deepEqual(r, {
      path,
      rekeyed: false,
      commit: 'copy',
      from: [`X25519:${oldStanzas[0]!.args[0]}`],
      to: newStanzas.map((s) => `X25519:${s.args[0]}`),
      recipients: [{ type: 'x25519' }, { type: 'x25519' }],
      headerSize: headerSize(after),
      fileBytes: after.length,
      bytesWritten: after.length,
    })
    assert.equal(statSync(path).mode & 0o777, 0o600)
    assert.deepEqual(leftovers(path), [])
    await opensWith(path, { identity: p('a.key') }, data)
    await opensWith(path, { identity: p('b.key') }, data)
  })

  it('to replaces every recipient: the old identity gets FSEC_NO_MATCHING_RECIPIENT, the new ones open it', async () => {
    const { path, data } = await ageFile([a.publicKey, b.publicKey])
    const before = readFileSync(path)
    const r = await rotateFile(path, { identity: a.privateKey, to: [c.publicKey] })
    assert.equal(r.from.length, 2)
    assert.equal(r.to.length, 1)
    assert.ok(!r.from.includes(r.to[0]!), 'a fresh stanza')
    assert.ok(payloadOf(readFileSync(path)).equals(payloadOf(before)))
    for (const old of ['a.key', 'b.key']) {
      await rejectsWith(decryptFile(path, { identity: p(old), output: `${path}.never.out` }), NoMatchingRecipientError, 'FSEC_NO_MATCHING_RECIPIENT')
    }
    await opensWith(path, { identity: p('c.key') }, data)
    assert.deepEqual(leftovers(path), [])
  })

  it('keys → passphrase (newPassphrase, workFactor) and passphrase → keys (to); a wrong passphrase leaves the file as it was', async () => {
    const { path, data } = await ageFile(a.publicKey)
    const original = payloadOf(readFileSync(path))
    const r1 = await rotateFile(path, { identity: p('a.key'), newPassphrase: PASS, workFactor: 10 })
    assert.deepEqual(r1.to, ['passphrase'])
    assert.deepEqual(r1.recipients, [{ type: 'scrypt', workFactor: 10 }])
    const info = await inspect(path)
    assert.equal(info.passphrase, true)
    assert.deepEqual(info.recipients, [{ type: 'scrypt', workFactor: 10 }])
    await rejectsWith(decryptFile(path, { identity: p('a.key'), output: `${path}.x.out` }), NoMatchingRecipientError, 'FSEC_NO_MATCHING_RECIPIENT')
    await opensWith(path, { passphrase: PASS }, data)

    await refused(path, { passphrase: 'not it', to: b.publicKey }, WrongPassphraseError, 'FSEC_WRONG_PASSPHRASE')
    // add/remove make no sense beside an scrypt stanza, which must be alone.
    await refused(path, { passphrase: PASS, add: b.publicKey }, ArgumentError, 'FSEC_INVALID_ARGUMENT', /passphrase/)

    const r3 = await rotateFile(path, { passphrase: PASS, to: [b.publicKey, c.publicKey] })
    assert.deepEqual(r3.from, ['passphrase'])
    assert.deepEqual(r3.recipients, [{ type: 'x25519' }, { type: 'x25519' }])
    assert.ok(payloadOf(readFileSync(path)).equals(original), 'the payload survived both rotations')
    await opensWith(path, { identity: p('b.key') }, data)
    await opensWith(path, { identity: p('c.key') }, data)
    assert.equal(statSync(path).mode & 0o777, 0o600)
  })

  it('removing an X25519 recipient is refused with an ArgumentError that points to `to`; the file is untouched', async () => {
    const { path } = await ageFile([a.publicKey, b.publicKey])
    await refused(path, { identity: p('a.key'), remove: b.publicKey }, ArgumentError, 'FSEC_INVALID_ARGUMENT', /X25519.*replace the recipients.*\(to;/s)
    await refused(path, { identity: p('a.key'), remove: p('b.key.pub') }, ArgumentError, 'FSEC_INVALID_ARGUMENT', /X25519/)
    // A 64-hex fingerprint names nothing in an age header.
    await refused(path, { identity: p('a.key'), remove: b.publicKey.fingerprint }, ArgumentError, 'FSEC_INVALID_ARGUMENT', /fingerprint/)
  })

  it('a passphrase-protected identity file opens with identityPassphrase (without it: FSEC_KEY_PASSPHRASE_REQUIRED)', async () => {
    const { path, data } = await ageFile(a.publicKey)
    const locked = await generateKeyPair('x25519')
    await writePrivateKey(a.privateKey, p('a.locked'), { passphrase: 'id pass' })
    await refused(path, { identity: p('a.locked'), add: locked.publicKey }, KeyPassphraseError, 'FSEC_KEY_PASSPHRASE_REQUIRED')
    await rotateFile(path, { identity: p('a.locked'), identityPassphrase: 'id pass', add: locked.publicKey })
    const out = p(`locked-${n++}.out`)
    await decryptFile(path, { identity: locked.privateKey, output: out })
    assert.ok(readFileSync(out).equals(data))
    // A protected filesec key file as the recipient to add: its public half, with keyPassphrase.
    const third = await generateKeyPair('x25519')
    await writePrivateKey(third.privateKey, p('third.locked'), { passphrase: 'k pass' })
    await rotateFile(path, { identity: a.privateKey, add: p('third.locked'), keyPassphrase: 'k pass' })
    await decryptFile(path, { identity: third.privateKey, output: `${out}3` })
    assert.ok(readFileSync(`${out}3`).equals(data))
  })

  it('a wrong identity: FSEC_NO_MATCHING_RECIPIENT, the file byte-identical, no temporary file', async () => {
    const { path } = await ageFile(a.publicKey)
    await refused(path, { identity: p('b.key'), add: c.publicKey }, NoMatchingRecipientError, 'FSEC_NO_MATCHING_RECIPIENT')
  })

  it('options without an age meaning are refused before anything is read: rekey, pad, metadata', async () => {
    const { path } = await ageFile(a.publicKey)
    const base = { identity: p('a.key'), to: b.publicKey }
    await refused(path, { ...base, rekey: true }, ArgumentError, 'FSEC_INVALID_ARGUMENT', /rekey.*encrypt it again/s)
    await refused(path, { ...base, rekey: true, pad: 'padme' }, ArgumentError, 'FSEC_INVALID_ARGUMENT', /rekey/)
    await refused(path, { ...base, pad: false }, ArgumentError, 'FSEC_INVALID_ARGUMENT', /padding/)
    await refused(path, { ...base, metadata: { note: 'x' } } as RotateOptions, ArgumentError, 'FSEC_INVALID_ARGUMENT', /metadata/)
    await refused(path, { ...base, add: c.publicKey }, ArgumentError, 'FSEC_INVALID_ARGUMENT')
    await refused(path, { identity: p('a.key'), to: b.publicKey, workFactor: 12 }, ArgumentError, 'FSEC_INVALID_ARGUMENT', /workFactor/)
    // rekey: false is the default and allowed.
    await rotateFile(path, { ...base, rekey: false })
  })

  itWith(['age'], 'an armored age file is rotated and stays armored (age -a layout); the payload is unchanged; its mode is kept', async () => {
    const { path, data } = await ageFile(a.publicKey, 200_000)
    const binary = readFileSync(path)
    writeFileSync(path, native.age.armor(binary), { mode: 0o600 })
    chmodSync(path, 0o640)
    const r = await rotateFile(path, { identity: p('a.key'), add: b.publicKey })
    assert.equal(r.path, path)
    assert.equal(r.fileBytes, statSync(path).size)
    const text = readFileSync(path, 'latin1')
    assert.match(text, /^-----BEGIN AGE ENCRYPTED FILE-----\n/)
    assert.match(text, /\n-----END AGE ENCRYPTED FILE-----\n$/)
    const rotated = native.age.dearmor(readFileSync(path))
    assert.ok(payloadOf(rotated).equals(payloadOf(binary)), 'the payload is byte-identical')
    assert.equal(native.age.parseHeader(rotated).stanzas.length, 2)
    assert.equal(statSync(path).mode & 0o777, 0o640)
    assert.deepEqual(leftovers(path), [])
    for (const key of ['a.key', 'b.key']) assert.ok(run('age', ['-d', '-i', p(key), path]).equals(data), key)
    // Refusals leave it as it is, with nothing beside it: a wrong identity, damaged armor.
    await refused(path, { identity: p('c.key'), add: c.publicKey }, NoMatchingRecipientError, 'FSEC_NO_MATCHING_RECIPIENT')
    const damaged = Buffer.from(readFileSync(path))
    damaged[200] = 0x2a // '*' is no base64 character
    writeFileSync(path, damaged)
    await refused(path, { identity: p('a.key'), add: c.publicKey }, HeaderError, 'FSEC_HEADER_INVALID', /age armor: /)
    // Changed while being rotated: the change is kept, nothing is left beside it.
    writeFileSync(path, native.age.armor(binary))
    rotationTestHooks.beforeCommit = (target) => writeFileSync(target, Buffer.concat([readFileSync(target), Buffer.from('\n')]))
    await rejectsWith(rotateFile(path, { identity: p('a.key'), add: b.publicKey }), SourceChangedError, 'FSEC_SOURCE_CHANGED')
    assert.equal(readFileSync(path, 'latin1'), native.age.armor(binary) + '\n')
    assert.deepEqual(leftovers(path), [])
  })

  it('a symbolic link to an age file is refused (FSEC_NOT_A_FILE), the file it points to untouched', async () => {
    const { path } = await ageFile(a.publicKey, 1000)
    const before = readFileSync(path)
    symlinkSync(path, `${path}.link`)
    await rejectsWith(rotateFile(`${path}.link`, { identity: p('a.key'), add: b.publicKey }), FileError, 'FSEC_NOT_A_FILE')
    assert.ok(readFileSync(path).equals(before))
    rmSync(`${path}.link`)
  })

  it('a truncated payload is refused before anything is committed (the final chunk must authenticate)', async () => {
    const { path } = await ageFile(a.publicKey)
    const whole = readFileSync(path)
    writeFileSync(path, whole.subarray(0, whole.length - 1))
    const before = readFileSync(path)
    const err = await rotateFile(path, { identity: p('a.key'), add: b.publicKey }).catch((e: unknown) => e)
    assert.ok(err instanceof Error && ['FSEC_PAYLOAD_TAMPERED', 'FSEC_TRUNCATED'].includes((err as { code?: string }).code!), String(err))
    assert.ok(readFileSync(path).equals(before))
    assert.deepEqual(leftovers(path), [])
  })

  it('the file changed between reading and committing: FSEC_SOURCE_CHANGED, the change kept, no temporary file', async () => {
    const { path } = await ageFile(a.publicKey)
    rotationTestHooks.beforeCommit = (target) => {
      writeFileSync(target, Buffer.concat([readFileSync(target), Buffer.from('x')]))
    }
    const before = readFileSync(path)
    await rejectsWith(rotateFile(path, { identity: p('a.key'), add: b.publicKey }), SourceChangedError, 'FSEC_SOURCE_CHANGED')
    assert.ok(readFileSync(path).equals(Buffer.concat([before, Buffer.from('x')])))
    assert.deepEqual(leftovers(path), [])
  })

  it('an aborted signal stops the rotation before it starts', async () => {
    const { path } = await ageFile(a.publicKey)
    const ac = new AbortController()
    ac.abort()
    await refused(path, { identity: p('a.key'), add: b.publicKey, signal: ac.signal }, AbortError, 'FSEC_ABORTED')
  })

  it('the file mode is kept (0640 stays 0640)', async () => {
    const { path, data } = await ageFile(a.publicKey)
    chmodSync(path, 0o640)
    await rotateFile(path, { identity: p('a.key'), to: b.publicKey })
    assert.equal(statSync(path).mode & 0o777, 0o640)
    await opensWith(path, { identity: p('b.key') }, data)
  })

  it('SecFile.rotate routes age files through the same rotation', async () => {
    const { path, data } = await ageFile(a.publicKey)
    const f = await new SecFile(path).rotate({ identity: p('a.key'), add: c.publicKey })
    assert.equal(f.path, path)
    assert.equal((f.lastResult as { commit: string }).commit, 'copy')
    await opensWith(path, { identity: p('c.key') }, data)
  })

  itWith(['ssh-keygen'], 'ssh-ed25519 and ssh-rsa recipients are removed by their key (tag): the others still open the file', async () => {
    const { path, data } = await ageFile([a.publicKey, p('ed.pub'), readFileSync(p('rsa.pub'), 'utf8')])
    const before = readFileSync(path)
    const stanzas = native.age.parseHeader(before).stanzas
    assert.deepEqual(stanzas.map((s) => s.type), ['X25519', 'ssh-ed25519', 'ssh-rsa'])
    const edTag = stanzas[1]!.args[0]!
    const rsaTag = stanzas[2]!.args[0]!

    const r1 = await rotateFile(path, { identity: p('rsa'), remove: p('ed.pub') })
    assert.deepEqual(r1.from, [`X25519:${stanzas[0]!.args[0]}`, `ssh-ed25519:${edTag}`, `ssh-rsa:${rsaTag}`])
    assert.deepEqual(r1.to, [`X25519:${stanzas[0]!.args[0]}`, `ssh-rsa:${rsaTag}`])
    const mid = native.age.parseHeader(readFileSync(path)).stanzas
    assert.deepEqual(mid, [stanzas[0], stanzas[2]], 'the other stanzas are kept verbatim')
    await rejectsWith(decryptFile(path, { identity: p('ed'), output: `${path}.never.out` }), NoMatchingRecipientError, 'FSEC_NO_MATCHING_RECIPIENT')
    await opensWith(path, { identity: p('rsa') }, data)

    // Not a recipient any more, or given as a fingerprint: nothing to remove.
    await refused(path, { identity: p('a.key'), remove: p('ed.pub') }, ArgumentError, 'FSEC_INVALID_ARGUMENT', /not a recipient/)
    // Already a recipient: adding it again is refused.
    await refused(path, { identity: p('a.key'), add: p('rsa.pub') }, ArgumentError, 'FSEC_INVALID_ARGUMENT', /already a recipient/)
    await refused(
      path,
      { identity: p('a.key'), add: p('rsa.pub'), remove: readFileSync(p('rsa.pub'), 'utf8') },
      ArgumentError,
      'FSEC_INVALID_ARGUMENT',
      /both added and removed/,
    )

    const r2 = await rotateFile(path, { identity: p('a.key'), remove: readFileSync(p('rsa.pub'), 'utf8') })
    assert.deepEqual(r2.to, [`X25519:${stanzas[0]!.args[0]}`])
    await rejectsWith(decryptFile(path, { identity: p('rsa'), output: `${path}.never.out` }), NoMatchingRecipientError, 'FSEC_NO_MATCHING_RECIPIENT')
    await opensWith(path, { identity: p('a.key') }, data)
    assert.ok(payloadOf(readFileSync(path)).equals(payloadOf(before)), 'payload unchanged through both removals')
    assert.deepEqual(leftovers(path), [])
  })

  itWith(['ssh-keygen'], 'removing the last recipient is refused; an ssh key can be added back, and removed together with another add', async () => {
    const { path, data } = await ageFile(p('ed.pub'))
    await refused(path, { identity: p('ed'), remove: p('ed.pub') }, ArgumentError, 'FSEC_INVALID_ARGUMENT', /nobody/)
    const r = await rotateFile(path, { identity: p('ed'), remove: p('ed.pub'), add: [a.publicKey, p('rsa.pub')] })
    assert.deepEqual(native.age.parseHeader(readFileSync(path)).stanzas.map((s) => s.type), ['X25519', 'ssh-rsa'])
    assert.equal(r.to.length, 2)
    await opensWith(path, { identity: p('rsa') }, data)
    await opensWith(path, { identity: p('a.key') }, data)
  })

  itWith(['age', 'age-keygen'], 'interop: a file written by the age CLI, rotated by filesec, decrypts with `age -d` for old and new identities', async () => {
    const folder = p(`t${n++}`)
    mkdirSync(folder)
    const plain = join(folder, 'data.bin')
    const data = randomFile(plain, SIZE)
    run('age-keygen', ['-o', join(folder, 'z.key')])
    const zPub = run('age-keygen', ['-y', join(folder, 'z.key')]).toString().trim()
    const path = join(folder, 'data.bin.age')
    run('age', ['-e', '-r', zPub, '-o', path, plain])
    const before = readFileSync(path)
    await rotateFile(path, { identity: join(folder, 'z.key'), add: b.publicKey })
    assert.ok(payloadOf(readFileSync(path)).equals(payloadOf(before)))
    assert.ok(run('age', ['-d', '-i', join(folder, 'z.key'), path]).equals(data))
    assert.ok(run('age', ['-d', '-i', p('b.key'), path]).equals(data))
    await rotateFile(path, { identity: p('b.key'), to: a.publicKey })
    assert.ok(run('age', ['-d', '-i', p('a.key'), path]).equals(data))
    assert.notEqual(spawnSync('age', ['-d', '-i', join(folder, 'z.key'), path]).status, 0, 'the replaced identity no longer opens it')
  })

  itWith(['age', 'script'], 'interop: `age -d` opens a file rotated to a passphrase (and back to keys)', async () => {
    const { path, data } = await ageFile(a.publicKey)
    await rotateFile(path, { identity: p('a.key'), newPassphrase: PASS, workFactor: 10 })
    ageDecryptWithPassphrase(path, `${path}.age-cli.out`, PASS)
    assert.ok(readFileSync(`${path}.age-cli.out`).equals(data))
    await rotateFile(path, { passphrase: PASS, to: b.publicKey })
    assert.ok(run('age', ['-d', '-i', p('b.key'), path]).equals(data))
  })

  itWith(['age', 'ssh-keygen'], 'interop: `age -d` opens files rotated to ssh-ed25519 and ssh-rsa recipients, and not with a removed one', async () => {
    const { path, data } = await ageFile(a.publicKey)
    await rotateFile(path, { identity: p('a.key'), add: [p('ed.pub'), p('rsa.pub')] })
    for (const id of ['ed', 'rsa', 'a.key']) assert.ok(run('age', ['-d', '-i', p(id), path]).equals(data), id)
    await rotateFile(path, { identity: p('ed'), remove: p('rsa.pub') })
    assert.notEqual(spawnSync('age', ['-d', '-i', p('rsa'), path]).status, 0)
    assert.ok(run('age', ['-d', '-i', p('ed'), path]).equals(data))
  })

  describe('filesec rotate (CLI) on age files', () => {
    const cli = cliIn(dir)
    before(() => ensureBuilt())

    itWith(['ssh-keygen'], 'rotate --add / --remove with ssh keys and -i OpenSSH identities; --json reports the copy commit; decrypt afterwards', async () => {
      const { path, data } = await ageFile(a.publicKey)
      const rel = path.slice(dir().length + 1)
      const r = await cli(['rotate', rel, '-i', 'a.key', '--add', 'ed.pub', '--add', readFileSync(p('rsa.pub'), 'utf8').trim(), '--json'])
      expectStatus(r, 0)
      const j = json(r)
      assert.equal(j.command, 'rotate')
      assert.equal(j.commit, 'copy')
      assert.equal(j.rekeyed, false)
      assert.deepEqual(native.age.parseHeader(readFileSync(path)).stanzas.map((s) => s.type), ['X25519', 'ssh-ed25519', 'ssh-rsa'])
      const human = await cli(['rotate', rel, '-i', 'ed', '--remove', 'rsa.pub'])
      expectStatus(human, 0)
      assert.match(human.stdout, /header only, file copied/)
      assert.match(human.stdout, /note: a removed recipient .* only encrypting it again revokes/)
      expectStatus(await cli(['decrypt', rel, '-i', 'rsa', '-o', `${rel}.never.out`]), EXIT.CANNOT_OPEN)
      expectStatus(await cli(['decrypt', rel, '-i', 'ed', '-o', `${rel}.cli.out`]), 0)
      assert.ok(readFileSync(`${path}.cli.out`).equals(data))
    })

    it('rotate -r on an age file; --rekey and --remove of an X25519 key are usage errors; the file stays as it was', async () => {
      const { path, data } = await ageFile(a.publicKey)
      const rel = path.slice(dir().length + 1)
      const before = readFileSync(path)
      const rekey = await cli(['rotate', rel, '-i', 'a.key', '-r', 'b.key.pub', '--rekey'])
      expectStatus(rekey, EXIT.USAGE)
      assert.match(rekey.stderr, /rekey is not supported for age files/)
      const remove = await cli(['rotate', rel, '-i', 'a.key', '--remove', 'a.key.pub'])
      expectStatus(remove, EXIT.USAGE)
      assert.match(remove.stderr, /X25519 recipient cannot be removed/)
      assert.ok(readFileSync(path).equals(before))
      expectStatus(await cli(['rotate', rel, '-i', 'a.key', '-r', 'b.key.pub']), 0)
      await opensWith(path, { identity: p('b.key') }, data)
      assert.deepEqual(leftovers(path), [])
    })
  })
})

describe('native.age.rewrap / checkHeader', () => {
  it('keeps stanzas verbatim, recomputes the MAC under the same file key; refuses a foreign key, a kept or shared scrypt stanza', async () => {
    const x = await generateKeyPair('x25519')
    const y = await generateKeyPair('x25519')
    const sealed = await native.age.seal([x.publicKey.native], null, 0)
    const other = await native.age.seal([x.publicKey.native], null, 0)
    const header = await native.age.rewrap(sealed.header, sealed.fileKey, { keep: [0], recipients: [y.publicKey.native], passphrase: null, workFactor: 0 })
    native.age.checkHeader(header, sealed.fileKey)
    assert.throws(() => native.age.checkHeader(header, other.fileKey), { code: 'FSEC_HEADER_TAMPERED' })
    assert.throws(() => native.age.checkHeader(Buffer.concat([header, Buffer.from('x')]), sealed.fileKey), { code: 'FSEC_HEADER_INVALID' })
    const opened = await native.age.open(header, [y.privateKey.native], null, 22)
    assert.ok(native.age.testOnlyFileKeyBytes(opened).equals(native.age.testOnlyFileKeyBytes(sealed.fileKey)), 'the same file key')
    assert.ok(header.toString().startsWith(sealed.header.subarray(0, sealed.header.indexOf('\n---')).toString()), 'old stanza verbatim first')

    const rewrap = (keep: number[], recipients: unknown[], passphrase: Buffer | null, key = sealed.fileKey, old = sealed.header) =>
      native.age.rewrap(old, key, { keep, recipients: recipients as never, passphrase, workFactor: 10 })
    await assert.rejects(rewrap([], [y.publicKey.native], null, other.fileKey), { code: 'FSEC_INVALID_ARGUMENT', message: /does not belong/ })
    await assert.rejects(rewrap([0], [], Buffer.from('pw')), { code: 'FSEC_INVALID_ARGUMENT', message: /only recipient/ })
    await assert.rejects(rewrap([], [y.publicKey.native], Buffer.from('pw')), { code: 'FSEC_INVALID_ARGUMENT', message: /only recipient/ })
    await assert.rejects(rewrap([], [], null), { code: 'FSEC_INVALID_ARGUMENT' })
    await assert.rejects(rewrap([1], [], null), { code: 'FSEC_INVALID_ARGUMENT', message: /out of range/ })
    await assert.rejects(rewrap([0, 0], [], null), { code: 'FSEC_INVALID_ARGUMENT', message: /twice/ })
    const pw = await rewrap([], [], Buffer.from('pw'))
    assert.deepEqual(native.age.parseHeader(pw).stanzas.map((s) => s.type), ['scrypt'])
    await assert.rejects(rewrap([0], [y.publicKey.native], null, sealed.fileKey, pw), { code: 'FSEC_INVALID_ARGUMENT', message: /scrypt/ })
    const again = await native.age.open(pw, [], Buffer.from('pw'), 22)
    assert.ok(native.age.testOnlyFileKeyBytes(again).equals(native.age.testOnlyFileKeyBytes(sealed.fileKey)))
  })

  it('describeRecipients: X25519 has no tag; ssh keys have the tag their stanzas carry', async () => {
    const x = await generateKeyPair('x25519')
    const rsa = await generateKeyPair('rsa', { bits: 2048 })
    const [dx, drsa] = await native.age.describeRecipients([x.publicKey.native, rsa.publicKey.native])
    assert.deepEqual(dx, { type: 'X25519', tag: null })
    assert.equal(drsa!.type, 'ssh-rsa')
    const sealed = await native.age.seal([rsa.publicKey.native], null, 0)
    assert.deepEqual(native.age.parseHeader(sealed.header).stanzas[0]!.args, [drsa!.tag])
  })
})

// Secrets stay secret: with a known passphrase, known private keys and (for age) the file key
// read back through the test-only native export, every API operation and CLI command, failing or
// not, is run and its results, errors (message, JSON.stringify, util.inspect, every property),
// standard output and standard error are searched for those secrets in every spelling (text,
// hex, base64, base64url, PEM body lines). Passphrases come from a terminal without echo, a file
// or a named environment variable, never from an argument; the CLI process cannot be dumped.
import { strict as assert } from 'node:assert'
import { spawn, spawnSync } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inspect as utilInspect } from 'node:util'

import {
  decryptFile,
  encryptFile,
  FilesecError,
  generateKeyPair,
  inspect,
  loadKey,
  openEncryptedFile,
  rotateFile,
  writePrivateKey,
} from '../lib'
import native = require('../binding')
import { CLI, ensureBuilt, ptyUnavailable, runCli, runCliOnPty } from './cli/run'
import { scratchDir } from './helpers'

const PASS = 'correct-secret-PASSPHRASE-4b7e91'
const KEY_PASS = 'identity-secret-KEYPASS-0c5d22'
const NEW_PASS = 'rotated-secret-NEWPASS-7a13f0'

/** Every spelling of a secret that could leak: the text, and for bytes hex, base64, base64url. */
function spellings(secret: string | Buffer): string[] {
  if (typeof secret === 'string') return [secret]
  const b64 = secret.toString('base64').replace(/=+$/, '')
  return [secret.toString('hex'), secret.toString('hex').toUpperCase(), b64, secret.toString('base64url')]
}

describe('secrets: never in outputs, errors, metadata or argv; the CLI cannot be dumped', function () {
  this.timeout(120_000)
  const dir = scratchDir('filesec-secrets-')
  const f = (n: string) => join(dir(), n)
  /** [name, spelling] of everything that must never be shown. */
  const secrets: [string, string][] = []
  const addSecret = (name: string, s: string | Buffer) => {
    for (const x of spellings(s)) if (x.length >= 12) secrets.push([name, x])
  }
  let xPub = ''
  let rsaPub = ''
  let checked = 0

  function assertClean(what: string, text: string): void {
    checked++
    for (const [name, s] of secrets) assert.ok(!text.includes(s), `${what} shows the ${name}:\n${text.slice(0, 2000)}`)
  }

  /** Everything a caller can see of an error. */
  function errorText(e: unknown): string {
    const parts = [String(e), utilInspect(e, { depth: 5, showHidden: true }), JSON.stringify(e)]
    if (e && typeof e === 'object') for (const k of Object.getOwnPropertyNames(e)) parts.push(`${k}=${utilInspect((e as Record<string, unknown>)[k])}`)
    return parts.join('\n')
  }

  async function expectFailureClean(what: string, p: Promise<unknown>): Promise<FilesecError> {
    let error: unknown
    try {
      await p
    } catch (e) {
      error = e
    }
    assert.ok(error instanceof FilesecError, `${what}: expected a filesec error, got ${String(error)}`)
    assertClean(what, errorText(error))
    return error
  }

  async function expectSuccessClean<T>(what: string, p: Promise<T>): Promise<T> {
    const r = await p
    assertClean(what, `${JSON.stringify(r)}\n${utilInspect(r, { depth: 8 })}`)
    return r
  }

  before(async () => {
    ensureBuilt()
    // X25519 and RSA keys whose raw private bytes we know (node:crypto made them), as PKCS#8 PEM.
    const x = generateKeyPairSync('x25519')
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const xPem = x.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    const rsaPem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    writeFileSync(f('x.pem'), xPem, { mode: 0o600 })
    writeFileSync(f('rsa.pem'), rsaPem, { mode: 0o600 })
    const xJwk = x.privateKey.export({ format: 'jwk' })
    const rsaJwk = rsa.privateKey.export({ format: 'jwk' })
    addSecret('X25519 private key', Buffer.from(xJwk.d!, 'base64url'))
    for (const k of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) addSecret(`RSA private ${k}`, Buffer.from(rsaJwk[k]!, 'base64url'))
    for (const [name, pem] of [['X25519 PEM', xPem], ['RSA PEM', rsaPem]] as const) {
      for (const line of pem.split('\n').filter((l) => l.length >= 20 && !l.startsWith('-----'))) addSecret(`${name} body line`, line)
    }
    const xKey = await loadKey(f('x.pem'))
    xPub = xKey.publicText
    rsaPub = (await loadKey(f('rsa.pem'))).publicText
    // The same X25519 key as a passphrase-protected filesec identity file, and its age form.
    await writePrivateKey(xKey, f('x-protected.key'), { passphrase: KEY_PASS })
    await writePrivateKey(xKey, f('x-age.key'), { unprotected: true })
    const ageSecret = readFileSync(f('x-age.key'), 'utf8').match(/AGE-SECRET-KEY-1[0-9A-Z]+/)![0]
    addSecret('age secret key', ageSecret)
    addSecret('age secret key (lower case)', ageSecret.toLowerCase())
    for (const [name, p] of [['passphrase', PASS], ['key passphrase', KEY_PASS], ['new passphrase', NEW_PASS]] as const) {
      addSecret(name, p)
      addSecret(`${name} (bytes)`, Buffer.from(p))
    }
    writeFileSync(f('pass.txt'), `${PASS}\n`, { mode: 0o600 })
    writeFileSync(f('keypass.txt'), `${KEY_PASS}\n`, { mode: 0o600 })
    writeFileSync(f('newpass.txt'), `${NEW_PASS}\n`, { mode: 0o600 })
    writeFileSync(f('wrong.txt'), 'not-the-passphrase\n', { mode: 0o600 })
  })

  it('the secrets are spelled in full (control: a search that would find them)', () => {
    assert.ok(secrets.length >= 30)
    assert.throws(() => assertClean('a planted leak', `error: ${PASS}`))
    assert.throws(() => assertClean('a planted leak', readFileSync(f('rsa.pem'), 'utf8')))
  })

  it('API: encrypt, decrypt, inspect, open, rotate with passphrases and keys, and their failures', async () => {
    writeFileSync(f('doc'), randomBytes(5000))
    const pe = await expectSuccessClean('encrypt to a passphrase', encryptFile(f('doc'), { passphrase: PASS, workFactor: 10, keep: true, output: f('p.fsec') }))
    await expectSuccessClean('encrypt to keys', encryptFile(f('doc'), { to: [xPub, rsaPub], keep: true, output: f('k.fsec'), note: 'a note' }))
    await expectSuccessClean('encrypt age', encryptFile(f('doc'), { codec: 'age', to: xPub, keep: true, output: f('k.age') }))
    assertClean('the encrypted file', readFileSync(pe.output, 'latin1'))

    await expectSuccessClean('decrypt with the passphrase', decryptFile(f('p.fsec'), { passphrase: { file: f('pass.txt') }, output: f('o1') }))
    await expectSuccessClean('decrypt with a protected identity', decryptFile(f('k.fsec'), { identity: f('x-protected.key'), identityPassphrase: KEY_PASS, output: f('o2') }))
    await expectSuccessClean('decrypt with RSA', decryptFile(f('k.fsec'), { identity: f('rsa.pem'), output: f('o3') }))
    await expectSuccessClean('inspect with the passphrase', inspect(f('p.fsec'), { passphrase: PASS } as never))
    await expectSuccessClean('inspect with a key', inspect(f('k.fsec'), { identity: f('x.pem') } as never))
    const opened = await expectSuccessClean('open for random access', openEncryptedFile(f('k.fsec'), { identity: f('x.pem') }))
    opened.close()

    await expectFailureClean('a wrong passphrase', decryptFile(f('p.fsec'), { passphrase: `${PASS}x`, output: f('e1') }))
    await expectFailureClean('a wrong passphrase (env)', decryptFile(f('p.fsec'), { passphrase: { env: 'FILESEC_SECRETS_UNSET' }, output: f('e1') }))
    await expectFailureClean('a wrong key passphrase', decryptFile(f('k.fsec'), { identity: f('x-protected.key'), identityPassphrase: `${KEY_PASS}x`, output: f('e2') }))
    await expectFailureClean('no key passphrase', decryptFile(f('k.fsec'), { identity: f('x-protected.key'), output: f('e2') }))
    await expectFailureClean('a key instead of a passphrase', decryptFile(f('p.fsec'), { identity: f('x.pem'), output: f('e3') }))
    await expectFailureClean('a passphrase for a key file', decryptFile(f('k.fsec'), { passphrase: PASS, output: f('e4') }))
    await expectFailureClean('both passphrase and keys', encryptFile(f('doc'), { passphrase: PASS, to: xPub, keep: true }))
    await expectFailureClean('a bad work factor', encryptFile(f('doc'), { passphrase: PASS, workFactor: 99, keep: true }))
    await expectFailureClean('an unknown option next to a passphrase', decryptFile(f('p.fsec'), { passphrase: PASS, secret: PASS } as never))
    const tampered = readFileSync(f('k.fsec'))
    tampered[tampered.length - 5]! ^= 1
    writeFileSync(f('t.fsec'), tampered)
    await expectFailureClean('a tampered file', decryptFile(f('t.fsec'), { identity: f('x.pem'), output: f('e5') }))
    await expectFailureClean('a tampered file (RSA)', decryptFile(f('t.fsec'), { identity: f('rsa.pem'), output: f('e5') }))
    await expectFailureClean('age: a wrong key', decryptFile(f('k.age'), { identity: f('rsa.pem'), output: f('e6') }))
    await expectFailureClean('age: a passphrase for a key file', decryptFile(f('k.age'), { passphrase: PASS, output: f('e6') }))

    // Damaged private keys: the parser's errors must not quote the key text.
    const pem = readFileSync(f('rsa.pem'), 'utf8').split('\n')
    pem[3] = pem[3]!.slice(0, 10) + '*' + pem[3]!.slice(11)
    await expectFailureClean('a damaged PEM key', loadKey(Buffer.from(pem.join('\n'))))
    // One character changed (to another one of the bech32 alphabet): the checksum must catch it.
    const age = readFileSync(f('x-age.key'), 'utf8').replace(
      /(AGE-SECRET-KEY-1[0-9A-Z]{20})([0-9A-Z])/,
      (_m, head: string, c: string) => head + (c === 'Q' ? 'P' : 'Q'),
    )
    await expectFailureClean('an age secret key with a bad checksum', loadKey(Buffer.from(age)))
    await expectFailureClean('an age secret key in lower case', loadKey(Buffer.from(age.toLowerCase())))
    await expectFailureClean('a protected key with a wrong passphrase', loadKey(f('x-protected.key'), { passphrase: 'wrong' }))

    await expectSuccessClean('rotate to a new passphrase', rotateFile(f('p.fsec'), { passphrase: PASS, newPassphrase: NEW_PASS, workFactor: 10 }))
    await expectFailureClean('rotate with the old passphrase', rotateFile(f('p.fsec'), { passphrase: PASS, newPassphrase: PASS, workFactor: 10 }))
    // Keys themselves: printing or serialising one shows no private material.
    const k = await loadKey(f('rsa.pem'))
    assertClean('a private Key printed', `${utilInspect(k, { depth: 5, showHidden: true })}\n${JSON.stringify(k)}\n${String(k)}`)
    const pair = await generateKeyPair('x25519')
    assertClean('a generated pair printed', `${utilInspect(pair, { depth: 5 })}\n${JSON.stringify(pair)}`)
  })

  it('age: the file key never reaches a result or an error', async () => {
    const enc = readFileSync(f('k.age'))
    const fk = await native.age.open(enc, [readFileSync(f('x-age.key'))], null, 22)
    const fileKey = native.age.testOnlyFileKeyBytes(fk)
    fk.destroy()
    assert.equal(fileKey.length, 16)
    addSecret('age file key', fileKey)
    await expectSuccessClean('age decrypt', decryptFile(f('k.age'), { identity: f('x-age.key'), output: f('a1') }))
    await expectSuccessClean('age inspect', inspect(f('k.age'), { identity: f('x-age.key') } as never))
    const bad = Buffer.from(enc)
    bad[bad.length - 3]! ^= 1
    writeFileSync(f('bad.age'), bad)
    await expectFailureClean('age tampered', decryptFile(f('bad.age'), { identity: f('x-age.key'), output: f('a2') }))
    const r = await runCli(['decrypt', '--json', 'bad.age', '-i', 'x-age.key', '-o', 'a3'], { cwd: dir() })
    assert.notEqual(r.status, 0)
    assertClean('CLI age tampered', r.stdout + r.stderr)
  })

  it('CLI: every command, with and without --json, succeeding and failing, shows no secret', async () => {
    writeFileSync(f('c.txt'), randomBytes(3000))
    const env = { FS_PASS: PASS, FS_KEYPASS: KEY_PASS, FS_NEWPASS: NEW_PASS, FS_WRONG: 'wrong-one' }
    // Each run twice, plain and --json; `s` keeps their files apart.
    const runs: [string, (s: string) => string[], boolean][] = [
      ['keygen protected', (s) => ['keygen', '-o', `g${s}.key`, '--passphrase-env', 'FS_KEYPASS'], true],
      ['keygen rsa unprotected', (s) => ['keygen', '--type', 'rsa', '-o', `g-rsa${s}.key`, '--no-passphrase'], true],
      ['encrypt -p', (s) => ['encrypt', 'c.txt', '-p', '--passphrase-env', 'FS_PASS', '--work-factor', '10', '--keep', '-o', `c${s}.fsec`], true],
      ['encrypt -r', (s) => ['encrypt', 'c.txt', '-r', xPub, '--keep', '-o', `c-k${s}.fsec`], true],
      ['decrypt -p', (s) => ['decrypt', `c${s}.fsec`, '--passphrase-file', 'pass.txt', '-o', `c${s}.out`], true],
      ['decrypt -p wrong', (s) => ['decrypt', `c${s}.fsec`, '--passphrase-file', 'wrong.txt', '-o', `c${s}.out2`], false],
      ['decrypt -p wrong env', (s) => ['decrypt', `c${s}.fsec`, '--passphrase-env', 'FS_WRONG', '-o', `c${s}.out2`], false],
      ['decrypt -i protected', (s) => ['decrypt', `c-k${s}.fsec`, '-i', 'x-protected.key', '--passphrase-env', 'FS_KEYPASS', '-o', `c${s}.out3`], true],
      ['decrypt -i protected wrong', (s) => ['decrypt', `c-k${s}.fsec`, '-i', 'x-protected.key', '--passphrase-env', 'FS_WRONG', '-o', `c${s}.out4`], false],
      ['decrypt -i wrong key', (s) => ['decrypt', `c-k${s}.fsec`, '-i', 'rsa.pem', '-o', `c${s}.out4`], false],
      ['decrypt -i pem', (s) => ['decrypt', `c-k${s}.fsec`, '-i', 'x.pem', '-o', `c${s}.out5`], true],
      ['decrypt tampered', (s) => ['decrypt', 't.fsec', '-i', 'x.pem', '-o', `c${s}.out6`], false],
      ['inspect', (s) => ['inspect', `c-k${s}.fsec`], true],
      ['inspect -i', (s) => ['inspect', `c-k${s}.fsec`, '-i', 'x.pem'], true],
      ['rotate to a new passphrase', (s) => ['rotate', `c${s}.fsec`, '--passphrase-file', 'pass.txt', '-p', '--new-passphrase-env', 'FS_NEWPASS', '--work-factor', '10'], true],
      ['rotate with the old passphrase', (s) => ['rotate', `c${s}.fsec`, '--passphrase-file', 'pass.txt', '-p', '--new-passphrase-env', 'FS_PASS', '--work-factor', '10'], false],
      ['status', (s) => ['status', `c${s}.fsec`], true],
      ['sign', (s) => ['sign', 'c.txt', '--key', `g-rsa${s}.key`, '-o', `c${s}.sig`], true],
      ['verify', (s) => ['verify', 'c.txt', '--key', `g-rsa${s}.key`, '--signature', `c${s}.sig`], true],
      ['a bad option after a passphrase file', (s) => ['decrypt', `c${s}.fsec`, '--passphrase-file', 'pass.txt', '--bogus', PASS], false],
    ]
    const seen: string[] = []
    for (const [name, argsOf, ok] of runs) {
      for (const json of [false, true]) {
        const args = argsOf(json ? '-j' : '')
        const r = await runCli(json ? ['--json', ...args] : args, { cwd: dir(), env })
        seen.push(name)
        assert.equal(r.status === 0, ok, `filesec ${args.join(' ')}: exit ${r.status}: ${r.stdout}${r.stderr}`)
        assertClean(`filesec ${args.join(' ')}${json ? ' --json' : ''}`, r.stdout + r.stderr)
        if (json) for (const line of r.stdout.trim().split('\n').filter((l) => l !== '')) JSON.parse(line)
      }
    }
    assert.ok(seen.length === runs.length * 2)
  })

  it('CLI: a passphrase is refused as an argument by every command, and not echoed in the refusal', async () => {
    const commands = ['keygen', 'encrypt', 'decrypt', 'inspect', 'rotate', 'sign', 'verify', 'pad', 'unpad', 'destroy', 'status', 'migrate']
    const forms = [['--passphrase', PASS], [`--passphrase=${PASS}`], ['--password', PASS], ['--key-passphrase', PASS], ['--new-passphrase', PASS], ['--Passphrase', PASS]]
    // Every command with one form each (in turn), plain and --json; every form with decrypt.
    const cases: [string, string[]][] = commands.map((c, i) => [c, forms[i % forms.length]!])
    for (const form of forms) cases.push(['decrypt', form])
    for (const [c, form] of cases) {
      for (const json of [false, true]) {
        const args = [...(json ? ['--json'] : []), c, 'c.txt', ...form]
        const r = await runCli(args, { cwd: dir() })
        assert.equal(r.status, 2, `filesec ${args.join(' ')} was not refused: ${r.stdout}${r.stderr}`)
        assert.match(r.stdout + r.stderr, /never takes a passphrase as a command-line argument/)
        assertClean(`filesec ${args.join(' ')}`, r.stdout + r.stderr)
      }
    }
    // Before the command name too.
    const r = await runCli(['--passphrase', PASS, 'decrypt', 'c.fsec'], { cwd: dir() })
    assert.equal(r.status, 2)
  })

  it('CLI: a passphrase typed on the terminal is not echoed', function () {
    const why = ptyUnavailable()
    if (why !== undefined) this.skip()
    const r = runCliOnPty(['encrypt', 'c.txt', '-p', '--keep', '-o', 'pty.fsec', '--work-factor', '10'], {
      cwd: dir(),
      steps: [['assphrase', `${PASS}\r`], ['assphrase', `${PASS}\r`]],
    })
    assert.equal(r.status, 0, r.output)
    assert.equal(r.pending, 0, 'both prompts came')
    assertClean('the terminal', r.output)
    // And the passphrase typed there is the one the file takes.
    const d = runCliOnPty(['decrypt', 'pty.fsec', '-o', 'pty.out'], { cwd: dir(), steps: [['assphrase', `${PASS}\r`]] })
    assert.equal(d.status, 0, d.output)
    assertClean('the terminal', d.output)
    assert.deepEqual(readFileSync(f('pty.out')), readFileSync(f('c.txt')))
  })

  it('CLI: the process cannot be dumped (RLIMIT_CORE 0, not dumpable) while it holds a passphrase', async () => {
    // An scrypt at the default work factor keeps the CLI busy for a while after its start, with
    // the passphrase in memory; its limits are read meanwhile. (A FIFO cannot hold it: a
    // passphrase file must be a regular file.)
    const child = spawn(process.execPath, [CLI, 'encrypt', 'c.txt', '-p', '--passphrase-env', 'FS_PASS', '--keep', '-o', 'dump.fsec'], {
      cwd: dir(),
      stdio: 'ignore',
      env: { ...process.env, FS_PASS: PASS },
    })
    const exited = new Promise<number | null>((r) => child.on('close', r))
    let done = false
    void exited.then(() => (done = true))
    let limits = ''
    try {
      while (!done && !/Max core file size\s+0\s+0\s/.test(limits)) {
        await new Promise((r) => setTimeout(r, 5))
        try {
          limits = readFileSync(`/proc/${child.pid}/limits`, 'utf8')
        } catch {
          // gone already
        }
      }
      assert.match(limits, /Max core file size\s+0\s+0\s/, `the CLI ran with core dumps allowed:\n${limits}`)
      assert.equal(await exited, 0)
    } finally {
      child.kill('SIGKILL')
    }
    // What denyCoreDumps does, seen from inside a process (PR_GET_DUMPABLE has no /proc field).
    const probe = spawnSync(
      process.execPath,
      ['-e', `const n = require(${JSON.stringify(join(__dirname, '..', 'binding'))}); const a = n.coreDumpState(); n.denyCoreDumps(); console.log(JSON.stringify([a, n.coreDumpState()]))`],
      { encoding: 'utf8' },
    )
    const [before, after] = JSON.parse(probe.stdout) as { dumpable: boolean; coreLimit: number }[]
    assert.equal(before!.dumpable, true)
    assert.deepEqual(after, { dumpable: false, coreLimit: 0 })
    assert.ok(checked > 100, `${checked} outputs checked`)
    console.log(`      ${checked} outputs searched for ${secrets.length} spellings of secrets`)
  })
})

// Every key format filesec promises, end to end (load → encrypt to it → decrypt with its private
// half), and a clear typed error for every bad key. Fixtures are made in a scratch folder with
// the real tools (openssl, ssh-keygen, age-keygen); a missing tool skips its tests visibly and
// names the Debian package that provides it.
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { createHash, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  ArgumentError,
  decryptFile,
  encryptFile,
  FileNotFoundError,
  FilesecError,
  generateKeyPair,
  inspect,
  Key,
  KeyError,
  type KeyInput,
  KeyPassphraseError,
  KeyTooShortError,
  loadKey,
  loadKeys,
  type LoadKeyOptions,
  OutputExistsError,
  type PassphraseSource,
  writePrivateKey,
  writePublicKey,
  WrongKeyError,
} from '../lib'
import { describeWithVectors, leftoverTempFiles, rejectsWith, scratchDir } from './helpers'

// ---------------------------------------------------------------------------------------------
// Local helpers

interface Tool {
  cmd: string
  pkg: string
}
const OPENSSL: Tool = { cmd: 'openssl', pkg: 'openssl' }
const SSH_KEYGEN: Tool = { cmd: 'ssh-keygen', pkg: 'openssh-client' }
const AGE: Tool = { cmd: 'age', pkg: 'age' }
const AGE_KEYGEN: Tool = { cmd: 'age-keygen', pkg: 'age' }
const SCRIPT: Tool = { cmd: 'script', pkg: 'bsdutils' }

const toolCache = new Map<string, boolean>()
function have(cmd: string): boolean {
  if (!toolCache.has(cmd)) {
    toolCache.set(cmd, spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0)
  }
  return toolCache.get(cmd)!
}

function missingReason(tools: Tool[]): string | undefined {
  const missing = tools.filter((t) => !have(t.cmd))
  if (missing.length === 0) return undefined
  return missing.map((t) => `${t.cmd} not found (Debian package ${t.pkg})`).join(', ')
}

/** describe() that says visibly why it skips when a tool is missing. */
function describeNeeds(tools: Tool[], title: string, fn: () => void): void {
  const reason = missingReason(tools)
  if (reason) {
    describe(title, () => {
      it(`SKIPPED: ${reason}`, function () {
        this.skip()
      })
    })
    return
  }
  describe(title, fn)
}

/** it() that says visibly why it skips when a tool is missing. */
function itNeeds(tools: Tool[], title: string, fn: (this: Mocha.Context) => Promise<void> | void): void {
  const reason = missingReason(tools)
  if (reason) {
    it(`${title} — SKIPPED: ${reason}`, function () {
      this.skip()
    })
    return
  }
  it(title, fn)
}

function run(cmd: string, args: string[], options: { cwd?: string; input?: string | Buffer } = {}): Buffer {
  const r = spawnSync(cmd, args, { cwd: options.cwd, input: options.input, maxBuffer: 64 << 20 })
  if (r.error) throw r.error
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}: ${r.stderr.toString()}`)
  }
  return r.stdout
}

/**
 * Runs age with a pseudo-terminal (util-linux `script`), typing `typed` into it: age reads
 * passphrases only from a terminal.
 */
function ageWithTty(args: string[], typed: string): void {
  const cmd = ['age', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { input: typed, timeout: 30000 })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`age ${args.join(' ')} (through script) exited with ${r.status}: ${r.stdout}${r.stderr}`)
}

function sha256hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Asserts that `p` rejects with an instance of `Class` carrying `code`. */

let counter = 0
/**
 * Encrypts fresh random data to `to`, decrypts with `identity`, and checks the plaintext comes
 * back. Returns the .fsec path.
 */
async function roundTrip(
  dir: string,
  to: KeyInput | KeyInput[],
  identity: KeyInput | KeyInput[],
  opts: { keyPassphrase?: PassphraseSource; identityPassphrase?: PassphraseSource; size?: number } = {},
): Promise<string> {
  const n = ++counter
  const input = join(dir, `plain-${n}.bin`)
  const data = randomBytes(opts.size ?? 3000 + n)
  writeFileSync(input, data)
  const encrypted = join(dir, `plain-${n}.bin.fsec`)
  const enc = await encryptFile(input, {
    keep: true,
    to,
    output: encrypted,
    ...(opts.keyPassphrase !== undefined ? { keyPassphrase: opts.keyPassphrase } : {}),
  })
  assert.equal(enc.output, encrypted)
  const out = join(dir, `back-${n}.bin`)
  await decryptFile(encrypted, {
    identity,
    output: out,
    ...(opts.identityPassphrase !== undefined ? { identityPassphrase: opts.identityPassphrase } : {}),
  })
  assert.ok(readFileSync(out).equals(data), 'the decrypted file differs from the original')
  return encrypted
}

/** Encrypts a small file to `to` and returns its path (for tests of the decrypting side). */
async function encryptedTo(dir: string, to: KeyInput | KeyInput[]): Promise<string> {
  const n = ++counter
  const input = join(dir, `msg-${n}.txt`)
  writeFileSync(input, `message ${n}\n`)
  const output = join(dir, `msg-${n}.txt.fsec`)
  await encryptFile(input, { keep: true, to, output })
  return output
}

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
/** Returns the age key text with its last data character changed (the checksum then fails). */
function breakChecksum(text: string): string {
  const i = text.length - 1
  const c = text[i]!.toLowerCase()
  let r = BECH32[(BECH32.indexOf(c) + 1) % 32]!
  if (text[i] !== c) r = r.toUpperCase()
  return text.slice(0, i) + r
}

const PASS = 'correct horse battery staple'
const PASS_FILE_TEXT = `${PASS}\n` // openssl -passout file: reads the first line; filesec drops one trailing newline

// ---------------------------------------------------------------------------------------------

describeNeeds([OPENSSL], 'keys: RSA key formats made by openssl', () => {
  const dir = scratchDir('filesec-keys-rsa-')
  const f = (name: string) => join(dir(), name)
  let fingerprint = ''
  let passFile = ''

  before(function () {
    this.timeout(30000)
    const d = dir()
    passFile = f('pass.txt')
    writeFileSync(passFile, PASS_FILE_TEXT, { mode: 0o600 })
    const o = (...args: string[]) => run('openssl', args, { cwd: d })
    o('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'pkcs8.pem')
    chmodSync(f('pkcs8.pem'), 0o600)
    // Public halves.
    o('pkey', '-in', 'pkcs8.pem', '-pubout', '-out', 'spki.pem')
    o('rsa', '-in', 'pkcs8.pem', '-RSAPublicKey_out', '-out', 'pkcs1-pub.pem')
    o('pkey', '-in', 'pkcs8.pem', '-pubout', '-outform', 'DER', '-out', 'spki.der')
    // Private key variants.
    o('rsa', '-in', 'pkcs8.pem', '-traditional', '-out', 'trad.pem')
    o('rsa', '-in', 'pkcs8.pem', '-traditional', '-aes256', '-passout', `file:${passFile}`, '-out', 'trad-aes256.pem')
    o('rsa', '-in', 'pkcs8.pem', '-traditional', '-des3', '-passout', `file:${passFile}`, '-out', 'trad-des3.pem')
    o('pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', 'pkcs8.pem', '-passout', `file:${passFile}`, '-out', 'pkcs8-enc.pem')
    o('pkcs8', '-topk8', '-nocrypt', '-in', 'pkcs8.pem', '-outform', 'DER', '-out', 'pkcs8.der')
    writeFileSync(f('comment.pem'), `# Alice's study key, made 2014 with pyFileSec\n${readFileSync(f('pkcs8.pem'), 'utf8')}`)
    writeFileSync(
      f('comment-enc.pem'),
      `Comment: legacy key\n\n${readFileSync(f('trad-aes256.pem'), 'utf8')}`,
    )
    writeFileSync(f('comment-pub.pem'), `# public half\n${readFileSync(f('spki.pem'), 'utf8')}`)
    // Files that passed through Windows.
    writeFileSync(f('spki-crlf.pem'), readFileSync(f('spki.pem'), 'utf8').replace(/\n/g, '\r\n'))
    writeFileSync(f('trad-aes256-crlf.pem'), readFileSync(f('trad-aes256.pem'), 'utf8').replace(/\n/g, '\r\n'))
    fingerprint = sha256hex(o('pkey', '-pubin', '-in', 'spki.pem', '-outform', 'DER'))
  })

  it('made the fixtures it means to test (sanity of the openssl output)', () => {
    const text = (n: string) => readFileSync(f(n), 'utf8')
    assert.match(text('spki.pem'), /^-----BEGIN PUBLIC KEY-----\n/)
    assert.match(text('pkcs1-pub.pem'), /^-----BEGIN RSA PUBLIC KEY-----\n/)
    assert.equal(readFileSync(f('spki.der'))[0], 0x30)
    assert.match(text('pkcs8.pem'), /^-----BEGIN PRIVATE KEY-----\n/)
    assert.match(text('trad.pem'), /^-----BEGIN RSA PRIVATE KEY-----\n(?!Proc-Type)/)
    assert.match(text('trad-aes256.pem'), /^-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,/)
    assert.match(text('trad-des3.pem'), /^-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,/)
    assert.match(text('pkcs8-enc.pem'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/)
    assert.match(fingerprint, /^[0-9a-f]{64}$/)
  })

  const publicFormats: [string, string][] = [
    ['PEM SubjectPublicKeyInfo (BEGIN PUBLIC KEY)', 'spki.pem'],
    ['PEM PKCS#1 (BEGIN RSA PUBLIC KEY)', 'pkcs1-pub.pem'],
    ['DER SubjectPublicKeyInfo', 'spki.der'],
    ['PEM with a comment line before the block', 'comment-pub.pem'],
    ['PEM with CRLF line ends', 'spki-crlf.pem'],
  ]
  for (const [label, name] of publicFormats) {
    it(`public key, ${label}: loads as a 2048-bit RSA public key with the openssl fingerprint, and is a working recipient`, async () => {
      const key = await loadKey(f(name))
      assert.ok(key instanceof Key)
      assert.equal(key.kind, 'rsa')
      assert.equal(key.bits, 2048)
      assert.equal(key.isPrivate, false)
      assert.equal(key.fingerprint, fingerprint)
      // Path, { path } and the raw bytes all name the same key.
      assert.equal((await loadKey({ path: f(name) })).fingerprint, fingerprint)
      assert.equal((await loadKey(readFileSync(f(name)))).fingerprint, fingerprint)
      // Encrypt to the file, decrypt with the private half.
      const enc = await roundTrip(dir(), f(name), f('pkcs8.pem'))
      const info = await inspect(enc)
      assert.deepEqual(info.recipients, [{ type: 'rsa-oaep-sha256', fingerprint, rsaBits: 2048 }])
    })
  }

  it('public key PEM given as text (string and { text }) loads the same key', async () => {
    const pem = readFileSync(f('spki.pem'), 'utf8')
    assert.equal((await loadKey(pem)).fingerprint, fingerprint)
    assert.equal((await loadKey({ text: readFileSync(f('pkcs1-pub.pem'), 'utf8') })).fingerprint, fingerprint)
    await roundTrip(dir(), pem, f('trad.pem'))
  })

  const privateFormats: [string, string, boolean][] = [
    ['PKCS#8 plain (BEGIN PRIVATE KEY)', 'pkcs8.pem', false],
    ['PKCS#8 encrypted (BEGIN ENCRYPTED PRIVATE KEY, PBES2 AES-256-CBC)', 'pkcs8-enc.pem', true],
    ['traditional PEM encrypted with DEK-Info AES-256-CBC', 'trad-aes256.pem', true],
    ['traditional PEM encrypted with DEK-Info DES-EDE3-CBC', 'trad-des3.pem', true],
    ['traditional unencrypted (BEGIN RSA PRIVATE KEY)', 'trad.pem', false],
    ['PEM with a comment line before the block', 'comment.pem', false],
    ['encrypted traditional PEM with text before the block', 'comment-enc.pem', true],
    ['encrypted traditional PEM (AES-256-CBC) with CRLF line ends', 'trad-aes256-crlf.pem', true],
    ['DER PKCS#8', 'pkcs8.der', false],
  ]
  for (const [label, name, encrypted] of privateFormats) {
    it(`private key, ${label}: loads${encrypted ? ' with its passphrase' : ''}, decrypts a file made for its public key`, async () => {
      const opts: LoadKeyOptions = encrypted ? { passphrase: { file: passFile } } : {}
      const key = await loadKey(f(name), opts)
      assert.equal(key.kind, 'rsa')
      assert.equal(key.bits, 2048)
      assert.equal(key.isPrivate, true)
      assert.equal(key.fingerprint, fingerprint, 'a private key has the fingerprint of its public half')
      const pub = await key.publicKey()
      assert.equal(pub.isPrivate, false)
      assert.equal(pub.fingerprint, fingerprint)
      // As a file path with the passphrase given to decryptFile…
      await roundTrip(dir(), f('spki.pem'), f(name), encrypted ? { identityPassphrase: { file: passFile } } : {})
      // …and as a loaded Key; the private key is accepted as a recipient too (its public half is used).
      await roundTrip(dir(), f(name), key, encrypted ? { keyPassphrase: PASS } : {})
    })
  }

  it('the passphrase is accepted as a string, a Buffer, { file } and { env }', async () => {
    for (const passphrase of [PASS, Buffer.from(PASS), { file: passFile }, { env: 'FILESEC_TEST_KEY_PASS' }] as PassphraseSource[]) {
      process.env.FILESEC_TEST_KEY_PASS = PASS
      try {
        const key = await loadKey(f('pkcs8-enc.pem'), { passphrase })
        assert.equal(key.fingerprint, fingerprint)
      } finally {
        delete process.env.FILESEC_TEST_KEY_PASS
      }
    }
  })

  for (const name of ['pkcs8-enc.pem', 'trad-aes256.pem', 'trad-des3.pem']) {
    it(`${name}: no passphrase → FSEC_KEY_PASSPHRASE_REQUIRED, wrong one → FSEC_KEY_WRONG_PASSPHRASE`, async () => {
      await rejectsWith(loadKey(f(name)), KeyPassphraseError, 'FSEC_KEY_PASSPHRASE_REQUIRED')
      await rejectsWith(loadKey(f(name), { passphrase: 'not the passphrase' }), KeyPassphraseError, 'FSEC_KEY_WRONG_PASSPHRASE')
      // The same through decryptFile, and no output is left behind.
      const enc = await encryptedTo(dir(), f('spki.pem'))
      const out = join(dir(), `${name}.out`)
      await rejectsWith(decryptFile(enc, { identity: f(name), output: out }), KeyPassphraseError, 'FSEC_KEY_PASSPHRASE_REQUIRED')
      await rejectsWith(
        decryptFile(enc, { identity: f(name), identityPassphrase: 'wrong', output: out }),
        KeyPassphraseError,
        'FSEC_KEY_WRONG_PASSPHRASE',
      )
      assert.equal(existsSync(out), false)
      // And when it is used as a recipient.
      await rejectsWith(encryptFile(f('spki.pem'), { keep: true, to: f(name), output: join(dir(), `${name}.x.fsec`) }), KeyPassphraseError, 'FSEC_KEY_PASSPHRASE_REQUIRED')
      assert.deepEqual(leftoverTempFiles(dir()), [])
    })
  }

  it('fingerprint: identical across every format of the same key, equal to sha256(openssl pkey -pubin -outform DER)', async () => {
    const prints = new Set<string>()
    for (const [, name] of publicFormats) prints.add((await loadKey(f(name))).fingerprint)
    for (const [, name, encrypted] of privateFormats) {
      prints.add((await loadKey(f(name), encrypted ? { passphrase: PASS } : {})).fingerprint)
    }
    assert.deepEqual([...prints], [fingerprint])
    // Cross-check with Node's own DER export too.
    const der = createPublicKey(readFileSync(f('pkcs1-pub.pem'))).export({ type: 'spki', format: 'der' })
    assert.equal(sha256hex(der), fingerprint)
    // publicText is the SPKI PEM and reloads to the same key.
    const key = await loadKey(f('trad.pem'))
    assert.match(key.publicText, /^-----BEGIN PUBLIC KEY-----\n/)
    assert.equal((await loadKey(key.publicText)).fingerprint, fingerprint)
    assert.deepEqual(key.toJSON(), {
      kind: 'rsa',
      bits: 2048,
      isPrivate: true,
      fingerprint,
      publicKey: key.publicText,
    })
  })

  it('a public key given as an identity to decryptFile → WrongKeyError (FSEC_WRONG_KEY), for PEM, PKCS#1, DER and Key', async () => {
    const enc = await encryptedTo(dir(), f('spki.pem'))
    const out = join(dir(), 'wrongkey.out')
    for (const identity of [f('spki.pem'), f('pkcs1-pub.pem'), f('spki.der'), await loadKey(f('spki.pem'))]) {
      await rejectsWith(decryptFile(enc, { identity, output: out }), WrongKeyError, 'FSEC_WRONG_KEY')
    }
    assert.equal(existsSync(out), false)
  })

  it('a truncated PEM (public, private) → FSEC_KEY_INVALID', async () => {
    for (const name of ['spki.pem', 'pkcs1-pub.pem', 'pkcs8.pem', 'trad.pem']) {
      const text = readFileSync(f(name), 'utf8')
      const cut = text.slice(0, Math.floor(text.length / 2))
      writeFileSync(f(`cut-${name}`), cut)
      await rejectsWith(loadKey(f(`cut-${name}`)), KeyError, 'FSEC_KEY_INVALID')
      // Without its END line, and with a damaged body.
      await rejectsWith(loadKey({ text: text.replace(/-----END [A-Z ]+-----\n?$/, '') }), KeyError, 'FSEC_KEY_INVALID')
      const lines = text.split('\n')
      lines.splice(2, 1)
      await rejectsWith(loadKey({ text: lines.join('\n') }), KeyError, 'FSEC_KEY_INVALID')
    }
    const der = readFileSync(f('spki.der'))
    await rejectsWith(loadKey(der.subarray(0, der.length - 10)), KeyError, 'FSEC_KEY_INVALID')
  })
})

// ---------------------------------------------------------------------------------------------

describeNeeds([OPENSSL, SSH_KEYGEN], 'keys: OpenSSH public keys (ssh-rsa) from ssh-keygen', () => {
  const dir = scratchDir('filesec-keys-ssh-')
  const f = (name: string) => join(dir(), name)
  let sshLine = ''
  let sshFingerprint = ''

  before(function () {
    this.timeout(30000)
    const d = dir()
    run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-C', 'alice@lab', '-f', 'id_rsa'], { cwd: d })
    sshLine = readFileSync(f('id_rsa.pub'), 'utf8')
    // The private half in PEM (filesec does not read OpenSSH private keys): convert a copy.
    writeFileSync(f('id_rsa.pem'), readFileSync(f('id_rsa')), { mode: 0o600 })
    run('ssh-keygen', ['-q', '-p', '-m', 'PEM', '-N', '', '-P', '', '-f', 'id_rsa.pem'], { cwd: d })
    // The expected fingerprint, from openssl via the PKCS#8 export of ssh-keygen.
    writeFileSync(f('id_rsa.pkcs8.pub'), run('ssh-keygen', ['-e', '-m', 'PKCS8', '-f', 'id_rsa.pub'], { cwd: d }))
    sshFingerprint = sha256hex(run('openssl', ['pkey', '-pubin', '-in', 'id_rsa.pkcs8.pub', '-outform', 'DER'], { cwd: d }))
    // An openssl-made key and its ssh-rsa line, for cross-format fingerprints.
    run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'ossl.pem'], { cwd: d })
    chmodSync(f('ossl.pem'), 0o600)
    writeFileSync(f('ossl.ssh.pub'), run('ssh-keygen', ['-y', '-f', 'ossl.pem'], { cwd: d }))
    run('openssl', ['pkey', '-in', 'ossl.pem', '-pubout', '-out', 'ossl.spki.pem'], { cwd: d })
    run('openssl', ['pkey', '-in', 'ossl.pem', '-pubout', '-outform', 'DER', '-out', 'ossl.spki.der'], { cwd: d })
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', 'id_ed25519'], { cwd: d })
  })

  it('an ssh-rsa line from ssh-keygen (with comment) loads and is a working recipient', async () => {
    assert.match(sshLine, /^ssh-rsa AAAA[A-Za-z0-9+/=]+ alice@lab\n$/)
    const key = await loadKey(f('id_rsa.pub'))
    assert.equal(key.kind, 'rsa')
    assert.equal(key.bits, 2048)
    assert.equal(key.isPrivate, false)
    assert.equal(key.fingerprint, sshFingerprint)
    const enc = await roundTrip(dir(), f('id_rsa.pub'), f('id_rsa.pem'))
    assert.equal((await inspect(enc)).recipients[0]!.fingerprint, sshFingerprint)
    // The line as text, with and without comment, with CRLF and surrounding blank space.
    const [type, b64] = sshLine.trim().split(' ')
    for (const text of [sshLine, `${type} ${b64}`, `${type} ${b64} alice@lab\r\n`, `\n  ${type} ${b64} a comment with spaces  \n`]) {
      assert.equal((await loadKey({ text })).fingerprint, sshFingerprint, JSON.stringify(text))
    }
    await roundTrip(dir(), sshLine.trim(), f('id_rsa.pem'))
  })

  it('fingerprint: the same key as PEM, ssh-rsa and DER has one fingerprint (= openssl sha256 of the DER SPKI)', async () => {
    const expected = sha256hex(run('openssl', ['pkey', '-pubin', '-in', f('ossl.spki.pem'), '-outform', 'DER']))
    const prints = [
      (await loadKey(f('ossl.pem'))).fingerprint,
      (await loadKey(f('ossl.spki.pem'))).fingerprint,
      (await loadKey(f('ossl.ssh.pub'))).fingerprint,
      (await loadKey(f('ossl.spki.der'))).fingerprint,
    ]
    assert.deepEqual(prints, [expected, expected, expected, expected])
    await roundTrip(dir(), f('ossl.ssh.pub'), f('ossl.pem'))
  })

  it('ssh-rsa lines of 2048 and 3072 bits (ssh-keygen default) both load', async () => {
    // A 2048-bit ssh-rsa blob is 279 bytes: its base64 has no '=' padding; 3072 bits needs one '='.
    run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '3072', '-N', '', '-f', 'id_rsa3072'], { cwd: dir() })
    const results: string[] = []
    for (const name of ['id_rsa3072.pub', 'id_rsa.pub']) {
      try {
        results.push(`${name}: ${(await loadKey(f(name))).bits}`)
      } catch (e) {
        results.push(`${name}: ${(e as FilesecError).code} ${(e as Error).message}`)
      }
    }
    assert.deepEqual(results, ['id_rsa3072.pub: 3072', 'id_rsa.pub: 2048'])
  })

  it('an ssh-ed25519 line → FSEC_KEY_UNSUPPORTED', async () => {
    await rejectsWith(loadKey(f('id_ed25519.pub')), KeyError, 'FSEC_KEY_UNSUPPORTED')
    await rejectsWith(loadKey(readFileSync(f('id_ed25519.pub'), 'utf8')), KeyError, 'FSEC_KEY_UNSUPPORTED')
    await rejectsWith(
      encryptFile(f('id_rsa.pub'), { keep: true, to: f('id_ed25519.pub'), output: f('ed.fsec') }),
      KeyError,
      'FSEC_KEY_UNSUPPORTED',
    )
    assert.equal(existsSync(f('ed.fsec')), false)
  })

  it('an OpenSSH private key (BEGIN OPENSSH PRIVATE KEY) → FSEC_KEY_UNSUPPORTED', async () => {
    assert.match(readFileSync(f('id_rsa'), 'utf8'), /^-----BEGIN OPENSSH PRIVATE KEY-----/)
    await rejectsWith(loadKey(f('id_rsa')), KeyError, 'FSEC_KEY_UNSUPPORTED')
  })

  it('a damaged ssh-rsa line → FSEC_KEY_INVALID', async () => {
    const [type, b64] = sshLine.trim().split(' ') as [string, string]
    await rejectsWith(loadKey({ text: `${type} ${b64.slice(0, 100)}` }), KeyError, 'FSEC_KEY_INVALID')
    await rejectsWith(loadKey({ text: `${type} !!!notbase64!!!` }), KeyError, 'FSEC_KEY_INVALID')
    // An ssh-ed25519 blob labelled ssh-rsa.
    const edB64 = readFileSync(f('id_ed25519.pub'), 'utf8').split(' ')[1]!
    await rejectsWith(loadKey({ text: `ssh-rsa ${edB64}` }), KeyError, 'FSEC_KEY_INVALID')
  })
})

// ---------------------------------------------------------------------------------------------

describeWithVectors('keys: the pyFileSec-era key pair (shared vectors)', 'pyfilesec', (vdir) => {
  const dir = scratchDir('filesec-keys-pfs-')
  interface KeyEntry {
    public_key: string
    private_key: string
    passphrase_file: string
    bits: number
  }
  const manifest = JSON.parse(readFileSync(join(vdir, 'manifest.json'), 'utf8')) as { keys: Record<string, KeyEntry> }
  const k1 = manifest.keys.k1!
  const pub = join(vdir, k1.public_key)
  const priv = join(vdir, k1.private_key)
  const pphr = join(vdir, k1.passphrase_file)
  const expected = () => sha256hex(createPublicKey(readFileSync(pub)).export({ type: 'spki', format: 'der' }))

  it('the manifest names the key pair and its passphrase file', () => {
    assert.equal(k1.bits, 4096)
    for (const p of [pub, priv, pphr]) assert.ok(existsSync(p), `${p} exists`)
    assert.match(readFileSync(priv, 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/)
  })

  it('the public key loads: RSA 4096, fingerprint = sha256 of its DER SPKI', async () => {
    const key = await loadKey(pub)
    assert.equal(key.kind, 'rsa')
    assert.equal(key.bits, 4096)
    assert.equal(key.isPrivate, false)
    assert.equal(key.fingerprint, expected())
  })

  it('the private key needs its passphrase file, then loads with the same fingerprint', async () => {
    await rejectsWith(loadKey(priv), KeyPassphraseError, 'FSEC_KEY_PASSPHRASE_REQUIRED')
    await rejectsWith(loadKey(priv, { passphrase: 'wrong passphrase' }), KeyPassphraseError, 'FSEC_KEY_WRONG_PASSPHRASE')
    const key = await loadKey(priv, { passphrase: { file: pphr } })
    assert.equal(key.kind, 'rsa')
    assert.equal(key.bits, 4096)
    assert.equal(key.isPrivate, true)
    assert.equal(key.fingerprint, expected())
    // The file content is the exact passphrase (no trailing newline): as bytes it works too.
    assert.equal((await loadKey(priv, { passphrase: readFileSync(pphr) })).fingerprint, expected())
  })

  it('the pair is a working RSA recipient / identity for .fsec files', async () => {
    const enc = await roundTrip(dir(), pub, priv, { identityPassphrase: { file: pphr } })
    assert.deepEqual((await inspect(enc)).recipients, [{ type: 'rsa-oaep-sha256', fingerprint: expected(), rsaBits: 4096 }])
    // The private key as the recipient (its public half is used), loaded once as a Key for decrypting.
    const id = await loadKey(priv, { passphrase: { file: pphr } })
    await roundTrip(dir(), priv, id, { keyPassphrase: { file: pphr } })
  })
})

// ---------------------------------------------------------------------------------------------

describe('keys: X25519 keys in age text encoding', () => {
  const dir = scratchDir('filesec-keys-x25519-')
  const f = (name: string) => join(dir(), name)
  let a: { publicKey: Key; privateKey: Key }
  let b: { publicKey: Key; privateKey: Key }
  let c: { publicKey: Key; privateKey: Key }
  const secretOf = (name: string) => readFileSync(f(name), 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!

  before(async () => {
    a = await generateKeyPair('x25519')
    b = await generateKeyPair('x25519')
    c = await generateKeyPair('x25519')
    await writePrivateKey(a.privateKey, f('a.txt'), { unprotected: true })
    await writePrivateKey(b.privateKey, f('b.txt'), { unprotected: true })
    await writePrivateKey(c.privateKey, f('c.txt'), { unprotected: true })
  })

  it('generated keys: age1… public text, fingerprint = sha256 of the X25519 SPKI', async () => {
    const pub = a.publicKey
    assert.equal(pub.kind, 'x25519')
    assert.equal(pub.isPrivate, false)
    assert.equal(a.privateKey.isPrivate, true)
    assert.match(pub.publicText, /^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/)
    assert.equal(a.privateKey.publicText, pub.publicText)
    assert.equal(a.privateKey.fingerprint, pub.fingerprint)
    assert.equal((await loadKey(pub.publicText)).fingerprint, pub.fingerprint)
  })

  it('fingerprint of an X25519 key equals sha256 of its DER SPKI (checked through Node crypto)', async () => {
    const { publicKey: nodePub, privateKey: nodePriv } = generateKeyPairSync('x25519')
    const spki = nodePub.export({ type: 'spki', format: 'der' })
    const pem = nodePriv.export({ type: 'pkcs8', format: 'pem' }) as string
    const key = await loadKey(pem)
    assert.equal(key.kind, 'x25519')
    assert.equal(key.fingerprint, sha256hex(spki))
  })

  it('the identity file filesec writes unprotected is age text: comments, then AGE-SECRET-KEY-1…', () => {
    const text = readFileSync(f('a.txt'), 'utf8')
    assert.match(
      text,
      /^# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n# public key: age1[a-z0-9]{58}\nAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\n$/,
    )
    assert.ok(text.includes(`# public key: ${a.publicKey.publicText}\n`))
    assert.equal(statSync(f('a.txt')).mode & 0o777, 0o600)
  })

  it('age1… recipient and AGE-SECRET-KEY-1… identity load from text and files, and round-trip', async () => {
    const pub = await loadKey(a.publicKey.publicText)
    assert.equal(pub.kind, 'x25519')
    assert.equal(pub.isPrivate, false)
    assert.equal(pub.fingerprint, a.publicKey.fingerprint)
    const secret = secretOf('a.txt')
    const priv = await loadKey(secret)
    assert.equal(priv.isPrivate, true)
    assert.equal(priv.fingerprint, a.publicKey.fingerprint)
    assert.equal((await loadKey({ text: secret })).fingerprint, a.publicKey.fingerprint)
    assert.equal((await loadKey(f('a.txt'))).fingerprint, a.publicKey.fingerprint)
    const enc = await roundTrip(dir(), a.publicKey.publicText, f('a.txt'))
    assert.deepEqual((await inspect(enc)).recipients, [{ type: 'x25519', fingerprint: a.publicKey.fingerprint }])
    await roundTrip(dir(), { text: a.publicKey.publicText }, secret)
    // The private key text as a recipient: its public half is used.
    await roundTrip(dir(), secret, a.privateKey)
  })

  it('an identity file with comments, blank lines and several keys loads every key; any one decrypts', async () => {
    const text = [
      '# lab identities',
      '',
      `# created: 2024-01-01T00:00:00Z`,
      `# public key: ${a.publicKey.publicText}`,
      secretOf('a.txt'),
      '   ',
      `  ${secretOf('b.txt')}  `,
      '# and one more, CRLF',
      `${secretOf('c.txt')}\r`,
      '',
    ].join('\n')
    writeFileSync(f('ids.txt'), text, { mode: 0o600 })
    const keys = await loadKeys(f('ids.txt'))
    assert.deepEqual(
      keys.map((k) => [k.kind, k.isPrivate, k.fingerprint]),
      [a, b, c].map((p) => ['x25519', true, p.publicKey.fingerprint]),
    )
    // A file for b alone opens with the whole identity file.
    await roundTrip(dir(), b.publicKey, f('ids.txt'))
    await roundTrip(dir(), c.publicKey.publicText, { path: f('ids.txt') })
    // loadKey insists on exactly one key.
    await rejectsWith(loadKey(f('ids.txt')), ArgumentError, 'FSEC_INVALID_ARGUMENT')
  })

  it('a recipients file with comments loads every recipient, and encrypting to it reaches each one', async () => {
    const text = `# team recipients\n\n# alice\n${a.publicKey.publicText}\n# bob\n  ${b.publicKey.publicText}\n\n`
    writeFileSync(f('recipients.txt'), text)
    const keys = await loadKeys(f('recipients.txt'))
    assert.deepEqual(
      keys.map((k) => [k.kind, k.isPrivate, k.fingerprint]),
      [a, b].map((p) => ['x25519', false, p.publicKey.fingerprint]),
    )
    const enc = await roundTrip(dir(), f('recipients.txt'), f('a.txt'))
    const out = join(dir(), 'recipients-b.out')
    await decryptFile(enc, { identity: f('b.txt'), output: out })
    assert.deepEqual(
      (await inspect(enc)).recipients.map((r) => r.fingerprint),
      [a.publicKey.fingerprint, b.publicKey.fingerprint],
    )
  })

  it('a public age1… key given as an identity to decryptFile → WrongKeyError (FSEC_WRONG_KEY)', async () => {
    const enc = await encryptedTo(dir(), a.publicKey)
    for (const identity of [a.publicKey, a.publicKey.publicText, f('recipients.txt')]) {
      await rejectsWith(decryptFile(enc, { identity, output: join(dir(), 'pub-as-id.out') }), WrongKeyError, 'FSEC_WRONG_KEY')
    }
    assert.equal(existsSync(join(dir(), 'pub-as-id.out')), false)
  })

  it('bad bech32 checksum → FSEC_KEY_INVALID (recipient and identity)', async () => {
    const pub = a.publicKey.publicText
    const secret = secretOf('a.txt')
    await rejectsWith(loadKey(breakChecksum(pub)), KeyError, 'FSEC_KEY_INVALID')
    await rejectsWith(loadKey(breakChecksum(secret)), KeyError, 'FSEC_KEY_INVALID')
    // A changed data character (not the checksum) is caught as well.
    const mid = 20
    const swapped = pub.slice(0, mid) + (pub[mid] === 'q' ? 'p' : 'q') + pub.slice(mid + 1)
    await rejectsWith(loadKey(swapped), KeyError, 'FSEC_KEY_INVALID')
    // Truncated.
    await rejectsWith(loadKey(pub.slice(0, -1)), KeyError, 'FSEC_KEY_INVALID')
    await rejectsWith(loadKey(secret.slice(0, 40)), KeyError, 'FSEC_KEY_INVALID')
    // In a file among good keys: the whole file is refused.
    writeFileSync(f('bad-recipients.txt'), `${b.publicKey.publicText}\n${breakChecksum(pub)}\n`)
    await rejectsWith(loadKeys(f('bad-recipients.txt')), KeyError, 'FSEC_KEY_INVALID')
    await rejectsWith(
      encryptFile(f('a.txt'), { keep: true, to: f('bad-recipients.txt'), output: f('bad.fsec') }),
      KeyError,
      'FSEC_KEY_INVALID',
    )
    assert.equal(existsSync(f('bad.fsec')), false)
  })

  it('mixed-case age keys → FSEC_KEY_INVALID', async () => {
    const pub = a.publicKey.publicText
    const secret = secretOf('a.txt')
    const i = pub.slice(10).search(/[a-z]/) + 10
    const mixedPub = pub.slice(0, i) + pub[i]!.toUpperCase() + pub.slice(i + 1)
    assert.notEqual(mixedPub, pub)
    assert.equal(mixedPub.toLowerCase(), pub)
    await rejectsWith(loadKey(mixedPub), KeyError, 'FSEC_KEY_INVALID')
    const j = secret.slice(20).search(/[A-Z]/) + 20
    const mixedSecret = secret.slice(0, j) + secret[j]!.toLowerCase() + secret.slice(j + 1)
    await rejectsWith(loadKey(mixedSecret), KeyError, 'FSEC_KEY_INVALID')
    // A secret key written all in lower case is refused too (age writes them upper case).
    await rejectsWith(loadKey({ text: secret.toLowerCase() }), KeyError, 'FSEC_KEY_INVALID')
  })
})

// ---------------------------------------------------------------------------------------------

describeNeeds([AGE, AGE_KEYGEN], 'keys: age interoperability (age, age-keygen)', () => {
  const dir = scratchDir('filesec-keys-age-')
  const f = (name: string) => join(dir(), name)

  before(() => {
    run('age-keygen', ['-o', f('age-id1.txt')])
    run('age-keygen', ['-o', f('age-id2.txt')])
  })

  it('keys from age-keygen load as X25519 identities whose public key is what age-keygen -y prints', async () => {
    for (const name of ['age-id1.txt', 'age-id2.txt']) {
      const agePub = run('age-keygen', ['-y', f(name)]).toString().trim()
      const key = await loadKey(f(name))
      assert.equal(key.kind, 'x25519')
      assert.equal(key.isPrivate, true)
      assert.equal(key.publicText, agePub)
      assert.equal((await loadKey(agePub)).fingerprint, key.fingerprint)
      // The comment age-keygen writes agrees with filesec.
      assert.ok(readFileSync(f(name), 'utf8').includes(`# public key: ${key.publicText}\n`))
      await roundTrip(dir(), agePub, f(name))
    }
  })

  it('an identity file concatenated from age-keygen outputs (several keys, comments) works with filesec and age', async () => {
    writeFileSync(f('both.txt'), readFileSync(f('age-id1.txt'), 'utf8') + readFileSync(f('age-id2.txt'), 'utf8'))
    const keys = await loadKeys(f('both.txt'))
    assert.equal(keys.length, 2)
    const pub2 = run('age-keygen', ['-y', f('age-id2.txt')]).toString().trim()
    await roundTrip(dir(), pub2, f('both.txt'))
    // age agrees the file is a valid identity file.
    writeFileSync(f('hello.txt'), 'hello age\n')
    run('age', ['-r', pub2, '-o', f('hello.age'), f('hello.txt')])
    assert.equal(run('age', ['-d', '-i', f('both.txt'), f('hello.age')]).toString(), 'hello age\n')
  })

  it('filesec X25519 keys written unprotected are read by age: age -d -i key.txt opens age -r <filesec public key>', async () => {
    const { privateKey, publicKey } = await generateKeyPair('x25519')
    await writePrivateKey(privateKey, f('filesec-key.txt'), { unprotected: true })
    await writePublicKey(publicKey, f('filesec-key.pub'))
    // age-keygen derives the same public key from the file filesec wrote.
    assert.equal(run('age-keygen', ['-y', f('filesec-key.txt')]).toString().trim(), publicKey.publicText)
    assert.equal(readFileSync(f('filesec-key.pub'), 'utf8'), `${publicKey.publicText}\n`)
    const data = randomBytes(50_000)
    writeFileSync(f('interop.bin'), data)
    run('age', ['-r', publicKey.publicText, '-o', f('interop.bin.age'), f('interop.bin')])
    const back = run('age', ['-d', '-i', f('filesec-key.txt'), f('interop.bin.age')])
    assert.ok(back.equals(data), 'age decrypted with the filesec-written identity')
    // age also takes filesec's public key file as a recipients file (-R).
    run('age', ['-R', f('filesec-key.pub'), '-o', f('interop2.age'), f('interop.bin')])
    assert.ok(run('age', ['-d', '-i', f('filesec-key.txt'), f('interop2.age')]).equals(data))
  })

  it('a recipients file with comments is read the same way by age -R and by filesec', async () => {
    const p1 = run('age-keygen', ['-y', f('age-id1.txt')]).toString().trim()
    const p2 = run('age-keygen', ['-y', f('age-id2.txt')]).toString().trim()
    writeFileSync(f('team.txt'), `# our team\n\n# one\n${p1}\n# two\n${p2}\n`)
    writeFileSync(f('team-msg.txt'), 'for the team\n')
    run('age', ['-R', f('team.txt'), '-o', f('team-msg.age'), f('team-msg.txt')])
    assert.equal(run('age', ['-d', '-i', f('age-id2.txt'), f('team-msg.age')]).toString(), 'for the team\n')
    const keys = await loadKeys(f('team.txt'))
    assert.deepEqual(keys.map((k) => k.publicText), [p1, p2])
    const enc = await roundTrip(dir(), f('team.txt'), f('age-id1.txt'))
    await decryptFile(enc, { identity: f('age-id2.txt'), output: f('team-2.out') })
  })

  itNeeds([SCRIPT], 'a passphrase-protected X25519 identity written by filesec is read by age -d -i (passphrase typed on a pty)', async function () {
    this.timeout(30000)
    const { privateKey, publicKey } = await generateKeyPair('x25519')
    await writePrivateKey(privateKey, f('protected-by-filesec.age'), { passphrase: PASS })
    writeFileSync(f('tty-msg.txt'), 'opened by age\n')
    run('age', ['-r', publicKey.publicText, '-o', f('tty-msg.age'), f('tty-msg.txt')])
    ageWithTty(['-d', '-i', f('protected-by-filesec.age'), '-o', f('tty-msg.out'), f('tty-msg.age')], `${PASS}\n`)
    assert.equal(readFileSync(f('tty-msg.out'), 'utf8'), 'opened by age\n')
  })

  for (const armored of [false, true]) {
    itNeeds(
      [SCRIPT],
      `a passphrase-protected identity made by age -p${armored ? ' -a (armored)' : ' (binary)'} loads in filesec with its passphrase`,
      async function () {
        this.timeout(30000)
        const name = armored ? 'protected-by-age.armored.age' : 'protected-by-age.binary.age'
        ageWithTty(['-p', ...(armored ? ['-a'] : []), '-o', f(name), f('age-id1.txt')], `${PASS}\n${PASS}\n`)
        const head = readFileSync(f(name), 'latin1')
        assert.ok(head.startsWith(armored ? '-----BEGIN AGE ENCRYPTED FILE-----\n' : 'age-encryption.org/v1\n'), head.slice(0, 40))
        const agePub = run('age-keygen', ['-y', f('age-id1.txt')]).toString().trim()
        const key = await loadKey(f(name), { passphrase: PASS })
        assert.equal(key.isPrivate, true)
        assert.equal(key.publicText, agePub)
        await rejectsWith(loadKey(f(name)), KeyPassphraseError, 'FSEC_KEY_PASSPHRASE_REQUIRED')
        await rejectsWith(loadKey(f(name), { passphrase: 'wrong' }), KeyPassphraseError, 'FSEC_KEY_WRONG_PASSPHRASE')
        await roundTrip(dir(), agePub, f(name), { identityPassphrase: PASS })
      },
    )
  }
})

// ---------------------------------------------------------------------------------------------

describe('keys: private keys written by filesec (passphrase protection, modes, no overwrite)', () => {
  const dir = scratchDir('filesec-keys-write-')
  const f = (name: string) => join(dir(), name)
  let rsa: { publicKey: Key; privateKey: Key }
  let x: { publicKey: Key; privateKey: Key }

  before(async function () {
    this.timeout(30000)
    rsa = await generateKeyPair('rsa', { bits: 2048 })
    x = await generateKeyPair('x25519')
    writeFileSync(f('pass.txt'), PASS_FILE_TEXT, { mode: 0o600 })
  })

  it('generateKeyPair(rsa, 2048): a private key and its public half with one fingerprint', async () => {
    assert.equal(rsa.privateKey.kind, 'rsa')
    assert.equal(rsa.privateKey.bits, 2048)
    assert.equal(rsa.privateKey.isPrivate, true)
    assert.equal(rsa.publicKey.isPrivate, false)
    assert.equal(rsa.publicKey.fingerprint, rsa.privateKey.fingerprint)
    assert.equal(
      rsa.publicKey.fingerprint,
      sha256hex(createPublicKey(rsa.publicKey.publicText).export({ type: 'spki', format: 'der' })),
    )
  })

  it('RSA with a passphrase: encrypted PKCS#8, mode 0600, loads only with the passphrase', async function () {
    this.timeout(20000)
    await writePrivateKey(rsa.privateKey, f('rsa-enc.pem'), { passphrase: { file: f('pass.txt') } })
    assert.equal(statSync(f('rsa-enc.pem')).mode & 0o777, 0o600)
    const text = readFileSync(f('rsa-enc.pem'), 'utf8')
    assert.match(text, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n[\s\S]+-----END ENCRYPTED PRIVATE KEY-----\n$/)
    await rejectsWith(loadKey(f('rsa-enc.pem')), KeyPassphraseError, 'FSEC_KEY_PASSPHRASE_REQUIRED')
    await rejectsWith(loadKey(f('rsa-enc.pem'), { passphrase: 'wrong' }), KeyPassphraseError, 'FSEC_KEY_WRONG_PASSPHRASE')
    const key = await loadKey(f('rsa-enc.pem'), { passphrase: PASS })
    assert.equal(key.isPrivate, true)
    assert.equal(key.fingerprint, rsa.privateKey.fingerprint)
    await roundTrip(dir(), rsa.publicKey, f('rsa-enc.pem'), { identityPassphrase: { file: f('pass.txt') } })
    assert.deepEqual(leftoverTempFiles(dir()), [])
  })

  itNeeds([OPENSSL], 'RSA with a passphrase: openssl pkey -passin file:… reads the key filesec wrote', async () => {
    const p = f('rsa-enc.pem')
    if (!existsSync(p)) await writePrivateKey(rsa.privateKey, p, { passphrase: PASS })
    const der = run('openssl', ['pkey', '-in', p, '-passin', `file:${f('pass.txt')}`, '-pubout', '-outform', 'DER'])
    assert.equal(sha256hex(der), rsa.privateKey.fingerprint)
    // openssl reports what protects it: PBES2 with PBKDF2 and AES-256-CBC.
    const asn1 = run('openssl', ['asn1parse', '-in', p]).toString()
    assert.match(asn1, /PBES2/)
    assert.match(asn1, /PBKDF2/)
    assert.match(asn1, /aes-256-cbc/i)
    // A wrong passphrase is refused by openssl too.
    writeFileSync(f('wrong-pass.txt'), 'wrong\n')
    assert.throws(() => run('openssl', ['pkey', '-in', p, '-passin', `file:${f('wrong-pass.txt')}`, '-noout']))
  })

  itNeeds([OPENSSL], 'RSA unprotected: PKCS#8 PEM, mode 0600, read by openssl without a passphrase', async () => {
    await writePrivateKey(rsa.privateKey, f('rsa-plain.pem'), { unprotected: true })
    assert.equal(statSync(f('rsa-plain.pem')).mode & 0o777, 0o600)
    assert.match(readFileSync(f('rsa-plain.pem'), 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/)
    const der = run('openssl', ['pkey', '-in', f('rsa-plain.pem'), '-pubout', '-outform', 'DER'])
    assert.equal(sha256hex(der), rsa.privateKey.fingerprint)
    assert.equal((await loadKey(f('rsa-plain.pem'))).fingerprint, rsa.privateKey.fingerprint)
  })

  it('X25519 with a passphrase: an armored age-encrypted identity file that needs the passphrase', async function () {
    this.timeout(20000)
    await writePrivateKey(x.privateKey, f('x-enc.age'), { passphrase: PASS })
    assert.equal(statSync(f('x-enc.age')).mode & 0o777, 0o600)
    const text = readFileSync(f('x-enc.age'), 'utf8')
    assert.match(text, /^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+-----END AGE ENCRYPTED FILE-----\n?$/)
    assert.ok(!text.includes('AGE-SECRET-KEY'), 'the secret is not in clear')
    const inner = Buffer.from(text.split('\n').slice(1, -2).join(''), 'base64').toString('latin1')
    assert.match(inner, /^age-encryption\.org\/v1\n-> scrypt [A-Za-z0-9+/]{22} 18\n/)
    // With the passphrase it loads (checked first: it is the point of the file).
    const key = await loadKey(f('x-enc.age'), { passphrase: { file: f('pass.txt') } })
    assert.equal(key.kind, 'x25519')
    assert.equal(key.isPrivate, true)
    assert.equal(key.fingerprint, x.publicKey.fingerprint)
    await rejectsWith(loadKey(f('x-enc.age')), KeyPassphraseError, 'FSEC_KEY_PASSPHRASE_REQUIRED')
    await rejectsWith(loadKey(f('x-enc.age'), { passphrase: 'wrong' }), KeyPassphraseError, 'FSEC_KEY_WRONG_PASSPHRASE')
    // Through decryptFile.
    const enc = await encryptedTo(dir(), x.publicKey)
    await rejectsWith(decryptFile(enc, { identity: f('x-enc.age'), output: f('x.out') }), KeyPassphraseError, 'FSEC_KEY_PASSPHRASE_REQUIRED')
    await rejectsWith(
      decryptFile(enc, { identity: f('x-enc.age'), identityPassphrase: 'wrong', output: f('x.out') }),
      KeyPassphraseError,
      'FSEC_KEY_WRONG_PASSPHRASE',
    )
    assert.equal(existsSync(f('x.out')), false)
    await roundTrip(dir(), x.publicKey.publicText, f('x-enc.age'), { identityPassphrase: PASS })
  })

  it('writing over an existing path → FSEC_OUTPUT_EXISTS, the old file intact, no temporary left', async () => {
    writeFileSync(f('existing.txt'), 'precious old key\n', { mode: 0o600 })
    await rejectsWith(
      writePrivateKey(x.privateKey, f('existing.txt'), { unprotected: true }),
      OutputExistsError,
      'FSEC_OUTPUT_EXISTS',
    )
    await rejectsWith(
      writePrivateKey(x.privateKey, f('existing.txt'), { passphrase: PASS }),
      OutputExistsError,
      'FSEC_OUTPUT_EXISTS',
    )
    await rejectsWith(
      writePrivateKey(rsa.privateKey, f('existing.txt'), { unprotected: true }),
      OutputExistsError,
      'FSEC_OUTPUT_EXISTS',
    )
    await rejectsWith(writePublicKey(rsa.publicKey, f('existing.txt')), OutputExistsError, 'FSEC_OUTPUT_EXISTS')
    assert.equal(readFileSync(f('existing.txt'), 'utf8'), 'precious old key\n')
    // A key file filesec wrote is not replaced by a second write either.
    await writePrivateKey(x.privateKey, f('once.txt'), { unprotected: true })
    const before = readFileSync(f('once.txt'))
    const other = await generateKeyPair('x25519')
    await rejectsWith(writePrivateKey(other.privateKey, f('once.txt'), { unprotected: true }), OutputExistsError, 'FSEC_OUTPUT_EXISTS')
    assert.ok(readFileSync(f('once.txt')).equals(before))
    assert.deepEqual(leftoverTempFiles(dir()), [])
    assert.deepEqual(readdirSync(dir()).filter((n) => n.startsWith('.')), [])
  })

  it('a private key with neither passphrase nor unprotected: true (or both) → ArgumentError; nothing written', async () => {
    await rejectsWith(writePrivateKey(x.privateKey, f('nope1.txt')), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    await rejectsWith(writePrivateKey(rsa.privateKey, f('nope2.pem'), {}), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    await rejectsWith(writePrivateKey(rsa.privateKey, f('nope3.pem'), { unprotected: false }), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    await rejectsWith(
      writePrivateKey(rsa.privateKey, f('nope4.pem'), { unprotected: true, passphrase: PASS }),
      ArgumentError,
      'FSEC_INVALID_ARGUMENT',
    )
    for (const n of ['nope1.txt', 'nope2.pem', 'nope3.pem', 'nope4.pem']) assert.equal(existsSync(f(n)), false, n)
  })

  it('writing a public key as a private key → WrongKeyError; the public key file is mode 0644 text', async () => {
    await rejectsWith(writePrivateKey(rsa.publicKey, f('pub-as-priv.pem'), { unprotected: true }), WrongKeyError, 'FSEC_WRONG_KEY')
    assert.equal(existsSync(f('pub-as-priv.pem')), false)
    await writePublicKey(rsa.publicKey, f('rsa.pub.pem'))
    assert.equal(statSync(f('rsa.pub.pem')).mode & 0o022, 0, 'not group/world writable')
    assert.equal(statSync(f('rsa.pub.pem')).mode & 0o444, 0o444, 'readable by all')
    assert.equal((await loadKey(f('rsa.pub.pem'))).fingerprint, rsa.publicKey.fingerprint)
    await writePublicKey(x.privateKey, f('x.pub'))
    assert.equal(readFileSync(f('x.pub'), 'utf8'), `${x.publicKey.publicText}\n`)
  })
})

// ---------------------------------------------------------------------------------------------

describe('keys: unusable keys give clear typed errors', () => {
  const dir = scratchDir('filesec-keys-err-')
  const f = (name: string) => join(dir(), name)
  let good: { publicKey: Key; privateKey: Key }

  before(async () => {
    good = await generateKeyPair('x25519')
    writeFileSync(f('plain.txt'), 'some data\n')
    // Small RSA, EC and Ed25519 keys from Node (independent of the openssl CLI).
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 })
    writeFileSync(f('rsa1024.pem'), small.privateKey.export({ type: 'pkcs8', format: 'pem' }))
    writeFileSync(f('rsa1024-trad.pem'), small.privateKey.export({ type: 'pkcs1', format: 'pem' }))
    writeFileSync(f('rsa1024.pub.pem'), small.publicKey.export({ type: 'spki', format: 'pem' }))
    writeFileSync(f('rsa1024.pub.der'), small.publicKey.export({ type: 'spki', format: 'der' }))
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    writeFileSync(f('ec.pem'), ec.privateKey.export({ type: 'pkcs8', format: 'pem' }))
    writeFileSync(f('ec-sec1.pem'), ec.privateKey.export({ type: 'sec1', format: 'pem' }))
    writeFileSync(f('ec.pub.pem'), ec.publicKey.export({ type: 'spki', format: 'pem' }))
    const ed = generateKeyPairSync('ed25519')
    writeFileSync(f('ed25519.pem'), ed.privateKey.export({ type: 'pkcs8', format: 'pem' }))
    writeFileSync(f('ed25519.pub.pem'), ed.publicKey.export({ type: 'spki', format: 'pem' }))
    writeFileSync(f('empty.txt'), '')
  })

  it('RSA 1024-bit → KeyTooShortError (FSEC_KEY_TOO_SHORT), as key, recipient and identity', async () => {
    for (const name of ['rsa1024.pem', 'rsa1024-trad.pem', 'rsa1024.pub.pem', 'rsa1024.pub.der']) {
      await rejectsWith(loadKey(f(name)), KeyTooShortError, 'FSEC_KEY_TOO_SHORT')
    }
    // As a recipient.
    for (const to of [f('rsa1024.pub.pem'), f('rsa1024.pem'), [good.publicKey, f('rsa1024.pub.pem')]] as KeyInput[]) {
      await rejectsWith(encryptFile(f('plain.txt'), { keep: true, to, output: f('short.fsec') }), KeyTooShortError, 'FSEC_KEY_TOO_SHORT')
    }
    assert.equal(existsSync(f('short.fsec')), false)
    // As an identity (even alongside a good one).
    const enc = await encryptedTo(dir(), good.publicKey)
    for (const identity of [f('rsa1024.pem'), [good.privateKey, f('rsa1024-trad.pem')]] as KeyInput[]) {
      await rejectsWith(decryptFile(enc, { identity, output: f('short.out') }), KeyTooShortError, 'FSEC_KEY_TOO_SHORT')
    }
    assert.equal(existsSync(f('short.out')), false)
    // The limit is an option: a caller may opt in to older keys explicitly.
    const k = await loadKey(f('rsa1024.pem'), { minRsaBits: 1024 })
    assert.equal(k.bits, 1024)
  })

  itNeeds([OPENSSL], 'RSA 1024-bit made by openssl (traditional PEM) → FSEC_KEY_TOO_SHORT', async () => {
    run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', f('ossl1024.pem')])
    run('openssl', ['rsa', '-in', f('ossl1024.pem'), '-traditional', '-out', f('ossl1024-trad.pem')])
    run('openssl', ['rsa', '-in', f('ossl1024.pem'), '-RSAPublicKey_out', '-out', f('ossl1024-pkcs1.pub')])
    for (const name of ['ossl1024.pem', 'ossl1024-trad.pem', 'ossl1024-pkcs1.pub']) {
      await rejectsWith(loadKey(f(name)), KeyTooShortError, 'FSEC_KEY_TOO_SHORT')
    }
  })

  it('EC P-256 PEM keys → FSEC_KEY_UNSUPPORTED (KeyError); Ed25519 keys load but cannot encrypt or decrypt', async () => {
    for (const name of ['ec.pem', 'ec-sec1.pem', 'ec.pub.pem']) {
      await rejectsWith(loadKey(f(name)), KeyError, 'FSEC_KEY_UNSUPPORTED')
    }
    await rejectsWith(encryptFile(f('plain.txt'), { keep: true, to: f('ec.pub.pem'), output: f('ec.fsec') }), KeyError, 'FSEC_KEY_UNSUPPORTED')
    // Ed25519 keys are signing keys (test/sign.test.ts): refused as recipients and identities.
    assert.equal((await loadKey(f('ed25519.pem'))).kind, 'ed25519')
    assert.equal((await loadKey(f('ed25519.pub.pem'))).kind, 'ed25519')
    await rejectsWith(encryptFile(f('plain.txt'), { keep: true, to: f('ed25519.pub.pem'), output: f('ed.fsec') }), KeyError, 'FSEC_KEY_UNSUPPORTED')
    assert.equal(existsSync(f('ed.fsec')), false)
    const enc = await encryptedTo(dir(), good.publicKey)
    await rejectsWith(decryptFile(enc, { identity: f('ed25519.pem'), output: f('ed.out') }), KeyError, 'FSEC_KEY_UNSUPPORTED')
  })

  it('an ssh-ed25519 line → FSEC_KEY_UNSUPPORTED', async () => {
    const ed = generateKeyPairSync('ed25519')
    const raw = ed.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32)
    const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b])
    const blob = Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)])
    await rejectsWith(loadKey(`ssh-ed25519 ${blob.toString('base64')} bob@host`), KeyError, 'FSEC_KEY_UNSUPPORTED')
    await rejectsWith(loadKey({ text: 'ecdsa-sha2-nistp256 AAAAE2VjZHNh x' }), KeyError, 'FSEC_KEY_UNSUPPORTED')
  })

  it('garbage text → FSEC_KEY_INVALID (as text and as a file)', async () => {
    for (const text of ['hello world', 'not a key at all\nsecond line\n', '-----BEGIN PUBLIC KEY-----\nZZZZ\n-----END PUBLIC KEY-----\n', 'age', '0']) {
      await rejectsWith(loadKey({ text }), KeyError, 'FSEC_KEY_INVALID')
    }
    writeFileSync(f('garbage.txt'), randomBytes(700))
    await rejectsWith(loadKey(f('garbage.txt')), KeyError, 'FSEC_KEY_INVALID')
    writeFileSync(f('garbage2.txt'), 'This is my key, honest.\n')
    await rejectsWith(loadKey(f('garbage2.txt')), KeyError, 'FSEC_KEY_INVALID')
    await rejectsWith(encryptFile(f('plain.txt'), { keep: true, to: f('garbage2.txt'), output: f('g.fsec') }), KeyError, 'FSEC_KEY_INVALID')
    const enc = await encryptedTo(dir(), good.publicKey)
    await rejectsWith(decryptFile(enc, { identity: f('garbage2.txt'), output: f('g.out') }), KeyError, 'FSEC_KEY_INVALID')
    // A DER-looking blob (starts with 0x30) that is not a key.
    await rejectsWith(loadKey(Buffer.from('3003020101', 'hex')), KeyError, 'FSEC_KEY_INVALID')
  })

  it('an empty file, or one with only comments → FSEC_KEY_INVALID', async () => {
    await rejectsWith(loadKey(f('empty.txt')), KeyError, 'FSEC_KEY_INVALID')
    await rejectsWith(loadKeys(f('empty.txt')), KeyError, 'FSEC_KEY_INVALID')
    await rejectsWith(loadKey(Buffer.alloc(0)), KeyError, 'FSEC_KEY_INVALID')
    writeFileSync(f('comments.txt'), '# nothing here\n\n   \n# still nothing\n')
    await rejectsWith(loadKeys(f('comments.txt')), KeyError, 'FSEC_KEY_INVALID')
    await rejectsWith(encryptFile(f('plain.txt'), { keep: true, to: f('empty.txt'), output: f('e.fsec') }), KeyError, 'FSEC_KEY_INVALID')
    const enc = await encryptedTo(dir(), good.publicKey)
    await rejectsWith(decryptFile(enc, { identity: f('empty.txt'), output: f('e.out') }), KeyError, 'FSEC_KEY_INVALID')
  })

  it('a missing key file → FileNotFoundError (FSEC_FILE_NOT_FOUND)', async () => {
    const missing = f('no-such-key.pem')
    const e = await rejectsWith(loadKey(missing), FileNotFoundError, 'FSEC_FILE_NOT_FOUND')
    assert.ok(e.message.includes('no-such-key.pem'), e.message)
    await rejectsWith(loadKey({ path: missing }), FileNotFoundError, 'FSEC_FILE_NOT_FOUND')
    await rejectsWith(encryptFile(f('plain.txt'), { keep: true, to: missing, output: f('m.fsec') }), FileNotFoundError, 'FSEC_FILE_NOT_FOUND')
    const enc = await encryptedTo(dir(), good.publicKey)
    await rejectsWith(decryptFile(enc, { identity: missing, output: f('m.out') }), FileNotFoundError, 'FSEC_FILE_NOT_FOUND')
    // A missing passphrase file is the same error.
    await rejectsWith(
      loadKey(good.publicKey.publicText, { passphrase: { file: f('no-such-pass.txt') } }),
      FileNotFoundError,
      'FSEC_FILE_NOT_FOUND',
    )
  })

  it('a key that is not a Key, Buffer, string, { path } or { text } → ArgumentError', async () => {
    await rejectsWith(loadKey(42 as unknown as KeyInput), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    await rejectsWith(loadKeys([]), ArgumentError, 'FSEC_INVALID_ARGUMENT')
  })
})

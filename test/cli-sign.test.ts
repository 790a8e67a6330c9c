// filesec sign / verify (and keygen --type ed25519), run for real: `node dist/cli.js …` as a child
// process. Exit statuses: 0 valid, 10 a signature that does not match, 7 a malformed one, and the
// usual 2 / 3 / 4 / 5. minisign interoperability from the command line when minisign is installed.
import { strict as assert } from 'node:assert'
import { createHash, createPrivateKey, createPublicKey, sign as nodeSign } from 'node:crypto'
import { existsSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { loadKey, SignatureError } from '../lib'
import { EXIT, exitCodeFor } from '../lib/cli/exit'
import { leftoverTempFiles, randomFile, scratchDir } from './helpers'
import { cliIn, expectStatus, json, jsonError, keygens, skippedWithoutPty } from './cli/helpers'
import { ensureBuilt, runCli, runCliOnPty } from './cli/run'
import { haveTool, MINISIGN, runToolOk } from './tools'

const PASS = 'cli sign passphrase'

describe('filesec CLI: sign and verify', function () {
  this.timeout(60_000)
  const dir = scratchDir('filesec-cli-sign-')
  const cli = cliIn(dir)
  const p = (name: string): string => join(dir(), name)
  const input = (name: string, size = 20_000): Buffer => randomFile(p(name), size)

  before(async () => {
    ensureBuilt()
    writeFileSync(p('pass.txt'), `${PASS}\n`)
    writeFileSync(p('wrong-pass.txt'), 'not it\n')
    await keygens(cli, [
      ['-t', 'ed25519', '-o', 'ed.key', '--no-passphrase'],
      ['-t', 'ed25519', '-o', 'ed2.key', '--no-passphrase'],
      ['-t', 'ed25519', '-o', 'edp.key', '--passphrase-file', 'pass.txt'],
      ['-t', 'rsa', '-b', '2048', '-o', 'rsa.key', '--passphrase-file', 'pass.txt'],
      ['-o', 'x.key', '--no-passphrase'],
    ])
  })

  describe('help', () => {
    for (const c of ['sign', 'verify']) {
      it(`filesec ${c} --help and filesec help ${c}`, async () => {
        const a = await cli([c, '--help'])
        expectStatus(a, 0)
        assert.match(a.stdout, new RegExp(`^Usage: filesec ${c} FILE --key`))
        assert.match(a.stdout, /Exit status:/)
        expectStatus(await cli(['help', c]), 0)
        assert.equal((await cli(['help', c])).stdout, a.stdout)
      })
    }

    it('the main help lists sign, verify, keygen --type ed25519, and exit status 10', async () => {
      const r = await cli(['--help'])
      expectStatus(r, 0)
      assert.match(r.stdout, /filesec sign +FILE --key PRIVATE_KEY/)
      assert.match(r.stdout, /filesec verify +FILE --key PUBLIC_KEY/)
      assert.match(r.stdout, /x25519\|rsa\|ed25519/)
      assert.match(r.stdout, /^ {2}10 +verify: the signature does not match/m)
    })
  })

  describe('keygen --type ed25519', () => {
    it('writes a PKCS#8 private key (0600) and a minisign public key file; --json gives the key id', async () => {
      const r = await cli(['keygen', '-t', 'ed25519', '-o', 'kg.key', '--no-passphrase', '--json'])
      expectStatus(r, 0)
      const j = json(r)
      assert.equal(j.type, 'ed25519')
      assert.match(j.keyId, /^[0-9A-F]{16}$/)
      assert.equal(statSync(p('kg.key')).mode & 0o777, 0o600)
      assert.match(readFileSync(p('kg.key'), 'utf8'), /^-----BEGIN PRIVATE KEY-----/)
      const pub = readFileSync(p('kg.key.pub'), 'utf8')
      assert.equal(pub, j.publicKey)
      assert.match(pub, new RegExp(`^untrusted comment: minisign public key ${j.keyId.replace(/^0+(?=.)/, '')}\nRW[A-Za-z0-9+/]{54}\n$`))
      assert.equal((await loadKey(p('kg.key.pub'))).keyId, j.keyId)
      const human = await cli(['keygen', '-t', 'ed25519', '-o', 'kg2.key', '--no-passphrase'])
      expectStatus(human, 0)
      assert.match(human.stdout, /^Public key: RW[A-Za-z0-9+/]{54}$/m)
      assert.match(human.stdout, /^Key id: [0-9A-F]{16}$/m)
      assert.match(human.stdout, /\(Ed25519, NOT passphrase-protected, mode 0600\)/)
    })
  })

  describe('sign and verify', () => {
    it('Ed25519: FILE.minisig by default; verify finds it; the trusted comment is printed', async () => {
      input('doc.bin')
      const s = await cli(['sign', 'doc.bin', '--key', 'ed.key'])
      expectStatus(s, 0)
      assert.match(s.stdout, /^Signed doc\.bin \(19\.5 KiB\) -> doc\.bin\.minisig$/m)
      assert.match(s.stdout, /trusted comment: timestamp:\d+\tfile:doc\.bin\thashed/)
      assert.equal(statSync(p('doc.bin.minisig')).mode & 0o777, 0o600)
      const v = await cli(['verify', 'doc.bin', '--key', 'ed.key.pub'])
      expectStatus(v, 0)
      assert.match(v.stdout, /^Signature OK: doc\.bin \(doc\.bin\.minisig\)$/m)
      assert.match(v.stdout, /Ed25519, minisign, key id [0-9A-F]{16}/)
      // The public key given as its RW… line, the signature named with -x.
      const line = readFileSync(p('ed.key.pub'), 'utf8').split('\n')[1]!
      expectStatus(await cli(['verify', 'doc.bin', '-k', line, '-x', 'doc.bin.minisig']), 0)
    })

    it('RSA with a protected key (--passphrase-file): FILE.sig; verify with the public key file', async () => {
      input('r.bin')
      const s = await cli(['sign', 'r.bin', '-k', 'rsa.key', '--passphrase-file', 'pass.txt', '--json'])
      expectStatus(s, 0)
      const j = json(s)
      assert.equal(j.command, 'sign')
      assert.equal(j.algorithm, 'rsa-pss-sha256')
      assert.equal(j.output, p('r.bin.sig'))
      assert.equal(j.signature, readFileSync(p('r.bin.sig'), 'utf8'))
      assert.match(j.signature, /^filesec signature v1\n/)
      const v = await cli(['verify', 'r.bin', '-k', 'rsa.key.pub', '--json'])
      expectStatus(v, 0)
      const vj = json(v)
      assert.deepEqual([vj.command, vj.valid, vj.algorithm, vj.signatureFile], ['verify', true, 'rsa-pss-sha256', p('r.bin.sig')])
    })

    it('§7.55 sign --key --passphrase-file -o F on a file containing "a": the printed signature is F\'s content, the known one', async () => {
      // A fixed key (fixed seed), passphrase-protected PKCS#8 written by Node; the expected
      // signature computed with Node's crypto, independently of filesec.
      const nodeKey = createPrivateKey({
        key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, 0x55)]),
        format: 'der',
        type: 'pkcs8',
      })
      writeFileSync(p('known.key'), nodeKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: PASS }))
      writeFileSync(p('a.txt'), 'a')
      const comment = 'pyFileSec test 55'
      const r = await cli(['sign', 'a.txt', '--key', 'known.key', '--passphrase-file', 'pass.txt', '-o', 'F', '--comment', comment, '--json'])
      expectStatus(r, 0)
      const j = json(r)
      assert.equal(j.output, p('F'))
      assert.equal(j.signature, readFileSync(p('F'), 'utf8'))
      const spki = createPublicKey(nodeKey).export({ format: 'der', type: 'spki' })
      const keyId = createHash('sha256').update(spki).digest().subarray(0, 8)
      const fileSignature = nodeSign(null, createHash('blake2b512').update('a').digest(), nodeKey)
      const commentSignature = nodeSign(null, Buffer.concat([fileSignature, Buffer.from(comment)]), nodeKey)
      assert.equal(
        j.signature,
        `untrusted comment: signature from filesec secret key\n${Buffer.concat([Buffer.from('ED'), keyId, fileSignature]).toString('base64')}\n` +
          `trusted comment: ${comment}\n${commentSignature.toString('base64')}\n`,
      )
      // §7.56 verify --signature F --key P: valid.
      writeFileSync(p('known.pub.pem'), createPublicKey(nodeKey).export({ format: 'pem', type: 'spki' }))
      const v = await cli(['verify', 'a.txt', '--signature', 'F', '--key', 'known.pub.pem', '--json'])
      expectStatus(v, 0)
      assert.equal(json(v).valid, true)
    })

    it('--comment and -o; --overwrite replaces an existing signature', async () => {
      input('c.bin')
      expectStatus(await cli(['sign', 'c.bin', '-k', 'ed.key', '--comment', 'release 1', '-o', 'c.sig.out']), 0)
      const v = await cli(['verify', 'c.bin', '-k', 'ed.key.pub', '-x', 'c.sig.out', '--json'])
      expectStatus(v, 0)
      assert.equal(json(v).trustedComment, 'release 1')
      expectStatus(await cli(['sign', 'c.bin', '-k', 'ed.key', '-t', 'release 2', '-o', 'c.sig.out', '--overwrite']), 0)
      assert.equal(json(await cli(['verify', 'c.bin', '-k', 'ed.key.pub', '-x', 'c.sig.out', '--json'])).trustedComment, 'release 2')
      assert.deepEqual(leftoverTempFiles(dir()), [])
    })
  })

  describe('exit statuses', () => {
    before(async () => {
      input('t.bin')
      expectStatus(await cli(['sign', 't.bin', '-k', 'ed.key']), 0)
    })

    it('10: a modified file, the wrong key, an altered trusted comment (JSON result on stdout; --quiet says nothing)', async () => {
      input('m.bin')
      expectStatus(await cli(['sign', 'm.bin', '-k', 'ed.key']), 0)
      writeFileSync(p('m.bin'), Buffer.concat([readFileSync(p('m.bin')), Buffer.from('x')]))
      const modified = await cli(['verify', 'm.bin', '-k', 'ed.key.pub'])
      expectStatus(modified, EXIT.BAD_SIGNATURE)
      assert.equal(modified.stdout, '')
      assert.match(modified.stderr, /BAD signature: m\.bin does not match m\.bin\.minisig: the file was modified/)
      const j = await cli(['verify', 'm.bin', '-k', 'ed.key.pub', '--json'])
      expectStatus(j, EXIT.BAD_SIGNATURE)
      assert.deepEqual([json(j).valid, json(j).reason], [false, 'signature-mismatch'])
      const q = await cli(['verify', 'm.bin', '-k', 'ed.key.pub', '-q'])
      expectStatus(q, EXIT.BAD_SIGNATURE)
      assert.equal(q.stdout + q.stderr, '')

      const wrong = await cli(['verify', 't.bin', '-k', 'ed2.key.pub'])
      expectStatus(wrong, EXIT.BAD_SIGNATURE)
      assert.match(wrong.stderr, /made by another key \(key id [0-9A-F]{16}\)/)

      const text = readFileSync(p('t.bin.minisig'), 'utf8')
      writeFileSync(p('t.altered.minisig'), text.replace(/^trusted comment: .*$/m, 'trusted comment: changed'))
      const altered = await cli(['verify', 't.bin', '-k', 'ed.key.pub', '-x', 't.altered.minisig'])
      expectStatus(altered, EXIT.BAD_SIGNATURE)
      assert.match(altered.stderr, /trusted comment was altered/)
    })

    it('7: a malformed or unsupported signature file', async () => {
      writeFileSync(p('bad.minisig'), 'untrusted comment: x\nnot base64\n')
      const r = await cli(['verify', 't.bin', '-k', 'ed.key.pub', '-x', 'bad.minisig', '--json'])
      expectStatus(r, EXIT.DAMAGED)
      assert.equal(jsonError(r).code, 'FSEC_SIGNATURE_INVALID')
      writeFileSync(p('v2.sig'), 'filesec signature v2\n')
      const u = await cli(['verify', 't.bin', '-k', 'ed.key.pub', '-x', 'v2.sig', '--json'])
      expectStatus(u, EXIT.DAMAGED)
      assert.equal(jsonError(u).code, 'FSEC_SIGNATURE_UNSUPPORTED')
      assert.equal(exitCodeFor(new SignatureError('FSEC_SIGNATURE_INVALID', 'x')), EXIT.DAMAGED)
    })

    it('2 (§7.23): verify without a signature to find; missing --key; a trusted comment for RSA; private key text as --key', async () => {
      input('nosig.bin')
      const r = await cli(['verify', 'nosig.bin', '-k', 'ed.key.pub'])
      expectStatus(r, EXIT.USAGE)
      assert.match(r.stderr, /neither nosig\.bin\.minisig nor nosig\.bin\.sig exists: give --signature SIG/)
      const runs = await Promise.all([
        cli(['sign', 't.bin']),
        cli(['verify', 't.bin']),
        cli(['sign', 't.bin', '-k', 'rsa.key', '--passphrase-file', 'pass.txt', '--comment', 'x', '-o', 'never.sig']),
        cli(['sign', 't.bin', '-k', '-----BEGIN PRIVATE KEY-----\nMC4CAQ...']),
        cli(['verify', 't.bin', '-k', 'AGE-SECRET-KEY-1QQQ']),
        cli(['sign', 't.bin', '-k', 'ed.key', '--passphrase', 'secret']),
        cli(['sign', 't.bin', 'u.bin', '-k', 'ed.key']),
        cli(['sign', 't.bin', '-k', 'ed.key', '--comment', 'two\nlines', '-o', 'never.sig']),
      ])
      for (const x of runs) expectStatus(x, EXIT.USAGE)
      assert.ok(!existsSync(p('never.sig')))
      assert.doesNotMatch(runs[3]!.stderr, /MC4CAQ/)
    })

    it('3: a missing input; 4: an existing signature file, left intact', async () => {
      expectStatus(await cli(['sign', 'missing.bin', '-k', 'ed.key']), EXIT.FILE)
      expectStatus(await cli(['verify', 'missing.bin', '-k', 'ed.key.pub']), EXIT.FILE)
      expectStatus(await cli(['verify', 't.bin', '-k', 'ed.key.pub', '-x', 'missing.minisig']), EXIT.FILE)
      const before = readFileSync(p('t.bin.minisig'))
      const r = await cli(['sign', 't.bin', '-k', 'ed.key', '--json'])
      expectStatus(r, EXIT.OUTPUT_EXISTS)
      assert.equal(jsonError(r).code, 'FSEC_OUTPUT_EXISTS')
      assert.deepEqual(readFileSync(p('t.bin.minisig')), before)
    })

    it('5: an X25519 key, a public key to sign with, a wrong key passphrase', async () => {
      const x = await cli(['sign', 't.bin', '-k', 'x.key', '-o', 'never.sig', '--json'])
      expectStatus(x, EXIT.KEY)
      assert.equal(jsonError(x).code, 'FSEC_KEY_UNSUPPORTED')
      const pub = await cli(['sign', 't.bin', '-k', 'ed.key.pub', '-o', 'never.sig', '--json'])
      expectStatus(pub, EXIT.KEY)
      assert.equal(jsonError(pub).code, 'FSEC_WRONG_KEY')
      const w = await cli(['sign', 't.bin', '-k', 'edp.key', '--passphrase-file', 'wrong-pass.txt', '-o', 'never.sig', '--json'])
      expectStatus(w, EXIT.KEY)
      assert.equal(jsonError(w).code, 'FSEC_KEY_WRONG_PASSPHRASE')
      expectStatus(await cli(['verify', 't.bin', '-k', 'x.key.pub']), EXIT.KEY)
      assert.ok(!existsSync(p('never.sig')))
    })
  })

  describe('interrupting', () => {
    it('130: SIGINT while a large file is being hashed stops sign; no signature file is left', async () => {
      const big = p('big.bin')
      writeFileSync(big, '')
      truncateSync(big, 4 * 1024 ** 3) // sparse: seconds of hashing, no disk space
      const r = await runCli(['sign', 'big.bin', '-k', 'ed.key'], {
        cwd: dir(),
        onSpawn: (child) => {
          setTimeout(() => child.kill('SIGINT'), 700)
        },
      })
      expectStatus(r, EXIT.INTERRUPTED)
      assert.ok(!existsSync(p('big.bin.minisig')))
      assert.deepEqual(leftoverTempFiles(dir()), [])
      rmSync(big)
    })
  })

  describe('legacy pyFileSec signatures (verify only)', () => {
    /** What pyFileSec's sign() returned: `openssl dgst -sign`'s PKCS#1 v1.5 signature in base64 (made here by Node). */
    const legacySign = (digest: string, file: string): string => {
      const key = createPrivateKey({ key: readFileSync(p('rsa.key')), passphrase: PASS })
      return nodeSign(digest, readFileSync(p(file)), key).toString('base64')
    }

    it('MD5: valid, the digest and a warning shown (and in --json); FILE.sig holding the base64 is found by default', async () => {
      input('old.bin')
      writeFileSync(p('old.bin.sig'), legacySign('md5', 'old.bin'))
      const r = await cli(['verify', 'old.bin', '-k', 'rsa.key.pub'])
      expectStatus(r, 0)
      assert.match(r.stdout, /^Signature OK: old\.bin \(old\.bin\.sig\)$/m)
      assert.match(r.stdout, /^ {2}RSA PKCS#1 v1\.5 over MD5 \(legacy pyFileSec signature\), key [0-9a-f]{64}$/m)
      assert.match(r.stdout, /^ {2}warning: legacy pyFileSec signature: RSA PKCS#1 v1\.5 over MD5, which is broken for collision resistance/m)
      const j = await cli(['verify', 'old.bin', '-k', 'rsa.key.pub', '--json'])
      expectStatus(j, 0)
      const vj = json(j)
      assert.deepEqual(
        [vj.command, vj.valid, vj.algorithm, vj.digest, vj.signatureFile, vj.warnings.length],
        ['verify', true, 'pyfilesec-pkcs1v15', 'md5', p('old.bin.sig'), 1],
      )
    })

    it('SHA-256 and SHA-1 with -x: the digest shown; no warning for SHA-256', async () => {
      input('new.bin')
      writeFileSync(p('new.b64'), `${legacySign('sha256', 'new.bin')}\n`)
      const r = await cli(['verify', 'new.bin', '-k', 'rsa.key.pub', '-x', 'new.b64'])
      expectStatus(r, 0)
      assert.match(r.stdout, /RSA PKCS#1 v1\.5 over SHA-256 \(legacy pyFileSec signature\)/)
      assert.doesNotMatch(r.stdout, /warning/)
      writeFileSync(p('new1.b64'), legacySign('sha1', 'new.bin'))
      const j = await cli(['verify', 'new.bin', '-k', 'rsa.key.pub', '-x', 'new1.b64', '--json'])
      expectStatus(j, 0)
      assert.deepEqual([json(j).digest, json(j).warnings.length], ['sha1', 1])
    })

    it('10: a modified file, an Ed25519 key; 7: a truncated signature', async () => {
      input('mod.bin')
      writeFileSync(p('mod.b64'), legacySign('sha1', 'mod.bin'))
      writeFileSync(p('mod.bin'), Buffer.concat([readFileSync(p('mod.bin')), Buffer.from('x')]))
      const modified = await cli(['verify', 'mod.bin', '-k', 'rsa.key.pub', '-x', 'mod.b64'])
      expectStatus(modified, EXIT.BAD_SIGNATURE)
      assert.match(modified.stderr, /BAD signature: mod\.bin does not match mod\.b64: the file was modified/)
      const j = await cli(['verify', 'mod.bin', '-k', 'rsa.key.pub', '-x', 'mod.b64', '--json'])
      expectStatus(j, EXIT.BAD_SIGNATURE)
      assert.deepEqual([json(j).valid, json(j).algorithm, json(j).reason, json(j).digest], [false, 'pyfilesec-pkcs1v15', 'signature-mismatch', undefined])
      const ed = await cli(['verify', 'mod.bin', '-k', 'ed.key.pub', '-x', 'mod.b64'])
      expectStatus(ed, EXIT.BAD_SIGNATURE)
      assert.match(ed.stderr, /a pyFileSec signature needs the signer's RSA key/)
      writeFileSync(p('cut.b64'), readFileSync(p('mod.b64'), 'utf8').slice(0, -8))
      const cut = await cli(['verify', 'mod.bin', '-k', 'rsa.key.pub', '-x', 'cut.b64', '--json'])
      expectStatus(cut, EXIT.DAMAGED)
      assert.equal(jsonError(cut).code, 'FSEC_SIGNATURE_INVALID')
    })
  })

  describe('minisign from the command line', () => {
    if (!haveTool(MINISIGN)) {
      it('SKIPPED: minisign not found (Debian package minisign)', function () {
        this.skip()
      })
      return
    }

    it('minisign -V verifies what filesec sign wrote; filesec verify accepts what minisign -S wrote', async () => {
      input('mi.bin', 3 << 20)
      expectStatus(await cli(['sign', 'mi.bin', '-k', 'ed.key', '-t', 'via the CLI']), 0)
      const v = runToolOk('minisign', ['-V', '-p', p('ed.key.pub'), '-m', p('mi.bin')])
      assert.match(v.stdout, /Trusted comment: via the CLI/)
      runToolOk('minisign', ['-G', '-W', '-p', p('ms.pub'), '-s', p('ms.key')])
      input('ms.bin')
      runToolOk('minisign', ['-S', '-s', p('ms.key'), '-m', p('ms.bin'), '-t', 'by minisign'])
      const r = await cli(['verify', 'ms.bin', '-k', 'ms.pub'])
      expectStatus(r, 0)
      assert.match(r.stdout, /trusted comment: by minisign/)
      // filesec signs with the minisign secret key too.
      input('ms2.bin')
      expectStatus(await cli(['sign', 'ms2.bin', '-k', 'ms.key']), 0)
      runToolOk('minisign', ['-V', '-p', p('ms.pub'), '-m', p('ms2.bin')])
    })
  })

  describe('terminal prompt (pseudo-terminal)', () => {
    if (skippedWithoutPty('no pseudo-terminal for the prompt test')) return

    it('sign with a protected key asks for its passphrase without echo (a wrong one is exit 5, nothing written)', () => {
      input('tty.bin')
      const bad = runCliOnPty(['sign', 'tty.bin', '-k', 'edp.key'], { cwd: dir(), steps: [['Passphrase for edp.key', 'nope\r']] })
      assert.equal(bad.status, EXIT.KEY, bad.output)
      assert.ok(!existsSync(p('tty.bin.minisig')))
      const ok = runCliOnPty(['sign', 'tty.bin', '-k', 'edp.key'], { cwd: dir(), steps: [['Passphrase for edp.key', `${PASS}\r`]] })
      assert.equal(ok.status, 0, ok.output)
      assert.ok(!ok.output.includes(PASS), 'the passphrase was echoed')
      assert.ok(existsSync(p('tty.bin.minisig')))
    })
  })
})

// age v1 in Node streams, and progress / abort of the age file functions.
//  * createEncryptStream({ codec: 'age' }) writes what `age -d` reads; createDecryptStream reads
//    what `age -e` writes, recognising the format from the first bytes (the same stream reads
//    .fsec), byte-identical at the chunk-boundary sizes.
//  * The age decrypt stream releases only authenticated plaintext and fails with the .fsec
//    stream's error classes on truncation (also exactly at a chunk boundary), appended data and
//    tampering; armored input and options age cannot honour are refused with clear errors.
//  * encryptFile / decryptFile with age: progress to the total, and an abort leaves no output and
//    no temporary file.
// Random access to age files is in test/age-reader.test.ts.
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

import {
  KeyPassphraseError,
  writePrivateKey,
  AbortError,
  ArgumentError,
  createDecryptStream,
  createEncryptStream,
  decryptFile,
  DecryptStream,
  encryptFile,
  type FileMetadata,
  generateKeyPair,
  HeaderError,
  HeaderTamperedError,
  type KeyPair,
  NoMatchingRecipientError,
  NotEncryptedError,
  PayloadTamperedError,
  type Progress,
  TrailingDataError,
  TruncatedError,
  UnsupportedVersionError,
  WrongPassphraseError,
} from '../lib'
import { native } from '../lib/native'
import { collect, collectUntilError, leftoverTempFiles, rejectsWith, scratchDir } from './helpers'
import { describeWithTool, haveTool, type Tool } from './tools'

const AGE: Tool = { cmd: 'age', pkg: 'age' }
const CHUNK = 64 * 1024
const TAG = 16
const NONCE = 16
const SEALED = CHUNK + TAG
const SIZES = [0, 1, 65535, 65536, 65537, 3 * 1024 * 1024 + 123]

/** Runs a tool on binary data; throws with its stderr unless it exits 0. */
function run(cmd: string, args: string[]): Buffer {
  const r = spawnSync(cmd, args, { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}: ${r.stderr}`)
  return r.stdout
}

/** Runs age with a pseudo-terminal (util-linux `script`): age reads passphrases only from one. */
function ageWithTty(args: string[], typed: string): void {
  const cmd = ['age', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { input: typed, timeout: 60_000 })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`age ${args.join(' ')} (through script) exited with ${r.status}: ${r.stdout}${r.stderr}`)
}

/** `data` cut into pieces of the given sizes, cycling through them. */
function pieces(data: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = []
  for (let pos = 0, i = 0; pos < data.length; i++) {
    const n = sizes[i % sizes.length]!
    out.push(data.subarray(pos, pos + n))
    pos += n
  }
  return out
}

/** Where an age file's payload chunks start (the header parsed natively). */
function ageLayout(file: Buffer): { headerSize: number; chunkStart: (k: number) => number } {
  const headerSize = native.age.parseHeader(file).headerSize
  return { headerSize, chunkStart: (k) => headerSize + NONCE + k * SEALED }
}

function flipped(data: Buffer, at: number): Buffer {
  const copy = Buffer.from(data)
  copy[at]! ^= 0x01
  return copy
}

describeWithTool(AGE, 'age streams: byte-identical with the age CLI', function () {
  this.timeout(120_000)
  const dir = scratchDir('filesec-age-streams-cli-')
  const f = (n: string) => join(dir(), n)
  let recipient = ''

  before(() => {
    run('age-keygen', ['-o', f('x.key')])
    recipient = run('age-keygen', ['-y', f('x.key')]).toString().trim()
  })

  it(`encrypt stream → file → age -d: identical at sizes ${SIZES.join(', ')} (several write sizes)`, async () => {
    const writeSizes = [[Number.MAX_SAFE_INTEGER], [7, 65536, 1], [SEALED + 1, 3]]
    for (const size of SIZES) {
      const data = randomBytes(size)
      for (const [i, cut] of writeSizes.entries()) {
        const out = f(`enc-${size}-${i}.age`)
        await pipeline(Readable.from(pieces(data, cut!)), createEncryptStream({ codec: 'age', to: recipient }), createWriteStream(out))
        const file = readFileSync(out)
        assert.equal(file.subarray(0, 22).toString(), 'age-encryption.org/v1\n')
        // The STREAM payload has exactly age's size: nonce, then each chunk with its tag.
        const chunks = size === 0 ? 1 : Math.ceil(size / CHUNK)
        assert.equal(file.length - ageLayout(file).headerSize, NONCE + size + chunks * TAG, `payload size, ${size} bytes`)
        assert.ok(run('age', ['-d', '-i', f('x.key'), out]).equals(data), `age -d, ${size} bytes, writes ${cut!.join('/')}`)
        rmSync(out)
      }
    }
  })

  it(`age -e -r → decrypt stream: identical at sizes ${SIZES.join(', ')} (several read sizes)`, async () => {
    const readSizes = [65536, 1000, SEALED + 1, 37]
    for (const size of SIZES) {
      const data = randomBytes(size)
      writeFileSync(f(`plain-${size}`), data)
      run('age', ['-e', '-r', recipient, '-o', f(`cli-${size}.age`), f(`plain-${size}`)])
      for (const hwm of readSizes) {
        if (hwm < 1000 && size > 100_000) continue // tiny reads of a large file only slow the test
        const stream = createDecryptStream({ identity: f('x.key') })
        const back = await collect(createReadStream(f(`cli-${size}.age`), { highWaterMark: hwm }), stream)
        assert.ok(back.equals(data), `size ${size}, reads of ${hwm}`)
        assert.equal(stream.codec, 'age')
      }
    }
  })

  it('ssh-ed25519 recipients, both directions', async function () {
    if (!haveTool({ cmd: 'ssh-keygen', pkg: 'openssh-client' })) this.skip()
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', f('ed')])
    const data = randomBytes(CHUNK + 5)
    const sealed = await collect([data], createEncryptStream({ codec: 'age', to: f('ed.pub') }))
    writeFileSync(f('ed.age'), sealed)
    assert.ok(run('age', ['-d', '-i', f('ed'), f('ed.age')]).equals(data))
    writeFileSync(f('ed.plain'), data)
    run('age', ['-e', '-R', f('ed.pub'), '-o', f('ed-cli.age'), f('ed.plain')])
    assert.ok((await collect(createReadStream(f('ed-cli.age')), createDecryptStream({ identity: f('ed') }))).equals(data))
  })

  it('scrypt (passphrase), both directions (age reads passphrases from a terminal: util-linux script)', async function () {
    if (!haveTool({ cmd: 'script', pkg: 'util-linux' })) this.skip()
    const data = randomBytes(2 * CHUNK + 3)
    const sealed = await collect([data], createEncryptStream({ codec: 'age', passphrase: 'correct horse', workFactor: 10 }))
    writeFileSync(f('p.age'), sealed)
    ageWithTty(['-d', '-o', f('p.cli'), f('p.age')], 'correct horse\n')
    assert.ok(readFileSync(f('p.cli')).equals(data))
    writeFileSync(f('p.plain'), data)
    ageWithTty(['-p', '-o', f('p-cli.age'), f('p.plain')], 'pw one\npw one\n')
    const back = await collect(createReadStream(f('p-cli.age')), createDecryptStream({ passphrase: 'pw one' }))
    assert.ok(back.equals(data))
    await rejectsWith(
      collect(createReadStream(f('p-cli.age')), createDecryptStream({ passphrase: 'wrong' })),
      WrongPassphraseError,
      'FSEC_WRONG_PASSPHRASE',
    )
  })

  it('armored age input is refused by the decrypt stream with a clear ArgumentError', async () => {
    writeFileSync(f('a.plain'), 'armored')
    run('age', ['-e', '-a', '-r', recipient, '-o', f('a.age'), f('a.plain')])
    const e = await rejectsWith(
      collect(createReadStream(f('a.age'), { highWaterMark: 5 }), createDecryptStream({ identity: f('x.key') })),
      ArgumentError,
      'FSEC_INVALID_ARGUMENT',
    )
    assert.match(e.message, /armored .*not supported by decrypt streams/)
  })
})

describe('age streams: the format is recognised, the file API agrees', function () {
  this.timeout(60_000)
  const dir = scratchDir('filesec-age-streams-')
  const f = (n: string) => join(dir(), n)
  let pair: KeyPair
  let other: KeyPair

  before(async () => {
    pair = await generateKeyPair('x25519')
    other = await generateKeyPair('x25519')
  })

  it('one decrypt stream reads .fsec and age without being told which; metadata and codec say what it read', async () => {
    const data = randomBytes(CHUNK * 2 + 11)
    const fsec = await collect([data], createEncryptStream({ to: pair.publicKey, name: 'n.bin' }))
    const age = await collect([data], createEncryptStream({ codec: 'age', to: pair.publicKey }))
    assert.equal(fsec.subarray(0, 7).toString(), 'filesec')
    assert.equal(age.subarray(0, 22).toString(), 'age-encryption.org/v1\n')
    for (const [sealed, codec, name] of [[fsec, 'fsec', 'n.bin'], [age, 'age', undefined]] as const) {
      // One byte at a time through the header, so recognition and header parsing see every split.
      const stream = new DecryptStream({ identity: pair.privateKey })
      let meta: FileMetadata | undefined
      stream.on('metadata', (m: FileMetadata) => (meta = m))
      const back = await collect([...pieces(sealed.subarray(0, 400), [1]), sealed.subarray(400)], stream)
      assert.ok(back.equals(data), codec)
      assert.equal(stream.codec, codec)
      assert.equal(meta?.name, name)
      if (codec === 'age') assert.deepEqual(meta, { v: 1, padding: 0 })
    }
  })

  it('age stream output is what decryptFile reads, and encryptFile age output is what the stream reads', async () => {
    const data = randomBytes(300_000)
    writeFileSync(f('s.bin'), data)
    await pipeline(createReadStream(f('s.bin')), createEncryptStream({ codec: 'age', to: pair.publicKey, size: data.length }), createWriteStream(f('s.bin.age')))
    const d = await decryptFile(f('s.bin.age'), { identity: pair.privateKey, output: f('s.out') })
    assert.ok(readFileSync(f('s.out')).equals(data))
    assert.deepEqual(d.metadata, { v: 1, padding: 0, size: data.length })

    const e = await encryptFile(f('s.bin'), { codec: 'age', to: pair.publicKey, keep: true, output: f('file.age') })
    assert.ok((await collect(createReadStream(e.output, { highWaterMark: 5000 }), createDecryptStream({ identity: pair.privateKey }))).equals(data))
  })

  it('passphrase age streams round trip; the wrong passphrase is FSEC_WRONG_PASSPHRASE', async () => {
    const data = randomBytes(20_000)
    const sealed = await collect([data], createEncryptStream({ codec: 'age', passphrase: 'pw', workFactor: 10 }))
    assert.ok((await collect([sealed], createDecryptStream({ passphrase: 'pw' }))).equals(data))
    await rejectsWith(collect([sealed], createDecryptStream({ passphrase: 'other' })), WrongPassphraseError, 'FSEC_WRONG_PASSPHRASE')
  })

  it('header failures: no matching identity, a changed MAC, another version, a malformed header', async () => {
    const sealed = await collect([randomBytes(1000)], createEncryptStream({ codec: 'age', to: pair.publicKey }))
    const { headerSize } = ageLayout(sealed)
    const open = (bytes: Buffer, options: object = { identity: pair.privateKey }) => collect([bytes], createDecryptStream(options))
    await rejectsWith(open(sealed, { identity: other.privateKey }), NoMatchingRecipientError, 'FSEC_NO_MATCHING_RECIPIENT')
    // The MAC line is "--- " + 43 base64 characters; one in the middle changed stays canonical.
    const bad = Buffer.from(sealed)
    const at = headerSize - 20
    bad[at] = bad[at] === 0x41 ? 0x42 : 0x41
    await rejectsWith(open(bad), HeaderTamperedError, 'FSEC_HEADER_TAMPERED')
    const v2 = Buffer.concat([Buffer.from('age-encryption.org/v2\n'), sealed.subarray(22)])
    await rejectsWith(open(v2), UnsupportedVersionError, 'FSEC_UNSUPPORTED_VERSION')
    // Even before the rest of the header arrives.
    await rejectsWith(open(Buffer.from('age-encryption.org/v2\n-> X')), UnsupportedVersionError, 'FSEC_UNSUPPORTED_VERSION')
    const malformed = Buffer.from(sealed)
    malformed.write('=> ', 22) // the first stanza line must start with "-> "
    await rejectsWith(open(malformed), HeaderError, 'FSEC_HEADER_INVALID')
  })

  it('a passphrase-protected identity file opens with identityPassphrase; without it: FSEC_KEY_PASSPHRASE_REQUIRED', async () => {
    const data = randomBytes(70_000)
    const sealed = await collect([data], createEncryptStream({ codec: 'age', to: pair.publicKey }))
    await writePrivateKey(pair.privateKey, f('locked.key'), { passphrase: 'id pass' })
    const opened = await collect([sealed], createDecryptStream({ identity: f('locked.key'), identityPassphrase: 'id pass' }))
    assert.ok(opened.equals(data))
    await rejectsWith(collect([sealed], createDecryptStream({ identity: f('locked.key') })), KeyPassphraseError, 'FSEC_KEY_PASSPHRASE_REQUIRED')
  })

  it('neither format: NotEncryptedError; an empty stream or one cut in the header: TruncatedError', async () => {
    const sealed = await collect([randomBytes(10)], createEncryptStream({ codec: 'age', to: pair.publicKey }))
    const open = (bytes: Buffer[]) => collect(bytes, createDecryptStream({ identity: pair.privateKey }))
    await rejectsWith(open([Buffer.from('not an encrypted stream at all')]), NotEncryptedError, 'FSEC_NOT_ENCRYPTED')
    await rejectsWith(open([Buffer.from('age-encryption.')]), TruncatedError, 'FSEC_TRUNCATED')
    await rejectsWith(open([Buffer.from('ag'), Buffer.from('x')]), NotEncryptedError, 'FSEC_NOT_ENCRYPTED')
    await rejectsWith(open([]), TruncatedError, 'FSEC_TRUNCATED')
    const { headerSize } = ageLayout(sealed)
    // Before the magic is complete the format is not known yet.
    assert.match((await rejectsWith(open([sealed.subarray(0, 10)]), TruncatedError, 'FSEC_TRUNCATED')).message, /inside an encrypted header/)
    for (const cut of [19, 40, headerSize - 1]) {
      const e = await rejectsWith(open([sealed.subarray(0, cut)]), TruncatedError, 'FSEC_TRUNCATED')
      assert.match(e.message, /ended inside an age header/)
    }
  })
})

describe('age decrypt stream: only authenticated plaintext, and every damage detected', function () {
  this.timeout(60_000)
  let pair: KeyPair
  const full = randomBytes(3 * CHUNK) // the final chunk is full: only its flag marks the end
  const short = randomBytes(3 * CHUNK + 100)
  let fullFile: Buffer
  let shortFile: Buffer

  before(async () => {
    pair = await generateKeyPair('x25519')
    fullFile = await collect([full], createEncryptStream({ codec: 'age', to: pair.publicKey }))
    shortFile = await collect([short], createEncryptStream({ codec: 'age', to: pair.publicKey }))
  })

  /**
   * Decrypts `bytes` in several chunkings; each must fail with `Class`/`code`, having released
   * only a prefix of `plain` of at most `maxReleased` bytes.
   */
  async function fails(bytes: Buffer, plain: Buffer, Class: abstract new (...a: never[]) => Error, code: string, maxReleased: number) {
    for (const cut of [[Number.MAX_SAFE_INTEGER], [1000, 39_000], [SEALED], [SEALED + 1, 5], [CHUNK]]) {
      const { out, error } = await collectUntilError(pieces(bytes, cut), createDecryptStream({ identity: pair.privateKey }))
      await rejectsWith(Promise.reject(error), Class, code)
      assert.ok(out.length <= maxReleased, `released ${out.length} > ${maxReleased} bytes (reads of ${cut.join('/')})`)
      assert.ok(out.equals(plain.subarray(0, out.length)), `released bytes that are not the plaintext (reads of ${cut.join('/')})`)
    }
  }

  it('the whole files decrypt (the cases below are damage, not a broken reader)', async () => {
    assert.ok((await collect([fullFile], createDecryptStream({ identity: pair.privateKey }))).equals(full))
    assert.ok((await collect([shortFile], createDecryptStream({ identity: pair.privateKey }))).equals(short))
  })

  it('cut exactly at a chunk boundary (no chunk flagged final) → FSEC_TRUNCATED', async () => {
    const { chunkStart } = ageLayout(fullFile)
    await fails(fullFile.subarray(0, chunkStart(2)), full, TruncatedError, 'FSEC_TRUNCATED', 2 * CHUNK)
    await fails(fullFile.subarray(0, chunkStart(1)), full, TruncatedError, 'FSEC_TRUNCATED', CHUNK)
    // The short final chunk dropped: the last full chunk is not flagged final.
    await fails(shortFile.subarray(0, chunkStart(3)), short, TruncatedError, 'FSEC_TRUNCATED', 3 * CHUNK)
  })

  it('cut in or right after the payload nonce → FSEC_TRUNCATED', async () => {
    const { headerSize } = ageLayout(fullFile)
    for (const cut of [headerSize, headerSize + 5, headerSize + NONCE, headerSize + NONCE + 7]) {
      await fails(fullFile.subarray(0, cut), full, TruncatedError, 'FSEC_TRUNCATED', 0)
    }
  })

  it('cut inside the last chunk → FSEC_PAYLOAD_TAMPERED (age has no size field to tell it from damage)', async () => {
    await fails(fullFile.subarray(0, fullFile.length - 1), full, PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED', 3 * CHUNK)
    await fails(shortFile.subarray(0, shortFile.length - 50), short, PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED', 3 * CHUNK)
  })

  it('data appended after the final chunk → FSEC_TRAILING_DATA (after a short final chunk: FSEC_PAYLOAD_TAMPERED)', async () => {
    const { chunkStart } = ageLayout(fullFile)
    await fails(Buffer.concat([fullFile, Buffer.from([0])]), full, TrailingDataError, 'FSEC_TRAILING_DATA', 3 * CHUNK)
    await fails(Buffer.concat([fullFile, fullFile.subarray(chunkStart(0), chunkStart(1))]), full, TrailingDataError, 'FSEC_TRAILING_DATA', 3 * CHUNK)
    // After a short final chunk, an appended byte moves where that chunk seems to end.
    await fails(Buffer.concat([shortFile, Buffer.from([0])]), short, PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED', 3 * CHUNK)
  })

  it('a changed byte in the nonce, a middle chunk or the final chunk → FSEC_PAYLOAD_TAMPERED, nothing of that chunk released', async () => {
    const { headerSize, chunkStart } = ageLayout(shortFile)
    await fails(flipped(shortFile, headerSize + 3), short, PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED', 0)
    await fails(flipped(shortFile, chunkStart(0) + 10), short, PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED', 0)
    await fails(flipped(shortFile, chunkStart(1) + 5000), short, PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED', CHUNK)
    await fails(flipped(shortFile, chunkStart(2) - 1), short, PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED', CHUNK) // chunk 1's tag
    await fails(flipped(shortFile, shortFile.length - 1), short, PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED', 3 * CHUNK)
    // Two chunks swapped.
    const swapped = Buffer.from(shortFile)
    shortFile.subarray(chunkStart(1), chunkStart(2)).copy(swapped, chunkStart(0))
    shortFile.subarray(chunkStart(0), chunkStart(1)).copy(swapped, chunkStart(1))
    await fails(swapped, short, PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED', 0)
  })

  it("another file's payload behind this header → FSEC_PAYLOAD_TAMPERED", async () => {
    const { headerSize } = ageLayout(fullFile)
    const otherFile = await collect([full], createEncryptStream({ codec: 'age', to: pair.publicKey }))
    const mixed = Buffer.concat([fullFile.subarray(0, headerSize), otherFile.subarray(ageLayout(otherFile).headerSize)])
    await fails(mixed, full, PayloadTamperedError, 'FSEC_PAYLOAD_TAMPERED', 0)
  })
})

describe('age encrypt stream: options', () => {
  const to = 'age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj'

  it('options age cannot honour are refused by name, before the stream exists', () => {
    for (const [k, v] of [['name', 'x.txt'], ['note', 'n'], ['pad', 'padme']] as const) {
      assert.throws(
        () => createEncryptStream({ codec: 'age', to, [k]: v }),
        (e: unknown) => e instanceof ArgumentError && e.message.startsWith(`${k} is not supported with codec 'age'`),
        k,
      )
    }
    assert.throws(() => createEncryptStream({ codec: 'pyfilesec' as 'age', to }), (e: unknown) => e instanceof ArgumentError && /'fsec' or 'age'/.test(e.message))
    assert.throws(() => createEncryptStream({ codec: 'age' }), ArgumentError)
    assert.throws(() => createEncryptStream({ codec: 'age', to, passphrase: 'p' }), ArgumentError)
  })

  it('a declared size is enforced (and not recorded: age has no size field)', async () => {
    await rejectsWith(collect([randomBytes(10)], createEncryptStream({ codec: 'age', to, size: 11 })), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    await rejectsWith(collect([randomBytes(12)], createEncryptStream({ codec: 'age', to, size: 11 })), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    const withSize = await collect([randomBytes(11)], createEncryptStream({ codec: 'age', to, size: 11 }))
    const without = await collect([randomBytes(11)], createEncryptStream({ codec: 'age', to }))
    assert.equal(withSize.length, without.length)
  })

  it("the default codec is still 'fsec'", async () => {
    const sealed = await collect([randomBytes(5)], createEncryptStream({ to }))
    assert.equal(sealed.subarray(0, 7).toString(), 'filesec')
  })
})

describe('age files: progress and abort (encryptFile / decryptFile)', function () {
  this.timeout(120_000)
  const dir = scratchDir('filesec-age-jobs-')
  const f = (n: string) => join(dir(), n)
  let pair: KeyPair

  before(async () => {
    pair = await generateKeyPair('x25519')
  })

  it('progress: encrypt (encrypt, verify, destroy phases on one scale) and decrypt, up to the total', async () => {
    const size = 3 * 1024 * 1024 + 5
    const data = randomBytes(size)
    writeFileSync(f('p.bin'), data)
    const seen: Progress[] = []
    const e = await encryptFile(f('p.bin'), { codec: 'age', to: pair.publicKey, destroyPasses: 1, onProgress: (q) => seen.push(q) })
    assert.equal(e.plaintext, 'destroyed')
    const phases = seen.map((q) => q.phase).filter((x, i, a) => i === 0 || a[i - 1] !== x)
    assert.deepEqual(phases, ['encrypt', 'verify', 'destroy'])
    for (const q of seen) assert.equal(q.total, 3 * size)
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.done >= seen[i - 1]!.done, 'progress never goes back')
    assert.deepEqual(seen[seen.length - 1], { done: 3 * size, total: 3 * size, phase: 'destroy' })

    const dseen: Progress[] = []
    await decryptFile(e.output, { identity: pair.privateKey, output: f('p.out'), onProgress: (q) => dseen.push(q) })
    assert.ok(readFileSync(f('p.out')).equals(data))
    assert.deepEqual(dseen[dseen.length - 1], { done: size, total: size })
  })

  it('an already aborted signal: AbortError, no output, no temporary file', async () => {
    writeFileSync(f('a.bin'), randomBytes(1000))
    await rejectsWith(encryptFile(f('a.bin'), { codec: 'age', to: pair.publicKey, keep: true, signal: AbortSignal.abort() }), AbortError, 'FSEC_ABORTED')
    assert.equal(existsSync(f('a.bin.age')), false)
    const e = await encryptFile(f('a.bin'), { codec: 'age', to: pair.publicKey, keep: true })
    await rejectsWith(decryptFile(e.output, { identity: pair.privateKey, output: f('a.out'), signal: AbortSignal.abort() }), AbortError, 'FSEC_ABORTED')
    assert.equal(existsSync(f('a.out')), false)
    assert.deepEqual(leftoverTempFiles(dir()), [])
  })

  it('an abort during encryption, and one between encryption and the destroy, leave the plaintext and nothing else', async () => {
    const big = f('big.bin')
    writeFileSync(big, '')
    truncateSync(big, 1 << 30) // sparse: quick to read, still long enough to encrypt for a progress report
    const mid = new AbortController()
    let abortedAt = -1
    await rejectsWith(
      encryptFile(big, {
        codec: 'age',
        to: pair.publicKey,
        keep: true,
        durable: false,
        signal: mid.signal,
        onProgress: ({ done, total }) => {
          if (abortedAt < 0 && done < total) {
            abortedAt = done
            mid.abort()
          }
        },
      }),
      AbortError,
      'FSEC_ABORTED',
    )
    assert.ok(abortedAt >= 0, 'the job reported progress before it finished')
    assert.equal(existsSync(`${big}.age`), false)
    assert.deepEqual(leftoverTempFiles(dir()), [])
    rmSync(big)

    // Cancelled at the last report of the encryption step: the written file is removed before it
    // is verified, and the plaintext is not destroyed.
    const data = randomBytes(1024 * 1024)
    writeFileSync(f('c.bin'), data)
    const late = new AbortController()
    await rejectsWith(
      encryptFile(f('c.bin'), {
        codec: 'age',
        to: pair.publicKey,
        signal: late.signal,
        onProgress: (q) => {
          if (q.phase === 'encrypt' && q.done === data.length) late.abort()
        },
      }),
      AbortError,
      'FSEC_ABORTED',
    )
    assert.ok(readFileSync(f('c.bin')).equals(data))
    assert.equal(existsSync(f('c.bin.age')), false)
    assert.deepEqual(leftoverTempFiles(dir()), [])
  })

  it('an abort during decryption leaves no output and no temporary file', async () => {
    const big = f('dbig.bin')
    writeFileSync(big, '')
    truncateSync(big, 1 << 30) // long enough to decrypt for a progress report before the end
    const e = await encryptFile(big, { codec: 'age', to: pair.publicKey, keep: true, durable: false })
    rmSync(big)
    const ac = new AbortController()
    let abortedAt = -1
    await rejectsWith(
      decryptFile(e.output, {
        identity: pair.privateKey,
        output: f('dbig.out'),
        durable: false,
        threads: 1, // one worker: long enough for a progress report before the end
        signal: ac.signal,
        onProgress: ({ done, total }) => {
          if (abortedAt < 0 && done < total) {
            abortedAt = done
            ac.abort()
          }
        },
      }),
      AbortError,
      'FSEC_ABORTED',
    )
    assert.ok(abortedAt >= 0, 'the job reported progress before it finished')
    assert.equal(existsSync(f('dbig.out')), false)
    assert.deepEqual(leftoverTempFiles(dir()), [])
    rmSync(e.output)
  })
})

// ASCII-armored age files of any size, both ways: encryptFile({ codec: 'age', armor: true }) writes
// what `age -a` writes (checked line by line, and against age's own output for the same sizes);
// decryptFile and inspect read armored files through the streaming de-armorer, past the 64 MiB
// the in-memory one allowed. Damaged armor anywhere in a large file is FSEC_HEADER_INVALID with
// age's armor message, and nothing is left behind (no output, no temporary file); so is a
// cancelled operation.
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { ArgumentError, decryptFile, encryptFile, inspect, type Progress } from '../lib'
import { leftoverTempFiles, randomFile, scratchDir } from './helpers'

// A test key pair (age-keygen).
const IDENTITY = 'AGE-SECRET-KEY-10SA8ZRT3MXJT6L6DAZUPJ43Y5MKRZYRNJQ3CWGQPQLGG6TSL533QUZKSK7'
const RECIPIENT = 'age190a3rwmhqcjqxgn886ywgy7g9j2mprz4g2mxfl7q02x6vus3pg7sl7hv9c'
const BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----'
const END = '-----END AGE ENCRYPTED FILE-----'
// Past the 64 MiB the in-memory de-armorer took; not a multiple of 48 (short last line) nor of
// 64 KiB (short last chunk). About 1 s each way here.
const BIG = 70 * 1024 * 1024 + 123
const SIZES = [0, 1, 65535, 65536, 65537, BIG]

/**
 * Checks that `file` is laid out as `age -a` writes: the BEGIN line, lines of exactly 64 columns
 * of canonical padded base64 with only the last one shorter, the END line, a final LF. Returns
 * the binary it holds.
 */
function checkArmorLayout(file: Buffer): Buffer {
  const text = file.toString('latin1')
  assert.ok(text.endsWith(`\n${END}\n`), 'ends with the END line and a newline')
  const lines = text.slice(0, -1).split('\n')
  assert.equal(lines[0], BEGIN)
  const body = lines.slice(1, -1)
  assert.ok(body.length > 0)
  for (let i = 0; i < body.length - 1; i++) {
    if (body[i]!.length !== 64) assert.fail(`line ${i + 2} has ${body[i]!.length} columns, not 64`)
  }
  const last = body[body.length - 1]!
  assert.ok(last.length >= 4 && last.length <= 64, `last line: ${last.length} columns`)
  const b64 = body.join('')
  assert.match(b64.slice(-8), /^[A-Za-z0-9+/]+={0,2}$/)
  const binary = Buffer.from(b64, 'base64')
  // Canonical padded base64 (this also rejects any character outside the alphabet).
  assert.ok(binary.toString('base64') === b64, 'canonical padded base64')
  assert.equal(binary.subarray(0, 22).toString(), 'age-encryption.org/v1\n')
  return binary
}

/** The lengths of an armored file's lines, run-length encoded: [length, count][]. */
function lineProfile(file: Buffer): [number, number][] {
  const out: [number, number][] = []
  let start = 0
  for (let nl = file.indexOf(10); nl !== -1; start = nl + 1, nl = file.indexOf(10, start)) {
    const len = nl - start
    const last = out[out.length - 1]
    if (last !== undefined && last[0] === len) last[1]++
    else out.push([len, 1])
  }
  assert.equal(start, file.length, 'every line ends with LF')
  return out
}

/** Files in `dir` other than `expected`: outputs or temporaries that must not be there. */
function strayFiles(dir: string, expected: string[]): string[] {
  return readdirSync(dir).filter((n) => !expected.includes(n))
}

/** Records the phases a progress callback sees, in order, and the last report. */
function phaseRecorder(): { onProgress: (p: Progress) => void; phases: string[]; last: () => Progress | undefined } {
  const phases: string[] = []
  let last: Progress | undefined
  return {
    onProgress: (p) => {
      if (p.phase !== undefined && phases[phases.length - 1] !== p.phase) phases.push(p.phase)
      last = p
    },
    phases,
    last: () => last,
  }
}

describe('age armor: encryptFile armor: true, decryptFile and inspect of armored files of any size', function () {
  this.timeout(120_000)
  const dir = scratchDir('filesec-age-armor-')
  const f = (n: string) => join(dir(), n)

  it(`round trips at ${SIZES.join(', ')} bytes: age -a layout, 0600, FILE.age; inspect says armored`, async () => {
    for (const size of SIZES) {
      const name = `rt-${size}`
      const data = randomFile(f(name), size)
      const enc = await encryptFile(f(name), { codec: 'age', to: RECIPIENT, armor: true, keep: true })
      assert.equal(enc.output, f(`${name}.age`))
      assert.equal(enc.plaintextBytes, size)
      const armored = readFileSync(enc.output)
      assert.equal(enc.encryptedBytes, armored.length)
      assert.equal(statSync(enc.output).mode & 0o777, 0o600)
      const binary = checkArmorLayout(armored)
      // X25519 header, 16-byte nonce, 64 KiB chunks with 16-byte tags (an empty file has one empty chunk).
      assert.equal(binary.length, 168 + 16 + size + 16 * Math.max(1, Math.ceil(size / 65536)), `binary size for ${size}`)

      const info = await inspect(enc.output)
      assert.equal(info.codec, 'age')
      assert.equal(info.armored, true)
      assert.equal(info.fileSize, armored.length)
      assert.deepEqual(info.recipients, [{ type: 'x25519' }])
      assert.deepEqual((await inspect(enc.output, { identity: IDENTITY })).metadata, { v: 1, padding: 0, size })

      const dec = await decryptFile(enc.output, { identity: IDENTITY, output: f(`${name}.out`) })
      assert.equal(dec.plaintextBytes, size)
      assert.ok(readFileSync(f(`${name}.out`)).equals(data), `size ${size}`)
      assert.deepEqual(leftoverTempFiles(dir()), [])
      for (const n of [name, `${name}.age`, `${name}.out`]) rmSync(f(n))
    }
  })

  it('the default verify-then-destroy checks the armored file as written: encrypt, armor, de-armor, verify, destroy', async () => {
    const data = randomFile(f('vd'), 3 * 1024 * 1024 + 5)
    const progress = phaseRecorder()
    const enc = await encryptFile(f('vd'), { codec: 'age', to: RECIPIENT, armor: true, onProgress: progress.onProgress })
    assert.equal(enc.plaintext, 'destroyed')
    assert.deepEqual(strayFiles(dir(), ['vd.age']), [], 'the plaintext is gone, no temporary file is left')
    assert.deepEqual(progress.phases, ['encrypt', 'armor', 'de-armor', 'verify', 'destroy'])
    assert.equal(progress.last()!.done, progress.last()!.total)
    checkArmorLayout(readFileSync(f('vd.age')))
    await decryptFile(f('vd.age'), { identity: IDENTITY })
    assert.ok(readFileSync(f('vd')).equals(data))
    rmSync(f('vd'))
    rmSync(f('vd.age'))
  })

  it('reads armor with CRLF line ends and whitespace around it, lines crossing the 1 MiB read blocks', async () => {
    const data = randomFile(f('crlf'), 5 * 1024 * 1024 + 77)
    await encryptFile(f('crlf'), { codec: 'age', to: RECIPIENT, armor: true, keep: true, output: f('lf.age') })
    const crlf = ' \r\n\t\n' + readFileSync(f('lf.age'), 'latin1').replaceAll('\n', '\r\n') + '  \n\n'
    writeFileSync(f('crlf.age'), crlf, 'latin1')
    assert.equal((await inspect(f('crlf.age'))).armored, true)
    const progress = phaseRecorder()
    await decryptFile(f('crlf.age'), { identity: IDENTITY, output: f('crlf.out'), onProgress: progress.onProgress })
    assert.ok(readFileSync(f('crlf.out')).equals(data))
    assert.deepEqual(progress.phases, ['de-armor', 'decrypt'])
    assert.equal(progress.last()!.done, progress.last()!.total)
    for (const n of readdirSync(dir())) rmSync(f(n))
  })

  it('refusals: armor with the fsec codec, armor that is not a boolean, an existing output', async () => {
    writeFileSync(f('r'), 'some text')
    await assert.rejects(
      encryptFile(f('r'), { to: RECIPIENT, armor: true, keep: true }),
      (e: unknown) => e instanceof ArgumentError && /armor .*age/.test(e.message),
    )
    await assert.rejects(encryptFile(f('r'), { codec: 'fsec', to: RECIPIENT, armor: true, keep: true }), ArgumentError)
    await assert.rejects(
      encryptFile(f('r'), { codec: 'age', to: RECIPIENT, armor: 'yes' as unknown as boolean, keep: true }),
      ArgumentError,
    )
    assert.deepEqual(strayFiles(dir(), ['r']), [])
    await encryptFile(f('r'), { codec: 'age', to: RECIPIENT, armor: true, keep: true })
    const first = readFileSync(f('r.age'))
    await assert.rejects(encryptFile(f('r'), { codec: 'age', to: RECIPIENT, armor: true, keep: true }), { code: 'FSEC_OUTPUT_EXISTS' })
    assert.ok(readFileSync(f('r.age')).equals(first), 'the existing output is untouched')
    await encryptFile(f('r'), { codec: 'age', to: RECIPIENT, armor: true, keep: true, overwrite: true })
    assert.ok(!readFileSync(f('r.age')).equals(first), 'replaced with overwrite')
    assert.deepEqual(strayFiles(dir(), ['r', 'r.age']), [])
    rmSync(f('r'))
    rmSync(f('r.age'))
  })

  it('cancelling an armored encryption or decryption leaves no output and no temporary file', async () => {
    const data = randomFile(f('ab'), 8 * 1024 * 1024)
    // Cancelled once the binary file is written (so it exists, in a temporary file), before it is armored.
    const c1 = new AbortController()
    await assert.rejects(
      encryptFile(f('ab'), {
        codec: 'age', to: RECIPIENT, armor: true, signal: c1.signal,
        onProgress: (p) => (p.phase === 'armor' || (p.phase === 'encrypt' && p.done === p.total) ? c1.abort() : undefined),
      }),
      { code: 'FSEC_ABORTED' },
    )
    assert.deepEqual(strayFiles(dir(), ['ab']), [])
    assert.ok(readFileSync(f('ab')).equals(data), 'the plaintext is intact')

    await encryptFile(f('ab'), { codec: 'age', to: RECIPIENT, armor: true, keep: true })
    // Cancelled while (or right after) de-armoring: the binary copy must go too.
    const c2 = new AbortController()
    await assert.rejects(
      decryptFile(f('ab.age'), {
        identity: IDENTITY, output: f('ab.out'), signal: c2.signal,
        onProgress: (p) => (p.phase === 'de-armor' ? c2.abort() : undefined),
      }),
      { code: 'FSEC_ABORTED' },
    )
    assert.deepEqual(strayFiles(dir(), ['ab', 'ab.age']), [])
    rmSync(f('ab'))
    rmSync(f('ab.age'))
  })

  describe('damaged armor in a large file: FSEC_HEADER_INVALID with the age armor message, nothing left behind', () => {
    let good: Buffer
    before(async () => {
      randomFile(f('dmg'), 8 * 1024 * 1024)
      await encryptFile(f('dmg'), { codec: 'age', to: RECIPIENT, armor: true, keep: true, output: f('good.age') })
      good = readFileSync(f('good.age'))
      rmSync(f('dmg'))
    })
    after(() => rmSync(f('good.age'), { force: true }))

    /** Offset of the start of the line in the middle of the file (well past the header). */
    const middleLine = (): number => good.indexOf(10, Math.floor(good.length / 2)) + 1

    const cases: { name: string; damage: () => Buffer; message: string }[] = [
      {
        name: 'a character outside base64 in the middle',
        damage: () => {
          const b = Buffer.from(good)
          b[middleLine() + 10] = 0x2a // '*'
          return b
        },
        message: 'age armor: invalid or non-canonical base64',
      },
      {
        name: 'a 63-column line in the middle',
        damage: () => Buffer.concat([good.subarray(0, middleLine()), good.subarray(middleLine() + 1)]),
        message: 'age armor: invalid or non-canonical base64',
      },
      {
        name: 'a short (60-column) line in the middle',
        damage: () => Buffer.concat([good.subarray(0, middleLine()), good.subarray(middleLine() + 4)]),
        message: 'age armor: invalid closing line',
      },
      {
        name: 'two lines joined (128 columns)',
        damage: () => Buffer.concat([good.subarray(0, middleLine() + 64), good.subarray(middleLine() + 65)]),
        message: 'age armor: line longer than 64 columns',
      },
      {
        name: 'no END line after the short last line',
        damage: () => good.subarray(0, good.length - END.length - 1),
        message: 'age armor: invalid closing line',
      },
      {
        name: 'no END line after a full line (the short last line cut off too)',
        damage: () => good.subarray(0, good.lastIndexOf(10, good.length - END.length - 3) + 1),
        message: 'age armor: no END line',
      },
      {
        name: 'over 1 KiB of garbage after the END line',
        damage: () => Buffer.concat([good, Buffer.alloc(2000, 'x')]),
        message: 'age armor: trailing data after the armored file',
      },
      {
        name: '1 KiB of whitespace after the END line',
        damage: () => Buffer.concat([good, Buffer.alloc(1024, ' ')]),
        message: 'age armor: too much trailing whitespace',
      },
    ]
    for (const c of cases) {
      it(c.name, async () => {
        writeFileSync(f('bad.age'), c.damage())
        const expected = { code: 'FSEC_HEADER_INVALID', message: c.message }
        await assert.rejects(decryptFile(f('bad.age'), { identity: IDENTITY, output: f('bad.out') }), expected)
        assert.deepEqual(strayFiles(dir(), ['good.age', 'bad.age']), [])
        await assert.rejects(inspect(f('bad.age')), expected)
        rmSync(f('bad.age'))
      })
    }
  })
})

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
}

function run(cmd: string, args: string[]): Buffer {
  const r = spawnSync(cmd, args, { maxBuffer: 256 * 1024 * 1024 })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}: ${r.stderr}`)
  return r.stdout
}

const ageMissing = !have('age')

;(ageMissing ? describe.skip : describe)(
  `age armor: interop with the age CLI${ageMissing ? ' (SKIPPED: age not found, Debian package age)' : ''}`,
  function () {
    this.timeout(120_000)
    const dir = scratchDir('filesec-age-armor-cli-')
    const f = (n: string) => join(dir(), n)
    before(() => writeFileSync(f('key'), `${IDENTITY}\n`, { mode: 0o600 }))

    it(`age -d decrypts filesec's armored files byte-identical; they have the size and line layout of age -a's (${SIZES.join(', ')} bytes)`, async () => {
      for (const size of SIZES) {
        const data = randomFile(f(`o-${size}`), size)
        const enc = await encryptFile(f(`o-${size}`), { codec: 'age', to: RECIPIENT, armor: true, keep: true })
        // stdout: age writes no output file for an empty plaintext.
        assert.ok(run('age', ['-d', '-i', f('key'), enc.output]).equals(data), `age -d, size ${size}`)
        run('age', ['-e', '-a', '-r', RECIPIENT, '-o', f(`o-${size}.cli.age`), f(`o-${size}`)])
        const ours = readFileSync(enc.output)
        const theirs = readFileSync(f(`o-${size}.cli.age`))
        assert.equal(ours.length, theirs.length, `armored size, ${size}`)
        assert.deepEqual(lineProfile(ours), lineProfile(theirs), `line layout, ${size}`)
        for (const n of [`o-${size}`, `o-${size}.age`, `o-${size}.cli.age`]) rmSync(f(n))
      }
    })

    it(`filesec decrypts age -a output byte-identical (${SIZES.join(', ')} bytes)`, async () => {
      for (const size of SIZES) {
        const data = randomFile(f(`c-${size}`), size)
        run('age', ['-e', '-a', '-r', RECIPIENT, '-o', f(`c-${size}.age`), f(`c-${size}`)])
        assert.equal((await inspect(f(`c-${size}.age`))).armored, true)
        await decryptFile(f(`c-${size}.age`), { identity: f('key'), output: f(`c-${size}.out`) })
        assert.ok(readFileSync(f(`c-${size}.out`)).equals(data), `size ${size}`)
        for (const n of [`c-${size}`, `c-${size}.age`, `c-${size}.out`]) rmSync(f(n))
      }
      assert.deepEqual(strayFiles(dir(), ['key']), [])
    })
  },
)

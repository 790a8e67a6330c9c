// Property-based fuzzing (fast-check) of the parsers written in TypeScript, called directly: the
// sealed .fsec metadata, pyFileSec's archive (gzip'd tar, PAX and GNU long names) and metadata
// member, the three signature text formats, and the CLI's argument parser. A refusal must be
// the parser's typed error with a stable code (FilesecError; UsageError for the command line),
// never a TypeError / RangeError. FILESEC_FUZZ_RUNS scales the runs (default 200; about 5 s).
import { strict as assert } from 'node:assert'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import fc from 'fast-check'

import { FilesecError } from '../lib'
import { UsageError, parseCommandArgs, type OptionSpecs } from '../lib/cli/args'
import { readArchive } from '../lib/codecs/pyfilesec-archive'
import { parsePyfilesecMeta } from '../lib/codecs/pyfilesec-meta'
import { decodeMetadata, encodeMetadata } from '../lib/metadata'
import { parseMinisig } from '../lib/minisign'
import { parsePyFileSecSignature } from '../lib/pyfilesec-signature'
import { parseRsaSignature } from '../lib/rsa-signature'
import { scratchDir } from './helpers'
import { gzipNamed, tarHeader } from './fuzz/hostile-files'

const RUNS = Number(process.env.FILESEC_FUZZ_RUNS ?? 200)

/** Calls `parse`; a throw must be a FilesecError with a code other than FSEC_INTERNAL. */
function cleanly<T>(parse: () => T): T | undefined {
  try {
    return parse()
  } catch (e) {
    if (!(e instanceof FilesecError) || e.code === 'FSEC_INTERNAL') throw e
    return undefined
  }
}

const bytes = fc.uint8Array({ maxLength: 1024 }).map((a) => Buffer.from(a))
/** Text of the printable ASCII and line ends that the signature and metadata formats are made of. */
const textish = fc
  .array(fc.oneof(fc.constantFrom('\n', '\r\n', ' ', '=', ':', '"'), fc.string({ maxLength: 12 })), { maxLength: 40 })
  .map((parts) => Buffer.from(parts.join(''), 'utf8'))

describe('property-based fuzzing of the TypeScript parsers', function () {
  this.timeout(120_000)
  const dir = scratchDir('filesec-fuzz-parsers-')

  it('sealed metadata: anything decodes to metadata that re-encodes to itself, or is FSEC_HEADER_INVALID', function () {
    // Mostly valid values, sometimes anything at all, so that whole objects decode often enough.
    const mostly = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
      fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: fc.anything() })
    const absentOrAnything = fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.anything() })
    const fields = fc.record(
      {
        v: mostly(fc.integer({ min: 1, max: 3 })),
        name: mostly(fc.string({ unit: fc.constantFrom(...'abcXYZ019._- '), minLength: 1, maxLength: 20 })),
        size: mostly(fc.nat()),
        mode: mostly(fc.nat({ max: 0o7777 })),
        mtime: mostly(fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
        note: mostly(fc.string()),
        padding: mostly(fc.nat({ max: 10 })),
        rotations: absentOrAnything,
        rotationsDropped: absentOrAnything,
        legacy: fc.oneof(
          { weight: 6, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.record({ format: fc.string(), migrated: fc.string(), integrity: fc.string(), history: fc.array(fc.anything()) }) },
          { weight: 1, arbitrary: fc.anything() },
        ),
      },
      { requiredKeys: ['v'] },
    )
    const input = fc.oneof(bytes, textish, fc.json().map((j) => Buffer.from(j)), fields.map((o) => Buffer.from(JSON.stringify(o) ?? '')))
    const seen = { decoded: 0, refused: 0 }
    fc.assert(
      fc.property(input, (b) => {
        const m = cleanly(() => decodeMetadata(b))
        if (m === undefined) seen.refused++
        else {
          seen.decoded++
          assert.deepEqual(decodeMetadata(encodeMetadata(m)), m)
        }
      }),
      { numRuns: RUNS * 10 },
    )
    assert.ok(seen.decoded > 0 && seen.refused > 0, JSON.stringify(seen))
  })

  it('pyFileSec metadata member: never throws, whatever the bytes (bad content only warns)', function () {
    const event = fc.dictionary(fc.oneof(fc.constant('encryptFile: (2014)'), fc.string()), fc.anything())
    fc.assert(
      fc.property(fc.oneof(bytes, textish, event.map((o) => Buffer.from(JSON.stringify(o)))), (b) => {
        const meta = parsePyfilesecMeta(b)
        assert.ok(Array.isArray(meta.warnings) && Array.isArray(meta.history))
      }),
      { numRuns: RUNS * 10 },
    )
  })

  it('signature texts (minisign, RSA-PSS, pyFileSec base64): parsed or refused with a FilesecError', function () {
    const minisigLike = fc
      .tuple(fc.string(), bytes, fc.string(), bytes)
      .map(([u, s, t, c]) => Buffer.from(`untrusted comment: ${u}\n${s.toString('base64')}\ntrusted comment: ${t}\n${c.toString('base64')}\n`))
    const rsaLike = fc
      .tuple(fc.constantFrom('rsa-pss-sha256', 'rsa-pss', ''), fc.string({ unit: fc.constantFrom(...'0123456789abcdefA'), maxLength: 70 }), bytes)
      .map(([a, f, s]) => Buffer.from(`filesec signature v1\nalgorithm: ${a}\nkey: ${f}\nsignature: ${s.toString('base64')}\n`))
    fc.assert(
      fc.property(fc.oneof(bytes, textish, minisigLike, rsaLike), (b) => {
        cleanly(() => parseMinisig(b))
        cleanly(() => parseRsaSignature(b))
        const raw = cleanly(() => parsePyFileSecSignature(b))
        if (raw !== undefined) assert.ok(raw.length <= 2048)
      }),
      { numRuns: RUNS * 10 },
    )
  })

  it('command lines: parsed or refused with a UsageError (FSEC_USAGE), never echoing a passphrase', function () {
    const specs: OptionSpecs = {
      to: { type: 'string', short: 'r', multiple: true },
      output: { type: 'string', short: 'o' },
      keep: { type: 'boolean' },
    }
    const arg = fc.oneof(
      fc.constantFrom('-r', '--to', '-o', '--output', '--keep', '--keep=1', '--', '-', '-h', '--json', '-qr', '--passphrase=hunter2', '--Pass', '--output='),
      fc.string({ maxLength: 12 }),
      fc.string({ maxLength: 8 }).map((s) => `--${s}=hunter2`),
    )
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 8 }), (args) => {
        try {
          parseCommandArgs(args, specs, 'encrypt')
        } catch (e) {
          if (!(e instanceof UsageError)) throw e
          assert.equal(e.code, 'FSEC_USAGE')
          assert.ok(!e.message.includes('hunter2'), `a value was echoed: ${e.message}`)
        }
      }),
      { numRuns: RUNS * 10 },
    )
  })

  it("pyFileSec archives: random tar members, PAX / GNU headers and cuts are read or refused with FSEC_HEADER_INVALID", async function () {
    const name = fc.oneof(
      fc.constantFrom('x.aes256', 'x.aes256.pwdrsa', 'x.pwdrsa', 'x.meta', '../x.meta', '/x.aes256', '.x.meta', 'a/x.meta', 'C:x.meta', 'x.txt'),
      fc.string({ maxLength: 100 }),
    )
    const size = fc.oneof(fc.nat({ max: 3000 }), fc.constantFrom(0o77777777777, 2 ** 33, 4096, 65537))
    const pax = fc
      .array(fc.oneof(fc.constantFrom('size', 'path', 'mtime', 'x'), fc.string({ maxLength: 6 })).chain((k) =>
        fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('99999999999999999999', '-1', '1e9', '../../x')).map((v) => {
          const body = ` ${k}=${v}\n`
          return `${body.length + String(body.length).length}${body}`
        }),
      ), { maxLength: 3 })
      .map((records) => records.join(''))
    const member = fc.record({
      name,
      type: fc.constantFrom('0', '0', '0', '1', '2', '5', 'L', 'x', 'g', '7', '\0'),
      declared: size,
      actual: fc.nat({ max: 3000 }),
      paxText: pax,
    })
    // The three members pyFileSec writes, so that some archives get through every check.
    const trio = fc
      .tuple(fc.nat({ max: 2000 }), fc.nat({ max: 512 }), fc.nat({ max: 2000 }))
      .map(([c, w, m]) => [
        { name: 'x.aes256', type: '0', declared: c, actual: c, paxText: '' },
        { name: 'x.aes256.pwdrsa', type: '0', declared: w, actual: w, paxText: '' },
        { name: 'x.meta', type: '0', declared: m, actual: m, paxText: '' },
      ])
    const archive = fc.record({
      members: fc.oneof(fc.array(member, { minLength: 1, maxLength: 4 }), trio),
      endBlocks: fc.nat({ max: 3 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      flip: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { nil: undefined }),
    })
    let n = 0
    const seen = { read: 0, refused: 0 }
    await fc.assert(
      fc.asyncProperty(archive, async (a) => {
        const parts: Buffer[] = []
        for (const m of a.members) {
          const data = m.type === 'x' || m.type === 'L' ? Buffer.from(m.type === 'x' ? m.paxText : m.name) : Buffer.alloc(m.actual, 0x41)
          const declared = m.type === 'x' || m.type === 'L' ? data.length : m.declared
          parts.push(tarHeader(m.type === 'L' ? '././@LongLink' : m.name, declared, m.type), data, Buffer.alloc((512 - (data.length % 512)) % 512))
        }
        parts.push(Buffer.alloc(512 * a.endBlocks))
        let tar = Buffer.concat(parts)
        if (a.flip !== undefined && tar.length > 0) tar[a.flip[0] % tar.length] ^= a.flip[1]
        if (a.cut !== undefined) tar = tar.subarray(0, a.cut % (tar.length + 1))
        const path = join(dir(), `a${n++}.enc`)
        writeFileSync(path, gzipNamed('a.enc', tar))
        const started = Date.now()
        try {
          await readArchive(path, null)
          seen.read++
        } catch (e) {
          if (!(e instanceof FilesecError) || e.code !== 'FSEC_HEADER_INVALID') throw e
          seen.refused++
        }
        assert.ok(Date.now() - started < 2000, 'reading a small archive took over 2 s')
      }),
      { numRuns: RUNS * 3 },
    )
    // Both outcomes were reached: the generator exercises the reader past its first checks.
    assert.ok(seen.read > 0 && seen.refused > 0, JSON.stringify(seen))
  })
})

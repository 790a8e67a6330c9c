// Standalone padding of plain files (padFile / unpadFile / paddingLength), byte-compatible with
// pyFileSec's pad() and unpad(): the trailer's bytes, pyFileSec's size and detection rules, its
// acceptance checks (§7 of ../shared/docs/pyfilesec.md), interop with files pyFileSec padded, and
// what happens to the file on bad input or a failed write.
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join, relative, resolve } from 'node:path'

import fc from 'fast-check'

import {
  AbortError,
  ArgumentError,
  encryptFile,
  generateKeyPair,
  FileError,
  FileNotFoundError,
  MAX_PADDED_SIZE,
  padFile,
  PaddingError,
  paddingLength,
  unpadFile,
} from '../lib'
import { describeWithVectors, rejectsWith, scratchDir } from './helpers'

// Format facts (docs/FORMAT.md, "Standalone padding trailer").
const TRAILER = 32
const MARKER = 'pyFileSec_padded'
const trailerFor = (count: string, end = '\0'): Buffer => Buffer.from(`pad=${count}${end}${MARKER}${end}`, 'latin1')

describe('standalone padding (pyFileSec trailer)', function () {
  const dir = scratchDir('filesec-pad-')
  let n = 0
  /** A fresh file in the scratch folder holding `data`. */
  const fresh = (data: Buffer | string): string => {
    const p = join(dir(), `f${n++}.bin`)
    writeFileSync(p, data)
    return p
  }
  const bytes = (p: string): Buffer => readFileSync(p)

  describe('the bytes written', () => {
    it('§7.122 an empty file padded with the default size: 16384 bytes, zeros, then pad=0000016384\\0pyFileSec_padded\\0', async () => {
      const p = fresh('')
      const r = await padFile(p)
      assert.deepEqual(r, { path: p, size: 16384, padding: 16384 })
      const b = bytes(p)
      assert.equal(b.length, 16384)
      assert.deepEqual(b.subarray(16384 - TRAILER), Buffer.from('pad=0000016384\0pyFileSec_padded\0', 'latin1'))
      assert.ok(b.subarray(0, 16384 - TRAILER).every((x) => x === 0), 'the fill is all zero bytes')
      assert.equal(await paddingLength(p), 16384)
    })

    it('keeps the content, then zero fill, then a trailer counting fill + trailer', async () => {
      const content = randomBytes(1000)
      const p = fresh(content)
      const r = await padFile(p, 4096)
      assert.deepEqual(r, { path: p, size: 4096, padding: 3096 })
      const b = bytes(p)
      assert.equal(b.length, 4096)
      assert.deepEqual(b.subarray(0, 1000), content)
      assert.ok(b.subarray(1000, 4096 - TRAILER).every((x) => x === 0))
      assert.deepEqual(b.subarray(4096 - TRAILER), trailerFor('0000003096'))
    })

    it('results name the absolute path, also when given a relative one', async () => {
      const p = fresh('abc')
      const rel = relative(process.cwd(), p)
      const padded = await padFile(rel, 256)
      assert.deepEqual(Object.keys(padded).sort(), ['padding', 'path', 'size'])
      assert.equal(padded.path, resolve(p))
      const unpadded = await unpadFile(rel)
      assert.deepEqual(unpadded, { path: resolve(p), size: 3, removed: 253 })
      assert.equal(bytes(p).toString(), 'abc')
    })

    it('keeps the file mode and works on a file the owner can write', async () => {
      const p = fresh(randomBytes(10))
      chmodSync(p, 0o640)
      await padFile(p, 512)
      assert.equal(statSync(p).mode & 0o7777, 0o640)
      await unpadFile(p)
      assert.equal(statSync(p).mode & 0o7777, 0o640)
    })
  })

  describe('pyFileSec acceptance checks (§7, adapted)', () => {
    it('§7.115 the size check runs on a 128-byte file without changing it', async () => {
      const content = randomBytes(128)
      const p = fresh(content)
      assert.equal(await paddingLength(p), 0)
      await rejectsWith(padFile(p, 12), PaddingError, 'FSEC_PADDING')
      assert.deepEqual(bytes(p), content)
    })

    it('§7.116 pad(2) of a 128-byte file throws PaddingError (2 is raised to 128, too small)', async () => {
      const content = randomBytes(128)
      const p = fresh(content)
      await rejectsWith(padFile(p, 2), PaddingError, 'FSEC_PADDING')
      assert.deepEqual(bytes(p), content)
    })

    it('§7.117 pad(128) of a 128-byte file throws PaddingError', async () => {
      const content = randomBytes(128)
      const p = fresh(content)
      const e = await rejectsWith(padFile(p, 128), PaddingError, 'FSEC_PADDING')
      assert.match(e.message, /shorter than 96 bytes/)
      assert.deepEqual(bytes(p), content)
    })

    it('§7.118 unpad of an unpadded file throws PaddingError (strict, the default and pyFileSec pad(-1))', async () => {
      const content = randomBytes(300)
      const p = fresh(content)
      await rejectsWith(unpadFile(p), PaddingError, 'FSEC_PADDING')
      await rejectsWith(unpadFile(p, { strict: true }), PaddingError, 'FSEC_PADDING')
      // The explicit API: pyFileSec's pad(-1) is unpadFile(); padFile refuses sizes below 1.
      await rejectsWith(padFile(p, -1), ArgumentError, 'FSEC_INVALID_ARGUMENT')
      assert.deepEqual(bytes(p), content)
    })

    it('§7.119 a 128-byte and a 16,000-byte file padded to 38,400 are both exactly 38,400 bytes', async () => {
      for (const size of [128, 16000]) {
        const content = randomBytes(size)
        const p = fresh(content)
        const r = await padFile(p, 38400)
        assert.equal(r.size, 38400)
        assert.equal(r.padding, 38400 - size)
        assert.equal(statSync(p).size, 38400)
        assert.equal(await paddingLength(p), 38400 - size)
      }
    })

    it('§7.120 pad, unpad, pad, strict unpad, lenient unpad give back the exact bytes; a further lenient unpad does nothing', async () => {
      const content = randomBytes(5000)
      const p = fresh(content)
      await padFile(p)
      assert.equal(statSync(p).size, 16384)
      await unpadFile(p)
      assert.deepEqual(bytes(p), content)
      await padFile(p)
      assert.deepEqual(await unpadFile(p, { strict: true }), { path: p, size: 5000, removed: 11384 })
      assert.deepEqual(bytes(p), content)
      assert.deepEqual(await unpadFile(p, { strict: false }), { path: p, size: 5000, removed: 0 })
      assert.deepEqual(bytes(p), content)
    })

    it('§7.121 a trailer whose separators and last byte are 0x01 (pyFileSec with PAD_BYTE patched) is not padding', async () => {
      // What pyFileSec writes for pad(256) with PAD_BYTE = b'\x01': 0x01 fill, 0x01 separators.
      const content = randomBytes(100)
      const count = 256 - 100
      const file = Buffer.concat([
        content,
        Buffer.alloc(count - TRAILER, 1),
        trailerFor(String(count).padStart(10, '0'), '\x01'),
      ])
      assert.equal(file.length, 256)
      assert.equal(file[255], 0x01)
      const p = fresh(file)
      assert.equal(await paddingLength(p), 0)
      await rejectsWith(unpadFile(p), PaddingError, 'FSEC_PADDING')
      assert.deepEqual(bytes(p), file)
      // The same bytes with NUL separators are padding.
      const withNul = Buffer.concat([content, Buffer.alloc(count - TRAILER, 1), trailerFor(String(count).padStart(10, '0'))])
      const q = fresh(withNul)
      assert.equal(await paddingLength(q), count)
      await unpadFile(q)
      assert.deepEqual(bytes(q), content)
    })

    it('§7.122 pad() of an empty file gives exactly 16,384 bytes', async () => {
      const p = fresh('')
      await padFile(p)
      assert.equal(statSync(p).size, 16384)
    })

    it('§7.123 trailers counting abc0000000, -100000000 or 1000000000 (> the file length) are not padding', async () => {
      for (const count of ['abc0000000', '-100000000', '1000000000']) {
        const file = Buffer.concat([randomBytes(200), Buffer.alloc(1000), trailerFor(count)])
        const p = fresh(file)
        assert.equal(await paddingLength(p), 0, count)
        await rejectsWith(unpadFile(p), PaddingError, 'FSEC_PADDING')
        assert.deepEqual(await unpadFile(p, { strict: false }), { path: p, size: file.length, removed: 0 })
        assert.deepEqual(bytes(p), file, `${count}: unchanged`)
        // Padding it treats the whole file (bogus trailer included) as content.
        await padFile(p, 4096)
        assert.deepEqual(bytes(p).subarray(0, file.length), file)
        await unpadFile(p)
        assert.deepEqual(bytes(p), file)
      }
    })

    it('§7.127 a size above 8 GiB is an ArgumentError, distinct from the PaddingError just under it', async () => {
      // Sparse files: the size checks come before anything is written.
      const p = fresh('')
      truncateSync(p, MAX_PADDED_SIZE - TRAILER)
      await rejectsWith(padFile(p, MAX_PADDED_SIZE + 1), ArgumentError, 'FSEC_INVALID_ARGUMENT')
      await rejectsWith(padFile(p, MAX_PADDED_SIZE), PaddingError, 'FSEC_PADDING')
      assert.equal(statSync(p).size, MAX_PADDED_SIZE - TRAILER)
      assert.equal(MAX_PADDED_SIZE, 2 ** 33)
    })
  })

  describe('size rules', () => {
    for (const size of [128, 16384]) {
      it(`to ${size} bytes: size - 33 bytes pads (33 bytes of padding), size - 32 is refused and left as it is`, async () => {
        const fits = randomBytes(size - 33)
        const p = fresh(fits)
        assert.deepEqual(await padFile(p, size), { path: p, size, padding: 33 })
        assert.equal(statSync(p).size, size)
        await unpadFile(p)
        assert.deepEqual(bytes(p), fits)

        const tooBig = randomBytes(size - 32)
        const q = fresh(tooBig)
        await rejectsWith(padFile(q, size), PaddingError, 'FSEC_PADDING')
        assert.deepEqual(bytes(q), tooBig)
      })
    }

    it('sizes from 1 to 127 are raised to 128', async () => {
      for (const size of [1, 64, 127]) {
        const p = fresh('x')
        assert.deepEqual(await padFile(p, size), { path: p, size: 128, padding: 127 })
        assert.equal(statSync(p).size, 128)
      }
    })

    it('exactly 8 GiB: pads a sparse file of 8 GiB - 33 bytes and unpads it', async () => {
      const p = fresh('')
      truncateSync(p, MAX_PADDED_SIZE - 33)
      assert.deepEqual(await padFile(p, MAX_PADDED_SIZE), { path: p, size: MAX_PADDED_SIZE, padding: 33 })
      assert.equal(statSync(p).size, MAX_PADDED_SIZE)
      const fd = openSync(p, 'r')
      const tail = Buffer.alloc(TRAILER)
      try {
        assert.equal(readSync(fd, tail, 0, TRAILER, MAX_PADDED_SIZE - TRAILER), TRAILER)
      } finally {
        closeSync(fd)
      }
      assert.deepEqual(tail, trailerFor('0000000033'))
      assert.deepEqual(await unpadFile(p), { path: p, size: MAX_PADDED_SIZE - 33, removed: 33 })
      assert.equal(statSync(p).size, MAX_PADDED_SIZE - 33)
    })

    it('sizes that are not a whole number from 1 to 8 GiB are ArgumentErrors and change nothing', async () => {
      const content = randomBytes(40)
      const p = fresh(content)
      for (const size of [0, -1, -24, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '16384', null]) {
        await rejectsWith(padFile(p, size as number), ArgumentError, 'FSEC_INVALID_ARGUMENT')
      }
      assert.deepEqual(bytes(p), content)
    })

    it('re-padding replaces the old padding (smaller and larger), same bytes as padding once', async () => {
      const content = randomBytes(700)
      const once = fresh(content)
      await padFile(once, 65536)
      const p = fresh(content)
      await padFile(p, 4096)
      assert.deepEqual(await padFile(p, 1024), { path: p, size: 1024, padding: 324 })
      assert.equal(statSync(p).size, 1024)
      assert.equal(await paddingLength(p), 324)
      assert.deepEqual(await padFile(p, 65536), { path: p, size: 65536, padding: 64836 })
      assert.deepEqual(bytes(p), bytes(once))
      assert.deepEqual(await padFile(p, 65536), { path: p, size: 65536, padding: 64836 })
      assert.deepEqual(bytes(p), bytes(once))
      await unpadFile(p)
      assert.deepEqual(bytes(p), content)
    })

    it('a re-pad to a size too small for the content is refused and the padded file is left as it was', async () => {
      const content = randomBytes(700)
      const p = fresh(content)
      await padFile(p, 4096)
      const padded = bytes(p)
      await rejectsWith(padFile(p, 732), PaddingError, 'FSEC_PADDING')
      assert.deepEqual(bytes(p), padded)
    })

    it('property: pad then unpad gives back the bytes, for any content and size; too small sizes change nothing', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 4096 }), async (data, size) => {
          const content = Buffer.from(data)
          const p = fresh(content)
          const target = Math.max(size, 128)
          if (content.length < target - TRAILER) {
            assert.deepEqual(await padFile(p, size), { path: p, size: target, padding: target - content.length })
            assert.equal(statSync(p).size, target)
            assert.deepEqual(await unpadFile(p), { path: p, size: content.length, removed: target - content.length })
          } else {
            await rejectsWith(padFile(p, size), PaddingError, 'FSEC_PADDING')
          }
          assert.deepEqual(bytes(p), content)
        }),
        { numRuns: 60 },
      )
    })
  })

  describe('reading a trailer (pyFileSec detection rules)', () => {
    const tailOf = (count: string, fileLength: number): Buffer =>
      Buffer.concat([Buffer.alloc(fileLength - TRAILER), trailerFor(count)])

    it('a valid trailer announces its count, up to the whole file', async () => {
      assert.equal(await paddingLength(fresh(tailOf('0000000100', 300))), 100)
      assert.equal(await paddingLength(fresh(tailOf('0000000300', 300))), 300)
      assert.equal(await paddingLength(fresh(tailOf('0000000032', 300))), 32)
      // pyFileSec always writes 10 digits but reads any number of them.
      assert.equal(await paddingLength(fresh(Buffer.concat([Buffer.alloc(273), Buffer.from('pad=00100\0pyFileSec_padded\0', 'latin1')]))), 100)
    })

    it('anything else is "not padded"', async () => {
      const cases: [string, Buffer][] = [
        ['count one more than the file length', tailOf('0000000301', 300)],
        ['count 0', tailOf('0000000000', 300)],
        ['count smaller than the trailer itself', tailOf('0000000031', 300)],
        ['count with a plus sign', tailOf('+000000100', 300)],
        ['count with a space', tailOf(' 000000100', 300)],
        ['marker in another case', Buffer.concat([Buffer.alloc(268), Buffer.from('pad=0000000100\0pyFileSec_Padded\0', 'latin1')])],
        ['no pad= label', Buffer.concat([Buffer.alloc(268), Buffer.from('xyz=0000000100\0pyFileSec_padded\0', 'latin1')])],
        ['a byte after the trailer', Buffer.concat([tailOf('0000000100', 300), Buffer.from('\n')])],
        // A shorter count leaves room for a last byte that is not NUL after otherwise right pieces.
        ['last byte not NUL', Buffer.concat([Buffer.alloc(272), Buffer.from('pad=00100\0pyFileSec_padded\0Z', 'latin1')])],
        ['shorter than 32 bytes', trailerFor('0000000031').subarray(1)],
        ['empty', Buffer.alloc(0)],
        ['all zeros', Buffer.alloc(500)],
      ]
      for (const [label, file] of cases) {
        const p = fresh(file)
        assert.equal(await paddingLength(p), 0, label)
        await rejectsWith(unpadFile(p), PaddingError, 'FSEC_PADDING')
        assert.deepEqual(bytes(p), file, `${label}: unchanged`)
      }
    })

    it('a count above 8 GiB is not padding even in a file longer than that (sparse)', async () => {
      const length = MAX_PADDED_SIZE + 64
      const write = (count: number): string => {
        const p = fresh('')
        truncateSync(p, length - TRAILER)
        const fd = openSync(p, 'r+')
        try {
          writeSync(fd, trailerFor(String(count).padStart(10, '0')), 0, TRAILER, length - TRAILER)
        } finally {
          closeSync(fd)
        }
        assert.equal(statSync(p).size, length)
        return p
      }
      assert.equal(await paddingLength(write(MAX_PADDED_SIZE + 1)), 0)
      const p = write(MAX_PADDED_SIZE)
      assert.equal(await paddingLength(p), MAX_PADDED_SIZE)
      assert.deepEqual(await unpadFile(p), { path: p, size: 64, removed: MAX_PADDED_SIZE })
    })

    it('content that ends in zeros or mentions the marker comes back exactly', async () => {
      for (const content of [
        Buffer.alloc(500),
        Buffer.concat([randomBytes(50), Buffer.alloc(40)]),
        Buffer.from(`text about ${MARKER}\0 and pad=0000000012\0\0`, 'latin1'),
      ]) {
        const p = fresh(content)
        await padFile(p, 1024)
        await unpadFile(p)
        assert.deepEqual(bytes(p), content)
      }
    })
  })

  describe('files that are refused', () => {
    it('a symbolic link is not followed (pad, unpad, paddingLength); its target is unchanged', async () => {
      const target = fresh(randomBytes(100))
      await padFile(target, 1024)
      const before = bytes(target)
      const link = join(dir(), `link${n++}`)
      symlinkSync(target, link)
      for (const call of [padFile(link, 4096), unpadFile(link), unpadFile(link, { strict: false }), paddingLength(link)]) {
        const e = await rejectsWith(call, FileError, 'FSEC_NOT_A_FILE')
        assert.match(e.message, /symbolic link/)
      }
      assert.deepEqual(bytes(target), before)
    })

    it('a missing file is FileNotFoundError', async () => {
      const missing = join(dir(), 'no-such-file')
      for (const call of [padFile(missing), unpadFile(missing), unpadFile(missing, { strict: false }), paddingLength(missing)]) {
        await rejectsWith(call, FileNotFoundError, 'FSEC_FILE_NOT_FOUND')
      }
    })

    it('a directory is not a regular file', async () => {
      const d = join(dir(), `d${n++}`)
      mkdirSync(d)
      for (const call of [padFile(d), unpadFile(d), paddingLength(d)]) {
        await rejectsWith(call, FileError, 'FSEC_NOT_A_FILE')
      }
    })

    it('a FIFO is refused at once (the open does not wait for a writer)', async function () {
      const fifo = join(dir(), `fifo${n++}`)
      if (spawnSync('mkfifo', [fifo]).status !== 0) this.skip()
      for (const call of [padFile(fifo), unpadFile(fifo), paddingLength(fifo)]) {
        await rejectsWith(call, FileError, 'FSEC_NOT_A_FILE')
      }
    })

    it('an encrypted .fsec file is refused (a trailer would break its decryption and hide nothing)', async () => {
      const { publicKey } = await generateKeyPair('x25519')
      const plain = fresh(randomBytes(50))
      const enc = (await encryptFile(plain, { keep: true, to: publicKey })).output
      const before = bytes(enc)
      const e = await rejectsWith(padFile(enc, 4096), ArgumentError, 'FSEC_INVALID_ARGUMENT')
      assert.match(e.message, /encrypted \.fsec file/)
      assert.deepEqual(bytes(enc), before)
    })

    it('bad paths and options are ArgumentErrors', async () => {
      const p = fresh('abc')
      for (const call of [
        padFile('' as string),
        padFile(42 as unknown as string),
        unpadFile(undefined as unknown as string),
        paddingLength(''),
        unpadFile(p, { strict: 'yes' as unknown as boolean }),
        unpadFile(p, null as unknown as object),
        padFile(p, 1024, { signal: 'stop' as unknown as AbortSignal }),
      ]) {
        await rejectsWith(call, ArgumentError, 'FSEC_INVALID_ARGUMENT')
      }
      assert.equal(bytes(p).toString(), 'abc')
    })

    it('a read-only file is a FileError and stays as it was', async function () {
      if (process.getuid?.() === 0) {
        this.skip() // root writes to read-only files; the RLIMIT_FSIZE tests below cover a failing write
      }
      const content = randomBytes(100)
      const p = fresh(content)
      chmodSync(p, 0o444)
      await rejectsWith(padFile(p), FileError, 'FSEC_IO')
      assert.deepEqual(bytes(p), content)
    })
  })

  describe('nothing lost when padding fails', () => {
    it('an aborted pad leaves the file as it was (before and during the write)', async () => {
      const content = randomBytes(3000)
      const p = fresh(content)
      const pre = new AbortController()
      pre.abort()
      await rejectsWith(padFile(p, 1 << 20, { signal: pre.signal }), AbortError, 'FSEC_ABORTED')
      assert.deepEqual(bytes(p), content)

      const during = new AbortController()
      const pending = padFile(p, 1 << 20, { signal: during.signal })
      during.abort()
      await rejectsWith(pending, AbortError, 'FSEC_ABORTED')
      assert.deepEqual(bytes(p), content)

      // A padded file keeps its padding when a re-pad is aborted.
      await padFile(p, 8192)
      const padded = bytes(p)
      const again = new AbortController()
      const repad = padFile(p, 1 << 20, { signal: again.signal })
      again.abort()
      await rejectsWith(repad, AbortError, 'FSEC_ABORTED')
      assert.deepEqual(bytes(p), padded)
    })

    // A real failing write: the file size limit (RLIMIT_FSIZE) makes writes past 8 KiB fail with
    // EFBIG (Node ignores SIGXFSZ), in the middle of appending the padding.
    const prlimit = spawnSync('prlimit', ['--version']).status === 0
    const padUnderLimit = (path: string, size: number): { name: string; code: string; message: string } => {
      const script = `
        const { padFile } = require(${JSON.stringify(resolve(__dirname, '..', 'lib', 'trailer-padding.ts'))})
        padFile(${JSON.stringify(path)}, ${size}).then(
          () => console.log(JSON.stringify({ name: 'none', code: '', message: '' })),
          (e) => console.log(JSON.stringify({ name: e.constructor.name, code: e.code, message: e.message })))`
      const r = spawnSync('prlimit', ['--fsize=8192', process.execPath, '--require', require.resolve('tsx/cjs'), '-e', script], {
        encoding: 'utf8',
      })
      assert.equal(r.status, 0, r.stderr)
      return JSON.parse(r.stdout.trim()) as { name: string; code: string; message: string }
    }

    it('appending fails midway (file size limit): FileError, the file is truncated back to its original length', function () {
      if (!prlimit) this.skip()
      const content = randomBytes(1000)
      const p = fresh(content)
      const e = padUnderLimit(p, 16384)
      assert.equal(e.name, 'FileError')
      assert.equal(e.code, 'FSEC_IO')
      assert.match(e.message, /EFBIG/)
      assert.match(e.message, /left as it was/)
      assert.deepEqual(bytes(p), content)
    })

    it('re-padding fails midway: the old padding is put back', async function () {
      if (!prlimit) this.skip()
      const content = randomBytes(1000)
      const p = fresh(content)
      await padFile(p, 4096)
      const padded = bytes(p)
      const e = padUnderLimit(p, 16384)
      assert.equal(e.code, 'FSEC_IO')
      assert.deepEqual(bytes(p), padded)
      await unpadFile(p)
      assert.deepEqual(bytes(p), content)
    })
  })

  describeWithVectors('interop with files pyFileSec padded (c06)', 'pyfilesec/cases/c06_padded', (vectors) => {
    const manifestCase = (): Record<string, unknown> => {
      const manifest = JSON.parse(readFileSync(join(vectors, '..', '..', 'manifest.json'), 'utf8')) as {
        cases: Record<string, unknown>[]
      }
      const c = manifest.cases.find((x) => x.id === 'c06_padded')
      assert.ok(c, 'manifest.json describes c06_padded')
      return c
    }
    const original = (): Buffer => readFileSync(join(vectors, 'original_pad_me.txt'))
    const pyPadded = (): Buffer => readFileSync(join(vectors, 'pad_me.txt'))

    it('the vectors are the ones the manifest describes', () => {
      const c = manifestCase()
      assert.equal(original().length, c.expected_unpadded_size)
      assert.equal(pyPadded().length, c.expected_plaintext_size)
      assert.deepEqual(readFileSync(join(vectors, 'unpadded_result_pad_me.txt')), original())
    })

    it('filesec reads pyFileSec\'s trailer in place (the count pyFileSec\'s _pad_len gave)', async () => {
      assert.equal(await paddingLength(join(vectors, 'pad_me.txt')), manifestCase().pad_count_from__pad_len)
    })

    it('filesec pads the original to bytes identical to pyFileSec\'s padded file', async () => {
      const p = fresh(original())
      const r = await padFile(p, 16384)
      assert.equal(r.size, (manifestCase().pad_returned as { size: number }).size)
      assert.deepEqual(bytes(p), pyPadded())
    })

    it('filesec unpads pyFileSec\'s padded file to the exact original (and to pyFileSec\'s own unpad result)', async () => {
      const p = join(dir(), `pad_me${n++}.txt`)
      copyFileSync(join(vectors, 'pad_me.txt'), p)
      chmodSync(p, 0o600)
      const r = await unpadFile(p)
      assert.deepEqual(r, { path: p, size: original().length, removed: pyPadded().length - original().length })
      assert.deepEqual(bytes(p), original())
      assert.deepEqual(bytes(p), readFileSync(join(vectors, 'unpadded_result_pad_me.txt')))
    })

    it('filesec re-pads pyFileSec\'s padded file to another size, then unpads it to the original', async () => {
      const p = join(dir(), `pad_me${n++}.txt`)
      copyFileSync(join(vectors, 'pad_me.txt'), p)
      chmodSync(p, 0o600)
      await padFile(p, 1024)
      assert.equal(statSync(p).size, 1024)
      await unpadFile(p)
      assert.deepEqual(bytes(p), original())
    })
  })
})

// filesec pad / unpad, run for real: `node dist/cli.js …` as a child process. pyFileSec's CLI
// acceptance checks (§7.51, 57-59, 90-92 of ../shared/docs/pyfilesec.md), adapted to filesec's
// commands, JSON output and exit statuses.
import { strict as assert } from 'node:assert'
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'

import { EXIT } from '../lib/cli/exit'
import { describeWithVectors, randomFile, scratchDir } from './helpers'
import { cliIn, expectStatus, json, jsonError } from './cli/helpers'
import { CLI, ensureBuilt, type RunResult } from './cli/run'

const PADDED_TRAILER = (count: number): Buffer =>
  Buffer.from(`pad=${String(count).padStart(10, '0')}\0pyFileSec_padded\0`, 'latin1')

describe('filesec pad / unpad (CLI)', function () {
  this.timeout(60_000)
  const dir = scratchDir('filesec-cli-pad-')
  const cli = cliIn(dir)
  const p = (name: string): string => join(dir(), name)
  /** A fresh file with random content. */
  const input = (name: string, size: number): Buffer => randomFile(p(name), size)

  before(() => ensureBuilt())

  describe('help', () => {
    for (const c of ['pad', 'unpad']) {
      it(`filesec ${c} --help and filesec help ${c}`, async () => {
        const a = await cli([c, '--help'])
        expectStatus(a, 0)
        assert.match(a.stdout, new RegExp(`^Usage: filesec ${c} FILE`))
        assert.match(a.stdout, /^  8 +padding/m)
        const b = await cli(['help', c])
        expectStatus(b, 0)
        assert.equal(b.stdout, a.stdout)
      })
    }

    it('filesec --help lists both commands and exit status 8', async () => {
      const r = await cli(['--help'])
      expectStatus(r, 0)
      assert.match(r.stdout, /filesec pad +FILE \[--size N\]/)
      assert.match(r.stdout, /filesec unpad +FILE \[--lenient\]/)
      assert.match(r.stdout, /^  8 +\S/m)
    })
  })

  describe('pyFileSec CLI checks (§7, adapted)', () => {
    it('§7.90 pad FILE: --json says command pad and size 16384; the file is exactly 16384 bytes', async () => {
      const data = input('a.txt', 500)
      const r = await cli(['pad', 'a.txt', '--json'])
      expectStatus(r, 0)
      assert.deepEqual(json(r), { command: 'pad', path: p('a.txt'), size: 16384, padding: 16384 - 500 })
      const b = readFileSync(p('a.txt'))
      assert.equal(b.length, 16384)
      assert.deepEqual(b.subarray(0, 500), data)
      assert.deepEqual(b.subarray(16384 - 32), PADDED_TRAILER(16384 - 500))
    })

    it('§7.91 pad FILE --size 0 on a padded file removes the padding (the unpad result)', async () => {
      const data = input('b.txt', 300)
      expectStatus(await cli(['pad', 'b.txt', '--size', '4096']), 0)
      assert.equal(statSync(p('b.txt')).size, 4096)
      const r = await cli(['pad', 'b.txt', '--size', '0', '--json'])
      expectStatus(r, 0)
      assert.deepEqual(json(r), { command: 'unpad', path: p('b.txt'), size: 300, removed: 4096 - 300 })
      assert.deepEqual(readFileSync(p('b.txt')), data)
    })

    it('§7.51 pad --size 0 FILE on an unpadded file does nothing, successfully', async () => {
      const data = input('c.txt', 300)
      const r = await cli(['pad', '--size', '0', 'c.txt', '--json'])
      expectStatus(r, 0)
      assert.deepEqual(json(r), { command: 'unpad', path: p('c.txt'), size: 300, removed: 0 })
      assert.deepEqual(readFileSync(p('c.txt')), data)
    })

    it('§7.57 pad of a missing file: file error (exit 3, FSEC_FILE_NOT_FOUND)', async () => {
      const r = await cli(['pad', 'missing.txt', '--json'])
      expectStatus(r, EXIT.FILE)
      assert.equal(jsonError(r).code, 'FSEC_FILE_NOT_FOUND')
      expectStatus(await cli(['unpad', 'missing.txt']), EXIT.FILE)
    })

    it('§7.58 pad --size -24: usage error (exit 2), file unchanged', async () => {
      const data = input('d.txt', 100)
      for (const args of [['pad', 'd.txt', '--size', '-24', '--json'], ['pad', 'd.txt', '--size=-24', '--json']]) {
        const r = await cli(args)
        expectStatus(r, EXIT.USAGE)
        assert.equal(jsonError(r).code, 'FSEC_USAGE')
      }
      assert.deepEqual(readFileSync(p('d.txt')), data)
    })

    it('§7.59 unpad runs: a padded file is restored; --lenient accepts an unpadded one; without it exit 8', async () => {
      const data = input('e.txt', 1000)
      expectStatus(await cli(['pad', 'e.txt']), 0)
      const r = await cli(['unpad', 'e.txt', '--json'])
      expectStatus(r, 0)
      assert.deepEqual(json(r), { command: 'unpad', path: p('e.txt'), size: 1000, removed: 16384 - 1000 })
      assert.deepEqual(readFileSync(p('e.txt')), data)

      const lenient = await cli(['unpad', 'e.txt', '--lenient', '--json'])
      expectStatus(lenient, 0)
      assert.equal(json(lenient).removed, 0)
      const strict = await cli(['unpad', 'e.txt', '--json'])
      expectStatus(strict, EXIT.PADDING)
      assert.equal(jsonError(strict).code, 'FSEC_PADDING')
      assert.deepEqual(readFileSync(p('e.txt')), data)
    })

    it('§7.92 (adapted: no --verbose log) human output says what was done; --quiet prints nothing', async () => {
      input('f.txt', 81)
      const padded = await cli(['pad', 'f.txt'])
      expectStatus(padded, 0)
      assert.equal(padded.stdout, 'Padded f.txt to 16384 bytes\n')
      const unpadded = await cli(['unpad', 'f.txt'])
      expectStatus(unpadded, 0)
      assert.equal(unpadded.stdout, 'Removed 16303 bytes of padding from f.txt (now 81 bytes)\n')
      const nothing = await cli(['unpad', 'f.txt', '--lenient'])
      assert.equal(nothing.stdout, 'f.txt is not padded; nothing removed\n')
      const quiet = await cli(['pad', 'f.txt', '-q'])
      expectStatus(quiet, 0)
      assert.equal(quiet.stdout + quiet.stderr, '')
      assert.equal(statSync(p('f.txt')).size, 16384)
    })
  })

  describe('sizes and errors', () => {
    it('--size -1 (either form) is a strict unpad: exit 8 when not padded, restores when padded', async () => {
      const data = input('g.txt', 200)
      const notPadded = await cli(['pad', 'g.txt', '--size', '-1'])
      expectStatus(notPadded, EXIT.PADDING)
      assert.match(notPadded.stderr, /not padded/)
      expectStatus(await cli(['pad', 'g.txt', '--size', '1024']), 0)
      const r = await cli(['pad', 'g.txt', '--size=-1', '--json'])
      expectStatus(r, 0)
      assert.equal(json(r).removed, 1024 - 200)
      assert.deepEqual(readFileSync(p('g.txt')), data)
    })

    it('a size too small for the file: exit 8 (FSEC_PADDING), file unchanged', async () => {
      const data = input('h.txt', 1000)
      const r = await cli(['pad', 'h.txt', '--size', '1032', '--json'])
      expectStatus(r, EXIT.PADDING)
      assert.equal(jsonError(r).code, 'FSEC_PADDING')
      assert.deepEqual(readFileSync(p('h.txt')), data)
      expectStatus(await cli(['pad', 'h.txt', '--size', '1033']), 0)
      assert.equal(statSync(p('h.txt')).size, 1033)
    })

    it('malformed or out-of-range sizes and unknown options: exit 2, file unchanged', async () => {
      const data = input('i.txt', 10)
      const runs = await Promise.all(
        [
          ['pad', 'i.txt', '--size', 'abc'],
          ['pad', 'i.txt', '--size', '1.5'],
          ['pad', 'i.txt', '--size', '8589934593'],
          ['pad', 'i.txt', '--size', '99999999999999999999'],
          ['pad', 'i.txt', '--size'],
          ['pad', 'i.txt', '--lenient'],
          ['unpad', 'i.txt', '--size', '100'],
          ['pad'],
          ['unpad'],
          ['pad', 'i.txt', 'other.txt'],
        ].map((args) => cli(args)),
      )
      runs.forEach((r) => expectStatus(r, EXIT.USAGE))
      assert.deepEqual(readFileSync(p('i.txt')), data)
      const above = await cli(['pad', 'i.txt', '--size', '8589934593', '--json'])
      assert.equal(jsonError(above).code, 'FSEC_INVALID_ARGUMENT')
    })

    it('a symbolic link or a directory: exit 3 (FSEC_NOT_A_FILE), the link target unchanged', async () => {
      const data = input('target.txt', 50)
      symlinkSync(p('target.txt'), p('link.txt'))
      mkdirSync(p('folder'))
      for (const args of [['pad', 'link.txt'], ['unpad', 'link.txt', '--lenient'], ['pad', 'folder'], ['unpad', 'folder']]) {
        const r = await cli([...args, '--json'])
        expectStatus(r, EXIT.FILE)
        assert.equal(jsonError(r).code, 'FSEC_NOT_A_FILE')
      }
      assert.deepEqual(readFileSync(p('target.txt')), data)
    })

    it('a write failing midway (file size limit): exit 3 (FSEC_IO), the file keeps its bytes', async function () {
      if (spawnSync('prlimit', ['--version']).status !== 0) this.skip()
      const data = input('j.txt', 1000)
      const r = await new Promise<RunResult>((done, reject) => {
        const child = spawn('prlimit', ['--fsize=8192', process.execPath, CLI, 'pad', 'j.txt', '--json'], {
          cwd: dir(),
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        let stdout = ''
        let stderr = ''
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
        child.on('error', reject)
        child.on('close', (status, signal) => done({ status, signal, stdout, stderr }))
      })
      expectStatus(r, EXIT.FILE)
      const e = jsonError(r)
      assert.equal(e.code, 'FSEC_IO')
      assert.match(e.message, /left as it was/)
      assert.deepEqual(readFileSync(p('j.txt')), data)
    })
  })

  describeWithVectors('interop with pyFileSec (c06 vectors)', 'pyfilesec/cases/c06_padded', (vectors) => {
    it('filesec pad of the original gives pyFileSec\'s padded bytes; filesec unpad of those gives the original', async () => {
      copyFileSync(join(vectors, 'original_pad_me.txt'), p('pad_me.txt'))
      chmodSync(p('pad_me.txt'), 0o600)
      expectStatus(await cli(['pad', 'pad_me.txt']), 0)
      assert.deepEqual(readFileSync(p('pad_me.txt')), readFileSync(join(vectors, 'pad_me.txt')))

      copyFileSync(join(vectors, 'pad_me.txt'), p('py_padded.txt'))
      chmodSync(p('py_padded.txt'), 0o600)
      expectStatus(await cli(['unpad', 'py_padded.txt']), 0)
      assert.deepEqual(readFileSync(p('py_padded.txt')), readFileSync(join(vectors, 'original_pad_me.txt')))
    })
  })
})

// Shared test helpers: scratch folders, the shared test-vector folder, small file utilities,
// streams run to the end, a fake HOME, the mount table.
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

import { FilesecError } from '../lib'

/** A fresh folder, removed after the current suite. Call inside describe(). */
export function scratchDir(prefix = 'filesec-test-'): () => string {
  let dir = ''
  before(() => {
    dir = mkdtempSync(join(process.env.FILESEC_TEST_TMP ?? tmpdir(), prefix))
  })
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })
  return () => dir
}

/**
 * The shared test vectors (Wycheproof, age CCTV, pyFileSec archives): `../shared/vectors` beside
 * the project, or FILESEC_VECTORS_DIR. Undefined when absent (a user's fresh clone).
 */
export function vectorsDir(): string | undefined {
  const dir = process.env.FILESEC_VECTORS_DIR ?? resolve(__dirname, '..', '..', 'shared', 'vectors')
  return existsSync(dir) ? dir : undefined
}

/** describe() for suites that need the shared vectors; says visibly why it skips without them. */
export function describeWithVectors(title: string, sub: string, fn: (dir: string) => void): void {
  const base = vectorsDir()
  const dir = base ? join(base, sub) : undefined
  if (!dir || !existsSync(dir)) {
    describe(title, () => {
      it(`SKIPPED: test vectors not found (set FILESEC_VECTORS_DIR or provide ../shared/vectors/${sub})`, function () {
        this.skip()
      })
    })
    return
  }
  describe(title, () => fn(dir))
}

/** Writes `size` random bytes to `path`; returns them. */
export function randomFile(path: string, size: number): Buffer {
  const data = randomBytes(size)
  writeFileSync(path, data)
  return data
}

/** Names in `dir` that look like filesec temporary files. */
export function leftoverTempFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.fsec-tmp'))
}

/** Awaits a rejection and checks its class and stable code; returns the error. */
export async function rejectsWith(p: Promise<unknown>, Class: abstract new (...a: never[]) => Error, code: string): Promise<FilesecError> {
  let caught: unknown
  try {
    await p
  } catch (e) {
    caught = e
  }
  assert.ok(caught !== undefined, `expected a rejection with ${Class.name} (${code}), but it resolved`)
  const err = caught as Error
  assert.ok(
    err instanceof Class,
    `expected ${Class.name} (${code}), got ${err?.constructor?.name}: ${(err as FilesecError)?.code} ${err?.message}`,
  )
  assert.ok(err instanceof FilesecError, 'every filesec error is a FilesecError')
  assert.equal((err as FilesecError).code, code, `code of: ${err.message}`)
  assert.ok(err.message.length > 0)
  return err as FilesecError
}

/** Flips every bit of the byte at `offset` of a file, in place. */
export function corruptByte(path: string, offset: number): void {
  const fd = openSync(path, 'r+')
  try {
    const b = Buffer.alloc(1)
    readSync(fd, b, 0, 1, offset)
    b[0] = b[0]! ^ 0xff
    writeSync(fd, b, 0, 1, offset)
  } finally {
    closeSync(fd)
  }
}

/**
 * Pipes `source` through `transform` to the end and gathers what comes out. A failure is
 * returned, not thrown, with the output released before it (what a reader would have seen).
 */
export async function collectUntilError(
  source: Iterable<Buffer> | Readable,
  transform: NodeJS.ReadWriteStream,
): Promise<{ out: Buffer; error: unknown }> {
  const parts: Buffer[] = []
  let error: unknown
  try {
    await pipeline(
      source instanceof Readable ? source : Readable.from(source),
      transform,
      new Writable({
        write(chunk: Buffer, _e, cb) {
          parts.push(chunk)
          cb()
        },
      }),
    )
  } catch (e) {
    error = e
  }
  return { out: Buffer.concat(parts), error }
}

/** Pipes `source` through `transform` and returns all that comes out; rejects with a failure. */
export async function collect(source: Iterable<Buffer> | Readable, transform: NodeJS.ReadWriteStream): Promise<Buffer> {
  const { out, error } = await collectUntilError(source, transform)
  if (error !== undefined) throw error
  return out
}

/** Runs `fn` with os.homedir() answering `home`. */
export async function withHome<T>(home: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.HOME
  process.env.HOME = home
  try {
    return await fn()
  } finally {
    process.env.HOME = saved
  }
}

/** One column of findmnt for the mount holding `target`, or undefined without findmnt. */
export function findmnt(column: string, target: string): string | undefined {
  const r = spawnSync('findmnt', ['-n', '-o', column, '--target', target], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim().split('\n')[0] : undefined
}

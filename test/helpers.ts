// Shared test helpers: scratch folders, the shared test-vector folder, small file utilities.
import { strict as assert } from 'node:assert'
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

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

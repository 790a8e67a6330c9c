// Shared helpers for the Wycheproof / C2SP conformance suites in this folder: loading a vector
// file (read in place from the shared vectors folder, never copied), hex decoding, error
// assertions, per-suite tallies and a seeded PRNG for reproducible "random" choices.
import { strict as assert } from 'node:assert'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The common shape of a Wycheproof test: parameters are per family (see each suite). */
export interface WycheproofTest {
  tcId: number
  comment: string
  flags: string[]
  result: 'valid' | 'invalid' | 'acceptable'
}

export interface WycheproofGroup<T extends WycheproofTest> {
  tests: T[]
}

export interface WycheproofFile<G extends WycheproofGroup<WycheproofTest>> {
  algorithm: string
  numberOfTests: number
  testGroups: G[]
}

/**
 * Loads `dir/name` and checks that the file holds as many tests as it announces, so a damaged
 * or partial file cannot make a suite pass on fewer vectors than it thinks.
 */
export function loadVectors<G extends WycheproofGroup<WycheproofTest>>(dir: string, name: string): WycheproofFile<G> {
  const file = JSON.parse(readFileSync(join(dir, name), 'utf8')) as WycheproofFile<G>
  const count = file.testGroups.reduce((n, g) => n + g.tests.length, 0)
  assert.equal(count, file.numberOfTests, `${name}: numberOfTests says ${file.numberOfTests}, found ${count}`)
  return file
}

/**
 * Loads a vector file while mocha collects the suites and hands it to `fn`, which declares the
 * tests. A missing or damaged file becomes one failing test instead of aborting the whole run.
 */
export function withVectors<G extends WycheproofGroup<WycheproofTest>>(
  dir: string,
  name: string,
  fn: (file: WycheproofFile<G>) => void,
): void {
  let file: WycheproofFile<G>
  try {
    file = loadVectors<G>(dir, name)
  } catch (err) {
    it(`loads ${name}`, () => {
      throw err
    })
    return
  }
  fn(file)
}

/** Every test of a file with its group. */
export function allTests<G extends WycheproofGroup<WycheproofTest>>(
  file: WycheproofFile<G>,
): Array<{ group: G; test: G['tests'][number] }> {
  return file.testGroups.flatMap((group) => group.tests.map((test) => ({ group, test })))
}

export function hex(s: string): Buffer {
  assert.ok(/^([0-9a-fA-F]{2})*$/.test(s), `not a hex string: ${s.slice(0, 40)}`)
  return Buffer.from(s, 'hex')
}

export function describeTest(t: WycheproofTest): string {
  return `tcId ${t.tcId} [${t.result}${t.flags.length ? ' ' + t.flags.join(',') : ''}]${t.comment ? ' ' + t.comment : ''}`
}

/**
 * Runs `check` on every item and fails once at the end with every failing vector listed (one
 * bad vector does not hide the others). Also refuses an empty list: a filter that selects
 * nothing must not pass vacuously.
 */
export function checkEach<T extends { test: WycheproofTest }>(items: T[], check: (item: T) => void): void {
  assert.ok(items.length > 0, 'no vectors selected')
  const failures: string[] = []
  for (const item of items) {
    try {
      check(item)
    } catch (err) {
      failures.push(`${describeTest(item.test)}: ${(err as Error).message}`)
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${items.length} vectors failed:\n  ${failures.join('\n  ')}`)
}

/** The async variant of checkEach (vectors run one after another). */
export async function checkEachAsync<T extends { test: WycheproofTest }>(
  items: T[],
  check: (item: T) => Promise<void>,
): Promise<void> {
  assert.ok(items.length > 0, 'no vectors selected')
  const failures: string[] = []
  for (const item of items) {
    try {
      await check(item)
    } catch (err) {
      failures.push(`${describeTest(item.test)}: ${(err as Error).message}`)
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${items.length} vectors failed:\n  ${failures.join('\n  ')}`)
}

/** The error `fn` throws; fails when it returns normally. */
export function thrown(fn: () => unknown, what: string): Error & { code?: unknown } {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof Error, `${what}: threw a non-Error ${String(err)}`)
    return err as Error & { code?: unknown }
  }
  assert.fail(`${what}: expected an error, got a result`)
}

/** The error `promise` rejects with; fails when it resolves. */
export async function rejected(promise: Promise<unknown>, what: string): Promise<Error & { code?: unknown }> {
  try {
    await promise
  } catch (err) {
    assert.ok(err instanceof Error, `${what}: rejected with a non-Error ${String(err)}`)
    return err as Error & { code?: unknown }
  }
  assert.fail(`${what}: expected a rejection, got a result`)
}

/** Asserts that `fn` throws an Error whose `code` is `code`. */
export function assertThrowsCode(fn: () => unknown, code: string, what: string): void {
  const err = thrown(fn, what)
  assert.equal(err.code, code, `${what}: expected code ${code}, got ${String(err.code)} (${err.message})`)
}

/**
 * Counts outcomes per suite and prints one line after it, so the report shows how many vectors
 * actually ran, passed, were rejected as unsupported or were skipped.
 */
export class Tally {
  private readonly counts = new Map<string, number>()
  constructor(private readonly label: string) {}

  add(outcome: string, n = 1): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + n)
  }

  get(outcome: string): number {
    return this.counts.get(outcome) ?? 0
  }

  line(): string {
    const parts = [...this.counts.entries()].map(([k, v]) => `${v} ${k}`)
    return `      ${this.label}: ${parts.length ? parts.join(', ') : 'nothing ran'}`
  }

  /** Registers an after() hook that prints the tally. Call inside describe(). */
  report(): this {
    after(() => console.log(this.line()))
    return this
  }
}

/** Small deterministic PRNG (mulberry32) so "random" chunkings and ranges are reproducible. */
export function prng(seed: number): (maxExclusive: number) => number {
  let a = seed >>> 0
  return (maxExclusive: number) => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296
    return Math.floor(r * maxExclusive)
  }
}

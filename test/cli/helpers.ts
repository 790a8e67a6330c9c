// Assertions and set-up shared by the CLI suites: the CLI bound to a scratch folder, its JSON
// output and error objects, exit statuses, keys made with `filesec keygen`.
import { strict as assert } from 'node:assert'

import { ptyUnavailable, runCli, type RunResult } from './run'

export type Cli = (args: string[], env?: Record<string, string | undefined>) => Promise<RunResult>

/** `filesec …` run in the folder `dir()` names (a scratchDir), with extra environment variables. */
export function cliIn(dir: () => string): Cli {
  return (args, env) => runCli(args, { cwd: dir(), ...(env ? { env } : {}) })
}

export function expectStatus(r: RunResult, status: number): void {
  assert.equal(r.status, status, `exit status ${r.status} (expected ${status})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
}

/** The one JSON object a --json run prints on stdout. */
export function json(r: RunResult): Record<string, any> {
  const lines = r.stdout.split('\n').filter((l) => l !== '')
  assert.equal(lines.length, 1, `expected exactly one JSON line on stdout, got: ${r.stdout}\n${r.stderr}`)
  return JSON.parse(lines[0]!)
}

/**
 * The error object a failed --json run prints on stderr: {"error": {code, message, …}} and
 * nothing on stdout. `Extra` types what some errors carry besides (destroy's report).
 */
export function jsonError<Extra extends object = object>(r: RunResult): { code: string; message: string } & Partial<Extra> {
  assert.equal(r.stdout, '', 'stdout must be empty on failure')
  const parsed = JSON.parse(r.stderr.trim()) as { error: { code: string; message: string } & Partial<Extra> }
  assert.deepEqual(Object.keys(parsed), ['error'])
  assert.equal(typeof parsed.error.code, 'string')
  assert.equal(typeof parsed.error.message, 'string')
  return parsed.error
}

/**
 * Runs `filesec …` in `cwd` and sends it `signal` once `ready()` holds (checked every
 * `everyMs`); `sent` is false when the run ended first, so the test could not interrupt it.
 */
export async function runCliSignalledWhen(
  args: string[],
  cwd: string,
  signal: NodeJS.Signals,
  ready: () => boolean,
  everyMs: number,
): Promise<{ r: RunResult; sent: boolean }> {
  let sent = false
  const r = await runCli(args, {
    cwd,
    onSpawn: (child) => {
      const poll = setInterval(() => {
        if (ready()) {
          clearInterval(poll)
          sent = true
          child.kill(signal)
        }
      }, everyMs)
      child.on('close', () => clearInterval(poll))
    },
  })
  return { r, sent }
}

/** Runs each `filesec keygen …` (the arguments after `keygen`) in parallel; each must exit 0. */
export async function keygens(cli: Cli, runs: string[][]): Promise<RunResult[]> {
  const results = await Promise.all(runs.map((args) => cli(['keygen', ...args])))
  for (const r of results) expectStatus(r, 0)
  return results
}

/** An unprotected X25519 key pair made with `filesec keygen -o name`; returns its public key (age1…). */
export async function keygenX25519(cli: Cli, name: string): Promise<string> {
  const [r] = await keygens(cli, [['-o', name, '--no-passphrase', '--json']])
  return json(r!).publicKey as string
}

/**
 * Inside describe(): when no pseudo-terminal can be opened, adds one visibly skipped test titled
 * `SKIPPED: ${what}: <why>` and returns true (the caller then returns without its tests).
 */
export function skippedWithoutPty(what: string): boolean {
  const why = ptyUnavailable()
  if (why === undefined) return false
  it(`SKIPPED: ${what}: ${why}`, function () {
    this.skip()
  })
  return true
}

// Running the CLI in a child process and killing it with SIGKILL: after a random delay, or at an
// exact point, the Nth call of a chosen system call, by strace's signal injection (the kill lands
// on entry to that call, before the kernel performs it; no test hook in the product).
import { spawn } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import { CLI } from '../cli/run'

/**
 * The system calls that change files: the points a crash can land between. (openat is left out:
 * Node opens hundreds of files as it starts; a temporary's creation is followed at once by its
 * fchmod and flock, which are here.)
 */
export const MUTATING_SYSCALLS = [
  'flock',
  'fallocate',
  'pwrite64',
  'pwritev',
  'copy_file_range',
  'fchmod',
  'fdatasync',
  'fsync',
  'ftruncate',
  'rename',
  'renameat',
  'renameat2',
  'link',
  'linkat',
  'unlink',
  'unlinkat',
] as const

export type KillPlan = { kind: 'delay'; ms: number } | { kind: 'syscall'; syscall: string; n: number }

export interface RunOutcome {
  /** True when the child died of the SIGKILL (false: it had already finished). */
  killed: boolean
  status: number | null
  stderr: string
  ms: number
}

function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, FILESEC_DEBUG: undefined } as NodeJS.ProcessEnv
}

/** Runs `filesec args…` in `cwd` and kills it as `plan` says. */
export function runAndKill(args: string[], cwd: string, plan: KillPlan, timeoutMs = 60_000): Promise<RunOutcome> {
  const argv =
    plan.kind === 'syscall'
      ? ['strace', '-f', '-qq', '-o', '/dev/null', '-e', `trace=${plan.syscall}`, '-e', `inject=${plan.syscall}:signal=SIGKILL:when=${plan.n}`, process.execPath, CLI, ...args]
      : [process.execPath, CLI, ...args]
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env: childEnv(), stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const killer = plan.kind === 'delay' ? setTimeout(() => child.kill('SIGKILL'), plan.ms) : undefined
    const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (status, signal) => {
      clearTimeout(killer)
      clearTimeout(guard)
      const ms = Date.now() - started
      if (ms >= timeoutMs) return reject(new Error(`filesec ${args.join(' ')} did not finish within ${timeoutMs} ms`))
      // strace re-raises the signal its tracee died of, so both runs report SIGKILL alike.
      resolve({ killed: signal === 'SIGKILL', status, stderr, ms })
    })
  })
}

export interface Calibration {
  /** For each mutating system call the run made: the most calls any one thread made (strace counts injections per thread). */
  calls: Map<string, number>
}

/** Runs `filesec args…` once to the end under strace, counting the file-changing calls per thread. */
export async function calibrate(args: string[], cwd: string, traceFile: string): Promise<Calibration> {
  const argv = ['strace', '-f', '-qq', '-o', traceFile, '-e', `trace=${MUTATING_SYSCALLS.join(',')}`, process.execPath, CLI, ...args]
  const status = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env: childEnv(), stdio: 'ignore' })
    child.on('error', reject)
    child.on('close', (code) => resolve(code))
  })
  if (status !== 0) throw new Error(`calibration run of filesec ${args.join(' ')} failed (status ${status})`)
  const perThread = new Map<string, number>()
  for (const line of readFileSync(traceFile, 'utf8').split('\n')) {
    const m = /^(\d+)\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]/.exec(line)
    if (!m || line.includes('resumed>')) continue
    const key = `${m[1]} ${m[2]}`
    perThread.set(key, (perThread.get(key) ?? 0) + 1)
  }
  rmSync(traceFile, { force: true })
  const calls = new Map<string, number>()
  for (const [key, count] of perThread) {
    const name = key.split(' ')[1]!
    calls.set(name, Math.max(calls.get(name) ?? 0, count))
  }
  return { calls }
}

/** Where strace writes a calibration trace: beside the case folder, never inside it. */
export function traceFileFor(dir: string): string {
  return join(dir, '..', `${dir.split('/').pop()}.trace`)
}

/** A process's command line ('' once it is gone). */
function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
  } catch {
    return ''
  }
}

export interface TracedRun {
  /** The pid of the CLI's node process (strace's child), once it has started. */
  pid(): Promise<number>
  done: Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }>
}

/**
 * Runs `filesec args…` under strace with extra strace options (e.g. an injection that stops the
 * process with SIGSTOP, or slows a call down), so a test can act on it mid-way.
 */
export function runTraced(args: string[], cwd: string, straceOptions: string[]): TracedRun {
  const child = spawn('strace', ['-f', '-qq', '-o', '/dev/null', ...straceOptions, process.execPath, CLI, ...args], {
    cwd,
    env: childEnv(),
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const done = new Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (status, signal) => resolve({ status, signal, stderr }))
  })
  // strace forks short-lived children of its own (to probe ptrace features) before the tracee.
  const pid = async (): Promise<number> => {
    for (let i = 0; i < 1000; i++) {
      const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ').filter((c) => c !== '')
      for (const c of children) {
        // Forks of strace carry its command line until the tracee has exec'd node.
        const argv = commandLineOf(Number(c)).split('\0')
        if (argv[0] === process.execPath && argv[1] === CLI) return Number(c)
      }
      await new Promise((r) => setTimeout(r, 10))
    }
    throw new Error('strace did not start the CLI')
  }
  return { pid, done }
}

// Runs the compiled CLI (dist/cli.js) as a child process, with or without a pseudo-terminal.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const ROOT = resolve(__dirname, '..', '..')
export const CLI = join(ROOT, 'dist', 'cli.js')

export interface RunResult {
  status: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  cwd: string
  env?: Record<string, string | undefined>
  /** Called with the child once it runs (to send signals). */
  onSpawn?: (child: ReturnType<typeof spawn>) => void
  timeoutMs?: number
}

/**
 * Runs `node dist/cli.js …` in its own session (detached), so it has no controlling terminal:
 * a prompt can never block on the terminal of whoever runs the tests.
 */
export function runCli(args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, FILESEC_DEBUG: undefined, ...options.env }
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('close', (status, signal) => {
      clearTimeout(timer)
      resolvePromise({ status, signal, stdout, stderr })
    })
    options.onSpawn?.(child)
  })
}

function newestMtime(dir: string, ext: string): number {
  let newest = 0
  if (!existsSync(dir)) return newest
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p, ext))
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, statSync(p).mtimeMs)
  }
  return newest
}

/**
 * Compiles lib/ to dist/ when dist/cli.js is missing or older than a source in lib/ (`npm test`
 * only type-checks, with --noEmit). A type error elsewhere in lib/ does not stop the emit.
 */
export function ensureBuilt(): void {
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newestMtime(join(ROOT, 'lib'), '.ts')) return
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
      cwd: ROOT,
      stdio: 'inherit',
    })
  } catch (e) {
    if (!existsSync(CLI)) throw e
  }
}

// ---- pseudo-terminal runs (python3's pty module) ----

const PTY_DRIVER = `
import json, os, pty, select, sys, time
cfg = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.chdir(cfg['cwd'])
    for k, v in cfg['env'].items():
        os.environ[k] = v
    os.execvp(cfg['argv'][0], cfg['argv'])
out = b''
pos = 0
steps = list(cfg['steps'])
deadline = time.time() + cfg['timeout']
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.05)
    if r:
        try:
            d = os.read(fd, 4096)
        except OSError:
            break
        if not d:
            break
        out += d
    if steps:
        expect, send = steps[0]
        i = out.find(expect.encode('utf-8'), pos)
        if i >= 0:
            pos = i + len(expect)
            time.sleep(0.05)
            os.write(fd, send.encode('utf-8'))
            steps.pop(0)
else:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
print(json.dumps({'status': code, 'output': out.decode('utf-8', 'replace'), 'pending': len(steps)}))
`

export interface PtyResult {
  status: number
  /** Everything the terminal showed (stdout and stderr together, CRLF line ends). */
  output: string
  /** Prompts that never came. */
  pending: number
}

/** Why pseudo-terminal tests cannot run here, or undefined when they can. */
export function ptyUnavailable(): string | undefined {
  const r = spawnSync('python3', ['-c', 'import pty, os, select, json; os.openpty()'], { encoding: 'utf8' })
  if (r.error) return `python3 is not available (${r.error.message})`
  if (r.status !== 0) return `python3 cannot open a pseudo-terminal: ${r.stderr.trim().split('\n').pop()}`
  return undefined
}

/**
 * Runs the CLI on a pseudo-terminal; `steps` are [text to wait for, keys to type]. With
 * `stdinNull` standard input is /dev/null, so the CLI must open /dev/tty itself.
 */
export function runCliOnPty(
  args: string[],
  options: { cwd: string; steps: [string, string][]; stdinNull?: boolean; env?: Record<string, string>; timeoutS?: number },
): PtyResult {
  const cli = [process.execPath, CLI, ...args]
  const argv = options.stdinNull
    ? ['sh', '-c', 'exec "$@" </dev/null', 'sh', ...cli]
    : cli
  const cfg = { cwd: options.cwd, argv, steps: options.steps, env: options.env ?? {}, timeout: options.timeoutS ?? 20 }
  const r = spawnSync('python3', ['-c', PTY_DRIVER, JSON.stringify(cfg)], { encoding: 'utf8', timeout: 60_000 })
  if (r.status !== 0) throw new Error(`pty driver failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as PtyResult
}

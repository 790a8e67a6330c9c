// External tools the interoperability tests run (minisign, openssl): whether they are installed,
// running them, and suites that say visibly why they skip when a tool is missing.
import { spawnSync } from 'node:child_process'

export interface Tool {
  cmd: string
  /** The Debian package that provides it. */
  pkg: string
}

export const MINISIGN: Tool = { cmd: 'minisign', pkg: 'minisign' }
export const OPENSSL: Tool = { cmd: 'openssl', pkg: 'openssl' }

const found = new Map<string, boolean>()

export function haveTool(tool: Tool): boolean {
  if (!found.has(tool.cmd)) {
    found.set(tool.cmd, spawnSync('sh', ['-c', `command -v ${tool.cmd}`], { stdio: 'ignore' }).status === 0)
  }
  return found.get(tool.cmd)!
}

/** describe() for suites that run `tool`; one visible skipped test when it is not installed. */
export function describeWithTool(tool: Tool, title: string, fn: (this: Mocha.Suite) => void): void {
  if (!haveTool(tool)) {
    describe(title, () => {
      it(`SKIPPED: ${tool.cmd} not found (Debian package ${tool.pkg})`, function () {
        this.skip()
      })
    })
    return
  }
  describe(title, fn)
}

export interface ToolRun {
  status: number | null
  stdout: string
  stderr: string
}

/** Runs a tool to completion; `input` goes to its standard input. */
export function runTool(cmd: string, args: string[], options: { cwd?: string; input?: string } = {}): ToolRun {
  const r = spawnSync(cmd, args, { cwd: options.cwd, input: options.input ?? '', encoding: 'utf8', timeout: 60_000 })
  if (r.error) throw r.error
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Runs a tool and fails with its output unless it exits 0. */
export function runToolOk(cmd: string, args: string[], options: { cwd?: string; input?: string } = {}): ToolRun {
  const r = runTool(cmd, args, options)
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`)
  return r
}

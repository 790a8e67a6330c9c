// What the CLI prints: human text on stdout (unless --quiet or --json), exactly one JSON object
// on stdout with --json, errors on stderr (as JSON with --json).
import { relative, resolve, sep } from 'node:path'

import { UsageError } from './args'
import { errorCodeOf, exitCodeFor } from './exit'

export class Output {
  constructor(
    public json: boolean,
    public quiet: boolean,
  ) {}

  /** A line of human output (dropped with --quiet or --json). */
  say(text: string): void {
    if (!this.json && !this.quiet) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
  }

  /** The command's result: the JSON object with --json, else the human lines. */
  result(object: Record<string, unknown>, human: () => string[]): void {
    if (this.json) {
      process.stdout.write(`${JSON.stringify(object)}\n`)
    } else if (!this.quiet) {
      for (const line of human()) this.say(line)
    }
  }

  /** Help text on stdout (with --json: {"command":"help","help":…}). */
  help(text: string): void {
    if (this.json) process.stdout.write(`${JSON.stringify({ command: 'help', help: text })}\n`)
    else process.stdout.write(text)
  }

  /** A human notice on stderr (dropped with --quiet or --json). */
  notice(text: string): void {
    if (!this.json && !this.quiet) process.stderr.write(`filesec: ${text}\n`)
  }

  /** Reports an error on stderr and returns the exit status. */
  fail(error: unknown): number {
    const status = exitCodeFor(error)
    const message = error instanceof Error ? error.message : String(error)
    if (this.json) {
      // A failed destroy carries its report (what was done, where the file still is).
      const report = error instanceof Error ? (error as { report?: unknown }).report : undefined
      process.stderr.write(`${JSON.stringify({ error: { code: errorCodeOf(error), message, ...(report !== undefined ? { report } : {}) } })}\n`)
    } else {
      let text = `filesec: error: ${clean(message)}\n`
      if (error instanceof UsageError) {
        text += `Run 'filesec ${error.command ? `${error.command} ` : ''}--help' for usage.\n`
      }
      if (status === 1 && error instanceof Error && process.env.FILESEC_DEBUG && error.stack) {
        text += `${error.stack}\n`
      }
      process.stderr.write(text)
    }
    return status
  }
}

/** Makes text from a file (names, notes) safe for a terminal: control characters are escaped. */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** A path as the user would like to see it: relative to the working folder when inside it. */
export function shownPath(path: string): string {
  const abs = resolve(path)
  const rel = relative(process.cwd(), abs)
  return clean(rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' ? rel : abs)
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`
}

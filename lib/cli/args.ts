// Argument parsing for the filesec CLI: node:util parseArgs with checks that keep secrets out of
// error messages (an unknown `--opt=value` is reported by its name only) and that refuse any
// attempt to give a passphrase on the command line.
import { parseArgs } from 'node:util'

/** A mistake in the command line itself (exit status 2). */
export class UsageError extends Error {
  readonly code = 'FSEC_USAGE'
  /** The command whose --help the message should point to. */
  command: string | undefined
  constructor(message: string, command?: string) {
    super(message)
    this.name = 'UsageError'
    this.command = command
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  multiple?: boolean
}
export type OptionSpecs = Record<string, OptionSpec>

/** Options every command accepts. */
export const COMMON_OPTIONS: OptionSpecs = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
}

/** Options that would put a secret on the command line (visible in `ps` and shell history). */
const SECRET_OPTIONS = new Set([
  'passphrase', 'password', 'pass', 'passwd', 'pw', 'secret', 'key-passphrase', 'identity-passphrase',
  'new-passphrase',
])

export const PASSPHRASE_ON_COMMAND_LINE =
  'filesec never takes a passphrase as a command-line argument (it would show up in ps and in shell ' +
  'history). Use --passphrase-file FILE or --passphrase-env VARIABLE, or leave both out to be asked ' +
  'on the terminal (without echo).'

export type Values = Record<string, string | boolean | string[] | undefined>

export interface Parsed {
  values: Values
  positionals: string[]
}

/** Refuses `--passphrase …` and the like anywhere before a `--`, whatever the command. */
export function refuseSecretOptions(args: readonly string[], command?: string): void {
  for (const a of args) {
    if (a === '--') return
    if (a.startsWith('--') && SECRET_OPTIONS.has(a.slice(2).split('=')[0]!.toLowerCase())) {
      throw new UsageError(PASSPHRASE_ON_COMMAND_LINE, command)
    }
  }
}

export function parseCommandArgs(args: string[], specs: OptionSpecs, command: string): Parsed {
  refuseSecretOptions(args, command)
  const options = { ...COMMON_OPTIONS, ...specs }
  // First pass, lenient, to name unknown options without their values.
  const loose = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true })
  const seen = new Map<string, number>()
  for (const t of loose.tokens ?? []) {
    if (t.kind !== 'option') continue
    const spec = options[t.name]
    if (spec === undefined) {
      const raw = t.rawName.startsWith('--') ? t.rawName.split('=')[0] : t.rawName
      throw new UsageError(`unknown option ${raw} for 'filesec ${command}'`, command)
    }
    seen.set(t.name, (seen.get(t.name) ?? 0) + 1)
  }
  for (const [name, count] of seen) {
    const spec = options[name]!
    if (count > 1 && !spec.multiple && spec.type === 'string') {
      throw new UsageError(`--${name} was given more than once`, command)
    }
  }
  // Second pass, strict: missing values, values given to flags.
  let parsed
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true })
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0]! : String(e)
    throw new UsageError(message.replace(/^Option '(.*)' argument missing$/, "option '$1' needs a value"), command)
  }
  return { values: parsed.values as Values, positionals: parsed.positionals }
}

export function str(values: Values, name: string): string | undefined {
  const v = values[name]
  return typeof v === 'string' ? v : undefined
}

export function list(values: Values, name: string): string[] {
  const v = values[name]
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : []
}

export function flag(values: Values, name: string): boolean {
  return values[name] === true
}

/** A non-negative decimal integer option. */
export function int(values: Values, name: string, command: string): number | undefined {
  const v = str(values, name)
  if (v === undefined) return undefined
  if (!/^\d{1,9}$/.test(v)) throw new UsageError(`--${name} must be a whole number`, command)
  return Number(v)
}

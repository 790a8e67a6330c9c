// Pieces shared by the commands: the run context, passphrase options, key arguments, progress.
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'

import {
  FileError,
  FileNotFoundError,
  fromFs,
  type KeyInput,
  KeyPassphraseError,
  loadKeys,
  type PassphraseSource,
  type Progress,
} from '../index'
import { type OptionSpecs, type Parsed, parseCommandArgs, str, UsageError, type Values } from './args'
import type { Interrupts } from './interrupt'
import type { Output } from './output'
import { shownPath } from './output'
import { ProgressBar } from './progress'
import { readSecret } from './prompt'

export interface Context {
  out: Output
  interrupts: Interrupts
}

/** Parses a command's arguments and applies --json / --quiet (also when grouped, as in -pq). */
export function parseFor(ctx: Context, args: string[], specs: OptionSpecs, command: string): Parsed {
  const parsed = parseCommandArgs(args, specs, command)
  if (parsed.values.json === true) ctx.out.json = true
  if (parsed.values.quiet === true) ctx.out.quiet = true
  return parsed
}

export const PASSPHRASE_OPTIONS: OptionSpecs = {
  'passphrase-file': { type: 'string' },
  'passphrase-env': { type: 'string' },
}

/**
 * The passphrase named by --passphrase-file / --passphrase-env, if any. Checked here so that
 * error messages do not repeat the value (in case someone typed the passphrase itself there).
 * `prefix` names another pair of options (`new-` for --new-passphrase-file / -env).
 */
export async function passphraseOption(values: Values, command: string, prefix = ''): Promise<PassphraseSource | undefined> {
  const fileOption = `--${prefix}passphrase-file`
  const envOption = `--${prefix}passphrase-env`
  const file = str(values, `${prefix}passphrase-file`)
  const env = str(values, `${prefix}passphrase-env`)
  if (file !== undefined && env !== undefined) {
    throw new UsageError(`give ${fileOption} or ${envOption}, not both`, command)
  }
  if (file !== undefined) {
    if (file === '') throw new UsageError(`${fileOption} needs a file name`, command)
    try {
      const st = await stat(file)
      if (!st.isFile()) throw new FileError('FSEC_NOT_A_FILE', `the ${fileOption} is not a regular file`)
    } catch (e) {
      if (e instanceof FileError) throw e
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new FileNotFoundError('FSEC_FILE_NOT_FOUND', `the file given with ${fileOption} does not exist`)
      }
      throw fromFs(e, resolve(file))
    }
    return { file }
  }
  if (env !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env) || process.env[env] === undefined) {
      throw new UsageError(
        `${envOption} takes the NAME of an environment variable that is set (not the passphrase itself)`,
        command,
      )
    }
    return { env }
  }
  return undefined
}

const PRIVATE_TEXT = /^\s*(AGE-SECRET-KEY-1|-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|-----BEGIN AGE ENCRYPTED FILE-----)/i

/** Refuses private key material typed on the command line (it would show up in ps). */
export function refusePrivateText(value: string, option: string, command: string): void {
  if (PRIVATE_TEXT.test(value)) {
    throw new UsageError(
      `private key text is refused as a command-line argument (it would show up in ps): give ${option} the path of a key file`,
      command,
    )
  }
}

/** A -r value: public key text (`age1…`, `ssh-rsa …`, PEM) or else the path of a key file. */
export function recipientArgument(value: string, command: string): KeyInput {
  refusePrivateText(value, '-r', command)
  const t = value.trim()
  if (/^age1[0-9a-z]+$/.test(t) || /^ssh-[a-z0-9-]+\s/.test(t) || t.startsWith('-----BEGIN ')) return { text: value }
  if (value === '') throw new UsageError('-r needs a key or a path', command)
  return { path: value }
}

/** An -i value: always the path of an identity file. */
export function identityArgument(value: string, command: string): KeyInput {
  refusePrivateText(value, '-i', command)
  if (value === '') throw new UsageError('-i needs a path', command)
  return { path: value }
}

/** The single FILE argument of a command. */
export function oneFile(positionals: string[], command: string): string {
  if (positionals.length === 0) throw new UsageError('missing FILE argument', command)
  if (positionals.length > 1) {
    throw new UsageError(`one FILE at a time (got ${positionals.length} arguments)`, command)
  }
  const file = positionals[0]!
  if (file === '' || file === '-') throw new UsageError('FILE must be a file path (standard input is not supported)', command)
  return file
}

/** Runs `fn` with a progress callback drawing a bar on stderr, when it is a terminal. */
export async function withProgress<T>(
  ctx: Context,
  label: string,
  fn: (onProgress: ((p: Progress) => void) | undefined) => Promise<T>,
): Promise<T> {
  const stream = process.stderr
  if (ctx.out.json || ctx.out.quiet || !stream.isTTY) return fn(undefined)
  const bar = new ProgressBar(stream, label)
  try {
    return await fn(bar.update)
  } finally {
    bar.finish()
  }
}

/** Wipes a passphrase Buffer we hold (sources read from files or variables are wiped by the API). */
export function wipe(source: PassphraseSource | undefined): void {
  if (Buffer.isBuffer(source)) source.fill(0)
}

/** True for the error of a protected private key loaded without its passphrase. */
export function isPassphraseRequired(e: unknown): boolean {
  return e instanceof KeyPassphraseError && e.code === 'FSEC_KEY_PASSPHRASE_REQUIRED'
}

/**
 * Loads the keys each input names; a passphrase-protected private key is asked for its
 * passphrase on the terminal, once.
 */
export async function loadKeysAsking(inputs: KeyInput[], ctx: Context): Promise<KeyInput[]> {
  const keys: KeyInput[] = []
  for (const input of inputs) {
    try {
      keys.push(...(await loadKeys(input)))
    } catch (e) {
      if (!isPassphraseRequired(e)) throw e
      const what = typeof input === 'object' && 'path' in input ? shownPath(input.path) : 'the private key'
      const pass = await readSecret(`Passphrase for ${what}: `, ctx.interrupts.signal)
      try {
        keys.push(...(await loadKeys(input, { passphrase: pass })))
      } finally {
        pass.fill(0)
      }
    }
  }
  return keys
}

// How a command that opens an encrypted file gets its key: -i identity files (asking for a
// protected one's passphrase on the terminal), or the file's passphrase (from an option, or
// asked on the terminal). Shared by decrypt, inspect and rotate.
import { inspect, type IdentityOptions, type PassphraseSource } from '../index'
import { list, type OptionSpecs, UsageError, type Values } from './args'
import {
  type Context,
  identityArgument,
  isPassphraseRequired,
  loadKeysAsking,
  PASSPHRASE_OPTIONS,
  passphraseOption,
  wipe,
} from './common'
import { shownPath } from './output'
import { readSecret } from './prompt'

export const IDENTITY_OPTIONS: OptionSpecs = {
  identity: { type: 'string', short: 'i', multiple: true },
  ...PASSPHRASE_OPTIONS,
}

export interface OpenWith {
  /** True when -i or a passphrase option was given (inspect shows the sealed metadata then). */
  given: boolean
  /**
   * Runs `fn` with the identity options, asking on the terminal for what is missing: identity
   * files are tried first and a protected one is asked for its passphrase only when needed.
   */
  run<T>(fn: (o: IdentityOptions) => Promise<T>, beforePrompt?: () => Promise<void>): Promise<T>
  /**
   * Like run, but asks for everything (a protected identity's passphrase too) before calling
   * `fn`, once: for rotate, whose own prompt for the new passphrase comes after these. With
   * `asGiven` the identity files are passed as paths, unloaded: the age codec reads OpenSSH
   * keys itself, which filesec's key loader does not (and age identities are never protected).
   */
  runAskingFirst<T>(fn: (o: IdentityOptions) => Promise<T>, asGiven?: boolean): Promise<T>
}

export async function identityFrom(values: Values, input: string, ctx: Context, command: string): Promise<OpenWith> {
  const identityPaths = list(values, 'identity')
  const identities = identityPaths.map((p) => identityArgument(p, command))
  const passOption = await passphraseOption(values, command)
  return {
    given: identities.length > 0 || passOption !== undefined,
    async run(fn, beforePrompt) {
      if (identities.length > 0) {
        const o: IdentityOptions = { identity: identities }
        if (passOption !== undefined) o.identityPassphrase = passOption
        try {
          return await fn(o)
        } catch (e) {
          if (passOption !== undefined || !isPassphraseRequired(e)) throw e
          return fn({ identity: await loadKeysAsking(identityPaths.map((path) => ({ path })), ctx) })
        }
      }
      if (passOption !== undefined) return fn({ passphrase: passOption })
      return withFilePassphrase(input, ctx, command, fn, beforePrompt)
    },
    async runAskingFirst(fn, asGiven = false) {
      if (identities.length > 0) {
        if (passOption !== undefined) return fn({ identity: identities, identityPassphrase: passOption })
        return fn({ identity: asGiven ? identities : await loadKeysAsking(identities, ctx) })
      }
      if (passOption !== undefined) return fn({ passphrase: passOption })
      return withFilePassphrase(input, ctx, command, fn)
    },
  }
}

/** Asks on the terminal for the passphrase of `input` (once it is known to be passphrase-encrypted) and runs `fn` with it. */
async function withFilePassphrase<T>(
  input: string,
  ctx: Context,
  command: string,
  fn: (o: IdentityOptions) => Promise<T>,
  beforePrompt?: () => Promise<void>,
): Promise<T> {
  // Before asking, make sure the file is one a passphrase can open.
  const info = await inspect(input)
  if (!info.passphrase) {
    throw new UsageError(
      `${shownPath(input)} is encrypted to public keys, not a passphrase: give -i IDENTITY (a private key file)`,
      command,
    )
  }
  await beforePrompt?.()
  let prompted: PassphraseSource | undefined
  try {
    prompted = await readSecret('Passphrase: ', ctx.interrupts.signal)
    return await fn({ passphrase: prompted })
  } finally {
    wipe(prompted)
  }
}

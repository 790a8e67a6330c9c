// filesec decrypt: a .fsec file back to its plaintext, with identities (private keys) or the passphrase.
import { lstat } from 'node:fs/promises'
import { resolve } from 'node:path'

import {
  decryptFile,
  type DecryptOptions,
  type DecryptResult,
  inspect,
  OutputExistsError,
  type PassphraseSource,
} from '../index'
import { flag, list, str, UsageError } from './args'
import {
  type Context,
  identityArgument,
  isPassphraseRequired,
  loadKeysAsking,
  oneFile,
  parseFor,
  PASSPHRASE_OPTIONS,
  passphraseOption,
  wipe,
  withProgress,
} from './common'
import { DECRYPT_HELP } from './help'
import { clean, formatBytes, shownPath } from './output'
import { readSecret } from './prompt'

const C = 'decrypt'

export async function decrypt(args: string[], ctx: Context): Promise<void> {
  const { values, positionals } = parseFor(
    ctx,
    args,
    {
      identity: { type: 'string', short: 'i', multiple: true },
      output: { type: 'string', short: 'o' },
      overwrite: { type: 'boolean' },
      ...PASSPHRASE_OPTIONS,
    },
    C,
  )
  if (flag(values, 'help')) return ctx.out.help(DECRYPT_HELP)
  const input = oneFile(positionals, C)
  const identityPaths = list(values, 'identity')
  const identities = identityPaths.map((p) => identityArgument(p, C))
  const passOption = await passphraseOption(values, C)
  const outputOption = str(values, 'output')
  if (outputOption === '' || outputOption === '-') throw new UsageError('-o must be a file path', C)

  const base: DecryptOptions = { overwrite: flag(values, 'overwrite'), signal: ctx.interrupts.signal }
  if (outputOption !== undefined) base.output = outputOption
  const run = (o: DecryptOptions): Promise<DecryptResult> =>
    withProgress(ctx, 'Decrypting', (onProgress) => decryptFile(input, onProgress ? { ...o, onProgress } : o))

  let result: DecryptResult
  let prompted: Buffer | undefined
  try {
    if (identities.length > 0) {
      const o: DecryptOptions = { ...base, identity: identities }
      if (passOption !== undefined) o.identityPassphrase = passOption
      try {
        result = await run(o)
      } catch (e) {
        if (passOption !== undefined || !isPassphraseRequired(e)) throw e
        result = await run({ ...base, identity: await loadKeysAsking(identityPaths.map((path) => ({ path })), ctx) })
      }
    } else {
      let passphrase: PassphraseSource | undefined = passOption
      if (passphrase === undefined) {
        // Before asking, make sure the file is one a passphrase can open.
        const info = await inspect(input)
        if (!info.passphrase) {
          throw new UsageError(
            `${shownPath(input)} is encrypted to public keys, not a passphrase: give -i IDENTITY (a private key file)`,
            C,
          )
        }
        if (outputOption !== undefined && !base.overwrite && (await lstat(outputOption).then(() => true, () => false))) {
          throw new OutputExistsError('FSEC_OUTPUT_EXISTS', `${resolve(outputOption)} already exists`, {
            path: resolve(outputOption),
          })
        }
        prompted = await readSecret('Passphrase: ', ctx.interrupts.signal)
        passphrase = prompted
      }
      result = await run({ ...base, passphrase })
    }
  } finally {
    wipe(prompted)
  }
  const m = result.metadata
  ctx.out.result({ command: C, ...result }, () => [
    `Decrypted ${shownPath(result.input)} -> ${shownPath(result.output)} (${formatBytes(result.plaintextBytes)})`,
    ...(m.name !== undefined ? [`  original name: ${clean(m.name)}`] : []),
    ...(m.mtime !== undefined ? [`  modified: ${clean(m.mtime)}`] : []),
    ...(m.note !== undefined ? [`  note: ${clean(m.note)}`] : []),
  ])
}

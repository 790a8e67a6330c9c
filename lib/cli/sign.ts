// filesec sign: a detached signature of FILE with a private Ed25519 key (FILE.minisig, minisign's
// format) or RSA key (FILE.sig, filesec's RSA-PSS signature file).
import { resolve } from 'node:path'

import { type KeyInput, type PassphraseSource, type SignOptions, type SignResult, signFile } from '../index'
import { assertOutputAbsent, statRegularFile } from '../paths'
import { flag, str, UsageError } from './args'
import {
  type Context,
  isPassphraseRequired,
  loadKeysAsking,
  oneFile,
  parseFor,
  PASSPHRASE_OPTIONS,
  passphraseOption,
  refusePrivateText,
  withProgress,
} from './common'
import { SIGN_HELP } from './help'
import { clean, formatBytes, shownPath } from './output'

const C = 'sign'

export function describeAlgorithm(algorithm: SignResult['algorithm'], keyId?: string, fingerprint?: string): string {
  if (algorithm === 'ed25519') return `Ed25519, minisign, key id ${keyId ?? '?'}`
  return `RSA-PSS-SHA-256, key ${fingerprint ?? '?'}`
}

export async function sign(args: string[], ctx: Context): Promise<void> {
  const { values, positionals } = parseFor(
    ctx,
    args,
    {
      key: { type: 'string', short: 'k' },
      output: { type: 'string', short: 'o' },
      comment: { type: 'string', short: 't' },
      overwrite: { type: 'boolean' },
      ...PASSPHRASE_OPTIONS,
    },
    C,
  )
  if (flag(values, 'help')) return ctx.out.help(SIGN_HELP)
  const input = oneFile(positionals, C)
  const keyPath = str(values, 'key')
  if (keyPath === undefined || keyPath === '') throw new UsageError('give --key PRIVATE_KEY (the path of a key file)', C)
  refusePrivateText(keyPath, '--key', C)
  const key: KeyInput = { path: keyPath }
  const outputOption = str(values, 'output')
  if (outputOption === '' || outputOption === '-') throw new UsageError('-o must be a file path', C)
  const keyPassphrase: PassphraseSource | undefined = await passphraseOption(values, C)
  const options: SignOptions = { key, overwrite: flag(values, 'overwrite'), signal: ctx.interrupts.signal }
  if (outputOption !== undefined) options.output = outputOption
  const comment = str(values, 'comment')
  if (comment !== undefined) options.trustedComment = comment
  if (keyPassphrase !== undefined) options.keyPassphrase = keyPassphrase

  const run = (o: SignOptions): Promise<SignResult> =>
    withProgress(ctx, 'Signing', (onProgress) => signFile(input, onProgress ? { ...o, onProgress } : o))
  let result: SignResult
  try {
    result = await run(options)
  } catch (e) {
    // A protected key and no passphrase option: check the input and output first (so nothing
    // is typed in vain), then ask on the terminal.
    if (keyPassphrase !== undefined || !isPassphraseRequired(e)) throw e
    await statRegularFile(resolve(input))
    if (outputOption !== undefined && !options.overwrite) await assertOutputAbsent(resolve(outputOption))
    const [loaded] = await loadKeysAsking([key], ctx)
    result = await run({ ...options, key: loaded! })
  }
  ctx.out.result({ command: C, ...result }, () => [
    `Signed ${shownPath(result.input)} (${formatBytes(result.fileBytes)}) -> ${shownPath(result.output!)}`,
    `  ${describeAlgorithm(result.algorithm, result.keyId, result.fingerprint)}`,
    ...(result.trustedComment !== undefined ? [`  trusted comment: ${clean(result.trustedComment)}`] : []),
  ])
}

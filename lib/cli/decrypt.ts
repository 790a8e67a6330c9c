// filesec decrypt: a .fsec file back to its plaintext, with identities (private keys) or the passphrase.
import { lstat } from 'node:fs/promises'
import { resolve } from 'node:path'

import { decryptFile, type DecryptOptions, type DecryptResult, OutputExistsError } from '../index'
import { flag, str, UsageError } from './args'
import { type Context, oneFile, parseFor, withProgress } from './common'
import { DECRYPT_HELP } from './help'
import { IDENTITY_OPTIONS, identityFrom } from './identity'
import { clean, formatBytes, shownPath } from './output'

const C = 'decrypt'

export async function decrypt(args: string[], ctx: Context): Promise<void> {
  const { values, positionals } = parseFor(
    ctx,
    args,
    {
      ...IDENTITY_OPTIONS,
      output: { type: 'string', short: 'o' },
      overwrite: { type: 'boolean' },
      'allow-unsafe-output': { type: 'boolean' },
      'allow-checksum-mismatch': { type: 'boolean' },
    },
    C,
  )
  if (flag(values, 'help')) return ctx.out.help(DECRYPT_HELP)
  const input = oneFile(positionals, C)
  const openWith = await identityFrom(values, input, ctx, C)
  const outputOption = str(values, 'output')
  if (outputOption === '' || outputOption === '-') throw new UsageError('-o must be a file path', C)

  const base: DecryptOptions = { overwrite: flag(values, 'overwrite'), signal: ctx.interrupts.signal }
  if (outputOption !== undefined) base.output = outputOption
  if (flag(values, 'allow-unsafe-output')) base.allowUnsafeOutput = true
  if (flag(values, 'allow-checksum-mismatch')) base.allowChecksumMismatch = true
  // Do not ask for a passphrase only to fail on an existing output afterwards.
  const checkOutput = async (): Promise<void> => {
    if (outputOption !== undefined && !base.overwrite && (await lstat(outputOption).then(() => true, () => false))) {
      throw new OutputExistsError('FSEC_OUTPUT_EXISTS', `${resolve(outputOption)} already exists`, {
        path: resolve(outputOption),
      })
    }
  }
  const result: DecryptResult = await openWith.run(
    (keys) =>
      withProgress(ctx, 'Decrypting', (onProgress) =>
        decryptFile(input, onProgress ? { ...base, ...keys, onProgress } : { ...base, ...keys }),
      ),
    checkOutput,
  )
  const m = result.metadata
  ctx.out.result({ command: C, ...result }, () => [
    `Decrypted ${shownPath(result.input)} -> ${shownPath(result.output)} (${formatBytes(result.plaintextBytes)})`,
    ...(m.name !== undefined ? [`  original name: ${clean(m.name)}`] : []),
    ...(m.mtime !== undefined ? [`  modified: ${clean(m.mtime)}`] : []),
    ...(m.note !== undefined ? [`  note: ${clean(m.note)}`] : []),
    // pyFileSec archives: the format has no MAC, so say what could be checked.
    ...(result.integrity !== undefined ? [`  integrity: ${result.integrity}`] : []),
    ...(result.warnings ?? []).map((w) => `  warning: ${clean(w)}`),
  ])
}

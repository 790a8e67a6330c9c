// filesec encrypt: FILE to FILE.fsec, for recipients' public keys or for a passphrase.
import { resolve } from 'node:path'

import {
  encryptFile,
  type EncryptOptions,
  type EncryptResult,
  type KeyInput,
  type PassphraseSource,
  type RecipientInfo,
} from '../index'
import { assertOutputAbsent, statRegularFile } from '../paths'
import { flag, int, list, str, UsageError } from './args'
import {
  type Context,
  isPassphraseRequired,
  loadKeysAsking,
  oneFile,
  parseFor,
  PASSPHRASE_OPTIONS,
  passphraseOption,
  recipientArgument,
  wipe,
  withProgress,
} from './common'
import { ENCRYPT_HELP } from './help'
import { formatBytes, shownPath } from './output'
import { readNewSecret } from './prompt'

const C = 'encrypt'

export function describeRecipient(r: RecipientInfo): string {
  if (r.type === 'scrypt') return `passphrase (scrypt, work factor ${r.workFactor ?? '?'})`
  if (r.type === 'rsa-oaep-sha256') return `RSA-${r.rsaBits ?? '?'} ${r.fingerprint ?? ''}`.trimEnd()
  if (r.type === 'x25519') return `X25519 ${r.fingerprint ?? ''}`.trimEnd()
  if (r.type === 'ssh-rsa' || r.type === 'ssh-ed25519') return `${r.type} (key tag ${r.sshKeyTag ?? '?'})`
  return `unknown recipient type${r.stanzaType !== undefined ? ` '${r.stanzaType}'` : ''}`
}

/** --pad padme | N: Padmé, or a multiple of N bytes. */
function padArgument(value: string | undefined): EncryptOptions['pad'] {
  if (value === undefined) return undefined
  if (value === 'padme') return 'padme'
  if (/^[1-9]\d{0,15}$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value)
  throw new UsageError("--pad must be 'padme' or a positive whole number of bytes", C)
}

/** Checks the input and output before asking for a passphrase, so the user does not type it in vain. */
async function preflight(input: string, output: string, overwrite: boolean): Promise<void> {
  await statRegularFile(resolve(input))
  if (!overwrite) await assertOutputAbsent(resolve(output))
}

export async function encrypt(args: string[], ctx: Context): Promise<void> {
  const { values, positionals } = parseFor(
    ctx,
    args,
    {
      recipient: { type: 'string', short: 'r', multiple: true },
      'recipients-file': { type: 'string', short: 'R', multiple: true },
      'use-passphrase': { type: 'boolean', short: 'p' },
      'work-factor': { type: 'string' },
      output: { type: 'string', short: 'o' },
      overwrite: { type: 'boolean' },
      note: { type: 'string' },
      'no-name': { type: 'boolean' },
      'no-times': { type: 'boolean' },
      pad: { type: 'string' },
      keep: { type: 'boolean', short: 'k' },
      passes: { type: 'string', short: 'n' },
      ...PASSPHRASE_OPTIONS,
    },
    C,
  )
  if (flag(values, 'help')) return ctx.out.help(ENCRYPT_HELP)
  const input = oneFile(positionals, C)
  const recipients: KeyInput[] = [
    ...list(values, 'recipient').map((r) => recipientArgument(r, C)),
    ...list(values, 'recipients-file').map((p) => {
      if (p === '') throw new UsageError('-R needs a path', C)
      return { path: p }
    }),
  ]
  const passOption = await passphraseOption(values, C)
  const usePassphrase = flag(values, 'use-passphrase') || (recipients.length === 0 && passOption !== undefined)
  if (recipients.length > 0 && (usePassphrase || passOption !== undefined)) {
    throw new UsageError(
      'a file is encrypted to recipients (-r/-R) or to a passphrase (-p, --passphrase-file, --passphrase-env), not both',
      C,
    )
  }
  if (!usePassphrase && recipients.length === 0) {
    throw new UsageError('give at least one recipient (-r KEY or -R FILE), or -p to encrypt to a passphrase', C)
  }
  const workFactor = int(values, 'work-factor', C)
  if (workFactor !== undefined && !usePassphrase) throw new UsageError('--work-factor applies to -p only', C)
  const outputOption = str(values, 'output')
  if (outputOption === '' || outputOption === '-') throw new UsageError('-o must be a file path', C)
  const overwrite = flag(values, 'overwrite')
  const pad = padArgument(str(values, 'pad'))
  const keep = flag(values, 'keep')
  const passes = int(values, 'passes', C)
  if (passes !== undefined && keep) throw new UsageError('--passes sets how the plaintext is destroyed: not with --keep', C)

  let prompted: Buffer | undefined
  try {
    const options: EncryptOptions = {
      overwrite,
      storeName: !flag(values, 'no-name'),
      storeTimes: !flag(values, 'no-times'),
      signal: ctx.interrupts.signal,
    }
    if (outputOption !== undefined) options.output = outputOption
    const note = str(values, 'note')
    if (note !== undefined) options.note = note
    if (pad !== undefined) options.pad = pad
    if (keep) options.keep = true
    if (passes !== undefined) options.destroyPasses = passes
    if (usePassphrase) {
      let passphrase: PassphraseSource | undefined = passOption
      if (passphrase === undefined) {
        await preflight(input, outputOption ?? `${input}.fsec`, overwrite)
        prompted = await readNewSecret('passphrase', '', ctx.interrupts.signal)
        passphrase = prompted
      }
      options.passphrase = passphrase
      if (workFactor !== undefined) options.workFactor = workFactor
    } else {
      options.to = recipients
    }
    const run = (): Promise<EncryptResult> =>
      withProgress(ctx, 'Encrypting', (onProgress) => encryptFile(input, onProgress ? { ...options, onProgress } : options))
    let result: EncryptResult
    try {
      result = await run()
    } catch (e) {
      // A protected private key among the recipients: ask for its passphrase, then try again.
      if (usePassphrase || !isPassphraseRequired(e)) throw e
      options.to = await loadKeysAsking(recipients, ctx)
      result = await run()
    }
    ctx.out.result({ command: C, ...result }, () => [
      `Encrypted ${shownPath(result.input)} -> ${shownPath(result.output)} (${formatBytes(result.plaintextBytes)} -> ${formatBytes(result.encryptedBytes)})`,
      ...result.recipients.map((r) => `  recipient: ${describeRecipient(r)}`),
      result.destroyReport !== undefined
        ? `  plaintext destroyed: ${result.destroyReport.passes.length} passes, each synced; assurance: ${result.destroyReport.assurance}`
        : '  plaintext kept',
      ...result.warnings.map((w) => `  warning: ${w}`),
    ])
  } finally {
    wipe(prompted)
  }
}

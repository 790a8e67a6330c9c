// filesec encrypt: FILE to FILE.fsec (or, with --codec age, to an age file FILE.age, binary or
// ASCII-armored with --armor), for recipients' public keys or for a passphrase.
import { resolve } from 'node:path'

import {
  DEFAULT_CODEC,
  encryptFile,
  type EncryptOptions,
  type EncryptResult,
  type KeyInput,
  listCodecs,
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
  if (r.type === 'rsa-oaep-sha1') return `RSA-${r.rsaBits ?? '?'} (pyFileSec: RSA-OAEP SHA-1)`
  if (r.type === 'x25519') return `X25519 ${r.fingerprint ?? ''}`.trimEnd()
  if (r.type === 'ssh-rsa' || r.type === 'ssh-ed25519') return `${r.type} (key tag ${r.sshKeyTag ?? '?'})`
  return `unknown recipient type${r.stanzaType !== undefined ? ` '${r.stanzaType}'` : ''}`
}

/** --codec NAME: a registered codec that can encrypt (default fsec); returns it with its extension. */
function codecArgument(value: string | undefined): { name: string; extension: string } {
  const writable = listCodecs().filter((c) => c.canEncrypt)
  const codec = writable.find((c) => c.name === (value ?? DEFAULT_CODEC))
  if (codec === undefined) {
    throw new UsageError(`--codec must be one of: ${writable.map((c) => c.name).join(', ')}`, C)
  }
  return { name: codec.name, extension: codec.extension }
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
      codec: { type: 'string' },
      armor: { type: 'boolean', short: 'a' },
      ...PASSPHRASE_OPTIONS,
    },
    C,
  )
  if (flag(values, 'help')) return ctx.out.help(ENCRYPT_HELP)
  const input = oneFile(positionals, C)
  const codec = codecArgument(str(values, 'codec'))
  const armor = flag(values, 'armor')
  if (armor && codec.name !== 'age') throw new UsageError('--armor (ASCII armor, as age -a) needs --codec age', C)
  if (codec.name === 'age') {
    // age files have no sealed metadata and no padding (--no-name and --no-times hold anyway).
    for (const o of ['note', 'pad']) {
      if (str(values, o) !== undefined) throw new UsageError(`--${o} is not available with --codec age`, C)
    }
  }
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
    const options: EncryptOptions = { overwrite, signal: ctx.interrupts.signal }
    if (codec.name === DEFAULT_CODEC) {
      options.storeName = !flag(values, 'no-name')
      options.storeTimes = !flag(values, 'no-times')
    } else {
      options.codec = codec.name
    }
    if (armor) options.armor = true
    if (outputOption !== undefined) options.output = outputOption
    const note = str(values, 'note')
    if (note !== undefined) options.note = note
    if (pad !== undefined) options.pad = pad
    if (keep) options.keep = true
    if (passes !== undefined) options.destroyPasses = passes
    if (usePassphrase) {
      let passphrase: PassphraseSource | undefined = passOption
      if (passphrase === undefined) {
        await preflight(input, outputOption ?? `${input}${codec.extension}`, overwrite)
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
    const format = codec.name === 'age' ? { codec: codec.name, armored: armor } : { codec: codec.name }
    ctx.out.result({ command: C, ...format, ...result }, () => [
      `Encrypted ${shownPath(result.input)} -> ${shownPath(result.output)} (${formatBytes(result.plaintextBytes)} -> ${formatBytes(result.encryptedBytes)})`,
      ...(codec.name === DEFAULT_CODEC ? [] : [`  format: ${codec.name}${armor ? ', ASCII-armored' : ''}`]),
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

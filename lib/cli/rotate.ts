// filesec rotate: change who can open an encrypted file (.fsec or age), in place (header only,
// or --rekey for .fsec), and --recover an interrupted rotation. The file's format is recognised
// by rotateFile (lib/codecs/api.ts).
import { resolve } from 'node:path'

import { codecOfFile } from '../codecs/registry'
import { type KeyInput, recoverRotation, rotateFile, type RotateOptions, type RotateResult } from '../index'
import { flag, int, list, str, UsageError, type Values } from './args'
import { type Context, loadKeysAsking, oneFile, parseFor, passphraseOption, recipientArgument, wipe, withProgress } from './common'
import { describeRecipient } from './encrypt'
import { ROTATE_HELP } from './help'
import { IDENTITY_OPTIONS, identityFrom } from './identity'
import { shownPath } from './output'
import { readNewSecret } from './prompt'

const C = 'rotate'
const FINGERPRINT = /^[0-9a-f]{64}$/i

/** The options that change who can open the file (not allowed with --recover). */
const CHANGE_OPTIONS = [
  'identity', 'passphrase-file', 'passphrase-env', 'recipient', 'to', 'recipients-file', 'add', 'remove',
  'use-passphrase', 'new-passphrase-file', 'new-passphrase-env', 'work-factor', 'rekey', 'pad',
]

function padOption(values: Values): RotateOptions['pad'] {
  const v = str(values, 'pad')
  if (v === undefined) return undefined
  if (v === 'none') return false
  if (v === 'padme') return 'padme'
  if (/^\d{1,15}$/.test(v) && Number(v) > 0) return Number(v)
  throw new UsageError("--pad must be padme, none, or a bucket size in bytes", C)
}

/** A --remove value: a fingerprint (64 hex digits) as it is, else a key like -r's. */
function removeArgument(value: string): KeyInput {
  return FINGERPRINT.test(value.trim()) ? value.trim() : recipientArgument(value, C)
}

function commitText(r: RotateResult): string {
  if (r.commit === 'rewrite') return 'rekeyed: payload re-encrypted under a fresh file key'
  return r.commit === 'in-place' ? 'header only, rewritten in place' : 'header only, file copied with its new header'
}

/**
 * True for an age file. Its rotation takes the key arguments as given (text or paths, read by
 * the age codec), because filesec's own key loader refuses ssh-ed25519 keys. Anything unreadable
 * counts as not age: rotateFile reports it.
 */
async function isAgeFile(file: string): Promise<boolean> {
  try {
    return (await codecOfFile(resolve(file))).name === 'age'
  } catch {
    return false
  }
}

async function recover(file: string, ctx: Context): Promise<void> {
  const r = await recoverRotation(file)
  ctx.out.result({ command: C, ...r }, () => [
    r.recovered
      ? `Recovered ${shownPath(r.path)}: the interrupted rotation was completed`
      : `Nothing to recover for ${shownPath(r.path)} (no rotation journal)`,
  ])
}

export async function rotate(args: string[], ctx: Context): Promise<void> {
  const { values, positionals } = parseFor(
    ctx,
    args,
    {
      ...IDENTITY_OPTIONS,
      recipient: { type: 'string', short: 'r', multiple: true },
      to: { type: 'string', multiple: true },
      'recipients-file': { type: 'string', short: 'R', multiple: true },
      add: { type: 'string', multiple: true },
      remove: { type: 'string', multiple: true },
      'use-passphrase': { type: 'boolean', short: 'p' },
      'new-passphrase-file': { type: 'string' },
      'new-passphrase-env': { type: 'string' },
      'work-factor': { type: 'string' },
      rekey: { type: 'boolean' },
      pad: { type: 'string' },
      recover: { type: 'boolean' },
    },
    C,
  )
  if (flag(values, 'help')) return ctx.out.help(ROTATE_HELP)
  const file = oneFile(positionals, C)
  if (flag(values, 'recover')) {
    const other = CHANGE_OPTIONS.find((o) => values[o] !== undefined)
    if (other !== undefined) throw new UsageError(`--recover takes no other option (got --${other})`, C)
    return recover(file, ctx)
  }

  // New side: replace (-r/--to/-R), add/remove, or a new passphrase.
  const replace: KeyInput[] = [
    ...[...list(values, 'recipient'), ...list(values, 'to')].map((r) => recipientArgument(r, C)),
    ...list(values, 'recipients-file').map((p) => {
      if (p === '') throw new UsageError('-R needs a path', C)
      return { path: p }
    }),
  ]
  const add = list(values, 'add').map((r) => recipientArgument(r, C))
  const remove = list(values, 'remove').map(removeArgument)
  const newPassOption = await passphraseOption(values, C, 'new-')
  const toPassphrase = flag(values, 'use-passphrase') || newPassOption !== undefined
  const kinds = [replace.length > 0, add.length + remove.length > 0, toPassphrase].filter(Boolean).length
  if (kinds === 0) {
    throw new UsageError('say who can open the file afterwards: -r/--to/-R (replace), --add, --remove, or -p (a new passphrase)', C)
  }
  if (kinds > 1) throw new UsageError('-r/--to/-R, --add/--remove and -p are different kinds of change: give one', C)
  const workFactor = int(values, 'work-factor', C)
  if (workFactor !== undefined && !toPassphrase) throw new UsageError('--work-factor applies to -p only', C)
  const rekey = flag(values, 'rekey')
  if (rekey && add.length + remove.length > 0) {
    throw new UsageError('--rekey needs the full list of recipients (-r/--to/-R or -p), not --add/--remove', C)
  }
  const pad = padOption(values)
  if (pad !== undefined && !rekey) throw new UsageError('--pad changes the payload: it needs --rekey', C)

  // Old side, as for decrypt (asked for after the new side's keys load, see below).
  const openWith = await identityFrom(values, file, ctx, C)

  const age = await isAgeFile(file)
  let newPrompted: Buffer | undefined
  try {
    const options: RotateOptions = { signal: ctx.interrupts.signal }
    if (rekey) options.rekey = true
    if (pad !== undefined) options.pad = pad
    // Keys first (a protected private key among them is asked for its passphrase), so that a
    // bad key is reported before anyone types a passphrase for the file.
    const load = (inputs: KeyInput[]): Promise<KeyInput[]> => (age ? Promise.resolve(inputs) : loadKeysAsking(inputs, ctx))
    if (replace.length > 0) options.to = await load(replace)
    if (add.length > 0) options.add = await load(add)
    if (remove.length > 0) {
      options.remove = [...remove.filter((r) => typeof r === 'string'), ...(await load(remove.filter((r) => typeof r !== 'string')))]
    }

    // The old passphrase (or a protected identity's) is asked for before the new one.
    const result = await openWith.runAskingFirst(async (keys) => {
      if (toPassphrase) {
        if (newPassOption !== undefined) options.newPassphrase = newPassOption
        else options.newPassphrase = newPrompted = await readNewSecret('new passphrase', '', ctx.interrupts.signal)
        if (workFactor !== undefined) options.workFactor = workFactor
      }
      const withKeys: RotateOptions = { ...options, ...keys }
      return rekey
        ? withProgress(ctx, 'Rekeying', (onProgress) => rotateFile(file, onProgress ? { ...withKeys, onProgress } : withKeys))
        : rotateFile(file, withKeys)
    }, age)
    const removed = result.from.filter((who) => !result.to.includes(who) && who !== 'passphrase')
    ctx.out.result({ command: C, ...result }, () => [
      `Rotated ${shownPath(result.path)} (${commitText(result)})`,
      ...result.recipients.map((r) => `  recipient: ${describeRecipient(r)}`),
      ...(removed.length > 0 && !result.rekeyed
        ? [
            age
              ? '  note: a removed recipient who kept the file key from before can still read this file; only encrypting it again revokes'
              : '  note: a removed recipient who kept the file key from before can still read this file; --rekey revokes',
          ]
        : []),
    ])
  } finally {
    wipe(newPrompted)
  }
}

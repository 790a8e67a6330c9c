// filesec keygen: a key pair, the private half passphrase-protected (mode 0600), the public half beside it.
import { lstat, unlink } from 'node:fs/promises'
import { resolve } from 'node:path'

import {
  generateKeyPair,
  type KeyKind,
  OutputExistsError,
  type PassphraseSource,
  writePrivateKey,
  writePublicKey,
} from '../index'
import { flag, int, str, UsageError } from './args'
import { type Context, parseFor, PASSPHRASE_OPTIONS, passphraseOption, wipe } from './common'
import { KEYGEN_HELP } from './help'
import { shownPath } from './output'
import { readNewSecret } from './prompt'

const C = 'keygen'

async function refuseExisting(path: string): Promise<void> {
  const exists = await lstat(path).then(
    () => true,
    () => false,
  )
  if (exists) {
    throw new OutputExistsError('FSEC_OUTPUT_EXISTS', `${path} already exists (a key file is never replaced)`, { path })
  }
}

export async function keygen(args: string[], ctx: Context): Promise<void> {
  const { values, positionals } = parseFor(
    ctx,
    args,
    {
      type: { type: 'string', short: 't' },
      bits: { type: 'string', short: 'b' },
      output: { type: 'string', short: 'o' },
      'public-out': { type: 'string' },
      'no-passphrase': { type: 'boolean' },
      ...PASSPHRASE_OPTIONS,
    },
    C,
  )
  if (flag(values, 'help')) return ctx.out.help(KEYGEN_HELP)
  if (positionals.length > 0) throw new UsageError(`unexpected argument (keygen takes options only; use -o PATH)`, C)
  const type = str(values, 'type') ?? 'x25519'
  if (type !== 'x25519' && type !== 'rsa' && type !== 'ed25519') {
    throw new UsageError("--type must be 'x25519', 'rsa' or 'ed25519'", C)
  }
  const bits = int(values, 'bits', C)
  if (bits !== undefined && type !== 'rsa') throw new UsageError('--bits applies to --type rsa only', C)
  const output = str(values, 'output')
  if (output === undefined || output === '') throw new UsageError('give -o PATH for the private key', C)
  const publicOut = str(values, 'public-out') ?? `${output}.pub`
  if (resolve(publicOut) === resolve(output)) throw new UsageError('the public and private key paths must differ', C)

  const unprotected = flag(values, 'no-passphrase')
  let passphrase: PassphraseSource | undefined = await passphraseOption(values, C)
  if (unprotected && passphrase !== undefined) {
    throw new UsageError('--no-passphrase excludes --passphrase-file and --passphrase-env', C)
  }
  await refuseExisting(output)
  await refuseExisting(publicOut)
  try {
    if (!unprotected && passphrase === undefined) {
      passphrase = await readNewSecret(
        'passphrase for the new private key',
        'to write an unprotected key, use --no-passphrase',
        ctx.interrupts.signal,
      )
    }
    const pair = await ctx.interrupts.uncancellable(() =>
      generateKeyPair(type as KeyKind, bits !== undefined ? { bits } : {}),
    )
    ctx.interrupts.check()
    await writePrivateKey(pair.privateKey, output, unprotected ? { unprotected: true } : { passphrase: passphrase! })
    try {
      await writePublicKey(pair.publicKey, publicOut)
    } catch (e) {
      // Do not leave half a pair: the private key file was created just now by us.
      await unlink(output).catch(() => undefined)
      throw e
    }
    const pub = pair.publicKey
    // An Ed25519 public key file is minisign's (comment line + key line): show the key line.
    const shownPublic = pub.kind === 'ed25519' ? pub.publicText.split('\n')[1]! : pub.publicText.trimEnd()
    const kindText = pub.kind === 'rsa' ? `RSA ${pub.bits}` : pub.kind === 'ed25519' ? 'Ed25519' : 'X25519'
    ctx.out.result(
      {
        command: C,
        type: pub.kind,
        bits: pub.bits,
        fingerprint: pub.fingerprint,
        ...(pub.keyId !== undefined ? { keyId: pub.keyId } : {}),
        publicKey: pub.publicText,
        privateKeyFile: resolve(output),
        publicKeyFile: resolve(publicOut),
        protected: !unprotected,
      },
      () => [
        `Public key: ${shownPublic}`,
        `Fingerprint: ${pub.fingerprint}`,
        ...(pub.keyId !== undefined ? [`Key id: ${pub.keyId}`] : []),
        `Private key: ${shownPath(output)} (${kindText}, ${
          unprotected ? 'NOT passphrase-protected' : 'passphrase-protected'
        }, mode 0600)`,
        `Public key file: ${shownPath(publicOut)}`,
      ],
    )
  } finally {
    wipe(passphrase)
  }
}

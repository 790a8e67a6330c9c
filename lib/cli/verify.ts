// filesec verify: checks a detached signature of FILE (minisign .minisig, filesec .sig, or a legacy
// pyFileSec base64 signature) with the signer's public key. Exit 0 when it matches,
// EXIT.BAD_SIGNATURE when it does not.
import { lstat } from 'node:fs/promises'
import { resolve } from 'node:path'

import {
  type Key,
  type KeyInput,
  loadKey,
  type PassphraseSource,
  type VerifyOptions,
  type VerifyResult,
  verifyFileDetailed,
} from '../index'
import { MINISIG_EXTENSION } from '../minisign'
import { statRegularFile } from '../paths'
import { RSA_SIGNATURE_EXTENSION } from '../rsa-signature'
import { flag, str, UsageError } from './args'
import {
  type Context,
  loadKeysAsking,
  oneFile,
  parseFor,
  PASSPHRASE_OPTIONS,
  passphraseOption,
  refusePrivateText,
  withProgress,
} from './common'
import { EXIT } from './exit'
import { VERIFY_HELP } from './help'
import { clean, shownPath } from './output'
import { describeAlgorithm } from './sign'

const C = 'verify'

/** A --key value: public key text (minisign `RW…` line, PEM) or else the path of a key file. */
function publicKeyArgument(value: string): KeyInput {
  refusePrivateText(value, '--key', C)
  const t = value.trim()
  if (t === '') throw new UsageError('--key needs a public key or the path of a key file', C)
  if (/^RW[A-Za-z0-9+/]{54}$/.test(t) || t.startsWith('-----BEGIN ')) return { text: value }
  return { path: value }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  )
}

/** FILE.minisig or FILE.sig, whichever exists (the one of the key's kind first). */
async function defaultSignaturePath(input: string, key: Key): Promise<string> {
  const extensions = key.kind === 'rsa' ? [RSA_SIGNATURE_EXTENSION, MINISIG_EXTENSION] : [MINISIG_EXTENSION, RSA_SIGNATURE_EXTENSION]
  for (const ext of extensions) {
    if (await exists(`${input}${ext}`)) return `${input}${ext}`
  }
  throw new UsageError(
    `no signature given, and neither ${shownPath(`${input}${MINISIG_EXTENSION}`)} nor ${shownPath(`${input}${RSA_SIGNATURE_EXTENSION}`)} exists: give --signature SIG`,
    C,
  )
}

const DIGEST_NAMES: Record<NonNullable<VerifyResult['digest']>, string> = { sha256: 'SHA-256', sha1: 'SHA-1', md5: 'MD5' }

function describeVerified(r: VerifyResult, key: Key): string {
  if (r.algorithm === 'pyfilesec-pkcs1v15') {
    return `RSA PKCS#1 v1.5 over ${r.digest !== undefined ? DIGEST_NAMES[r.digest] : '?'} (legacy pyFileSec signature), key ${key.fingerprint}`
  }
  return describeAlgorithm(r.algorithm, r.keyId, r.fingerprint)
}

function whyNot(r: VerifyResult): string {
  if (r.reason === 'key-mismatch' && r.algorithm === 'pyfilesec-pkcs1v15') return 'a pyFileSec signature needs the signer\'s RSA key'
  if (r.reason === 'key-mismatch') {
    return r.keyId !== undefined
      ? `it was made by another key (key id ${r.keyId})`
      : `it was made by another key (${r.fingerprint ?? 'another kind of key'})`
  }
  if (r.reason === 'comment-mismatch') return 'the trusted comment was altered (or another key signed)'
  return 'the file was modified since it was signed (or another key signed)'
}

export async function verify(args: string[], ctx: Context): Promise<number> {
  const { values, positionals } = parseFor(
    ctx,
    args,
    {
      key: { type: 'string', short: 'k' },
      signature: { type: 'string', short: 'x' },
      ...PASSPHRASE_OPTIONS,
    },
    C,
  )
  if (flag(values, 'help')) {
    ctx.out.help(VERIFY_HELP)
    return EXIT.OK
  }
  const input = oneFile(positionals, C)
  const keyValue = str(values, 'key')
  if (keyValue === undefined) throw new UsageError("give --key PUBLIC_KEY (the signer's public key, or its file)", C)
  const keyArg = publicKeyArgument(keyValue)
  const signatureOption = str(values, 'signature')
  if (signatureOption === '' || signatureOption === '-') throw new UsageError('--signature must be a file path', C)
  const keyPassphrase: PassphraseSource | undefined = await passphraseOption(values, C)
  await statRegularFile(resolve(input))

  // Load the key once (asking for a passphrase if it is a protected private key).
  let key: Key
  if (keyPassphrase !== undefined) {
    key = await loadKey(keyArg, { passphrase: keyPassphrase })
  } else {
    const loaded = await loadKeysAsking([keyArg], ctx)
    if (loaded.length !== 1) throw new UsageError(`--key names ${loaded.length} keys; give exactly one`, C)
    key = await loadKey(loaded[0]!)
  }
  const signaturePath = signatureOption ?? (await defaultSignaturePath(input, key))
  const options: VerifyOptions = { key, signature: { path: signaturePath }, signal: ctx.interrupts.signal }
  const r = await withProgress(ctx, 'Verifying', (onProgress) =>
    verifyFileDetailed(input, onProgress ? { ...options, onProgress } : options),
  )
  const result = { command: C, signatureFile: resolve(signaturePath), ...r }
  if (!r.valid) {
    if (ctx.out.json) ctx.out.result(result, () => [])
    else ctx.out.notice(`BAD signature: ${shownPath(r.input)} does not match ${shownPath(signaturePath)}: ${whyNot(r)}`)
    return EXIT.BAD_SIGNATURE
  }
  ctx.out.result(result, () => [
    `Signature OK: ${shownPath(r.input)} (${shownPath(signaturePath)})`,
    `  ${describeVerified(r, key)}`,
    ...(r.trustedComment !== undefined ? [`  trusted comment: ${clean(r.trustedComment)}`] : []),
    ...(r.warnings ?? []).map((w) => `  warning: ${w}`),
  ])
  return EXIT.OK
}

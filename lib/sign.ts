// Detached signatures of any file, encrypted or not. Ed25519 keys make minisign signatures
// (FILE.minisig, which `minisign -V` verifies); RSA keys make RSA-PSS-SHA-256 signatures in
// filesec's signature file (FILE.sig). Verification also reads legacy pyFileSec signatures (bare
// base64 RSA PKCS#1 v1.5, SHA-256, SHA-1 or MD5), which filesec never makes. The file is hashed by
// the native engine in one streaming pass, off the main thread; the signature files are read and
// written here.
import { open, stat } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'

import { ArgumentError, FileError, KeyError, SignatureError, WrongKeyError, fromFs, nativeCall } from './errors'
import { runJob } from './jobs'
import { type Key, type KeyInput, loadKey } from './keys'
import {
  defaultTrustedComment,
  formatMinisig,
  looksLikeMinisig,
  MINISIG_EXTENSION,
  type Minisig,
  parseMinisig,
  trustedCommentProblem,
} from './minisign'
import { native } from './native'
import { checkKnownOptions, checkRunOptions, type Progress } from './options'
import type { PassphraseSource } from './passphrase'
import { assertOutputAbsent, statRegularFile, tempPathFor } from './paths'
import {
  checkPyFileSecSignatureSize,
  looksLikePyFileSecSignature,
  parsePyFileSecSignature,
  PYFILESEC_PKCS1V15,
  type PyFileSecDigest,
  pyFileSecWarnings,
} from './pyfilesec-signature'
import {
  formatRsaSignature,
  looksLikeRsaSignature,
  parseRsaSignature,
  RSA_PSS_SHA256,
  RSA_SIGNATURE_EXTENSION,
  type RsaSignature,
} from './rsa-signature'
import { sameBytes } from './constant-time'

/** 'ed25519': a minisign signature (Ed25519 over BLAKE2b-512); 'rsa-pss-sha256': filesec's RSA-PSS signature. */
export type SignatureAlgorithm = 'ed25519' | typeof RSA_PSS_SHA256

/**
 * What verify reads: the algorithms filesec signs with, and 'pyfilesec-pkcs1v15', a legacy
 * pyFileSec signature (bare base64 RSA PKCS#1 v1.5 over SHA-256, SHA-1 or MD5; verified, never made).
 */
export type VerifyAlgorithm = SignatureAlgorithm | typeof PYFILESEC_PKCS1V15

export type { PyFileSecDigest }

interface SignatureRunOptions {
  /** Cancels the operation; no signature file is written. */
  signal?: AbortSignal
  /** Called about every 100 ms while the file is hashed, and once at the end. */
  onProgress?: (progress: Progress) => void
}

export interface SignOptions extends SignatureRunOptions {
  /** The private key: Ed25519 (minisign signatures) or RSA (RSA-PSS). */
  key: KeyInput
  /** Passphrase of a protected private key. */
  keyPassphrase?: PassphraseSource
  /**
   * Where to write the signature (default FILE.minisig for Ed25519, FILE.sig for RSA); `false`
   * writes nothing and only returns the text.
   */
  output?: string | false
  /** Replace an existing signature file (default false). */
  overwrite?: boolean
  /** Ed25519 only: the signed trusted comment (default `timestamp:<unix>\tfile:<name>\thashed`). */
  trustedComment?: string
}

export interface SignResult {
  input: string
  /** The signature file written, or undefined with `output: false`. */
  output: string | undefined
  algorithm: SignatureAlgorithm
  /** The signature file's text. */
  signature: string
  /** The signing key's fingerprint (SHA-256 of its DER SubjectPublicKeyInfo, hex). */
  fingerprint: string
  /** Ed25519: the minisign key id in the signature. */
  keyId?: string
  /** Ed25519: the trusted comment in the signature. */
  trustedComment?: string
  /** Bytes of the signed file. */
  fileBytes: number
}

export interface VerifyOptions extends SignatureRunOptions {
  /** The signer's public key (a private key works too). */
  key: KeyInput
  /** Passphrase, when `key` is a protected private key. */
  keyPassphrase?: PassphraseSource
  /** The signature: its text, the bytes of a signature file, or `{ path }` of one. */
  signature: string | Buffer | { path: string }
}

export interface VerifyResult {
  /** True when the signature matches the file and the key (and its trusted comment is intact). */
  valid: boolean
  /**
   * Why it does not match: the signature names another key (key id or fingerprint) or is of
   * another kind than the key; the trusted comment was altered (or another key signed); the file
   * was modified (or another key signed).
   */
  reason?: 'key-mismatch' | 'comment-mismatch' | 'signature-mismatch'
  algorithm: VerifyAlgorithm
  input: string
  /** Ed25519: the key id the signature names. */
  keyId?: string
  /** RSA: the key fingerprint the signature names. */
  fingerprint?: string
  /** Ed25519: the trusted comment (authenticated only when `valid`). */
  trustedComment?: string
  /** Ed25519: the untrusted comment (never authenticated). */
  untrustedComment?: string
  /**
   * pyFileSec, when `valid`: the digest the signature was made with (tried in the order sha256,
   * sha1, md5; the signature does not record it).
   */
  digest?: PyFileSecDigest
  /** pyFileSec, when `valid` with SHA-1 or MD5: why such a signature is weak. */
  warnings?: string[]
  /** Bytes of the file read (0 when it did not need to be read). */
  fileBytes: number
}

const SIGN_OPTIONS = ['key', 'keyPassphrase', 'output', 'overwrite', 'trustedComment', 'signal', 'onProgress'] as const
const VERIFY_OPTIONS = ['key', 'keyPassphrase', 'signature', 'signal', 'onProgress'] as const
/** Far more than any signature file; a bigger "signature" is refused unread. */
const MAX_SIGNATURE_FILE_BYTES = 64 * 1024

function checkCommon(input: unknown, options: unknown, allowed: readonly string[], what: string): void {
  if (typeof input !== 'string' || input === '') throw new ArgumentError('the file to sign or verify must be a path')
  if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object')
  checkKnownOptions(options, allowed, what)
  checkRunOptions(options as SignatureRunOptions)
  if ((options as { key?: unknown }).key === undefined) throw new ArgumentError(`${what} needs a key`)
}

function refuseX25519(key: Key): void {
  if (key.kind === 'x25519') {
    throw new KeyError('FSEC_KEY_UNSUPPORTED', 'X25519 keys encrypt files; they cannot sign or verify (use an Ed25519 or RSA key)')
  }
}

async function loadSignatureKey(options: SignOptions | VerifyOptions): Promise<Key> {
  const key = await loadKey(options.key, options.keyPassphrase !== undefined ? { passphrase: options.keyPassphrase } : {})
  refuseX25519(key)
  return key
}

/** Signs `input` with a private Ed25519 or RSA key and writes the detached signature beside it. */
export async function signFile(input: string, options: SignOptions): Promise<SignResult> {
  checkCommon(input, options, SIGN_OPTIONS, 'sign')
  if (options.output !== undefined && options.output !== false && (typeof options.output !== 'string' || options.output === '')) {
    throw new ArgumentError('output must be a path, or false')
  }
  if (options.trustedComment !== undefined && typeof options.trustedComment !== 'string') {
    throw new ArgumentError('trustedComment must be a string')
  }
  const source = resolve(input)
  await statRegularFile(source)
  const key = await loadSignatureKey(options)
  if (!key.isPrivate) throw new WrongKeyError('FSEC_WRONG_KEY', 'a public key cannot sign: give the private key')
  const ed25519 = key.kind === 'ed25519'
  if (!ed25519 && options.trustedComment !== undefined) {
    throw new ArgumentError('a trusted comment goes in Ed25519 (minisign) signatures only')
  }
  let output: string | undefined
  if (options.output !== false) {
    output = resolve(options.output ?? `${source}${ed25519 ? MINISIG_EXTENSION : RSA_SIGNATURE_EXTENSION}`)
    if (output === source) throw new ArgumentError('the signature file must differ from the signed file')
    if (!options.overwrite) await assertOutputAbsent(output)
    // The folder must exist before the file is hashed, not only when the signature is written.
    const folder = dirname(output)
    await stat(folder).catch((e: unknown) => {
      throw fromFs(e, folder)
    })
  }
  let trustedComment: string | undefined
  if (ed25519) {
    trustedComment = options.trustedComment ?? defaultTrustedComment(basename(source), new Date())
    const problem = trustedCommentProblem(trustedComment)
    if (problem !== undefined) throw new ArgumentError(problem)
  }

  const signed = await runJob(
    (onProgress) =>
      native.signFile(
        key.native,
        {
          source,
          scheme: ed25519 ? 'minisign' : RSA_PSS_SHA256,
          trustedComment: trustedComment !== undefined ? Buffer.from(trustedComment, 'utf8') : null,
        },
        onProgress,
      ),
    options,
  )
  const text = ed25519
    ? formatMinisig({
        keyId: key.keyId!,
        signature: signed.signature,
        trustedComment: Buffer.from(trustedComment!, 'utf8'),
        commentSignature: signed.commentSignature!,
      })
    : formatRsaSignature(key.fingerprint, signed.signature)
  if (output !== undefined) {
    await nativeCall(native.writeNewFile(output, tempPathFor(output), Buffer.from(text, 'utf8'), options.overwrite === true))
  }
  return {
    input: source,
    output,
    algorithm: ed25519 ? 'ed25519' : RSA_PSS_SHA256,
    signature: text,
    fingerprint: key.fingerprint,
    ...(ed25519 ? { keyId: key.keyId!, trustedComment: trustedComment! } : {}),
    fileBytes: signed.fileBytes,
  }
}

async function readSignatureFile(path: string): Promise<Buffer> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (e) {
    throw fromFs(e, path)
  }
  try {
    const st = await handle.stat()
    if (!st.isFile()) throw new FileError('FSEC_NOT_A_FILE', `${path} is not a regular file`, { path })
    if (st.size > MAX_SIGNATURE_FILE_BYTES) {
      throw new SignatureError('FSEC_SIGNATURE_INVALID', `${path} is too large to be a signature file`)
    }
    return await handle.readFile()
  } catch (e) {
    throw e instanceof SignatureError || e instanceof FileError ? e : fromFs(e, path)
  } finally {
    await handle.close()
  }
}

async function signatureBytes(signature: VerifyOptions['signature'] | undefined): Promise<Buffer> {
  let bytes: Buffer
  if (signature === undefined) {
    throw new ArgumentError('verify needs the signature: its text, the bytes of a signature file, or { path }')
  } else if (typeof signature === 'string') {
    bytes = Buffer.from(signature, 'utf8')
  } else if (Buffer.isBuffer(signature)) {
    bytes = signature
  } else if (signature !== null && typeof signature === 'object' && typeof signature.path === 'string') {
    bytes = await readSignatureFile(resolve(signature.path))
  } else {
    throw new ArgumentError('signature must be the signature text, a Buffer, or { path }')
  }
  if (bytes.length > MAX_SIGNATURE_FILE_BYTES) throw new SignatureError('FSEC_SIGNATURE_INVALID', 'the signature is too large')
  return bytes
}

type ParsedSignature =
  | { kind: 'minisign'; minisig: Minisig }
  | { kind: 'rsa'; rsa: RsaSignature }
  | { kind: 'pyfilesec'; signature: Buffer }

function parseSignature(bytes: Buffer): ParsedSignature {
  if (looksLikeMinisig(bytes)) return { kind: 'minisign', minisig: parseMinisig(bytes) }
  if (looksLikeRsaSignature(bytes)) return { kind: 'rsa', rsa: parseRsaSignature(bytes) }
  if (looksLikePyFileSecSignature(bytes)) return { kind: 'pyfilesec', signature: parsePyFileSecSignature(bytes) }
  throw new SignatureError(
    'FSEC_SIGNATURE_INVALID',
    'not a signature: expected a minisign signature (.minisig), a filesec signature file (.sig) or a pyFileSec base64 signature; to read a signature file, pass { path }',
  )
}

function baseResult(parsed: ParsedSignature, source: string): Omit<VerifyResult, 'valid' | 'reason' | 'fileBytes'> {
  switch (parsed.kind) {
    case 'minisign':
      return {
        algorithm: 'ed25519',
        input: source,
        keyId: parsed.minisig.keyId,
        trustedComment: parsed.minisig.trustedComment.toString('utf8'),
        untrustedComment: parsed.minisig.untrustedComment,
      }
    case 'rsa':
      return { algorithm: RSA_PSS_SHA256, input: source, fingerprint: parsed.rsa.fingerprint }
    case 'pyfilesec':
      return { algorithm: PYFILESEC_PKCS1V15, input: source }
  }
}

/** Whether the key can have made the signature: the key id or fingerprint it names, or its kind. */
function namesKey(parsed: ParsedSignature, key: Key): boolean {
  switch (parsed.kind) {
    case 'minisign':
      return key.kind === 'ed25519' && key.keyId !== undefined && sameBytes(key.keyId, parsed.minisig.keyId)
    case 'rsa':
      return key.kind === 'rsa' && sameBytes(key.fingerprint, parsed.rsa.fingerprint)
    case 'pyfilesec':
      // It names no key: any RSA key may have made it.
      return key.kind === 'rsa'
  }
}

function nativeVerifyRequest(parsed: ParsedSignature, source: string): Parameters<typeof native.verifySignature>[1] {
  switch (parsed.kind) {
    case 'minisign':
      return {
        source,
        scheme: 'minisign',
        signature: parsed.minisig.signature,
        trustedComment: parsed.minisig.trustedComment,
        commentSignature: parsed.minisig.commentSignature,
      }
    case 'rsa':
      return { source, scheme: RSA_PSS_SHA256, signature: parsed.rsa.signature, trustedComment: null, commentSignature: null }
    case 'pyfilesec':
      return { source, scheme: PYFILESEC_PKCS1V15, signature: parsed.signature, trustedComment: null, commentSignature: null }
  }
}

/**
 * Verifies a detached signature of `input` and says why it does not match. Throws for a
 * malformed or unsupported signature (SignatureError), an unusable key (KeyError) or an
 * unreadable file; a well-formed signature that does not match gives `valid: false`.
 *
 * Reads minisign signatures, filesec's RSA signature files, and legacy pyFileSec signatures
 * (bare base64, RSA PKCS#1 v1.5; `digest` says which of SHA-256, SHA-1, MD5 matched, and
 * `warnings` why SHA-1 and MD5 are weak). A pyFileSec signature whose length is not the RSA key's
 * modulus size is refused as malformed (FSEC_SIGNATURE_INVALID).
 */
export async function verifyFileDetailed(input: string, options: VerifyOptions): Promise<VerifyResult> {
  checkCommon(input, options, VERIFY_OPTIONS, 'verify')
  const source = resolve(input)
  const parsed = parseSignature(await signatureBytes(options.signature))
  if (parsed.kind === 'minisign' && !parsed.minisig.prehashed) {
    throw new SignatureError(
      'FSEC_SIGNATURE_UNSUPPORTED',
      'a legacy (non-prehashed, "Ed") minisign signature needs the whole file in memory and is not supported: sign again with minisign 0.10 or later (without -l), or with filesec',
    )
  }
  await statRegularFile(source)
  const key = await loadSignatureKey(options)

  const base = baseResult(parsed, source)
  // A signature that names another key cannot match: say so without reading the file.
  if (!namesKey(parsed, key)) return { valid: false, reason: 'key-mismatch', ...base, fileBytes: 0 }
  // A pyFileSec signature is recognised as one of this key's only when it is its modulus size.
  if (parsed.kind === 'pyfilesec') checkPyFileSecSignatureSize(parsed.signature, key.bits)

  const request = nativeVerifyRequest(parsed, source)
  const verified = await runJob((onProgress) => native.verifySignature(key.native, request, onProgress), options)
  if (verified.verdict !== 'valid') return { valid: false, reason: verified.verdict, ...base, fileBytes: verified.fileBytes }
  if (parsed.kind !== 'pyfilesec') return { valid: true, ...base, fileBytes: verified.fileBytes }
  const digest = verified.digest!
  const warnings = pyFileSecWarnings(digest)
  return { valid: true, ...base, digest, ...(warnings.length > 0 ? { warnings } : {}), fileBytes: verified.fileBytes }
}

/**
 * True when the signature matches `input` and the key; false for a well-formed signature that
 * does not (modified file, wrong key, another key id, altered trusted comment). Throws as
 * verifyFileDetailed.
 */
export async function verifyFile(input: string, options: VerifyOptions): Promise<boolean> {
  return (await verifyFileDetailed(input, options)).valid
}

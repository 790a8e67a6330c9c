// The legacy pyFileSec reader: a decrypt-only codec for the `.enc` archives of pyFileSec 0.2.x
// (gzip'd tar: `N.aes256` = base64 `openssl enc -aes-256-cbc -salt` text, `N.aes256.pwdrsa` =
// RSA-OAEP-SHA-1 wrapped password, `N.meta` = JSON history). Format: ../shared/vectors/pyfilesec/
// FORMAT.md; docs/CODECS.md "The pyFileSec codec (read only)".
//
// Decryption: the archive is read twice, in memory-bounded streaming passes (lib/codecs/
// pyfilesec-archive.ts). The first pass checks the whole container and keeps the small members,
// writing nothing, so a malformed archive leaves no file behind. The second copies the ciphertext
// member (base64 text: ciphertext only) into a 0600 temporary file beside the output. The native
// job (src/core/legacy_cbc.h) then unwraps the password, checks the recorded checksum / HMAC,
// picks the key derivation, and decrypts to another temporary file renamed into place only when
// the decryption ended with valid padding. The password never reaches JS. The copy is removed
// whatever happens.
//
// pyFileSec had no MAC: `integrity` in the result says what could be checked, and a warning says
// that the format is unauthenticated.
import { createWriteStream } from 'node:fs'
import { lstat } from 'node:fs/promises'
import { dirname, extname, join, resolve } from 'node:path'

import type { PyfilesecDecryptOutput } from '../../binding'
import { checkIdentityOptions, type DecryptOptions, type DecryptResult, type IdentityOptions, refuseUnsafeOutput } from '../decrypt'
import { ArgumentError, fromFs, HeaderError, SourceChangedError } from '../errors'
import type { InspectOptions, InspectWithMetadataResult } from '../inspect'
import { intermediatePathFor, removeIntermediate } from '../intermediate'
import { runJob } from '../jobs'
import { type Key, loadIdentities } from '../keys'
import { native } from '../native'
import { checkKnownOptions, checkRunOptions } from '../options'
import { assertOutputAbsent, statRegularFile, tempPathFor } from '../paths'
import type { Codec } from './codec'
import { type ArchiveContents, type ArchiveMember, looksLikePyfilesecArchive, readArchive } from './pyfilesec-archive'
import { type KdfDigest, parsePyfilesecMeta, type PyfilesecMeta } from './pyfilesec-meta'
import { sameBytes } from '../constant-time'

export type { PyfilesecEvent, KdfDigest } from './pyfilesec-meta'
export type { ArchiveMember } from './pyfilesec-archive'

export const PYFILESEC_EXTENSION = '.enc'

/**
 * How far a pyFileSec ciphertext could be checked (the format has no MAC):
 * - 'hmac-ok': the HMAC recorded at encryption matches under the caller's HMAC key;
 * - 'checksum-ok': the recorded "hash of cipher_text" matches (it is clear text: it catches
 *   damage, not a forger who rewrites the metadata too);
 * - 'checksum-mismatch': it does not match, and the caller allowed it (allowChecksumMismatch);
 * - 'unverified': nothing was recorded to check against.
 */
export type LegacyIntegrity = 'checksum-ok' | 'checksum-mismatch' | 'hmac-ok' | 'unverified'

/** What decryption (and inspection) learn of a pyFileSec archive. */
export interface PyfilesecInfo {
  /** Members in stored order. */
  members: ArchiveMember[]
  /** The name pyFileSec gives the decrypted file: the ciphertext member's name minus `.aes256`. */
  outputName: string
  /** The newest event's `openssl version`, when recorded. */
  openssl: string | null
  /** The key-derivation digest that version implies (null: no usable hint). */
  digestHint: KdfDigest | null
  /** Whether the metadata records a "hash of cipher_text" / an HMAC. */
  hasChecksum: boolean
  hasHmac: boolean
  /** Bits of the RSA key the password is wrapped for (from the wrapped member's size). */
  rsaBits: number
}

/** Decryption only: how the key derivation was chosen. */
export interface PyfilesecKdf {
  digest: KdfDigest
  /** 'metadata': the recorded OpenSSL version's digest worked; 'probe': it was found by trying. */
  chosenBy: 'metadata' | 'probe'
  /** Both digests gave valid final padding: the choice rests on the documented order. */
  ambiguous: boolean
}

const DECRYPT_OPTIONS = [
  'identity', 'identityPassphrase', 'output', 'overwrite', 'allowUnsafeOutput', 'allowChecksumMismatch', 'hmacKey',
  'signal', 'onProgress', 'threads', 'durable',
] as const
const INSPECT_OPTIONS = ['identity', 'identityPassphrase'] as const

export const UNAUTHENTICATED_WARNING =
  'pyFileSec archives are not authenticated (no MAC): a changed ciphertext can decrypt to corrupted plaintext without any error'

/** The plaintext name pyFileSec derives from the ciphertext member. */
export function outputNameOf(ciphertext: ArchiveMember): string {
  const name = ciphertext.name.slice(0, -'.aes256'.length)
  if (name === '' || name === '.' || name === '..') throw new HeaderError('FSEC_HEADER_INVALID', 'pyFileSec archive: the ciphertext member has no file name before .aes256')
  return name
}

/** pyFileSec's _uniq_file: `name_1.ext`, `name_2.ext`, … until the name is free. */
async function uniquePath(dir: string, name: string): Promise<string> {
  const ext = extname(name)
  const base = name.slice(0, name.length - ext.length)
  for (let i = 0; i < 10000; i++) {
    const candidate = join(dir, i === 0 ? name : `${base}_${i}${ext}`)
    try {
      await lstat(candidate)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return candidate
      throw fromFs(e, candidate)
    }
  }
  throw new ArgumentError(`no free name for ${name} in ${dir}: give an output path`)
}

export function describe(members: ArchiveMember[], ciphertext: ArchiveMember, wrapped: Buffer, meta: ReturnType<typeof parsePyfilesecMeta>): PyfilesecInfo {
  return {
    members,
    outputName: outputNameOf(ciphertext),
    openssl: meta.openssl,
    digestHint: meta.digestHint,
    hasChecksum: meta.cipherTextSha256 !== null,
    hasHmac: meta.hmac !== null,
    rsaBits: wrapped.length * 8,
  }
}

/**
 * Pass 2: writes the ciphertext member to a new 0600 file (created exclusively; ciphertext text
 * only), resolving when it is flushed, and checks the archive still holds what pass 1 (`first`)
 * read: SourceChangedError otherwise.
 */
export async function copyCiphertext(source: string, copy: string, first: ArchiveContents, signal: AbortSignal | undefined): Promise<void> {
  const out = createWriteStream(copy, { flags: 'wx', mode: 0o600 })
  const opened = new Promise<void>((res, rej) => {
    out.once('open', () => res())
    out.once('error', rej)
  })
  await opened.catch((e: unknown) => {
    throw fromFs(e, copy)
  })
  let second: ArchiveContents
  try {
    second = await readArchive(source, out, signal)
  } catch (e) {
    // The archive's own errors are FilesecErrors already; a raw fs error is the copy's write.
    throw fromFs(e, copy)
  } finally {
    await new Promise<void>((res) => out.end(() => res()))
  }
  if (
    second.ciphertext.size !== first.ciphertext.size ||
    !sameBytes(second.wrappedPassword, first.wrappedPassword) ||
    !sameBytes(second.metadata, first.metadata)
  ) {
    throw new SourceChangedError('FSEC_SOURCE_CHANGED', `${source} changed while it was being read`, { path: source })
  }
}

/** The caller's identities for an archive: at least one must be an RSA private key. */
export async function archiveIdentities(options: IdentityOptions): Promise<Key[]> {
  const identities = await loadIdentities(
    options.identity!,
    options.identityPassphrase !== undefined ? { passphrase: options.identityPassphrase } : {},
  )
  if (!identities.some((k) => k.kind === 'rsa')) {
    throw new ArgumentError('pyFileSec archives are opened with an RSA private key; none was given')
  }
  return identities
}

/** The caller's HMAC key, and a warning when the archive records no HMAC to check it against. */
export function hmacKeyFor(options: { hmacKey?: Buffer | string }, meta: PyfilesecMeta, warnings: string[]): Buffer | null {
  const hmacKey = options.hmacKey === undefined ? null : Buffer.from(options.hmacKey)
  if (hmacKey !== null && meta.hmac === null) warnings.push('an HMAC key was given but the archive records no HMAC: not checked')
  return hmacKey
}

/** The options common to decryption and migration, checked. */
export function checkLegacyOptions(options: { allowChecksumMismatch?: unknown; overwrite?: unknown; hmacKey?: unknown }): void {
  for (const k of ['allowChecksumMismatch', 'overwrite'] as const) {
    if (options[k] !== undefined && typeof options[k] !== 'boolean') throw new ArgumentError(`${k} must be a boolean`)
  }
  const h = options.hmacKey
  if (h !== undefined && ((typeof h !== 'string' && !Buffer.isBuffer(h)) || h.length === 0)) {
    throw new ArgumentError('hmacKey must be a non-empty string or Buffer')
  }
}

/** The digests to try, in order: the recorded version's first; with no hint SHA-256 (OpenSSL >= 1.1.0) then MD5. */
export function digestOrder(meta: PyfilesecMeta): KdfDigest[] {
  return meta.digestHint === 'md5' ? ['md5', 'sha256'] : ['sha256', 'md5']
}

/** Integrity and key derivation from the native result; appends their warnings. */
export function legacyOutcome(
  result: PyfilesecDecryptOutput,
  meta: PyfilesecMeta,
  warnings: string[],
): { integrity: LegacyIntegrity; kdf: PyfilesecKdf } {
  const integrity: LegacyIntegrity =
    result.hmac === 'ok' ? 'hmac-ok' : result.checksum === 'ok' ? 'checksum-ok' : result.checksum === 'mismatch' ? 'checksum-mismatch' : 'unverified'
  if (integrity === 'checksum-mismatch') {
    warnings.push('the ciphertext does not match the "hash of cipher_text" in the metadata: the plaintext may be corrupted')
  } else if (integrity === 'unverified') {
    warnings.push('the archive records no checksum or HMAC: the plaintext could not be checked at all')
  }
  const kdf: PyfilesecKdf = {
    digest: result.digest,
    chosenBy: meta.digestHint !== null && result.digestIndex === 0 ? 'metadata' : 'probe',
    ambiguous: result.ambiguous,
  }
  if (meta.digestHint !== null && result.digestIndex !== 0) {
    warnings.push(`the metadata names ${meta.openssl}, but the archive's key derivation is ${result.digest} (found by probing)`)
  }
  if (result.ambiguous) {
    warnings.push(
      `both key derivations (sha256, md5) gave valid final padding; ${result.digest} was used (${kdf.chosenBy === 'metadata' ? 'the metadata hint' : 'the documented order'}): check the output`,
    )
  }
  return { integrity, kdf }
}

export async function decryptPyfilesecFile(input: string, options: DecryptOptions): Promise<DecryptResult> {
  checkKnownOptions(options, DECRYPT_OPTIONS, 'pyFileSec decrypt')
  if ((options as { passphrase?: unknown }).passphrase !== undefined) {
    throw new ArgumentError('pyFileSec archives are opened with an RSA private key (identity), not a passphrase')
  }
  checkIdentityOptions(options)
  checkRunOptions(options)
  if (options.allowUnsafeOutput !== undefined && typeof options.allowUnsafeOutput !== 'boolean') {
    throw new ArgumentError('allowUnsafeOutput must be a boolean')
  }
  checkLegacyOptions(options)
  const source = resolve(input)
  await statRegularFile(source)

  // Pass 1: the whole container is checked and nothing is written.
  const first = await readArchive(source, null, options.signal)
  const meta = parsePyfilesecMeta(first.metadata)
  const info = describe(first.members, first.ciphertext, first.wrappedPassword, meta)
  const output = options.output !== undefined ? resolve(options.output) : await uniquePath(dirname(source), info.outputName)
  if (output === source) throw new ArgumentError('the output must differ from the input')
  if (!options.overwrite) await assertOutputAbsent(output)
  if (options.allowUnsafeOutput !== true) await refuseUnsafeOutput(output)
  const identities = await archiveIdentities(options)

  const warnings = [UNAUTHENTICATED_WARNING, ...meta.warnings]
  const digests = digestOrder(meta)
  const hmacKey = hmacKeyFor(options, meta, warnings)

  // Pass 2: the ciphertext text into a 0600 copy beside the output (no plaintext).
  const copy = intermediatePathFor(output)
  let result: PyfilesecDecryptOutput
  try {
    await copyCiphertext(source, copy, first, options.signal)
    result = await runJob(
      (onProgress) =>
        native.pyfilesec.decryptFile(
          identities.map((k) => k.native),
          first.wrappedPassword,
          {
            source: copy,
            digests,
            expectedSha256: meta.cipherTextSha256,
            allowChecksumMismatch: options.allowChecksumMismatch === true,
            hmacKey: meta.hmac !== null ? hmacKey : null,
            expectedHmac: hmacKey !== null ? meta.hmac : null,
            output,
            tempPath: tempPathFor(output),
            overwrite: options.overwrite === true,
            durable: options.durable !== false,
          },
          onProgress,
        ),
      options,
    )
  } finally {
    hmacKey?.fill(0)
    await removeIntermediate(copy)
  }

  const { integrity, kdf } = legacyOutcome(result, meta, warnings)
  return {
    input: source,
    output,
    plaintextBytes: result.plaintextBytes,
    metadata: { v: 1, name: info.outputName, size: result.plaintextBytes, padding: 0 },
    integrity,
    warnings,
    history: meta.history,
    pyfilesec: { ...info, kdf },
  }
}

export async function inspectPyfilesecFile(file: string, options?: InspectOptions): Promise<InspectWithMetadataResult> {
  const path = resolve(file)
  if (options !== undefined) {
    if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object')
    checkKnownOptions(options, INSPECT_OPTIONS, 'pyFileSec inspect')
  }
  const st = await statRegularFile(path)
  const contents = await readArchive(path, null)
  const meta = parsePyfilesecMeta(contents.metadata)
  const info = describe(contents.members, contents.ciphertext, contents.wrappedPassword, meta)
  return {
    path,
    codec: 'pyfilesec',
    formatVersion: 0,
    payload: 'AES-256-CBC (openssl enc, EVP_BytesToKey), base64; unauthenticated',
    fileId: '',
    headerSize: 0,
    fileSize: st.size,
    sealedMetadataSize: 0,
    passphrase: false,
    recipients: [{ type: 'rsa-oaep-sha1', rsaBits: info.rsaBits }],
    history: meta.history,
    warnings: [UNAUTHENTICATED_WARNING, ...meta.warnings],
    pyfilesec: info,
  }
}

export const pyfilesecCodec: Codec = {
  name: 'pyfilesec',
  description: 'pyFileSec 0.2 .enc archives (read only): RSA-OAEP-SHA-1 wrapped password, AES-256-CBC, no MAC',
  extension: PYFILESEC_EXTENSION,
  matches: looksLikePyfilesecArchive,
  decryptFile: decryptPyfilesecFile,
  inspect: inspectPyfilesecFile,
}

// migrateFile: a legacy pyFileSec `.enc` archive to a .fsec file in one native streaming pass.
//
// 1. The archive is read twice as for decryption (lib/codecs/pyfilesec-codec.ts): a checking pass
//    that writes nothing, then a copy of the ciphertext member (base64 text: ciphertext only) into
//    a 0600 temporary file beside the output, removed whatever happens.
// 2. A native probe (src/core/legacy_cbc.h probe_archive) unwraps the session password, checks the
//    recorded checksum / HMAC and decrypts only the last AES block: that gives the plaintext size
//    to seal in the .fsec metadata. Nothing is written.
// 3. The .fsec header is sealed (sealHeader) with the metadata: the pyFileSec plaintext name, the
//    size, and the legacy history (`legacy`, docs/API.md).
// 4. One native job (legacy_cbc.h migrate_file) checks again, decrypts the AES-256-CBC stream and
//    feeds the plaintext straight into the .fsec sealer: header and sealed payload go to a 0600
//    temporary file, synced and renamed into place only when the legacy padding check passed and
//    the size is the probed one. Plaintext exists only in native buffers, wiped.
// 5. With destroyOld, the output is read back and every chunk authenticated (verifyPayload), and
//    only then is the old archive destroyed (destroyFile). Otherwise the archive is kept.
import { rm } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'

import type { PyfilesecDecryptOutput } from '../binding'
import {
  checkLegacyOptions,
  archiveIdentities,
  copyCiphertext,
  hmacKeyFor,
  describe,
  digestOrder,
  type LegacyIntegrity,
  legacyOutcome,
  type PyfilesecKdf,
  UNAUTHENTICATED_WARNING,
} from './codecs/pyfilesec-codec'
import { readArchive } from './codecs/pyfilesec-archive'
import { parsePyfilesecMeta, type PyfilesecEvent } from './codecs/pyfilesec-meta'
import { type DestroyOptions, type DestroyReport, patternsFor } from './destroy'
import { ArgumentError } from './errors'
import { parseHeader, recipientsOf, type RecipientInfo } from './fsec'
import { checkRecipientOptions, checkDestroyable, destroyReplacedSource, PhasedProgress, type RecipientOptions, sealHeader } from './encrypt'
import { intermediatePathFor, removeIntermediate } from './intermediate'
import { runJob } from './jobs'
import type { KeyInput } from './keys'
import { encodeWithLegacy, type FileMetadata, METADATA_VERSION, validateMetadataOptions } from './metadata'
import { native, type PayloadKey } from './native'
import { checkKnownOptions, checkRunOptions, type RunOptions } from './options'
import { checkPadOption, type PadOption, paddingFor } from './padding'
import type { PassphraseSource } from './passphrase'
import { assertOutputAbsent, ENCRYPTED_EXTENSION, statRegularFile, tempPathFor } from './paths'
import { verifyPayload } from './verify'

export interface MigrateOptions extends RecipientOptions, RunOptions {
  /** The RSA private key(s) that open the legacy archive. */
  identity: KeyInput | KeyInput[]
  /** Passphrase of the identity files, when they are protected. */
  identityPassphrase?: PassphraseSource
  /** Output path (default: the pyFileSec plaintext name + `.fsec`, beside the archive). */
  output?: string
  /** Replace an existing output file (default false). */
  overwrite?: boolean
  /**
   * Destroy the old archive (destroyFile) once the .fsec file has been written, synced and read
   * back with every chunk authenticated (default false: the archive is kept).
   */
  destroyOld?: boolean
  /** Passes of that destroy (destroyFile's `passes`; default 3). */
  destroyPasses?: DestroyOptions['passes']
  /** Migrate even when the ciphertext does not match the checksum recorded in the archive (default false). */
  allowChecksumMismatch?: boolean
  /** pyFileSec's HMAC key: when given and the archive records an HMAC, it must match. */
  hmacKey?: string | Buffer
  /** Hide the exact size in the .fsec file (as encryptFile's pad). */
  pad?: PadOption
  /** A note sealed in the new metadata. */
  note?: string
}

export interface MigrateResult {
  input: string
  output: string
  plaintextBytes: number
  encryptedBytes: number
  recipients: RecipientInfo[]
  /** How far the legacy ciphertext could be checked (the format had no MAC). */
  integrity: LegacyIntegrity
  kdf: PyfilesecKdf
  warnings: string[]
  /** The legacy history as read (the sealed copy may have dropped the oldest events: see historyDropped). */
  history: PyfilesecEvent[]
  /** Legacy events left out of the sealed metadata to keep it within 64 KiB. */
  historyDropped: number
  oldArchive: 'kept' | 'destroyed'
  destroyReport?: DestroyReport
}

const MIGRATE_OPTIONS = [
  'to', 'passphrase', 'workFactor', 'keyPassphrase', 'identity', 'identityPassphrase', 'output', 'overwrite',
  'destroyOld', 'destroyPasses', 'allowChecksumMismatch', 'hmacKey', 'pad', 'note',
  'signal', 'onProgress', 'threads', 'durable',
] as const

/** The default output: the plaintext name pyFileSec would give, + `.fsec`, beside the archive. */
export function defaultMigratedPath(archive: string, outputName: string): string {
  return join(dirname(resolve(archive)), outputName + ENCRYPTED_EXTENSION)
}

export async function migrateFile(archive: string, options: MigrateOptions): Promise<MigrateResult> {
  if (typeof archive !== 'string' || archive === '') throw new ArgumentError('archive must be a path')
  if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object')
  checkKnownOptions(options, MIGRATE_OPTIONS, 'migrate')
  checkRecipientOptions(options)
  // `passphrase` here is the new file's (a recipient option); the archive opens with `identity` only.
  if (options.identity === undefined || (Array.isArray(options.identity) && options.identity.length === 0)) {
    throw new ArgumentError('give the RSA private key that opens the archive (identity)')
  }
  checkRunOptions(options)
  checkLegacyOptions(options)
  checkPadOption(options.pad)
  validateMetadataOptions(options)
  if (options.destroyOld !== undefined && typeof options.destroyOld !== 'boolean') throw new ArgumentError('destroyOld must be a boolean')
  const destroyOld = options.destroyOld === true
  if (options.destroyPasses !== undefined) {
    if (!destroyOld) throw new ArgumentError('destroyPasses applies only with destroyOld: true')
    patternsFor(options.destroyPasses)
  }
  if (destroyOld && options.durable === false) {
    throw new ArgumentError('durable: false cannot go with destroyOld (the archive is destroyed only once the .fsec file is on disk)')
  }
  const source = resolve(archive)
  const st = await statRegularFile(source)
  if (destroyOld) await checkDestroyable(source)

  // Pass 1: the whole container is checked and nothing is written.
  const first = await readArchive(source, null, options.signal)
  const meta = parsePyfilesecMeta(first.metadata)
  const info = describe(first.members, first.ciphertext, first.wrappedPassword, meta)
  const output = options.output !== undefined ? resolve(options.output) : defaultMigratedPath(source, info.outputName)
  if (output === source) throw new ArgumentError('the output must differ from the input')
  if (!options.overwrite) await assertOutputAbsent(output)
  const identities = await archiveIdentities(options)
  const warnings = [...meta.warnings]
  const hmacKey = hmacKeyFor(options, meta, warnings)

  // Progress in units of the member text: copy (not reported), probe, migrate (twice: check and
  // decrypt), verify, destroy.
  const text = first.ciphertext.size
  const destroyBytes = destroyOld ? st.size * patternsFor(options.destroyPasses).length : 0
  const progress = new PhasedProgress(options.onProgress, text + 2 * text + (destroyOld ? text : 0) + destroyBytes)

  const copy = intermediatePathFor(output)
  let result: PyfilesecDecryptOutput & { fileBytes: number }
  let plaintextBytes: number
  let padding: number
  let header: Buffer
  let payloadKey: PayloadKey | undefined
  let historyDropped: number
  try {
    // Pass 2: the ciphertext text into a 0600 copy beside the output (no plaintext).
    await copyCiphertext(source, copy, first, options.signal)
    const check = {
      source: copy,
      digests: digestOrder(meta),
      expectedSha256: meta.cipherTextSha256,
      allowChecksumMismatch: options.allowChecksumMismatch === true,
      hmacKey: meta.hmac !== null ? hmacKey : null,
      expectedHmac: hmacKey !== null ? meta.hmac : null,
    }
    const probed = await runJob(
      (onProgress) => native.pyfilesec.probe(identities.map((k) => k.native), first.wrappedPassword, check, onProgress),
      { ...options, onProgress: progress.scaledPhase('check', text) },
    )
    plaintextBytes = probed.plaintextBytes
    padding = paddingFor(plaintextBytes, options.pad)
    const { integrity } = legacyOutcome(probed, meta, [])
    const m: FileMetadata = { v: METADATA_VERSION, name: info.outputName, size: plaintextBytes + padding, padding }
    if (options.note !== undefined) m.note = options.note
    const metadata = encodeWithLegacy(m, {
      format: 'pyfilesec',
      migrated: new Date().toISOString(),
      integrity,
      history: meta.history.map((e) => ({ label: e.label, date: e.date, fields: e.fields })),
    })
    historyDropped = (JSON.parse(metadata.toString('utf8')) as { legacy: { historyDropped?: number } }).legacy.historyDropped ?? 0
    ;({ header, payloadKey } = await sealHeader(options, metadata))
    result = await runJob(
      (onProgress) =>
        native.pyfilesec.migrateFile(
          identities.map((k) => k.native),
          first.wrappedPassword,
          {
            ...check,
            output,
            tempPath: tempPathFor(output),
            overwrite: options.overwrite === true,
            durable: options.durable !== false,
            expectedSize: plaintextBytes,
            padding,
          },
          payloadKey!,
          header,
          onProgress,
        ),
      { ...options, onProgress: progress.scaledPhase('migrate', 2 * text) },
    )
  } catch (e) {
    payloadKey?.destroy()
    throw e
  } finally {
    hmacKey?.fill(0)
    await removeIntermediate(copy)
  }

  try {
    if (destroyOld) {
      try {
        await verifyPayload(output, payloadKey!, header.length, plaintextBytes + padding, {
          ...options,
          onProgress: progress.scaledPhase('verify', text),
        }, padding)
      } catch (e) {
        await rm(output, { force: true })
        throw e
      }
    }
  } finally {
    payloadKey!.destroy()
  }

  const { integrity, kdf } = legacyOutcome(result, meta, warnings)
  warnings.unshift(UNAUTHENTICATED_WARNING)
  if (historyDropped > 0) warnings.push(`${historyDropped} oldest legacy history events did not fit in the sealed metadata (64 KiB) and were left out`)
  const migrated: MigrateResult = {
    input: source,
    output,
    plaintextBytes: result.plaintextBytes,
    encryptedBytes: result.fileBytes,
    recipients: recipientsOf(parseHeader(header)),
    integrity,
    kdf,
    warnings,
    history: meta.history,
    historyDropped,
    oldArchive: 'kept',
  }
  if (!destroyOld) return migrated
  const report = await destroyReplacedSource(
    source,
    st,
    `${source} was migrated to ${output} (written, synced and verified)`,
    'the old archive',
    options,
    progress.phase('destroy', destroyBytes),
  )
  migrated.destroyReport = report
  migrated.oldArchive = 'destroyed'
  migrated.warnings.push(...report.warnings)
  return migrated
}


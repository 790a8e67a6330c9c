// encryptFile: a file to a .fsec file, entirely in the native engine off the main thread. By
// default the plaintext is then destroyed, but only after the encrypted file has been written,
// synced and read back with every chunk authenticated (pyFileSec's safe default, done safely).
import type { Stats } from 'node:fs'
import { lstat, rm } from 'node:fs/promises'
import { resolve } from 'node:path'

import { armorFile, dearmorFile } from './armor'
import { sameBytes } from './constant-time'
import { destroyFile, type DestroyOptions, type DestroyReport, patternsFor } from './destroy'
import { ArgumentError, DestroyAbortedError, DestroyError, fromFs, HeaderTamperedError, nativeCall, SourceChangedError } from './errors'
import { parseHeader, recipientsOf, type RecipientInfo } from './fsec'
import { intermediatePathFor, removeIntermediate } from './intermediate'
import { runJob } from './jobs'
import { type KeyInput, loadKeys } from './keys'
import { removeAbandonedTemporaries } from './leftovers'
import { encodeMetadata, type MetadataOptions, metadataForFile, validateMetadataOptions } from './metadata'
import { native, type PayloadKey } from './native'
import { checkPadOption, type PadOption, paddingFor } from './padding'
import {
  checkKnownOptions,
  checkRunOptions,
  DEFAULT_WORK_FACTOR,
  defaultThreads,
  MAX_WORK_FACTOR,
  type Progress,
  type RunOptions,
} from './options'
import { type PassphraseSource, withPassphrase } from './passphrase'
import { assertOutputAbsent, defaultEncryptedPath, statRegularFile, tempPathFor } from './paths'
import { verifyPayload } from './verify'

export interface RecipientOptions {
  /** Public (or private) keys to encrypt to; each one alone can decrypt. */
  to?: KeyInput | KeyInput[]
  /** Encrypt to a passphrase instead (then the only recipient). */
  passphrase?: PassphraseSource
  /** scrypt work factor log2(N) for a passphrase (default 18, at most 22). */
  workFactor?: number
  /** Passphrase of private keys given in `to` (their public half is used). */
  keyPassphrase?: PassphraseSource
}

export interface EncryptOptions extends RecipientOptions, MetadataOptions, RunOptions {
  /** The format to write: a registered codec's name (default 'fsec'; see listCodecs()). */
  codec?: string
  /** Output path (default: the input path + `.fsec`). */
  output?: string
  /** Replace an existing output file (default false). */
  overwrite?: boolean
  /**
   * Keep the plaintext (default false: once the encrypted file has been written, synced and
   * verified end to end, the plaintext is destroyed with destroyFile).
   */
  keep?: boolean
  /** Passes of that destroy (destroyFile's `passes`; default 3). */
  destroyPasses?: DestroyOptions['passes']
  /**
   * Hide the exact size: append zero bytes inside the encryption, up to the Padmé length
   * ('padme') or the next multiple of N bytes (N). Removed on decryption. Default false.
   */
  pad?: PadOption
  /**
   * Write the ASCII-armored (PEM) form, as `age -a` does: codec 'age' only (default false). The
   * output name stays FILE.age.
   */
  armor?: boolean
}

export interface EncryptResult {
  input: string
  output: string
  plaintextBytes: number
  encryptedBytes: number
  recipients: RecipientInfo[]
  /** What became of the plaintext file. */
  plaintext: 'kept' | 'destroyed'
  /** The destroy report, when the plaintext was destroyed. */
  destroyReport?: DestroyReport
  /** Plain-words warnings (other hard links, the destroy's own warnings). */
  warnings: string[]
}

const ENCRYPT_OPTIONS = [
  'to', 'passphrase', 'workFactor', 'keyPassphrase', 'output', 'overwrite', 'keep', 'destroyPasses',
  'note', 'storeName', 'storeTimes',
  'signal', 'onProgress', 'threads', 'durable', 'pad', 'armor',
] as const

export function checkRecipientOptions(o: RecipientOptions): void {
  const hasKeys = o.to !== undefined && !(Array.isArray(o.to) && o.to.length === 0)
  if (hasKeys === (o.passphrase !== undefined)) {
    throw new ArgumentError('give recipients (to) or a passphrase, exactly one of them')
  }
  if (o.workFactor !== undefined) {
    if (o.passphrase === undefined) throw new ArgumentError('workFactor applies to passphrase encryption only')
    if (!Number.isInteger(o.workFactor) || o.workFactor < 10 || o.workFactor > MAX_WORK_FACTOR) {
      throw new ArgumentError(`workFactor must be an integer from 10 to ${MAX_WORK_FACTOR}`)
    }
  }
}

/** Builds a header for the recipients or passphrase; returns it with the payload key. */
export async function sealHeader(o: RecipientOptions, metadata: Buffer) {
  if (o.passphrase !== undefined) {
    return withPassphrase(o.passphrase, 'passphrase', (pass) =>
      nativeCall(native.fsec.seal([], pass, o.workFactor ?? DEFAULT_WORK_FACTOR, metadata)),
    )
  }
  // Private keys are accepted too: their public half is used.
  const keys = await loadKeys(o.to!, o.keyPassphrase !== undefined ? { passphrase: o.keyPassphrase } : {})
  return nativeCall(native.fsec.seal(keys.map((k) => k.native), null, 0, metadata))
}

export async function encryptFile(input: string, options: EncryptOptions): Promise<EncryptResult> {
  if (typeof input !== 'string' || input === '') throw new ArgumentError('input must be a path')
  if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object')
  checkKnownOptions(options, ENCRYPT_OPTIONS, 'encrypt')
  checkRecipientOptions(options)
  checkRunOptions(options)
  validateMetadataOptions(options)
  checkPadOption(options.pad)
  if (options.armor !== undefined && options.armor !== false) {
    throw new ArgumentError("armor (ASCII armor) is an age format feature: use codec: 'age' with armor: true")
  }
  const keep = checkKeepOptions(options)
  const source = resolve(input)
  const output = options.output !== undefined ? resolve(options.output) : defaultEncryptedPath(source)
  if (output === source) throw new ArgumentError('the output must differ from the input')

  const st = await statRegularFile(source)
  if (!keep) await checkDestroyable(source)
  if (!options.overwrite) await assertOutputAbsent(output)

  const padding = paddingFor(st.size, options.pad)
  const metadata = encodeMetadata({ ...metadataForFile(source, st, options), size: st.size + padding, padding })
  const { header, payloadKey } = await sealHeader(options, metadata)
  return writeEncryptedFile({ source, st, output, header, payloadKey, padding, keep, options }, () =>
    recipientsOf(parseHeader(header)),
  )
}

/** What writeEncryptedFile needs: a sealed header and its payload key, for one input file. */
export interface EncryptionJob {
  source: string
  st: Stats
  output: string
  header: Buffer
  /** Destroyed here, whatever happens. */
  payloadKey: PayloadKey
  /** Zero bytes appended to the plaintext inside the encryption (0 for codecs without padding). */
  padding: number
  keep: boolean
  options: EncryptOptions
  /**
   * Write the output ASCII-armored (age's PEM armor; only the age codec sets this). The native
   * job then writes the binary file to a temporary name beside the output, an armoring pass
   * writes the output from it, and verification de-armors the output as written.
   */
  armor?: boolean
}

/**
 * The part of encryption every codec shares: the native file job (header, then the payload),
 * then, unless `keep`, reading the output back to authenticate every chunk and destroying the
 * plaintext; one progress scale over the steps. An output that fails verification (or is
 * cancelled before it is verified) is removed and the plaintext stays. With `armor`, the binary
 * file goes to a temporary name (ciphertext only, 0600, always removed) and is armored into the
 * output; verification then covers the armored file as written (de-armored, then authenticated).
 */
export async function writeEncryptedFile(job: EncryptionJob, recipients: () => RecipientInfo[]): Promise<EncryptResult> {
  const { source, st, output, header, payloadKey, padding, keep, options } = job
  const armor = job.armor === true
  const payloadPlaintext = st.size + padding
  const destroyBytes = keep ? 0 : st.size * patternsFor(options.destroyPasses).length
  // Weights in plaintext bytes: encrypt, [armor], [de-armor,] verify, destroy.
  const armorSteps = armor ? payloadPlaintext + (keep ? 0 : st.size) : 0
  const progress = new PhasedProgress(options.onProgress, payloadPlaintext + armorSteps + (keep ? 0 : st.size) + destroyBytes)
  const binary = armor ? intermediatePathFor(output) : output
  await removeAbandonedTemporaries(output)
  let encrypted
  let fileBytes: number
  try {
    try {
      encrypted = await runJob(
        (onProgress) =>
          native.encryptFile(
            payloadKey,
            header,
            {
              source,
              expectedSize: st.size,
              padding,
              output: binary,
              tempPath: tempPathFor(binary),
              // The binary file of an armored output is a fresh temporary name, read back at once.
              overwrite: armor ? false : options.overwrite === true,
              durable: armor ? false : options.durable !== false,
              threads: options.threads ?? defaultThreads(),
            },
            onProgress,
          ),
        { ...options, onProgress: progress.phase('encrypt', payloadPlaintext) },
      )
      fileBytes = armor
        ? await armorFile(
            binary,
            {
              output,
              tempPath: tempPathFor(output),
              overwrite: options.overwrite === true,
              durable: options.durable !== false,
            },
            { ...options, onProgress: progress.scaledPhase('armor', payloadPlaintext) },
          )
        : encrypted.fileBytes
    } finally {
      if (armor) await removeIntermediate(binary)
    }
    if (!keep) {
      try {
        if (armor) {
          const dearmorOptions = { ...options, onProgress: progress.scaledPhase('de-armor', st.size) }
          const verifyOptions = { ...options, onProgress: progress.phase('verify', st.size) }
          await verifyArmored(output, { ...job, binaryBytes: encrypted.fileBytes }, dearmorOptions, verifyOptions)
        } else {
          await verifyPayload(output, payloadKey, header.length, payloadPlaintext, {
            ...options,
            onProgress: progress.phase('verify', st.size),
          }, padding)
        }
      } catch (e) {
        await rm(output, { force: true })
        throw e
      }
    }
  } finally {
    payloadKey.destroy()
  }
  const result: EncryptResult = {
    input: source,
    output,
    plaintextBytes: encrypted.plaintextBytes - padding,
    encryptedBytes: fileBytes,
    recipients: recipients(),
    plaintext: 'kept',
    warnings: [],
  }
  if (st.nlink > 1) result.warnings.push(hardlinkWarning(source, st.nlink - 1, keep))
  if (keep) return result
  result.destroyReport = await destroyReplacedSource(
    source,
    st,
    `${source} was encrypted to ${output} (written, synced and verified)`,
    'the plaintext',
    options,
    progress.phase('destroy', destroyBytes),
  )
  result.plaintext = 'destroyed'
  result.warnings.push(...result.destroyReport.warnings)
  return result
}

/**
 * Verifies an armored output as written: de-armors it strictly into a temporary binary copy
 * beside it (ciphertext only, 0600, always removed), checks that the copy is the binary file that
 * was armored (same size, same header), and authenticates every payload chunk of it.
 */
async function verifyArmored(
  output: string,
  job: EncryptionJob & { binaryBytes: number },
  dearmorOptions: RunOptions,
  verifyOptions: RunOptions,
): Promise<void> {
  const { header, payloadKey, st, padding } = job
  const copy = intermediatePathFor(output)
  try {
    const d = await dearmorFile(output, copy, header.length, dearmorOptions)
    if (d.binaryBytes !== job.binaryBytes || !sameBytes(d.head, header)) {
      throw new HeaderTamperedError('FSEC_HEADER_TAMPERED', `${output} does not de-armor to the file that was written`)
    }
    await verifyPayload(copy, payloadKey, header.length, st.size + padding, verifyOptions, padding)
  } finally {
    await removeIntermediate(copy)
  }
}

export function checkKeepOptions(o: EncryptOptions): boolean {
  if (o.keep !== undefined && typeof o.keep !== 'boolean') throw new ArgumentError('keep must be a boolean')
  const keep = o.keep === true
  if (o.destroyPasses !== undefined) {
    if (keep) throw new ArgumentError('destroyPasses applies only when the plaintext is destroyed (not with keep: true)')
    patternsFor(o.destroyPasses)
  }
  // A plaintext must never be destroyed while its only other copy may still be in the page cache.
  if (!keep && o.durable === false) {
    throw new ArgumentError('durable: false needs keep: true (the plaintext is destroyed only once the encrypted file is on disk)')
  }
  return keep
}

/** Refuses, before any work, a plaintext that destroy would refuse afterwards. */
export async function checkDestroyable(source: string): Promise<void> {
  const st = await lstat(source).catch((e: unknown) => {
    throw fromFs(e, source)
  })
  if (st.isSymbolicLink()) {
    throw new ArgumentError(
      `${source} is a symbolic link: filesec does not destroy the file a link points to. ` +
        'Encrypt the file itself, or keep the plaintext (keep: true, CLI --keep)',
    )
  }
}

function hardlinkWarning(source: string, others: number, keep: boolean): string {
  const names = `${others} other hard link${others === 1 ? '' : 's'}`
  return keep
    ? `${source} has ${names}: the plaintext stays readable under ${others === 1 ? 'that name' : 'those names'} too`
    : `${source} had ${names}: the data was overwritten for every name, and ${others === 1 ? 'that name remains' : 'those names remain'} (holding the overwritten bytes)`
}

/**
 * Destroys the file a verified output replaces (the plaintext after encryption, the old archive
 * after a migration). `read` is the file as stat'ed before it was read: if the name now holds
 * another file (moved or replaced meanwhile), that file was never encrypted and is left alone
 * (SourceChangedError). A failure says what is left where: `done` says what was already
 * achieved, `what` names the file that could not be destroyed.
 */
export async function destroyReplacedSource(
  source: string,
  read: Pick<Stats, 'dev' | 'ino'>,
  done: string,
  what: string,
  options: Pick<EncryptOptions, 'destroyPasses' | 'signal'>,
  onProgress: ((p: Progress) => void) | undefined,
): Promise<DestroyReport> {
  const now = await lstat(source).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw fromFs(e, source)
  })
  if (now === undefined || now.dev !== read.dev || now.ino !== read.ino) {
    throw new SourceChangedError(
      'FSEC_SOURCE_CHANGED',
      `${done}, but ${what} was not destroyed: ${source} was ${now === undefined ? 'moved or removed' : 'replaced by another file'} ` +
        'while it was being read, and filesec destroys only the file it read',
      { path: source },
    )
  }
  const destroyOptions: DestroyOptions = {}
  if (onProgress !== undefined) destroyOptions.onProgress = onProgress
  if (options.destroyPasses !== undefined) destroyOptions.passes = options.destroyPasses
  if (options.signal !== undefined) destroyOptions.signal = options.signal
  try {
    return await destroyFile(source, destroyOptions)
  } catch (e) {
    if (e instanceof DestroyAbortedError) {
      throw new DestroyAbortedError(`${done}, but destroying ${what} was cancelled: ${e.message}`, e.report)
    }
    if (e instanceof DestroyError) {
      throw new DestroyError(`${done}, but ${what} could not be destroyed: ${e.message}`, e.report, { cause: e })
    }
    throw e
  }
}

/** Maps each step's own progress onto one total for the whole operation. */
export class PhasedProgress {
  private offset = 0

  constructor(
    private readonly report: ((p: Progress) => void) | undefined,
    private readonly total: number,
  ) {}

  /** A progress callback for the next step, which covers `size` bytes of the total. */
  phase(name: string, size: number): ((p: Progress) => void) | undefined {
    const report = this.report
    if (report === undefined) return undefined
    const offset = this.offset
    this.offset += size
    return (p) => report({ done: offset + Math.min(p.done, size), total: this.total, phase: name })
  }

  /**
   * Like phase, for a step that counts in units of its own (armored bytes, binary bytes): its
   * done/total fraction is mapped onto `size`.
   */
  scaledPhase(name: string, size: number): ((p: Progress) => void) | undefined {
    const report = this.report
    if (report === undefined) return undefined
    const offset = this.offset
    this.offset += size
    return (p) => {
      const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 1
      report({ done: offset + Math.round(fraction * size), total: this.total, phase: name })
    }
  }
}

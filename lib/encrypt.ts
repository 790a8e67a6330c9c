// encryptFile: a file to a .fsec file, entirely in the native engine off the main thread. By
// default the plaintext is then destroyed, but only after the encrypted file has been written,
// synced and read back with every chunk authenticated (pyFileSec's safe default, done safely).
import type { Stats } from 'node:fs'
import { lstat, rm } from 'node:fs/promises'
import { resolve } from 'node:path'

import { destroyFile, type DestroyOptions, type DestroyReport, patternsFor } from './destroy'
import { ArgumentError, DestroyAbortedError, DestroyError, fromFs, nativeCall } from './errors'
import { parseHeader, recipientsOf, type RecipientInfo } from './fsec'
import { runJob } from './jobs'
import { type KeyInput, loadKeys } from './keys'
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
  'signal', 'onProgress', 'threads', 'durable', 'pad',
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
}

/**
 * The part of encryption every codec shares: the native file job (header, then the payload),
 * then, unless `keep`, reading the payload back to authenticate every chunk and destroying the
 * plaintext; one progress scale over the three steps. An output that fails verification (or is
 * cancelled before it is verified) is removed and the plaintext stays.
 */
export async function writeEncryptedFile(job: EncryptionJob, recipients: () => RecipientInfo[]): Promise<EncryptResult> {
  const { source, st, output, header, payloadKey, padding, keep, options } = job
  const destroyBytes = keep ? 0 : st.size * patternsFor(options.destroyPasses).length
  const progress = new PhasedProgress(options.onProgress, st.size + padding + (keep ? 0 : st.size) + destroyBytes)
  let encrypted
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
            output,
            tempPath: tempPathFor(output),
            overwrite: options.overwrite === true,
            durable: options.durable !== false,
            threads: options.threads ?? defaultThreads(),
          },
          onProgress,
        ),
      { ...options, onProgress: progress.phase('encrypt', st.size + padding) },
    )
    if (!keep) {
      try {
        await verifyPayload(output, payloadKey, header.length, st.size + padding, {
          ...options,
          onProgress: progress.phase('verify', st.size),
        }, padding)
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
    encryptedBytes: encrypted.fileBytes,
    recipients: recipients(),
    plaintext: 'kept',
    warnings: [],
  }
  if (st.nlink > 1) result.warnings.push(hardlinkWarning(source, st.nlink - 1, keep))
  if (keep) return result
  result.destroyReport = await destroyPlaintext(source, output, options, progress.phase('destroy', destroyBytes))
  result.plaintext = 'destroyed'
  result.warnings.push(...result.destroyReport.warnings)
  return result
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

/** Destroys the plaintext after a verified encryption; a failure says what is left where. */
async function destroyPlaintext(
  source: string,
  output: string,
  options: EncryptOptions,
  onProgress: ((p: Progress) => void) | undefined,
): Promise<DestroyReport> {
  const destroyOptions: DestroyOptions = {}
  if (onProgress !== undefined) destroyOptions.onProgress = onProgress
  if (options.destroyPasses !== undefined) destroyOptions.passes = options.destroyPasses
  if (options.signal !== undefined) destroyOptions.signal = options.signal
  try {
    return await destroyFile(source, destroyOptions)
  } catch (e) {
    const done = `${source} was encrypted to ${output} (written, synced and verified)`
    if (e instanceof DestroyAbortedError) {
      throw new DestroyAbortedError(`${done}, but destroying the plaintext was cancelled: ${e.message}`, e.report)
    }
    if (e instanceof DestroyError) {
      throw new DestroyError(`${done}, but the plaintext could not be destroyed: ${e.message}`, e.report, { cause: e })
    }
    throw e
  }
}

/** Maps each step's own progress onto one total for the whole operation. */
class PhasedProgress {
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
}

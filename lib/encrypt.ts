// encryptFile: a file to a .fsec file, entirely in the native engine off the main thread.
import { resolve } from 'node:path'

import { ArgumentError, nativeCall } from './errors'
import { parseHeader, recipientsOf, type RecipientInfo } from './fsec'
import { runJob } from './jobs'
import { type KeyInput, loadKeys } from './keys'
import { encodeMetadata, type MetadataOptions, metadataForFile, validateMetadataOptions } from './metadata'
import { native } from './native'
import { checkPadOption, type PadOption, paddingFor } from './padding'
import {
  checkKnownOptions,
  checkRunOptions,
  DEFAULT_WORK_FACTOR,
  defaultThreads,
  MAX_WORK_FACTOR,
  type RunOptions,
} from './options'
import { type PassphraseSource, withPassphrase } from './passphrase'
import { assertOutputAbsent, defaultEncryptedPath, statRegularFile, tempPathFor } from './paths'

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
  /** Output path (default: the input path + `.fsec`). */
  output?: string
  /** Replace an existing output file (default false). */
  overwrite?: boolean
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
}

const ENCRYPT_OPTIONS = [
  'to', 'passphrase', 'workFactor', 'keyPassphrase', 'output', 'overwrite', 'note', 'storeName', 'storeTimes',
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
  const source = resolve(input)
  const output = options.output !== undefined ? resolve(options.output) : defaultEncryptedPath(source)
  if (output === source) throw new ArgumentError('the output must differ from the input')

  const st = await statRegularFile(source)
  if (!options.overwrite) await assertOutputAbsent(output)

  const padding = paddingFor(st.size, options.pad)
  const metadata = encodeMetadata({ ...metadataForFile(source, st, options), size: st.size + padding, padding })
  const { header, payloadKey } = await sealHeader(options, metadata)
  try {
    const result = await runJob(
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
      options,
    )
    return {
      input: source,
      output,
      plaintextBytes: result.plaintextBytes - padding,
      encryptedBytes: result.fileBytes,
      recipients: recipientsOf(parseHeader(header)),
    }
  } finally {
    payloadKey.destroy()
  }
}

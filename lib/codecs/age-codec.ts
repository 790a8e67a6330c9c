// The age v1 codec (age-encryption.org/v1): files the age tool reads and writes. The header is
// parsed, opened and sealed natively (native.age); the file key stays in native memory and only
// its payload key handle (native.age.payloadKey) reaches JS, for the same native file jobs .fsec
// uses (temp file + rename, mode 0600, abort, progress). age has no sealed metadata: what
// decrypt/inspect report as metadata is { v: 1, padding: 0, size } derived from the payload.
//
// ASCII-armored files (`age -a`) of any size are read and written through the streaming native
// armor jobs (lib/armor.ts): decryption de-armors into a temporary binary copy beside the output
// (ciphertext only, 0600, removed afterwards), encryption armors the binary file the native job
// wrote (writeEncryptedFile with armor).
import { open, rm } from 'node:fs/promises'
import { basename, resolve } from 'node:path'

import type { AgeHeaderInfo } from '../../binding'
import { dearmorFile, dearmorHead } from '../armor'
import { checkIdentityOptions, type DecryptOptions, type DecryptResult, refuseUnsafeOutput } from '../decrypt'
import {
  checkDestroyable,
  checkKeepOptions,
  checkRecipientOptions,
  type EncryptOptions,
  type EncryptResult,
  PhasedProgress,
  writeEncryptedFile,
} from '../encrypt'
import { ArgumentError, fromFs, HeaderError, nativeSync, SourceChangedError } from '../errors'
import type { InspectOptions, InspectWithMetadataResult } from '../inspect'
import { intermediatePathFor, removeIntermediate } from '../intermediate'
import { runJob } from '../jobs'
import { native } from '../native'
import { checkKnownOptions, checkRunOptions, defaultThreads, type RunOptions } from '../options'
import { assertOutputAbsent, statRegularFile, tempPathFor } from '../paths'
import { verifyPayload, type VerifyEncryptedFileOptions, type VerifyEncryptedFileResult } from '../verify'
import {
  AGE_BINARY_MAGIC,
  ageMetadataOf,
  looksLikeAgeArmor,
  MAX_AGE_HEADER,
  openAgeHeader,
  plaintextSizeOf,
  readBinaryAgeHeader,
  recipientsOfAge,
  sealAgeHeader,
  startsWith,
} from './age-common'
import { rotateAgeFile } from './age-rotate'
import type { Codec } from './codec'
import { sameBytes } from '../constant-time'

export const AGE_EXTENSION = '.age'

const ENCRYPT_OPTIONS = [
  'to', 'passphrase', 'workFactor', 'keyPassphrase', 'output', 'overwrite', 'keep', 'destroyPasses',
  'signal', 'onProgress', 'threads', 'durable', 'armor',
] as const
const DECRYPT_OPTIONS = [
  'identity', 'identityPassphrase', 'passphrase', 'maxWorkFactor', 'output', 'overwrite', 'allowUnsafeOutput',
  'signal', 'onProgress', 'threads', 'durable',
] as const
const INSPECT_OPTIONS = ['identity', 'identityPassphrase', 'passphrase', 'maxWorkFactor'] as const

/** The header of an age file, binary or armored. */
interface AgeHeader {
  armored: boolean
  /** The header bytes (binary). */
  header: Buffer
  info: AgeHeaderInfo
  /** Size of the file (armored or binary). */
  fileSize: number
  /** Size of the binary (de-armored) file, when known: always for a binary file. */
  binarySize: number | null
}

/** Reads the header of a binary age file (a bounded prefix; the payload job reads the rest). */
async function readBinaryHeader(path: string, fileSize: number): Promise<AgeHeader> {
  const { header, info } = await readBinaryAgeHeader(path, fileSize)
  return { armored: false, header, info, fileSize, binarySize: fileSize }
}

/** Parses the header at the start of de-armored data (`whole`: the data is the whole binary file). */
function parseDearmoredHeader(head: Buffer, whole: boolean): { header: Buffer; info: AgeHeaderInfo } {
  // The armor holds a binary age file; armor inside armor is not one (and the header parser
  // would de-armor it again).
  if (!startsWith(head, AGE_BINARY_MAGIC)) {
    throw new HeaderError('FSEC_HEADER_INVALID', 'age header: the armored data is not an age file (bad version line)')
  }
  const info = nativeSync(() => native.age.parseHeader(head, whole))
  return { header: head.subarray(0, info.headerSize), info }
}

/**
 * Reads the header of an age file. An armored file is de-armored only as far as its header
 * (the whole armor is checked when the payload is de-armored), so a wrong key or a damaged header
 * is reported before any large de-armoring.
 */
async function readAgeHeader(path: string): Promise<AgeHeader> {
  const st = await statRegularFile(path)
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw fromFs(e, path)
  })
  const head = Buffer.alloc(AGE_BINARY_MAGIC.length)
  try {
    await fh.read(head, 0, head.length, 0)
  } finally {
    await fh.close()
  }
  if (startsWith(head, AGE_BINARY_MAGIC)) return readBinaryHeader(path, st.size)
  // Anything else is taken as armor, so the strict de-armorer says what is wrong with it.
  const d = await dearmorHead(path, MAX_AGE_HEADER)
  const { header, info } = parseDearmoredHeader(d.head, d.complete && d.head.length === d.binaryBytes)
  return { armored: true, header, info, fileSize: st.size, binarySize: d.complete ? d.binaryBytes : null }
}

/**
 * De-armors a whole armored age file into `copy` (a new 0600 file beside the output: ciphertext
 * only; removed on failure, else by the caller), checking that it still has the header that
 * was opened.
 */
async function dearmorPayload(source: string, copy: string, header: Buffer, options: RunOptions): Promise<void> {
  const d = await dearmorFile(source, copy, header.length, options)
  if (!sameBytes(d.head, header)) {
    await rm(copy, { force: true })
    throw new SourceChangedError('FSEC_SOURCE_CHANGED', `${source} changed while it was being read`, { path: source })
  }
}

/** The input without `.age` (the age tool's convention); otherwise the caller must name the output. */
function defaultAgeDecryptedPath(source: string): string {
  if (source.endsWith(AGE_EXTENSION) && basename(source) !== AGE_EXTENSION) return source.slice(0, -AGE_EXTENSION.length)
  throw new ArgumentError(`${source} has no ${AGE_EXTENSION} extension: give an output path`)
}

export async function decryptAgeFile(input: string, options: DecryptOptions): Promise<DecryptResult> {
  checkKnownOptions(options, DECRYPT_OPTIONS, 'age decrypt')
  checkIdentityOptions(options)
  checkRunOptions(options)
  if (options.allowUnsafeOutput !== undefined && typeof options.allowUnsafeOutput !== 'boolean') {
    throw new ArgumentError('allowUnsafeOutput must be a boolean')
  }
  const source = resolve(input)
  const output = options.output !== undefined ? resolve(options.output) : defaultAgeDecryptedPath(source)
  if (output === source) throw new ArgumentError('the output must differ from the input')
  if (!options.overwrite) await assertOutputAbsent(output)
  if (options.allowUnsafeOutput !== true) await refuseUnsafeOutput(output)
  const { armored, header, fileSize } = await readAgeHeader(source)
  // An armored file is de-armored into a binary copy beside the output for the payload job;
  // progress then runs over both steps (weighted by about the bytes each one reads).
  const binaryPath = armored ? intermediatePathFor(output) : source
  const binaryEstimate = Math.floor((fileSize * 3) / 4)
  const progress = new PhasedProgress(options.onProgress, fileSize + binaryEstimate)
  const payloadKey = await openAgeHeader(header, options)
  try {
    if (armored) {
      await dearmorPayload(source, binaryPath, header, { ...options, onProgress: progress.scaledPhase('de-armor', fileSize) })
    }
    const result = await runJob(
      (onProgress) =>
        native.decryptFile(
          payloadKey,
          {
            source: binaryPath,
            payloadOffset: header.length,
            expectedSize: null,
            output,
            tempPath: tempPathFor(output),
            overwrite: options.overwrite === true,
            durable: options.durable !== false,
            threads: options.threads ?? defaultThreads(),
            mtimeMs: null,
          },
          onProgress,
        ),
      armored ? { ...options, onProgress: progress.scaledPhase('decrypt', binaryEstimate) } : options,
    )
    return { input: source, output, plaintextBytes: result.plaintextBytes, metadata: ageMetadataOf(result.plaintextBytes) }
  } finally {
    payloadKey.destroy()
    if (armored) await removeIntermediate(binaryPath)
  }
}

export async function encryptAgeFile(input: string, options: EncryptOptions): Promise<EncryptResult> {
  checkKnownOptions(options, ENCRYPT_OPTIONS, 'age encrypt')
  checkRecipientOptions(options)
  checkRunOptions(options)
  if (options.armor !== undefined && typeof options.armor !== 'boolean') throw new ArgumentError('armor must be a boolean')
  const keep = checkKeepOptions(options)
  const source = resolve(input)
  const output = options.output !== undefined ? resolve(options.output) : source + AGE_EXTENSION
  if (output === source) throw new ArgumentError('the output must differ from the input')
  const st = await statRegularFile(source)
  if (!keep) await checkDestroyable(source)
  if (!options.overwrite) await assertOutputAbsent(output)

  const { header, payloadKey } = await sealAgeHeader(options)
  const armor = options.armor === true
  return writeEncryptedFile({ source, st, output, header, payloadKey, padding: 0, keep, options, armor }, () =>
    recipientsOfAge(native.age.parseHeader(header)),
  )
}

export async function inspectAgeFile(file: string, options?: InspectOptions): Promise<InspectWithMetadataResult> {
  const path = resolve(file)
  if (options !== undefined) {
    if (options === null || typeof options !== 'object') throw new ArgumentError('options must be an object')
    checkKnownOptions(options, INSPECT_OPTIONS, 'inspect')
    checkIdentityOptions(options)
  }
  const { armored, header, info, fileSize, binarySize } = await readAgeHeader(path)
  let binaryBytes = binarySize
  if (binaryBytes === null) {
    // A large armored file: one more pass checks the whole armor and gives the binary size,
    // writing nothing.
    const d = await dearmorFile(path, null, header.length, {})
    if (!sameBytes(d.head, header)) {
      throw new SourceChangedError('FSEC_SOURCE_CHANGED', `${path} changed while it was being read`, { path })
    }
    binaryBytes = d.binaryBytes
  }
  const result: InspectWithMetadataResult = {
    path,
    codec: 'age',
    formatVersion: 1,
    payload: 'ChaCha20-Poly1305 STREAM, 64 KiB chunks',
    fileId: '',
    headerSize: header.length,
    fileSize,
    sealedMetadataSize: 0,
    passphrase: info.stanzas.some((s) => s.type === 'scrypt'),
    recipients: recipientsOfAge(info),
    armored,
  }
  if (options === undefined) return result
  // Opening the header checks its MAC; nothing of the payload is decrypted.
  ;(await openAgeHeader(header, options)).destroy()
  return { ...result, metadata: ageMetadataOf(plaintextSizeOf(binaryBytes - header.length)) }
}

const VERIFY_OPTIONS = [
  'identity', 'identityPassphrase', 'passphrase', 'maxWorkFactor', 'signal', 'onProgress', 'threads', 'durable',
] as const

/**
 * Checks that an age file decrypts with these keys (header MAC and every chunk), writing no
 * plaintext. An armored file is de-armored first into a binary copy beside it (ciphertext only,
 * 0600, removed afterwards).
 */
export async function verifyAgeFile(path: string, options: VerifyEncryptedFileOptions): Promise<VerifyEncryptedFileResult> {
  checkKnownOptions(options, VERIFY_OPTIONS, 'verify')
  checkIdentityOptions(options)
  checkRunOptions(options)
  const source = resolve(path)
  const { armored, header } = await readAgeHeader(source)
  const payloadKey = await openAgeHeader(header, options)
  const binaryPath = armored ? intermediatePathFor(source) : source
  try {
    if (armored) await dearmorPayload(source, binaryPath, header, { ...options, onProgress: undefined })
    const result = await verifyPayload(binaryPath, payloadKey, header.length, null, options)
    return { plaintextBytes: result.plaintextBytes, metadata: ageMetadataOf(result.plaintextBytes) }
  } finally {
    payloadKey.destroy()
    if (armored) await removeIntermediate(binaryPath)
  }
}

export const ageCodec: Codec = {
  name: 'age',
  description: 'age v1 (age-encryption.org/v1): X25519, ssh-ed25519, ssh-rsa and scrypt recipients; ChaCha20-Poly1305 STREAM',
  extension: AGE_EXTENSION,
  matches: (head) => startsWith(head, AGE_BINARY_MAGIC) || looksLikeAgeArmor(head),
  encryptFile: encryptAgeFile,
  decryptFile: decryptAgeFile,
  inspect: inspectAgeFile,
  rotateFile: rotateAgeFile,
  verifyFile: verifyAgeFile,
}

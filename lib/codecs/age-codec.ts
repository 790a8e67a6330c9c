// The age v1 codec (age-encryption.org/v1): files the age tool reads and writes. The header is
// parsed, opened and sealed natively (native.age); the file key stays in native memory and only
// its payload key handle (native.age.payloadKey) reaches JS, for the same native file jobs .fsec
// uses (temp file + rename, mode 0600, abort, progress). age has no sealed metadata: what
// decrypt/inspect report as metadata is { v: 1, padding: 0, size } derived from the payload.
import { open, readFile, rm, stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'

import type { AgeHeaderInfo } from '../../binding'
import { checkIdentityOptions, type DecryptOptions, type DecryptResult, refuseUnsafeOutput } from '../decrypt'
import {
  checkDestroyable,
  checkKeepOptions,
  checkRecipientOptions,
  type EncryptOptions,
  type EncryptResult,
  writeEncryptedFile,
} from '../encrypt'
import { ArgumentError, fromFs, nativeCall, nativeSync } from '../errors'
import type { InspectOptions, InspectWithMetadataResult } from '../inspect'
import { runJob } from '../jobs'
import { verifyPayload, type VerifyEncryptedFileOptions, type VerifyEncryptedFileResult } from '../verify'
import { native } from '../native'
import { checkKnownOptions, checkRunOptions, defaultThreads } from '../options'
import { assertOutputAbsent, statRegularFile, tempPathFor } from '../paths'
import {
  AGE_BINARY_MAGIC,
  ageMetadataOf,
  isArmorStart,
  openAgeHeader,
  plaintextSizeOf,
  readBinaryAgeHeader,
  recipientsOfAge,
  sealAgeHeader,
  startsWith,
} from './age-common'
import { rotateAgeFile } from './age-rotate'
import type { Codec } from './codec'

export const AGE_EXTENSION = '.age'
/** Armored files are de-armored in memory, so their size is bounded (streaming armor is later work). */
export const MAX_ARMORED_BYTES = 64 * 1024 * 1024

const ENCRYPT_OPTIONS = [
  'to', 'passphrase', 'workFactor', 'output', 'overwrite', 'keep', 'destroyPasses',
  'signal', 'onProgress', 'threads', 'durable',
] as const
const DECRYPT_OPTIONS = [
  'identity', 'identityPassphrase', 'passphrase', 'maxWorkFactor', 'output', 'overwrite', 'allowUnsafeOutput',
  'signal', 'onProgress', 'threads', 'durable',
] as const
const INSPECT_OPTIONS = ['identity', 'identityPassphrase', 'passphrase', 'maxWorkFactor'] as const

interface AgeFile {
  /** The binary (de-armored) file to run the payload job on: the input, or a temporary copy. */
  binaryPath: string
  /** The header bytes (binary). */
  header: Buffer
  info: AgeHeaderInfo
  fileSize: number
  /** Removes the temporary binary copy of an armored file, if one was made. */
  cleanup(): Promise<void>
}

/**
 * Opens an age file for reading its header and payload. An armored file is de-armored in memory
 * (up to MAX_ARMORED_BYTES) into a temporary binary copy beside `tempNear` (ciphertext only, 0600),
 * so the payload still goes through the native file job.
 */
async function readAgeFile(path: string, tempNear: string | null): Promise<AgeFile> {
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
  // Anything else is taken as armor, so the strict de-armorer says what is wrong with it.
  if (startsWith(head, AGE_BINARY_MAGIC)) {
    const { header, info } = await readBinaryAgeHeader(path, st.size)
    return { binaryPath: path, header, info, fileSize: st.size, cleanup: async () => {} }
  }
  if (st.size > MAX_ARMORED_BYTES) {
    throw new ArgumentError(
      `${path} is an armored (PEM) age file of ${st.size} bytes: armored files over ${MAX_ARMORED_BYTES} bytes are not supported yet (de-armor it with the age tool first)`,
    )
  }
  const armored = await readFile(path).catch((e: unknown) => {
    throw fromFs(e, path)
  })
  const binary = nativeSync(() => native.age.dearmor(armored))
  const info = nativeSync(() => native.age.parseHeader(binary, true))
  const header = binary.subarray(0, info.headerSize)
  if (tempNear === null) return { binaryPath: path, header, info, fileSize: st.size, cleanup: async () => {} }
  const copy = tempPathFor(tempNear)
  await nativeCall(native.writeNewFile(copy, tempPathFor(copy), binary, false))
  return {
    binaryPath: copy,
    header,
    info,
    fileSize: binary.length,
    cleanup: () => rm(copy, { force: true }),
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
  const file = await readAgeFile(source, output)
  try {
    const payloadKey = await openAgeHeader(file.header, options)
    try {
      const result = await runJob(
        (onProgress) =>
          native.decryptFile(
            payloadKey,
            {
              source: file.binaryPath,
              payloadOffset: file.header.length,
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
        options,
      )
      return { input: source, output, plaintextBytes: result.plaintextBytes, metadata: ageMetadataOf(result.plaintextBytes) }
    } finally {
      payloadKey.destroy()
    }
  } finally {
    await file.cleanup()
  }
}

export async function encryptAgeFile(input: string, options: EncryptOptions): Promise<EncryptResult> {
  checkKnownOptions(options, ENCRYPT_OPTIONS, 'age encrypt')
  checkRecipientOptions(options)
  checkRunOptions(options)
  const keep = checkKeepOptions(options)
  const source = resolve(input)
  const output = options.output !== undefined ? resolve(options.output) : source + AGE_EXTENSION
  if (output === source) throw new ArgumentError('the output must differ from the input')
  const st = await statRegularFile(source)
  if (!keep) await checkDestroyable(source)
  if (!options.overwrite) await assertOutputAbsent(output)

  const { header, payloadKey } = await sealAgeHeader(options)
  return writeEncryptedFile({ source, st, output, header, payloadKey, padding: 0, keep, options }, () =>
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
  const f = await readAgeFile(path, null)
  const size = plaintextSizeOf(f.fileSize - f.header.length)
  const result: InspectWithMetadataResult = {
    path,
    codec: 'age',
    formatVersion: 1,
    payload: 'ChaCha20-Poly1305 STREAM, 64 KiB chunks',
    fileId: '',
    headerSize: f.header.length,
    fileSize: (await stat(path)).size,
    sealedMetadataSize: 0,
    passphrase: f.info.stanzas.some((s) => s.type === 'scrypt'),
    recipients: recipientsOfAge(f.info),
  }
  if (options === undefined) return result
  // Opening the header checks its MAC; nothing of the payload is decrypted.
  ;(await openAgeHeader(f.header, options)).destroy()
  return { ...result, metadata: ageMetadataOf(size) }
}

const VERIFY_OPTIONS = [
  'identity', 'identityPassphrase', 'passphrase', 'maxWorkFactor', 'signal', 'onProgress', 'threads', 'durable',
] as const

/** Checks that an age file decrypts with these keys (header MAC and every chunk), writing no plaintext. */
export async function verifyAgeFile(path: string, options: VerifyEncryptedFileOptions): Promise<VerifyEncryptedFileResult> {
  checkKnownOptions(options, VERIFY_OPTIONS, 'verify')
  checkIdentityOptions(options)
  checkRunOptions(options)
  const source = resolve(path)
  // An armored file's binary copy (ciphertext only) goes beside it, and is removed afterwards.
  const file = await readAgeFile(source, source)
  try {
    const payloadKey = await openAgeHeader(file.header, options)
    try {
      const result = await verifyPayload(file.binaryPath, payloadKey, file.header.length, null, options)
      return { plaintextBytes: result.plaintextBytes, metadata: ageMetadataOf(result.plaintextBytes) }
    } finally {
      payloadKey.destroy()
    }
  } finally {
    await file.cleanup()
  }
}

export const ageCodec: Codec = {
  name: 'age',
  description: 'age v1 (age-encryption.org/v1): X25519, ssh-ed25519, ssh-rsa and scrypt recipients; ChaCha20-Poly1305 STREAM',
  extension: AGE_EXTENSION,
  matches: (head) => startsWith(head, AGE_BINARY_MAGIC) || isArmorStart(head),
  encryptFile: encryptAgeFile,
  decryptFile: decryptAgeFile,
  inspect: inspectAgeFile,
  rotateFile: rotateAgeFile,
  verifyFile: verifyAgeFile,
}

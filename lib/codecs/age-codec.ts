// The age v1 codec (age-encryption.org/v1): files the age tool reads and writes. The header is
// parsed, opened and sealed natively (native.age); the file key stays in native memory and only
// its payload key handle (native.age.payloadKey) reaches JS, for the same native file jobs .fsec
// uses (temp file + rename, mode 0600, abort, progress). age has no sealed metadata: what
// decrypt/inspect report as metadata is { v: 1, padding: 0, size } derived from the payload.
import { open, readFile, rm, stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'

import type { AgeFileKey, AgeHeaderInfo, AgeKeyInput } from '../../binding'
import { checkIdentityOptions, type DecryptOptions, type DecryptResult, type IdentityOptions, refuseUnsafeOutput } from '../decrypt'
import type { RecipientInfo } from '../fsec'
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
import { Key, type KeyInput, loadIdentities } from '../keys'
import type { FileMetadata } from '../metadata'
import { native, type NativeKey, type PayloadKey } from '../native'
import { checkKnownOptions, checkRunOptions, DEFAULT_WORK_FACTOR, defaultThreads, MAX_WORK_FACTOR } from '../options'
import { type PassphraseSource, withPassphrase } from '../passphrase'
import { assertOutputAbsent, statRegularFile, tempPathFor } from '../paths'
import type { RotateOptions, RotateResult } from '../rotate'
import { rotateAgeFile } from './age-rotate'
import type { Codec } from './codec'

export const AGE_EXTENSION = '.age'
// Any version line is claimed, so an unsupported version is reported as such (FSEC_UNSUPPORTED_VERSION
// from the header parser) rather than as "not encrypted"; only v1 parses.
export const BINARY_MAGIC = Buffer.from('age-encryption.org/')
const ARMOR_MAGIC = Buffer.from('-----BEGIN AGE ENCRYPTED FILE-----')
/** Armored files are de-armored in memory, so their size is bounded (streaming armor is later work). */
export const MAX_ARMORED_BYTES = 64 * 1024 * 1024
/** Bytes read to find the header of a binary file; a larger header is refused as invalid. */
export const MAX_HEADER_READ = 1024 * 1024
// STREAM: a 16-byte nonce, then 64 KiB plaintext chunks each with a 16-byte Poly1305 tag.
const NONCE_SIZE = 16
const CHUNK_SIZE = 64 * 1024
const TAG_SIZE = 16

const ENCRYPT_OPTIONS = [
  'to', 'passphrase', 'workFactor', 'output', 'overwrite', 'keep', 'destroyPasses',
  'signal', 'onProgress', 'threads', 'durable',
] as const
const DECRYPT_OPTIONS = [
  'identity', 'identityPassphrase', 'passphrase', 'maxWorkFactor', 'output', 'overwrite', 'allowUnsafeOutput',
  'signal', 'onProgress', 'threads', 'durable',
] as const
const INSPECT_OPTIONS = ['identity', 'identityPassphrase', 'passphrase', 'maxWorkFactor'] as const

export function startsWith(head: Buffer, magic: Buffer): boolean {
  return head.length >= magic.length && head.subarray(0, magic.length).equals(magic)
}

/** age allows whitespace before the armor's BEGIN line (CCTV armor_whitespace_outside). */
function isArmorStart(head: Buffer): boolean {
  let i = 0
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++
  return startsWith(head.subarray(i), ARMOR_MAGIC)
}

// Key text the native age parser takes directly; any other string is a path to a key file.
const KEY_TEXT = /^\s*(age1|AGE-SECRET-KEY-|ssh-|-----BEGIN |#)/
// Identity files protected by a passphrase that filesec's key loader opens: an age-encrypted
// identity file (binary or armored, as age reads them) or an encrypted PEM private key.
const PROTECTED_KEY = /^\s*(age-encryption\.org\/|-----BEGIN AGE ENCRYPTED FILE-----|-----BEGIN ENCRYPTED PRIVATE KEY-----|-----BEGIN [A-Z ]+-----\r?\nProc-Type: 4,ENCRYPTED)/

/**
 * Turns filesec key inputs into what native.age.open/seal accept (key text or a native Key). With
 * `passphrase`, protected identity files are opened with it by filesec's key loader; without it the
 * native parser rejects them with FSEC_KEY_PASSPHRASE_REQUIRED (the CLI then asks for it).
 */
export async function ageKeys(input: KeyInput | KeyInput[], passphrase?: PassphraseSource): Promise<AgeKeyInput[]> {
  const list = Array.isArray(input) ? input : [input]
  const out: AgeKeyInput[] = []
  for (const k of list) {
    const key = await ageKeyInput(k)
    if (passphrase !== undefined && Buffer.isBuffer(key) && PROTECTED_KEY.test(key.subarray(0, 256).toString('latin1'))) {
      out.push(...(await loadIdentities(key, { passphrase })).map((id) => id.native))
    } else {
      out.push(key)
    }
  }
  return out
}

async function ageKeyInput(k: KeyInput): Promise<Buffer | NativeKey> {
  if (k instanceof Key) return k.native
  if (Buffer.isBuffer(k)) return k
  if (typeof k === 'string') return KEY_TEXT.test(k) || k.includes('\n') ? Buffer.from(k) : readKeyFile(k)
  if (k !== null && typeof k === 'object' && 'text' in k && typeof k.text === 'string') return Buffer.from(k.text)
  if (k !== null && typeof k === 'object' && 'path' in k && typeof k.path === 'string') return readKeyFile(k.path)
  throw new ArgumentError('a key must be a Key, key text, a Buffer, a path, { path } or { text }')
}

async function readKeyFile(path: string): Promise<Buffer> {
  return readFile(resolve(path)).catch((e: unknown) => {
    throw fromFs(e, resolve(path))
  })
}

/** The plaintext size a whole STREAM payload of `payloadBytes` holds (its last chunk may be short or empty). */
function plaintextSizeOf(payloadBytes: number): number {
  const sealed = payloadBytes - NONCE_SIZE
  const chunks = Math.max(1, Math.ceil(sealed / (CHUNK_SIZE + TAG_SIZE)))
  return Math.max(0, sealed - chunks * TAG_SIZE)
}

export function recipientsOfAge(info: AgeHeaderInfo): RecipientInfo[] {
  // An X25519 stanza holds only an ephemeral share: nothing in it names the recipient. The ssh
  // stanzas carry a 4-byte key tag as their first argument.
  return info.stanzas.map((s): RecipientInfo => {
    if (s.type === 'X25519') return { type: 'x25519' }
    if (s.type === 'scrypt') return { type: 'scrypt', workFactor: Number(s.args[1]) }
    if (s.type === 'ssh-rsa' || s.type === 'ssh-ed25519') return { type: s.type, sshKeyTag: s.args[0]! }
    return { type: 'unknown', stanzaType: s.type }
  })
}

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

/** Reads the header of a binary age file (a bounded prefix; the payload job reads the rest). */
async function readBinaryHeader(path: string, fileSize: number): Promise<{ header: Buffer; info: AgeHeaderInfo }> {
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw fromFs(e, path)
  })
  try {
    const n = Math.min(fileSize, MAX_HEADER_READ)
    const buf = Buffer.alloc(n)
    const { bytesRead } = await fh.read(buf, 0, n, 0)
    const head = buf.subarray(0, bytesRead)
    const info = nativeSync(() => native.age.parseHeader(head, bytesRead === fileSize))
    return { header: head.subarray(0, info.headerSize), info }
  } finally {
    await fh.close()
  }
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
  const head = Buffer.alloc(BINARY_MAGIC.length)
  try {
    await fh.read(head, 0, head.length, 0)
  } finally {
    await fh.close()
  }
  // Anything else is taken as armor, so the strict de-armorer says what is wrong with it.
  if (startsWith(head, BINARY_MAGIC)) {
    const { header, info } = await readBinaryHeader(path, st.size)
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

/** Unwraps the file key with the caller's identities or passphrase (the caller destroys it). */
export async function openAgeFileKey(header: Buffer, o: IdentityOptions): Promise<AgeFileKey> {
  const maxWorkFactor = o.maxWorkFactor ?? MAX_WORK_FACTOR
  if (o.passphrase !== undefined) {
    return withPassphrase(o.passphrase, 'passphrase', (pass) => nativeCall(native.age.open(header, [], pass, maxWorkFactor)))
  }
  const ids = await ageKeys(o.identity!, o.identityPassphrase)
  return nativeCall(native.age.open(header, ids, null, maxWorkFactor))
}

/** Unwraps the file key with the caller's identities or passphrase; returns the payload key. */
async function openAgeHeader(header: Buffer, o: DecryptOptions | InspectOptions): Promise<PayloadKey> {
  const fileKey = await openAgeFileKey(header, o)
  try {
    return nativeSync(() => native.age.payloadKey(fileKey))
  } finally {
    fileKey.destroy()
  }
}

function metadataOf(size: number): FileMetadata {
  return { v: 1, padding: 0, size }
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
      return { input: source, output, plaintextBytes: result.plaintextBytes, metadata: metadataOf(result.plaintextBytes) }
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

  const sealed =
    options.passphrase !== undefined
      ? await withPassphrase(options.passphrase, 'passphrase', (pass) =>
          nativeCall(native.age.seal([], pass, options.workFactor ?? DEFAULT_WORK_FACTOR)),
        )
      : await nativeCall(native.age.seal(await ageKeys(options.to!), null, 0))
  const { header } = sealed
  let payloadKey: PayloadKey
  try {
    payloadKey = nativeSync(() => native.age.payloadKey(sealed.fileKey))
  } finally {
    sealed.fileKey.destroy()
  }
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
  return { ...result, metadata: metadataOf(size) }
}

export const ageCodec: Codec = {
  name: 'age',
  description: 'age v1 (age-encryption.org/v1): X25519, ssh-ed25519, ssh-rsa and scrypt recipients; ChaCha20-Poly1305 STREAM',
  extension: AGE_EXTENSION,
  matches: (head) => startsWith(head, BINARY_MAGIC) || isArmorStart(head),
  encryptFile: encryptAgeFile,
  decryptFile: decryptAgeFile,
  inspect: inspectAgeFile,
  // Called through a function: age-rotate imports this module, so under CommonJS its export may
  // not be there yet while this object is built.
  rotateFile: (path: string, options: RotateOptions): Promise<RotateResult> => rotateAgeFile(path, options),
}

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
import { open, readFile, rm } from 'node:fs/promises'
import { basename, resolve } from 'node:path'

import type { AgeFileKey, AgeHeaderInfo, AgeKeyInput } from '../../binding'
import { dearmorFile, dearmorHead } from '../armor'
import { checkIdentityOptions, type DecryptOptions, type DecryptResult, refuseUnsafeOutput } from '../decrypt'
import type { RecipientInfo } from '../fsec'
import {
  checkDestroyable,
  checkKeepOptions,
  checkRecipientOptions,
  type EncryptOptions,
  type EncryptResult,
  PhasedProgress,
  writeEncryptedFile,
} from '../encrypt'
import { ArgumentError, fromFs, HeaderError, nativeCall, nativeSync, SourceChangedError } from '../errors'
import type { InspectOptions, InspectWithMetadataResult } from '../inspect'
import { runJob } from '../jobs'
import { Key, type KeyInput, loadKeys } from '../keys'
import type { FileMetadata } from '../metadata'
import { native, type PayloadKey } from '../native'
import {
  checkKnownOptions,
  checkRunOptions,
  DEFAULT_WORK_FACTOR,
  defaultThreads,
  MAX_WORK_FACTOR,
  type RunOptions,
} from '../options'
import { type PassphraseSource, withPassphrase } from '../passphrase'
import { assertOutputAbsent, statRegularFile, tempPathFor } from '../paths'
import type { Codec } from './codec'

export const AGE_EXTENSION = '.age'
// Any version line is claimed, so an unsupported version is reported as such (FSEC_UNSUPPORTED_VERSION
// from the header parser) rather than as "not encrypted"; only v1 parses.
const BINARY_MAGIC = Buffer.from('age-encryption.org/')
const ARMOR_MAGIC = Buffer.from('-----BEGIN AGE ENCRYPTED FILE-----')
/** Bytes read to find the header (of the binary file); a larger header is refused as invalid. */
const MAX_HEADER_READ = 1024 * 1024
// STREAM: a 16-byte nonce, then 64 KiB plaintext chunks each with a 16-byte Poly1305 tag.
const NONCE_SIZE = 16
const CHUNK_SIZE = 64 * 1024
const TAG_SIZE = 16

const ENCRYPT_OPTIONS = [
  'to', 'passphrase', 'workFactor', 'keyPassphrase', 'output', 'overwrite', 'keep', 'destroyPasses',
  'signal', 'onProgress', 'threads', 'durable', 'armor',
] as const
const DECRYPT_OPTIONS = [
  'identity', 'identityPassphrase', 'passphrase', 'maxWorkFactor', 'output', 'overwrite', 'allowUnsafeOutput',
  'signal', 'onProgress', 'threads', 'durable',
] as const
const INSPECT_OPTIONS = ['identity', 'identityPassphrase', 'passphrase', 'maxWorkFactor'] as const

function startsWith(head: Buffer, magic: Buffer): boolean {
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

/** Turns filesec key inputs into what native.age.open/seal accept (key text or a native Key). */
async function ageKeys(input: KeyInput | KeyInput[]): Promise<AgeKeyInput[]> {
  const list = Array.isArray(input) ? input : [input]
  return Promise.all(
    list.map(async (k): Promise<AgeKeyInput> => {
      if (k instanceof Key) return k.native
      if (Buffer.isBuffer(k)) return k
      if (typeof k === 'string') return KEY_TEXT.test(k) || k.includes('\n') ? k : readKeyFile(k)
      if (k !== null && typeof k === 'object' && 'text' in k && typeof k.text === 'string') return k.text
      if (k !== null && typeof k === 'object' && 'path' in k && typeof k.path === 'string') return readKeyFile(k.path)
      throw new ArgumentError('a key must be a Key, key text, a Buffer, a path, { path } or { text }')
    }),
  )
}

// A passphrase-protected private key: filesec's own X25519 key file (an age identity file inside
// an armored, passphrase-encrypted age file) or an encrypted PKCS#8 PEM key.
const PROTECTED_KEY = /^\s*-----BEGIN (AGE ENCRYPTED FILE|ENCRYPTED PRIVATE KEY)-----/
// A PEM block other than an OpenSSH private key: filesec's key files (public or private,
// protected or not).
const PEM_KEY = /^\s*-----BEGIN (?!OPENSSH )/

/**
 * Replaces the key texts whose start matches `pattern` by the keys filesec's key loader reads
 * from them (with `passphrase` for protected ones); other inputs are kept as they are.
 */
async function loadMatching(keys: AgeKeyInput[], pattern: RegExp, passphrase: PassphraseSource | undefined): Promise<AgeKeyInput[]> {
  const out = await Promise.all(
    keys.map(async (k): Promise<AgeKeyInput[]> => {
      if (!Buffer.isBuffer(k) && typeof k !== 'string') return [k]
      // Only the start is looked at: the rest of a private key is secret.
      const start = Buffer.isBuffer(k) ? k.subarray(0, 64).toString('latin1') : k.slice(0, 64)
      if (!pattern.test(start)) return [k]
      const loaded = await loadKeys(Buffer.isBuffer(k) ? k : Buffer.from(k), passphrase !== undefined ? { passphrase } : {})
      return loaded.map((key) => key.native)
    }),
  )
  return out.flat()
}

/**
 * The identities for native.age.open. With an identity passphrase, protected keys are opened by
 * filesec's key loader (as for .fsec files); every other identity is key text age reads itself
 * (age identity files, OpenSSH and PEM RSA private keys).
 */
async function ageIdentities(o: DecryptOptions | InspectOptions): Promise<AgeKeyInput[]> {
  const keys = await ageKeys(o.identity!)
  return o.identityPassphrase === undefined ? keys : loadMatching(keys, PROTECTED_KEY, o.identityPassphrase)
}

/**
 * The recipients for native.age.seal. age reads one age1… or ssh-… key per line; PEM key files
 * (filesec's RSA and X25519 keys, public or private: the public half is used) go through
 * filesec's key loader, with keyPassphrase for a protected one.
 */
async function ageRecipients(o: EncryptOptions): Promise<AgeKeyInput[]> {
  return loadMatching(await ageKeys(o.to!), PEM_KEY, o.keyPassphrase)
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

function recipientsOfAge(info: AgeHeaderInfo): RecipientInfo[] {
  // age's X25519 and scrypt are the constructions .fsec's types name; its stanzas carry no key
  // fingerprint (an ssh-* stanza's tag is only 4 bytes of a hash). Plugin stanzas are 'unknown'.
  return info.stanzas.map((s): RecipientInfo => {
    if (s.type === 'X25519') return { type: 'x25519' }
    if (s.type === 'scrypt') return { type: 'scrypt', workFactor: Number(s.args[1]) }
    if (s.type === 'ssh-ed25519') return { type: 'ssh-ed25519' }
    if (s.type === 'ssh-rsa') return { type: 'ssh-rsa' }
    return { type: 'unknown' }
  })
}

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
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw fromFs(e, path)
  })
  try {
    const n = Math.min(fileSize, MAX_HEADER_READ)
    const buf = Buffer.alloc(n)
    const { bytesRead } = await fh.read(buf, 0, n, 0)
    const head = buf.subarray(0, bytesRead)
    const info = nativeSync(() => native.age.parseHeader(head, bytesRead === fileSize))
    return { armored: false, header: head.subarray(0, info.headerSize), info, fileSize, binarySize: fileSize }
  } finally {
    await fh.close()
  }
}

/** Parses the header at the start of de-armored data (`whole`: the data is the whole binary file). */
function parseDearmoredHeader(head: Buffer, whole: boolean): { header: Buffer; info: AgeHeaderInfo } {
  // The armor holds a binary age file; armor inside armor is not one (and the header parser
  // would de-armor it again).
  if (!startsWith(head, BINARY_MAGIC)) {
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
  const head = Buffer.alloc(BINARY_MAGIC.length)
  try {
    await fh.read(head, 0, head.length, 0)
  } finally {
    await fh.close()
  }
  if (startsWith(head, BINARY_MAGIC)) return readBinaryHeader(path, st.size)
  // Anything else is taken as armor, so the strict de-armorer says what is wrong with it.
  const d = await dearmorHead(path, MAX_HEADER_READ)
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
  if (!d.head.equals(header)) {
    await rm(copy, { force: true })
    throw new SourceChangedError('FSEC_SOURCE_CHANGED', `${source} changed while it was being read`, { path: source })
  }
}

/** Unwraps the file key with the caller's identities or passphrase; returns the payload key. */
async function openAgeHeader(header: Buffer, o: DecryptOptions | InspectOptions): Promise<PayloadKey> {
  const maxWorkFactor = o.maxWorkFactor ?? MAX_WORK_FACTOR
  let fileKey: AgeFileKey
  if (o.passphrase !== undefined) {
    fileKey = await withPassphrase(o.passphrase, 'passphrase', (pass) =>
      nativeCall(native.age.open(header, [], pass, maxWorkFactor)),
    )
  } else {
    const ids = await ageIdentities(o)
    fileKey = await nativeCall(native.age.open(header, ids, null, maxWorkFactor))
  }
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
  const { armored, header, fileSize } = await readAgeHeader(source)
  // An armored file is de-armored into a binary copy beside the output for the payload job;
  // progress then runs over both steps (weighted by about the bytes each one reads).
  const binaryPath = armored ? tempPathFor(output) : source
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
    return { input: source, output, plaintextBytes: result.plaintextBytes, metadata: metadataOf(result.plaintextBytes) }
  } finally {
    payloadKey.destroy()
    if (armored) await rm(binaryPath, { force: true })
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

  const sealed =
    options.passphrase !== undefined
      ? await withPassphrase(options.passphrase, 'passphrase', (pass) =>
          nativeCall(native.age.seal([], pass, options.workFactor ?? DEFAULT_WORK_FACTOR)),
        )
      : await nativeCall(native.age.seal(await ageRecipients(options), null, 0))
  const { header } = sealed
  let payloadKey: PayloadKey
  try {
    payloadKey = nativeSync(() => native.age.payloadKey(sealed.fileKey))
  } finally {
    sealed.fileKey.destroy()
  }
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
    if (!d.head.equals(header)) {
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
  return { ...result, metadata: metadataOf(plaintextSizeOf(binaryBytes - header.length)) }
}

export const ageCodec: Codec = {
  name: 'age',
  description: 'age v1 (age-encryption.org/v1): X25519, ssh-ed25519, ssh-rsa and scrypt recipients; ChaCha20-Poly1305 STREAM',
  extension: AGE_EXTENSION,
  matches: (head) => startsWith(head, BINARY_MAGIC) || isArmorStart(head),
  encryptFile: encryptAgeFile,
  decryptFile: decryptAgeFile,
  inspect: inspectAgeFile,
}

// What the age v1 file codec (age-codec.ts), the age streams (lib/streams.ts) and random access
// (lib/reader.ts) share: recognising age input, turning key options into what native.age takes,
// sealing and opening a header down to a payload key (the file key never reaches JS), and the
// STREAM payload's sizes.
import { open, readFile } from 'node:fs/promises'
import { resolve } from 'node:path'

import type { AgeFileKey, AgeHeaderInfo, AgeKeyInput } from '../../binding'
import type { IdentityOptions } from '../decrypt'
import type { RecipientOptions } from '../encrypt'
import { ArgumentError, fromFs, HeaderError, nativeCall, nativeSync, WrongKeyError } from '../errors'
import type { RecipientInfo } from '../fsec'
import { Key, type KeyInput, loadKeys } from '../keys'
import type { FileMetadata } from '../metadata'
import { native, type PayloadKey } from '../native'
import { DEFAULT_WORK_FACTOR, MAX_WORK_FACTOR } from '../options'
import { type PassphraseSource, withPassphrase } from '../passphrase'

// Any version line is claimed, so an unsupported version is reported as such (FSEC_UNSUPPORTED_VERSION
// from the header parser) rather than as "not encrypted"; only v1 parses.
export const AGE_BINARY_MAGIC = Buffer.from('age-encryption.org/')
export const AGE_ARMOR_MAGIC = Buffer.from('-----BEGIN AGE ENCRYPTED FILE-----')
/** The only version line filesec reads and writes. */
export const AGE_V1_LINE = 'age-encryption.org/v1'
/** Bytes read to find the header of a binary file; a larger header is refused as invalid. */
export const MAX_AGE_HEADER = 1024 * 1024
// STREAM: a 16-byte nonce, then 64 KiB plaintext chunks each with a 16-byte Poly1305 tag.
export const AGE_NONCE_SIZE = 16
export const AGE_CHUNK_SIZE = 64 * 1024
export const AGE_TAG_SIZE = 16

export function startsWith(head: Buffer, magic: Buffer): boolean {
  return head.length >= magic.length && head.subarray(0, magic.length).equals(magic)
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d
}

/** The offset of the first non-whitespace byte (head.length when there is none). */
export function skipWhitespace(head: Buffer): number {
  let i = 0
  while (i < head.length && isWhitespace(head[i]!)) i++
  return i
}

/** age allows whitespace before the armor's BEGIN line (CCTV armor_whitespace_outside). */
export function isArmorStart(head: Buffer): boolean {
  return startsWith(head.subarray(skipWhitespace(head)), AGE_ARMOR_MAGIC)
}

// A damaged age armor's BEGIN line: other case, spaces, another label, or text before it.
const ARMOR_LIKE = /-----\s*BEGIN\s+AGE\b/i

/**
 * True when `head` starts an armored age file, or plainly tries to (an age BEGIN line in another
 * case, with spaces, another label or text before it): such a file is claimed as age, so the
 * strict de-armorer reports what is wrong with its armor instead of "not an encrypted file".
 */
export function looksLikeAgeArmor(head: Buffer): boolean {
  return isArmorStart(head) || ARMOR_LIKE.test(head.toString('latin1'))
}

// Key text the native age parser takes directly; any other string is a path to a key file.
const KEY_TEXT = /^\s*(age1|AGE-SECRET-KEY-|ssh-|-----BEGIN |#)/
// A passphrase-protected private key filesec's key loader opens: an age-encrypted identity file
// (binary or armored, as age reads them; filesec writes its X25519 keys so) or an encrypted PEM key.
const PROTECTED_KEY = /^\s*(age-encryption\.org\/|-----BEGIN (AGE ENCRYPTED FILE|ENCRYPTED PRIVATE KEY)-----|-----BEGIN [A-Z ]+-----\r?\nProc-Type: 4,ENCRYPTED)/
// A PEM block other than an OpenSSH private key: filesec's key files (public or private,
// protected or not), which age itself does not read as recipients.
const PEM_KEY = /^\s*-----BEGIN (?!OPENSSH )/
const OPENSSH_PRIVATE = /^\s*-----BEGIN OPENSSH PRIVATE KEY-----/

/** Turns filesec key inputs into key text or native Keys, as native.age.open/seal accept them. */
export async function ageKeys(input: KeyInput | KeyInput[]): Promise<AgeKeyInput[]> {
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

/**
 * Replaces the key texts whose start matches `pattern` by the keys filesec's key loader reads
 * from them (with `passphrase` for protected ones); other inputs are kept as they are.
 */
async function loadMatching(keys: AgeKeyInput[], pattern: RegExp, passphrase: PassphraseSource | undefined): Promise<AgeKeyInput[]> {
  const out = await Promise.all(
    keys.map(async (k): Promise<AgeKeyInput[]> => {
      if (!Buffer.isBuffer(k) && typeof k !== 'string') return [k]
      // Only the start is looked at: the rest of a private key is secret.
      const start = Buffer.isBuffer(k) ? k.subarray(0, 128).toString('latin1') : k.slice(0, 128)
      if (!pattern.test(start)) return [k]
      const loaded = await loadKeys(Buffer.isBuffer(k) ? k : Buffer.from(k), passphrase !== undefined ? { passphrase } : {})
      return loaded.map((key) => key.native)
    }),
  )
  return out.flat()
}

/**
 * The identities for native.age.open. With `identityPassphrase`, passphrase-protected identity
 * files are opened by filesec's key loader; without it the native parser rejects them with
 * FSEC_KEY_PASSPHRASE_REQUIRED (the CLI then asks). Everything else is key text age reads itself
 * (age identity files, OpenSSH and PEM RSA private keys).
 */
export async function ageIdentities(o: IdentityOptions): Promise<AgeKeyInput[]> {
  const keys = await ageKeys(o.identity!)
  return o.identityPassphrase === undefined ? keys : loadMatching(keys, PROTECTED_KEY, o.identityPassphrase)
}

/**
 * The recipients for native.age.seal / rewrap. age reads age1… and ssh-… keys; PEM key files
 * (filesec's RSA and X25519 keys, public or private: the public half is used) go through
 * filesec's key loader, with `keyPassphrase` for a protected one.
 */
export async function ageRecipients(input: KeyInput | KeyInput[], keyPassphrase?: PassphraseSource): Promise<AgeKeyInput[]> {
  const keys = await ageKeys(input)
  for (const k of keys) {
    if ((Buffer.isBuffer(k) || typeof k === 'string') && OPENSSH_PRIVATE.test(typeof k === 'string' ? k.slice(0, 64) : k.subarray(0, 64).toString('latin1'))) {
      throw new WrongKeyError(
        'FSEC_WRONG_KEY',
        'an OpenSSH private key was given as a recipient: give its public key (the .pub file beside it), as age does',
      )
    }
  }
  return loadMatching(keys, PEM_KEY, keyPassphrase)
}

async function readKeyFile(path: string): Promise<Buffer> {
  return readFile(resolve(path)).catch((e: unknown) => {
    throw fromFs(e, resolve(path))
  })
}

/** The plaintext size a whole STREAM payload of `payloadBytes` holds (its last chunk may be short or empty). */
export function plaintextSizeOf(payloadBytes: number): number {
  const sealed = payloadBytes - AGE_NONCE_SIZE
  const chunks = Math.max(1, Math.ceil(sealed / (AGE_CHUNK_SIZE + AGE_TAG_SIZE)))
  return Math.max(0, sealed - chunks * AGE_TAG_SIZE)
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

/** What decrypt and inspect report as an age file's metadata: age has none sealed, only the payload size. */
export function ageMetadataOf(size: number): FileMetadata {
  return { v: 1, padding: 0, size }
}

/** Reads the header of a binary age file (a bounded prefix; the payload job reads the rest). */
export async function readBinaryAgeHeader(path: string, fileSize: number): Promise<{ header: Buffer; info: AgeHeaderInfo }> {
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw fromFs(e, path)
  })
  try {
    const n = Math.min(fileSize, MAX_AGE_HEADER)
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
 * The size of the binary age header at the start of `bytes` once its MAC line (`--- …\n`) has
 * arrived, or undefined while it has not (a stream still receiving its header). The header is
 * parsed strictly (HeaderError / UnsupportedVersionError) as soon as it is complete, or as soon
 * as its first line shows another version.
 */
export function ageHeaderSizeIn(bytes: Buffer): number | undefined {
  const firstLineEnd = bytes.indexOf(0x0a)
  if (firstLineEnd >= 0 && bytes.subarray(0, firstLineEnd).toString('latin1') !== AGE_V1_LINE) {
    // Not v1 (or malformed): the parser says which, with the code decryptFile gives.
    nativeSync(() => native.age.parseHeader(bytes))
    throw new HeaderError('FSEC_HEADER_INVALID', 'age header: the first line is not age-encryption.org/v1')
  }
  // Stanza lines start with "-> " and body lines are base64, so "\n---" can only begin the MAC line.
  const mac = bytes.indexOf('\n---')
  const end = mac < 0 ? -1 : bytes.indexOf(0x0a, mac + 1)
  if (end < 0) {
    if (bytes.length > MAX_AGE_HEADER) {
      // Parse what there is, so a malformed start is reported as what it is; a long but
      // well-formed start is refused as a header no age tool writes.
      nativeSync(() => native.age.parseHeader(bytes))
      throw new HeaderError('FSEC_HEADER_INVALID', `age header: no end of the header in its first ${MAX_AGE_HEADER} bytes`)
    }
    return undefined
  }
  const info = nativeSync(() => native.age.parseHeader(bytes.subarray(0, end + 1)))
  return info.headerSize
}

/** A new age header for the recipients (`to`) or the passphrase, and the payload key of its fresh file key. */
export async function sealAgeHeader(o: RecipientOptions): Promise<{ header: Buffer; payloadKey: PayloadKey }> {
  const sealed =
    o.passphrase !== undefined
      ? await withPassphrase(o.passphrase, 'passphrase', (pass) =>
          nativeCall(native.age.seal([], pass, o.workFactor ?? DEFAULT_WORK_FACTOR)),
        )
      : await nativeCall(native.age.seal(await ageRecipients(o.to!, o.keyPassphrase), null, 0))
  try {
    return { header: sealed.header, payloadKey: nativeSync(() => native.age.payloadKey(sealed.fileKey)) }
  } finally {
    sealed.fileKey.destroy()
  }
}

/** Unwraps the file key with the caller's identities or passphrase (the caller destroys it). */
export async function openAgeFileKey(header: Buffer, o: IdentityOptions): Promise<AgeFileKey> {
  const maxWorkFactor = o.maxWorkFactor ?? MAX_WORK_FACTOR
  if (o.passphrase !== undefined) {
    return withPassphrase(o.passphrase, 'passphrase', (pass) => nativeCall(native.age.open(header, [], pass, maxWorkFactor)))
  }
  const ids = await ageIdentities(o)
  return nativeCall(native.age.open(header, ids, null, maxWorkFactor))
}

/** Unwraps the file key with the caller's identities or passphrase; returns the payload key. */
export async function openAgeHeader(header: Buffer, o: IdentityOptions): Promise<PayloadKey> {
  const fileKey = await openAgeFileKey(header, o)
  try {
    return nativeSync(() => native.age.payloadKey(fileKey))
  } finally {
    fileKey.destroy()
  }
}

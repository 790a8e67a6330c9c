// Keys: loading every supported format, generating pairs, writing key files. Key material is
// parsed and held by the native addon; a Key here is a handle with public facts only.
import { existsSync } from 'node:fs'
import { open, readFile, rm } from 'node:fs/promises'

import { ArgumentError, WrongKeyError, fromFs, nativeCall } from './errors'
import { native, type NativeKey } from './native'
import { type PassphraseSource, withPassphrase } from './passphrase'
import { tempPathFor } from './paths'

export type KeyKind = 'rsa' | 'x25519' | 'ed25519'

/**
 * An RSA, X25519 or Ed25519 key, public or private. Private material never leaves native memory.
 * RSA keys encrypt and sign, X25519 keys encrypt, Ed25519 keys sign (minisign-compatible).
 */
export class Key {
  /** @internal */
  readonly native: NativeKey

  /** @internal */
  constructor(nativeKey: NativeKey) {
    this.native = nativeKey
  }

  get kind(): KeyKind {
    return this.native.kind
  }
  get bits(): number {
    return this.native.bits
  }
  get isPrivate(): boolean {
    return this.native.isPrivate
  }
  /** SHA-256 of the DER SubjectPublicKeyInfo, hex: `openssl pkey -pubin -outform DER | sha256sum`. */
  get fingerprint(): string {
    return this.native.fingerprint
  }
  /** The public key as text: PEM for RSA, `age1…` for X25519, a minisign public key file for Ed25519. */
  get publicText(): string {
    return this.native.publicText()
  }
  /**
   * Ed25519 keys: the minisign key id, upper-case hex as minisign prints it. Keys read from
   * minisign files keep theirs; other Ed25519 keys use the first 8 bytes of the fingerprint.
   */
  get keyId(): string | undefined {
    return this.native.keyId ?? undefined
  }

  /** The public half (this key itself if it is public). */
  async publicKey(): Promise<Key> {
    if (!this.isPrivate) return this
    const [pub] = await parseKeyBytes(Buffer.from(this.publicText), null, {})
    return pub!
  }

  toString(): string {
    return this.publicText
  }

  toJSON(): { kind: KeyKind; bits: number; isPrivate: boolean; fingerprint: string; publicKey: string; keyId?: string } {
    return {
      kind: this.kind,
      bits: this.bits,
      isPrivate: this.isPrivate,
      fingerprint: this.fingerprint,
      publicKey: this.publicText,
      ...(this.keyId !== undefined ? { keyId: this.keyId } : {}),
    }
  }
}

/**
 * Something that names keys: a Key, the key bytes, a path to a key file, key text (PEM,
 * `ssh-rsa …`, `age1…`, `AGE-SECRET-KEY-1…`, a minisign key file or its `RW…` public key line),
 * or an explicit `{ path }` / `{ text }`.
 */
export type KeyInput = Key | Buffer | string | { path: string } | { text: string }

export interface LoadKeyOptions {
  /** Passphrase of an encrypted private key or identity file. */
  passphrase?: PassphraseSource
  /** Smallest RSA modulus accepted, in bits (default 2048). */
  minRsaBits?: number
  /** Largest scrypt work factor (log2 N) accepted for passphrase-protected identity files (default 22). */
  maxWorkFactor?: number
}

// A string is key text when it spans lines, starts a PEM block, or is shaped like a one-line key
// and names no existing file; anything else is a path (so 'ssh-team.pub' is read as a file).
const ONE_LINE_KEY = /^\s*(age1[0-9a-z]+|AGE-SECRET-KEY-1[0-9a-z]+|ssh-[a-z0-9-]+ [A-Za-z0-9+/]+={0,2}( .*)?|RW[A-Za-z0-9+/]{54})\s*$/i

function looksLikeKeyText(s: string): boolean {
  if (s.includes('\n') || s.trimStart().startsWith('-----BEGIN ')) return true
  return ONE_LINE_KEY.test(s) && !existsSync(s)
}

async function parseKeyBytes(bytes: Buffer, passphrase: Buffer | null, options: LoadKeyOptions): Promise<Key[]> {
  const keys = await nativeCall(
    native.parseKeys(bytes, passphrase, options.minRsaBits ?? 2048, options.maxWorkFactor ?? 22),
  )
  return keys.map((k) => new Key(k))
}

async function readKeyFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (e) {
    throw fromFs(e, path)
  }
}

/** Loads every key an input names (an age identity or recipients file may hold several). */
export async function loadKeys(input: KeyInput | KeyInput[], options: LoadKeyOptions = {}): Promise<Key[]> {
  const inputs = Array.isArray(input) ? input : [input]
  if (inputs.length === 0) throw new ArgumentError('no key given')
  const out: Key[] = []
  for (const item of inputs) {
    if (item instanceof Key) {
      out.push(item)
      continue
    }
    let bytes: Buffer
    let fromFile = false
    if (Buffer.isBuffer(item)) {
      bytes = Buffer.from(item)
    } else if (typeof item === 'string') {
      fromFile = !looksLikeKeyText(item)
      bytes = fromFile ? await readKeyFile(item) : Buffer.from(item, 'utf8')
    } else if (item && typeof item === 'object' && 'path' in item && typeof item.path === 'string') {
      fromFile = true
      bytes = await readKeyFile(item.path)
    } else if (item && typeof item === 'object' && 'text' in item && typeof item.text === 'string') {
      bytes = Buffer.from(item.text, 'utf8')
    } else {
      throw new ArgumentError('a key must be a Key, a Buffer, a path, key text, { path } or { text }')
    }
    try {
      const keys = await withPassphrase(options.passphrase, 'key passphrase', (pass) =>
        parseKeyBytes(bytes, pass, options),
      )
      out.push(...keys)
    } catch (e) {
      if (fromFile && e instanceof Error) e.message = `${e.message} (in ${String((item as { path?: string }).path ?? item)})`
      throw e
    } finally {
      bytes.fill(0)
    }
  }
  return out
}

/** Loads exactly one key. */
export async function loadKey(input: KeyInput, options: LoadKeyOptions = {}): Promise<Key> {
  const keys = await loadKeys(input, options)
  if (keys.length !== 1) throw new ArgumentError(`expected one key, found ${keys.length}`)
  return keys[0]!
}

/** Loads keys to decrypt with; every one must be private. */
export async function loadIdentities(input: KeyInput | KeyInput[], options: LoadKeyOptions = {}): Promise<Key[]> {
  const keys = await loadKeys(input, options)
  for (const k of keys) {
    if (!k.isPrivate) {
      throw new WrongKeyError(
        'FSEC_WRONG_KEY',
        `a public key (${k.kind}, ${k.fingerprint.slice(0, 16)}) was given where a private key (identity) is needed`,
      )
    }
  }
  return keys
}

export interface KeyPair {
  publicKey: Key
  privateKey: Key
}

export interface GenerateKeyPairOptions extends WritePrivateKeyOptions {
  /** RSA modulus size (default 4096; 2048 to 16384, a multiple of 8). */
  bits?: number
  /** Also write the private key here (0600; needs `passphrase` or `unprotected: true`). */
  privateKeyPath?: string
  /** Also write the public key here. */
  publicKeyPath?: string
}

/**
 * Generates an X25519 (age-compatible), RSA or Ed25519 (signing, minisign-compatible) key pair
 * in native memory, and writes it to files when paths are given.
 */
export async function generateKeyPair(kind: KeyKind, options: GenerateKeyPairOptions = {}): Promise<KeyPair> {
  if (kind !== 'x25519' && kind !== 'rsa' && kind !== 'ed25519') {
    throw new ArgumentError("kind must be 'x25519', 'rsa' or 'ed25519'")
  }
  if (kind !== 'rsa' && options.bits !== undefined) throw new ArgumentError('bits applies to RSA keys only')
  const bits = options.bits ?? 4096
  if (!Number.isInteger(bits)) throw new ArgumentError('bits must be an integer')
  if (options.privateKeyPath === undefined && (options.passphrase !== undefined || options.unprotected !== undefined)) {
    throw new ArgumentError('passphrase and unprotected apply when privateKeyPath is given')
  }
  if (options.privateKeyPath !== undefined) checkProtection(options)
  const privateKey = new Key(await nativeCall(native.generateKey(kind, kind === 'rsa' ? bits : 0)))
  const publicKey = await privateKey.publicKey()
  // Public key first: if the private key then cannot be written, the public file is removed
  // again, so a failure never leaves half a pair.
  if (options.publicKeyPath !== undefined) await writePublicKey(publicKey, options.publicKeyPath)
  if (options.privateKeyPath !== undefined) {
    const { passphrase, unprotected } = options
    try {
      await writePrivateKey(privateKey, options.privateKeyPath, passphrase !== undefined ? { passphrase } : { unprotected })
    } catch (e) {
      if (options.publicKeyPath !== undefined) await rm(options.publicKeyPath, { force: true })
      throw e
    }
  }
  return { privateKey, publicKey }
}

export interface WritePrivateKeyOptions {
  /** Protects the file: PKCS#8 (PBKDF2-SHA-256, AES-256-CBC) for RSA and Ed25519, an age-encrypted identity for X25519. */
  passphrase?: PassphraseSource
  /** Required to write the key without a passphrase. */
  unprotected?: boolean
}

function checkProtection(options: WritePrivateKeyOptions): void {
  if (options.passphrase === undefined && options.unprotected !== true) {
    throw new ArgumentError('a private key is written passphrase-protected: give a passphrase, or unprotected: true')
  }
  if (options.passphrase !== undefined && options.unprotected === true) {
    throw new ArgumentError('give either a passphrase or unprotected: true, not both')
  }
}

/**
 * Writes a private key file, mode 0600, atomically, never replacing an existing file. A
 * passphrase is required unless `unprotected: true` is given.
 */
export async function writePrivateKey(key: Key, path: string, options: WritePrivateKeyOptions = {}): Promise<void> {
  if (!key.isPrivate) throw new WrongKeyError('FSEC_WRONG_KEY', 'this is a public key: there is no private key to write')
  checkProtection(options)
  const created = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
  await withPassphrase(options.passphrase, 'key passphrase', (pass) =>
    nativeCall(native.writePrivateKey(key.native, path, tempPathFor(path), pass, created)),
  )
}

/** Writes the public key as text (PEM, `age1…`, or a minisign public key file), mode 0644, refusing to replace a file. */
export async function writePublicKey(key: Key, path: string): Promise<void> {
  let handle
  try {
    handle = await open(path, 'wx', 0o644)
  } catch (e) {
    throw fromFs(e, path)
  }
  try {
    await handle.writeFile(key.publicText.endsWith('\n') ? key.publicText : `${key.publicText}\n`)
    await handle.close()
  } catch (e) {
    // The file is ours (created just above): a failed write (a full disk) must not leave it
    // empty or cut short under the key's name.
    await handle.close().catch(() => undefined)
    await rm(path, { force: true })
    throw fromFs(e, path)
  }
}

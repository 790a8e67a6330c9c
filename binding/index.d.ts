// The typed seam to the native addon (src/napi). Every export of the .node module is declared
// here and nowhere else; lib/ imports the addon only through this file.
//
// Errors thrown or rejected by native functions are plain `Error`s with a stable `code`
// (FSEC_*), plus `errno` / `syscall` for I/O failures; lib/errors.ts turns them into classes.

declare namespace binding {
  /** An asymmetric key held in native memory. Made by parseKeys() or generateKey(). */
  export interface Key {
    readonly kind: 'rsa' | 'x25519' | 'ed25519'
    readonly isPrivate: boolean
    readonly bits: number
    /** SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex. */
    readonly fingerprint: string
    /** Ed25519: the minisign key id, upper-case hex as minisign prints it; null for other kinds. */
    readonly keyId: string | null
    /** PEM SubjectPublicKeyInfo for RSA; `age1…` for X25519; a minisign public key file for Ed25519. */
    publicText(): string
    /** DER SubjectPublicKeyInfo. */
    spki(): Buffer
  }

  /** The secret of one file's payload (input key and context). Never readable from JS. */
  export interface PayloadKey {
    /** Drops this handle's reference to the secret now (it is wiped when the last user is done). */
    destroy(): void
  }

  export interface Sealer {
    update(data: Buffer): Buffer
    final(): Buffer
  }

  export interface Opener {
    /** Returns only plaintext whose chunks authenticated. Throws, and keeps throwing, on failure. */
    update(data: Buffer): Buffer
    final(): Buffer
  }

  export interface Reader {
    readonly size: number
    read(position: number, length: number): Promise<Buffer>
    close(): void
  }

  export interface JobResult {
    plaintextBytes: number
    fileBytes: number
  }

  export interface Job<T = JobResult> {
    readonly promise: Promise<T>
    abort(): void
  }

  export type ProgressCallback = (done: number, total: number) => void

  export interface OutputOptions {
    output: string
    tempPath: string
    overwrite: boolean
    durable: boolean
    threads: number
  }

  export interface FsecStanzaInfo {
    type: 'rsa-oaep-sha256' | 'x25519' | 'scrypt' | 'unknown'
    typeId: number
    bodySize: number
    fingerprint?: string
    workFactor?: number
    rsaBits?: number
  }

  export interface FsecHeaderInfo {
    version: number
    suite: number
    fileId: string
    headerSize: number
    metadataSize: number
    stanzas: FsecStanzaInfo[]
  }

  /** 'minisign': Ed25519 over the file's BLAKE2b-512 (minisign "ED"); 'rsa-pss-sha256': RSASSA-PSS over its SHA-256. */
  export type SignatureScheme = 'minisign' | 'rsa-pss-sha256'

  export interface SignOutput {
    signature: Buffer
    /** minisign: Ed25519 over signature ‖ trusted comment. */
    commentSignature: Buffer | null
    fileBytes: number
  }

  export interface VerifyOutput {
    verdict: 'valid' | 'key-mismatch' | 'comment-mismatch' | 'signature-mismatch'
    /** 0 when the file did not need to be read (the comment signature already failed). */
    fileBytes: number
  }

  export interface Binding {
    opensslVersion(): string

    parseKeys(data: Buffer, passphrase: Buffer | null, minRsaBits: number, maxWorkFactor: number): Promise<Key[]>
    generateKey(kind: 'rsa' | 'x25519' | 'ed25519', bits: number): Promise<Key>
    writePrivateKey(key: Key, path: string, tempPath: string, passphrase: Buffer | null, createdComment: string): Promise<void>

    fsec: {
      /** Header size from the first 32 bytes (checks magic and version). */
      headerSize(firstBytes: Buffer): number
      parse(headerBytes: Buffer): FsecHeaderInfo
      seal(recipients: Key[], passphrase: Buffer | null, workFactor: number, metadata: Buffer): Promise<{ header: Buffer; payloadKey: PayloadKey }>
      open(headerBytes: Buffer, identities: Key[], passphrase: Buffer | null, maxWorkFactor: number): Promise<{ payloadKey: PayloadKey; metadata: Buffer; stanzaIndex: number }>
    }

    Sealer: new (payloadKey: PayloadKey) => Sealer
    Opener: new (payloadKey: PayloadKey, expectedSize: number | null) => Opener
    openReader(payloadKey: PayloadKey, path: string, payloadOffset: number, expectedSize: number | null): Promise<Reader>

    encryptFile(payloadKey: PayloadKey, header: Buffer, options: OutputOptions & { source: string; expectedSize: number }, onProgress: ProgressCallback | null): Job
    decryptFile(payloadKey: PayloadKey, options: OutputOptions & { source: string; payloadOffset: number; expectedSize: number | null; mtimeMs: number | null }, onProgress: ProgressCallback | null): Job

    /** Direct access to the primitives for conformance tests; not public API. */
    primitives: {
      aeadSeal(algorithm: 'aes-256-gcm' | 'chacha20-poly1305', key: Buffer, nonce: Buffer, aad: Buffer, plaintext: Buffer): Buffer
      aeadOpen(algorithm: 'aes-256-gcm' | 'chacha20-poly1305', key: Buffer, nonce: Buffer, aad: Buffer, sealed: Buffer): Buffer | null
      hkdfSha256(ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer
      hmacSha256(key: Buffer, data: Buffer): Buffer
      x25519(privateKey: Buffer, publicKey: Buffer): Buffer | null
      rsaOaepDecrypt(privateKeyDer: Buffer, digest: string, mgf1Digest: string, label: Buffer, ciphertext: Buffer): Buffer | null
      cobblestonePayloadKey(inputKey: Buffer, context: Buffer): PayloadKey
      /** Ed25519 verification (the key as DER SubjectPublicKeyInfo, through the production key parser). */
      ed25519Verify(spkiDer: Buffer, message: Buffer, signature: Buffer): boolean
      /** Hashes message with digest, then RSASSA-PSS verification over that digest (the path file signatures take). */
      rsaPssVerify(spkiDer: Buffer, digest: string, mgf1Digest: string, saltLength: number, message: Buffer, signature: Buffer): boolean
    }

    /** Hashes the file and signs it; a private Ed25519 key for 'minisign', RSA for 'rsa-pss-sha256'. */
    signFile(key: Key, options: { source: string; scheme: SignatureScheme; trustedComment: Buffer | null }, onProgress: ProgressCallback | null): Job<SignOutput>
    /** Verifies a detached signature of the file (a public or private key). */
    verifyFile(key: Key, options: { source: string; scheme: SignatureScheme; signature: Buffer; trustedComment: Buffer | null; commentSignature: Buffer | null }, onProgress: ProgressCallback | null): Job<VerifyOutput>
    /** The file's digest in one streaming pass (for tests and benchmarks; not public API). */
    hashFile(path: string, digest: 'sha256' | 'blake2b512', onProgress: ProgressCallback | null): Job<{ digest: Buffer; fileBytes: number }>
    /** Writes data to a new file: mode 0600, temporary name then rename, never replacing a file unless overwrite. */
    writeNewFile(path: string, tempPath: string, data: Buffer, overwrite: boolean): Promise<void>
  }
}

declare const binding: binding.Binding
export = binding

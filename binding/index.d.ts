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

  /**
   * The key every recipient stanza of one .fsec file wraps, for header-only rotation. Never
   * readable from JS; only fsec.reseal() with a header of the same file accepts it.
   */
  export interface FileKey {
    /** Drops this handle's reference to the key now (it is wiped when the last user is done). */
    destroy(): void
  }

  export interface ResealOptions {
    /** Indices of old stanzas to copy verbatim (key recipients only; not scrypt, not reserved space). */
    keep: number[]
    /** New recipients, wrapped after the kept stanzas. */
    recipients: Key[]
    /** A new passphrase (then keep and recipients must be empty). */
    passphrase: Buffer | null
    workFactor: number
    /** The new metadata plaintext (JSON). */
    metadata: Buffer
    /** Header size to reach with reserved space (the old size, to rewrite in place); 0 for the 1024 rule. */
    targetSize: number
  }

  /** What identifies the file read, as given by fs.stat(path, { bigint: true }). */
  export interface FileIdentity {
    dev: bigint
    ino: bigint
    size: number
    mtimeNs: bigint
    ctimeNs: bigint
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
    type: 'rsa-oaep-sha256' | 'x25519' | 'scrypt' | 'reserved' | 'unknown'
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

  export type DestroyPattern = 'random' | 'zeros' | 'ones'

  export type DestroyStep = 'none' | 'overwrite' | 'sync' | 'check' | 'truncate' | 'rename' | 'unlink' | 'folder-sync'

  /** What the shredder did; identity, size and link count are those of the file as opened. */
  export interface DestroyNativeReport {
    deviceMajor: number
    deviceMinor: number
    inode: number
    links: number
    size: number
    blockSize: number
    /** The passes started, in order. */
    passes: { pattern: DestroyPattern; bytesWritten: number; synced: boolean }[]
    truncated: boolean
    /** The names (in the same folder) the file was renamed to, in order. */
    renamedTo: string[]
    unlinked: boolean
    folderSynced: boolean
    seconds: number
    /** Why the work stopped part-way (code FSEC_ABORTED for an abort), or null when it finished. */
    error: (Error & { code: string; errno?: number; syscall?: string }) | null
    /** The step that failed ('none' when it finished). */
    failedStep: DestroyStep
  }

  export interface DestroyJob {
    /** Rejects only when the file could not be opened for overwriting (nothing was changed). */
    readonly promise: Promise<DestroyNativeReport>
    abort(): void
  }

  /**
   * 'minisign': Ed25519 over the file's BLAKE2b-512 (minisign "ED"); 'rsa-pss-sha256': RSASSA-PSS
   * over its SHA-256; 'pyfilesec-pkcs1v15' (verify only): RSASSA-PKCS1-v1_5 over its SHA-256, SHA-1
   * or MD5, as pyFileSec's `openssl dgst -sign` made it (tried in that order, one pass over the file).
   */
  export type SignatureScheme = 'minisign' | 'rsa-pss-sha256' | 'pyfilesec-pkcs1v15'

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
    /** 'pyfilesec-pkcs1v15' when valid: the digest that matched; otherwise null. */
    digest: 'sha256' | 'sha1' | 'md5' | null
  }

  export interface Binding {
    opensslVersion(): string
    /** RLIMIT_CORE 0 and PR_SET_DUMPABLE 0 for this process (the CLI calls it first). */
    denyCoreDumps(): void
    /** PR_GET_DUMPABLE and the RLIMIT_CORE soft limit (Infinity-like large numbers when unlimited). */
    coreDumpState(): { dumpable: boolean; coreLimit: number }
    /** The environment removes `path` when it shuts down (worker terminated, process exit) unless released first. */
    ownIntermediateFile(path: string): void
    releaseIntermediateFile(path: string): void
    /** Cancels and joins every running job, then removes the owned intermediate files (process 'exit'). */
    shutDown(): void

    parseKeys(data: Buffer, passphrase: Buffer | null, minRsaBits: number, maxWorkFactor: number): Promise<Key[]>
    generateKey(kind: 'rsa' | 'x25519' | 'ed25519', bits: number): Promise<Key>
    writePrivateKey(key: Key, path: string, tempPath: string, passphrase: Buffer | null, createdComment: string): Promise<void>

    fsec: {
      /** Header size from the first 32 bytes (checks magic and version). */
      headerSize(firstBytes: Buffer): number
      parse(headerBytes: Buffer): FsecHeaderInfo
      seal(recipients: Key[], passphrase: Buffer | null, workFactor: number, metadata: Buffer): Promise<{ header: Buffer; payloadKey: PayloadKey }>
      open(headerBytes: Buffer, identities: Key[], passphrase: Buffer | null, maxWorkFactor: number): Promise<{ payloadKey: PayloadKey; metadata: Buffer; stanzaIndex: number }>
      /** Like open(), and also the file key itself (as an opaque handle) for reseal(). */
      openFileKey(headerBytes: Buffer, identities: Key[], passphrase: Buffer | null, maxWorkFactor: number): Promise<{ fileKey: FileKey; payloadKey: PayloadKey; metadata: Buffer; stanzaIndex: number }>
      /** A new header around the same file key and file id (header-only rotation). */
      reseal(oldHeaderBytes: Buffer, fileKey: FileKey, options: ResealOptions): Promise<Buffer>
    }

    /** Committing a header-only rotation (src/core/header_commit.h). */
    rotation: {
      /** Rewrites the header in place behind a rotation journal (same header size). */
      commitInPlace(path: string, journalPath: string, identity: FileIdentity, oldHeader: Buffer, newHeader: Buffer, durable: boolean): Promise<void>
      /** New header + the payload copied (copy_file_range) to tempPath, renamed over path; resolves to the new size. */
      commitCopy(path: string, tempPath: string, identity: FileIdentity, oldHeader: Buffer, newHeader: Buffer, durable: boolean): { promise: Promise<number>; abort(): void }
      /** Completes an interrupted in-place rewrite; false when there is no journal. */
      recover(path: string, journalPath: string, durable: boolean): Promise<boolean>
      /** Writes a rotation journal on its own (used by tests to reproduce a crash). Not public API. */
      writeJournal(journalPath: string, oldHeader: Buffer, newHeader: Buffer, durable: boolean): Promise<void>
    }

    Sealer: new (payloadKey: PayloadKey) => Sealer
    Opener: new (payloadKey: PayloadKey, expectedSize: number | null) => Opener
    openReader(payloadKey: PayloadKey, path: string, payloadOffset: number, expectedSize: number | null): Promise<Reader>

    /**
     * `padding` (default 0) zero bytes are sealed after the source's `expectedSize` bytes (no
     * file I/O for them). Resolves to { plaintextBytes: expectedSize + padding, fileBytes }.
     */
    encryptFile(payloadKey: PayloadKey, header: Buffer, options: OutputOptions & { source: string; expectedSize: number; padding?: number }, onProgress: ProgressCallback | null): Job
    /**
     * The last `padding` (default 0) payload bytes are not written and must be zero
     * (FSEC_PADDING_INVALID otherwise). Resolves to { plaintextBytes: bytes written, fileBytes }.
     */
    decryptFile(payloadKey: PayloadKey, options: OutputOptions & { source: string; payloadOffset: number; expectedSize: number | null; padding?: number; mtimeMs: number | null }, onProgress: ProgressCallback | null): Job
    /**
     * Re-encrypts a file under a new file key, the plaintext only in native memory: the old
     * payload's first `keepBytes` plaintext bytes, then `padding` zero bytes, become the new
     * payload behind `newHeader`. Every old chunk must authenticate (dropped ones too). The
     * output may be the source itself (overwrite): it is replaced only after full success.
     * `expectedSize` is the old payload plaintext size (old padding included), from the metadata.
     * Resolves to { plaintextBytes: keepBytes + padding, fileBytes }.
     */
    rekeyFile(oldPayloadKey: PayloadKey, newPayloadKey: PayloadKey, newHeader: Buffer, options: OutputOptions & { source: string; payloadOffset: number; expectedSize: number | null; keepBytes: number; padding: number }, onProgress: ProgressCallback | null): Job
    /**
     * Authenticates every chunk of an encrypted file and writes nothing; the last `padding`
     * (default 0) payload bytes must be zero. Resolves to { plaintextBytes: payload plaintext
     * without the padding, fileBytes }.
     */
    verifyFile(payloadKey: PayloadKey, options: { source: string; payloadOffset: number; expectedSize: number | null; padding?: number; threads: number }, onProgress: ProgressCallback | null): Job

    /** Overwrites `path` in place with each pattern (fdatasync after each), then unless `remove` is false truncates, renames and unlinks it. */
    destroyFile(options: { path: string; passes: DestroyPattern[]; remove: boolean }, onProgress: ProgressCallback | null): DestroyJob

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
      /** AES-CBC (128/192/256 by key size) with PKCS#7 padding, one shot; null when the padding is invalid. */
      aesCbcDecrypt(key: Buffer, iv: Buffer, ciphertext: Buffer): Buffer | null
      /** The pyFileSec password unwrap: RSA-OAEP SHA-1/MGF1-SHA-1, empty label; null on failure. */
      pyfilesecUnwrap(privateKeyDer: Buffer, ciphertext: Buffer): Buffer | null
    }

    /** The legacy pyFileSec archive reader (src/core/legacy_cbc.h). */
    pyfilesec: PyfilesecApi

    /** Hashes the file and signs it; a private Ed25519 key for 'minisign', RSA for 'rsa-pss-sha256'. */
    signFile(key: Key, options: { source: string; scheme: Exclude<SignatureScheme, 'pyfilesec-pkcs1v15'>; trustedComment: Buffer | null }, onProgress: ProgressCallback | null): Job<SignOutput>
    /** Verifies a detached signature of the file (a public or private key). */
    verifySignature(key: Key, options: { source: string; scheme: SignatureScheme; signature: Buffer; trustedComment: Buffer | null; commentSignature: Buffer | null }, onProgress: ProgressCallback | null): Job<VerifyOutput>
    /** The file's digest in one streaming pass (for tests and benchmarks; not public API). */
    hashFile(path: string, digest: 'sha256' | 'blake2b512', onProgress: ProgressCallback | null): Job<{ digest: Buffer; fileBytes: number }>
    /** Writes data to a new file: mode 0600, temporary name then rename, never replacing a file unless overwrite. */
    writeNewFile(path: string, tempPath: string, data: Buffer, overwrite: boolean): Promise<void>
    /** Whether a live process holds a temporary or rotation journal (its flock), without waiting. */
    probeLeftover(path: string): 'in-use' | 'abandoned' | 'gone'

    /**
     * An age v1 payload key (STREAM: ChaCha20-Poly1305, 64 KiB chunks, 16-byte nonce prefix) from
     * the 16-byte file key, for Sealer/Opener/openReader and encryptFile/decryptFile/verifyFile
     * (not rekeyFile). Encryption draws a random nonce; `nonce` (16 bytes) fixes it instead, for
     * byte-exact tests only (reusing a file key and nonce reuses AEAD nonces). Decryption reads
     * the nonce from the payload. Throws FSEC_INVALID_ARGUMENT for other sizes.
     */
    agePayloadKey(fileKey: Buffer, nonce?: Buffer | null): PayloadKey

    /** The age v1 header (age-encryption.org/v1): parse, open, seal, armor. */
    age: AgeHeaderApi
  }

  export interface PyfilesecCheckOptions {
    /** A file holding the `.aes256` member text (ciphertext only). */
    source: string
    /** EVP_BytesToKey digests to try, in order (the first whose last-block padding probe passes wins). */
    digests: Array<'sha256' | 'md5'>
    /** The metadata's "hash of cipher_text" (32 bytes), or null. */
    expectedSha256: Buffer | null
    allowChecksumMismatch: boolean
    /** The HMAC key and the recorded HMAC-SHA256 of the member text, or null. */
    hmacKey: Buffer | null
    expectedHmac: Buffer | null
  }

  export interface PyfilesecDecryptOptions extends PyfilesecCheckOptions {
    output: string
    tempPath: string
    overwrite: boolean
    durable: boolean
  }

  export interface PyfilesecMigrateOptions extends PyfilesecDecryptOptions {
    /** The plaintext size probe() reported (sealed in the metadata); anything else is FSEC_SOURCE_CHANGED. */
    expectedSize: number
    /** Zero bytes sealed after the plaintext. */
    padding: number
  }

  export interface PyfilesecDecryptOutput {
    plaintextBytes: number
    textBytes: number
    digest: 'sha256' | 'md5'
    digestIndex: number
    /** Another digest's probe passed too: the choice rests on the order given. */
    ambiguous: boolean
    checksum: 'ok' | 'mismatch' | 'absent'
    hmac: 'ok' | 'mismatch' | 'absent'
    identityIndex: number
  }

  export interface PyfilesecApi {
    /**
     * Unwraps the session password with the first identity that opens it
     * (FSEC_NO_MATCHING_RECIPIENT when none does), checks the ciphertext against the recorded
     * SHA-256 (FSEC_PAYLOAD_TAMPERED unless allowChecksumMismatch) and HMAC (FSEC_PAYLOAD_TAMPERED),
     * picks the digest by probing the last block, then decrypts to tempPath (0600) and renames it
     * to output only when the final padding check passed (FSEC_PAYLOAD_TAMPERED otherwise).
     * A malformed member text is FSEC_HEADER_INVALID.
     */
    decryptFile(identities: Key[], wrappedPassword: Buffer, options: PyfilesecDecryptOptions, onProgress: ProgressCallback | null): Job<PyfilesecDecryptOutput>
    /**
     * decryptFile's checks without decrypting (beyond the last block) or writing anything;
     * plaintextBytes is the plaintext size the last-block probe implies.
     */
    probe(identities: Key[], wrappedPassword: Buffer, options: PyfilesecCheckOptions, onProgress: ProgressCallback | null): Job<PyfilesecDecryptOutput>
    /**
     * Migration to .fsec in one pass: decryptFile's checks, then the plaintext goes straight from
     * the AES-CBC decryption into the .fsec sealer of payloadKey (never to a file): header and
     * sealed payload (plaintext + padding zeros) are written to tempPath (0600), synced when
     * durable, and renamed to output only when the legacy padding check passed and exactly
     * expectedSize bytes came out. FSEC_OUTPUT_EXISTS unless overwrite.
     */
    migrateFile(
      identities: Key[],
      wrappedPassword: Buffer,
      options: PyfilesecMigrateOptions,
      payloadKey: PayloadKey,
      header: Buffer,
      onProgress: ProgressCallback | null,
    ): Job<PyfilesecDecryptOutput & { fileBytes: number }>
  }

  /** The 16-byte file key of one age file, held in native memory. Made by age.open() / age.seal(). */
  export interface AgeFileKey {
    /** Drops this handle's reference to the key now instead of at garbage collection. */
    destroy(): void
  }

  /** Key text (Buffer or string: age1…/AGE-SECRET-KEY-1… lines, ssh-rsa/ssh-ed25519 lines, OpenSSH or PEM private keys) or a native Key (X25519, RSA). */
  export type AgeKeyInput = Buffer | string | Key

  export interface AgeStanzaInfo {
    /** The first stanza argument (X25519, scrypt, ssh-rsa, ssh-ed25519, or any other type). */
    type: string
    /** The arguments after the type. */
    args: string[]
    bodySize: number
  }

  export interface AgeHeaderInfo {
    armored: boolean
    /** Bytes of the header in the binary (de-armored) file, through the MAC line's LF. */
    headerSize: number
    /** Bytes the header MAC covers (through `---`). */
    macInputSize: number
    stanzas: AgeStanzaInfo[]
  }

  export interface AgeRewrapOptions {
    /** Indices of old stanzas kept verbatim (not scrypt). */
    keep: number[]
    /** New recipients (recipient text or native Keys). */
    recipients: AgeKeyInput[]
    /** A passphrase as the only recipient (keep and recipients empty), or null. */
    passphrase: Buffer | null
    /** scrypt log2(N) when passphrase is given; ignored otherwise. */
    workFactor: number
  }

  export interface AgeRecipientDescription {
    type: 'X25519' | 'ssh-rsa' | 'ssh-ed25519'
    /** base64 of the first 4 bytes of SHA-256 of the SSH public key (ssh-* only). */
    tag: string | null
  }

  export interface AgeHeaderApi {
    /**
     * Parses the header strictly (FSEC_HEADER_INVALID, FSEC_UNSUPPORTED_VERSION; armor errors are
     * FSEC_HEADER_INVALID with an "age armor:" message). Armored input is de-armored first (whole
     * file needed). With wholeFile, fewer than 16 bytes after the header is a header error.
     */
    parseHeader(bytes: Buffer, wholeFile?: boolean): AgeHeaderInfo
    /**
     * Unwraps the file key with the identities (in order) and/or the passphrase, and checks the
     * header MAC. Rejects with FSEC_HEADER_INVALID (malformed stanza for a given identity, scrypt
     * not alone, work factor above maxWorkFactor), FSEC_NO_MATCHING_RECIPIENT, FSEC_WRONG_PASSPHRASE,
     * FSEC_HEADER_TAMPERED (MAC), or FSEC_KEY_* for unusable identities.
     */
    open(bytes: Buffer, identities: AgeKeyInput[], passphrase: Buffer | null, maxWorkFactor: number): Promise<AgeFileKey>
    /** A new header: a fresh file key wrapped for each recipient, or for the passphrase alone (scrypt). */
    seal(recipients: AgeKeyInput[], passphrase: Buffer | null, workFactor: number): Promise<{ header: Buffer; fileKey: AgeFileKey }>
    /**
     * Header-only rotation: a new header for the file key of `oldHeader` (the binary header
     * alone, whose MAC must verify under `fileKey`: FSEC_INVALID_ARGUMENT otherwise). The
     * stanzas at `keep` are copied verbatim, then the file key is wrapped for each recipient, or
     * for `passphrase` alone (scrypt, log2 N = workFactor); the MAC is recomputed under the same
     * file key, so the payload is unchanged. FSEC_INVALID_ARGUMENT for a kept scrypt stanza, a
     * passphrase beside other recipients, no recipient, or an ssh-* key already kept.
     */
    rewrap(oldHeader: Buffer, fileKey: AgeFileKey, options: AgeRewrapOptions): Promise<Buffer>
    /**
     * Throws unless `header` is exactly one age header that parses (FSEC_HEADER_INVALID) and whose
     * MAC verifies under `fileKey` (FSEC_HEADER_TAMPERED).
     */
    checkHeader(header: Buffer, fileKey: AgeFileKey): void
    /** The stanza type of each recipient key, and the key tag its ssh-* stanzas carry (null for X25519). */
    describeRecipients(keys: AgeKeyInput[]): Promise<AgeRecipientDescription[]>
    /** Strict PEM armor ("AGE ENCRYPTED FILE", 64 columns, padded base64). */
    armor(binary: Buffer): string
    dearmor(armored: Buffer): Buffer
    /**
     * De-armors a whole armored file in one streaming pass (bounded memory), with the same rules
     * and errors as dearmor(). With `output` the binary is written to that new file (created
     * exclusively, mode 0600, not synced; removed on failure or abort); with null the armor is
     * only checked. Resolves with the first `headSize` binary bytes (fewer for a shorter file).
     * With headOnly (output null) reading stops once those are decoded: `complete` is false then,
     * unless the file ended first, and binaryBytes counts only what was decoded.
     * Progress counts armored bytes.
     */
    dearmorFile(
      options: { source: string; output: string | null; headSize: number; headOnly?: boolean },
      onProgress: ProgressCallback | null,
    ): Job<{ armoredBytes: number; binaryBytes: number; head: Buffer; complete: boolean }>
    /**
     * Armors a binary file into `output` as `age -a` writes it, atomically like encryptFile's
     * output (0600 temporary file beside it, synced when durable, renamed into place). Progress
     * counts binary bytes.
     */
    armorFile(
      options: { source: string; output: string; tempPath: string; overwrite: boolean; durable: boolean },
      onProgress: ProgressCallback | null,
    ): Job<{ fileBytes: number }>
    /**
     * The age STREAM payload key for this file key (for encryptFile/decryptFile/verifyFile, Sealer,
     * Opener, openReader), made in native memory so the file key never reaches JS. Encryption draws
     * a fresh random payload nonce; decryption reads it from the payload.
     */
    payloadKey(fileKey: AgeFileKey): PayloadKey
    /** TEST ONLY: the file key bytes (CCTV `file key:` checks, test payloads). Never used by lib/. */
    testOnlyFileKeyBytes(fileKey: AgeFileKey): Buffer
  }
}

declare const binding: binding.Binding
export = binding

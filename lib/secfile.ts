// SecFile: one object that follows a file through its life (plain → .fsec → plain), as
// pyFileSec's SecFile did. Methods return `this`, so calls chain; `lastResult` holds the
// structured result of the latest operation.
import { closeSync, lstatSync, openSync, readSync, type Stats, statSync } from 'node:fs'
import { resolve } from 'node:path'

import { destroyFile, type DestroyOptions, type DestroyReport } from './destroy'
import { detectSyncService, detectVcs, type SyncServiceInfo } from './detect'
import { ArgumentError, FileError, fromFs } from './errors'
import { decryptFile, encryptFile, inspect, rotateFile } from './codecs/api'
import type { DecryptOptions, DecryptResult, IdentityOptions } from './decrypt'
import type { EncryptOptions, EncryptResult } from './encrypt'
import { type InspectResult } from './fsec'
import { SNIFF_BYTES } from './codecs/codec'
import { codecForHead } from './codecs/registry'
import type { InspectOptions, InspectWithMetadataResult } from './inspect'
import { migrateFile, type MigrateOptions, type MigrateResult } from './migrate'
import {
  DEFAULT_PADDED_SIZE,
  padFile,
  type PadOptions,
  type PadResult,
  unpadFile,
  type UnpadOptions,
  type UnpadResult,
} from './trailer-padding'
import { type EncryptedFile, openEncryptedFile } from './reader'
import type { RotateOptions, RotateResult } from './rotate'
import { type SignOptions, type SignResult, signFile, verifyFileDetailed, type VerifyOptions, type VerifyResult } from './sign'
import { type FileStatus, fileStatus } from './status'

export class SecFile {
  private current: string
  /** The result of the latest operation. */
  lastResult:
    | EncryptResult
    | DecryptResult
    | MigrateResult
    | RotateResult
    | DestroyReport
    | SignResult
    | VerifyResult
    | PadResult
    | UnpadResult
    | undefined

  constructor(path: string) {
    if (typeof path !== 'string' || path === '') throw new ArgumentError('SecFile needs a path')
    this.current = resolve(path)
  }

  /** The file's current absolute path (it changes when encrypt or decrypt writes a new file). */
  get path(): string {
    return this.current
  }

  /** True when the file starts like a file of a registered codec (.fsec, age, …; reads 64 bytes). */
  get isEncrypted(): boolean {
    let fd: number
    try {
      fd = openSync(this.current, 'r')
    } catch (e) {
      throw fromFs(e, this.current)
    }
    try {
      const head = Buffer.alloc(SNIFF_BYTES)
      const n = readSync(fd, head, 0, head.length, 0)
      return codecForHead(head.subarray(0, n)) !== undefined
    } catch (e) {
      throw fromFs(e, this.current)
    } finally {
      closeSync(fd)
    }
  }

  /** The file's size in bytes on disk. */
  get size(): number {
    try {
      const st = statSync(this.current)
      if (!st.isFile()) throw new FileError('FSEC_NOT_A_FILE', `${this.current} is not a regular file`, { path: this.current })
      return st.size
    } catch (e) {
      throw fromFs(e, this.current)
    }
  }

  /** Encrypts the file; afterwards `path` names the encrypted file. */
  async encrypt(options: EncryptOptions): Promise<this> {
    const result = await encryptFile(this.current, options)
    this.lastResult = result
    this.current = result.output
    return this
  }

  /**
   * Changes who can open the encrypted file (header only by default, or `rekey: true`); the path
   * stays the same.
   */
  async rotate(options: RotateOptions): Promise<this> {
    this.lastResult = await rotateFile(this.current, options)
    return this
  }

  /** Makes a detached signature of the file (minisign for Ed25519 keys, RSA-PSS for RSA); `lastResult` holds it. */
  async sign(options: SignOptions): Promise<this> {
    this.lastResult = await signFile(this.current, options)
    return this
  }

  /** Checks a detached signature of the file: true when it matches, false when it does not. */
  async verify(options: VerifyOptions): Promise<boolean> {
    const result = await verifyFileDetailed(this.current, options)
    this.lastResult = result
    return result.valid
  }

  /**
   * Destroys the file (multi-pass overwrite, then removal); `lastResult` is the report. The
   * SecFile keeps the path, which no longer names a file (unless `remove: false`).
   */
  async destroy(options?: DestroyOptions): Promise<this> {
    this.lastResult = await destroyFile(this.current, options)
    return this
  }

  /** Size, mode, hard links, encryption, version control, cloud sync and the medium, at once. */
  status(): Promise<FileStatus> {
    return fileStatus(this.current)
  }

  /** True when the file is tracked by version control (git), or lies in a Mercurial/Subversion working copy. */
  async isTracked(): Promise<boolean> {
    const vcs = await detectVcs(this.current)
    return vcs !== null && vcs.tracked !== false
  }

  /** The cloud-sync service whose folder holds the file (Dropbox, OneDrive, …), or null. */
  syncService(): Promise<SyncServiceInfo | null> {
    return detectSyncService(this.current)
  }

  /**
   * Migrates a legacy pyFileSec archive to .fsec (migrateFile); afterwards `path` names the new
   * .fsec file (the archive is kept unless `destroyOld`).
   */
  async migrate(options: MigrateOptions): Promise<this> {
    const result = await migrateFile(this.current, options)
    this.lastResult = result
    this.current = result.output
    return this
  }

  /** Decrypts the file; afterwards `path` names the decrypted file. */
  async decrypt(options: DecryptOptions): Promise<this> {
    const result = await decryptFile(this.current, options)
    this.lastResult = result
    this.current = result.output
    return this
  }

  /** Permission bits (`mode & 0o777`), e.g. 0o600. */
  get permissions(): number {
    return this.stat().mode & 0o777
  }

  /** How many names (hard links) the file has; above 1, its data survives under other names. */
  get hardlinks(): number {
    return this.stat().nlink
  }

  /**
   * Pads the plain file in place to `size` bytes (default 16384) with pyFileSec's trailer, so its
   * length is hidden once it is encrypted. pyFileSec's special sizes work too: 0 = unpad if padded,
   * -1 = unpad (PaddingError when not padded).
   */
  async pad(size: number = DEFAULT_PADDED_SIZE, options?: PadOptions): Promise<this> {
    if (size === 0 || size === -1) return this.unpad({ strict: size === -1 })
    this.lastResult = await padFile(this.current, size, options)
    return this
  }

  /** Removes pyFileSec-style padding (strict by default: PaddingError when there is none). */
  async unpad(options?: UnpadOptions): Promise<this> {
    this.lastResult = await unpadFile(this.current, options)
    return this
  }

  /** The public header of an encrypted file (no key needed). */
  inspect(): Promise<InspectResult> {
    return inspect(this.current)
  }

  /**
   * What the encrypted file says about itself: without options the public header (recipients,
   * sizes); with an identity or the passphrase also the authenticated `metadata` (name, size,
   * times, note, padding, rotation history).
   */
  metadata(options?: InspectOptions): Promise<InspectWithMetadataResult> {
    return inspect(this.current, options)
  }

  private stat(): Stats {
    try {
      const st = lstatSync(this.current)
      if (!st.isFile()) throw new FileError('FSEC_NOT_A_FILE', `${this.current} is not a regular file`, { path: this.current })
      return st
    } catch (e) {
      throw fromFs(e, this.current)
    }
  }

  /** Opens the encrypted file for random-access reads. */
  open(options: IdentityOptions): Promise<EncryptedFile> {
    return openEncryptedFile(this.current, options)
  }
}

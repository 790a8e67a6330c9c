// Typed errors. Every error filesec raises is a FilesecError with a stable `code`; callers
// branch on the class (instanceof) or on `code`, never on the message.

import type { DestroyReport } from './destroy'

export type ErrorCode =
  | 'FSEC_INVALID_ARGUMENT'
  | 'FSEC_NOT_ENCRYPTED'
  | 'FSEC_UNSUPPORTED_VERSION'
  | 'FSEC_HEADER_INVALID'
  | 'FSEC_HEADER_TAMPERED'
  | 'FSEC_NO_MATCHING_RECIPIENT'
  | 'FSEC_WRONG_PASSPHRASE'
  | 'FSEC_PAYLOAD_MISMATCH'
  | 'FSEC_PAYLOAD_TAMPERED'
  | 'FSEC_TRUNCATED'
  | 'FSEC_TRAILING_DATA'
  | 'FSEC_KEY_INVALID'
  | 'FSEC_KEY_UNSUPPORTED'
  | 'FSEC_KEY_TOO_SHORT'
  | 'FSEC_KEY_PASSPHRASE_REQUIRED'
  | 'FSEC_KEY_WRONG_PASSPHRASE'
  | 'FSEC_WRONG_KEY'
  | 'FSEC_FILE_NOT_FOUND'
  | 'FSEC_OUTPUT_EXISTS'
  | 'FSEC_NOT_A_FILE'
  | 'FSEC_SOURCE_CHANGED'
  | 'FSEC_IO'
  | 'FSEC_NO_SPACE'
  | 'FSEC_READ_ONLY'
  | 'FSEC_ABORTED'
  | 'FSEC_INTERNAL'
  | 'FSEC_PADDING'
  | 'FSEC_PADDING_INVALID'
  | 'FSEC_DESTROY_FAILED'
  | 'FSEC_UNSAFE_LOCATION'
  | 'FSEC_ROTATION_INTERRUPTED'
  | 'FSEC_ROTATION_JOURNAL_INVALID'
  | 'FSEC_SIGNATURE_INVALID'
  | 'FSEC_SIGNATURE_UNSUPPORTED'

export class FilesecError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** A bad argument: wrong type, out of range, contradictory options. */
export class ArgumentError extends FilesecError {
  constructor(message: string) {
    super('FSEC_INVALID_ARGUMENT', message)
  }
}

/** The encrypted file's header is unusable: not a filesec file, another version, malformed, or modified. */
export class HeaderError extends FilesecError {}
export class NotEncryptedError extends HeaderError {}
export class UnsupportedVersionError extends HeaderError {}
/** The header authenticates wrongly: some header byte was changed. */
export class HeaderTamperedError extends HeaderError {}

/** None of the given identities is a recipient of the file. */
export class NoMatchingRecipientError extends FilesecError {}
/** The passphrase does not open a passphrase-encrypted file. */
export class WrongPassphraseError extends FilesecError {}

/** The payload is damaged: a chunk fails authentication, or it does not belong to the header. */
export class PayloadError extends FilesecError {}
export class PayloadTamperedError extends PayloadError {}
export class PayloadMismatchError extends PayloadError {}
/** The file ends early (at or inside a chunk). */
export class TruncatedError extends PayloadError {}
/** Bytes were appended after the final chunk. */
export class TrailingDataError extends PayloadError {}
/**
 * The padding the metadata announces is not there: non-zero bytes (they are authenticated, so
 * the writer was faulty) or more padding than payload.
 */
export class InvalidPaddingError extends PayloadError {}

/** A key cannot be used: damaged, unsupported type, too short, wrong kind, or locked. */
export class KeyError extends FilesecError {}
export class KeyTooShortError extends KeyError {}
export class KeyPassphraseError extends KeyError {}
/** A public key where a private key is needed, or the reverse. */
export class WrongKeyError extends KeyError {}

/**
 * Plaintext would be written where it is copied elsewhere: a cloud-sync folder or a
 * version-control working copy. Refused unless the caller opts in (allowUnsafeOutput).
 */
export class UnsafeLocationError extends FilesecError {
  readonly path: string
  constructor(message: string, path: string) {
    super('FSEC_UNSAFE_LOCATION', message)
    this.path = path
  }
}

/**
 * File-system trouble: missing input, existing output, not a regular file, a full or read-only
 * file system, another I/O failure.
 */
export class FileError extends FilesecError {
  /** For I/O errors: the errno number and the failing system call, when known. */
  readonly errno?: number
  readonly syscall?: string
  readonly path?: string
  constructor(code: ErrorCode, message: string, details: { errno?: number; syscall?: string; path?: string } = {}) {
    super(code, message)
    if (details.errno !== undefined) this.errno = details.errno
    if (details.syscall !== undefined) this.syscall = details.syscall
    if (details.path !== undefined) this.path = details.path
  }
}
export class FileNotFoundError extends FileError {}
export class OutputExistsError extends FileError {}
export class SourceChangedError extends FileError {}

/** The operation was cancelled through an AbortSignal. */
export class AbortError extends FilesecError {
  constructor(message = 'the operation was aborted') {
    super('FSEC_ABORTED', message)
  }
}

export class InternalError extends FilesecError {}

/**
 * Standalone (pyFileSec-compatible) padding: the size is too small to hide the file's length,
 * or the file has no padding trailer where one is required.
 */
export class PaddingError extends FilesecError {
  constructor(message: string) {
    super('FSEC_PADDING', message)
  }
}

/**
 * A destroy that stopped part-way (an I/O error, the file changed under it, …). `report` says
 * what was done and `report.leftAt` where the file still is; `cause` is the underlying error.
 */
export class DestroyError extends FilesecError {
  readonly report: DestroyReport
  constructor(message: string, report: DestroyReport, options?: { cause?: unknown }) {
    super('FSEC_DESTROY_FAILED', message, options)
    this.report = report
  }
}

/** A destroy cancelled through its AbortSignal; `report` says what was done and where the file still is. */
export class DestroyAbortedError extends AbortError {
  readonly report: DestroyReport
  constructor(message: string, report: DestroyReport) {
    super(message)
    this.report = report
  }
}

/**
 * A header rotation left its journal beside the file (FSEC_ROTATION_INTERRUPTED: finish it with
 * recoverRotation() or `filesec rotate --recover FILE`), or the journal cannot be used
 * (FSEC_ROTATION_JOURNAL_INVALID: it was not applied).
 */
export class RotationError extends FileError {}
export class RotationInterruptedError extends RotationError {}

/**
 * A signature that cannot be checked: malformed (FSEC_SIGNATURE_INVALID) or of a kind filesec
 * does not verify (FSEC_SIGNATURE_UNSUPPORTED). A well-formed signature that does not match is
 * not an error: verification returns false.
 */
export class SignatureError extends FilesecError {}

type ErrorClass = new (code: ErrorCode, message: string) => FilesecError

const classes: Record<ErrorCode, ErrorClass> = {
  FSEC_INVALID_ARGUMENT: FilesecError,
  FSEC_NOT_ENCRYPTED: NotEncryptedError,
  FSEC_UNSUPPORTED_VERSION: UnsupportedVersionError,
  FSEC_HEADER_INVALID: HeaderError,
  FSEC_HEADER_TAMPERED: HeaderTamperedError,
  FSEC_NO_MATCHING_RECIPIENT: NoMatchingRecipientError,
  FSEC_WRONG_PASSPHRASE: WrongPassphraseError,
  FSEC_PAYLOAD_MISMATCH: PayloadMismatchError,
  FSEC_PAYLOAD_TAMPERED: PayloadTamperedError,
  FSEC_TRUNCATED: TruncatedError,
  FSEC_TRAILING_DATA: TrailingDataError,
  FSEC_KEY_INVALID: KeyError,
  FSEC_KEY_UNSUPPORTED: KeyError,
  FSEC_KEY_TOO_SHORT: KeyTooShortError,
  FSEC_KEY_PASSPHRASE_REQUIRED: KeyPassphraseError,
  FSEC_KEY_WRONG_PASSPHRASE: KeyPassphraseError,
  FSEC_WRONG_KEY: WrongKeyError,
  FSEC_FILE_NOT_FOUND: FileNotFoundError,
  FSEC_OUTPUT_EXISTS: OutputExistsError,
  FSEC_NOT_A_FILE: FileError,
  FSEC_SOURCE_CHANGED: SourceChangedError,
  FSEC_IO: FileError,
  FSEC_NO_SPACE: FileError,
  FSEC_READ_ONLY: FileError,
  FSEC_ABORTED: FilesecError,
  FSEC_INTERNAL: InternalError,
  FSEC_PADDING: FilesecError,
  FSEC_PADDING_INVALID: InvalidPaddingError,
  // Raised by lib/destroy.ts with its report, never by the native addon.
  FSEC_DESTROY_FAILED: FilesecError,
  // Raised by lib/decrypt.ts, never by the native addon.
  FSEC_UNSAFE_LOCATION: FilesecError,
  FSEC_ROTATION_INTERRUPTED: RotationInterruptedError,
  FSEC_ROTATION_JOURNAL_INVALID: RotationError,
  FSEC_SIGNATURE_INVALID: SignatureError,
  FSEC_SIGNATURE_UNSUPPORTED: SignatureError,
}

/** Turns an error from the native addon (an Error with `code`) into its FilesecError class. */
export function fromNative(error: unknown): unknown {
  if (error instanceof FilesecError || !(error instanceof Error)) return error
  const code = (error as { code?: unknown }).code
  if (typeof code !== 'string' || !(code in classes)) return error
  const c = code as ErrorCode
  if (c === 'FSEC_ABORTED') return new AbortError(error.message)
  if (c === 'FSEC_INVALID_ARGUMENT') return new ArgumentError(error.message)
  if (c === 'FSEC_PADDING') return new PaddingError(error.message)
  const Class = classes[c]
  if (Class.prototype instanceof FileError || Class === FileError) {
    const e = error as { errno?: number; syscall?: string }
    return new (Class as unknown as typeof FileError)(c, error.message, { errno: e.errno, syscall: e.syscall })
  }
  return new Class(c, error.message)
}

/** Awaits a native promise, converting its rejection. */
export async function nativeCall<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise
  } catch (e) {
    throw fromNative(e)
  }
}

/** Runs a synchronous native call, converting what it throws. */
export function nativeSync<T>(fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    throw fromNative(e)
  }
}

/** Maps a Node fs error to a FileError (keeps others as they are). */
export function fromFs(error: unknown, path: string): unknown {
  const e = error as NodeJS.ErrnoException
  if (!e || typeof e.code !== 'string' || error instanceof FilesecError) return error
  const details = { errno: e.errno, syscall: e.syscall, path }
  if (e.code === 'ENOENT') return new FileNotFoundError('FSEC_FILE_NOT_FOUND', `${path} does not exist`, details)
  if (e.code === 'EEXIST') return new OutputExistsError('FSEC_OUTPUT_EXISTS', `${path} already exists`, details)
  if (e.code === 'EISDIR') return new FileError('FSEC_NOT_A_FILE', `${path} is a directory`, details)
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') {
    return new FileError('FSEC_NO_SPACE', `${e.syscall ?? 'write'} failed for ${path}: no space left on device`, details)
  }
  if (e.code === 'EROFS') return new FileError('FSEC_READ_ONLY', `${e.syscall ?? 'write'} failed for ${path}: read-only file system`, details)
  return new FileError('FSEC_IO', `${e.syscall ?? 'I/O'} failed for ${path}: ${e.message}`, details)
}

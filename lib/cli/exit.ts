// Exit statuses of the filesec CLI, chosen from the error's class and stable `code` (never from
// its message).
import {
  type ErrorCode,
  FileError,
  FilesecError,
  HeaderError,
  KeyError,
  NoMatchingRecipientError,
  OutputExistsError,
  PayloadError,
  SignatureError,
  WrongPassphraseError,
} from '../index'
import { UsageError } from './args'

export const EXIT = {
  /** Success. */
  OK: 0,
  /** Anything not listed below (an internal error, an unexpected system failure). */
  FAILURE: 1,
  /** Usage: unknown or malformed options, missing arguments, contradictory choices, no terminal for a prompt. */
  USAGE: 2,
  /** A file cannot be read or written: not found, not a regular file, disk full, read-only, I/O error. */
  FILE: 3,
  /** The output file exists (use --overwrite). */
  OUTPUT_EXISTS: 4,
  /** A key cannot be used: damaged, unsupported, too short, public where private is needed, wrong key passphrase. */
  KEY: 5,
  /** The file cannot be opened: no given identity is a recipient, or the passphrase is wrong. */
  CANNOT_OPEN: 6,
  /**
   * The encrypted file is damaged or not one: tampered, truncated, not encrypted, unsupported
   * version; or a header rotation of it was interrupted (or its journal is unusable); or a
   * signature file is malformed or of an unsupported kind.
   */
  DAMAGED: 7,
  /** pad: the size is too small to hide the file's length; unpad: the file is not padded. */
  PADDING: 8,
  /** A destroy stopped part-way: the message says what was done and where the file still is. */
  DESTROY_FAILED: 9,
  /** verify: the signature does not match (modified file, wrong key, altered trusted comment). */
  BAD_SIGNATURE: 10,
  /** migrate FOLDER: at least one archive failed (the summary lists them with the reason). */
  SOME_FAILED: 11,
  /** Interrupted by SIGINT or SIGTERM (nothing is left at the output name). */
  INTERRUPTED: 130,
} as const

const BY_CODE: Record<ErrorCode, number> = {
  FSEC_INVALID_ARGUMENT: EXIT.USAGE,
  FSEC_NOT_ENCRYPTED: EXIT.DAMAGED,
  FSEC_UNSUPPORTED_VERSION: EXIT.DAMAGED,
  FSEC_HEADER_INVALID: EXIT.DAMAGED,
  FSEC_HEADER_TAMPERED: EXIT.DAMAGED,
  FSEC_NO_MATCHING_RECIPIENT: EXIT.CANNOT_OPEN,
  FSEC_WRONG_PASSPHRASE: EXIT.CANNOT_OPEN,
  FSEC_PAYLOAD_MISMATCH: EXIT.DAMAGED,
  FSEC_PAYLOAD_TAMPERED: EXIT.DAMAGED,
  FSEC_TRUNCATED: EXIT.DAMAGED,
  FSEC_TRAILING_DATA: EXIT.DAMAGED,
  FSEC_KEY_INVALID: EXIT.KEY,
  FSEC_KEY_UNSUPPORTED: EXIT.KEY,
  FSEC_KEY_TOO_SHORT: EXIT.KEY,
  FSEC_KEY_PASSPHRASE_REQUIRED: EXIT.KEY,
  FSEC_KEY_WRONG_PASSPHRASE: EXIT.KEY,
  FSEC_WRONG_KEY: EXIT.KEY,
  FSEC_FILE_NOT_FOUND: EXIT.FILE,
  FSEC_OUTPUT_EXISTS: EXIT.OUTPUT_EXISTS,
  FSEC_NOT_A_FILE: EXIT.FILE,
  FSEC_SOURCE_CHANGED: EXIT.FILE,
  FSEC_IO: EXIT.FILE,
  FSEC_NO_SPACE: EXIT.FILE,
  FSEC_READ_ONLY: EXIT.FILE,
  FSEC_ABORTED: EXIT.INTERRUPTED,
  FSEC_INTERNAL: EXIT.FAILURE,
  FSEC_PADDING: EXIT.PADDING,
  FSEC_PADDING_INVALID: EXIT.DAMAGED,
  FSEC_DESTROY_FAILED: EXIT.DESTROY_FAILED,
  FSEC_UNSAFE_LOCATION: EXIT.FILE,
  FSEC_ROTATION_INTERRUPTED: EXIT.DAMAGED,
  FSEC_ROTATION_JOURNAL_INVALID: EXIT.DAMAGED,
  FSEC_SIGNATURE_INVALID: EXIT.DAMAGED,
  FSEC_SIGNATURE_UNSUPPORTED: EXIT.DAMAGED,
}

/** The exit status for an error thrown by a command. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.USAGE
  if (error instanceof FilesecError) {
    const byCode = (BY_CODE as Partial<Record<string, number>>)[error.code]
    if (byCode !== undefined) return byCode
    // A code this table does not know yet: fall back to the class family.
    if (error instanceof OutputExistsError) return EXIT.OUTPUT_EXISTS
    if (error instanceof FileError) return EXIT.FILE
    if (error instanceof KeyError) return EXIT.KEY
    if (error instanceof NoMatchingRecipientError || error instanceof WrongPassphraseError) return EXIT.CANNOT_OPEN
    if (error instanceof HeaderError || error instanceof PayloadError) return EXIT.DAMAGED
    if (error instanceof SignatureError) return EXIT.DAMAGED
  }
  return EXIT.FAILURE
}

/** The `code` reported in `--json` errors. */
export function errorCodeOf(error: unknown): string {
  if (error instanceof UsageError || error instanceof FilesecError) return error.code
  return 'FSEC_INTERNAL'
}

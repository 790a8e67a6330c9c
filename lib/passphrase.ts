// Where a passphrase comes from. Never from a command-line argument: the CLI reads it from a
// terminal without echo, a file, or an environment variable named by the caller.
import { readFile } from 'node:fs/promises'

import { ArgumentError, fromFs } from './errors'

/**
 * A passphrase: the text itself (a string or the bytes), or where to read it:
 * `{ file }` reads the file (one trailing newline is dropped), `{ env }` reads the variable.
 */
export type PassphraseSource = string | Buffer | { file: string } | { env: string }

/**
 * Resolves a passphrase to bytes the caller owns (and should wipe with `fill(0)` after use).
 * Strings are UTF-8 encoded.
 */
export async function readPassphrase(source: PassphraseSource, what = 'passphrase'): Promise<Buffer> {
  let bytes: Buffer
  if (typeof source === 'string') {
    bytes = Buffer.from(source, 'utf8')
  } else if (Buffer.isBuffer(source)) {
    bytes = Buffer.from(source)
  } else if (source && typeof source === 'object' && 'file' in source && typeof source.file === 'string') {
    try {
      bytes = await readFile(source.file)
    } catch (e) {
      throw fromFs(e, source.file)
    }
    bytes = dropTrailingNewline(bytes)
  } else if (source && typeof source === 'object' && 'env' in source && typeof source.env === 'string') {
    const value = process.env[source.env]
    if (value === undefined) throw new ArgumentError(`the environment variable ${source.env} (${what}) is not set`)
    bytes = Buffer.from(value, 'utf8')
  } else {
    throw new ArgumentError(`${what} must be a string, a Buffer, { file } or { env }`)
  }
  if (bytes.length === 0) throw new ArgumentError(`the ${what} is empty`)
  return bytes
}

function dropTrailingNewline(bytes: Buffer): Buffer {
  let end = bytes.length
  if (end > 0 && bytes[end - 1] === 0x0a) end--
  if (end > 0 && bytes[end - 1] === 0x0d) end--
  if (end === bytes.length) return bytes
  const trimmed = Buffer.from(bytes.subarray(0, end))
  bytes.fill(0)
  return trimmed
}

/** Runs `fn` with the passphrase bytes and wipes them afterwards. */
export async function withPassphrase<T>(
  source: PassphraseSource | undefined,
  what: string,
  fn: (bytes: Buffer | null) => Promise<T>,
): Promise<T> {
  const bytes = source === undefined ? null : await readPassphrase(source, what)
  try {
    return await fn(bytes)
  } finally {
    bytes?.fill(0)
  }
}

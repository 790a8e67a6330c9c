// Output naming and temporary files. Temporary files live in the destination folder (so the
// final rename is atomic and plaintext never passes through another file system) and carry a
// recognisable suffix so leftovers from a crash can be found and removed.
import { randomBytes } from 'node:crypto'
import type { Stats } from 'node:fs'
import { lstat, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'

import { FileError, OutputExistsError, fromFs } from './errors'

export const ENCRYPTED_EXTENSION = '.fsec'
export const TEMP_SUFFIX = '.fsec-tmp'

export function tempPathFor(output: string): string {
  return join(dirname(output), `.${basename(output)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`)
}

/** Suffix of the journal an in-place header rotation keeps beside the file while it runs. */
export const ROTATION_JOURNAL_SUFFIX = '.fsec-rotate'

/** The rotation journal of an encrypted file: `.<name>.fsec-rotate` in the same folder. */
export function rotationJournalPath(file: string): string {
  return join(dirname(file), `.${basename(file)}${ROTATION_JOURNAL_SUFFIX}`)
}

export function defaultEncryptedPath(input: string): string {
  return resolve(input + ENCRYPTED_EXTENSION)
}

/**
 * The decrypted file's default name: the input without `.fsec`, else the original name stored in
 * the metadata (a base name, placed next to the input), else undefined.
 */
export function defaultDecryptedPath(input: string, storedName: string | undefined): string | undefined {
  const abs = resolve(input)
  if (abs.endsWith(ENCRYPTED_EXTENSION) && basename(abs) !== ENCRYPTED_EXTENSION) {
    return abs.slice(0, -ENCRYPTED_EXTENSION.length)
  }
  if (storedName !== undefined) return join(dirname(abs), storedName)
  return undefined
}

/**
 * Fails early when the output already exists (the native engine checks again, atomically, when
 * it renames the finished file into place).
 */
export async function assertOutputAbsent(output: string): Promise<void> {
  try {
    await lstat(output)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
    throw fromFs(e, output)
  }
  throw new OutputExistsError('FSEC_OUTPUT_EXISTS', `${output} already exists`, { path: output })
}

/** Stats an input that must be a regular file (FileNotFoundError / FileError otherwise). */
export async function statRegularFile(path: string): Promise<Stats> {
  let st: Stats
  try {
    st = await stat(path)
  } catch (e) {
    throw fromFs(e, path)
  }
  if (!st.isFile()) throw new FileError('FSEC_NOT_A_FILE', `${path} is not a regular file`, { path })
  return st
}

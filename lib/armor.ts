// age's ASCII armor for files of any size: thin wrappers over the native streaming jobs
// (src/core/age_armor.h: one strict incremental de-armorer, one armorer; bounded memory, off the
// main thread, abortable). Used by the age codec (reading armored files) and by
// writeEncryptedFile (writing and verifying armored output). Only ciphertext passes through here.
import { runJob } from './jobs'
import { native } from './native'
import type { RunOptions } from './options'

export interface DearmoredFile {
  /** Bytes of the armored file read. */
  armoredBytes: number
  /** Bytes of binary decoded (the binary file's size when complete). */
  binaryBytes: number
  /** The first binary bytes (up to the headSize asked for). */
  head: Buffer
  /** The whole file was read and its armor checked (false only for a headOnly read that stopped early). */
  complete: boolean
}

/**
 * De-armors `source` strictly (errors: FSEC_HEADER_INVALID with an "age armor:" message). With
 * `binaryOutput`, the binary file is written there: a new file (0600) that the caller removes
 * when done with it; on failure or abort nothing is left there. With null the armor is only
 * checked, and only the head is kept.
 */
export function dearmorFile(
  source: string,
  binaryOutput: string | null,
  headSize: number,
  options: Pick<RunOptions, 'signal' | 'onProgress'>,
): Promise<DearmoredFile> {
  return runJob((onProgress) => native.age.dearmorFile({ source, output: binaryOutput, headSize }, onProgress), options)
}

/**
 * The first `headSize` binary bytes of an armored file, reading no more of it than needed
 * (about 4/3 of that): to open the header before de-armoring a large file. The rest of the armor
 * is not checked unless the file is that short (then `complete`).
 */
export function dearmorHead(source: string, headSize: number): Promise<DearmoredFile> {
  return runJob((onProgress) => native.age.dearmorFile({ source, output: null, headSize, headOnly: true }, onProgress), {})
}

export interface ArmorOutput {
  output: string
  tempPath: string
  overwrite: boolean
  durable: boolean
}

/** Armors the binary file `source` into `output`, as `age -a` writes it (temp file + rename, 0600). */
export async function armorFile(
  source: string,
  out: ArmorOutput,
  options: Pick<RunOptions, 'signal' | 'onProgress'>,
): Promise<number> {
  const { fileBytes } = await runJob((onProgress) => native.age.armorFile({ source, ...out }, onProgress), options)
  return fileBytes
}

// Option checks shared by the encrypt and decrypt paths.
import { availableParallelism } from 'node:os'

import { AbortError, ArgumentError } from './errors'

/** scrypt work factor (log2 N) for new passphrase-encrypted files, and the most a reader accepts by default. */
export const DEFAULT_WORK_FACTOR = 18
export const MAX_WORK_FACTOR = 22

export interface Progress {
  /** Plaintext bytes processed so far. */
  done: number
  /** Plaintext bytes in all. */
  total: number
  /**
   * For operations made of several steps (encrypt: 'encrypt', 'verify', 'destroy'), the step
   * running now; `done` and `total` then count the bytes of all steps together.
   */
  phase?: string
}

export interface RunOptions {
  /** Cancels the operation; nothing is left at the output name. */
  signal?: AbortSignal
  /** Called about every 100 ms on long work, and once at the end. */
  onProgress?: (progress: Progress) => void
  /**
   * Native worker threads that read and encrypt or decrypt, for file-to-file work; one more
   * thread writes, and reads and crypts too while nothing waits to be written (default: CPUs − 1,
   * from 1 to 4).
   */
  threads?: number
  /** fsync the output and its folder before reporting success (default true). */
  durable?: boolean
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1))
}

export function checkRunOptions(o: RunOptions): void {
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new ArgumentError('signal must be an AbortSignal')
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new ArgumentError('onProgress must be a function')
  if (o.threads !== undefined && (!Number.isInteger(o.threads) || o.threads < 1 || o.threads > 64)) {
    throw new ArgumentError('threads must be an integer from 1 to 64')
  }
  if (o.durable !== undefined && typeof o.durable !== 'boolean') throw new ArgumentError('durable must be a boolean')
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError()
}

export function checkKnownOptions(o: object, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new ArgumentError(`unknown ${what} option: ${k}`)
  }
}

// Runs a native file job with cancellation and progress wired to the caller's options.
import { nativeCall, nativeSync } from './errors'
import type { Job, JobResult, ProgressCallback } from '../binding'
import { type RunOptions, throwIfAborted } from './options'

export async function runJob<T = JobResult>(
  start: (onProgress: ProgressCallback | null) => Job<T>,
  options: RunOptions,
): Promise<T> {
  throwIfAborted(options.signal)
  const report = options.onProgress
  const job = nativeSync(() => start(report ? (done, total) => report({ done, total }) : null))
  const onAbort = (): void => job.abort()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    return await nativeCall(job.promise)
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
}

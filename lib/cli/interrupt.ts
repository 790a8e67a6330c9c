// SIGINT / SIGTERM handling: the first signal aborts the running operation through an
// AbortSignal (the API then removes its temporary output), a second one exits at once.
import { AbortError } from '../index'
import { EXIT } from './exit'

export class Interrupts {
  private readonly controller = new AbortController()
  private immediate = false
  private readonly onSignal = (): void => {
    if (this.immediate || this.controller.signal.aborted) process.exit(EXIT.INTERRUPTED)
    this.controller.abort()
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  install(): void {
    process.on('SIGINT', this.onSignal)
    process.on('SIGTERM', this.onSignal)
  }

  uninstall(): void {
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
  }

  /** Throws AbortError when a signal came. */
  check(): void {
    if (this.controller.signal.aborted) throw new AbortError('interrupted')
  }

  /** Runs work that leaves nothing on disk and cannot be cancelled: a signal exits at once. */
  async uncancellable<T>(fn: () => Promise<T>): Promise<T> {
    this.check()
    this.immediate = true
    try {
      return await fn()
    } finally {
      this.immediate = false
    }
  }
}

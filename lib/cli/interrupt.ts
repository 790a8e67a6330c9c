// SIGINT / SIGTERM handling: the first signal aborts the running operation through an
// AbortSignal (the API then removes its temporary output). A second one only says so: exiting
// then would leave the unfinished output behind (a Ctrl-C pressed twice is common). A third one
// exits at once; what it leaves is locked by nobody, so `filesec doctor --clean` or the next run
// writing that output removes it. Work that leaves nothing on disk exits on the first signal.
import { AbortError } from '../index'
import { EXIT } from './exit'

export class Interrupts {
  private readonly controller = new AbortController()
  private immediate = false
  private received = 0
  private readonly onSignal = (): void => {
    if (this.immediate) process.exit(EXIT.INTERRUPTED)
    this.received++
    if (this.received === 1) {
      this.controller.abort()
    } else if (this.received === 2) {
      this.notify(
        "stopping: removing the unfinished output first (interrupt once more to quit at once; 'filesec doctor --clean' then removes what is left)",
      )
    } else {
      process.exit(EXIT.INTERRUPTED)
    }
  }

  /** `notify` shows a line to the person at the terminal (Output.notice). */
  constructor(private readonly notify: (text: string) => void = () => {}) {}

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

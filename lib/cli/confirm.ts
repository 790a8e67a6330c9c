// A yes/no question on the terminal, for commands that cannot be undone. Asked only when standard
// input and standard error are both terminals: a script has to say --yes.
import { createInterface } from 'node:readline'

import { AbortError } from '../index'

export function canAskOnTerminal(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true
}

/** Asks `question` on stderr; true only for "y" or "yes". Ctrl-C aborts (AbortError); end of input means no. */
export function confirm(question: string, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.reject(new AbortError('interrupted'))
  return new Promise((resolvePromise, reject) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true })
    let settled = false
    const finish = (answer: boolean | Error): void => {
      if (settled) return
      settled = true
      signal.removeEventListener('abort', onAbort)
      rl.close()
      process.stdin.pause()
      if (answer instanceof Error) reject(answer)
      else resolvePromise(answer)
    }
    const onAbort = (): void => finish(new AbortError('interrupted'))
    signal.addEventListener('abort', onAbort, { once: true })
    rl.on('SIGINT', onAbort)
    rl.on('close', () => finish(false))
    rl.question(question, (answer) => finish(/^\s*y(es)?\s*$/i.test(answer)))
  })
}

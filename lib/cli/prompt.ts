// Passphrase prompts on the controlling terminal with echo off: raw mode on stdin when it is a
// terminal, else /dev/tty. The passphrase is collected in a Buffer the caller wipes; nothing of
// it is ever written anywhere.
import { timingSafeEqual } from 'node:crypto'
import { closeSync, openSync, writeSync } from 'node:fs'
import { ReadStream } from 'node:tty'

import { AbortError } from '../index'
import { UsageError } from './args'

export const NO_TERMINAL =
  'there is no terminal to ask for a passphrase: give --passphrase-file FILE or --passphrase-env VARIABLE'

interface Terminal {
  input: ReadStream
  write(text: string): void
  close(): void
}

function openWriteTty(): number | null {
  try {
    return openSync('/dev/tty', 'w')
  } catch {
    return null
  }
}

function openTerminal(): Terminal | null {
  if (process.stdin.isTTY) {
    const input = process.stdin as ReadStream
    const wfd = openWriteTty()
    return {
      input,
      write: (t) => (wfd !== null ? void writeSync(wfd, t) : void process.stderr.write(t)),
      close: () => {
        input.pause()
        if (wfd !== null) closeSync(wfd)
      },
    }
  }
  let rfd: number
  try {
    rfd = openSync('/dev/tty', 'r')
  } catch {
    return null
  }
  const wfd = openWriteTty()
  if (wfd === null) {
    closeSync(rfd)
    return null
  }
  let input: ReadStream
  try {
    input = new ReadStream(rfd)
  } catch {
    closeSync(rfd)
    closeSync(wfd)
    return null
  }
  return {
    input,
    write: (t) => void writeSync(wfd, t),
    close: () => {
      input.destroy() // closes rfd
      closeSync(wfd)
    },
  }
}

/** Reads one line from the terminal without echo. Ctrl-C aborts (AbortError), Ctrl-D on an empty line too. */
export async function readSecret(prompt: string, signal?: AbortSignal): Promise<Buffer> {
  if (signal?.aborted) throw new AbortError('interrupted')
  const term = openTerminal()
  if (term === null) throw new UsageError(NO_TERMINAL)
  const { input } = term
  const wasRaw = input.isRaw
  let buf = Buffer.alloc(128)
  let len = 0
  try {
    input.setRawMode(true)
    term.write(prompt)
    return await new Promise<Buffer>((resolve, reject) => {
      let escape = 0 // 1 after ESC, 2 inside a CSI/SS3 sequence
      const finish = (error: Error | null): void => {
        input.off('data', onData)
        input.off('end', onEnd)
        input.off('error', onError)
        signal?.removeEventListener('abort', onAbort)
        if (error) reject(error)
        else resolve(Buffer.from(buf.subarray(0, len)))
      }
      const push = (byte: number): void => {
        if (len === buf.length) {
          const bigger = Buffer.alloc(buf.length * 2)
          buf.copy(bigger)
          buf.fill(0)
          buf = bigger
        }
        buf[len++] = byte
      }
      const onData = (chunk: Buffer | string): void => {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
        try {
          for (const byte of bytes) {
            if (escape === 1) {
              escape = byte === 0x5b || byte === 0x4f ? 2 : 0
              continue
            }
            if (escape === 2) {
              if (byte >= 0x40 && byte <= 0x7e) escape = 0
              continue
            }
            if (byte === 0x0d || byte === 0x0a) return finish(null)
            if (byte === 0x03) return finish(new AbortError('interrupted'))
            if (byte === 0x04) {
              if (len === 0) return finish(new UsageError('no passphrase entered (end of input)'))
              return finish(null)
            }
            if (byte === 0x7f || byte === 0x08) {
              // Backspace: drop the last UTF-8 character.
              while (len > 0) {
                const b = buf[--len]!
                buf[len] = 0
                if ((b & 0xc0) !== 0x80) break
              }
              continue
            }
            if (byte === 0x15) {
              buf.fill(0, 0, len) // Ctrl-U
              len = 0
              continue
            }
            if (byte === 0x1b) {
              escape = 1
              continue
            }
            if (byte < 0x20 && byte !== 0x09) continue
            push(byte)
          }
        } finally {
          bytes.fill(0)
        }
      }
      const onEnd = (): void => finish(new UsageError('no passphrase entered (end of input)'))
      const onError = (e: Error): void => finish(e)
      const onAbort = (): void => finish(new AbortError('interrupted'))
      input.on('data', onData)
      input.on('end', onEnd)
      input.on('error', onError)
      signal?.addEventListener('abort', onAbort, { once: true })
      input.resume()
    })
  } finally {
    buf.fill(0)
    try {
      input.setRawMode(wasRaw)
    } catch {
      // the terminal went away
    }
    term.write('\n')
    term.close()
  }
}

/**
 * Asks for a new passphrase twice. Refuses an empty one and a mismatch (usage errors); the
 * caller wipes the returned Buffer.
 */
export async function readNewSecret(what: string, emptyHint: string, signal?: AbortSignal): Promise<Buffer> {
  const first = await readSecret(`Enter ${what}: `, signal)
  if (first.length === 0) throw new UsageError(`an empty ${what} is refused${emptyHint ? `: ${emptyHint}` : ''}`)
  let second: Buffer
  try {
    second = await readSecret(`Confirm ${what}: `, signal)
  } catch (e) {
    first.fill(0)
    throw e
  }
  const same = first.length === second.length && timingSafeEqual(first, second)
  second.fill(0)
  if (!same) {
    first.fill(0)
    throw new UsageError(`the two ${what}s do not match`)
  }
  return first
}

// What the load tests count: this process's open file descriptors, and settling until a count
// comes back (libuv closes some handles a tick or two after the work that used them).
import { readdirSync, readlinkSync } from 'node:fs'

/** The open descriptors of this process, each with what it points to. */
export function openFds(): Map<string, string> {
  const fds = new Map<string, string>()
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      fds.set(fd, readlinkSync(`/proc/self/fd/${fd}`))
    } catch {
      // The descriptor readdirSync itself used, closed by now.
    }
  }
  return fds
}

/** Waits (up to `ms`) until no more than `baseline` descriptors are open; returns the last list. */
export async function settleFds(baseline: number, ms = 5000): Promise<Map<string, string>> {
  const deadline = Date.now() + ms
  for (;;) {
    const fds = openFds()
    if (fds.size <= baseline || Date.now() > deadline) return fds
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The descriptors in `after` that were not open in `before`, for a failure message. */
export function newFds(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].filter(([fd, target]) => before.get(fd) !== target).map(([fd, target]) => `${fd} -> ${target}`)
}

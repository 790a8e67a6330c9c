// Path helpers shared by the detectors.
import { lstat, realpath } from 'node:fs/promises'
import { basename, dirname, join, resolve, sep } from 'node:path'

import { ArgumentError } from '../errors'

/** The absolute form of a path argument (ArgumentError for anything but a non-empty string). */
export function absolutePath(path: unknown, what: string): string {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) {
    throw new ArgumentError(`${what} needs a path (a non-empty string)`)
  }
  return resolve(path)
}

/** The folder to start a search from: the path itself when it is a folder, else its parent. */
export async function folderOf(abs: string): Promise<string> {
  try {
    if ((await lstat(abs)).isDirectory()) return abs
  } catch {
    // A path that does not exist (yet) lives in its parent folder.
  }
  return dirname(abs)
}

/**
 * The path with symbolic links in its existing part resolved (the rest appended as given), so it
 * can be compared with folders that configuration files name by their real paths.
 */
export async function realPathOf(abs: string): Promise<string> {
  let head = abs
  const tail: string[] = []
  for (;;) {
    try {
      return join(await realpath(head), ...tail)
    } catch {
      const parent = dirname(head)
      if (parent === head) return abs
      tail.unshift(basename(head))
      head = parent
    }
  }
}

/** True when `path` is `root` or inside it. */
export function isInside(root: string, path: string): boolean {
  if (path === root) return true
  return path.startsWith(root.endsWith(sep) ? root : root + sep)
}

/** `dir` and every folder above it, nearest first. */
export function foldersUpFrom(dir: string): string[] {
  const out = [dir]
  for (let d = dir; dirname(d) !== d; d = dirname(d)) out.push(dirname(d))
  return out
}

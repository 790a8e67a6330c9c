// Intermediate files: a copy that lives between two native jobs (the binary form of an armored
// age file, a ciphertext copy being verified or converted), named like any temporary file. JS
// removes it in a `finally`; in case that never runs (a worker thread terminated in between,
// process.exit()), the native environment owns the name too and removes it when it shuts down.
import { rm } from 'node:fs/promises'

import { native } from './native'
import { tempPathFor } from './paths'

/** A fresh temporary name beside `output`, owned by the environment until removeIntermediate(). */
export function intermediatePathFor(output: string): string {
  const path = tempPathFor(output)
  native.ownIntermediateFile(path)
  return path
}

/** Removes an intermediate file (if it exists) and drops the environment's claim on it. */
export async function removeIntermediate(path: string): Promise<void> {
  try {
    await rm(path, { force: true })
  } finally {
    native.releaseIntermediateFile(path)
  }
}

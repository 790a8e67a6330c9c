// The codec registry: which formats filesec reads and writes. Decryption, inspection and
// rotation pick the codec from the file's first bytes; encryption takes it by name (default
// 'fsec'). The built-in .fsec codec is registered at load time and cannot be removed.
import { open } from 'node:fs/promises'

import { ArgumentError, fromFs, NotEncryptedError } from '../errors'
import { type Codec, type CodecInfo, SNIFF_BYTES } from './codec'

const NAME = /^[a-z][a-z0-9-]{1,31}$/
const BUILT_IN = new Set<string>()
const codecs = new Map<string, Codec>()

/** Adds a codec. Its name must be new; `matches` and `decryptFile` are required. */
export function registerCodec(codec: Codec): void {
  if (codec === null || typeof codec !== 'object') throw new ArgumentError('a codec must be an object')
  if (typeof codec.name !== 'string' || !NAME.test(codec.name)) {
    throw new ArgumentError('a codec name is 2 to 32 characters: a lower-case letter, then letters, digits or -')
  }
  if (codecs.has(codec.name)) throw new ArgumentError(`a codec named '${codec.name}' is already registered`)
  for (const k of ['matches', 'decryptFile', 'inspect'] as const) {
    if (typeof codec[k] !== 'function') throw new ArgumentError(`codec '${codec.name}': ${k} must be a function`)
  }
  for (const k of ['encryptFile', 'rotateFile', 'verifyFile'] as const) {
    if (codec[k] !== undefined && typeof codec[k] !== 'function') {
      throw new ArgumentError(`codec '${codec.name}': ${k} must be a function when given`)
    }
  }
  if (typeof codec.description !== 'string' || typeof codec.extension !== 'string' || !codec.extension.startsWith('.')) {
    throw new ArgumentError(`codec '${codec.name}': description must be a string and extension start with '.'`)
  }
  codecs.set(codec.name, codec)
}

/** Registers a codec that ships with filesec (kept by unregisterCodec). */
export function registerBuiltInCodec(codec: Codec): void {
  registerCodec(codec)
  BUILT_IN.add(codec.name)
}

/** Removes a codec added with registerCodec; true when there was one. Built-in codecs stay. */
export function unregisterCodec(name: string): boolean {
  if (BUILT_IN.has(name)) throw new ArgumentError(`'${name}' is built in and cannot be unregistered`)
  return codecs.delete(name)
}

export function listCodecs(): CodecInfo[] {
  return [...codecs.values()].map((c) => ({
    name: c.name,
    description: c.description,
    extension: c.extension,
    canEncrypt: typeof c.encryptFile === 'function',
    canRotate: typeof c.rotateFile === 'function',
    canVerify: typeof c.verifyFile === 'function',
  }))
}

/** The codec named `name` (ArgumentError when none is registered under it). */
export function codecNamed(name: string): Codec {
  const codec = typeof name === 'string' ? codecs.get(name) : undefined
  if (codec === undefined) {
    throw new ArgumentError(`unknown codec '${String(name)}' (registered: ${[...codecs.keys()].join(', ')})`)
  }
  return codec
}

/** The codec whose format `head` starts, or undefined. The first registered match wins. */
export function codecForHead(head: Buffer): Codec | undefined {
  for (const codec of codecs.values()) {
    let match = false
    try {
      match = codec.matches(head) === true
    } catch {
      match = false // a codec's sniffing must not break the others'
    }
    if (match) return codec
  }
  return undefined
}

/** Reads the first bytes of `path` and returns its codec; NotEncryptedError when none matches. */
export async function codecOfFile(path: string): Promise<Codec> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (e) {
    throw fromFs(e, path)
  }
  let head: Buffer
  try {
    const buf = Buffer.alloc(SNIFF_BYTES)
    const { bytesRead } = await handle.read(buf, 0, SNIFF_BYTES, 0)
    head = buf.subarray(0, bytesRead)
  } catch (e) {
    throw fromFs(e, path)
  } finally {
    await handle.close()
  }
  const codec = codecForHead(head)
  if (codec === undefined) {
    throw new NotEncryptedError(
      'FSEC_NOT_ENCRYPTED',
      `${path} is not an encrypted file of any registered format (${[...codecs.keys()].join(', ')})`,
    )
  }
  return codec
}

// An independent reading of the .fsec v1 layout (docs/FORMAT.md), used by tests to find the byte
// ranges of every header field and payload chunk without going through the implementation.
export interface Field {
  name: string
  start: number
  end: number
}

export interface Layout {
  headerSize: number
  fields: Field[]
  stanzas: { type: number; start: number; end: number; fingerprint?: Buffer }[]
  /** Offsets in the file. */
  payloadStart: number
  chunkStarts: number[]
  chunkEnds: number[]
}

export const CHUNK = 16384
export const SEALED_CHUNK = CHUNK + 16
export const PAYLOAD_PREFIX = 56

export function layoutOf(file: Buffer): Layout {
  const fields: Field[] = []
  const add = (name: string, start: number, length: number): number => {
    fields.push({ name, start, end: start + length })
    return start + length
  }
  let p = add('magic', 0, 7)
  p = add('version', p, 1)
  p = add('suite', p, 1)
  p = add('flags', p, 1)
  p = add('file id', p, 16)
  const headerSize = file.readUInt32BE(p)
  p = add('header size', p, 4)
  const count = file.readUInt16BE(p)
  p = add('stanza count', p, 2)
  const stanzas: Layout['stanzas'] = []
  for (let i = 0; i < count; i++) {
    const type = file[p]!
    const len = file.readUInt16BE(p + 1)
    const start = p
    p = add(`stanza ${i} type`, p, 1)
    p = add(`stanza ${i} length`, p, 2)
    if (type === 1 || type === 2) {
      const fingerprint = file.subarray(p, p + 32)
      p = add(`stanza ${i} fingerprint`, p, 32)
      if (type === 2) {
        p = add(`stanza ${i} ephemeral share`, p, 32)
        p = add(`stanza ${i} wrapped key`, p, 48)
      } else {
        p = add(`stanza ${i} RSA-OAEP ciphertext`, p, len - 32)
      }
      stanzas.push({ type, start, end: p, fingerprint })
    } else if (type === 255) {
      p = add(`stanza ${i} reserved space`, p, len)
      stanzas.push({ type, start, end: p })
    } else {
      p = add(`stanza ${i} body`, p, len)
      stanzas.push({ type, start, end: p })
    }
  }
  p = add('metadata nonce', p, 12)
  const metaLen = file.readUInt32BE(p)
  p = add('metadata length', p, 4)
  p = add('sealed metadata', p, metaLen)
  p = add('header MAC', p, 32)
  if (p !== headerSize) throw new Error(`layout mismatch: fields end at ${p}, header size ${headerSize}`)
  const chunkStarts: number[] = []
  const chunkEnds: number[] = []
  const body = file.length - headerSize - PAYLOAD_PREFIX
  const full = Math.floor(body / SEALED_CHUNK)
  for (let k = 0; k <= full; k++) {
    const s = headerSize + PAYLOAD_PREFIX + k * SEALED_CHUNK
    chunkStarts.push(s)
    chunkEnds.push(Math.min(s + SEALED_CHUNK, file.length))
  }
  return { headerSize, fields, stanzas, payloadStart: headerSize, chunkStarts, chunkEnds }
}

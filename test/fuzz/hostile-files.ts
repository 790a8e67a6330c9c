// Hostile inputs built byte by byte: headers and key files whose declared counts, lengths and
// work factors are absurd. Each builder returns the bytes of one file.
import { createHash, randomBytes } from 'node:crypto'
import { gzipSync } from 'node:zlib'

const FSEC_FIXED = 32
const FSEC_MAC = 32

/** The immutable prefix (magic, version 1, suite 1, flags 0, file id) and a header size field. */
function fsecFixed(headerSize: number, stanzaCount: number): Buffer {
  const b = Buffer.alloc(FSEC_FIXED)
  b.write('filesec', 0, 'latin1')
  b[7] = 1
  b[8] = 1
  randomBytes(16).copy(b, 10)
  b.writeUInt32BE(headerSize >>> 0, 26)
  b.writeUInt16BE(stanzaCount, 30)
  return b
}

function stanza(type: number, body: Buffer, declaredLength = body.length): Buffer {
  const head = Buffer.alloc(3)
  head[0] = type
  head.writeUInt16BE(declaredLength, 1)
  return Buffer.concat([head, body])
}

/** Metadata block: nonce, sealed length, sealed bytes. */
function metadataBlock(sealed: Buffer, declaredLength = sealed.length): Buffer {
  const b = Buffer.alloc(16)
  randomBytes(12).copy(b)
  b.writeUInt32BE(declaredLength >>> 0, 12)
  return Buffer.concat([b, sealed])
}

/** A .fsec header around `inner` (stanzas and metadata), its size field patched to `declared` if given. */
function fsecHeader(count: number, inner: Buffer, declared?: number): Buffer {
  const size = FSEC_FIXED + inner.length + FSEC_MAC
  return Buffer.concat([fsecFixed(declared ?? size, count), inner, randomBytes(FSEC_MAC)])
}

export const fsec = {
  /** 65,535 stanzas (the most the 16-bit count can declare) in a 1 KiB header. */
  stanzaCountPastHeader(): Buffer {
    return fsecHeader(0xffff, Buffer.concat([stanza(2, randomBytes(112)), Buffer.alloc(1024 - 32 - 115 - 32, 0xff)]))
  },
  /** 65,535 stanzas, all present (one X25519, the rest reserved space): a 197 KB header that parses. */
  maximumStanzas(): Buffer {
    const reserved = Array.from({ length: 0xfffe }, () => stanza(255, Buffer.alloc(0)))
    const stanzas = Buffer.concat([stanza(2, randomBytes(112)), ...reserved])
    return fsecHeader(0xffff, Buffer.concat([stanzas, metadataBlock(randomBytes(32))]))
  },
  /** A header size field of 4 GiB - 1. */
  headerSize4GiB(): Buffer {
    return fsecHeader(1, Buffer.concat([stanza(2, randomBytes(112)), metadataBlock(randomBytes(32))]), 0xffffffff)
  },
  /** A sealed-metadata length of 4 GiB - 1. */
  metadataLength4GiB(): Buffer {
    return fsecHeader(1, Buffer.concat([stanza(2, randomBytes(112)), metadataBlock(randomBytes(32), 0xffffffff)]))
  },
  /** A stanza body length of 65,535 in a header a few hundred bytes long. */
  stanzaLengthPastHeader(): Buffer {
    return fsecHeader(1, Buffer.concat([stanza(1, randomBytes(300), 0xffff), metadataBlock(randomBytes(32))]))
  },
  /** A passphrase (scrypt) stanza asking for work factor 2^60. */
  scrypt2pow60(): Buffer {
    const body = Buffer.concat([randomBytes(16), Buffer.from([60]), randomBytes(48)])
    return fsecHeader(1, Buffer.concat([stanza(3, body), metadataBlock(randomBytes(32))]))
  },
}

const b64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '')

function ageFile(stanzas: string, payload = randomBytes(64)): Buffer {
  return Buffer.concat([Buffer.from(`age-encryption.org/v1\n${stanzas}--- ${b64(randomBytes(32))}\n`), payload])
}

export const age = {
  /** A million X25519-looking stanzas (7 MB of header). */
  millionStanzas(): Buffer {
    const one = `-> X25519 ${b64(randomBytes(32))}\n${b64(randomBytes(32))}\n`
    return ageFile(one.repeat(1_000_000))
  },
  /** One stanza whose body never ends: 4 MiB of full 64-column lines. */
  endlessStanzaBody(): Buffer {
    const line = `${'A'.repeat(64)}\n`
    return ageFile(`-> X25519 ${b64(randomBytes(32))}\n${line.repeat((4 << 20) / 65)}\n`)
  },
  /** An scrypt stanza asking for work factor 2^60. */
  scrypt2pow60(): Buffer {
    return ageFile(`-> scrypt ${b64(randomBytes(16))} 60\n${b64(randomBytes(32))}\n`)
  },
  /** An armored file whose first body line is 16 MiB long. */
  armorLineOf16MiB(): Buffer {
    return Buffer.concat([
      Buffer.from('-----BEGIN AGE ENCRYPTED FILE-----\n'),
      Buffer.alloc(16 << 20, 'Q'),
      Buffer.from('\n-----END AGE ENCRYPTED FILE-----\n'),
    ])
  },
}

/** A ustar header block for a member `name` of type `typeflag` (regular file by default) declaring `size` bytes. */
export function tarHeader(name: string, size: number, typeflag = '0'): Buffer {
  const h = Buffer.alloc(512)
  h.write(name, 0, 'utf8')
  h.write('0000600\0', 100, 'latin1')
  h.write('0000000\0', 108, 'latin1')
  h.write('0000000\0', 116, 'latin1')
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1')
  h.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136, 'latin1')
  h.write(typeflag.slice(0, 1), 156, 'latin1')
  h.write('ustar\0', 257, 'latin1')
  h.write('00', 263, 'latin1')
  h.fill(0x20, 148, 156)
  let sum = 0
  for (const byte of h) sum += byte
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1')
  return h
}

/** gzip as pyFileSec's tarfile writes it: with the archive's name (FNAME), which is how it is recognised. */
export function gzipNamed(name: string, data: Buffer): Buffer {
  const plain = gzipSync(data)
  plain[3] = plain[3]! | 0x08
  return Buffer.concat([plain.subarray(0, 10), Buffer.from(`${name}\0`, 'latin1'), plain.subarray(10)])
}

export const pyfilesec = {
  /** A gzip'd tar whose `.meta` member declares 4 GiB (and holds 512 bytes). */
  metaMember4GiB(): Buffer {
    return gzipNamed('data.enc', Buffer.concat([tarHeader('data.meta', 0xffffffff), Buffer.alloc(512, 0x7b)]))
  },
  /** A `.aes256` member declaring 8 GiB - 1 in an archive that ends after one block of it. */
  ciphertextMemberPastEnd(): Buffer {
    return gzipNamed('data.enc', Buffer.concat([tarHeader('data.aes256', 0o77777777777), Buffer.alloc(512, 0x41)]))
  },
}

export const keyFiles = {
  /**
   * A filesec-written passphrase-protected PKCS#8 key with its PBKDF2 iteration count raised
   * from 600,000 to 8,388,607 (same DER length, so the file stays well-formed).
   */
  raisePbkdf2Iterations(pem: string): string {
    const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
    const der = Buffer.from(body, 'base64')
    const ours = Buffer.from([0x02, 0x03, 0x09, 0x27, 0xc0])
    const at = der.indexOf(ours)
    if (at < 0) throw new Error('the key does not carry the 600,000 iterations filesec writes')
    Buffer.from([0x02, 0x03, 0x7f, 0xff, 0xff]).copy(der, at)
    const lines = der.toString('base64').match(/.{1,64}/g)!.join('\n')
    return `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${lines}\n-----END ENCRYPTED PRIVATE KEY-----\n`
  },
  /** A minisign secret key encrypted with scrypt whose opslimit and memlimit are 2^63. */
  minisignSecretHugeLimits(): string {
    const limit = Buffer.alloc(8)
    limit.writeBigUInt64LE(1n << 63n)
    const blob = Buffer.concat([Buffer.from('EdScB2'), randomBytes(32), limit, limit, randomBytes(8 + 64 + 32)])
    return `untrusted comment: minisign encrypted secret key\n${blob.toString('base64')}\n`
  },
}

/** Hex digest, for naming files by content. */
export const digest = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex').slice(0, 16)

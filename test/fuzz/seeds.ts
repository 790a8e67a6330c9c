// Seed corpora for the libFuzzer targets, made at run time from real files written by filesec
// itself (never copied from elsewhere): small .fsec and age files, key files of every kind the
// parsers read, and a rotation journal built from two real headers.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { encryptFile, generateKeyPair, writePrivateKey } from '../../lib'

// The armor and key-file targets read their first byte as a choice, not as input.
const ARMOR_PIECES = [0, 6, 63, 255]
const KEY_READERS = { parse: 0, parseWithPassphrase: 1, ageRecipients: 2, ageIdentities: 3 }

const JOURNAL_MAGIC = Buffer.from('filesec-rotate\0\x01', 'latin1')

function fsecHeaderSize(file: Buffer): number {
  return file.readUInt32BE(26)
}

/** Writes the seeds for every target under `root/<target>/`; returns how many per target. */
export async function writeSeeds(root: string, work: string): Promise<Record<string, number>> {
  const seeds: Record<string, Buffer[]> = {
    fsec_header: [],
    age_header: [],
    age_armor: [],
    key_files: [],
    minisign_key: [],
    rotation_journal: [],
    text_encodings: [],
    signatures: [],
    legacy_payload: [],
    payload_stream: [],
  }
  const plain = join(work, 'plain.txt')
  writeFileSync(plain, 'seed plaintext\n')
  const x25519 = await generateKeyPair('x25519')
  const rsa = await generateKeyPair('rsa', { bits: 2048 })
  const ed25519 = await generateKeyPair('ed25519')

  const encryptions: Array<[string, Parameters<typeof encryptFile>[1]]> = [
    ['x.fsec', { to: x25519.publicKey }],
    ['two.fsec', { to: [x25519.publicKey, rsa.publicKey] }],
    ['pass.fsec', { passphrase: 'fuzz', workFactor: 10 }],
    ['x.age', { codec: 'age', to: x25519.publicKey }],
    ['pass.age', { codec: 'age', passphrase: 'fuzz', workFactor: 10 }],
    ['x.armored.age', { codec: 'age', to: [x25519.publicKey, rsa.publicKey], armor: true }],
  ]
  const files = new Map<string, Buffer>()
  for (const [name, options] of encryptions) {
    const output = join(work, name)
    await encryptFile(plain, { ...options, output, keep: true })
    files.set(name, readFileSync(output))
  }
  for (const name of ['x.fsec', 'two.fsec', 'pass.fsec']) {
    const file = files.get(name)!
    const header = file.subarray(0, fsecHeaderSize(file))
    seeds.fsec_header.push(header)
    const size = Buffer.alloc(4)
    size.writeUInt32BE(header.length)
    // The target appends the checksum itself.
    seeds.rotation_journal.push(Buffer.concat([JOURNAL_MAGIC, size, header, header]))
  }
  for (const name of ['x.age', 'pass.age']) seeds.age_header.push(files.get(name)!)
  const armored = files.get('x.armored.age')!
  for (const piece of ARMOR_PIECES) seeds.age_armor.push(Buffer.concat([Buffer.from([piece]), armored]))

  const keyTexts: Buffer[] = [
    Buffer.from(x25519.publicKey.publicText),
    Buffer.from(rsa.publicKey.publicText),
    Buffer.from(ed25519.publicKey.publicText),
  ]
  let n = 0
  for (const pair of [x25519, rsa, ed25519]) {
    const path = join(work, `key${n++}`)
    await writePrivateKey(pair.privateKey, path, { unprotected: true })
    keyTexts.push(readFileSync(path))
  }
  // Protected keys as filesec writes them cost 600,000 PBKDF2 iterations or scrypt 2^18 per
  // execution, which would starve the fuzzer; the same formats at the lowest cost keep it fast.
  // An age-encrypted identity file at work factor 10 (the fuzzer's cap) is what filesec writes
  // for an X25519 key, at a lower work factor:
  const identityFile = join(work, 'identity.age')
  await encryptFile(join(work, 'key0'), { codec: 'age', passphrase: 'fuzz', workFactor: 10, armor: true, output: identityFile, keep: true })
  keyTexts.push(readFileSync(identityFile))
  // PKCS#8 (PBES2, PBKDF2-SHA-256, AES-256-CBC) as filesec writes it, at Node's 2,048 iterations:
  const pkcs8 = { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'fuzz' } as const
  const spki = { type: 'spki', format: 'pem' } as const
  keyTexts.push(
    Buffer.from(generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: spki, privateKeyEncoding: pkcs8 }).privateKey),
    Buffer.from(generateKeyPairSync('ed25519', { publicKeyEncoding: spki, privateKeyEncoding: pkcs8 }).privateKey),
  )
  for (const text of keyTexts) {
    for (const reader of Object.values(KEY_READERS)) seeds.key_files.push(Buffer.concat([Buffer.from([reader]), text]))
  }
  const minisignLine = ed25519.publicKey.publicText.split('\n')[1]!
  seeds.minisign_key.push(Buffer.from(minisignLine))
  seeds.text_encodings.push(Buffer.from(minisignLine), Buffer.from(x25519.publicKey.publicText.trim()))
  const identity = keyTexts[3]!.toString().split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))
  if (identity !== undefined) seeds.text_encodings.push(Buffer.from(identity))

  // Signature-sized byte strings (the first byte is half the signature length) before a message.
  for (const length of [64, 256]) {
    seeds.signatures.push(Buffer.concat([Buffer.from([length / 2]), randomBytes(length), Buffer.from('signed message')]))
  }

  // `openssl enc -aes-256-cbc -a -salt` text: "Salted__", a salt and whole blocks, in base64
  // lines of 64 columns (the first byte is the piece size the target feeds it in).
  const salted = Buffer.concat([Buffer.from('Salted__'), randomBytes(8), randomBytes(48)])
  const saltedText = `${salted.toString('base64').match(/.{1,64}/g)!.join('\n')}\n`
  for (const piece of [0, 16, 255]) seeds.legacy_payload.push(Buffer.concat([Buffer.from([piece]), Buffer.from(saltedText)]))

  // Plaintext size (2 bytes), piece size, flags, then 4-byte edits: none, one flip, one cut.
  seeds.payload_stream.push(
    Buffer.from([0x40, 0x00, 0x10, 0x01]),
    Buffer.from([0x80, 0x01, 0x00, 0x00, 0x80, 0x00, 0x00, 0x55]),
    Buffer.from([0xc0, 0x10, 0xff, 0x01, 0xf0, 0x00, 0x01, 0x00]),
  )

  const counts: Record<string, number> = {}
  for (const [target, list] of Object.entries(seeds)) {
    const dir = join(root, target)
    mkdirSync(dir, { recursive: true })
    // Named by content, as libFuzzer names corpus files, so seeds are not duplicated across runs.
    for (const seed of list) writeFileSync(join(dir, createHash('sha1').update(seed).digest('hex')), seed)
    counts[target] = list.length
  }
  return counts
}

export const FUZZ_TARGETS = [
  'fsec_header',
  'age_header',
  'age_armor',
  'key_files',
  'minisign_key',
  'rotation_journal',
  'text_encodings',
  'signatures',
  'legacy_payload',
  'payload_stream',
] as const

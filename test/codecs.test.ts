// The codec registry: one API over every format; the format of a file read is recognised from
// its first bytes, the format written is chosen by name. pyFileSec §7.137–144 (its
// PFSCodecRegistry), adapted: filesec codecs are objects, not pairs of functions.
import { strict as assert } from 'node:assert'
import { readFileSync, writeFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'

import {
  ArgumentError,
  type Codec,
  decryptFile,
  type DecryptResult,
  encryptFile,
  type EncryptResult,
  generateKeyPair,
  inspect,
  listCodecs,
  NotEncryptedError,
  registerCodec,
  rotateFile,
  SecFile,
  unregisterCodec,
} from '../lib'
import { rejectsWith, scratchDir } from './helpers'

// A toy format for the tests: a magic line, then the bytes rotated by 13 (pyFileSec's own test
// codec was rot13). Not encryption: it only exercises the registry.
const ROT_MAGIC = Buffer.from('ROT13-TEST\n')
const rot = (b: Buffer): Buffer => Buffer.from(b.map((x) => (x + 13) & 0xff))
const unrot = (b: Buffer): Buffer => Buffer.from(b.map((x) => (x + 243) & 0xff))

function rot13Codec(name = 'rot13', withEncrypt = true): Codec {
  const codec: Codec = {
    name,
    description: 'test only: bytes rotated by 13',
    extension: '.rot',
    matches: (head) => head.subarray(0, ROT_MAGIC.length).equals(ROT_MAGIC),
    async decryptFile(input, options): Promise<DecryptResult> {
      const output = resolve(options.output ?? input.replace(/\.rot$/, ''))
      const plain = unrot(readFileSync(input).subarray(ROT_MAGIC.length))
      await writeFile(output, plain, { flag: 'wx', mode: 0o600 })
      return { input: resolve(input), output, plaintextBytes: plain.length, metadata: { v: 1, padding: 0 } }
    },
    async inspect(path) {
      return {
        path: resolve(path),
        codec: name,
        formatVersion: 1,
        payload: 'rot13',
        fileId: '',
        headerSize: ROT_MAGIC.length,
        fileSize: readFileSync(path).length,
        sealedMetadataSize: 0,
        passphrase: false,
        recipients: [],
      } as never
    },
  }
  if (withEncrypt) {
    codec.encryptFile = async (input, options): Promise<EncryptResult> => {
      const output = resolve(options.output ?? `${input}.rot`)
      const plain = readFileSync(input)
      await writeFile(output, Buffer.concat([ROT_MAGIC, rot(plain)]), { flag: 'wx', mode: 0o600 })
      return {
        input: resolve(input),
        output,
        plaintextBytes: plain.length,
        encryptedBytes: plain.length + ROT_MAGIC.length,
        recipients: [],
        plaintext: 'kept',
        warnings: [],
      }
    }
  }
  return codec
}

describe('codec registry', function () {
  this.timeout(30_000)
  const dir = scratchDir('filesec-codecs-')
  const p = (name: string): string => join(dir(), name)
  afterEach(() => {
    for (const c of listCodecs()) if (c.name !== 'fsec' && c.name !== 'age' && c.name !== 'pyfilesec') unregisterCodec(c.name)
  })

  it('§7.137 the built-in registry holds the fsec codec, which encrypts and rotates', () => {
    const fsec = listCodecs().find((c) => c.name === 'fsec')
    assert.ok(fsec)
    assert.deepEqual({ ...fsec, description: '' }, { name: 'fsec', description: '', extension: '.fsec', canEncrypt: true, canRotate: true, canVerify: true })
  })

  it('§7.138/§7.139 register, use, unregister (twice is harmless); a name is registered once', () => {
    registerCodec(rot13Codec())
    assert.ok(listCodecs().some((c) => c.name === 'rot13' && c.canEncrypt && !c.canRotate && !c.canVerify))
    assert.throws(() => registerCodec(rot13Codec()), ArgumentError)
    assert.equal(unregisterCodec('rot13'), true)
    assert.equal(unregisterCodec('rot13'), false)
    assert.throws(() => unregisterCodec('fsec'), ArgumentError)
  })

  it('§7.140–142 malformed codecs are refused: names, missing or non-callable functions', () => {
    for (const name of ['x', 'Rot13', '13rot', 'rot_13', 'rötel', 'a'.repeat(33), 7 as never]) {
      assert.throws(() => registerCodec({ ...rot13Codec(), name }), ArgumentError, String(name))
    }
    assert.throws(() => registerCodec({ ...rot13Codec(), decryptFile: 'no' as never }), ArgumentError)
    assert.throws(() => registerCodec({ ...rot13Codec(), matches: undefined as never }), ArgumentError)
    assert.throws(() => registerCodec({ ...rot13Codec(), encryptFile: 5 as never }), ArgumentError)
    assert.throws(() => registerCodec({ ...rot13Codec(), extension: 'rot' }), ArgumentError)
    assert.throws(() => registerCodec(null as never), ArgumentError)
    assert.equal(listCodecs().length, 3) // the built-ins: fsec, age and pyfilesec (decrypt-only)
  })

  it('§7.143/§7.144 encrypt by name, decrypt and inspect by content; unknown names; decrypt-only codecs', async () => {
    registerCodec(rot13Codec())
    writeFileSync(p('a.txt'), 'some text')
    const enc = await encryptFile(p('a.txt'), { codec: 'rot13', to: [] as never })
    assert.equal(enc.output, p('a.txt.rot'))
    assert.equal((await inspect(enc.output)).payload, 'rot13')
    const dec = await decryptFile(enc.output, { identity: [] as never, output: p('a.out') })
    assert.equal(readFileSync(dec.output, 'utf8'), 'some text')
    await rejectsWith(rotateFile(enc.output, {} as never), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    await rejectsWith(encryptFile(p('a.txt'), { codec: 'what-the-what', to: [] as never }), ArgumentError, 'FSEC_INVALID_ARGUMENT')

    unregisterCodec('rot13')
    registerCodec(rot13Codec('rot13-read', false))
    const e = await rejectsWith(encryptFile(p('a.txt'), { codec: 'rot13-read', to: [] as never }), ArgumentError, 'FSEC_INVALID_ARGUMENT')
    assert.match(e.message, /can only decrypt/)
    const dec2 = await decryptFile(enc.output, { identity: [] as never, output: p('a2.out') })
    assert.equal(readFileSync(dec2.output, 'utf8'), 'some text')
  })

  it('the default codec is fsec, and .fsec files are still recognised with other codecs registered', async () => {
    registerCodec(rot13Codec())
    const { publicKey, privateKey } = await generateKeyPair('x25519')
    writeFileSync(p('b.txt'), 'fsec by default')
    const enc = await encryptFile(p('b.txt'), { to: publicKey })
    assert.equal(enc.output, p('b.txt.fsec'))
    assert.equal((await inspect(enc.output)).codec, 'fsec')
    const f = new SecFile(enc.output)
    await f.decrypt({ identity: privateKey })
    assert.equal(readFileSync(f.path, 'utf8'), 'fsec by default')
  })

  it('a file of no registered format is NotEncryptedError naming the formats; a throwing matcher does not break the others', async () => {
    registerCodec({
      ...rot13Codec('broken'),
      matches: () => {
        throw new Error('boom')
      },
    })
    writeFileSync(p('plain.bin'), 'just bytes')
    const e = await rejectsWith(decryptFile(p('plain.bin'), { identity: [] as never }), NotEncryptedError, 'FSEC_NOT_ENCRYPTED')
    assert.match(e.message, /fsec, age, pyfilesec, broken/)
    const { publicKey } = await generateKeyPair('x25519')
    writeFileSync(p('c.txt'), 'c')
    const enc = await encryptFile(p('c.txt'), { to: publicKey, keep: true })
    assert.equal((await inspect(enc.output)).codec, 'fsec')
  })
})

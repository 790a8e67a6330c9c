// A static check, and only that: the sources are scanned for comparisons of MACs, tags,
// checksums, hashes and key ids that could stop at the first differing byte (memcmp, std::equal,
// ==/!= on such values, Buffer.equals/compare, ===). They must go through CRYPTO_memcmp
// (crypto::equal_ct) or crypto.timingSafeEqual (lib/constant-time.ts). The check reads names, not
// meaning: a comparison that hides behind an unrelated name is not found. What it allows is
// listed below with the reason. Timing itself is not measured.
import { strict as assert } from 'node:assert'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

const ROOT = join(__dirname, '..')

function sources(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    return e.isDirectory() ? sources(p, ext) : ext.test(e.name) ? [p] : []
  })
}

/** Names that hold a MAC, tag, checksum, hash or key id. */
const SECRETISH = /(tag|mac|hmac|digest|checksum|fingerprint|keyid|key_id|sha256|sha1|md5|hash|signature)$/i

/** Byte comparisons allowed, and why. */
const ALLOWED: { file: RegExp; line: RegExp; why: string }[] = [
  { file: /./, line: /memcmp\(.*(kMagic|kSaltedMagic|kDashes|needle|"[^"]*")/, why: 'a fixed public constant (a magic, a marker) is compared' },
  { file: /age_stanzas\.cc$/, line: /std::memcmp\(v\.data, s, v\.size\)/, why: 'a stanza type or argument against a fixed name' },
  { file: /age_armor\.cc$/, line: /std::memcmp\(line\.data, text, n\)/, why: 'armor BEGIN/END lines against their fixed text' },
  { file: /\.ts$/, line: /\.equals\([A-Z_]*MAGIC|MAGIC[\w.()]*\.equals\(|\.equals\(magic/, why: 'file magics: public constants' },
]

/** Comparisons of a SECRETISH name that are not of its bytes (its type, presence, length, kind). */
const NOT_BYTES = /^(null|nullptr|undefined|true|false|0|\d+|'[^']*'|"[^"]*"|`[^`]*`|[A-Z][A-Z0-9_]+)$|::k\w+$|\.(length|size|size\(\)|type|kind|digest)$/

function findings(): string[] {
  const out: string[] = []
  const files = [...sources(join(ROOT, 'src'), /\.(cc|h)$/), ...sources(join(ROOT, 'lib'), /\.ts$/)]
  assert.ok(files.length > 50, 'the sources were found')
  for (const file of files) {
    const rel = relative(ROOT, file)
    readFileSync(file, 'utf8').split('\n').forEach((raw, i) => {
      const line = raw.replace(/\/\/.*$/, '')
      const where = `${rel}:${i + 1}: ${raw.trim()}`
      const allowed = ALLOWED.some((a) => a.file.test(rel) && a.line.test(line))
      if (/(?<!CRYPTO_)memcmp\(|std::equal\(|\.equals\(|\.compare\(/.test(line) && !allowed) out.push(where)
      for (const m of line.matchAll(/([\w.\]\[>()-]+)\s*(===|!==|==|!=)\s*([\w.:\]\[>()'"`-]+)/g)) {
        const [a, b] = [m[1]!, m[3]!].map((s) => s.replace(/^[(!]+/, '').replace(/\)+$/, ''))
        const secretish = (s: string) => SECRETISH.test(s.replace(/\(\)$/, '')) && !NOT_BYTES.test(s)
        if ((secretish(a!) || secretish(b!)) && !NOT_BYTES.test(a!) && !NOT_BYTES.test(b!)) out.push(where)
      }
    })
  }
  return out
}

describe('constant-time comparisons (static check of src/ and lib/)', () => {
  it('no MAC, tag, checksum, hash or key id is compared with memcmp, ==, ===, Buffer.equals or compare', () => {
    assert.deepEqual(findings(), [])
  })

  it('the check finds what it looks for (a planted comparison of each kind)', () => {
    const planted = [
      'if (std::memcmp(tag, expected, 16) != 0) fail();',
      'if (header.fingerprint == id->fingerprint()) x();',
      'return a.mac.equals(b.mac)',
      'if (key.keyId === parsed.keyId) return',
    ]
    for (const p of planted) {
      const hit =
        /(?<!CRYPTO_)memcmp\(|std::equal\(|\.equals\(|\.compare\(/.test(p) ||
        [...p.matchAll(/([\w.\]\[>()-]+)\s*(===|!==|==|!=)\s*([\w.:\]\[>()'"`-]+)/g)].some((m) =>
          [m[1]!, m[3]!].some((s) => SECRETISH.test(s.replace(/^[(!]+/, '').replace(/\)+$/, '').replace(/\(\)$/, ''))),
        )
      assert.ok(hit, p)
    }
  })
})

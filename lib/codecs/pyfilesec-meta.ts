// The `N.meta` member of a pyFileSec archive: clear-text JSON, one entry per encryption event
// (`"meta-data <date>": { … }`), written by Python 2 json.dump (FORMAT.md §5). It is not
// authenticated: everything read from it is a hint, reported as such, never a reason to trust the
// plaintext.

/** One `meta-data …` event of the archive's history. */
export interface PyfilesecEvent {
  /** The JSON key, e.g. `meta-data 2026_11_27_07:11.32.113` or `meta-data (date-time suppressed)`. */
  label: string
  /** The local date string pyFileSec recorded (`YYYY_MM_DD_HH:MM.SS.mmm`), null when suppressed. */
  date: string | null
  /** The event's fields as stored (strings, or `{"meta-data": false}` when metadata was off). */
  fields: Record<string, unknown>
}

/** EVP_BytesToKey digest of the `openssl enc` that made the archive. */
export type KdfDigest = 'sha256' | 'md5'

export interface PyfilesecMeta {
  /** Every event, oldest first (the newest is the lexicographically largest label). */
  history: PyfilesecEvent[]
  /** The newest event's `openssl` version string, when recorded. */
  openssl: string | null
  /** The digest that version implies (OpenSSL >= 1.1.0 → sha256, older → md5); null without a usable hint. */
  digestHint: KdfDigest | null
  /** The newest event's "hash of cipher_text" (SHA-256 of the .aes256 member), when recorded. */
  cipherTextSha256: Buffer | null
  /** The newest event's recorded HMAC-SHA256 of the .aes256 member, when recorded. */
  hmac: Buffer | null
  warnings: string[]
}

const PREFIX = 'meta-data'

/** The EVP_BytesToKey digest an `openssl version` string implies; null when it cannot be told. */
export function digestForOpensslVersion(version: string): KdfDigest | null {
  const m = /^OpenSSL (\d+)\.(\d+)\.(\d+)/.exec(version.trim())
  if (!m) return null // LibreSSL, BoringSSL or anything unrecognised: probe instead
  const [major, minor] = [Number(m[1]), Number(m[2])]
  // `openssl enc` switched its default digest from MD5 to SHA-256 in 1.1.0.
  return major > 1 || (major === 1 && minor >= 1) ? 'sha256' : 'md5'
}

function hex32(value: unknown): Buffer | null {
  return typeof value === 'string' && /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : null
}

export function parsePyfilesecMeta(bytes: Buffer): PyfilesecMeta {
  const warnings: string[] = []
  const empty: PyfilesecMeta = { history: [], openssl: null, digestHint: null, cipherTextSha256: null, hmac: null, warnings }
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    warnings.push('the metadata member is not valid JSON: no history, no checksum, no OpenSSL version hint')
    return empty
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    warnings.push('the metadata member is not a JSON object: ignored')
    return empty
  }
  const history: PyfilesecEvent[] = []
  for (const [label, value] of Object.entries(json as Record<string, unknown>)) {
    if (!label.startsWith(PREFIX) || value === null || typeof value !== 'object' || Array.isArray(value)) {
      warnings.push(`the metadata entry '${label}' is not a pyFileSec event: ignored`)
      continue
    }
    const rest = label.slice(PREFIX.length).trim()
    history.push({ label, date: rest === '' || rest.startsWith('(') ? null : rest, fields: value as Record<string, unknown> })
  }
  history.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))
  const newest = history.at(-1)?.fields ?? {}
  const openssl = typeof newest.openssl === 'string' ? newest.openssl : null
  const cipherTextSha256 = hex32(newest['hash of cipher_text'])
  if (newest['hash of cipher_text'] !== undefined && cipherTextSha256 === null) {
    warnings.push('the recorded "hash of cipher_text" is not a SHA-256 hex digest: not checked')
  }
  let hmac: Buffer | null = null
  const hmacLine = newest['hmac (enc-then-mac)']
  if (typeof hmacLine === 'string') {
    // The stdout line of `openssl dgst -sha256 -hmac K FILE`: `HMAC-SHA2-256(path)= hex`.
    const m = /=\s*([0-9a-fA-F]{64})\s*$/.exec(hmacLine)
    hmac = m ? Buffer.from(m[1]!, 'hex') : null
    if (hmac === null) warnings.push('the recorded HMAC line cannot be read: not checked')
  }
  return {
    history,
    openssl,
    digestHint: openssl === null ? null : digestForOpensslVersion(openssl),
    cipherTextSha256,
    hmac,
    warnings,
  }
}

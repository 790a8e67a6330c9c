// Legacy pyFileSec signatures (docs/FORMAT.md, "Signatures"), verified and never made: pyFileSec's
// sign() ran `openssl dgst -sign KEY FILE` and returned the raw RSASSA-PKCS1-v1_5 signature as
// standard base64 (one line, no newline). The digest was that OpenSSL's default and is not
// recorded: SHA-256 from OpenSSL 1.1.0, SHA-1 on 1.0.x, MD5 on 0.9.8. The signature names no key.
//
// Recognised here: text that, without its whitespace (spaces, tabs, line breaks, so wrapped base64
// is fine), is only base64 characters, 40 or more. Whether its length fits the key is checked once
// the key is known (sign.ts).
import { SignatureError } from './errors'

export const PYFILESEC_PKCS1V15 = 'pyfilesec-pkcs1v15' as const

/** The digests a pyFileSec signature may use, in the order filesec tries them. */
export const PYFILESEC_DIGESTS = ['sha256', 'sha1', 'md5'] as const
export type PyFileSecDigest = (typeof PYFILESEC_DIGESTS)[number]

/** The largest RSA modulus filesec accepts (16384 bits) gives 2048-byte signatures. */
const MAX_SIGNATURE_BYTES = 2048
/** Fewer base64 characters than this are no RSA signature at all (30 bytes). */
const MIN_BASE64_CHARS = 40

function compact(data: Buffer): string {
  return data.toString('latin1').replace(/[\t\n\v\f\r ]+/g, '')
}

function invalid(message: string): SignatureError {
  return new SignatureError('FSEC_SIGNATURE_INVALID', `not a valid pyFileSec signature: ${message}`)
}

export function looksLikePyFileSecSignature(data: Buffer): boolean {
  const text = compact(data)
  return text.length >= MIN_BASE64_CHARS && /^[A-Za-z0-9+/]+=*$/.test(text)
}

/** The raw signature bytes. Throws SignatureError (FSEC_SIGNATURE_INVALID) for broken base64. */
export function parsePyFileSecSignature(data: Buffer): Buffer {
  const text = compact(data)
  const signature = Buffer.from(text, 'base64')
  // Node decodes leniently; a truncated or re-padded text does not survive the round trip.
  if (signature.toString('base64') !== text) throw invalid('the base64 is broken (truncated, or bad padding)')
  if (signature.length > MAX_SIGNATURE_BYTES) throw invalid('longer than any RSA signature')
  return signature
}

/**
 * Throws SignatureError (FSEC_SIGNATURE_INVALID) unless the signature is exactly the size of the
 * RSA key's modulus, as every RSA signature made by that key is.
 */
export function checkPyFileSecSignatureSize(signature: Buffer, rsaBits: number): void {
  const expected = Math.ceil(rsaBits / 8)
  if (signature.length !== expected) {
    throw invalid(
      `it is ${signature.length} bytes, and a ${rsaBits}-bit RSA key's signatures are ${expected} bytes (it is damaged, or a key of another size made it)`,
    )
  }
}

/** Plain-words warnings about a pyFileSec signature that verified with `digest`. */
export function pyFileSecWarnings(digest: PyFileSecDigest): string[] {
  const again = 'sign the file again with filesec (RSA-PSS-SHA-256 or Ed25519)'
  if (digest === 'md5') {
    return [
      `legacy pyFileSec signature: RSA PKCS#1 v1.5 over MD5, which is broken for collision resistance (a file made to collide with one the signer signed verifies too); ${again}`,
    ]
  }
  if (digest === 'sha1') {
    return [
      `legacy pyFileSec signature: RSA PKCS#1 v1.5 over SHA-1, which is no longer collision-resistant (collisions are practical); ${again}`,
    ]
  }
  return []
}

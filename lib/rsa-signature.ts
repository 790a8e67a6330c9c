// filesec's RSA signature file (docs/FORMAT.md, "Signatures"): a magic line, then three
// `name: value` lines in this order, each ending in '\n':
//
//   filesec signature v1
//   algorithm: rsa-pss-sha256
//   key-fingerprint: <SHA-256 of the signer's DER SubjectPublicKeyInfo, 64 lower-case hex>
//   signature: <base64 of the RSASSA-PSS signature>
//
// The signature is the one `openssl dgst -sha256 -sigopt rsa_padding_mode:pss
// -sigopt rsa_pss_saltlen:32 -sign KEY FILE` makes (SHA-256, MGF1-SHA-256, 32-byte salt).
import { SignatureError } from './errors'

export const RSA_SIGNATURE_EXTENSION = '.sig'
export const RSA_PSS_SHA256 = 'rsa-pss-sha256' as const

const MAGIC = 'filesec signature v1'
const FIELDS = ['algorithm', 'key-fingerprint', 'signature'] as const
/** The largest RSA modulus filesec accepts (16384 bits) gives 2048-byte signatures. */
const MAX_SIGNATURE_BYTES = 2048

export interface RsaSignature {
  algorithm: typeof RSA_PSS_SHA256
  /** The signer's key fingerprint, as Key.fingerprint. */
  fingerprint: string
  signature: Buffer
}

function invalid(message: string): SignatureError {
  return new SignatureError('FSEC_SIGNATURE_INVALID', `not a valid filesec signature: ${message}`)
}

export function looksLikeRsaSignature(data: Buffer): boolean {
  return data.subarray(0, 'filesec signature'.length).toString('latin1') === 'filesec signature'
}

/** Reads a filesec signature file. Throws SignatureError when it is malformed or of another kind. */
export function parseRsaSignature(data: Buffer): RsaSignature {
  const text = data.toString('latin1')
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  if (lines[0] !== MAGIC) {
    if (lines[0]?.startsWith('filesec signature ')) {
      throw new SignatureError('FSEC_SIGNATURE_UNSUPPORTED', `unsupported filesec signature version (${lines[0]})`)
    }
    throw invalid(`the first line must be "${MAGIC}"`)
  }
  if (lines.length !== 1 + FIELDS.length) throw invalid(`expected ${FIELDS.join(', ')} after the first line`)
  const values: string[] = []
  FIELDS.forEach((name, i) => {
    const line = lines[i + 1]!
    const prefix = `${name}: `
    if (!line.startsWith(prefix)) throw invalid(`line ${i + 2} must be "${prefix}…"`)
    values.push(line.slice(prefix.length))
  })
  const [algorithm, fingerprint, signatureText] = values as [string, string, string]
  if (algorithm !== RSA_PSS_SHA256) {
    throw new SignatureError('FSEC_SIGNATURE_UNSUPPORTED', `unsupported signature algorithm ${JSON.stringify(algorithm)}`)
  }
  if (!/^[0-9a-f]{64}$/.test(fingerprint)) throw invalid('the key fingerprint must be 64 lower-case hex digits')
  const signature = Buffer.from(signatureText, 'base64')
  if (signature.toString('base64') !== signatureText) throw invalid('the signature is not base64')
  // A length that does not fit the key is a signature that does not match (verification says
  // false); an empty or oversized one is no RSA signature at all.
  if (signature.length === 0 || signature.length > MAX_SIGNATURE_BYTES) {
    throw invalid('the signature is empty or longer than any RSA signature')
  }
  return { algorithm, fingerprint, signature }
}

export function formatRsaSignature(fingerprint: string, signature: Buffer): string {
  return `${MAGIC}\nalgorithm: ${RSA_PSS_SHA256}\nkey-fingerprint: ${fingerprint}\nsignature: ${signature.toString('base64')}\n`
}

// minisign signature files (.minisig), as minisign 0.11 writes and reads them:
//
//   untrusted comment: <text, not authenticated>
//   base64("ED" ‖ key id (8) ‖ Ed25519 signature of BLAKE2b-512(file) (64))
//   trusted comment: <text>
//   base64(Ed25519 signature of (the signature above ‖ trusted comment bytes) (64))
//
// "ED" marks a prehashed signature; the legacy "Ed" signs the raw file, which needs the whole
// file in memory, and filesec refuses it (FSEC_SIGNATURE_UNSUPPORTED). This module only reads
// and writes the text; the cryptography is native (src/core/file_signing).
import { SignatureError } from './errors'

export const MINISIG_EXTENSION = '.minisig'
export const DEFAULT_UNTRUSTED_COMMENT = 'signature from filesec secret key'

const UNTRUSTED_PREFIX = 'untrusted comment: '
const TRUSTED_PREFIX = 'trusted comment: '
const KEY_ID_BYTES = 8
const SIGNATURE_BYTES = 64
/** minisign reads the untrusted comment line into 1024 bytes (newline included). */
const MAX_UNTRUSTED_LINE_BYTES = 1022
/** minisign refuses to sign a trusted comment of 8192 - sizeof "trusted comment: " bytes or more. */
export const MAX_TRUSTED_COMMENT_BYTES = 8173

export interface Minisig {
  /** true for "ED" (BLAKE2b-512 prehash), false for the legacy "Ed". */
  prehashed: boolean
  /** The key id as minisign prints it (upper-case hex of the little-endian number). */
  keyId: string
  signature: Buffer
  /** Exactly the bytes the comment signature covers. */
  trustedComment: Buffer
  commentSignature: Buffer
  untrustedComment: string
}

function invalid(message: string): SignatureError {
  return new SignatureError('FSEC_SIGNATURE_INVALID', `not a valid minisign signature: ${message}`)
}

/** Strict base64: standard alphabet, padded, canonical (what minisign writes). */
function decodeBase64(text: string, what: string): Buffer {
  const bytes = Buffer.from(text, 'base64')
  if (text.length === 0 || bytes.toString('base64') !== text) throw invalid(`the ${what} line is not base64`)
  return bytes
}

/** The key id bytes as stored (little-endian) from minisign's printed form, and back. */
export function keyIdBytes(keyId: string): Buffer {
  return Buffer.from(keyId, 'hex').reverse()
}

export function keyIdText(bytes: Buffer): string {
  return Buffer.from(bytes).reverse().toString('hex').toUpperCase()
}

/** Splits off one line: the bytes before '\n', without a trailing '\r'. */
function lines(data: Buffer): Buffer[] {
  const out: Buffer[] = []
  let start = 0
  while (start <= data.length) {
    let end = data.indexOf(0x0a, start)
    if (end === -1) end = data.length
    let line = data.subarray(start, end)
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1)
    out.push(line)
    start = end + 1
  }
  return out
}

function startsWith(line: Buffer, prefix: string): boolean {
  return line.subarray(0, prefix.length).toString('latin1') === prefix
}

export function looksLikeMinisig(data: Buffer): boolean {
  return startsWith(data, UNTRUSTED_PREFIX)
}

/** Reads a .minisig file. Throws SignatureError (FSEC_SIGNATURE_INVALID) when it is malformed. */
export function parseMinisig(data: Buffer): Minisig {
  const [untrusted, sigLine, trusted, commentSigLine, ...rest] = lines(data)
  if (untrusted === undefined || !startsWith(untrusted, UNTRUSTED_PREFIX)) {
    throw invalid(`the first line must start with "${UNTRUSTED_PREFIX}"`)
  }
  if (untrusted.length > MAX_UNTRUSTED_LINE_BYTES) throw invalid('the untrusted comment is too long')
  if (sigLine === undefined || trusted === undefined || commentSigLine === undefined) {
    throw invalid('a minisign signature has four lines')
  }
  if (rest.some((l) => l.toString('latin1').trim() !== '')) throw invalid('text after the fourth line')
  const blob = decodeBase64(sigLine.toString('latin1'), 'signature')
  if (blob.length !== 2 + KEY_ID_BYTES + SIGNATURE_BYTES) throw invalid('the signature line has the wrong length')
  const algorithm = blob.subarray(0, 2).toString('latin1')
  if (algorithm !== 'ED' && algorithm !== 'Ed') {
    throw new SignatureError('FSEC_SIGNATURE_UNSUPPORTED', 'unsupported minisign signature algorithm')
  }
  if (!startsWith(trusted, TRUSTED_PREFIX)) throw invalid(`the third line must start with "${TRUSTED_PREFIX}"`)
  const trustedComment = Buffer.from(trusted.subarray(TRUSTED_PREFIX.length))
  if (trustedComment.length > MAX_TRUSTED_COMMENT_BYTES) throw invalid('the trusted comment is too long')
  if (trustedComment.includes(0x0d)) throw invalid('the trusted comment contains a carriage return')
  const commentSignature = decodeBase64(commentSigLine.toString('latin1'), 'comment signature')
  if (commentSignature.length !== SIGNATURE_BYTES) throw invalid('the comment signature line has the wrong length')
  return {
    prehashed: algorithm === 'ED',
    keyId: keyIdText(blob.subarray(2, 2 + KEY_ID_BYTES)),
    signature: Buffer.from(blob.subarray(2 + KEY_ID_BYTES)),
    trustedComment,
    commentSignature,
    untrustedComment: untrusted.subarray(UNTRUSTED_PREFIX.length).toString('utf8'),
  }
}

export interface MinisigParts {
  keyId: string
  signature: Buffer
  trustedComment: Buffer
  commentSignature: Buffer
  untrustedComment?: string
}

/** Writes a prehashed ("ED") .minisig file. */
export function formatMinisig(parts: MinisigParts): string {
  const blob = Buffer.concat([Buffer.from('ED', 'latin1'), keyIdBytes(parts.keyId), parts.signature])
  return (
    `${UNTRUSTED_PREFIX}${parts.untrustedComment ?? DEFAULT_UNTRUSTED_COMMENT}\n` +
    `${blob.toString('base64')}\n` +
    `${TRUSTED_PREFIX}${parts.trustedComment.toString('utf8')}\n` +
    `${parts.commentSignature.toString('base64')}\n`
  )
}

const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * Why `text` cannot be a trusted comment, or undefined when it can: one line of printable text
 * (tabs allowed, no control characters; minisign 0.12 refuses anything else) that fits in
 * minisign's buffer.
 */
export function trustedCommentProblem(text: string): string | undefined {
  if (CONTROL.test(text) || LONE_SURROGATE.test(text)) {
    return 'the trusted comment must be one line of printable text (tabs allowed)'
  }
  if (Buffer.byteLength(text, 'utf8') > MAX_TRUSTED_COMMENT_BYTES) {
    return `the trusted comment is longer than ${MAX_TRUSTED_COMMENT_BYTES} bytes`
  }
  return undefined
}

/**
 * minisign's default trusted comment: `timestamp:<unix seconds>\tfile:<base name>\thashed`.
 * Characters of the name that cannot go in a trusted comment become '?', and so do tabs (they
 * separate the fields).
 */
export function defaultTrustedComment(baseName: string, now: Date): string {
  const name = baseName.replace(new RegExp(`${CONTROL.source}|\t`, 'g'), '?').replace(new RegExp(LONE_SURROGATE, 'g'), '?')
  return `timestamp:${Math.floor(now.getTime() / 1000)}\tfile:${name}\thashed`
}

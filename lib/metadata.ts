// The metadata sealed inside a .fsec header: JSON, encrypted and authenticated with the file key.
// Nothing identifying goes in unless asked: the name is a base name (never a path), times can be
// left out, and the note is the caller's own words.
import type { Stats } from 'node:fs'
import { basename } from 'node:path'

import { ArgumentError, HeaderError } from './errors'

export const METADATA_VERSION = 1
export const NOTE_MAX_BYTES = 1024
/** The sealed metadata's size limit (docs/FORMAT.md section 2.3). */
export const METADATA_MAX_BYTES = 64 * 1024
/** Rotation history: entries kept (the oldest go first), and fingerprints listed per side of one entry. */
export const MAX_ROTATION_ENTRIES = 100
export const MAX_LISTED_RECIPIENTS = 64

/** One header rotation, as recorded in the sealed metadata. */
export interface RotationRecord {
  /** When, ISO 8601 UTC. */
  at: string
  /** Who could open the file before: key fingerprints, or `'passphrase'`. */
  from: string[]
  /** Who can open it after. */
  to: string[]
  /** Set when a list was cut to its first 64 entries: the full number of recipients. */
  fromCount?: number
  toCount?: number
  /** True when the payload was re-encrypted under a fresh file key. */
  rekeyed: boolean
}

export interface FileMetadata {
  /** Metadata schema version. */
  v: number
  /** The original file's base name. */
  name?: string
  /** Plaintext payload length in bytes (padding included), when known at encryption. */
  size?: number
  /** Permission bits of the original file. */
  mode?: number
  /** Last modification time of the original, ISO 8601 UTC. */
  mtime?: string
  /** Creation (birth) time of the original, ISO 8601 UTC, where the file system records it. */
  birthtime?: string
  /** The caller's note. */
  note?: string
  /** Zero bytes appended to the plaintext before encryption (removed on decryption). */
  padding: number
  /** Header rotations, oldest first (at most 100; see rotationsDropped). */
  rotations?: RotationRecord[]
  /** How many of the oldest rotation entries were dropped to stay within the bounds. */
  rotationsDropped?: number
  /** Set by migration from a legacy format (migrateFile): where the file came from. */
  legacy?: LegacyRecord
}

/**
 * The history a migrated file carries over from its legacy archive (docs/API.md migrateFile).
 * The legacy metadata was clear text and unauthenticated: it is kept as a record, not as proof.
 */
export interface LegacyRecord {
  /** The legacy format, e.g. 'pyfilesec'. */
  format: string
  /** When the migration ran, ISO 8601 UTC. */
  migrated: string
  /** How far the legacy ciphertext could be checked (a LegacyIntegrity value). */
  integrity: string
  /** The legacy metadata events, oldest first (the oldest are dropped to fit; see historyDropped). */
  history: Array<{ label: string; date: string | null; fields: Record<string, unknown> }>
  /** How many of the oldest events were dropped to keep the metadata within 64 KiB. */
  historyDropped?: number
}

export interface MetadataOptions {
  /** Store the original base name (default true). */
  storeName?: boolean
  /** Store modification and creation times (default true). */
  storeTimes?: boolean
  /** A short note (at most 1024 UTF-8 bytes). */
  note?: string
}

export function validateMetadataOptions(options: MetadataOptions): void {
  if (options.note !== undefined) {
    if (typeof options.note !== 'string') throw new ArgumentError('note must be a string')
    if (Buffer.byteLength(options.note, 'utf8') > NOTE_MAX_BYTES) {
      throw new ArgumentError(`the note is longer than ${NOTE_MAX_BYTES} bytes`)
    }
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(options.note)) {
      throw new ArgumentError('the note contains control characters')
    }
  }
  for (const k of ['storeName', 'storeTimes'] as const) {
    if (options[k] !== undefined && typeof options[k] !== 'boolean') throw new ArgumentError(`${k} must be a boolean`)
  }
}

function iso(date: Date): string | undefined {
  const t = date.getTime()
  return Number.isFinite(t) && t > 0 ? date.toISOString() : undefined
}

/** Metadata for a file about to be encrypted. */
export function metadataForFile(path: string, stat: Stats, options: MetadataOptions): FileMetadata {
  const m: FileMetadata = { v: METADATA_VERSION, size: stat.size, mode: stat.mode & 0o7777, padding: 0 }
  if (options.storeName !== false) m.name = basename(path)
  if (options.storeTimes !== false) {
    const mtime = iso(stat.mtime)
    const birthtime = iso(stat.birthtime)
    if (mtime) m.mtime = mtime
    if (birthtime) m.birthtime = birthtime
  }
  if (options.note !== undefined) m.note = options.note
  return m
}

/** Metadata for a stream (no file behind it): only what the caller gives. */
export function metadataForStream(options: MetadataOptions & { name?: string; size?: number }): FileMetadata {
  const m: FileMetadata = { v: METADATA_VERSION, padding: 0 }
  if (options.name !== undefined) m.name = safeName(options.name)
  if (options.size !== undefined) m.size = options.size
  if (options.note !== undefined) m.note = options.note
  return m
}

export function encodeMetadata(m: FileMetadata): Buffer {
  return Buffer.from(JSON.stringify(m), 'utf8')
}

function safeName(name: string): string {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || /[/\\\u0000]/.test(name)) {
    throw new ArgumentError('name must be a plain file name (no folders)')
  }
  return name
}

/** Parses authenticated metadata, rejecting anything that does not fit the schema. */
export function decodeMetadata(bytes: Buffer): FileMetadata {
  let raw: unknown
  try {
    raw = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new HeaderError('FSEC_HEADER_INVALID', 'the sealed metadata is not valid JSON')
  }
  const bad = (what: string): never => {
    throw new HeaderError('FSEC_HEADER_INVALID', `the sealed metadata has an invalid ${what}`)
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('shape')
  const r = raw as Record<string, unknown>
  if (typeof r.v !== 'number' || !Number.isInteger(r.v) || r.v < 1) bad('version')
  const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0
  const m: FileMetadata = { v: r.v as number, padding: 0 }
  if (r.name !== undefined) {
    if (typeof r.name !== 'string') bad('name')
    try {
      m.name = safeName(r.name as string)
    } catch {
      bad('name')
    }
  }
  if (r.size !== undefined) (isCount(r.size) ? (m.size = r.size) : bad('size'))
  if (r.mode !== undefined) (isCount(r.mode) && r.mode <= 0o7777 ? (m.mode = r.mode) : bad('mode'))
  for (const k of ['mtime', 'birthtime'] as const) {
    if (r[k] !== undefined) {
      if (typeof r[k] !== 'string' || Number.isNaN(Date.parse(r[k] as string))) bad(k)
      m[k] = r[k] as string
    }
  }
  if (r.note !== undefined) (typeof r.note === 'string' ? (m.note = r.note) : bad('note'))
  if (r.padding !== undefined) (isCount(r.padding) ? (m.padding = r.padding) : bad('padding'))
  if (m.size !== undefined && m.padding > m.size) bad('padding')
  if (r.rotations !== undefined) m.rotations = decodeRotations(r.rotations, bad)
  if (r.rotationsDropped !== undefined) {
    isCount(r.rotationsDropped) ? (m.rotationsDropped = r.rotationsDropped) : bad('rotationsDropped')
  }
  if (r.legacy !== undefined) m.legacy = decodeLegacy(r.legacy, bad)
  return m
}

function decodeLegacy(raw: unknown, bad: (what: string) => never): LegacyRecord {
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)
  if (!isObject(raw)) return bad('legacy record')
  for (const k of ['format', 'migrated', 'integrity'] as const) {
    if (typeof raw[k] !== 'string') bad(`legacy ${k}`)
  }
  if (!Array.isArray(raw.history)) return bad('legacy history')
  const history = raw.history.map((e: unknown) => {
    if (!isObject(e) || typeof e.label !== 'string' || (e.date !== null && typeof e.date !== 'string') || !isObject(e.fields)) {
      return bad('legacy history entry')
    }
    return { label: e.label, date: e.date as string | null, fields: e.fields }
  })
  const record: LegacyRecord = { format: raw.format as string, migrated: raw.migrated as string, integrity: raw.integrity as string, history }
  if (raw.historyDropped !== undefined) {
    const n = raw.historyDropped
    typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? (record.historyDropped = n) : bad('legacy historyDropped')
  }
  return record
}

/**
 * Encodes `m` with `legacy` attached, dropping the oldest legacy events while the metadata would
 * exceed 64 KiB (counted in historyDropped).
 */
export function encodeWithLegacy(m: FileMetadata, legacy: LegacyRecord): Buffer {
  const all = legacy.history
  const base = legacy.historyDropped ?? 0
  const encode = (drop: number): Buffer => {
    const record: LegacyRecord = { ...legacy, history: all.slice(drop) }
    if (base + drop > 0) record.historyDropped = base + drop
    return encodeMetadata({ ...m, legacy: record })
  }
  const whole = encode(0)
  if (whole.length <= METADATA_MAX_BYTES) return whole
  // The size only shrinks as more of the oldest events are dropped: find the fewest to drop
  // (a binary search, so a long history costs log2(n) encodings, not n).
  let lo = 1
  let hi = all.length
  if (encode(hi).length > METADATA_MAX_BYTES) throw new ArgumentError('the metadata would exceed 64 KiB')
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2)
    if (encode(mid).length <= METADATA_MAX_BYTES) hi = mid
    else lo = mid + 1
  }
  return encode(lo)
}

function decodeRotations(raw: unknown, bad: (what: string) => never): RotationRecord[] {
  if (!Array.isArray(raw)) return bad('rotations')
  const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0
  // The labels are not checked against a vocabulary: a later writer may record kinds of
  // recipients this version does not know, and that must not stop the file from opening.
  const isLabels = (x: unknown): x is string[] =>
    Array.isArray(x) && x.every((s) => typeof s === 'string' && s.length > 0 && s.length <= 128)
  return raw.map((e: unknown) => {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return bad('rotation entry')
    const r = e as Record<string, unknown>
    if (typeof r.at !== 'string' || Number.isNaN(Date.parse(r.at))) bad('rotation time')
    if (!isLabels(r.from) || !isLabels(r.to)) bad('rotation recipients')
    if (typeof r.rekeyed !== 'boolean') bad('rotation rekeyed flag')
    const record: RotationRecord = { at: r.at as string, from: r.from as string[], to: r.to as string[], rekeyed: r.rekeyed as boolean }
    for (const k of ['fromCount', 'toCount'] as const) {
      if (r[k] !== undefined) (isCount(r[k]) ? (record[k] = r[k]) : bad(`rotation ${k}`))
    }
    return record
  })
}

/** A rotation to record: who could open the file before and after. */
export interface RotationEntry {
  at: Date
  from: string[]
  to: string[]
  rekeyed: boolean
}

/**
 * The metadata of a rotated file: the old metadata JSON (fields unknown to this version kept as
 * they are) with the rotation appended to its history and `changes` applied. The history keeps
 * the newest 100 entries, and drops the oldest further while the metadata would exceed 64 KiB;
 * `rotationsDropped` counts every entry dropped.
 */
export function withRotation(oldMetadata: Buffer, entry: RotationEntry, changes: { size?: number; padding?: number } = {}): Buffer {
  decodeMetadata(oldMetadata)
  const raw = JSON.parse(oldMetadata.toString('utf8')) as Record<string, unknown>
  const history: RotationRecord[] = Array.isArray(raw.rotations) ? [...(raw.rotations as RotationRecord[])] : []
  let dropped = typeof raw.rotationsDropped === 'number' ? raw.rotationsDropped : 0
  history.push(rotationRecord(entry))
  while (history.length > MAX_ROTATION_ENTRIES) {
    history.shift()
    dropped++
  }
  const encode = (): Buffer => {
    const m: Record<string, unknown> = { ...raw, ...changes, rotations: history }
    if (dropped > 0) m.rotationsDropped = dropped
    return Buffer.from(JSON.stringify(m), 'utf8')
  }
  let out = encode()
  while (out.length > METADATA_MAX_BYTES && history.length > 1) {
    out.fill(0)
    history.shift()
    dropped++
    out = encode()
  }
  if (out.length > METADATA_MAX_BYTES) throw new ArgumentError('the metadata would exceed 64 KiB')
  return out
}

function rotationRecord(entry: RotationEntry): RotationRecord {
  const record: RotationRecord = {
    at: entry.at.toISOString(),
    from: entry.from.slice(0, MAX_LISTED_RECIPIENTS),
    to: entry.to.slice(0, MAX_LISTED_RECIPIENTS),
    rekeyed: entry.rekeyed,
  }
  if (entry.from.length > MAX_LISTED_RECIPIENTS) record.fromCount = entry.from.length
  if (entry.to.length > MAX_LISTED_RECIPIENTS) record.toCount = entry.to.length
  return record
}

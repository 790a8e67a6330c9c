// filesec inspect: the public header of a .fsec file, no key needed; with -i or a passphrase
// option, also the sealed metadata (original name, size, times, note, padding, rotations). age
// files (binary or armored) are described too: recipients, sizes; with a key, the plaintext size.
import { inspect as inspectFile, type InspectWithMetadataResult } from '../index'
import { flag } from './args'
import { type Context, oneFile, parseFor } from './common'
import { describeRecipient } from './encrypt'
import { INSPECT_HELP } from './help'
import { IDENTITY_OPTIONS, identityFrom } from './identity'
import { clean, formatBytes, shownPath } from './output'

const C = 'inspect'

export async function inspect(args: string[], ctx: Context): Promise<void> {
  const { values, positionals } = parseFor(
    ctx,
    args,
    { ...IDENTITY_OPTIONS, 'use-passphrase': { type: 'boolean', short: 'p' } },
    C,
  )
  if (flag(values, 'help')) return ctx.out.help(INSPECT_HELP)
  const file = oneFile(positionals, C)
  const openWith = await identityFrom(values, file, ctx, C)
  const withKey = openWith.given || flag(values, 'use-passphrase')
  const info: InspectWithMetadataResult = withKey
    ? await openWith.run((keys) => inspectFile(file, keys))
    : await inspectFile(file)
  const encryptedTo = [
    `  encrypted to ${info.passphrase ? 'a passphrase' : `${info.recipients.length} recipient${info.recipients.length === 1 ? '' : 's'}`}:`,
    ...info.recipients.map((r) => `    ${describeRecipient(r)}`),
  ]
  ctx.out.result({ command: C, ...info }, () =>
    info.pyfilesec !== undefined
      ? describePyfilesec(info, encryptedTo)
      : info.codec === 'fsec'
      ? [
          `${shownPath(info.path)}: filesec format v${info.formatVersion}, ${formatBytes(info.fileSize)}`,
          `  payload: ${info.payload}`,
          `  file id: ${info.fileId}`,
          info.metadata === undefined
            ? `  header: ${info.headerSize} bytes (sealed metadata: ${info.sealedMetadataSize} bytes, needs a key to read)`
            : `  header: ${info.headerSize} bytes (sealed metadata: ${info.sealedMetadataSize} bytes)`,
          ...encryptedTo,
          ...(info.metadata !== undefined ? describeMetadata(info.metadata) : []),
        ]
      : [
          // Another codec (age): no file id and no sealed metadata; with a key, the size.
          `${shownPath(info.path)}: ${info.codec} v${info.formatVersion}${info.armored ? ', ASCII-armored' : ''}, ${formatBytes(info.fileSize)}`,
          `  payload: ${info.payload}`,
          `  header: ${info.headerSize} bytes${info.armored ? ' (de-armored)' : ''}, no sealed metadata`,
          ...encryptedTo,
          ...(info.metadata?.size !== undefined ? [`  plaintext size: ${formatBytes(info.metadata.size)}`] : []),
        ],
  )
}

/** A legacy pyFileSec archive: its members and clear-text history (no key needed, nothing authenticated). */
function describePyfilesec(info: InspectWithMetadataResult, encryptedTo: string[]): string[] {
  const p = info.pyfilesec!
  return [
    `${shownPath(info.path)}: pyFileSec archive (read only), ${formatBytes(info.fileSize)}`,
    `  payload: ${info.payload}`,
    `  members: ${p.members.map((m) => `${clean(m.name)} (${formatBytes(m.size)})`).join(', ')}`,
    `  decrypts to: ${clean(p.outputName)}`,
    `  OpenSSL: ${p.openssl !== null ? clean(p.openssl) : 'not recorded'}; key derivation ${p.digestHint ?? 'to be probed'}`,
    `  checksum recorded: ${p.hasChecksum ? 'yes' : 'no'}; HMAC recorded: ${p.hasHmac ? 'yes' : 'no'}`,
    ...encryptedTo,
    `  history (clear text, unauthenticated): ${info.history?.length ?? 0} event${info.history?.length === 1 ? '' : 's'}`,
    ...(info.history ?? []).map((e) => `    ${clean(e.label)}`),
    ...(info.warnings ?? []).map((w) => `  warning: ${clean(w)}`),
  ]
}

function describeMetadata(m: NonNullable<InspectWithMetadataResult['metadata']>): string[] {
  const lines = ['  metadata (authenticated):']
  if (m.name !== undefined) lines.push(`    original name: ${clean(m.name)}`)
  if (m.size !== undefined) lines.push(`    size: ${formatBytes(m.size - m.padding)}${m.padding > 0 ? ` + ${formatBytes(m.padding)} padding` : ''}`)
  if (m.mode !== undefined) lines.push(`    mode: ${m.mode.toString(8).padStart(4, '0')}`)
  if (m.mtime !== undefined) lines.push(`    modified: ${clean(m.mtime)}`)
  if (m.birthtime !== undefined) lines.push(`    created: ${clean(m.birthtime)}`)
  if (m.note !== undefined) lines.push(`    note: ${clean(m.note)}`)
  const rotations = m.rotations ?? []
  if (rotations.length > 0 || (m.rotationsDropped ?? 0) > 0) {
    const dropped = m.rotationsDropped ? ` (${m.rotationsDropped} older not kept)` : ''
    lines.push(`    rotations: ${rotations.length}${dropped}`)
    for (const r of rotations) {
      const side = (xs: string[]): string => xs.map((x) => (x === 'passphrase' ? x : x.slice(0, 16))).join(', ')
      lines.push(`      ${clean(r.at)} ${r.rekeyed ? 'rekeyed' : 'header only'}: ${side(r.from)} -> ${side(r.to)}`)
    }
  }
  if (m.legacy !== undefined) {
    const l = m.legacy
    const dropped = l.historyDropped ? ` (${l.historyDropped} older not kept)` : ''
    lines.push(`    migrated from ${clean(l.format)} on ${clean(l.migrated)} (legacy integrity: ${clean(l.integrity)})`)
    lines.push(`    legacy history (as recorded in clear text): ${l.history.length} event${l.history.length === 1 ? '' : 's'}${dropped}`)
    for (const e of l.history) lines.push(`      ${clean(e.label)}`)
  }
  return lines
}

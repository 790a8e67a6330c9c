// filesec migrate: legacy pyFileSec archives (`.enc`) to .fsec files (migrateFile). One archive,
// or a folder: every pyFileSec archive in the tree, one file at a time, with a summary.
//
// Keys are loaded once, before anything is migrated: the -i key(s) that open the archives (a
// protected one's passphrase from --passphrase-file / --passphrase-env, else asked on the
// terminal) and the new recipients (-r/-R), or the new passphrase (-p).
import type { Dirent } from 'node:fs'
import { lstat, open, readdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'

import { SNIFF_BYTES } from '../codecs/codec'
import { describe as describeArchive, pyfilesecCodec } from '../codecs/pyfilesec-codec'
import { readArchive } from '../codecs/pyfilesec-archive'
import { parsePyfilesecMeta } from '../codecs/pyfilesec-meta'
import {
  AbortError,
  defaultMigratedPath,
  FilesecError,
  type Key,
  type KeyInput,
  loadKeys,
  migrateFile,
  type MigrateOptions,
  type MigrateResult,
  type PassphraseSource,
  type Progress,
} from '../index'
import { assertOutputAbsent } from '../paths'
import { flag, int, list, str, UsageError } from './args'
import {
  type Context,
  identityArgument,
  loadKeysAsking,
  parseFor,
  PASSPHRASE_OPTIONS,
  passphraseOption,
  recipientArgument,
  wipe,
  withProgress,
} from './common'
import { describeRecipient } from './encrypt'
import { errorCodeOf, EXIT } from './exit'
import { MIGRATE_HELP } from './help'
import { clean, formatBytes, shownPath } from './output'
import { ProgressBar } from './progress'
import { readNewSecret } from './prompt'

const C = 'migrate'

/** --pad padme | N (as encrypt's). */
function padArgument(value: string | undefined): MigrateOptions['pad'] {
  if (value === undefined) return undefined
  if (value === 'padme') return 'padme'
  if (/^[1-9]\d{0,15}$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value)
  throw new UsageError("--pad must be 'padme' or a positive whole number of bytes", C)
}

export async function migrate(args: string[], ctx: Context): Promise<number> {
  const { values, positionals } = parseFor(
    ctx,
    args,
    {
      identity: { type: 'string', short: 'i', multiple: true },
      ...PASSPHRASE_OPTIONS,
      recipient: { type: 'string', short: 'r', multiple: true },
      'recipients-file': { type: 'string', short: 'R', multiple: true },
      'use-passphrase': { type: 'boolean', short: 'p' },
      'new-passphrase-file': { type: 'string' },
      'new-passphrase-env': { type: 'string' },
      'work-factor': { type: 'string' },
      output: { type: 'string', short: 'o' },
      overwrite: { type: 'boolean' },
      'destroy-old': { type: 'boolean' },
      passes: { type: 'string', short: 'n' },
      'allow-checksum-mismatch': { type: 'boolean' },
      pad: { type: 'string' },
      note: { type: 'string' },
    },
    C,
  )
  if (flag(values, 'help')) {
    ctx.out.help(MIGRATE_HELP)
    return EXIT.OK
  }
  if (positionals.length !== 1) throw new UsageError('give one ARCHIVE or one FOLDER', C)
  const target = positionals[0]!
  if (target === '' || target === '-') throw new UsageError('ARCHIVE must be a path (standard input is not supported)', C)
  const identityPaths = list(values, 'identity')
  if (identityPaths.length === 0) throw new UsageError('give the RSA private key that opens the archives: -i KEY', C)
  const identities = identityPaths.map((p) => identityArgument(p, C))
  const identityPass = await passphraseOption(values, C)
  const recipients: KeyInput[] = [
    ...list(values, 'recipient').map((r) => recipientArgument(r, C)),
    ...list(values, 'recipients-file').map((p) => {
      if (p === '') throw new UsageError('-R needs a path', C)
      return { path: p }
    }),
  ]
  const newPassOption = await passphraseOption(values, C, 'new-')
  const toPassphrase = flag(values, 'use-passphrase') || newPassOption !== undefined
  if (recipients.length > 0 && toPassphrase) {
    throw new UsageError('the new file is encrypted to recipients (-r/-R) or to a passphrase (-p), not both', C)
  }
  if (recipients.length === 0 && !toPassphrase) {
    throw new UsageError('give the new recipients (-r KEY or -R FILE), or -p to encrypt to a passphrase', C)
  }
  const workFactor = int(values, 'work-factor', C)
  if (workFactor !== undefined && !toPassphrase) throw new UsageError('--work-factor applies to -p only', C)
  const outputOption = str(values, 'output')
  if (outputOption === '' || outputOption === '-') throw new UsageError('-o must be a file path', C)
  const destroyOld = flag(values, 'destroy-old')
  const passes = int(values, 'passes', C)
  if (passes !== undefined && !destroyOld) throw new UsageError('--passes sets how the old archive is destroyed: needs --destroy-old', C)
  const pad = padArgument(str(values, 'pad'))

  const st = await lstat(target).catch(() => null)
  const folder = st?.isDirectory() === true
  if (folder && outputOption !== undefined) throw new UsageError('-o names one output file: not with a FOLDER', C)

  let prompted: Buffer | undefined
  try {
    // Keys once, up front: a bad key is reported before anything is migrated.
    const opening: Key[] =
      identityPass !== undefined
        ? await loadKeys(identities, { passphrase: identityPass })
        : ((await loadKeysAsking(identities, ctx)) as Key[])
    const base: MigrateOptions = { identity: opening, overwrite: flag(values, 'overwrite') }
    if (toPassphrase) {
      base.passphrase = newPassOption ?? (prompted = await readNewSecret('passphrase for the new files', '', ctx.interrupts.signal))
      if (workFactor !== undefined) base.workFactor = workFactor
    } else {
      base.to = await loadKeysAsking(recipients, ctx)
    }
    if (destroyOld) base.destroyOld = true
    if (passes !== undefined) base.destroyPasses = passes
    if (flag(values, 'allow-checksum-mismatch')) base.allowChecksumMismatch = true
    if (pad !== undefined) base.pad = pad
    const note = str(values, 'note')
    if (note !== undefined) base.note = note

    if (folder) return await migrateFolder(resolve(target), base, ctx)
    if (outputOption !== undefined) base.output = outputOption
    const r = await withProgress(ctx, 'Migrating', (onProgress) =>
      migrateFile(target, { ...base, signal: ctx.interrupts.signal, ...(onProgress ? { onProgress } : {}) }),
    )
    ctx.out.result({ command: C, ...r }, () => describeResult(r))
    return EXIT.OK
  } finally {
    wipe(prompted as PassphraseSource | undefined)
  }
}

function describeResult(r: MigrateResult): string[] {
  return [
    `Migrated ${shownPath(r.input)} -> ${shownPath(r.output)} (${formatBytes(r.plaintextBytes)}, pyFileSec -> fsec)`,
    ...r.recipients.map((x) => `  recipient: ${describeRecipient(x)}`),
    `  legacy integrity: ${r.integrity}; history: ${r.history.length} event${r.history.length === 1 ? '' : 's'} sealed${r.historyDropped > 0 ? ` (${r.historyDropped} oldest left out)` : ''}`,
    r.destroyReport !== undefined
      ? `  old archive destroyed: ${r.destroyReport.passes.length} passes, each synced; assurance: ${r.destroyReport.assurance}`
      : '  old archive kept',
    ...r.warnings.map((w) => `  warning: ${clean(w)}`),
  ]
}

interface Entry {
  path: string
  reason: string
  code?: string
}

interface Summary {
  command: 'migrate'
  folder: string
  migrated: Array<{ input: string; output: string; plaintextBytes: number; integrity: string; oldArchive: string; warnings: string[] }>
  skipped: Entry[]
  failed: Entry[]
  /** Regular files that are not pyFileSec archives (left alone, not listed). */
  otherFiles: number
  interrupted: boolean
}

/** Every regular file under `dir` (symbolic links are not followed), in a stable order. */
async function walk(dir: string, out: string[], unreadable: Entry[]): Promise<void> {
  let entries: Dirent[]
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (e) {
    unreadable.push({ path: dir, reason: `the folder cannot be read: ${e instanceof Error ? e.message : String(e)}`, code: 'FSEC_IO' })
    return
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const e of entries) {
    const p = join(dir, e.name)
    if (e.isDirectory()) await walk(p, out, unreadable)
    else if (e.isFile()) out.push(p)
  }
}

/** True when the file's first bytes are a pyFileSec archive's, as the codec recognises them. */
async function looksLikeArchive(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'r')
    try {
      const buf = Buffer.alloc(SNIFF_BYTES)
      const { bytesRead } = await handle.read(buf, 0, SNIFF_BYTES, 0)
      return pyfilesecCodec.matches(buf.subarray(0, bytesRead))
    } finally {
      await handle.close()
    }
  } catch {
    return false
  }
}

/**
 * Migrates every pyFileSec archive under `folder`, one at a time. An interrupt (SIGINT/SIGTERM)
 * cancels the current file cleanly (nothing written, the archive untouched) and stops; while the
 * old archive is being destroyed it lets that destroy finish first, then stops. A second signal
 * exits at once.
 */
async function migrateFolder(folder: string, base: MigrateOptions, ctx: Context): Promise<number> {
  const files: string[] = []
  const unreadable: Entry[] = []
  await walk(folder, files, unreadable)
  const archives: Array<{ path: string; size: number }> = []
  let otherFiles = 0
  for (const f of files) {
    if (await looksLikeArchive(f)) archives.push({ path: f, size: (await lstat(f)).size })
    else otherFiles++
  }
  const summary: Summary = { command: C, folder, migrated: [], skipped: [], failed: unreadable, otherFiles, interrupted: false }
  const total = archives.reduce((s, a) => s + a.size, 0)
  const bar = !ctx.out.json && !ctx.out.quiet && process.stderr.isTTY ? new ProgressBar(process.stderr, 'Migrating') : undefined
  let done = 0
  try {
    for (let i = 0; i < archives.length; i++) {
      const { path, size } = archives[i]!
      if (ctx.interrupts.signal.aborted) break
      // Skipped: an output that exists (the default name, from the archive's own member name).
      if (base.overwrite !== true) {
        try {
          const contents = await readArchive(path, null)
          const info = describeArchive(contents.members, contents.ciphertext, contents.wrappedPassword, parsePyfilesecMeta(contents.metadata))
          await assertOutputAbsent(defaultMigratedPath(path, info.outputName))
        } catch (e) {
          const entry = { path, reason: e instanceof Error ? e.message : String(e), code: errorCodeOf(e) }
          if (e instanceof FilesecError && e.code === 'FSEC_OUTPUT_EXISTS') summary.skipped.push(entry)
          else summary.failed.push(entry)
          done += size
          continue
        }
      }
      if (ctx.interrupts.signal.aborted) break
      // The file's own signal: an interrupt cancels the file while cancelling leaves nothing (up
      // to the end of writing the new file, or its verification with --destroy-old, which then
      // removes it); once the verification has started reporting, the file is finished, the
      // archive's destroy included, and the loop stops after it.
      const file = new AbortController()
      let phase: string | undefined
      const onInterrupt = (): void => {
        if (phase === undefined || phase === 'check' || phase === 'migrate') file.abort()
      }
      ctx.interrupts.signal.addEventListener('abort', onInterrupt, { once: true })
      const label = `${i + 1}/${archives.length}`
      const onProgress = (p: Progress): void => {
        phase = p.phase
        const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 1
        bar?.update({ done: done + Math.round(fraction * size), total, phase: label })
      }
      try {
        const r = await migrateFile(path, { ...base, signal: file.signal, onProgress })
        summary.migrated.push({
          input: r.input,
          output: r.output,
          plaintextBytes: r.plaintextBytes,
          integrity: r.integrity,
          oldArchive: r.oldArchive,
          warnings: r.warnings,
        })
      } catch (e) {
        if (e instanceof AbortError && ctx.interrupts.signal.aborted) {
          summary.interrupted = true
          break
        }
        summary.failed.push({ path, reason: e instanceof Error ? e.message : String(e), code: errorCodeOf(e) })
      } finally {
        ctx.interrupts.signal.removeEventListener('abort', onInterrupt)
      }
      done += size
    }
  } finally {
    bar?.finish()
  }
  if (ctx.interrupts.signal.aborted) summary.interrupted = true

  ctx.out.result({ ...summary }, () => [
    `Migrated ${summary.migrated.length}, skipped ${summary.skipped.length}, failed ${summary.failed.length} of ${archives.length} pyFileSec archive${archives.length === 1 ? '' : 's'} under ${shownPath(folder)} (${otherFiles} other file${otherFiles === 1 ? '' : 's'} left alone)`,
    ...summary.migrated.map((m) => `  migrated: ${shownPath(m.input)} -> ${shownPath(m.output)} (integrity ${m.integrity}, old archive ${m.oldArchive})`),
    ...summary.skipped.map((s) => `  skipped: ${shownPath(s.path)}: ${clean(s.reason)}`),
    ...summary.failed.map((f) => `  failed: ${shownPath(f.path)}: ${clean(f.reason)}`),
    ...(summary.interrupted ? ['  interrupted: stopped before the remaining archives (the current one was abandoned cleanly, nothing left)'] : []),
  ])
  if (summary.interrupted) return EXIT.INTERRUPTED
  return summary.failed.length > 0 ? EXIT.SOME_FAILED : EXIT.OK
}

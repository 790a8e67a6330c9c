// filesec destroy: overwrite a file in place and remove it, and say how far that can be trusted.
import { resolve } from 'node:path'

import { AbortError, destroyFile, type DestroyOptions, type DestroyReport } from '../index'
import { checkDestroyTarget, MAX_DESTROY_PASSES } from '../destroy'
import { flag, int, UsageError } from './args'
import { type Context, oneFile, parseFor, withProgress } from './common'
import { canAskOnTerminal, confirm } from './confirm'
import { DESTROY_HELP } from './help'
import { clean, formatBytes, shownPath } from './output'

const C = 'destroy'

function yesNoUnknown(v: boolean | null): string {
  return v === null ? 'unknown' : v ? 'yes' : 'no'
}

export function describeDestroyReport(r: DestroyReport): string[] {
  const n = r.passes.length
  const passes = `${n} pass${n === 1 ? '' : 'es'} (${r.passes.map((p) => p.pattern).join(', ')}), ${
    r.passes.every((p) => p.synced) ? 'each synced to disk' : 'NOT all synced to disk'
  }`
  const first =
    r.disposition === 'destroyed'
      ? `Destroyed ${shownPath(r.path)} (${formatBytes(r.size)}): ${passes}; ${r.truncated ? 'truncated, ' : ''}` +
        `renamed ${r.renamedTo.length} time${r.renamedTo.length === 1 ? '' : 's'}, removed.`
      : `Overwrote ${shownPath(r.path)} in place (${formatBytes(r.size)}): ${passes}; the file was kept (--no-remove).`
  return [
    first,
    `  file system: ${clean(r.fsType)}${r.medium.device !== null ? ` on ${clean(r.medium.device)}` : ''}` +
      `${r.mountPoint !== null ? `, mounted at ${shownPath(r.mountPoint)}` : ''}; SSD: ${yesNoUnknown(r.medium.ssd)}`,
    `  assurance: ${r.assurance}${
      r.nistCategory !== null ? ` (NIST SP 800-88 ${r.nistCategory})` : ' (the old data may survive: see the warnings)'
    }`,
    ...r.warnings.map((w) => `  warning: ${clean(w)}`),
  ]
}

export async function destroy(args: string[], ctx: Context): Promise<void> {
  const { values, positionals } = parseFor(
    ctx,
    args,
    {
      passes: { type: 'string', short: 'n' },
      'no-remove': { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
    },
    C,
  )
  if (flag(values, 'help')) return ctx.out.help(DESTROY_HELP)
  const file = oneFile(positionals, C)
  const passes = int(values, 'passes', C)
  if (passes !== undefined && (passes < 1 || passes > MAX_DESTROY_PASSES)) {
    throw new UsageError(`--passes must be from 1 to ${MAX_DESTROY_PASSES}`, C)
  }
  const remove = !flag(values, 'no-remove')
  const abs = resolve(file)
  // A missing file or a link fails now, before the question.
  const size = await checkDestroyTarget(abs)
  if (!flag(values, 'yes')) {
    if (!canAskOnTerminal()) {
      throw new UsageError('destroying a file cannot be undone: give --yes to confirm (there is no terminal to ask on)', C)
    }
    const what = remove ? 'overwritten and removed' : 'overwritten in place'
    const ok = await confirm(
      `Destroy ${shownPath(abs)} (${formatBytes(size)})? It will be ${what}; this cannot be undone. [y/N] `,
      ctx.interrupts.signal,
    )
    if (!ok) throw new AbortError(`not confirmed: ${shownPath(abs)} was left as it was`)
  }
  const options: DestroyOptions = { remove, signal: ctx.interrupts.signal }
  if (passes !== undefined) options.passes = passes
  const report = await withProgress(ctx, 'Destroying', (onProgress) =>
    destroyFile(abs, onProgress ? { ...options, onProgress } : options),
  )
  ctx.out.result({ command: C, ...report }, () => describeDestroyReport(report))
}

// filesec doctor: finds what interrupted runs left behind (temporary outputs, rotation journals)
// and, with --clean, destroys the abandoned temporaries and completes the interrupted rotations.
// Leftovers a live process still holds are reported, never touched.
import { cleanLeftovers, findLeftovers, type Leftover } from '../index'
import { flag } from './args'
import { type Context, parseFor } from './common'
import { exitCodeFor } from './exit'
import { DOCTOR_HELP } from './help'
import { clean, formatBytes, shownPath } from './output'

const C = 'doctor'

function describeLeftover(l: Leftover): string {
  if (l.state === 'in-use') return `${shownPath(l.path)}: in use by a running filesec (left alone)`
  if (l.kind === 'temporary') {
    return `${shownPath(l.path)}: abandoned temporary of ${shownPath(l.target)} (${formatBytes(l.size)}; may hold plaintext)`
  }
  return `${shownPath(l.path)}: interrupted rotation of ${shownPath(l.target)} (complete it with --clean or 'filesec rotate ${shownPath(l.target)} --recover')`
}

export async function doctor(args: string[], ctx: Context): Promise<number> {
  const { values, positionals } = parseFor(ctx, args, { clean: { type: 'boolean' }, recursive: { type: 'boolean', short: 'r' } }, C)
  if (flag(values, 'help')) {
    ctx.out.help(DOCTOR_HELP)
    return 0
  }
  const folders = positionals.length > 0 ? positionals : ['.']
  const recursive = flag(values, 'recursive')
  if (!flag(values, 'clean')) {
    const leftovers: Leftover[] = []
    for (const folder of folders) leftovers.push(...(await findLeftovers(folder, { recursive })))
    ctx.out.result({ command: C, leftovers }, () =>
      leftovers.length === 0
        ? ['No leftovers found.']
        : [...leftovers.map(describeLeftover), `${leftovers.length} leftover${leftovers.length === 1 ? '' : 's'}; run with --clean to remove or complete the abandoned ones.`],
    )
    return 0
  }
  const removed: Leftover[] = []
  const recovered: Leftover[] = []
  const inUse: Leftover[] = []
  const failed: { leftover: Leftover; error: Error }[] = []
  for (const folder of folders) {
    const r = await cleanLeftovers(folder, { recursive })
    removed.push(...r.removed)
    recovered.push(...r.recovered)
    inUse.push(...r.inUse)
    failed.push(...r.failed)
  }
  ctx.out.result(
    {
      command: C,
      removed,
      recovered,
      inUse,
      failed: failed.map((f) => ({ ...f.leftover, error: { code: (f.error as { code?: string }).code ?? 'FSEC_INTERNAL', message: f.error.message } })),
    },
    () => [
      ...removed.map((l) => `destroyed ${shownPath(l.path)} (abandoned temporary of ${shownPath(l.target)})`),
      ...recovered.map((l) => `completed the interrupted rotation of ${shownPath(l.target)}`),
      ...inUse.map(describeLeftover),
      ...failed.map((f) => `could not clean ${shownPath(f.leftover.path)}: ${clean(f.error.message)}`),
      `${removed.length} removed, ${recovered.length} rotation${recovered.length === 1 ? '' : 's'} completed, ${inUse.length} in use, ${failed.length} failed`,
    ],
  )
  return failed.length > 0 ? exitCodeFor(failed[0]!.error) : 0
}

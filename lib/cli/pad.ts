// filesec pad / unpad: pyFileSec-compatible padding of a plain file, in place.
import { padFile, unpadFile, type UnpadResult } from '../index'
import { flag, str, UsageError, type Values } from './args'
import { type Context, oneFile, parseFor } from './common'
import { PAD_HELP, UNPAD_HELP } from './help'
import { shownPath } from './output'

export async function pad(args: string[], ctx: Context): Promise<void> {
  const { values, positionals } = parseFor(ctx, joinNegativeSize(args), { size: { type: 'string' } }, 'pad')
  if (flag(values, 'help')) return ctx.out.help(PAD_HELP)
  const file = oneFile(positionals, 'pad')
  const size = sizeOption(values)
  // pyFileSec's special sizes: 0 removes padding if there is some, -1 requires it.
  if (size === 0 || size === -1) return reportUnpad(ctx, await unpadFile(file, { strict: size === -1 }))
  const result = await padFile(file, size, { signal: ctx.interrupts.signal })
  ctx.out.result({ command: 'pad', ...result }, () => [`Padded ${shownPath(result.path)} to ${result.size} bytes`])
}

export async function unpad(args: string[], ctx: Context): Promise<void> {
  const { values, positionals } = parseFor(ctx, args, { lenient: { type: 'boolean' } }, 'unpad')
  if (flag(values, 'help')) return ctx.out.help(UNPAD_HELP)
  const file = oneFile(positionals, 'unpad')
  reportUnpad(ctx, await unpadFile(file, { strict: !flag(values, 'lenient') }))
}

function reportUnpad(ctx: Context, result: UnpadResult): void {
  ctx.out.result({ command: 'unpad', ...result }, () => [
    result.removed === 0
      ? `${shownPath(result.path)} is not padded; nothing removed`
      : `Removed ${result.removed} bytes of padding from ${shownPath(result.path)} (now ${result.size} bytes)`,
  ])
}

/**
 * `--size -1` as `--size=-1`: parseArgs would take `-1` for an option, and pyFileSec users
 * write `-z -1`.
 */
function joinNegativeSize(args: string[]): string[] {
  const end = args.indexOf('--')
  const options = end === -1 ? args : args.slice(0, end)
  const joined: string[] = []
  for (let i = 0; i < options.length; i++) {
    const next = options[i + 1]
    if (options[i] === '--size' && next !== undefined && /^-\d+$/.test(next)) {
      joined.push(`--size=${next}`)
      i++
    } else {
      joined.push(options[i]!)
    }
  }
  return end === -1 ? joined : [...joined, ...args.slice(end)]
}

function sizeOption(values: Values): number | undefined {
  const v = str(values, 'size')
  if (v === undefined) return undefined
  if (!/^-?\d{1,15}$/.test(v)) throw new UsageError('--size must be a whole number of bytes', 'pad')
  const size = Number(v)
  if (size < -1) {
    throw new UsageError('--size must be a size in bytes, or 0 (remove any padding) or -1 (remove padding; fail without)', 'pad')
  }
  return size
}

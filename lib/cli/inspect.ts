// filesec inspect: the public header of a .fsec file, no key needed.
import { inspect as inspectFile } from '../index'
import { flag } from './args'
import { type Context, oneFile, parseFor } from './common'
import { describeRecipient } from './encrypt'
import { INSPECT_HELP } from './help'
import { formatBytes, shownPath } from './output'

const C = 'inspect'

export async function inspect(args: string[], ctx: Context): Promise<void> {
  const { values, positionals } = parseFor(ctx, args, {}, C)
  if (flag(values, 'help')) return ctx.out.help(INSPECT_HELP)
  const file = oneFile(positionals, C)
  const info = await inspectFile(file)
  ctx.out.result({ command: C, ...info }, () => [
    `${shownPath(info.path)}: filesec format v${info.formatVersion}, ${formatBytes(info.fileSize)}`,
    `  payload: ${info.payload}`,
    `  file id: ${info.fileId}`,
    `  header: ${info.headerSize} bytes (sealed metadata: ${info.sealedMetadataSize} bytes, needs a key to read)`,
    `  encrypted to ${info.passphrase ? 'a passphrase' : `${info.recipients.length} recipient${info.recipients.length === 1 ? '' : 's'}`}:`,
    ...info.recipients.map((r) => `    ${describeRecipient(r)}`),
  ])
}

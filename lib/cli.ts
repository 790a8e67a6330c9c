#!/usr/bin/env node
// The filesec command-line tool: a thin layer over the public API (lib/index.ts).
// Usage and exit statuses: `filesec --help`, docs/CLI.md.
import { refuseSecretOptions, UsageError } from './cli/args'
import type { Context } from './cli/common'
import { decrypt } from './cli/decrypt'
import { destroy } from './cli/destroy'
import { doctor } from './cli/doctor'
import { encrypt } from './cli/encrypt'
import { EXIT } from './cli/exit'
import { HELP, MAIN_HELP } from './cli/help'
import { inspect } from './cli/inspect'
import { Interrupts } from './cli/interrupt'
import { keygen } from './cli/keygen'
import { migrate } from './cli/migrate'
import { Output } from './cli/output'
import { pad, unpad } from './cli/pad'
import { rotate } from './cli/rotate'
import { sign } from './cli/sign'
import { status } from './cli/status'
import { verify } from './cli/verify'
import { versions } from './index'
import { native } from './native'

/** Runs a command; it may return its exit status (verify: a signature that does not match). */
type Command = (args: string[], ctx: Context) => Promise<void | number>

const COMMANDS: Record<string, Command> = {
  keygen,
  encrypt,
  decrypt,
  inspect,
  rotate,
  sign,
  verify,
  pad,
  unpad,
  destroy,
  status,
  migrate,
  doctor,
}

/** The command names, for usage messages. */
function commandList(): string {
  return Object.keys(COMMANDS).join(', ')
}
/** Global flags before the first non-option word (they may also follow the command). */
function wants(args: readonly string[], ...names: string[]): boolean {
  const end = args.indexOf('--')
  return (end === -1 ? args : args.slice(0, end)).some((a) => names.includes(a))
}

export async function main(argv: string[]): Promise<number> {
  const out = new Output(wants(argv, '--json'), wants(argv, '--quiet', '-q'))
  const interrupts = new Interrupts((text) => out.notice(text))
  interrupts.install()
  let name: string | undefined
  try {
    refuseSecretOptions(argv, argv.find((a) => Object.hasOwn(COMMANDS, a)))
    let i = 0
    while (i < argv.length && argv[i]!.startsWith('-') && argv[i] !== '--') {
      const a = argv[i]!
      if (a === '--help' || a === '-h') {
        out.help(MAIN_HELP)
        return EXIT.OK
      }
      if (a === '--version' || a === '-V') {
        out.result({ command: 'version', ...versions }, () => [`filesec ${versions.filesec} (${versions.openssl})`])
        return EXIT.OK
      }
      if (a !== '--json' && a !== '--quiet' && a !== '-q') throw new UsageError(`unknown option ${a.split('=')[0]}`)
      i++
    }
    name = argv[i]
    const rest = [...argv.slice(0, i), ...argv.slice(i + 1)]
    if (name === undefined) throw new UsageError(`missing command (${commandList()})`)
    if (name === 'help') {
      const topic = rest.find((a) => !a.startsWith('-'))
      if (topic !== undefined && HELP[topic] === undefined) throw new UsageError(`unknown command '${topic}'`)
      out.help(topic !== undefined ? HELP[topic]! : MAIN_HELP)
      return EXIT.OK
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
    if (command === undefined) throw new UsageError(`unknown command '${name}' (${commandList()})`)
    return (await command(rest, { out, interrupts })) ?? EXIT.OK
  } catch (e) {
    if (e instanceof UsageError && e.command === undefined && name !== undefined && Object.hasOwn(COMMANDS, name)) {
      e.command = name
    }
    return out.fail(e)
  } finally {
    interrupts.uninstall()
  }
}

if (require.main === module) {
  // Passphrases, private keys and file keys pass through this process's memory: no core file may
  // hold them, and no other process of the user may attach to read them.
  native.denyCoreDumps()
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw e
  })
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status
  })
}

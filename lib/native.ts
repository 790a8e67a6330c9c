// The one import of the native addon in lib/ (its types are declared in binding/index.d.ts).
import binding = require('../binding')

export const native = binding
export type { Key as NativeKey, PayloadKey, FsecHeaderInfo, FsecStanzaInfo, Job } from '../binding'

// process.exit() (main thread) skips the addon's environment cleanup: stop running jobs here so
// they remove their temporary files, and remove intermediate copies, before the process ends.
process.once('exit', () => binding.shutDown())

// The one import of the native addon in lib/ (its types are declared in binding/index.d.ts).
import binding = require('../binding')

export const native = binding
export type { Key as NativeKey, PayloadKey, FsecHeaderInfo, FsecStanzaInfo, Job } from '../binding'

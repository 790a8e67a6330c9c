// AES-GCM conformance (aes_gcm_test.json) through the production one-shot AEAD
// (native.primitives.aeadSeal/aeadOpen with 'aes-256-gcm'). The file also holds AES-128/192
// keys and IVs from 0 to 2056 bits: the production path takes only 256-bit keys and 96-bit IVs,
// so those vectors must be refused with FSEC_INVALID_ARGUMENT ("rejected as unsupported").
import { describeWithVectors } from '../helpers'
import { aeadSuite } from './aead'

describeWithVectors('AES-GCM vectors, native aeadSeal/aeadOpen', 'wycheproof', (dir) => {
  aeadSuite(dir, 'aes_gcm_test.json', 'aes-256-gcm')
})

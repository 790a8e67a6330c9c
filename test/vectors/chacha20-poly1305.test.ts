// ChaCha20-Poly1305 conformance (chacha20_poly1305_test.json) through the production one-shot
// AEAD (native.primitives.aeadSeal/aeadOpen with 'chacha20-poly1305'), the AEAD of the age
// format. Nonces other than 96 bits must be refused with FSEC_INVALID_ARGUMENT.
import { describeWithVectors } from '../helpers'
import { aeadSuite } from './aead'

describeWithVectors('ChaCha20-Poly1305 vectors, native aeadSeal/aeadOpen', 'wycheproof', (dir) => {
  aeadSuite(dir, 'chacha20_poly1305_test.json', 'chacha20-poly1305')
})

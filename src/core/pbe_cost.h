// The work an encrypted PKCS#8 private key asks for, checked before a passphrase is tried. The
// PBKDF2 iteration count and the scrypt parameters are read from the untrusted file, and
// OpenSSL spends whatever they say (2^31 PBKDF2 iterations are half an hour of CPU), so a key
// file above the limits is refused at once rather than decrypted.
#pragma once

#include <cstdint>

#include "secure_buffer.h"

namespace filesec::keys {

// Sixteen times the 600,000 iterations filesec writes would be too many for a key to be
// unlocked in a few seconds; 5 million still admits every common tool's defaults.
constexpr uint64_t kMaxPbkdf2Iterations = 5'000'000;

// `der` is an EncryptedPrivateKeyInfo (PKCS#8). Throws FSEC_KEY_UNSUPPORTED when its key
// derivation asks for more than kMaxPbkdf2Iterations PBKDF2 iterations, or more scrypt work
// (N * r * p) than 2^max_scrypt_log_n * 8 — the cost of an age scrypt stanza at the same limit.
// Anything that is not an EncryptedPrivateKeyInfo, or whose parameters do not parse, passes:
// the decoder refuses it afterwards as it would anyway.
void check_pbe_cost(ByteView der, unsigned max_scrypt_log_n);

// The same for a PEM "ENCRYPTED PRIVATE KEY" block.
void check_pem_pbe_cost(ByteView pem, unsigned max_scrypt_log_n);

}  // namespace filesec::keys

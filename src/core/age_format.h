// The parts of the age v1 format (https://age-encryption.org/v1) that filesec needs for
// passphrase-protected X25519 identity files: an age file with a single scrypt recipient,
// binary or ASCII-armored, decrypted and encrypted in memory. An identity file written this way
// is read by `age -d -i`, as age itself writes encrypted identities.
#pragma once

#include <string>

#include "secure_buffer.h"

namespace filesec::age {

constexpr unsigned kDefaultScryptLogN = 18;  // age's own default
constexpr unsigned kMaxScryptLogN = 22;      // age refuses more by default

// True when the bytes start like an age file (binary header or armor).
bool looks_like_age(ByteView data);

// Encrypts `plaintext` for a passphrase and returns the ASCII-armored age file.
std::string encrypt_with_passphrase(ByteView plaintext, ByteView passphrase, unsigned log_n);

// Decrypts an age file whose only recipient is a passphrase. Throws FSEC_KEY_WRONG_PASSPHRASE
// when the passphrase does not unwrap the file key, FSEC_KEY_INVALID for a malformed or
// non-passphrase file, and FSEC_PAYLOAD_TAMPERED / FSEC_HEADER_TAMPERED for damaged content.
SecureBuffer decrypt_with_passphrase(ByteView file, ByteView passphrase, unsigned max_log_n);

}  // namespace filesec::age

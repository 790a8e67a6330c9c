// minisign key files (https://jedisct1.github.io/minisign/): Ed25519 keys with an 8-byte key id.
//
// Public key: an `untrusted comment:` line, then base64 of "Ed" ‖ key id (8) ‖ public key (32).
// Secret key: the same comment line, then base64 of "Ed" ‖ kdf ("Sc" = scrypt-salsa208-sha256,
// or two zero bytes when unencrypted) ‖ "B2" ‖ salt (32) ‖ opslimit (8, LE) ‖ memlimit (8, LE) ‖
// [key id (8) ‖ Ed25519 secret key (seed 32 ‖ public key 32) ‖ BLAKE2b-256 checksum (32)], the
// bracketed part XORed with the scrypt output when encrypted.
//
// OpenSSL 3.0 has no unkeyed BLAKE2b-256, so the checksum is not recomputed: a decrypted secret
// key is checked by deriving the public key from the seed and comparing it with the stored one
// (a wrong passphrase turns both into noise that cannot match). For the same reason filesec
// reads minisign secret keys but cannot write them.
#pragma once

#include <memory>
#include <string>

#include "keys.h"
#include "secure_buffer.h"

namespace filesec::minisign {

constexpr char kCommentPrefix[] = "untrusted comment: ";

// The key id as minisign prints it: the 8 bytes read as a little-endian number, upper-case hex.
std::string key_id_text(const keys::KeyId& id);

// A public key file: comment line naming the key id, then the base64 line, each ending in '\n'.
std::string public_key_text(const keys::KeyId& id, ByteView raw_public);

// True for a line shaped like the base64 line of a public key (what `minisign -P` takes).
bool looks_like_public_key_line(const std::string& line);

// Parses the base64 line that follows the comment line of a key file (public or secret, told
// apart by length). A secret key encrypted with "Sc" needs `passphrase`; `max_log_n` bounds the
// scrypt cost an untrusted key file may ask for.
std::shared_ptr<keys::Key> parse_key_line(const std::string& base64, const ByteView* passphrase, unsigned max_log_n);

// libsodium's crypto_pwhash_scryptsalsa208sha256 turns (opslimit, memlimit) into scrypt's N, r
// and p with this rule; minisign stores only opslimit and memlimit.
struct ScryptParams {
  unsigned log_n = 0;
  uint32_t r = 0;
  uint32_t p = 0;
};
ScryptParams scrypt_params_from_limits(uint64_t opslimit, uint64_t memlimit);

}  // namespace filesec::minisign

// age recipient stanzas: wrapping and unwrapping the 16-byte file key for the native X25519 and
// scrypt types and for age's SSH types (ssh-rsa, ssh-ed25519, from FiloSottile/age `agessh`), and
// reading the keys age accepts for them (age1… / AGE-SECRET-KEY-1…, `ssh-rsa` / `ssh-ed25519`
// public key lines, unencrypted OpenSSH private keys, PEM RSA private keys).
//
// These keys are age recipients/identities only: an SSH Ed25519 key is not an encryption key for
// .fsec files, and keys::parse keeps refusing it there.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "age_header.h"
#include "keys.h"
#include "secure_buffer.h"

namespace filesec::age {

enum class StanzaKind { kX25519, kSshRsa, kSshEd25519 };

// A recipient or an identity (is_private). For kSshEd25519 `key` is the X25519 key converted from
// the Ed25519 key (private: the clamped SHA-512 of the seed; public: the Montgomery u-coordinate).
struct AgeKey {
  StanzaKind kind;
  bool is_private = false;
  std::shared_ptr<keys::Key> key;     // X25519 or RSA
  std::vector<uint8_t> ssh_public;    // SSH wire encoding of the public key (ssh-* only)
  std::vector<uint8_t> x25519_public; // our X25519 public key (X25519 and ssh-ed25519)
};

// Recipient text: one key per line (`age1…`, `ssh-rsa AAAA… [comment]`, `ssh-ed25519 AAAA…
// [comment]`), blank lines and # comments, as `age -R` reads.
std::vector<AgeKey> parse_recipients(ByteView text);
// Identity text: an age identity file, an OpenSSH private key (openssh-key-v1, unencrypted), or a
// PEM RSA private key. Passphrase-protected OpenSSH keys → FSEC_KEY_UNSUPPORTED (they need
// bcrypt_pbkdf, which libcrypto does not provide).
std::vector<AgeKey> parse_identities(ByteView text);
// A filesec key used with age: X25519 → X25519, RSA → ssh-rsa. Ed25519 keys are refused
// (ambiguous: filesec's Ed25519 keys are minisign signing keys).
AgeKey from_key(const std::shared_ptr<keys::Key>& key);

// The ssh-* stanza tag: base64(SHA-256(SSH wire public key)[:4]).
std::string ssh_tag(ByteView ssh_public);

// Unwraps the file key from a parsed header with the identities (in order) and/or passphrase,
// then checks the header MAC. Errors: FSEC_HEADER_INVALID for a stanza addressed to an identity
// that is malformed (wrong argument count or size, low-order share, a body that is not 32 bytes,
// an scrypt stanza that is not alone, a work factor above `max_log_n`); FSEC_WRONG_PASSPHRASE /
// FSEC_NO_MATCHING_RECIPIENT when nothing unwraps; FSEC_HEADER_TAMPERED for a bad MAC.
SecureBuffer open(ByteView data, const Header& header, const std::vector<AgeKey>& identities,
                  const ByteView* passphrase, unsigned max_log_n);

struct Sealed {
  std::string header;
  SecureBuffer file_key;
};
// A fresh file key wrapped for every recipient, or for the passphrase alone (scrypt must be the
// only stanza), and the header text with its MAC.
Sealed seal(const std::vector<AgeKey>& recipients, const ByteView* passphrase, unsigned log_n);

// The stanza type a key is a recipient of, and for the ssh-* kinds the key tag its stanzas carry
// (ssh_tag). X25519 stanzas name no recipient (only an ephemeral share): tag is empty.
struct KeyDescription {
  std::string type;
  std::string tag;
};
KeyDescription describe(const AgeKey& key);

// A header-only rotation: the old header's stanzas at `keep` verbatim, then the file key wrapped
// for each new recipient, or for `passphrase` alone.
struct RewrapRequest {
  std::vector<size_t> keep;
  std::vector<AgeKey> recipients;
  const ByteView* passphrase = nullptr;
  unsigned log_n = 0;
};
// A new header for the file key of `old_header` (whose MAC must verify under `file_key`:
// FSEC_INVALID_ARGUMENT otherwise), with its MAC recomputed under the same key, so the payload
// stays valid. FSEC_INVALID_ARGUMENT for a kept scrypt stanza, a passphrase with other
// recipients, no recipient at all, or an ssh-* recipient already among the kept stanzas.
std::string rewrap(ByteView old_bytes, const Header& old_header, ByteView file_key, const RewrapRequest& request);

// Checks that `data` is exactly one age header that parses and whose MAC verifies under
// `file_key` (FSEC_HEADER_INVALID / FSEC_HEADER_TAMPERED): the check a rotation makes on the
// header it is about to commit.
void check_header(ByteView data, ByteView file_key);

}  // namespace filesec::age

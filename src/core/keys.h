// Asymmetric keys: parsing every key format filesec accepts, generation, export and fingerprints.
//
// A Key owns an OpenSSL EVP_PKEY. OpenSSL clears private RSA components and X25519 private bytes
// when the EVP_PKEY is freed, so a private key's secret material never outlives its Key.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "secure_buffer.h"

namespace filesec::keys {

enum class KeyKind { kRsa, kX25519, kEd25519 };

constexpr unsigned kMinRsaBits = 2048;
constexpr unsigned kMaxRsaBits = 16384;

using Fingerprint = std::array<uint8_t, 32>;
// The 8-byte key id minisign puts in public keys and signatures.
using KeyId = std::array<uint8_t, 8>;

class Key {
 public:
  Key(EVP_PKEY* pkey, KeyKind kind, bool is_private);  // takes ownership of pkey
  ~Key();
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;

  KeyKind kind() const { return kind_; }
  bool is_private() const { return is_private_; }
  unsigned bits() const;
  EVP_PKEY* pkey() const { return pkey_; }

  // DER SubjectPublicKeyInfo of the public part.
  std::vector<uint8_t> spki_der() const;
  // SHA-256 of the DER SubjectPublicKeyInfo: the same value as
  // `openssl pkey -pubin -outform DER | sha256sum`.
  const Fingerprint& fingerprint() const { return fingerprint_; }
  // The raw 32-byte X25519 public key.
  std::vector<uint8_t> x25519_public() const;
  // The raw 32-byte Ed25519 public key.
  std::vector<uint8_t> ed25519_public() const;

  // Ed25519 keys: the minisign key id. Keys read from minisign files keep theirs; any other key
  // has the first 8 bytes of its fingerprint.
  const KeyId& key_id() const { return key_id_; }
  void set_key_id(const KeyId& id) { key_id_ = id; }

  // Public key text: PEM SubjectPublicKeyInfo for RSA, `age1…` for X25519, a minisign public key
  // file (comment line and base64 line) for Ed25519.
  std::string public_text() const;

  // Private key text. RSA: PKCS#8 PEM, encrypted (PBES2, PBKDF2-HMAC-SHA-256, AES-256-CBC) when a
  // passphrase is given (Ed25519 too). X25519: an age identity file (`AGE-SECRET-KEY-1…` with comment lines),
  // itself encrypted to the passphrase as an armored age file when one is given.
  SecureBuffer private_text(const ByteView* passphrase, const std::string& created_comment) const;

 private:
  EVP_PKEY* pkey_;
  KeyKind kind_;
  bool is_private_;
  Fingerprint fingerprint_{};
  KeyId key_id_{};
};

struct ParseOptions {
  const ByteView* passphrase = nullptr;  // for encrypted private keys / identity files
  unsigned min_rsa_bits = kMinRsaBits;
  unsigned max_scrypt_log_n = 22;
};

// Parses every key in `data`: PEM (SubjectPublicKeyInfo, PKCS#1 public, PKCS#8 plain or
// encrypted, traditional PEM with DEK-Info), DER, OpenSSH `ssh-rsa` public keys, age recipient
// and identity lines (`age1…`, `AGE-SECRET-KEY-1…`, with comments), and passphrase-encrypted age
// identity files, and minisign public and secret key files. Throws FSEC_KEY_* errors; never
// prompts on a terminal.
std::vector<std::shared_ptr<Key>> parse(ByteView data, const ParseOptions& options);

// Exactly one unprotected RSA private key (the test-vector entry points take them as DER);
// FSEC_KEY_INVALID otherwise.
std::shared_ptr<Key> parse_rsa_private(ByteView data);

std::shared_ptr<Key> generate_rsa(unsigned bits);
std::shared_ptr<Key> generate_x25519();
std::shared_ptr<Key> generate_ed25519();

// Wraps raw X25519 bytes (32) as a key; used for age identities and test vectors.
std::shared_ptr<Key> x25519_from_raw(ByteView raw, bool is_private);

std::string fingerprint_hex(const Fingerprint& fp);

}  // namespace filesec::keys

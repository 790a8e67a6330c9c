// Thin wrappers over OpenSSL EVP for every primitive filesec uses. Nothing here implements a
// primitive: each function sets up an EVP context, calls libcrypto and turns failures into
// filesec::Error. Authentication failures are reported as `false`, never as a distinguishable
// error, so callers cannot build an oracle out of them.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "secure_buffer.h"

namespace filesec::crypto {

constexpr size_t kAeadKeySize = 32;
constexpr size_t kAeadNonceSize = 12;
constexpr size_t kAeadTagSize = 16;

enum class Aead { kAes256Gcm, kChaCha20Poly1305 };

void random_bytes(uint8_t* out, size_t size);

// Constant-time equality (CRYPTO_memcmp); different lengths compare unequal.
bool equal_ct(ByteView a, ByteView b);

void sha256(ByteView data, uint8_t out[32]);

// HKDF (RFC 5869) with SHA-256: extract with `salt`, then expand with `info`.
SecureBuffer hkdf_sha256(ByteView ikm, ByteView salt, ByteView info, size_t length);

// HKDF-Expand only, with the named digest ("SHA512", "SHA256"): `prk` is used as is.
SecureBuffer hkdf_expand(const char* digest, ByteView prk, ByteView info, size_t length);

void hmac_sha256(ByteView key, ByteView data, uint8_t out[32]);

// One-shot AEAD with a 256-bit key, 96-bit nonce and 128-bit tag. seal returns ct || tag.
std::vector<uint8_t> aead_seal(Aead aead, ByteView key, ByteView nonce, ByteView aad, ByteView plaintext);
// Returns false when the tag does not verify; `out` then holds nothing.
bool aead_open(Aead aead, ByteView key, ByteView nonce, ByteView aad, ByteView sealed, SecureBuffer* out);

// A reusable AES-256-GCM / ChaCha20-Poly1305 context keyed once, for many chunks with distinct
// nonces. Not thread-safe: one per thread. Works in place (in == out is allowed).
class ChunkAead {
 public:
  ChunkAead(Aead aead, ByteView key);
  ~ChunkAead();
  ChunkAead(const ChunkAead&) = delete;
  ChunkAead& operator=(const ChunkAead&) = delete;

  // Writes `size` bytes of ciphertext to out and the 16-byte tag to tag.
  void seal(const uint8_t nonce[12], const uint8_t* in, size_t size, uint8_t* out, uint8_t* tag);
  // Writes `size` bytes of plaintext to out; returns false if the tag does not verify (out is
  // then wiped).
  bool open(const uint8_t nonce[12], const uint8_t* in, size_t size, const uint8_t* tag, uint8_t* out);

 private:
  EVP_CIPHER_CTX* encrypt_ = nullptr;
  EVP_CIPHER_CTX* decrypt_ = nullptr;
};

// X25519: the shared secret between our private key and the peer's raw 32-byte public key.
// Returns false when there is no usable secret: an all-zero result (a low-order peer share).
bool x25519(EVP_PKEY* private_key, ByteView peer_public, SecureBuffer* shared);

// RSA-OAEP with the named digest for both the label hash and MGF1.
std::vector<uint8_t> rsa_oaep_encrypt(EVP_PKEY* public_key, const char* digest, const char* mgf1_digest,
                                      ByteView label, ByteView plaintext);
// Returns false on any decryption or padding failure, without saying which.
bool rsa_oaep_decrypt(EVP_PKEY* private_key, const char* digest, const char* mgf1_digest, ByteView label,
                      ByteView ciphertext, SecureBuffer* plaintext);

// scrypt with r = 8, p = 1 and N = 2^log_n.
SecureBuffer scrypt(ByteView passphrase, ByteView salt, unsigned log_n, size_t length);

// scrypt with every parameter given (minisign secret keys carry their own r and p).
SecureBuffer scrypt_nrp(ByteView passphrase, ByteView salt, unsigned log_n, uint32_t r, uint32_t p, size_t length);

}  // namespace filesec::crypto

// age v1's payload (https://age-encryption.org/v1, "Payload"): the STREAM construction over
// ChaCha20-Poly1305, so files interoperate with the `age` tool.
//
//   payload key = HKDF-SHA-256(ikm = file key (16 bytes), salt = nonce, info = "payload")
//   payload     = nonce (16 random bytes) || chunk 0 || chunk 1 || … || final chunk
//   chunk k     = ChaCha20-Poly1305(payload key, nonce = k as 11 bytes big-endian || final flag,
//                                   aad = empty, 64 KiB of plaintext, or fewer in the final chunk)
//
// Unlike Cobblestone, the final chunk may be full (a 128 KiB plaintext is two full chunks, the
// second flagged final), so only the flag marks the end. It is empty only when the whole
// plaintext is empty. There is no key commitment in the payload: the age header's MAC binds the
// file key; a wrong payload key shows up as chunks that do not authenticate.
#pragma once

#include <array>

#include "payload_scheme.h"
#include "secure_buffer.h"

namespace filesec::age_stream {

constexpr size_t kChunkSize = 64 * 1024;
constexpr size_t kTagSize = 16;
constexpr size_t kNonceSize = 16;  // the payload prefix
constexpr size_t kSealedChunkSize = kChunkSize + kTagSize;
constexpr size_t kFileKeySize = 16;

class Scheme final : public PayloadScheme {
 public:
  // For encryption: draws a fresh random nonce.
  static std::unique_ptr<Scheme> for_encryption(ByteView file_key);
  // With a given nonce: for decryption (the nonce read from the file), and for tests that need
  // a byte-exact payload. Encrypting twice with the same file key and nonce reuses the payload
  // key and AEAD nonces, so production encryption goes through for_encryption().
  static std::unique_ptr<Scheme> with_nonce(ByteView file_key, ByteView nonce);

  size_t chunk_size() const override { return kChunkSize; }
  size_t tag_size() const override { return kTagSize; }
  size_t prefix_size() const override { return kNonceSize; }
  // An empty plaintext is one empty final chunk; otherwise every chunk holds plaintext.
  uint64_t chunk_count(uint64_t plaintext_size) const override {
    return plaintext_size == 0 ? 1 : (plaintext_size - 1) / kChunkSize + 1;
  }
  bool plaintext_size_for(uint64_t payload_size, uint64_t* plaintext_size) const override;
  bool final_chunk_is_short() const override { return false; }
  const uint8_t* prefix() const override { return nonce_.data(); }
  std::unique_ptr<ChunkCipher> make_cipher() const override;

 private:
  Scheme() = default;

  SecureBuffer key_;  // the payload key
  std::array<uint8_t, kNonceSize> nonce_{};
};

// The plaintext size for an age payload (nonce included) of `payload_size` bytes, if any
// plaintext gives that size.
bool plaintext_size_for(uint64_t payload_size, uint64_t* plaintext_size);

}  // namespace filesec::age_stream

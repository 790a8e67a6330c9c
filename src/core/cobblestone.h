// Cobblestone-256: the C2SP chunked-encryption scheme (https://c2sp.org/chunked-encryption)
// instantiated with AEAD_AES_256_GCM and HKDF-Expand SHA-512, 16 KiB chunks.
//
//   key || base nonce || commitment = HKDF-Expand(SHA-512, prk = input key,
//       info = "c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM" || 0x00 || salt || context)
//   ciphertext = salt (24) || commitment (32) || chunk 0 || chunk 1 || … || final chunk
//
// Every chunk but the last holds 16384 bytes; the last holds 0..16383, so its short length is
// the end-of-message signal. Chunk k's nonce is the base nonce XOR k (big-endian).
#pragma once

#include <array>

#include "payload_scheme.h"
#include "secure_buffer.h"

namespace filesec::cobblestone {

constexpr size_t kChunkSize = 16384;
constexpr size_t kTagSize = 16;
constexpr size_t kSaltSize = 24;
constexpr size_t kCommitmentSize = 32;
constexpr size_t kPrefixSize = kSaltSize + kCommitmentSize;
constexpr size_t kSealedChunkSize = kChunkSize + kTagSize;
constexpr size_t kInputKeySize = 32;
constexpr uint64_t kMaxChunks = uint64_t{1} << 38;

class Scheme final : public PayloadScheme {
 public:
  // For encryption: draws a fresh random salt.
  static std::unique_ptr<Scheme> for_encryption(ByteView input_key, ByteView context);
  // For decryption: takes the 56-byte prefix read from the ciphertext and checks the
  // commitment. Returns nullptr when the commitment does not match (wrong key or context, or a
  // modified salt or commitment); the caller decides which error that is.
  static std::unique_ptr<Scheme> for_decryption(ByteView input_key, ByteView context, ByteView prefix);

  size_t chunk_size() const override { return kChunkSize; }
  size_t tag_size() const override { return kTagSize; }
  size_t prefix_size() const override { return kPrefixSize; }
  uint64_t chunk_count(uint64_t plaintext_size) const override { return plaintext_size / kChunkSize + 1; }
  bool plaintext_size_for(uint64_t payload_size, uint64_t* plaintext_size) const override;
  bool final_chunk_is_short() const override { return true; }
  const uint8_t* prefix() const override { return prefix_.data(); }
  std::unique_ptr<ChunkCipher> make_cipher() const override;

  const uint8_t* key() const { return key_.data(); }
  const uint8_t* base_nonce() const { return base_nonce_; }

 private:
  Scheme() = default;
  void derive(ByteView input_key, ByteView context, ByteView salt);

  SecureBuffer key_;
  uint8_t base_nonce_[12] = {0};
  std::array<uint8_t, kPrefixSize> prefix_{};  // salt || commitment
};

// The plaintext size for a Cobblestone ciphertext of `ciphertext_size` bytes, if valid.
bool plaintext_size_for(uint64_t ciphertext_size, uint64_t* plaintext_size);

}  // namespace filesec::cobblestone

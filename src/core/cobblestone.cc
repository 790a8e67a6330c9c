#include "cobblestone.h"

#include <cstring>
#include <string>
#include <vector>

#include "error.h"
#include "primitives.h"

namespace filesec::cobblestone {

namespace {

constexpr char kInfoPrefix[] = "c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM";

class AesGcmChunks final : public ChunkCipher {
 public:
  AesGcmChunks(const uint8_t* key, const uint8_t base_nonce[12])
      : aead_(crypto::Aead::kAes256Gcm, ByteView(key, kInputKeySize)) {
    std::memcpy(base_nonce_, base_nonce, 12);
  }

  void seal(uint64_t index, bool, const uint8_t* in, size_t size, uint8_t* out) override {
    uint8_t nonce[12];
    nonce_for(index, nonce);
    aead_.seal(nonce, in, size, out, out + size);
  }

  bool open(uint64_t index, bool, const uint8_t* in, size_t size, uint8_t* out) override {
    uint8_t nonce[12];
    nonce_for(index, nonce);
    return aead_.open(nonce, in, size, in + size, out);
  }

 private:
  void nonce_for(uint64_t index, uint8_t nonce[12]) const {
    if (index >= kMaxChunks) fail(code::kInvalidArgument, "chunk counter exceeds 2^38");
    std::memcpy(nonce, base_nonce_, 12);
    for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<uint8_t>(index >> (8 * i));
  }

  crypto::ChunkAead aead_;
  uint8_t base_nonce_[12];
};

}  // namespace

void Scheme::derive(ByteView input_key, ByteView context, ByteView salt) {
  if (input_key.size != kInputKeySize) fail(code::kInvalidArgument, "Cobblestone-256 input key must be 32 bytes");
  std::vector<uint8_t> info(kInfoPrefix, kInfoPrefix + std::strlen(kInfoPrefix));
  info.push_back(0x00);
  info.insert(info.end(), salt.data, salt.data + salt.size);
  info.insert(info.end(), context.data, context.data + context.size);
  SecureBuffer okm = crypto::hkdf_expand("SHA512", input_key, ByteView::of(info), kInputKeySize + 12 + kCommitmentSize);
  key_ = SecureBuffer(okm.data(), kInputKeySize);
  std::memcpy(base_nonce_, okm.data() + kInputKeySize, 12);
  std::memcpy(prefix_.data(), salt.data, kSaltSize);
  std::memcpy(prefix_.data() + kSaltSize, okm.data() + kInputKeySize + 12, kCommitmentSize);
}

std::unique_ptr<Scheme> Scheme::for_encryption(ByteView input_key, ByteView context) {
  std::unique_ptr<Scheme> s(new Scheme());
  uint8_t salt[kSaltSize];
  crypto::random_bytes(salt, sizeof salt);
  s->derive(input_key, context, ByteView(salt, sizeof salt));
  return s;
}

std::unique_ptr<Scheme> Scheme::for_decryption(ByteView input_key, ByteView context, ByteView prefix) {
  if (prefix.size != kPrefixSize) fail(code::kInvalidArgument, "Cobblestone prefix must be 56 bytes");
  std::unique_ptr<Scheme> s(new Scheme());
  s->derive(input_key, context, ByteView(prefix.data, kSaltSize));
  if (!crypto::equal_ct(ByteView(s->prefix_.data() + kSaltSize, kCommitmentSize),
                        ByteView(prefix.data + kSaltSize, kCommitmentSize))) {
    return nullptr;
  }
  return s;
}

bool plaintext_size_for(uint64_t ciphertext_size, uint64_t* plaintext_size) {
  if (ciphertext_size < kPrefixSize + kTagSize) return false;
  uint64_t body = ciphertext_size - kPrefixSize;
  uint64_t full = body / kSealedChunkSize;
  uint64_t last = body % kSealedChunkSize;
  // The final chunk is always present and short: 16..16399 sealed bytes.
  if (last < kTagSize) return false;
  if (full + 1 > kMaxChunks) return false;
  *plaintext_size = full * kChunkSize + (last - kTagSize);
  return true;
}

bool Scheme::plaintext_size_for(uint64_t payload_size, uint64_t* plaintext_size) const {
  return cobblestone::plaintext_size_for(payload_size, plaintext_size);
}

std::unique_ptr<ChunkCipher> Scheme::make_cipher() const {
  return std::make_unique<AesGcmChunks>(key_.data(), base_nonce_);
}

}  // namespace filesec::cobblestone

#include "age_stream.h"

#include <cstring>

#include "error.h"
#include "primitives.h"

namespace filesec::age_stream {

namespace {

constexpr char kPayloadInfo[] = "payload";

class ChaChaChunks final : public ChunkCipher {
 public:
  explicit ChaChaChunks(const SecureBuffer& key) : aead_(crypto::Aead::kChaCha20Poly1305, key) {}

  void seal(uint64_t index, bool is_final, const uint8_t* in, size_t size, uint8_t* out) override {
    uint8_t nonce[12];
    nonce_for(index, is_final, nonce);
    aead_.seal(nonce, in, size, out, out + size);
  }

  bool open(uint64_t index, bool is_final, const uint8_t* in, size_t size, uint8_t* out) override {
    uint8_t nonce[12];
    nonce_for(index, is_final, nonce);
    return aead_.open(nonce, in, size, in + size, out);
  }

 private:
  // 11-byte big-endian counter || flag. A 64-bit index fills the low 8 counter bytes; the top 3
  // stay zero (2^64 chunks of 64 KiB is far beyond any file).
  static void nonce_for(uint64_t index, bool is_final, uint8_t nonce[12]) {
    std::memset(nonce, 0, 12);
    for (int i = 0; i < 8; ++i) nonce[10 - i] = static_cast<uint8_t>(index >> (8 * i));
    nonce[11] = is_final ? 0x01 : 0x00;
  }

  crypto::ChunkAead aead_;
};

}  // namespace

std::unique_ptr<Scheme> Scheme::with_nonce(ByteView file_key, ByteView nonce) {
  if (file_key.size != kFileKeySize) fail(code::kInvalidArgument, "an age file key must be 16 bytes");
  if (nonce.size != kNonceSize) fail(code::kInvalidArgument, "an age payload nonce must be 16 bytes");
  std::unique_ptr<Scheme> s(new Scheme());
  std::memcpy(s->nonce_.data(), nonce.data, kNonceSize);
  s->key_ = crypto::hkdf_sha256(file_key, nonce,
                                ByteView(reinterpret_cast<const uint8_t*>(kPayloadInfo), std::strlen(kPayloadInfo)),
                                crypto::kAeadKeySize);
  return s;
}

std::unique_ptr<Scheme> Scheme::for_encryption(ByteView file_key) {
  uint8_t nonce[kNonceSize];
  crypto::random_bytes(nonce, sizeof nonce);
  return with_nonce(file_key, ByteView(nonce, sizeof nonce));
}

bool plaintext_size_for(uint64_t payload_size, uint64_t* plaintext_size) {
  if (payload_size < kNonceSize + kTagSize) return false;
  uint64_t body = payload_size - kNonceSize;
  uint64_t full = body / kSealedChunkSize;
  uint64_t last = body % kSealedChunkSize;
  if (last == 0) {
    // The body ends on a chunk boundary: the final chunk is full (body > 0 here).
    *plaintext_size = full * kChunkSize;
    return true;
  }
  // A short final chunk holds at least its tag; it may hold nothing only when it is the only
  // chunk (an empty plaintext). An empty final chunk after full ones is what a careless writer
  // emits for a plaintext that is a multiple of 64 KiB; age forbids it.
  if (last < kTagSize || (last == kTagSize && full > 0)) return false;
  *plaintext_size = full * kChunkSize + (last - kTagSize);
  return true;
}

bool Scheme::plaintext_size_for(uint64_t payload_size, uint64_t* plaintext_size) const {
  return age_stream::plaintext_size_for(payload_size, plaintext_size);
}

std::unique_ptr<ChunkCipher> Scheme::make_cipher() const { return std::make_unique<ChaChaChunks>(key_); }

}  // namespace filesec::age_stream

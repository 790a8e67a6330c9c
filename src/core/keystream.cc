#include "keystream.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "error.h"
#include "primitives.h"

namespace filesec::crypto {

namespace {

// The keystream is the encryption of zeros. Pieces of this size keep the zero input in the L1/L2
// cache and fit EVP's int lengths.
constexpr size_t kPiece = 64 * 1024;
const uint8_t kZeros[kPiece] = {};

}  // namespace

Keystream::Keystream() {
  uint8_t key[32];
  uint8_t iv[16];
  random_bytes(key, sizeof key);
  random_bytes(iv, sizeof iv);
  ctx_ = EVP_CIPHER_CTX_new();
  bool ok = ctx_ != nullptr && EVP_EncryptInit_ex2(ctx_, EVP_aes_256_ctr(), key, iv, nullptr) == 1;
  OPENSSL_cleanse(key, sizeof key);
  if (!ok) {
    EVP_CIPHER_CTX_free(ctx_);
    fail_openssl("AES-256-CTR keystream setup");
  }
}

Keystream::~Keystream() { EVP_CIPHER_CTX_free(ctx_); }

void Keystream::fill(uint8_t* out, size_t size) {
  while (size > 0) {
    size_t n = std::min(size, kPiece);
    int len = 0;
    if (EVP_EncryptUpdate(ctx_, out, &len, kZeros, static_cast<int>(n)) != 1 || static_cast<size_t>(len) != n) {
      fail_openssl("AES-256-CTR keystream");
    }
    out += n;
    size -= n;
  }
}

}  // namespace filesec::crypto

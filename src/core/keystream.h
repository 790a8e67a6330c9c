// Fast random-looking bytes for overwriting files: the AES-256-CTR keystream under a key and
// starting counter drawn from OpenSSL's CSPRNG. Generating it costs a few CPU cycles per byte in
// libcrypto (AES-NI), where asking the CSPRNG itself for gigabytes would be several times slower.
// The bytes are unpredictable to anyone without the key, which is wiped once the cipher is set up.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>

namespace filesec::crypto {

class Keystream {
 public:
  // Draws a fresh key and counter start.
  Keystream();
  ~Keystream();
  Keystream(const Keystream&) = delete;
  Keystream& operator=(const Keystream&) = delete;

  // Writes the next `size` bytes of the keystream to `out`.
  void fill(uint8_t* out, size_t size);

 private:
  EVP_CIPHER_CTX* ctx_ = nullptr;
};

}  // namespace filesec::crypto

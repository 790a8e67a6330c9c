#include "primitives.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <climits>
#include <cstring>
#include <memory>
#include <string>

#include "error.h"

namespace filesec::crypto {

namespace {

struct KdfDeleter {
  void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
template <typename T>
using Owned = std::unique_ptr<T, KdfDeleter>;

const EVP_CIPHER* cipher_of(Aead aead) {
  return aead == Aead::kAes256Gcm ? EVP_aes_256_gcm() : EVP_chacha20_poly1305();
}

void require_sizes(ByteView key, ByteView nonce) {
  if (key.size != kAeadKeySize) fail(code::kInvalidArgument, "AEAD key must be 32 bytes");
  if (nonce.size != kAeadNonceSize) fail(code::kInvalidArgument, "AEAD nonce must be 12 bytes");
}

int checked_int(size_t n) {
  if (n > static_cast<size_t>(INT_MAX)) fail(code::kInvalidArgument, "input too large for one AEAD call");
  return static_cast<int>(n);
}

SecureBuffer run_kdf(const char* name, OSSL_PARAM* params, size_t length) {
  Owned<EVP_KDF> kdf(EVP_KDF_fetch(nullptr, name, nullptr));
  if (!kdf) fail_openssl(std::string("EVP_KDF_fetch ") + name);
  Owned<EVP_KDF_CTX> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) fail_openssl("EVP_KDF_CTX_new");
  SecureBuffer out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) fail_openssl(std::string(name) + " derive");
  return out;
}

// OSSL_PARAM octet strings take non-const pointers but are only read.
void* mutable_ptr(const uint8_t* p) { return const_cast<uint8_t*>(p); }

// HKDF through EVP_KDF. Empty salt and info are left out of the parameters (OpenSSL rejects
// NULL octet strings); for HKDF an absent salt equals an empty one (RFC 5869, 2.2).
SecureBuffer hkdf(const char* digest, int mode, ByteView key, ByteView salt, ByteView info, size_t length) {
  const EVP_MD* md = EVP_get_digestbyname(digest);
  if (md == nullptr) fail(code::kInvalidArgument, std::string("unknown digest ") + digest);
  // RFC 5869: at most 255 blocks of output.
  if (length == 0 || length > 255 * static_cast<size_t>(EVP_MD_get_size(md))) {
    fail(code::kInvalidArgument, "HKDF output length out of range");
  }
  std::string digest_name(digest);
  OSSL_PARAM params[6];
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest_name.data(), 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, mutable_ptr(key.data), key.size);
  if (salt.size > 0) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, mutable_ptr(salt.data), salt.size);
  }
  if (info.size > 0) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, mutable_ptr(info.data), info.size);
  }
  params[n] = OSSL_PARAM_construct_end();
  return run_kdf("HKDF", params, length);
}

}  // namespace

void random_bytes(uint8_t* out, size_t size) {
  while (size > 0) {
    int n = size > (1u << 30) ? (1 << 30) : static_cast<int>(size);
    if (RAND_bytes(out, n) != 1) fail_openssl("RAND_bytes");
    out += n;
    size -= static_cast<size_t>(n);
  }
}

bool equal_ct(ByteView a, ByteView b) {
  if (a.size != b.size) return false;
  if (a.size == 0) return true;
  return CRYPTO_memcmp(a.data, b.data, a.size) == 0;
}

void sha256(ByteView data, uint8_t out[32]) {
  unsigned int len = 32;
  if (EVP_Digest(data.data, data.size, out, &len, EVP_sha256(), nullptr) != 1) fail_openssl("SHA-256");
}

SecureBuffer hkdf_sha256(ByteView ikm, ByteView salt, ByteView info, size_t length) {
  return hkdf("SHA256", EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, ikm, salt, info, length);
}

SecureBuffer hkdf_expand(const char* digest, ByteView prk, ByteView info, size_t length) {
  return hkdf(digest, EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, ByteView(), info, length);
}

void hmac_sha256(ByteView key, ByteView data, uint8_t out[32]) {
  size_t out_len = 0;
  // EVP_Q_mac rejects an empty key pointer; HMAC with an empty key is well defined.
  static const uint8_t kEmpty[1] = {0};
  const uint8_t* key_ptr = key.size == 0 ? kEmpty : key.data;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key_ptr, key.size, data.data, data.size, out, 32,
                &out_len) == nullptr ||
      out_len != 32) {
    fail_openssl("HMAC-SHA-256");
  }
}

std::vector<uint8_t> aead_seal(Aead aead, ByteView key, ByteView nonce, ByteView aad, ByteView plaintext) {
  require_sizes(key, nonce);
  ChunkAead ctx(aead, key);
  std::vector<uint8_t> out(plaintext.size + kAeadTagSize);
  // Associated data goes through a dedicated context so ChunkAead stays AAD-free for chunks.
  if (aad.size == 0) {
    ctx.seal(nonce.data, plaintext.data, plaintext.size, out.data(), out.data() + plaintext.size);
    return out;
  }
  Owned<EVP_CIPHER_CTX> c(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!c || EVP_EncryptInit_ex2(c.get(), cipher_of(aead), key.data, nonce.data, nullptr) != 1 ||
      EVP_EncryptUpdate(c.get(), nullptr, &len, aad.data, checked_int(aad.size)) != 1 ||
      EVP_EncryptUpdate(c.get(), out.data(), &len, plaintext.data, checked_int(plaintext.size)) != 1 ||
      EVP_EncryptFinal_ex(c.get(), out.data() + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_GET_TAG, kAeadTagSize, out.data() + plaintext.size) != 1) {
    fail_openssl("AEAD seal");
  }
  return out;
}

bool aead_open(Aead aead, ByteView key, ByteView nonce, ByteView aad, ByteView sealed, SecureBuffer* out) {
  require_sizes(key, nonce);
  if (sealed.size < kAeadTagSize) return false;
  size_t size = sealed.size - kAeadTagSize;
  SecureBuffer plain(size);
  Owned<EVP_CIPHER_CTX> c(EVP_CIPHER_CTX_new());
  if (!c) fail_openssl("EVP_CIPHER_CTX_new");
  int len = 0;
  if (EVP_DecryptInit_ex2(c.get(), cipher_of(aead), key.data, nonce.data, nullptr) != 1 ||
      (aad.size > 0 && EVP_DecryptUpdate(c.get(), nullptr, &len, aad.data, checked_int(aad.size)) != 1) ||
      EVP_DecryptUpdate(c.get(), plain.data(), &len, sealed.data, checked_int(size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_SET_TAG, kAeadTagSize,
                          const_cast<uint8_t*>(sealed.data + size)) != 1) {
    fail_openssl("AEAD open");
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(c.get(), plain.data() + len, &final_len) != 1) {
    clear_openssl_errors();
    return false;
  }
  *out = std::move(plain);
  return true;
}

ChunkAead::ChunkAead(Aead aead, ByteView key) {
  if (key.size != kAeadKeySize) fail(code::kInvalidArgument, "AEAD key must be 32 bytes");
  encrypt_ = EVP_CIPHER_CTX_new();
  decrypt_ = EVP_CIPHER_CTX_new();
  if (encrypt_ == nullptr || decrypt_ == nullptr ||
      EVP_EncryptInit_ex2(encrypt_, cipher_of(aead), key.data, nullptr, nullptr) != 1 ||
      EVP_DecryptInit_ex2(decrypt_, cipher_of(aead), key.data, nullptr, nullptr) != 1) {
    EVP_CIPHER_CTX_free(encrypt_);
    EVP_CIPHER_CTX_free(decrypt_);
    fail_openssl("AEAD context");
  }
}

ChunkAead::~ChunkAead() {
  // EVP_CIPHER_CTX_free cleanses the expanded key schedule.
  EVP_CIPHER_CTX_free(encrypt_);
  EVP_CIPHER_CTX_free(decrypt_);
}

void ChunkAead::seal(const uint8_t nonce[12], const uint8_t* in, size_t size, uint8_t* out, uint8_t* tag) {
  int len = 0;
  int final_len = 0;
  if (EVP_EncryptInit_ex2(encrypt_, nullptr, nullptr, nonce, nullptr) != 1 ||
      (size > 0 && EVP_EncryptUpdate(encrypt_, out, &len, in, checked_int(size)) != 1) ||
      EVP_EncryptFinal_ex(encrypt_, out + len, &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(encrypt_, EVP_CTRL_AEAD_GET_TAG, kAeadTagSize, tag) != 1) {
    fail_openssl("AEAD chunk seal");
  }
}

bool ChunkAead::open(const uint8_t nonce[12], const uint8_t* in, size_t size, const uint8_t* tag, uint8_t* out) {
  int len = 0;
  int final_len = 0;
  if (EVP_DecryptInit_ex2(decrypt_, nullptr, nullptr, nonce, nullptr) != 1 ||
      (size > 0 && EVP_DecryptUpdate(decrypt_, out, &len, in, checked_int(size)) != 1) ||
      EVP_CIPHER_CTX_ctrl(decrypt_, EVP_CTRL_AEAD_SET_TAG, kAeadTagSize, const_cast<uint8_t*>(tag)) != 1) {
    fail_openssl("AEAD chunk open");
  }
  if (EVP_DecryptFinal_ex(decrypt_, out + len, &final_len) != 1) {
    clear_openssl_errors();
    OPENSSL_cleanse(out, size);
    return false;
  }
  return true;
}

bool x25519(EVP_PKEY* private_key, ByteView peer_public, SecureBuffer* shared) {
  if (peer_public.size != 32) return false;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> peer(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public.data, peer_public.size), EVP_PKEY_free);
  if (!peer) fail_openssl("X25519 peer key");
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, private_key, nullptr));
  size_t len = 32;
  SecureBuffer out(32);
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1) {
    fail_openssl("X25519 derive setup");
  }
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1 || len != 32) {
    // OpenSSL refuses an all-zero result itself; treat it as "no usable shared secret".
    clear_openssl_errors();
    return false;
  }
  static const uint8_t kZero[32] = {0};
  if (CRYPTO_memcmp(out.data(), kZero, 32) == 0) return false;
  *shared = std::move(out);
  return true;
}

namespace {

Owned<EVP_PKEY_CTX> oaep_context(EVP_PKEY* key, bool encrypt, const char* digest, const char* mgf1_digest,
                                 ByteView label) {
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx) fail_openssl("RSA context");
  int ok = encrypt ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get());
  if (ok != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx.get(), digest, nullptr) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx.get(), mgf1_digest, nullptr) != 1) {
    fail_openssl("RSA-OAEP setup");
  }
  if (label.size > 0) {
    // The context takes ownership of the label copy.
    auto* copy = static_cast<unsigned char*>(OPENSSL_memdup(label.data, label.size));
    if (copy == nullptr || EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), copy, static_cast<int>(label.size)) != 1) {
      OPENSSL_free(copy);
      fail_openssl("RSA-OAEP label");
    }
  }
  return ctx;
}

}  // namespace

std::vector<uint8_t> rsa_oaep_encrypt(EVP_PKEY* public_key, const char* digest, const char* mgf1_digest,
                                      ByteView label, ByteView plaintext) {
  auto ctx = oaep_context(public_key, true, digest, mgf1_digest, label);
  size_t len = 0;
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &len, plaintext.data, plaintext.size) != 1) fail_openssl("RSA-OAEP size");
  std::vector<uint8_t> out(len);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &len, plaintext.data, plaintext.size) != 1) fail_openssl("RSA-OAEP");
  out.resize(len);
  return out;
}

bool rsa_oaep_decrypt(EVP_PKEY* private_key, const char* digest, const char* mgf1_digest, ByteView label,
                      ByteView ciphertext, SecureBuffer* plaintext) {
  auto ctx = oaep_context(private_key, false, digest, mgf1_digest, label);
  size_t len = static_cast<size_t>(EVP_PKEY_get_size(private_key));
  SecureBuffer out(len);
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &len, ciphertext.data, ciphertext.size) != 1) {
    clear_openssl_errors();
    return false;
  }
  out.truncate(len);
  *plaintext = std::move(out);
  return true;
}

namespace {

// The callers validate the parameters and set maxmem to exactly what they need.
SecureBuffer run_scrypt(ByteView passphrase, ByteView salt, uint64_t n, uint32_t r, uint32_t p, uint64_t maxmem,
                        size_t length) {
  static const uint8_t kEmpty[1] = {0};
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
                                        mutable_ptr(passphrase.size ? passphrase.data : kEmpty), passphrase.size),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, mutable_ptr(salt.data), salt.size),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end(),
  };
  return run_kdf("SCRYPT", params, length);
}

}  // namespace

SecureBuffer scrypt(ByteView passphrase, ByteView salt, unsigned log_n, size_t length) {
  if (log_n < 1 || log_n > 40) fail(code::kInvalidArgument, "scrypt work factor out of range");
  uint64_t n = uint64_t{1} << log_n;
  uint32_t r = 8;
  // Memory needed is 128 * r * N (plus a little); allow exactly that much.
  return run_scrypt(passphrase, salt, n, r, 1, 128ull * r * n + (1u << 20), length);
}

SecureBuffer scrypt_nrp(ByteView passphrase, ByteView salt, unsigned log_n, uint32_t r, uint32_t p, size_t length) {
  if (log_n < 1 || log_n > 40 || r < 1 || p < 1) fail(code::kInvalidArgument, "scrypt parameters out of range");
  uint64_t n = uint64_t{1} << log_n;
  // OpenSSL needs 128 * r * (N + p) bytes (plus a little); allow exactly that much.
  return run_scrypt(passphrase, salt, n, r, p, 128ull * r * (n + p) + (1u << 20), length);
}

}  // namespace filesec::crypto

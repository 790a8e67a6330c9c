#include "signature.h"

#include <openssl/rsa.h>

#include <memory>
#include <string>

#include "error.h"

namespace filesec::sig {

namespace {

struct CtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, CtxDeleter>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, CtxDeleter>;

// EVP_DigestSign/Verify take a non-null pointer even for an empty message.
const uint8_t* non_null(ByteView v) {
  static const uint8_t kEmpty[1] = {0};
  return v.size == 0 ? kEmpty : v.data;
}

PkeyCtx pss_context(EVP_PKEY* key, const PssParams& params, bool sign, ByteView digest) {
  const EVP_MD* md = EVP_get_digestbyname(params.digest);
  const EVP_MD* mgf1 = EVP_get_digestbyname(params.mgf1_digest);
  if (md == nullptr || mgf1 == nullptr) fail(code::kInvalidArgument, "unknown digest for RSA-PSS");
  if (digest.size != static_cast<size_t>(EVP_MD_get_size(md))) {
    fail(code::kInvalidArgument, std::string("an RSA-PSS digest must be the ") + params.digest + " size");
  }
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx) fail_openssl("RSA context");
  int ok = sign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get());
  if (ok != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), md) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), mgf1) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), params.salt_length) != 1) {
    fail_openssl("RSA-PSS setup");
  }
  return ctx;
}

}  // namespace

std::vector<uint8_t> ed25519_sign(EVP_PKEY* private_key, ByteView message) {
  MdCtx ctx(EVP_MD_CTX_new());
  std::vector<uint8_t> out(kEd25519SignatureSize);
  size_t len = out.size();
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, private_key, nullptr) != 1 ||
      EVP_DigestSign(ctx.get(), out.data(), &len, non_null(message), message.size) != 1 ||
      len != kEd25519SignatureSize) {
    fail_openssl("Ed25519 sign");
  }
  return out;
}

bool ed25519_verify(EVP_PKEY* key, ByteView message, ByteView signature) {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key, nullptr) != 1) {
    fail_openssl("Ed25519 verify setup");
  }
  if (signature.size != kEd25519SignatureSize) return false;
  int ok = EVP_DigestVerify(ctx.get(), signature.data, signature.size, non_null(message), message.size);
  clear_openssl_errors();
  return ok == 1;
}

std::vector<uint8_t> rsa_pss_sign_digest(EVP_PKEY* private_key, const PssParams& params, ByteView digest) {
  PkeyCtx ctx = pss_context(private_key, params, true, digest);
  size_t len = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data, digest.size) != 1) fail_openssl("RSA-PSS size");
  std::vector<uint8_t> out(len);
  if (EVP_PKEY_sign(ctx.get(), out.data(), &len, digest.data, digest.size) != 1) fail_openssl("RSA-PSS sign");
  out.resize(len);
  return out;
}

bool rsa_pss_verify_digest(EVP_PKEY* key, const PssParams& params, ByteView digest, ByteView signature) {
  PkeyCtx ctx = pss_context(key, params, false, digest);
  // A signature is exactly the modulus size; anything else cannot be one made by this key.
  if (signature.size != static_cast<size_t>(EVP_PKEY_get_size(key))) return false;
  int ok = EVP_PKEY_verify(ctx.get(), signature.data, signature.size, digest.data, digest.size);
  clear_openssl_errors();
  return ok == 1;
}

bool rsa_pkcs1v15_verify_digest(EVP_PKEY* key, const char* digest_name, ByteView digest, ByteView signature) {
  const EVP_MD* md = EVP_get_digestbyname(digest_name);
  if (md == nullptr) fail(code::kInvalidArgument, "unknown digest for RSA PKCS#1 v1.5");
  if (digest.size != static_cast<size_t>(EVP_MD_get_size(md))) {
    fail(code::kInvalidArgument, std::string("an RSA PKCS#1 v1.5 digest must be the ") + digest_name + " size");
  }
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), md) != 1) {
    fail_openssl("RSA PKCS#1 v1.5 setup");
  }
  if (signature.size != static_cast<size_t>(EVP_PKEY_get_size(key))) return false;
  int ok = EVP_PKEY_verify(ctx.get(), signature.data, signature.size, digest.data, digest.size);
  clear_openssl_errors();
  return ok == 1;
}

}  // namespace filesec::sig

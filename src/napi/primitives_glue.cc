// Direct access to the primitives, for conformance tests (Wycheproof, C2SP vectors) that must
// go through the same native code paths the file formats use. Not part of the public API.
#include <openssl/crypto.h>

#include "age_stream.h"
#include "cobblestone.h"
#include "glue.h"
#include "keys.h"
#include "payload_key.h"
#include "primitives.h"

namespace filesec::napi {

namespace {

crypto::Aead aead_arg(const Napi::Value& v) {
  std::string name = string_arg(v, "algorithm");
  if (name == "aes-256-gcm") return crypto::Aead::kAes256Gcm;
  if (name == "chacha20-poly1305") return crypto::Aead::kChaCha20Poly1305;
  throw_type_error(v.Env(), "algorithm must be 'aes-256-gcm' or 'chacha20-poly1305'");
}

ByteView view(const Napi::Buffer<uint8_t>& b) { return ByteView(b.Data(), b.Length()); }

Napi::Value AeadSeal(const Napi::CallbackInfo& info) {
  crypto::Aead aead = aead_arg(info[0]);
  auto key = buffer_arg(info[1], "key");
  auto nonce = buffer_arg(info[2], "nonce");
  auto aad = buffer_arg(info[3], "aad");
  auto pt = buffer_arg(info[4], "plaintext");
  return guard(info.Env(), [&]() {
    std::vector<uint8_t> out = crypto::aead_seal(aead, view(key), view(nonce), view(aad), view(pt));
    return to_buffer(info.Env(), out.data(), out.size());
  });
}

Napi::Value AeadOpen(const Napi::CallbackInfo& info) {
  crypto::Aead aead = aead_arg(info[0]);
  auto key = buffer_arg(info[1], "key");
  auto nonce = buffer_arg(info[2], "nonce");
  auto aad = buffer_arg(info[3], "aad");
  auto sealed = buffer_arg(info[4], "sealed");
  return guard(info.Env(), [&]() -> Napi::Value {
    SecureBuffer out;
    if (!crypto::aead_open(aead, view(key), view(nonce), view(aad), view(sealed), &out)) return info.Env().Null();
    return to_buffer(info.Env(), out.data(), out.size());
  });
}

Napi::Value HkdfSha256(const Napi::CallbackInfo& info) {
  auto ikm = buffer_arg(info[0], "ikm");
  auto salt = buffer_arg(info[1], "salt");
  auto hinfo = buffer_arg(info[2], "info");
  uint64_t length = u64_arg(info[3], "length");
  return guard(info.Env(), [&]() {
    SecureBuffer out = crypto::hkdf_sha256(view(ikm), view(salt), view(hinfo), static_cast<size_t>(length));
    return to_buffer(info.Env(), out.data(), out.size());
  });
}

Napi::Value HmacSha256(const Napi::CallbackInfo& info) {
  auto key = buffer_arg(info[0], "key");
  auto data = buffer_arg(info[1], "data");
  return guard(info.Env(), [&]() {
    uint8_t out[32];
    crypto::hmac_sha256(view(key), view(data), out);
    return to_buffer(info.Env(), out, sizeof out);
  });
}

Napi::Value X25519(const Napi::CallbackInfo& info) {
  auto priv = buffer_arg(info[0], "privateKey");
  auto pub = buffer_arg(info[1], "publicKey");
  return guard(info.Env(), [&]() -> Napi::Value {
    std::shared_ptr<keys::Key> key = keys::x25519_from_raw(view(priv), true);
    SecureBuffer shared;
    if (!crypto::x25519(key->pkey(), view(pub), &shared)) return info.Env().Null();
    return to_buffer(info.Env(), shared.data(), shared.size());
  });
}

Napi::Value RsaOaepDecrypt(const Napi::CallbackInfo& info) {
  auto der = buffer_arg(info[0], "privateKeyDer");
  std::string digest = string_arg(info[1], "digest");
  std::string mgf1 = string_arg(info[2], "mgf1Digest");
  auto label = buffer_arg(info[3], "label");
  auto ct = buffer_arg(info[4], "ciphertext");
  return guard(info.Env(), [&]() -> Napi::Value {
    auto key = keys::parse_rsa_private(view(der));
    SecureBuffer out;
    if (!crypto::rsa_oaep_decrypt(key->pkey(), digest.c_str(), mgf1.c_str(), view(label), view(ct), &out)) {
      return info.Env().Null();
    }
    return to_buffer(info.Env(), out.data(), out.size());
  });
}

Napi::Value CobblestonePayloadKey(const Napi::CallbackInfo& info) {
  auto key = buffer_arg(info[0], "inputKey");
  auto context = buffer_arg(info[1], "context");
  if (key.Length() != cobblestone::kInputKeySize) {
    Napi::Error e = Napi::Error::New(info.Env(), "Cobblestone-256 input keys are 32 bytes");
    e.Set("code", Napi::String::New(info.Env(), code::kInvalidArgument));
    throw e;
  }
  auto secret = std::make_shared<PayloadSecret>(PayloadSecret::Scheme::kCobblestone256, copy_secret(key),
                                                copy_bytes(context));
  return PayloadKeyObject::New(info.Env(), secret);
}

// agePayloadKey(fileKey, nonce?): an age v1 payload key from a 16-byte file key. With a nonce
// (16 bytes) encryption uses it instead of a random one, for byte-exact tests only.
Napi::Value AgePayloadKey(const Napi::CallbackInfo& info) {
  auto key = buffer_arg(info[0], "fileKey");
  std::vector<uint8_t> nonce;
  if (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsNull()) nonce = copy_bytes(buffer_arg(info[1], "nonce"));
  if (key.Length() != age_stream::kFileKeySize || (!nonce.empty() && nonce.size() != age_stream::kNonceSize)) {
    Napi::Error e = Napi::Error::New(info.Env(), "an age file key and payload nonce are 16 bytes each");
    e.Set("code", Napi::String::New(info.Env(), code::kInvalidArgument));
    throw e;
  }
  auto secret = std::make_shared<PayloadSecret>(PayloadSecret::Scheme::kAgeStream, copy_secret(key), std::move(nonce));
  return PayloadKeyObject::New(info.Env(), secret);
}

}  // namespace

void init_primitives(Napi::Env env, Napi::Object exports) {
  Napi::Object p = Napi::Object::New(env);
  p.Set("aeadSeal", Napi::Function::New(env, AeadSeal, "aeadSeal"));
  p.Set("aeadOpen", Napi::Function::New(env, AeadOpen, "aeadOpen"));
  p.Set("hkdfSha256", Napi::Function::New(env, HkdfSha256, "hkdfSha256"));
  p.Set("hmacSha256", Napi::Function::New(env, HmacSha256, "hmacSha256"));
  p.Set("x25519", Napi::Function::New(env, X25519, "x25519"));
  p.Set("rsaOaepDecrypt", Napi::Function::New(env, RsaOaepDecrypt, "rsaOaepDecrypt"));
  p.Set("cobblestonePayloadKey", Napi::Function::New(env, CobblestonePayloadKey, "cobblestonePayloadKey"));
  exports.Set("primitives", p);
  exports.Set("agePayloadKey", Napi::Function::New(env, AgePayloadKey, "agePayloadKey"));
}

}  // namespace filesec::napi

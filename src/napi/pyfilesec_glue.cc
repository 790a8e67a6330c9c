// The legacy pyFileSec reader's native side (src/core/legacy_cbc.h): one job that unwraps the
// session password with the caller's RSA keys, checks the ciphertext and decrypts it to a
// temporary file renamed into place (or, for migration, seals it into a .fsec file), so the
// password and the key derived from it never reach JS.
// Also the AES-CBC and OAEP-unwrap entry points for conformance tests (not public API).
#include "glue.h"
#include "key_object.h"
#include "legacy_cbc.h"
#include "payload_key.h"
#include "progress_job.h"

namespace filesec::napi {

namespace {

ByteView view(const Napi::Buffer<uint8_t>& b) { return ByteView(b.Data(), b.Length()); }

std::optional<std::vector<uint8_t>> optional_bytes(const Napi::Value& v, const char* name) {
  if (v.IsNull() || v.IsUndefined()) return std::nullopt;
  return copy_bytes(buffer_arg(v, name));
}

const char* check_name(legacy::Check c) {
  return c == legacy::Check::kOk ? "ok" : c == legacy::Check::kMismatch ? "mismatch" : "absent";
}

// The legacy request (without output) from decryptFile / probe / migrateFile arguments.
std::shared_ptr<legacy::DecryptRequest> legacy_request(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto request = std::make_shared<legacy::DecryptRequest>();
  request->identities = KeyObject::ArrayFrom(info[0], "identities");
  request->wrapped_password = copy_bytes(buffer_arg(info[1], "wrappedPassword"));
  if (!info[2].IsObject()) throw_type_error(env, "options must be an object");
  Napi::Object o = info[2].As<Napi::Object>();
  request->source = string_arg(o.Get("source"), "source");
  Napi::Value digests = o.Get("digests");
  if (!digests.IsArray()) throw_type_error(env, "digests must be an array");
  Napi::Array list = digests.As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); ++i) {
    std::string d = string_arg(list.Get(i), "digests[]");
    if (d == "sha256") {
      request->digests.push_back(legacy::KdfDigest::kSha256);
    } else if (d == "md5") {
      request->digests.push_back(legacy::KdfDigest::kMd5);
    } else {
      throw_type_error(env, "digests holds 'sha256' or 'md5'");
    }
  }
  request->expected_sha256 = optional_bytes(o.Get("expectedSha256"), "expectedSha256");
  request->allow_checksum_mismatch = bool_arg(o.Get("allowChecksumMismatch"), "allowChecksumMismatch");
  request->hmac_key = optional_secret_arg(o.Get("hmacKey"), "hmacKey");
  request->expected_hmac = optional_bytes(o.Get("expectedHmac"), "expectedHmac");
  return request;
}

engine::Output output_from(const Napi::Object& o) {
  engine::Output out;
  out.path = string_arg(o.Get("output"), "output");
  out.temp_path = string_arg(o.Get("tempPath"), "tempPath");
  out.overwrite = bool_arg(o.Get("overwrite"), "overwrite");
  out.durable = bool_arg(o.Get("durable"), "durable");
  return out;
}

Napi::Object result_object(Napi::Env env, const legacy::DecryptResult& r) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("plaintextBytes", Napi::Number::New(env, static_cast<double>(r.plaintext_bytes)));
  out.Set("textBytes", Napi::Number::New(env, static_cast<double>(r.text_bytes)));
  out.Set("digest", Napi::String::New(env, legacy::digest_name(r.digest)));
  out.Set("digestIndex", Napi::Number::New(env, static_cast<double>(r.digest_index)));
  out.Set("ambiguous", Napi::Boolean::New(env, r.ambiguous));
  out.Set("checksum", Napi::String::New(env, check_name(r.checksum)));
  out.Set("hmac", Napi::String::New(env, check_name(r.hmac)));
  out.Set("identityIndex", Napi::Number::New(env, static_cast<double>(r.identity_index)));
  return out;
}

// decryptFile(identities, wrappedPassword, { source, digests, expectedSha256 | null,
//   allowChecksumMismatch, hmacKey | null, expectedHmac | null, output, tempPath, overwrite,
//   durable }, onProgress | null) → { promise, abort() }
Napi::Value DecryptFile(const Napi::CallbackInfo& info) {
  auto request = legacy_request(info);
  request->output = output_from(info[2].As<Napi::Object>());
  return ProgressJob<legacy::DecryptResult>::start(
      info.Env(), "filesec-pyfilesec-decrypt", info[3],
      [request](const std::atomic<bool>& cancelled, const ProgressFn& progress) {
        engine::Control control;
        control.cancelled = &cancelled;
        control.progress = progress;
        return legacy::decrypt_file(*request, control);
      },
      [](Napi::Env env, legacy::DecryptResult& r) -> Napi::Value { return result_object(env, r); });
}

// probe(identities, wrappedPassword, { source, digests, expectedSha256 | null,
//   allowChecksumMismatch, hmacKey | null, expectedHmac | null }, onProgress | null)
//   → { promise, abort() }: decryptFile's result, plaintextBytes from the last-block probe,
//   nothing decrypted beyond that block and nothing written.
Napi::Value Probe(const Napi::CallbackInfo& info) {
  auto request = legacy_request(info);
  return ProgressJob<legacy::DecryptResult>::start(
      info.Env(), "filesec-pyfilesec-probe", info[3],
      [request](const std::atomic<bool>& cancelled, const ProgressFn& progress) {
        engine::Control control;
        control.cancelled = &cancelled;
        control.progress = progress;
        return legacy::probe_archive(*request, control);
      },
      [](Napi::Env env, legacy::DecryptResult& r) -> Napi::Value { return result_object(env, r); });
}

// migrateFile(identities, wrappedPassword, { source, digests, expectedSha256 | null,
//   allowChecksumMismatch, hmacKey | null, expectedHmac | null, output, tempPath, overwrite,
//   durable, expectedSize, padding }, payloadKey, header, onProgress | null) → { promise, abort() }:
//   decryptFile's result plus fileBytes; the output is the .fsec file (header ‖ sealed payload).
Napi::Value MigrateFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto legacy_req = legacy_request(info);
  Napi::Object o = info[2].As<Napi::Object>();
  auto request = std::make_shared<legacy::MigrateRequest>();
  request->legacy = std::move(*legacy_req);
  request->output = output_from(o);
  request->expected_plaintext_size = u64_arg(o.Get("expectedSize"), "expectedSize");
  request->padding = u64_arg(o.Get("padding"), "padding");
  auto secret = PayloadKeyObject::From(info[3], "payloadKey");
  request->header = copy_bytes(buffer_arg(info[4], "header"));
  guard(env, [&]() { request->scheme = secret->for_encryption(); });
  return ProgressJob<legacy::MigrateResult>::start(
      env, "filesec-pyfilesec-migrate", info[5],
      [request](const std::atomic<bool>& cancelled, const ProgressFn& progress) {
        engine::Control control;
        control.cancelled = &cancelled;
        control.progress = progress;
        return legacy::migrate_file(*request, control);
      },
      [](Napi::Env env, legacy::MigrateResult& r) -> Napi::Value {
        Napi::Object out = result_object(env, r.legacy);
        out.Set("fileBytes", Napi::Number::New(env, static_cast<double>(r.file_bytes)));
        return out;
      });
}

// aesCbcDecrypt(key, iv, ciphertext) → plaintext, or null when the padding is invalid.
Napi::Value AesCbcDecrypt(const Napi::CallbackInfo& info) {
  auto key = buffer_arg(info[0], "key");
  auto iv = buffer_arg(info[1], "iv");
  auto ct = buffer_arg(info[2], "ciphertext");
  return guard(info.Env(), [&]() -> Napi::Value {
    SecureBuffer out;
    if (!legacy::aes_cbc_decrypt(view(key), view(iv), view(ct), &out)) return info.Env().Null();
    return to_buffer(info.Env(), out.data(), out.size());
  });
}

// pyfilesecUnwrap(privateKeyDer, ciphertext) → plaintext or null: the production OAEP unwrap
// (SHA-1, MGF1-SHA-1, empty label), through the production key parser.
Napi::Value PyfilesecUnwrap(const Napi::CallbackInfo& info) {
  auto der = buffer_arg(info[0], "privateKeyDer");
  auto ct = buffer_arg(info[1], "ciphertext");
  return guard(info.Env(), [&]() -> Napi::Value {
    auto key = keys::parse_rsa_private(view(der));
    SecureBuffer out;
    if (!legacy::unwrap_password(key->pkey(), view(ct), &out)) return info.Env().Null();
    return to_buffer(info.Env(), out.data(), out.size());
  });
}

}  // namespace

void init_pyfilesec(Napi::Env env, Napi::Object exports) {
  Napi::Object p = Napi::Object::New(env);
  p.Set("decryptFile", Napi::Function::New(env, DecryptFile, "decryptFile"));
  p.Set("probe", Napi::Function::New(env, Probe, "probe"));
  p.Set("migrateFile", Napi::Function::New(env, MigrateFile, "migrateFile"));
  exports.Set("pyfilesec", p);
  // After init_primitives: conformance-test entry points join the existing object.
  Napi::Object primitives = exports.Get("primitives").As<Napi::Object>();
  primitives.Set("aesCbcDecrypt", Napi::Function::New(env, AesCbcDecrypt, "aesCbcDecrypt"));
  primitives.Set("pyfilesecUnwrap", Napi::Function::New(env, PyfilesecUnwrap, "pyfilesecUnwrap"));
}

}  // namespace filesec::napi

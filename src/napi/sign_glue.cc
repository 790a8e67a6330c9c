// Detached signatures: sign and verify jobs over whole files, file hashing (for tests and
// benchmarks), writing a new small file atomically, and the signature primitives for the
// Wycheproof conformance tests.
#include <memory>

#include "file_hash.h"
#include "file_signing.h"
#include "fs_util.h"
#include "glue.h"
#include "key_object.h"
#include "keys.h"
#include "progress_job.h"
#include "signature.h"

namespace filesec::napi {

namespace {

signing::Scheme scheme_arg(const Napi::Value& v) {
  std::string name = string_arg(v, "scheme");
  if (name == "minisign") return signing::Scheme::kMinisign;
  if (name == "rsa-pss-sha256") return signing::Scheme::kRsaPssSha256;
  if (name == "pyfilesec-pkcs1v15") return signing::Scheme::kPyFileSecPkcs1v15;
  throw_type_error(v.Env(), "scheme must be 'minisign', 'rsa-pss-sha256' or 'pyfilesec-pkcs1v15'");
}

// null/undefined → empty.
std::vector<uint8_t> optional_bytes_arg(const Napi::Value& v, const char* name) {
  if (v.IsNull() || v.IsUndefined()) return {};
  return copy_bytes(buffer_arg(v, name));
}

Napi::Object options_arg(const Napi::Value& v) {
  if (!v.IsObject()) throw_type_error(v.Env(), "options must be an object");
  return v.As<Napi::Object>();
}

// The async resource name of the signing and hashing jobs.
constexpr char kJobName[] = "filesec-progress-job";

hashing::Control hash_control(const std::atomic<bool>& cancelled, const ProgressFn& progress) {
  hashing::Control control;
  control.cancelled = &cancelled;
  control.progress = progress;
  return control;
}

// signFile(key, { source, scheme, trustedComment | null }, onProgress | null)
//   → { promise: Promise<{ signature, commentSignature | null, fileBytes }>, abort() }
Napi::Value SignFile(const Napi::CallbackInfo& info) {
  std::shared_ptr<keys::Key> key = KeyObject::From(info[0], "key");
  Napi::Object o = options_arg(info[1]);
  auto request = std::make_shared<signing::SignRequest>();
  request->path = string_arg(o.Get("source"), "source");
  request->scheme = scheme_arg(o.Get("scheme"));
  request->trusted_comment = optional_bytes_arg(o.Get("trustedComment"), "trustedComment");
  return ProgressJob<signing::Signed>::start(
      info.Env(), kJobName, info[2],
      [key, request](const std::atomic<bool>& cancelled, const ProgressFn& progress) {
        return signing::sign_file(*key, *request, hash_control(cancelled, progress));
      },
      [](Napi::Env env, signing::Signed& s) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("signature", to_buffer(env, s.signature.data(), s.signature.size()));
        out.Set("commentSignature", s.comment_signature.empty()
                                        ? env.Null()
                                        : Napi::Value(to_buffer(env, s.comment_signature.data(),
                                                                s.comment_signature.size())));
        out.Set("fileBytes", Napi::Number::New(env, static_cast<double>(s.file_bytes)));
        return out;
      });
}

const char* verdict_name(signing::Verdict v) {
  switch (v) {
    case signing::Verdict::kValid:
      return "valid";
    case signing::Verdict::kKeyMismatch:
      return "key-mismatch";
    case signing::Verdict::kBadComment:
      return "comment-mismatch";
    case signing::Verdict::kBadSignature:
      return "signature-mismatch";
  }
  return "signature-mismatch";
}

// verifySignature(key, { source, scheme, signature, trustedComment | null, commentSignature | null },
//   onProgress | null) → { promise: Promise<{ verdict, fileBytes, digest | null }>, abort() }
Napi::Value VerifyFile(const Napi::CallbackInfo& info) {
  std::shared_ptr<keys::Key> key = KeyObject::From(info[0], "key");
  Napi::Object o = options_arg(info[1]);
  auto request = std::make_shared<signing::VerifyRequest>();
  request->path = string_arg(o.Get("source"), "source");
  request->scheme = scheme_arg(o.Get("scheme"));
  request->signature = copy_bytes(buffer_arg(o.Get("signature"), "signature"));
  request->trusted_comment = optional_bytes_arg(o.Get("trustedComment"), "trustedComment");
  request->comment_signature = optional_bytes_arg(o.Get("commentSignature"), "commentSignature");
  return ProgressJob<signing::Verified>::start(
      info.Env(), kJobName, info[2],
      [key, request](const std::atomic<bool>& cancelled, const ProgressFn& progress) {
        return signing::verify_file(*key, *request, hash_control(cancelled, progress));
      },
      [](Napi::Env env, signing::Verified& v) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("verdict", Napi::String::New(env, verdict_name(v.verdict)));
        out.Set("fileBytes", Napi::Number::New(env, static_cast<double>(v.file_bytes)));
        out.Set("digest", v.digest.empty() ? env.Null() : Napi::Value(Napi::String::New(env, v.digest)));
        return out;
      });
}

// hashFile(path, 'sha256' | 'blake2b512', onProgress | null)
//   → { promise: Promise<{ digest, fileBytes }>, abort() }
Napi::Value HashFile(const Napi::CallbackInfo& info) {
  std::string path = string_arg(info[0], "path");
  std::string name = string_arg(info[1], "digest");
  hashing::Digest digest;
  if (name == "sha256") {
    digest = hashing::Digest::kSha256;
  } else if (name == "blake2b512") {
    digest = hashing::Digest::kBlake2b512;
  } else {
    throw_type_error(info.Env(), "digest must be 'sha256' or 'blake2b512'");
  }
  return ProgressJob<hashing::FileDigest>::start(
      info.Env(), kJobName, info[2],
      [path, digest](const std::atomic<bool>& cancelled, const ProgressFn& progress) {
        return hashing::hash_file(path, digest, hash_control(cancelled, progress));
      },
      [](Napi::Env env, hashing::FileDigest& d) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("digest", to_buffer(env, d.digest.data(), d.digest.size()));
        out.Set("fileBytes", Napi::Number::New(env, static_cast<double>(d.size)));
        return out;
      });
}

// writeNewFile(path, tempPath, data, overwrite): writes `data` to a temporary file created
// exclusively with mode 0600 (no symlink followed), syncs it, and renames it into place (never
// replacing an existing file unless `overwrite`).
Napi::Value WriteNewFile(const Napi::CallbackInfo& info) {
  std::string path = string_arg(info[0], "path");
  std::string temp_path = string_arg(info[1], "tempPath");
  auto data = std::make_shared<std::vector<uint8_t>>(copy_bytes(buffer_arg(info[2], "data")));
  bool overwrite = bool_arg(info[3], "overwrite");
  return PromiseWorker<bool>::run(
      info.Env(),
      [path, temp_path, data, overwrite]() {
        if (!overwrite && fs::exists(path)) fail(code::kOutputExists, path + " already exists");
        fs::Fd fd = fs::create_exclusive(temp_path, 0600);
        fs::TempFile temp(temp_path);
        fs::pwrite_full(fd.get(), data->data(), data->size(), 0, temp_path);
        fs::fdatasync_checked(fd.get(), temp_path);
        fd.close_checked(temp_path);
        fs::rename_into_place(temp_path, path, overwrite);
        temp.keep();
        fs::fsync_parent(path);
        return true;
      },
      [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
}

ByteView view(const Napi::Buffer<uint8_t>& b) { return ByteView(b.Data(), b.Length()); }

// Parses one public (or private) key of the expected kind from DER, through the production parser.
std::shared_ptr<keys::Key> der_key(const Napi::Buffer<uint8_t>& der, keys::KeyKind kind, const char* what) {
  keys::ParseOptions options;
  auto parsed = keys::parse(view(der), options);
  if (parsed.size() != 1 || parsed[0]->kind() != kind) fail(code::kKeyInvalid, std::string("expected one ") + what);
  return parsed[0];
}

// primitives.ed25519Verify(spkiDer, message, signature) → boolean
Napi::Value Ed25519Verify(const Napi::CallbackInfo& info) {
  auto der = buffer_arg(info[0], "spkiDer");
  auto message = buffer_arg(info[1], "message");
  auto signature = buffer_arg(info[2], "signature");
  return guard(info.Env(), [&]() {
    auto key = der_key(der, keys::KeyKind::kEd25519, "Ed25519 key");
    return Napi::Boolean::New(info.Env(), sig::ed25519_verify(key->pkey(), view(message), view(signature)));
  });
}

// primitives.rsaPssVerify(spkiDer, digest, mgf1Digest, saltLength, message, signature) → boolean:
// hashes `message` with `digest`, then verifies over that digest (the path file signatures take).
Napi::Value RsaPssVerify(const Napi::CallbackInfo& info) {
  auto der = buffer_arg(info[0], "spkiDer");
  std::string digest = string_arg(info[1], "digest");
  std::string mgf1 = string_arg(info[2], "mgf1Digest");
  uint64_t salt_length = u64_arg(info[3], "saltLength");
  auto message = buffer_arg(info[4], "message");
  auto signature = buffer_arg(info[5], "signature");
  return guard(info.Env(), [&]() {
    auto key = der_key(der, keys::KeyKind::kRsa, "RSA key");
    const EVP_MD* md = EVP_get_digestbyname(digest.c_str());
    if (md == nullptr || salt_length > 1024) fail(code::kInvalidArgument, "unknown digest or salt length out of range");
    std::vector<uint8_t> hashed(static_cast<size_t>(EVP_MD_get_size(md)));
    unsigned int len = 0;
    if (EVP_Digest(message.Data(), message.Length(), hashed.data(), &len, md, nullptr) != 1) fail_openssl("digest");
    sig::PssParams params;
    params.digest = digest.c_str();
    params.mgf1_digest = mgf1.c_str();
    params.salt_length = static_cast<int>(salt_length);
    bool ok = sig::rsa_pss_verify_digest(key->pkey(), params, ByteView::of(hashed), view(signature));
    return Napi::Boolean::New(info.Env(), ok);
  });
}

}  // namespace

void init_signing(Napi::Env env, Napi::Object exports) {
  exports.Set("signFile", Napi::Function::New(env, SignFile, "signFile"));
  exports.Set("verifySignature", Napi::Function::New(env, VerifyFile, "verifySignature"));
  exports.Set("hashFile", Napi::Function::New(env, HashFile, "hashFile"));
  exports.Set("writeNewFile", Napi::Function::New(env, WriteNewFile, "writeNewFile"));
  // Joins the conformance-test primitives made by init_primitives (which runs first).
  Napi::Object primitives = exports.Get("primitives").As<Napi::Object>();
  primitives.Set("ed25519Verify", Napi::Function::New(env, Ed25519Verify, "ed25519Verify"));
  primitives.Set("rsaPssVerify", Napi::Function::New(env, RsaPssVerify, "rsaPssVerify"));
}

}  // namespace filesec::napi

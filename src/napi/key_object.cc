#include "key_object.h"

#include <ctime>

#include "fs_util.h"
#include "glue.h"
#include "minisign_key.h"

namespace filesec::napi {

namespace {

const napi_type_tag kKeyTag = {0x6b1f9a3c2d4e5f60ULL, 0x9a8b7c6d5e4f3a21ULL};

Napi::Value ParseKeys(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SecureBuffer data = copy_secret(buffer_arg(info[0], "data"));
  std::optional<SecureBuffer> passphrase = optional_secret_arg(info[1], "passphrase");
  keys::ParseOptions options;
  options.min_rsa_bits = static_cast<unsigned>(u64_arg(info[2], "minRsaBits"));
  options.max_scrypt_log_n = static_cast<unsigned>(u64_arg(info[3], "maxWorkFactor"));
  auto shared_data = std::make_shared<SecureBuffer>(std::move(data));
  auto shared_pass = std::make_shared<std::optional<SecureBuffer>>(std::move(passphrase));
  using Keys = std::vector<std::shared_ptr<keys::Key>>;
  return PromiseWorker<Keys>::run(
      env,
      [shared_data, shared_pass, options]() mutable {
        ByteView pass_view;
        if (*shared_pass) {
          pass_view = ByteView(**shared_pass);
          options.passphrase = &pass_view;
        }
        return keys::parse(*shared_data, options);
      },
      [](Napi::Env env, Keys& parsed) -> Napi::Value {
        Napi::Array out = Napi::Array::New(env, parsed.size());
        for (size_t i = 0; i < parsed.size(); ++i) out.Set(static_cast<uint32_t>(i), KeyObject::New(env, parsed[i]));
        return out;
      });
}

Napi::Value GenerateKey(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string kind = string_arg(info[0], "kind");
  unsigned bits = static_cast<unsigned>(u64_arg(info[1], "bits"));
  if (kind != "rsa" && kind != "x25519" && kind != "ed25519") {
    throw_type_error(env, "kind must be 'rsa', 'x25519' or 'ed25519'");
  }
  return PromiseWorker<std::shared_ptr<keys::Key>>::run(
      env,
      [kind, bits]() {
        if (kind == "rsa") return keys::generate_rsa(bits);
        return kind == "ed25519" ? keys::generate_ed25519() : keys::generate_x25519();
      },
      [](Napi::Env env, std::shared_ptr<keys::Key>& key) -> Napi::Value { return KeyObject::New(env, key); });
}

// writePrivateKey(key, path, tempPath, passphrase | null, createdComment): writes the private key
// file atomically with mode 0600, refusing to replace an existing file.
Napi::Value WritePrivateKey(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<keys::Key> key = KeyObject::From(info[0], "key");
  std::string path = string_arg(info[1], "path");
  std::string temp_path = string_arg(info[2], "tempPath");
  auto passphrase = std::make_shared<std::optional<SecureBuffer>>(optional_secret_arg(info[3], "passphrase"));
  std::string comment = string_arg(info[4], "createdComment");
  return PromiseWorker<bool>::run(
      env,
      [key, path, temp_path, passphrase, comment]() {
        ByteView pass_view;
        if (*passphrase) pass_view = ByteView(**passphrase);
        SecureBuffer text = key->private_text(*passphrase ? &pass_view : nullptr, comment);
        if (fs::exists(path)) fail(code::kOutputExists, path + " already exists");
        fs::Fd fd = fs::create_exclusive(temp_path, 0600);
        fs::TempFile temp(temp_path);
        fs::pwrite_full(fd.get(), text.data(), text.size(), 0, temp_path);
        fs::fdatasync_checked(fd.get(), temp_path);
        fd.close_checked(temp_path);
        fs::rename_into_place(temp_path, path, false);
        temp.keep();
        fs::fsync_parent(path);
        return true;
      },
      [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
}

}  // namespace

Napi::Function KeyObject::Define(Napi::Env env) {
  return DefineClass(env, "Key",
                     {
                         InstanceAccessor<&KeyObject::Kind>("kind"),
                         InstanceAccessor<&KeyObject::IsPrivate>("isPrivate"),
                         InstanceAccessor<&KeyObject::Bits>("bits"),
                         InstanceAccessor<&KeyObject::Fingerprint>("fingerprint"),
                         InstanceAccessor<&KeyObject::KeyId>("keyId"),
                         InstanceMethod<&KeyObject::PublicText>("publicText"),
                         InstanceMethod<&KeyObject::Spki>("spki"),
                     });
}

Napi::Object KeyObject::New(Napi::Env env, std::shared_ptr<keys::Key> key) {
  auto* holder = new std::shared_ptr<keys::Key>(std::move(key));
  Napi::External<std::shared_ptr<keys::Key>> ext = Napi::External<std::shared_ptr<keys::Key>>::New(
      env, holder, [](Napi::Env, std::shared_ptr<keys::Key>* p) { delete p; });
  Napi::Object obj = addon_data(env).key_constructor.New({ext});
  obj.TypeTag(&kKeyTag);
  return obj;
}

KeyObject::KeyObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<KeyObject>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw_type_error(info.Env(), "Key objects are made by parseKeys() or generateKey()");
  }
  // Taken, not copied: the External lives until the garbage collector runs, and a copy left
  // there would keep the secret (or the open file) alive after destroy() / close().
  key_ = std::move(*info[0].As<Napi::External<std::shared_ptr<keys::Key>>>().Data());
}

std::shared_ptr<keys::Key> KeyObject::From(const Napi::Value& value, const char* name) {
  if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&kKeyTag)) {
    throw_type_error(value.Env(), std::string(name) + " must be a native Key");
  }
  return Unwrap(value.As<Napi::Object>())->key_;
}

std::vector<std::shared_ptr<keys::Key>> KeyObject::ArrayFrom(const Napi::Value& value, const char* name) {
  if (!value.IsArray()) throw_type_error(value.Env(), std::string(name) + " must be an array of Keys");
  Napi::Array arr = value.As<Napi::Array>();
  std::vector<std::shared_ptr<keys::Key>> out;
  for (uint32_t i = 0; i < arr.Length(); ++i) out.push_back(From(arr.Get(i), name));
  return out;
}

Napi::Value KeyObject::Kind(const Napi::CallbackInfo& info) {
  switch (key_->kind()) {
    case keys::KeyKind::kRsa:
      return Napi::String::New(info.Env(), "rsa");
    case keys::KeyKind::kX25519:
      return Napi::String::New(info.Env(), "x25519");
    case keys::KeyKind::kEd25519:
      return Napi::String::New(info.Env(), "ed25519");
  }
  return info.Env().Undefined();
}

// The minisign key id (upper-case hex, as minisign prints it) of an Ed25519 key; null otherwise.
Napi::Value KeyObject::KeyId(const Napi::CallbackInfo& info) {
  if (key_->kind() != keys::KeyKind::kEd25519) return info.Env().Null();
  return Napi::String::New(info.Env(), minisign::key_id_text(key_->key_id()));
}

Napi::Value KeyObject::IsPrivate(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), key_->is_private());
}

Napi::Value KeyObject::Bits(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), key_->bits()); }

Napi::Value KeyObject::Fingerprint(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), keys::fingerprint_hex(key_->fingerprint()));
}

Napi::Value KeyObject::PublicText(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() { return Napi::String::New(info.Env(), key_->public_text()); });
}

Napi::Value KeyObject::Spki(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() {
    std::vector<uint8_t> der = key_->spki_der();
    return to_buffer(info.Env(), der.data(), der.size());
  });
}

void init_keys(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = KeyObject::Define(env);
  addon_data(env).key_constructor = Napi::Persistent(ctor);
  exports.Set("Key", ctor);
  exports.Set("parseKeys", Napi::Function::New(env, ParseKeys, "parseKeys"));
  exports.Set("generateKey", Napi::Function::New(env, GenerateKey, "generateKey"));
  exports.Set("writePrivateKey", Napi::Function::New(env, WritePrivateKey, "writePrivateKey"));
}

}  // namespace filesec::napi

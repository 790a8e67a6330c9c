// Node-API entry points for the age v1 header (native.age): parse (public summary, no key),
// open (unwrap the file key with identities / a passphrase and check the MAC), seal (a new
// header for recipients or a passphrase), rewrap (a new header for an opened file key: header-
// only rotation), armor/dearmor of buffers, and the streaming armor file jobs
// (armorFile/dearmorFile, as ProgressJobs). The 16-byte file key stays in native
// memory behind an opaque AgeFileKey handle for the codec layer; only the explicitly named
// testOnlyFileKeyBytes() export reveals it, for the CCTV vectors' `file key:` checks.
#include <string>

#include "age_armor.h"
#include "age_header.h"
#include "age_stanzas.h"
#include "glue.h"
#include "key_object.h"
#include "payload_key.h"
#include "progress_job.h"

namespace filesec::napi {

namespace {

const napi_type_tag kAgeFileKeyTag = {0x2a9e51c07d3b4f18ULL, 0xb6e0c4d29f7a1358ULL};

struct AgeFileKeySecret {
  SecureBuffer key;
};

class AgeFileKeyObject : public Napi::ObjectWrap<AgeFileKeyObject> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "AgeFileKey", {InstanceMethod<&AgeFileKeyObject::Destroy>("destroy")});
  }
  static Napi::Object New(Napi::Env env, std::shared_ptr<const AgeFileKeySecret> secret) {
    auto* holder = new std::shared_ptr<const AgeFileKeySecret>(std::move(secret));
    auto ext = Napi::External<std::shared_ptr<const AgeFileKeySecret>>::New(
        env, holder, [](Napi::Env, std::shared_ptr<const AgeFileKeySecret>* p) { delete p; });
    Napi::Object obj = addon_data(env).age_file_key_constructor.New({ext});
    obj.TypeTag(&kAgeFileKeyTag);
    return obj;
  }
  // Checks the type tag, so a look-alike JS object cannot be passed off as a file key.
  static std::shared_ptr<const AgeFileKeySecret> From(const Napi::Value& value, const char* name) {
    if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&kAgeFileKeyTag)) {
      throw_type_error(value.Env(), std::string(name) + " must be a native AgeFileKey");
    }
    auto secret = Unwrap(value.As<Napi::Object>())->secret_;
    if (!secret) throw_type_error(value.Env(), std::string(name) + " was destroyed");
    return secret;
  }

  explicit AgeFileKeyObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<AgeFileKeyObject>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) {
      throw_type_error(info.Env(), "AgeFileKey objects are made by age.open() and age.seal()");
    }
    // Taken, not copied: the External lives until the garbage collector runs, and a copy left
    // there would keep the secret (or the open file) alive after destroy() / close().
    secret_ = std::move(*info[0].As<Napi::External<std::shared_ptr<const AgeFileKeySecret>>>().Data());
  }

 private:
  Napi::Value Destroy(const Napi::CallbackInfo& info) {
    secret_.reset();
    return info.Env().Undefined();
  }
  std::shared_ptr<const AgeFileKeySecret> secret_;
};

// Keys for age: each element is key text (Buffer or string, parsed on the worker thread) or a
// native Key handle.
struct KeyInputs {
  std::vector<std::shared_ptr<SecureBuffer>> texts;
  std::vector<std::shared_ptr<keys::Key>> handles;
};

KeyInputs key_inputs(const Napi::Value& value, const char* name) {
  if (!value.IsArray()) throw_type_error(value.Env(), std::string(name) + " must be an array");
  Napi::Array arr = value.As<Napi::Array>();
  KeyInputs out;
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value v = arr.Get(i);
    if (v.IsBuffer()) {
      out.texts.push_back(std::make_shared<SecureBuffer>(copy_secret(v.As<Napi::Buffer<uint8_t>>())));
    } else if (v.IsString()) {
      std::string s = v.As<Napi::String>().Utf8Value();
      out.texts.push_back(std::make_shared<SecureBuffer>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
      OPENSSL_cleanse(s.data(), s.size());
    } else {
      out.handles.push_back(KeyObject::From(v, name));
    }
  }
  return out;
}

std::vector<age::AgeKey> resolve(const KeyInputs& in, bool identities) {
  std::vector<age::AgeKey> out;
  for (const auto& k : in.handles) out.push_back(age::from_key(k));
  for (const auto& t : in.texts) {
    std::vector<age::AgeKey> parsed = identities ? age::parse_identities(*t) : age::parse_recipients(*t);
    for (auto& k : parsed) out.push_back(std::move(k));
  }
  return out;
}

Napi::Value ParseHeader(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Buffer<uint8_t> bytes = buffer_arg(info[0], "bytes");
  bool whole_file = info.Length() > 1 && !info[1].IsUndefined() && bool_arg(info[1], "wholeFile");
  return guard(env, [&]() {
    ByteView data(bytes.Data(), bytes.Length());
    bool armored = age::is_armored(data);
    std::vector<uint8_t> binary;
    if (armored) {
      binary = age::dearmor(data);
      data = ByteView::of(binary);
    }
    age::Header h = age::parse_header(data);
    // The kit counts a file that ends before its 16-byte payload nonce as a header failure.
    if (whole_file && data.size - h.size < age::kPayloadNonceSize) {
      fail(code::kHeaderInvalid, "age header: the file ends before the payload nonce");
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("armored", armored);
    out.Set("headerSize", h.size);
    out.Set("macInputSize", h.mac_input_size);
    Napi::Array stanzas = Napi::Array::New(env, h.stanzas.size());
    for (size_t i = 0; i < h.stanzas.size(); ++i) {
      const age::Stanza& s = h.stanzas[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("type", s.type);
      Napi::Array args = Napi::Array::New(env, s.args.size());
      for (size_t j = 0; j < s.args.size(); ++j) args.Set(static_cast<uint32_t>(j), s.args[j]);
      o.Set("args", args);
      o.Set("bodySize", s.body.size());
      stanzas.Set(static_cast<uint32_t>(i), o);
    }
    out.Set("stanzas", stanzas);
    return out;
  });
}

// open(bytes, identities, passphrase | null, maxWorkFactor) → Promise<AgeFileKey>. `bytes` holds
// at least the whole header (binary or armored); scrypt runs off the main thread.
Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto bytes = std::make_shared<std::vector<uint8_t>>(copy_bytes(buffer_arg(info[0], "bytes")));
  KeyInputs ids = key_inputs(info[1], "identities");
  auto pass = std::make_shared<std::optional<SecureBuffer>>(optional_secret_arg(info[2], "passphrase"));
  unsigned max_log_n = static_cast<unsigned>(u64_arg(info[3], "maxWorkFactor"));
  using Result = std::shared_ptr<const AgeFileKeySecret>;
  return PromiseWorker<Result>::run(
      env,
      [bytes, ids, pass, max_log_n]() -> Result {
        ByteView data = ByteView::of(*bytes);
        std::vector<uint8_t> binary;
        if (age::is_armored(data)) {
          binary = age::dearmor(data);
          data = ByteView::of(binary);
        }
        age::Header header = age::parse_header(data);
        std::vector<age::AgeKey> identities = resolve(ids, true);
        ByteView pass_view;
        if (*pass) pass_view = ByteView(**pass);
        auto secret = std::make_shared<AgeFileKeySecret>();
        secret->key = age::open(data, header, identities, *pass ? &pass_view : nullptr, max_log_n);
        return secret;
      },
      [](Napi::Env env, Result& secret) -> Napi::Value { return AgeFileKeyObject::New(env, secret); });
}

// seal(recipients, passphrase | null, workFactor) → Promise<{ header: Buffer, fileKey: AgeFileKey }>.
Napi::Value Seal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  KeyInputs rs = key_inputs(info[0], "recipients");
  auto pass = std::make_shared<std::optional<SecureBuffer>>(optional_secret_arg(info[1], "passphrase"));
  unsigned log_n = static_cast<unsigned>(u64_arg(info[2], "workFactor"));
  struct Result {
    std::string header;
    std::shared_ptr<const AgeFileKeySecret> key;
  };
  return PromiseWorker<Result>::run(
      env,
      [rs, pass, log_n]() -> Result {
        std::vector<age::AgeKey> recipients = resolve(rs, false);
        ByteView pass_view;
        if (*pass) pass_view = ByteView(**pass);
        age::Sealed sealed = age::seal(recipients, *pass ? &pass_view : nullptr, log_n);
        auto secret = std::make_shared<AgeFileKeySecret>();
        secret->key = std::move(sealed.file_key);
        return Result{std::move(sealed.header), secret};
      },
      [](Napi::Env env, Result& r) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("header", to_buffer(env, reinterpret_cast<const uint8_t*>(r.header.data()), r.header.size()));
        out.Set("fileKey", AgeFileKeyObject::New(env, r.key));
        return out;
      });
}

// rewrap(oldHeader, fileKey, { keep, recipients, passphrase, workFactor }) → Promise<Buffer>: a
// new header for the file key of `oldHeader` (header-only rotation). `oldHeader` is the binary
// header alone; `keep` lists indices of its stanzas kept verbatim. The key never leaves native
// memory; scrypt and the RSA/X25519 wrapping run off the main thread.
Napi::Value Rewrap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto old_header = std::make_shared<std::vector<uint8_t>>(copy_bytes(buffer_arg(info[0], "oldHeader")));
  auto file_key = AgeFileKeyObject::From(info[1], "fileKey");
  if (!info[2].IsObject()) throw_type_error(env, "options must be an object");
  Napi::Object o = info[2].As<Napi::Object>();
  std::vector<size_t> keep = index_list_arg(o.Get("keep"), "keep");
  KeyInputs rs = key_inputs(o.Get("recipients"), "recipients");
  auto pass = std::make_shared<std::optional<SecureBuffer>>(optional_secret_arg(o.Get("passphrase"), "passphrase"));
  unsigned log_n = static_cast<unsigned>(u64_arg(o.Get("workFactor"), "workFactor"));
  return PromiseWorker<std::string>::run(
      env,
      [old_header, file_key, keep, rs, pass, log_n]() {
        ByteView old_bytes = ByteView::of(*old_header);
        age::Header parsed = age::parse_header(old_bytes);
        if (parsed.size != old_bytes.size) fail(code::kInvalidArgument, "oldHeader must be the age header alone");
        age::RewrapRequest request;
        request.keep = keep;
        request.recipients = resolve(rs, false);
        ByteView pass_view;
        if (*pass) {
          pass_view = ByteView(**pass);
          request.passphrase = &pass_view;
        }
        request.log_n = log_n;
        return age::rewrap(old_bytes, parsed, file_key->key, request);
      },
      [](Napi::Env env, std::string& header) -> Napi::Value {
        return to_buffer(env, reinterpret_cast<const uint8_t*>(header.data()), header.size());
      });
}

// checkHeader(header, fileKey): throws unless `header` is exactly one age header that parses and
// whose MAC verifies under the file key (an HMAC over the header: cheap, done in place).
Napi::Value CheckHeader(const Napi::CallbackInfo& info) {
  Napi::Buffer<uint8_t> bytes = buffer_arg(info[0], "header");
  auto file_key = AgeFileKeyObject::From(info[1], "fileKey");
  return guard(info.Env(), [&]() -> Napi::Value {
    age::check_header(ByteView(bytes.Data(), bytes.Length()), file_key->key);
    return info.Env().Undefined();
  });
}

// describeRecipients(keys) → Promise<{ type, tag }[]>: the stanza type each recipient key gets
// and, for ssh-rsa / ssh-ed25519, the key tag its stanzas carry (null for X25519, whose stanzas
// name no recipient). Used to find the stanzas a rotation removes.
Napi::Value DescribeRecipients(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  KeyInputs rs = key_inputs(info[0], "keys");
  using Result = std::vector<age::KeyDescription>;
  return PromiseWorker<Result>::run(
      env,
      [rs]() {
        Result out;
        for (const age::AgeKey& k : resolve(rs, false)) out.push_back(age::describe(k));
        return out;
      },
      [](Napi::Env env, Result& list) -> Napi::Value {
        Napi::Array arr = Napi::Array::New(env, list.size());
        for (size_t i = 0; i < list.size(); ++i) {
          Napi::Object o = Napi::Object::New(env);
          o.Set("type", list[i].type);
          o.Set("tag", list[i].tag.empty() ? env.Null() : Napi::String::New(env, list[i].tag));
          arr.Set(static_cast<uint32_t>(i), o);
        }
        return arr;
      });
}

Napi::Value Armor(const Napi::CallbackInfo& info) {
  Napi::Buffer<uint8_t> bytes = buffer_arg(info[0], "binary");
  return guard(info.Env(), [&]() {
    return Napi::String::New(info.Env(), age::armor(ByteView(bytes.Data(), bytes.Length())));
  });
}

Napi::Value Dearmor(const Napi::CallbackInfo& info) {
  Napi::Buffer<uint8_t> bytes = buffer_arg(info[0], "armored");
  return guard(info.Env(), [&]() -> Napi::Value {
    std::vector<uint8_t> out = age::dearmor(ByteView(bytes.Data(), bytes.Length()));
    return to_buffer(info.Env(), out.data(), out.size());
  });
}

engine::Control control_for(const std::atomic<bool>& cancelled, const ProgressFn& progress) {
  engine::Control control;
  control.cancelled = &cancelled;
  control.progress = progress;
  return control;
}

// dearmorFile({ source, output: string | null, headSize, headOnly? }, onProgress | null) →
// { promise, abort() } resolving to { armoredBytes, binaryBytes, head, complete }: the strict
// de-armoring of a whole file in one pass, writing the binary to `output` (a new 0600 file,
// removed on failure) when given; or, headOnly, of its start.
Napi::Value DearmorFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw_type_error(env, "options must be an object");
  Napi::Object o = info[0].As<Napi::Object>();
  std::string source = string_arg(o.Get("source"), "source");
  std::string output = o.Get("output").IsNull() ? std::string() : string_arg(o.Get("output"), "output");
  if (o.Get("output").IsString() && output.empty()) throw_type_error(env, "output must not be empty");
  size_t head_size = static_cast<size_t>(u64_arg(o.Get("headSize"), "headSize"));
  bool head_only = !o.Get("headOnly").IsUndefined() && bool_arg(o.Get("headOnly"), "headOnly");
  return ProgressJob<age::DearmorFileResult>::start(
      env, "filesec-dearmor-file", info[1],
      [source, output, head_size, head_only](const std::atomic<bool>& cancelled, const ProgressFn& progress) {
        return age::dearmor_file(source, output, head_size, head_only, control_for(cancelled, progress));
      },
      [](Napi::Env env, age::DearmorFileResult& r) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("armoredBytes", Napi::Number::New(env, static_cast<double>(r.armored_bytes)));
        out.Set("binaryBytes", Napi::Number::New(env, static_cast<double>(r.binary_bytes)));
        out.Set("head", to_buffer(env, r.head.data(), r.head.size()));
        out.Set("complete", r.complete);
        return out;
      });
}

// armorFile({ source, output, tempPath, overwrite, durable }, onProgress | null) → { promise,
// abort() } resolving to { fileBytes }: armors a binary file into `output` (temp file + rename).
Napi::Value ArmorFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw_type_error(env, "options must be an object");
  Napi::Object o = info[0].As<Napi::Object>();
  std::string source = string_arg(o.Get("source"), "source");
  engine::Output output;
  output.path = string_arg(o.Get("output"), "output");
  output.temp_path = string_arg(o.Get("tempPath"), "tempPath");
  output.overwrite = bool_arg(o.Get("overwrite"), "overwrite");
  output.durable = bool_arg(o.Get("durable"), "durable");
  return ProgressJob<uint64_t>::start(
      env, "filesec-armor-file", info[1],
      [source, output](const std::atomic<bool>& cancelled, const ProgressFn& progress) {
        return age::armor_file(source, output, control_for(cancelled, progress));
      },
      [](Napi::Env env, uint64_t& bytes) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("fileBytes", Napi::Number::New(env, static_cast<double>(bytes)));
        return out;
      });
}

// Test-only: the file key bytes, so tests can compare with the CCTV `file key:` values and build
// a STREAM payload with node:crypto. Nothing in lib/ may call it.
Napi::Value TestOnlyFileKeyBytes(const Napi::CallbackInfo& info) {
  auto secret = AgeFileKeyObject::From(info[0], "fileKey");
  return to_buffer(info.Env(), secret->key.data(), secret->key.size());
}

// payloadKey(fileKey) → PayloadKey: the STREAM payload key for this file key, made here so the
// file key never reaches JS (the codec hands the handle to encryptFile/decryptFile/verifyFile).
// No nonce is fixed: encryption draws a fresh random nonce, decryption reads it from the payload.
Napi::Value PayloadKey(const Napi::CallbackInfo& info) {
  auto secret = AgeFileKeyObject::From(info[0], "fileKey");
  auto payload = std::make_shared<PayloadSecret>(PayloadSecret::Scheme::kAgeStream,
                                                 SecureBuffer(secret->key.data(), secret->key.size()),
                                                 std::vector<uint8_t>());
  return PayloadKeyObject::New(info.Env(), payload);
}

}  // namespace

void init_age(Napi::Env env, Napi::Object exports) {
  Napi::Object age = Napi::Object::New(env);
  age.Set("parseHeader", Napi::Function::New(env, ParseHeader, "parseHeader"));
  age.Set("open", Napi::Function::New(env, Open, "open"));
  age.Set("seal", Napi::Function::New(env, Seal, "seal"));
  age.Set("rewrap", Napi::Function::New(env, Rewrap, "rewrap"));
  age.Set("checkHeader", Napi::Function::New(env, CheckHeader, "checkHeader"));
  age.Set("describeRecipients", Napi::Function::New(env, DescribeRecipients, "describeRecipients"));
  age.Set("armor", Napi::Function::New(env, Armor, "armor"));
  age.Set("dearmor", Napi::Function::New(env, Dearmor, "dearmor"));
  age.Set("armorFile", Napi::Function::New(env, ArmorFile, "armorFile"));
  age.Set("dearmorFile", Napi::Function::New(env, DearmorFile, "dearmorFile"));
  age.Set("payloadKey", Napi::Function::New(env, PayloadKey, "payloadKey"));
  age.Set("testOnlyFileKeyBytes", Napi::Function::New(env, TestOnlyFileKeyBytes, "testOnlyFileKeyBytes"));
  addon_data(env).age_file_key_constructor = Napi::Persistent(AgeFileKeyObject::Define(env));
  exports.Set("age", age);
}

}  // namespace filesec::napi

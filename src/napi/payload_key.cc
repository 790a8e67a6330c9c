#include "payload_key.h"

#include "age_stream.h"
#include "cobblestone.h"
#include "glue.h"
#include "payload_reader.h"

namespace filesec::napi {

namespace {

const napi_type_tag kPayloadKeyTag = {0x2c5d8e1f4a7b3c90ULL, 0x1e2d3c4b5a697887ULL};
const napi_type_tag kReaderTag = {0x5f6e7d8c9bab0c1dULL, 0x3b4a59687786950fULL};

// new Sealer(payloadKey): update(buf) → Buffer, final() → Buffer.
class SealerObject : public Napi::ObjectWrap<SealerObject> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Sealer",
                       {InstanceMethod<&SealerObject::Update>("update"), InstanceMethod<&SealerObject::Final>("final")});
  }

  explicit SealerObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SealerObject>(info) {
    auto secret = PayloadKeyObject::From(info[0], "payloadKey");
    guard(info.Env(), [&]() { sealer_ = std::make_unique<StreamSealer>(secret->for_encryption()); });
  }

 private:
  Napi::Value Update(const Napi::CallbackInfo& info) {
    Napi::Buffer<uint8_t> in = buffer_arg(info[0], "data");
    return guard(info.Env(), [&]() {
      Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(info.Env(), sealer_->update_size(in.Length()));
      sealer_->update(ByteView(in.Data(), in.Length()), out.Data());
      return out;
    });
  }

  Napi::Value Final(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&]() {
      Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(info.Env(), sealer_->finish_size());
      sealer_->finish(out.Data());
      return out;
    });
  }

  std::unique_ptr<StreamSealer> sealer_;
};

// new Opener(payloadKey, expectedSize | null): update(buf) → Buffer of authenticated plaintext,
// final() → Buffer; throws (and keeps throwing) once the payload fails.
class OpenerObject : public Napi::ObjectWrap<OpenerObject> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Opener",
                       {InstanceMethod<&OpenerObject::Update>("update"), InstanceMethod<&OpenerObject::Final>("final")});
  }

  explicit OpenerObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<OpenerObject>(info) {
    auto secret = PayloadKeyObject::From(info[0], "payloadKey");
    std::optional<uint64_t> expected = optional_u64_arg(info[1], "expectedSize");
    opener_ = std::make_unique<StreamOpener>(secret->prefix_size(), secret->for_decryption(), expected);
  }

 private:
  Napi::Value Update(const Napi::CallbackInfo& info) {
    Napi::Buffer<uint8_t> in = buffer_arg(info[0], "data");
    return guard(info.Env(), [&]() {
      size_t head = std::min(opener_->prefix_missing(), in.Length());
      if (head > 0) opener_->update(ByteView(in.Data(), head), nullptr);
      ByteView rest(in.Data() + head, in.Length() - head);
      Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(info.Env(), opener_->update_size(rest.size));
      size_t n = opener_->update(rest, out.Data());
      if (n != out.Length()) fail(code::kInternal, "stream opener released an unexpected length");
      return out;
    });
  }

  Napi::Value Final(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&]() {
      std::vector<uint8_t> scratch(opener_->finish_size());
      size_t n = opener_->finish(scratch.data());
      return to_buffer(info.Env(), scratch.data(), n);
    });
  }

  std::unique_ptr<StreamOpener> opener_;
};

// Random access: openReader(payloadKey, path, payloadOffset, expectedSize | null) → Promise<Reader>;
// reader.size; reader.read(position, length) → Promise<Buffer>; reader.close(). The file stays
// open until close() and every read in flight have finished.
class ReaderObject : public Napi::ObjectWrap<ReaderObject> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Reader",
                       {InstanceAccessor<&ReaderObject::Size>("size"), InstanceMethod<&ReaderObject::Read>("read"),
                        InstanceMethod<&ReaderObject::Close>("close")});
  }

  static Napi::Object New(Napi::Env env, std::shared_ptr<PayloadReader> reader) {
    auto* holder = new std::shared_ptr<PayloadReader>(std::move(reader));
    auto ext = Napi::External<std::shared_ptr<PayloadReader>>::New(
        env, holder, [](Napi::Env, std::shared_ptr<PayloadReader>* p) { delete p; });
    Napi::Object obj = addon_data(env).reader_constructor.New({ext});
    obj.TypeTag(&kReaderTag);
    return obj;
  }

  explicit ReaderObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ReaderObject>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) throw_type_error(info.Env(), "Readers are made by openReader()");
    // Taken, not copied: the External lives until the garbage collector runs, and a copy left
    // there would keep the secret (or the open file) alive after destroy() / close().
    reader_ = std::move(*info[0].As<Napi::External<std::shared_ptr<PayloadReader>>>().Data());
  }

 private:
  Napi::Value Close(const Napi::CallbackInfo& info) {
    reader_.reset();
    return info.Env().Undefined();
  }

  std::shared_ptr<PayloadReader> reader() const {
    if (!reader_) throw_type_error(Env(), "the reader is closed");
    return reader_;
  }

  Napi::Value Size(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(reader()->plaintext_size()));
  }

  Napi::Value Read(const Napi::CallbackInfo& info) {
    uint64_t position = u64_arg(info[0], "position");
    uint64_t length = u64_arg(info[1], "length");
    if (length > (1u << 30)) throw_type_error(info.Env(), "length must be at most 1 GiB per read");
    std::shared_ptr<PayloadReader> reader = this->reader();
    using Bytes = std::vector<uint8_t>;
    return PromiseWorker<Bytes>::run(
        info.Env(),
        [reader, position, length]() {
          uint64_t available = position < reader->plaintext_size() ? reader->plaintext_size() - position : 0;
          Bytes out(static_cast<size_t>(std::min<uint64_t>(length, available)));
          out.resize(reader->read(position, out.size(), out.data()));
          return out;
        },
        [](Napi::Env env, Bytes& out) -> Napi::Value { return to_buffer(env, out.data(), out.size()); });
  }

  std::shared_ptr<PayloadReader> reader_;
};

Napi::Value OpenReader(const Napi::CallbackInfo& info) {
  auto secret = PayloadKeyObject::From(info[0], "payloadKey");
  std::string path = string_arg(info[1], "path");
  uint64_t offset = u64_arg(info[2], "payloadOffset");
  std::optional<uint64_t> expected = optional_u64_arg(info[3], "expectedSize");
  return PromiseWorker<std::shared_ptr<PayloadReader>>::run(
      info.Env(),
      [secret, path, offset, expected]() {
        return std::shared_ptr<PayloadReader>(
            PayloadReader::open(path, offset, secret->prefix_size(), secret->for_decryption(), expected));
      },
      [](Napi::Env env, std::shared_ptr<PayloadReader>& r) -> Napi::Value { return ReaderObject::New(env, r); });
}

}  // namespace

std::unique_ptr<PayloadScheme> PayloadSecret::for_encryption() const {
  switch (scheme_) {
    case Scheme::kCobblestone256:
      return cobblestone::Scheme::for_encryption(input_key_, ByteView::of(context_));
    case Scheme::kAgeStream:
      if (context_.empty()) return age_stream::Scheme::for_encryption(input_key_);
      return age_stream::Scheme::with_nonce(input_key_, ByteView::of(context_));
  }
  fail(code::kInternal, "unknown payload scheme");
}

SchemeFactory PayloadSecret::for_decryption() const {
  // The factory may outlive this call (worker threads); it copies what it needs.
  auto key = std::make_shared<SecureBuffer>(input_key_.data(), input_key_.size());
  switch (scheme_) {
    case Scheme::kCobblestone256: {
      std::vector<uint8_t> context = context_;
      return [key, context](ByteView prefix) -> std::unique_ptr<PayloadScheme> {
        return cobblestone::Scheme::for_decryption(*key, ByteView::of(context), prefix);
      };
    }
    case Scheme::kAgeStream:
      // No commitment to check: the prefix is the payload nonce, and a wrong key shows up as
      // chunks that do not authenticate.
      return [key](ByteView prefix) -> std::unique_ptr<PayloadScheme> {
        return age_stream::Scheme::with_nonce(*key, prefix);
      };
  }
  fail(code::kInternal, "unknown payload scheme");
}

size_t PayloadSecret::prefix_size() const {
  return scheme_ == Scheme::kAgeStream ? age_stream::kNonceSize : cobblestone::kPrefixSize;
}

Napi::Function PayloadKeyObject::Define(Napi::Env env) {
  return DefineClass(env, "PayloadKey", {InstanceMethod<&PayloadKeyObject::Destroy>("destroy")});
}

Napi::Object PayloadKeyObject::New(Napi::Env env, std::shared_ptr<const PayloadSecret> secret) {
  auto* holder = new std::shared_ptr<const PayloadSecret>(std::move(secret));
  auto ext = Napi::External<std::shared_ptr<const PayloadSecret>>::New(
      env, holder, [](Napi::Env, std::shared_ptr<const PayloadSecret>* p) { delete p; });
  Napi::Object obj = addon_data(env).payload_key_constructor.New({ext});
  obj.TypeTag(&kPayloadKeyTag);
  return obj;
}

PayloadKeyObject::PayloadKeyObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PayloadKeyObject>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw_type_error(info.Env(), "PayloadKey objects are made by a codec's header functions");
  }
  // Taken, not copied: the External lives until the garbage collector runs, and a copy left
  // there would keep the secret (or the open file) alive after destroy() / close().
  secret_ = std::move(*info[0].As<Napi::External<std::shared_ptr<const PayloadSecret>>>().Data());
}

std::shared_ptr<const PayloadSecret> PayloadKeyObject::From(const Napi::Value& value, const char* name) {
  if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&kPayloadKeyTag)) {
    throw_type_error(value.Env(), std::string(name) + " must be a native PayloadKey");
  }
  auto secret = Unwrap(value.As<Napi::Object>())->secret_;
  if (!secret) throw_type_error(value.Env(), std::string(name) + " was destroyed");
  return secret;
}

Napi::Value PayloadKeyObject::Destroy(const Napi::CallbackInfo& info) {
  secret_.reset();
  return info.Env().Undefined();
}

void init_payload(Napi::Env env, Napi::Object exports) {
  Napi::Function payload_ctor = PayloadKeyObject::Define(env);
  addon_data(env).payload_key_constructor = Napi::Persistent(payload_ctor);
  Napi::Function reader_ctor = ReaderObject::Define(env);
  addon_data(env).reader_constructor = Napi::Persistent(reader_ctor);
  exports.Set("PayloadKey", payload_ctor);
  exports.Set("Reader", reader_ctor);
  exports.Set("Sealer", SealerObject::Define(env));
  exports.Set("Opener", OpenerObject::Define(env));
  exports.Set("openReader", Napi::Function::New(env, OpenReader, "openReader"));
}

}  // namespace filesec::napi

// Node-API entry points of the .fsec v1 codec's header: size probe, public parse (no key), seal
// (new file), open (decrypt), and openFileKey + reseal (header-only rotation). The file key never
// leaves native memory: seal and open hand JS a PayloadKey for the payload, openFileKey an opaque
// FileKey that only reseal accepts.
#include <string>

#include "file_key.h"
#include "fsec_header.h"
#include "glue.h"
#include "key_object.h"
#include "payload_key.h"

namespace filesec::napi {

namespace {

std::string hex(const uint8_t* p, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 15];
  }
  return out;
}

std::shared_ptr<const PayloadSecret> payload_secret(ByteView file_key, ByteView header_bytes) {
  ByteView context = fsec::payload_context(header_bytes);
  return std::make_shared<PayloadSecret>(PayloadSecret::Scheme::kCobblestone256, fsec::payload_key(file_key),
                                         std::vector<uint8_t>(context.data, context.data + context.size));
}

Napi::Value HeaderSize(const Napi::CallbackInfo& info) {
  Napi::Buffer<uint8_t> first = buffer_arg(info[0], "bytes");
  return guard(info.Env(), [&]() {
    return Napi::Number::New(info.Env(), fsec::header_size(ByteView(first.Data(), first.Length())));
  });
}

Napi::Value Parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Buffer<uint8_t> bytes = buffer_arg(info[0], "bytes");
  return guard(env, [&]() {
    fsec::Header h = fsec::parse(ByteView(bytes.Data(), bytes.Length()));
    Napi::Object out = Napi::Object::New(env);
    out.Set("version", h.version);
    out.Set("suite", h.suite);
    out.Set("fileId", hex(h.file_id, sizeof h.file_id));
    out.Set("headerSize", h.size);
    out.Set("metadataSize", h.sealed_metadata.size());
    Napi::Array stanzas = Napi::Array::New(env, h.stanzas.size());
    for (size_t i = 0; i < h.stanzas.size(); ++i) {
      const fsec::Stanza& s = h.stanzas[i];
      Napi::Object o = Napi::Object::New(env);
      const char* type = s.type == fsec::kStanzaRsaOaep  ? "rsa-oaep-sha256"
                         : s.type == fsec::kStanzaX25519 ? "x25519"
                         : s.type == fsec::kStanzaScrypt   ? "scrypt"
                         : s.type == fsec::kStanzaReserved ? "reserved"
                                                           : "unknown";
      o.Set("type", type);
      o.Set("typeId", s.type);
      o.Set("bodySize", s.body.size());
      if (s.has_fingerprint) o.Set("fingerprint", hex(s.fingerprint.data(), s.fingerprint.size()));
      if (s.type == fsec::kStanzaScrypt) o.Set("workFactor", s.scrypt_log_n);
      if (s.type == fsec::kStanzaRsaOaep) o.Set("rsaBits", (s.body.size() - 32) * 8);
      stanzas.Set(static_cast<uint32_t>(i), o);
    }
    out.Set("stanzas", stanzas);
    return out;
  });
}

struct Sealed {
  std::vector<uint8_t> header;
  std::shared_ptr<const PayloadSecret> secret;
};

// seal(recipients, passphrase | null, workFactor, metadata) → Promise<{ header, payloadKey }>
Napi::Value Seal(const Napi::CallbackInfo& info) {
  auto recipients = KeyObject::ArrayFrom(info[0], "recipients");
  auto passphrase = std::make_shared<std::optional<SecureBuffer>>(optional_secret_arg(info[1], "passphrase"));
  unsigned work_factor = static_cast<unsigned>(u64_arg(info[2], "workFactor"));
  auto metadata = std::make_shared<SecureBuffer>(copy_secret(buffer_arg(info[3], "metadata")));
  return PromiseWorker<Sealed>::run(
      info.Env(),
      [recipients, passphrase, work_factor, metadata]() {
        fsec::PassphraseRecipient p;
        if (*passphrase) {
          p.passphrase = **passphrase;
          p.log_n = work_factor;
        }
        fsec::SealResult r = fsec::seal(recipients, *passphrase ? &p : nullptr, *metadata);
        Sealed out;
        out.secret = payload_secret(r.file_key, ByteView::of(r.header));
        out.header = std::move(r.header);
        return out;
      },
      [](Napi::Env env, Sealed& s) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("header", to_buffer(env, s.header.data(), s.header.size()));
        out.Set("payloadKey", PayloadKeyObject::New(env, s.secret));
        return out;
      });
}

// The identities (private keys) or passphrase given to open a header, checked on the JS thread.
struct OpenArguments {
  std::shared_ptr<std::vector<uint8_t>> header;
  std::vector<std::shared_ptr<keys::Key>> identities;
  std::shared_ptr<std::optional<SecureBuffer>> passphrase;
  unsigned max_work_factor = 0;
};

OpenArguments open_arguments(const Napi::CallbackInfo& info) {
  OpenArguments a;
  a.header = std::make_shared<std::vector<uint8_t>>(copy_bytes(buffer_arg(info[0], "headerBytes")));
  a.identities = KeyObject::ArrayFrom(info[1], "identities");
  a.passphrase = std::make_shared<std::optional<SecureBuffer>>(optional_secret_arg(info[2], "passphrase"));
  a.max_work_factor = static_cast<unsigned>(u64_arg(info[3], "maxWorkFactor"));
  for (const auto& id : a.identities) {
    if (!id->is_private()) {
      Napi::Error e = Napi::Error::New(info.Env(), "an identity must be a private key; a public key was given");
      e.Set("code", Napi::String::New(info.Env(), code::kWrongKey));
      throw e;
    }
  }
  return a;
}

// Runs on a worker thread: parse, unwrap, verify, open the metadata.
fsec::OpenResult open_header(const OpenArguments& a, fsec::Header* parsed) {
  ByteView view = ByteView::of(*a.header);
  *parsed = fsec::parse(view);
  ByteView pass;
  if (*a.passphrase) pass = **a.passphrase;
  return fsec::open(*parsed, view, a.identities, *a.passphrase ? &pass : nullptr, a.max_work_factor);
}

struct Opened {
  SecureBuffer metadata;
  size_t stanza_index = 0;
  std::shared_ptr<const PayloadSecret> secret;
  std::shared_ptr<const FileKeySecret> file_key;
};

// Open and OpenFileKey differ only in whether the file key itself leaves the worker (as an
// opaque handle, for reseal); open() hands out the payload key alone.
Napi::Value open_job(const Napi::CallbackInfo& info, bool with_file_key) {
  OpenArguments args = open_arguments(info);
  return PromiseWorker<Opened>::run(
      info.Env(),
      [args, with_file_key]() {
        fsec::Header h;
        fsec::OpenResult r = open_header(args, &h);
        Opened out;
        out.secret = payload_secret(r.file_key, ByteView::of(*args.header));
        if (with_file_key) out.file_key = std::make_shared<const FileKeySecret>(std::move(r.file_key), h.file_id);
        out.metadata = std::move(r.metadata);
        out.stanza_index = r.stanza_index;
        return out;
      },
      [](Napi::Env env, Opened& o) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        if (o.file_key) out.Set("fileKey", FileKeyObject::New(env, o.file_key));
        out.Set("payloadKey", PayloadKeyObject::New(env, o.secret));
        out.Set("metadata", to_buffer(env, o.metadata.data(), o.metadata.size()));
        out.Set("stanzaIndex", o.stanza_index);
        return out;
      });
}

// open(headerBytes, identities, passphrase | null, maxWorkFactor)
//   → Promise<{ payloadKey, metadata, stanzaIndex }>
Napi::Value Open(const Napi::CallbackInfo& info) { return open_job(info, false); }

// openFileKey(headerBytes, identities, passphrase | null, maxWorkFactor)
//   → Promise<{ fileKey, payloadKey, metadata, stanzaIndex }>
Napi::Value OpenFileKey(const Napi::CallbackInfo& info) { return open_job(info, true); }

// reseal(oldHeaderBytes, fileKey, { keep, recipients, passphrase, workFactor, metadata, targetSize })
//   → Promise<Buffer>: a new header around the same file key and file id.
Napi::Value Reseal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto old_header = std::make_shared<std::vector<uint8_t>>(copy_bytes(buffer_arg(info[0], "oldHeaderBytes")));
  auto file_key = FileKeyObject::From(info[1], "fileKey");
  if (!info[2].IsObject()) throw_type_error(env, "options must be an object");
  Napi::Object o = info[2].As<Napi::Object>();
  std::vector<size_t> keep = index_list_arg(o.Get("keep"), "keep");
  auto recipients = KeyObject::ArrayFrom(o.Get("recipients"), "recipients");
  auto passphrase = std::make_shared<std::optional<SecureBuffer>>(optional_secret_arg(o.Get("passphrase"), "passphrase"));
  unsigned work_factor = static_cast<unsigned>(u64_arg(o.Get("workFactor"), "workFactor"));
  auto metadata = std::make_shared<SecureBuffer>(copy_secret(buffer_arg(o.Get("metadata"), "metadata")));
  uint64_t target_size = u64_arg(o.Get("targetSize"), "targetSize");
  if (target_size > fsec::kMaxHeaderSize) throw_type_error(env, "targetSize is above the 1 MiB header limit");
  using Bytes = std::vector<uint8_t>;
  return PromiseWorker<Bytes>::run(
      env,
      [old_header, file_key, keep, recipients, passphrase, work_factor, metadata, target_size]() {
        fsec::Header parsed = fsec::parse(ByteView::of(*old_header));
        fsec::PassphraseRecipient p;
        fsec::ResealRequest request;
        request.keep = keep;
        request.recipients = recipients;
        if (*passphrase) {
          p.passphrase = **passphrase;
          p.log_n = work_factor;
          request.passphrase = &p;
        }
        request.metadata = *metadata;
        request.target_size = static_cast<uint32_t>(target_size);
        return fsec::reseal(parsed, ByteView::of(*old_header), file_key->key, request);
      },
      [](Napi::Env env, Bytes& header) -> Napi::Value { return to_buffer(env, header.data(), header.size()); });
}

}  // namespace

void init_fsec(Napi::Env env, Napi::Object exports) {
  Napi::Object fsec = Napi::Object::New(env);
  fsec.Set("headerSize", Napi::Function::New(env, HeaderSize, "headerSize"));
  fsec.Set("parse", Napi::Function::New(env, Parse, "parse"));
  fsec.Set("seal", Napi::Function::New(env, Seal, "seal"));
  fsec.Set("open", Napi::Function::New(env, Open, "open"));
  fsec.Set("openFileKey", Napi::Function::New(env, OpenFileKey, "openFileKey"));
  fsec.Set("reseal", Napi::Function::New(env, Reseal, "reseal"));
  addon_data(env).file_key_constructor = Napi::Persistent(FileKeyObject::Define(env));
  exports.Set("fsec", fsec);
}

}  // namespace filesec::napi

// Node-API entry points of the .fsec v1 codec's header: size probe, public parse (no key), seal
// (new file) and open (decrypt). The file key never leaves native memory: seal and open hand JS a
// PayloadKey for the payload and nothing else.
#include <string>

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
                         : s.type == fsec::kStanzaScrypt ? "scrypt"
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

struct Opened {
  SecureBuffer metadata;
  size_t stanza_index = 0;
  std::shared_ptr<const PayloadSecret> secret;
};

// open(headerBytes, identities, passphrase | null, maxWorkFactor)
//   → Promise<{ payloadKey, metadata, stanzaIndex }>
Napi::Value Open(const Napi::CallbackInfo& info) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(copy_bytes(buffer_arg(info[0], "headerBytes")));
  auto identities = KeyObject::ArrayFrom(info[1], "identities");
  auto passphrase = std::make_shared<std::optional<SecureBuffer>>(optional_secret_arg(info[2], "passphrase"));
  unsigned max_work_factor = static_cast<unsigned>(u64_arg(info[3], "maxWorkFactor"));
  for (const auto& id : identities) {
    if (!id->is_private()) {
      Napi::Error e = Napi::Error::New(info.Env(), "an identity must be a private key; a public key was given");
      e.Set("code", Napi::String::New(info.Env(), code::kWrongKey));
      throw e;
    }
  }
  return PromiseWorker<Opened>::run(
      info.Env(),
      [bytes, identities, passphrase, max_work_factor]() {
        ByteView view = ByteView::of(*bytes);
        fsec::Header h = fsec::parse(view);
        ByteView pass;
        if (*passphrase) pass = **passphrase;
        fsec::OpenResult r = fsec::open(h, view, identities, *passphrase ? &pass : nullptr, max_work_factor);
        Opened out;
        out.secret = payload_secret(r.file_key, view);
        out.metadata = std::move(r.metadata);
        out.stanza_index = r.stanza_index;
        return out;
      },
      [](Napi::Env env, Opened& o) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("payloadKey", PayloadKeyObject::New(env, o.secret));
        out.Set("metadata", to_buffer(env, o.metadata.data(), o.metadata.size()));
        out.Set("stanzaIndex", o.stanza_index);
        return out;
      });
}

}  // namespace

void init_fsec(Napi::Env env, Napi::Object exports) {
  Napi::Object fsec = Napi::Object::New(env);
  fsec.Set("headerSize", Napi::Function::New(env, HeaderSize, "headerSize"));
  fsec.Set("parse", Napi::Function::New(env, Parse, "parse"));
  fsec.Set("seal", Napi::Function::New(env, Seal, "seal"));
  fsec.Set("open", Napi::Function::New(env, Open, "open"));
  exports.Set("fsec", fsec);
}

}  // namespace filesec::napi

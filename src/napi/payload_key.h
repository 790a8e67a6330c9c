// JS handle for the secret that encrypts one file's payload (the codec-specific input key and
// context). Created by a codec's header functions; consumed by the file jobs, the stream
// transforms and the random-access reader. Never readable from JS.
#pragma once

#include <napi.h>

#include <memory>
#include <vector>

#include "payload_stream.h"
#include "secure_buffer.h"

namespace filesec::napi {

// The payload secret, shareable with worker threads.
//
// kCobblestone256 (.fsec): input key = the 32-byte Cobblestone input key, context = its context.
// kAgeStream (age v1): input key = the 16-byte file key; context = empty (encryption draws a
// random payload nonce), or a fixed 16-byte nonce for encryption, for tests that need a
// byte-exact payload. Decryption always takes the nonce from the payload.
class PayloadSecret {
 public:
  enum class Scheme { kCobblestone256, kAgeStream };
  PayloadSecret(Scheme scheme, SecureBuffer input_key, std::vector<uint8_t> context)
      : scheme_(scheme), input_key_(std::move(input_key)), context_(std::move(context)) {}

  std::unique_ptr<PayloadScheme> for_encryption() const;
  SchemeFactory for_decryption() const;
  size_t prefix_size() const;

 private:
  Scheme scheme_;
  SecureBuffer input_key_;
  std::vector<uint8_t> context_;
};

class PayloadKeyObject : public Napi::ObjectWrap<PayloadKeyObject> {
 public:
  static Napi::Function Define(Napi::Env env);
  static Napi::Object New(Napi::Env env, std::shared_ptr<const PayloadSecret> secret);
  static std::shared_ptr<const PayloadSecret> From(const Napi::Value& value, const char* name);

  explicit PayloadKeyObject(const Napi::CallbackInfo& info);

 private:
  // Drops this handle's reference to the secret now instead of at garbage collection.
  Napi::Value Destroy(const Napi::CallbackInfo& info);
  std::shared_ptr<const PayloadSecret> secret_;
};

}  // namespace filesec::napi

// JS handle for an asymmetric key. The key material stays in native memory; JS sees only its
// kind, size, fingerprint and public text.
#pragma once

#include <napi.h>

#include <memory>
#include <vector>

#include "keys.h"

namespace filesec::napi {

class KeyObject : public Napi::ObjectWrap<KeyObject> {
 public:
  static Napi::Function Define(Napi::Env env);
  static Napi::Object New(Napi::Env env, std::shared_ptr<keys::Key> key);
  // Checks the type tag, so a look-alike JS object cannot be passed off as a key.
  static std::shared_ptr<keys::Key> From(const Napi::Value& value, const char* name);
  static std::vector<std::shared_ptr<keys::Key>> ArrayFrom(const Napi::Value& value, const char* name);

  explicit KeyObject(const Napi::CallbackInfo& info);

 private:
  Napi::Value Kind(const Napi::CallbackInfo& info);
  Napi::Value IsPrivate(const Napi::CallbackInfo& info);
  Napi::Value Bits(const Napi::CallbackInfo& info);
  Napi::Value Fingerprint(const Napi::CallbackInfo& info);
  Napi::Value KeyId(const Napi::CallbackInfo& info);
  Napi::Value PublicText(const Napi::CallbackInfo& info);
  Napi::Value Spki(const Napi::CallbackInfo& info);

  std::shared_ptr<keys::Key> key_;
};

}  // namespace filesec::napi

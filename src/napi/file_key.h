// JS handle for a file key: the 256-bit key that every recipient stanza of one .fsec file
// wraps. A header-only rotation needs it to wrap the same key for new recipients and to re-seal
// the header; it never leaves native memory and is wiped when the handle is destroyed or
// collected. Only the header it was unwrapped from (same file id) can use it.
#pragma once

#include <napi.h>

#include <memory>

#include "fsec_header.h"
#include "secure_buffer.h"

namespace filesec::napi {

struct FileKeySecret {
  FileKeySecret(SecureBuffer k, const uint8_t id[fsec::kFileIdSize]) : key(std::move(k)) {
    std::copy(id, id + fsec::kFileIdSize, file_id);
  }
  SecureBuffer key;
  uint8_t file_id[fsec::kFileIdSize];
};

class FileKeyObject : public Napi::ObjectWrap<FileKeyObject> {
 public:
  static Napi::Function Define(Napi::Env env);
  static Napi::Object New(Napi::Env env, std::shared_ptr<const FileKeySecret> secret);
  // Checks the type tag, so a look-alike JS object cannot be passed off as a file key.
  static std::shared_ptr<const FileKeySecret> From(const Napi::Value& value, const char* name);

  explicit FileKeyObject(const Napi::CallbackInfo& info);

 private:
  // Drops this handle's reference now instead of at garbage collection.
  Napi::Value Destroy(const Napi::CallbackInfo& info);
  std::shared_ptr<const FileKeySecret> secret_;
};

}  // namespace filesec::napi

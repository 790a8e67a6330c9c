#include "file_key.h"

#include "glue.h"

namespace filesec::napi {

namespace {

const napi_type_tag kFileKeyTag = {0x4e3d2c1b0a998877ULL, 0x66554433221100ffULL};

}  // namespace

Napi::Function FileKeyObject::Define(Napi::Env env) {
  return DefineClass(env, "FileKey", {InstanceMethod<&FileKeyObject::Destroy>("destroy")});
}

Napi::Object FileKeyObject::New(Napi::Env env, std::shared_ptr<const FileKeySecret> secret) {
  auto* holder = new std::shared_ptr<const FileKeySecret>(std::move(secret));
  auto ext = Napi::External<std::shared_ptr<const FileKeySecret>>::New(
      env, holder, [](Napi::Env, std::shared_ptr<const FileKeySecret>* p) { delete p; });
  Napi::Object obj = addon_data(env).file_key_constructor.New({ext});
  obj.TypeTag(&kFileKeyTag);
  return obj;
}

FileKeyObject::FileKeyObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FileKeyObject>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) throw_type_error(info.Env(), "FileKey objects are made by fsec.openFileKey()");
  // Taken, not copied: the External lives until the garbage collector runs, and a copy left
  // there would keep the secret (or the open file) alive after destroy() / close().
  secret_ = std::move(*info[0].As<Napi::External<std::shared_ptr<const FileKeySecret>>>().Data());
}

std::shared_ptr<const FileKeySecret> FileKeyObject::From(const Napi::Value& value, const char* name) {
  if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&kFileKeyTag)) {
    throw_type_error(value.Env(), std::string(name) + " must be a native FileKey");
  }
  auto secret = Unwrap(value.As<Napi::Object>())->secret_;
  if (!secret) throw_type_error(value.Env(), std::string(name) + " was destroyed");
  return secret;
}

Napi::Value FileKeyObject::Destroy(const Napi::CallbackInfo& info) {
  secret_.reset();
  return info.Env().Undefined();
}

}  // namespace filesec::napi

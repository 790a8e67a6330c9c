#include "glue.h"

#include <cstring>

namespace filesec::napi {

AddonData& addon_data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

Napi::Error to_js_error(Napi::Env env, const Error& error) {
  Napi::Error e = Napi::Error::New(env, error.message());
  e.Set("code", Napi::String::New(env, error.code()));
  if (error.sys_errno() != 0) {
    e.Set("errno", Napi::Number::New(env, error.sys_errno()));
    e.Set("syscall", Napi::String::New(env, error.syscall()));
  }
  return e;
}

void throw_type_error(Napi::Env env, const std::string& message) {
  Napi::TypeError e = Napi::TypeError::New(env, message);
  e.Set("code", Napi::String::New(env, code::kInvalidArgument));
  throw e;
}

Napi::Buffer<uint8_t> buffer_arg(const Napi::Value& value, const char* name) {
  if (!value.IsBuffer()) throw_type_error(value.Env(), std::string(name) + " must be a Buffer");
  return value.As<Napi::Buffer<uint8_t>>();
}

std::string string_arg(const Napi::Value& value, const char* name) {
  if (!value.IsString()) throw_type_error(value.Env(), std::string(name) + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

uint64_t u64_arg(const Napi::Value& value, const char* name) {
  if (!value.IsNumber()) throw_type_error(value.Env(), std::string(name) + " must be a number");
  double d = value.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 9007199254740991.0 || d != static_cast<double>(static_cast<uint64_t>(d))) {
    throw_type_error(value.Env(), std::string(name) + " must be a non-negative integer");
  }
  return static_cast<uint64_t>(d);
}

std::vector<size_t> index_list_arg(const Napi::Value& value, const char* name) {
  if (!value.IsArray()) throw_type_error(value.Env(), std::string(name) + " must be an array of indices");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<size_t> out;
  const std::string item = std::string(name) + "[]";
  for (uint32_t i = 0; i < array.Length(); ++i) out.push_back(static_cast<size_t>(u64_arg(array.Get(i), item.c_str())));
  return out;
}

bool bool_arg(const Napi::Value& value, const char* name) {
  if (!value.IsBoolean()) throw_type_error(value.Env(), std::string(name) + " must be a boolean");
  return value.As<Napi::Boolean>().Value();
}

std::optional<SecureBuffer> optional_secret_arg(const Napi::Value& value, const char* name) {
  if (value.IsNull() || value.IsUndefined()) return std::nullopt;
  return copy_secret(buffer_arg(value, name));
}

std::optional<uint64_t> optional_u64_arg(const Napi::Value& value, const char* name) {
  if (value.IsNull() || value.IsUndefined()) return std::nullopt;
  return u64_arg(value, name);
}

SecureBuffer copy_secret(const Napi::Buffer<uint8_t>& buffer) { return SecureBuffer(buffer.Data(), buffer.Length()); }

std::vector<uint8_t> copy_bytes(const Napi::Buffer<uint8_t>& buffer) {
  return std::vector<uint8_t>(buffer.Data(), buffer.Data() + buffer.Length());
}

Napi::Buffer<uint8_t> to_buffer(Napi::Env env, const uint8_t* data, size_t size) {
  return Napi::Buffer<uint8_t>::Copy(env, data, size);
}

}  // namespace filesec::napi

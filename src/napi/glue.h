// Shared plumbing of the Node-API glue: argument conversion, turning core errors into JS errors
// with a stable `code`, per-environment state, and a promise-returning worker that runs a core
// function on the libuv thread pool.
//
// Nothing here knows about file formats; it only moves values between JS and the core.
#pragma once

#include <napi.h>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "error.h"
#include "secure_buffer.h"

namespace filesec::napi {

// Something running on threads of its own that must stop before its environment goes away.
class BackgroundWork {
 public:
  virtual ~BackgroundWork() = default;
  virtual void cancel_and_join() = 0;
};

// Per-environment state (one per main thread or worker thread that loads the addon).
struct AddonData {
  Napi::FunctionReference key_constructor;
  Napi::FunctionReference payload_key_constructor;
  Napi::FunctionReference reader_constructor;
  Napi::FunctionReference file_key_constructor;
  // Jobs (progress_job.h) still running; stopped and joined when the environment shuts down (worker
  // termination, process exit) so no thread calls into a dead environment.
  std::set<BackgroundWork*> running_jobs;
  Napi::FunctionReference age_file_key_constructor;
  // Intermediate files JS keeps between two jobs (a binary copy between de-armoring and
  // decrypting, …) and removes when done. If the environment ends first (a worker terminated in
  // between, when no JS `finally` runs), the shutdown hook removes them.
  std::set<std::string> intermediate_files;
};

AddonData& addon_data(Napi::Env env);

// Builds `Error` with `.code` (and `.errno` / `.syscall` for I/O errors) from a core error.
Napi::Error to_js_error(Napi::Env env, const Error& error);
// Runs `fn`, translating filesec::Error into a thrown JS error.
template <typename Fn>
auto guard(Napi::Env env, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Error& e) {
    throw to_js_error(env, e);
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(env, "out of memory");
  }
}

[[noreturn]] void throw_type_error(Napi::Env env, const std::string& message);

// Argument readers: each throws a TypeError naming the argument when the type is wrong.
Napi::Buffer<uint8_t> buffer_arg(const Napi::Value& value, const char* name);
std::string string_arg(const Napi::Value& value, const char* name);
uint64_t u64_arg(const Napi::Value& value, const char* name);
// An array of non-negative integers (indices).
std::vector<size_t> index_list_arg(const Napi::Value& value, const char* name);
bool bool_arg(const Napi::Value& value, const char* name);
// null/undefined → nullopt.
std::optional<SecureBuffer> optional_secret_arg(const Napi::Value& value, const char* name);
std::optional<uint64_t> optional_u64_arg(const Napi::Value& value, const char* name);

SecureBuffer copy_secret(const Napi::Buffer<uint8_t>& buffer);
std::vector<uint8_t> copy_bytes(const Napi::Buffer<uint8_t>& buffer);
Napi::Buffer<uint8_t> to_buffer(Napi::Env env, const uint8_t* data, size_t size);

// Resolves `deferred` with to_js(env, result). Building the JS value can itself fail (a JS
// exception, or a core error while converting), and the promise must settle either way.
template <typename T, typename ToJs>
void resolve_with(Napi::Env env, const Napi::Promise::Deferred& deferred, const ToJs& to_js, T& result) {
  try {
    deferred.Resolve(to_js(env, result));
  } catch (const Napi::Error& e) {
    deferred.Reject(e.Value());
  } catch (const Error& e) {
    deferred.Reject(to_js_error(env, e).Value());
  }
}

// A worker that runs `work` off the main thread and settles a promise with `to_js(result)`.
template <typename T>
class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<T()>;
  using ToJs = std::function<Napi::Value(Napi::Env, T&)>;

  static Napi::Promise run(Napi::Env env, Work work, ToJs to_js) {
    auto* w = new PromiseWorker(env, std::move(work), std::move(to_js));
    Napi::Promise promise = w->deferred_.Promise();
    w->Queue();
    return promise;
  }

 private:
  PromiseWorker(Napi::Env env, Work work, ToJs to_js)
      : Napi::AsyncWorker(env, "filesec"), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)),
        to_js_(std::move(to_js)) {}

  void Execute() override {
    try {
      result_.emplace(work_());
    } catch (const Error& e) {
      error_.emplace(e);
      SetError(e.message());
    } catch (const std::bad_alloc&) {
      error_.emplace(code::kInternal, "out of memory");
      SetError("out of memory");
    }
  }

  void OnOK() override { resolve_with(Env(), deferred_, to_js_, *result_); }

  void OnError(const Napi::Error&) override { deferred_.Reject(to_js_error(Env(), *error_).Value()); }

  Napi::Promise::Deferred deferred_;
  Work work_;
  ToJs to_js_;
  std::optional<T> result_;
  std::optional<Error> error_;
};

// Module parts: each registers its exports.
void init_keys(Napi::Env env, Napi::Object exports);
void init_payload(Napi::Env env, Napi::Object exports);
void init_fsec(Napi::Env env, Napi::Object exports);
void init_jobs(Napi::Env env, Napi::Object exports);
void init_primitives(Napi::Env env, Napi::Object exports);
void init_destroy(Napi::Env env, Napi::Object exports);
void init_rotation(Napi::Env env, Napi::Object exports);
void init_signing(Napi::Env env, Napi::Object exports);  // after init_primitives
void init_age(Napi::Env env, Napi::Object exports);
void init_pyfilesec(Napi::Env env, Napi::Object exports);  // after init_primitives
void init_leftovers(Napi::Env env, Napi::Object exports);

}  // namespace filesec::napi

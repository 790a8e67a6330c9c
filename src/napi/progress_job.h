// A native task on a thread of its own (not the libuv pool, so a long encryption, shred or hash
// never starves fs or crypto calls made by the application), with throttled progress delivered
// to JS through a thread-safe function, cancellation, and a promise settled on the JS thread. It
// registers with the environment's running jobs, so it is cancelled and joined if the
// environment shuts down first.
//
// Every native job (file_jobs.cc, destroy_job.cc, sign_glue.cc) is one of these, so JS sees the
// same handle for all of them: a plain object { promise (read-only), abort() }.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include "glue.h"

namespace filesec::napi {

using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

template <typename Result>
class ProgressJob final : public BackgroundWork {
 public:
  // Runs on the job's thread; may throw filesec::Error.
  using Work = std::function<Result(const std::atomic<bool>& cancelled, const ProgressFn& progress)>;
  // Runs on the JS thread with the result.
  using ToJs = std::function<Napi::Value(Napi::Env, Result&)>;

  // Starts `work` and returns the JS handle { promise, abort }. `name` labels the thread-safe
  // function for async_hooks and diagnostics. `on_progress` may be null or undefined.
  static Napi::Object start(Napi::Env env, const char* name, Napi::Value on_progress, Work work, ToJs to_js) {
    auto job = std::shared_ptr<ProgressJob>(new ProgressJob(env, name, on_progress, std::move(to_js)));
    Napi::Object handle = Napi::Object::New(env);
    // Stored now: the promise's napi_value is only valid in this handle scope.
    handle.DefineProperty(Napi::PropertyDescriptor::Value("promise", job->deferred_.Promise(), napi_enumerable));
    // Weak: once the job has settled, abort() has nothing left to stop.
    std::weak_ptr<ProgressJob> weak = job;
    handle.Set("abort", Napi::Function::New(
                            env,
                            [weak](const Napi::CallbackInfo& info) -> Napi::Value {
                              if (auto j = weak.lock()) j->cancelled_ = true;
                              return info.Env().Undefined();
                            },
                            "abort"));
    job->run(job, std::move(work));
    return handle;
  }

  void cancel_and_join() override {
    cancelled_ = true;
    if (thread_.joinable()) thread_.join();
    keep_alive_.reset();
  }

 private:
  struct Message {
    ProgressJob* done_job = nullptr;  // set on the final message only
    uint64_t done = 0;
    uint64_t total = 0;
  };

  ProgressJob(Napi::Env env, const char* name, Napi::Value on_progress, ToJs to_js)
      : env_(env), deferred_(Napi::Promise::Deferred::New(env)), to_js_(std::move(to_js)) {
    Napi::Function callback = on_progress.IsFunction()
                                  ? on_progress.As<Napi::Function>()
                                  : Napi::Function::New(env, [](const Napi::CallbackInfo&) {});
    tsfn_ = Napi::ThreadSafeFunction::New(env, callback, name, 0, 1);
  }

  void run(std::shared_ptr<ProgressJob> self, Work work) {
    addon_data(env_).running_jobs.insert(this);
    // Alive until the final message has been handled on the JS thread (or the environment ends).
    keep_alive_ = std::move(self);
    thread_ = std::thread([this, work = std::move(work)]() {
      ProgressFn progress = [this](uint64_t done, uint64_t total) { post(new Message{nullptr, done, total}); };
      try {
        result_.emplace(work(cancelled_, progress));
      } catch (const Error& e) {
        error_.emplace(e);
      } catch (const std::bad_alloc&) {
        error_.emplace(code::kInternal, "out of memory");
      } catch (const std::exception& e) {
        error_.emplace(code::kInternal, e.what());
      }
      // If the environment is closing the message is dropped; cancel_and_join() collects us.
      post(new Message{this, 0, 0});
      tsfn_.Release();
    });
  }

  void post(Message* message) {
    if (tsfn_.NonBlockingCall(message, &ProgressJob::deliver) != napi_ok) delete message;
  }

  static void deliver(Napi::Env env, Napi::Function callback, Message* raw) {
    std::unique_ptr<Message> message(raw);
    if (env == nullptr) return;
    if (message->done_job != nullptr) {
      message->done_job->finish(env);
      return;
    }
    callback.Call({Napi::Number::New(env, static_cast<double>(message->done)),
                   Napi::Number::New(env, static_cast<double>(message->total))});
  }

  void finish(Napi::Env env) {
    std::shared_ptr<ProgressJob> self = std::move(keep_alive_);
    thread_.join();
    addon_data(env).running_jobs.erase(this);
    Napi::HandleScope scope(env);
    if (error_) {
      deferred_.Reject(to_js_error(env, *error_).Value());
      return;
    }
    resolve_with(env, deferred_, to_js_, *result_);
  }

  Napi::Env env_;
  Napi::Promise::Deferred deferred_;
  ToJs to_js_;
  Napi::ThreadSafeFunction tsfn_;
  std::thread thread_;
  std::atomic<bool> cancelled_{false};
  std::optional<Result> result_;
  std::optional<Error> error_;
  std::shared_ptr<ProgressJob> keep_alive_;
};

}  // namespace filesec::napi

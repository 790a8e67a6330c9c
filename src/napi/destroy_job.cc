// The destroy job: runs the core shredder on a thread of its own (like the file jobs, it stays
// off the libuv pool), reports throttled progress through a thread-safe function, can be aborted,
// and settles a promise. A file that cannot be opened for overwriting rejects the promise (nothing
// was changed); once the overwrite has begun the promise resolves with the report, whose `error`
// says where the work stopped if it did not finish.
#include <thread>

#include "glue.h"
#include "shredder.h"

namespace filesec::napi {

namespace {

const char* pattern_name(shredder::Pattern p) {
  switch (p) {
    case shredder::Pattern::kRandom:
      return "random";
    case shredder::Pattern::kZeros:
      return "zeros";
    case shredder::Pattern::kOnes:
      return "ones";
  }
  return "random";
}

const char* step_name(shredder::Step s) {
  switch (s) {
    case shredder::Step::kNone:
      return "none";
    case shredder::Step::kOverwrite:
      return "overwrite";
    case shredder::Step::kSync:
      return "sync";
    case shredder::Step::kCheck:
      return "check";
    case shredder::Step::kTruncate:
      return "truncate";
    case shredder::Step::kRename:
      return "rename";
    case shredder::Step::kUnlink:
      return "unlink";
    case shredder::Step::kFolderSync:
      return "folder-sync";
  }
  return "none";
}

shredder::Pattern pattern_arg(const Napi::Value& value) {
  std::string s = value.IsString() ? value.As<Napi::String>().Utf8Value() : "";
  if (s == "random") return shredder::Pattern::kRandom;
  if (s == "zeros") return shredder::Pattern::kZeros;
  if (s == "ones") return shredder::Pattern::kOnes;
  throw_type_error(value.Env(), "each pass must be 'random', 'zeros' or 'ones'");
}

Napi::Value to_js(Napi::Env env, const shredder::Report& r) {
  auto number = [&](uint64_t v) { return Napi::Number::New(env, static_cast<double>(v)); };
  Napi::Object out = Napi::Object::New(env);
  out.Set("deviceMajor", number(r.device_major));
  out.Set("deviceMinor", number(r.device_minor));
  out.Set("inode", number(r.inode));
  out.Set("links", number(r.links));
  out.Set("size", number(r.size));
  out.Set("blockSize", number(r.block_size));
  Napi::Array passes = Napi::Array::New(env, r.passes.size());
  for (size_t i = 0; i < r.passes.size(); ++i) {
    Napi::Object p = Napi::Object::New(env);
    p.Set("pattern", Napi::String::New(env, pattern_name(r.passes[i].pattern)));
    p.Set("bytesWritten", number(r.passes[i].bytes_written));
    p.Set("synced", Napi::Boolean::New(env, r.passes[i].synced));
    passes.Set(static_cast<uint32_t>(i), p);
  }
  out.Set("passes", passes);
  out.Set("truncated", Napi::Boolean::New(env, r.truncated));
  Napi::Array renamed = Napi::Array::New(env, r.renamed_to.size());
  for (size_t i = 0; i < r.renamed_to.size(); ++i) renamed.Set(static_cast<uint32_t>(i), r.renamed_to[i]);
  out.Set("renamedTo", renamed);
  out.Set("unlinked", Napi::Boolean::New(env, r.unlinked));
  out.Set("folderSynced", Napi::Boolean::New(env, r.folder_synced));
  out.Set("seconds", Napi::Number::New(env, r.seconds));
  out.Set("error", r.error ? to_js_error(env, *r.error).Value() : env.Null());
  out.Set("failedStep", Napi::String::New(env, step_name(r.failed_step)));
  return out;
}

struct Message {
  bool final = false;
  uint64_t done = 0;
  uint64_t total = 0;
};

class DestroyJob final : public BackgroundWork {
  static void deliver(Napi::Env env, Napi::Function callback, DestroyJob* job, Message* raw);
  using Tsfn = Napi::TypedThreadSafeFunction<DestroyJob, Message, &DestroyJob::deliver>;

 public:
  DestroyJob(Napi::Env env, Napi::Value on_progress) : env_(env), deferred_(Napi::Promise::Deferred::New(env)) {
    Napi::Function callback = on_progress.IsFunction()
                                  ? on_progress.As<Napi::Function>()
                                  : Napi::Function::New(env, [](const Napi::CallbackInfo&) {});
    tsfn_ = Tsfn::New(env, callback, "filesec-destroy", 0, 1, this);
  }

  void start(std::shared_ptr<DestroyJob> self, shredder::Request request) {
    addon_data(env_).running_jobs.insert(this);
    // The job keeps itself alive until its final message has been handled on the JS thread.
    keep_alive_ = std::move(self);
    thread_ = std::thread([this, request = std::move(request)]() {
      shredder::Control control;
      control.cancelled = &cancelled_;
      control.progress = [this](uint64_t done, uint64_t total) {
        tsfn_.NonBlockingCall(new Message{false, done, total});
      };
      try {
        report_ = shredder::shred_file(request, control);
      } catch (const Error& e) {
        error_.emplace(e);
      } catch (const std::bad_alloc&) {
        error_.emplace(code::kInternal, "out of memory");
      } catch (const std::exception& e) {
        error_.emplace(code::kInternal, e.what());
      }
      // If the environment is closing the message is dropped; cancel_and_join() collects us.
      tsfn_.NonBlockingCall(new Message{true, 0, 0});
      tsfn_.Release();
    });
  }

  void cancel() { cancelled_ = true; }
  Napi::Promise promise() const { return deferred_.Promise(); }

  void cancel_and_join() override {
    cancelled_ = true;
    if (thread_.joinable()) thread_.join();
    keep_alive_.reset();
  }

 private:
  void finish(Napi::Env env) {
    std::shared_ptr<DestroyJob> self = std::move(keep_alive_);
    thread_.join();
    addon_data(env).running_jobs.erase(this);
    Napi::HandleScope scope(env);
    if (error_) {
      deferred_.Reject(to_js_error(env, *error_).Value());
    } else {
      deferred_.Resolve(to_js(env, *report_));
    }
  }

  Napi::Env env_;
  Napi::Promise::Deferred deferred_;
  Tsfn tsfn_;
  std::thread thread_;
  std::atomic<bool> cancelled_{false};
  std::optional<shredder::Report> report_;
  std::optional<Error> error_;
  std::shared_ptr<DestroyJob> keep_alive_;
};

void DestroyJob::deliver(Napi::Env env, Napi::Function callback, DestroyJob* job, Message* raw) {
  std::unique_ptr<Message> msg(raw);
  if (env == nullptr) return;
  if (msg->final) {
    job->finish(env);
    return;
  }
  callback.Call({Napi::Number::New(env, static_cast<double>(msg->done)),
                 Napi::Number::New(env, static_cast<double>(msg->total))});
}

// destroyFile({ path, passes, remove }, onProgress | null) → { promise, abort() }
Napi::Value DestroyFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw_type_error(env, "options must be an object");
  Napi::Object o = info[0].As<Napi::Object>();
  shredder::Request request;
  request.path = string_arg(o.Get("path"), "path");
  request.remove = bool_arg(o.Get("remove"), "remove");
  Napi::Value passes = o.Get("passes");
  if (!passes.IsArray()) throw_type_error(env, "passes must be an array");
  Napi::Array list = passes.As<Napi::Array>();
  if (list.Length() < 1 || list.Length() > 100) throw_type_error(env, "passes must hold 1 to 100 patterns");
  for (uint32_t i = 0; i < list.Length(); ++i) request.passes.push_back(pattern_arg(list.Get(i)));

  auto job = std::make_shared<DestroyJob>(env, info[1]);
  job->start(job, std::move(request));
  Napi::Object handle = Napi::Object::New(env);
  handle.DefineProperty(Napi::PropertyDescriptor::Value("promise", job->promise(), napi_enumerable));
  handle.Set("abort", Napi::Function::New(
                          env,
                          [job](const Napi::CallbackInfo& call) -> Napi::Value {
                            job->cancel();
                            return call.Env().Undefined();
                          },
                          "abort"));
  return handle;
}

}  // namespace

void init_destroy(Napi::Env env, Napi::Object exports) {
  exports.Set("destroyFile", Napi::Function::New(env, DestroyFile, "destroyFile"));
}

}  // namespace filesec::napi

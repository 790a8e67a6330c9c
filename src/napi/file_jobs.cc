// File-to-file encryption, decryption, rekey and verification jobs. Each job runs the core file
// engine on a thread of its own (which starts helper threads), reports throttled progress to JS
// through a thread-safe function, can be aborted, and settles a promise when done. Jobs do not
// occupy the libuv thread pool, so long encryptions never starve fs or crypto calls made by the
// application.
#include <thread>

#include "file_engine.h"
#include "glue.h"
#include "payload_key.h"

namespace filesec::napi {

namespace {

const napi_type_tag kJobTag = {0x7a6b5c4d3e2f1a0bULL, 0x0f1e2d3c4b5a6978ULL};

class JobState;

struct Message {
  JobState* job = nullptr;  // set on the final message only
  uint64_t progress = 0;
  uint64_t total = 0;
};

class JobState final : public BackgroundWork {
 public:
  JobState(Napi::Env env, Napi::Value on_progress) : env_(env), deferred_(Napi::Promise::Deferred::New(env)) {
    Napi::Function callback = on_progress.IsFunction()
                                  ? on_progress.As<Napi::Function>()
                                  : Napi::Function::New(env, [](const Napi::CallbackInfo&) {});
    tsfn_ = Napi::ThreadSafeFunction::New(env, callback, "filesec-file-job", 0, 1);
  }

  // Starts the work on its own thread; `work` runs there and may throw filesec::Error.
  void start(std::shared_ptr<JobState> self, std::function<engine::Result(engine::Control&)> work) {
    addon_data(env_).running_jobs.insert(this);
    // The job keeps itself alive until its final message has been handled on the JS thread.
    keep_alive_ = self;
    thread_ = std::thread([this, work = std::move(work)]() {
      engine::Control control;
      control.cancelled = &cancelled_;
      control.threads = threads_;
      control.progress = [this](uint64_t done, uint64_t total) {
        tsfn_.NonBlockingCall(new Message{nullptr, done, total}, &JobState::deliver);
      };
      try {
        result_ = work(control);
      } catch (const Error& e) {
        error_.emplace(e);
      } catch (const std::bad_alloc&) {
        error_.emplace(code::kInternal, "out of memory");
      } catch (const std::exception& e) {
        error_.emplace(code::kInternal, e.what());
      }
      // If the environment is closing the message is dropped; cancel_and_join() collects us.
      tsfn_.NonBlockingCall(new Message{this, 0, 0}, &JobState::deliver);
      tsfn_.Release();
    });
  }

  void cancel() { cancelled_ = true; }
  void set_threads(unsigned n) { threads_ = n; }
  // Valid only in the handle scope that created the job (a napi_value is scope-bound).
  Napi::Promise promise() const { return deferred_.Promise(); }

  void cancel_and_join() override {
    cancelled_ = true;
    if (thread_.joinable()) thread_.join();
    keep_alive_.reset();
  }

 private:
  static void deliver(Napi::Env env, Napi::Function callback, Message* raw) {
    std::unique_ptr<Message> msg(raw);
    if (env == nullptr) return;
    if (msg->job != nullptr) {
      msg->job->finish(env);
      return;
    }
    callback.Call({Napi::Number::New(env, static_cast<double>(msg->progress)),
                   Napi::Number::New(env, static_cast<double>(msg->total))});
  }

  void finish(Napi::Env env) {
    std::shared_ptr<JobState> self = std::move(keep_alive_);
    thread_.join();
    addon_data(env).running_jobs.erase(this);
    Napi::HandleScope scope(env);
    if (error_) {
      deferred_.Reject(to_js_error(env, *error_).Value());
    } else {
      Napi::Object out = Napi::Object::New(env);
      out.Set("plaintextBytes", Napi::Number::New(env, static_cast<double>(result_->plaintext_bytes)));
      out.Set("fileBytes", Napi::Number::New(env, static_cast<double>(result_->file_bytes)));
      deferred_.Resolve(out);
    }
  }

  Napi::Env env_;
  Napi::Promise::Deferred deferred_;
  Napi::ThreadSafeFunction tsfn_;
  std::thread thread_;
  std::atomic<bool> cancelled_{false};
  unsigned threads_ = 2;
  std::optional<engine::Result> result_;
  std::optional<Error> error_;
  std::shared_ptr<JobState> keep_alive_;
};

class JobObject : public Napi::ObjectWrap<JobObject> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Job", {InstanceMethod<&JobObject::Abort>("abort")});
  }

  static Napi::Object New(Napi::Env env, std::shared_ptr<JobState> state) {
    Napi::Promise promise = state->promise();
    auto* holder = new std::shared_ptr<JobState>(std::move(state));
    auto ext = Napi::External<std::shared_ptr<JobState>>::New(env, holder,
                                                              [](Napi::Env, std::shared_ptr<JobState>* p) { delete p; });
    Napi::Object obj = addon_data(env).job_constructor.New({ext});
    obj.TypeTag(&kJobTag);
    // Stored as a property now: the promise handle is only valid in this scope.
    obj.DefineProperty(Napi::PropertyDescriptor::Value("promise", promise, napi_enumerable));
    return obj;
  }

  explicit JobObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<JobObject>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) throw_type_error(info.Env(), "Jobs are made by encryptFile()");
    state_ = *info[0].As<Napi::External<std::shared_ptr<JobState>>>().Data();
  }

 private:
  Napi::Value Abort(const Napi::CallbackInfo& info) {
    state_->cancel();
    return info.Env().Undefined();
  }
  std::shared_ptr<JobState> state_;
};

engine::Output output_from(const Napi::Object& o) {
  engine::Output out;
  out.path = string_arg(o.Get("output"), "output");
  out.temp_path = string_arg(o.Get("tempPath"), "tempPath");
  out.overwrite = bool_arg(o.Get("overwrite"), "overwrite");
  out.durable = bool_arg(o.Get("durable"), "durable");
  return out;
}

unsigned threads_from(const Napi::Object& o) {
  uint64_t n = u64_arg(o.Get("threads"), "threads");
  if (n < 1 || n > 64) throw_type_error(o.Env(), "threads must be between 1 and 64");
  return static_cast<unsigned>(n);
}

// encryptFile(payloadKey, header, { source, expectedSize, padding?, output, tempPath, overwrite,
//   durable, threads }, onProgress | null) → Job
Napi::Value EncryptFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto secret = PayloadKeyObject::From(info[0], "payloadKey");
  std::vector<uint8_t> header = copy_bytes(buffer_arg(info[1], "header"));
  if (!info[2].IsObject()) throw_type_error(env, "options must be an object");
  Napi::Object o = info[2].As<Napi::Object>();
  auto request = std::make_shared<engine::EncryptRequest>();
  request->source = string_arg(o.Get("source"), "source");
  request->expected_size = u64_arg(o.Get("expectedSize"), "expectedSize");
  request->padding = optional_u64_arg(o.Get("padding"), "padding").value_or(0);
  request->header = std::move(header);
  request->output = output_from(o);
  unsigned threads = threads_from(o);
  guard(env, [&]() { request->scheme = secret->for_encryption(); });

  auto state = std::make_shared<JobState>(env, info[3]);
  state->set_threads(threads);
  state->start(state, [request](engine::Control& control) { return engine::encrypt_file(*request, control); });
  return JobObject::New(env, state);
}

// decryptFile(payloadKey, { source, payloadOffset, expectedSize | null, padding?, output,
//   tempPath, overwrite, durable, threads, mtimeMs | null }, onProgress | null) → Job
Napi::Value DecryptFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto secret = PayloadKeyObject::From(info[0], "payloadKey");
  if (!info[1].IsObject()) throw_type_error(env, "options must be an object");
  Napi::Object o = info[1].As<Napi::Object>();
  auto request = std::make_shared<engine::DecryptRequest>();
  request->source = string_arg(o.Get("source"), "source");
  request->payload_offset = u64_arg(o.Get("payloadOffset"), "payloadOffset");
  request->expected_plaintext_size = optional_u64_arg(o.Get("expectedSize"), "expectedSize");
  request->padding = optional_u64_arg(o.Get("padding"), "padding").value_or(0);
  request->output = output_from(o);
  std::optional<uint64_t> mtime_ms = optional_u64_arg(o.Get("mtimeMs"), "mtimeMs");
  if (mtime_ms) {
    struct timespec ts;
    ts.tv_sec = static_cast<time_t>(*mtime_ms / 1000);
    ts.tv_nsec = static_cast<long>((*mtime_ms % 1000) * 1000000);
    request->output.mtime = ts;
  }
  request->prefix_size = secret->prefix_size();
  request->factory = secret->for_decryption();
  unsigned threads = threads_from(o);

  auto state = std::make_shared<JobState>(env, info[2]);
  state->set_threads(threads);
  state->start(state, [request](engine::Control& control) { return engine::decrypt_file(*request, control); });
  return JobObject::New(env, state);
}

// rekeyFile(oldPayloadKey, newPayloadKey, newHeader, { source, payloadOffset, expectedSize | null,
//   keepBytes, padding, output, tempPath, overwrite, durable, threads }, onProgress | null) → Job
Napi::Value RekeyFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto old_secret = PayloadKeyObject::From(info[0], "oldPayloadKey");
  auto new_secret = PayloadKeyObject::From(info[1], "newPayloadKey");
  std::vector<uint8_t> header = copy_bytes(buffer_arg(info[2], "newHeader"));
  if (!info[3].IsObject()) throw_type_error(env, "options must be an object");
  Napi::Object o = info[3].As<Napi::Object>();
  auto request = std::make_shared<engine::RekeyRequest>();
  request->source = string_arg(o.Get("source"), "source");
  request->payload_offset = u64_arg(o.Get("payloadOffset"), "payloadOffset");
  request->expected_plaintext_size = optional_u64_arg(o.Get("expectedSize"), "expectedSize");
  request->keep_bytes = u64_arg(o.Get("keepBytes"), "keepBytes");
  request->padding = u64_arg(o.Get("padding"), "padding");
  request->header = std::move(header);
  request->output = output_from(o);
  request->prefix_size = old_secret->prefix_size();
  request->old_factory = old_secret->for_decryption();
  unsigned threads = threads_from(o);
  guard(env, [&]() { request->scheme = new_secret->for_encryption(); });

  auto state = std::make_shared<JobState>(env, info[4]);
  state->set_threads(threads);
  state->start(state, [request](engine::Control& control) { return engine::rekey_file(*request, control); });
  return JobObject::New(env, state);
}

// verifyFile(payloadKey, { source, payloadOffset, expectedSize | null, padding?, threads },
//   onProgress | null) → Job
Napi::Value VerifyFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto secret = PayloadKeyObject::From(info[0], "payloadKey");
  if (!info[1].IsObject()) throw_type_error(env, "options must be an object");
  Napi::Object o = info[1].As<Napi::Object>();
  auto request = std::make_shared<engine::VerifyRequest>();
  request->source = string_arg(o.Get("source"), "source");
  request->payload_offset = u64_arg(o.Get("payloadOffset"), "payloadOffset");
  request->expected_plaintext_size = optional_u64_arg(o.Get("expectedSize"), "expectedSize");
  request->padding = optional_u64_arg(o.Get("padding"), "padding").value_or(0);
  request->prefix_size = secret->prefix_size();
  request->factory = secret->for_decryption();
  unsigned threads = threads_from(o);

  auto state = std::make_shared<JobState>(env, info[2]);
  state->set_threads(threads);
  state->start(state, [request](engine::Control& control) { return engine::verify_file(*request, control); });
  return JobObject::New(env, state);
}

}  // namespace

void init_jobs(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = JobObject::Define(env);
  addon_data(env).job_constructor = Napi::Persistent(ctor);
  exports.Set("encryptFile", Napi::Function::New(env, EncryptFile, "encryptFile"));
  exports.Set("decryptFile", Napi::Function::New(env, DecryptFile, "decryptFile"));
  exports.Set("rekeyFile", Napi::Function::New(env, RekeyFile, "rekeyFile"));
  exports.Set("verifyFile", Napi::Function::New(env, VerifyFile, "verifyFile"));
}

}  // namespace filesec::napi

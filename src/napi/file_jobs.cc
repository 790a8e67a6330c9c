// File-to-file encryption, decryption, rekey and verification jobs: the core file engine (which
// starts helper threads of its own) run as a ProgressJob (progress_job.h).
#include "file_engine.h"
#include "glue.h"
#include "payload_key.h"
#include "progress_job.h"

namespace filesec::napi {

namespace {

// Runs one engine operation as a ProgressJob; resolves to { plaintextBytes, fileBytes }.
Napi::Value start_file_job(Napi::Env env, Napi::Value on_progress, unsigned threads,
                           std::function<engine::Result(const engine::Control&)> operation) {
  return ProgressJob<engine::Result>::start(
      env, "filesec-file-job", on_progress,
      [threads, operation = std::move(operation)](const std::atomic<bool>& cancelled, const ProgressFn& progress) {
        engine::Control control;
        control.cancelled = &cancelled;
        control.threads = threads;
        control.progress = progress;
        return operation(control);
      },
      [](Napi::Env env, engine::Result& result) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("plaintextBytes", Napi::Number::New(env, static_cast<double>(result.plaintext_bytes)));
        out.Set("fileBytes", Napi::Number::New(env, static_cast<double>(result.file_bytes)));
        return out;
      });
}

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
//   durable, threads }, onProgress | null) → { promise, abort() }
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

  return start_file_job(env, info[3], threads,
                        [request](const engine::Control& control) { return engine::encrypt_file(*request, control); });
}

// decryptFile(payloadKey, { source, payloadOffset, expectedSize | null, padding?, output,
//   tempPath, overwrite, durable, threads, mtimeMs | null }, onProgress | null) → { promise, abort() }
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

  return start_file_job(env, info[2], threads,
                        [request](const engine::Control& control) { return engine::decrypt_file(*request, control); });
}

// rekeyFile(oldPayloadKey, newPayloadKey, newHeader, { source, payloadOffset, expectedSize | null,
//   keepBytes, padding, output, tempPath, overwrite, durable, threads }, onProgress | null) → { promise, abort() }
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

  return start_file_job(env, info[4], threads,
                        [request](const engine::Control& control) { return engine::rekey_file(*request, control); });
}

// verifyFile(payloadKey, { source, payloadOffset, expectedSize | null, padding?, threads },
//   onProgress | null) → { promise, abort() }
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

  return start_file_job(env, info[2], threads,
                        [request](const engine::Control& control) { return engine::verify_file(*request, control); });
}

}  // namespace

void init_jobs(Napi::Env env, Napi::Object exports) {
  exports.Set("encryptFile", Napi::Function::New(env, EncryptFile, "encryptFile"));
  exports.Set("decryptFile", Napi::Function::New(env, DecryptFile, "decryptFile"));
  exports.Set("rekeyFile", Napi::Function::New(env, RekeyFile, "rekeyFile"));
  exports.Set("verifyFile", Napi::Function::New(env, VerifyFile, "verifyFile"));
}

}  // namespace filesec::napi

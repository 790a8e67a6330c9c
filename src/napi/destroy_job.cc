// The destroy job: the core shredder run as a ProgressJob (progress_job.h). A file that cannot be
// opened for overwriting rejects the promise (nothing was changed); once the overwrite has begun
// the promise resolves with the report, whose `error` says where the work stopped if it did not
// finish (shred_file returns such a report rather than throwing).
#include "glue.h"
#include "progress_job.h"
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

  return ProgressJob<shredder::Report>::start(
      env, "filesec-destroy", info[1],
      [request = std::move(request)](const std::atomic<bool>& cancelled, const ProgressFn& progress) {
        shredder::Control control;
        control.cancelled = &cancelled;
        control.progress = progress;
        return shredder::shred_file(request, control);
      },
      [](Napi::Env env, shredder::Report& report) { return to_js(env, report); });
}

}  // namespace

void init_destroy(Napi::Env env, Napi::Object exports) {
  exports.Set("destroyFile", Napi::Function::New(env, DestroyFile, "destroyFile"));
}

}  // namespace filesec::napi

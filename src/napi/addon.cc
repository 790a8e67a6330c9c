// Module entry point: per-environment state, the shutdown (jobs stopped, intermediate files JS
// left with us removed) run by the environment's cleanup hook and by process exit, and the
// export table.
#include <openssl/crypto.h>
#include <unistd.h>

#include <vector>

#include "glue.h"
#include "process_guard.h"

namespace filesec::napi {

Napi::Object Init(Napi::Env env, Napi::Object exports);

namespace {

Napi::Value OpensslVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), OpenSSL_version(OPENSSL_VERSION));
}

Napi::Value DenyCoreDumps(const Napi::CallbackInfo& info) {
  guard(info.Env(), []() { process_guard::deny_core_dumps(); });
  return info.Env().Undefined();
}

Napi::Value CoreDumpState(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("dumpable", process_guard::dumpable());
    o.Set("coreLimit", static_cast<double>(process_guard::core_limit()));
    return o;
  });
}

// ownIntermediateFile(path): the environment removes `path` at shutdown unless released first.
Napi::Value OwnIntermediateFile(const Napi::CallbackInfo& info) {
  addon_data(info.Env()).intermediate_files.insert(string_arg(info[0], "path"));
  return info.Env().Undefined();
}

// releaseIntermediateFile(path): JS has removed `path` (or kept it on purpose).
Napi::Value ReleaseIntermediateFile(const Napi::CallbackInfo& info) {
  addon_data(info.Env()).intermediate_files.erase(string_arg(info[0], "path"));
  return info.Env().Undefined();
}

// Stops every job and removes the intermediate files still owned. Idempotent.
void shut_down(AddonData* data) {
  std::vector<BackgroundWork*> jobs(data->running_jobs.begin(), data->running_jobs.end());
  for (BackgroundWork* job : jobs) job->cancel_and_join();
  data->running_jobs.clear();
  // After the joins: no job is still writing one of them.
  for (const std::string& path : data->intermediate_files) ::unlink(path.c_str());
  data->intermediate_files.clear();
}

// shutDown(): for process.on('exit'). process.exit() on the main thread ends the process without
// running environment cleanup hooks, so running jobs would die with their temporary files.
Napi::Value ShutDown(const Napi::CallbackInfo& info) {
  shut_down(&addon_data(info.Env()));
  return info.Env().Undefined();
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData<AddonData>(data);
  // Stop every file job before this environment (a worker thread, or the process) goes away.
  env.AddCleanupHook([data]() { shut_down(data); });
  init_keys(env, exports);
  init_payload(env, exports);
  init_fsec(env, exports);
  init_jobs(env, exports);
  init_primitives(env, exports);
  init_destroy(env, exports);
  init_rotation(env, exports);
  init_signing(env, exports);
  init_age(env, exports);
  init_pyfilesec(env, exports);
  init_leftovers(env, exports);
  exports.Set("opensslVersion", Napi::Function::New(env, OpensslVersion, "opensslVersion"));
  exports.Set("denyCoreDumps", Napi::Function::New(env, DenyCoreDumps, "denyCoreDumps"));
  exports.Set("coreDumpState", Napi::Function::New(env, CoreDumpState, "coreDumpState"));
  exports.Set("ownIntermediateFile", Napi::Function::New(env, OwnIntermediateFile, "ownIntermediateFile"));
  exports.Set("releaseIntermediateFile", Napi::Function::New(env, ReleaseIntermediateFile, "releaseIntermediateFile"));
  exports.Set("shutDown", Napi::Function::New(env, ShutDown, "shutDown"));
  return exports;
}

}  // namespace filesec::napi

static Napi::Object InitFilesec(Napi::Env env, Napi::Object exports) { return filesec::napi::Init(env, exports); }

NODE_API_MODULE(filesec, InitFilesec)

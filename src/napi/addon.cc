// Module entry point: per-environment state, the shutdown hook, and the export table.
#include <openssl/crypto.h>

#include <vector>

#include "glue.h"

namespace filesec::napi {

Napi::Object Init(Napi::Env env, Napi::Object exports);

namespace {

Napi::Value OpensslVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), OpenSSL_version(OPENSSL_VERSION));
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData<AddonData>(data);
  // Stop every file job before this environment (a worker thread, or the process) goes away.
  env.AddCleanupHook([data]() {
    std::vector<BackgroundWork*> jobs(data->running_jobs.begin(), data->running_jobs.end());
    for (BackgroundWork* job : jobs) job->cancel_and_join();
    data->running_jobs.clear();
  });
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
  return exports;
}

}  // namespace filesec::napi

static Napi::Object InitFilesec(Napi::Env env, Napi::Object exports) { return filesec::napi::Init(env, exports); }

NODE_API_MODULE(filesec, InitFilesec)

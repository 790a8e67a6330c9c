// Leftovers of interrupted runs (temporaries, rotation journals): whether a live process still
// holds one (src/core/fs_util.h probe_leftover), for lib/doctor.ts.
#include "fs_util.h"
#include "glue.h"

namespace filesec::napi {

namespace {

// probeLeftover(path) → 'in-use' | 'abandoned' | 'gone'
Napi::Value ProbeLeftover(const Napi::CallbackInfo& info) {
  std::string path = string_arg(info[0], "path");
  fs::LeftoverState state = guard(info.Env(), [&]() { return fs::probe_leftover(path); });
  switch (state) {
    case fs::LeftoverState::kInUse:
      return Napi::String::New(info.Env(), "in-use");
    case fs::LeftoverState::kAbandoned:
      return Napi::String::New(info.Env(), "abandoned");
    case fs::LeftoverState::kGone:
      break;
  }
  return Napi::String::New(info.Env(), "gone");
}

}  // namespace

void init_leftovers(Napi::Env env, Napi::Object exports) {
  exports.Set("probeLeftover", Napi::Function::New(env, ProbeLeftover, "probeLeftover"));
}

}  // namespace filesec::napi

// Node-API entry points for committing a header-only rotation (src/core/header_commit.h): the
// in-place rewrite with its journal, the copy-and-rename, recovery of an interrupted rewrite,
// and writing a journal on its own (for tests that reproduce a crash).
#include <atomic>
#include <memory>

#include "glue.h"
#include "header_commit.h"
#include "rotation_journal.h"

namespace filesec::napi {

namespace {

uint64_t bigint_u64(const Napi::Value& value, const char* name) {
  if (!value.IsBigInt()) throw_type_error(value.Env(), std::string(name) + " must be a bigint");
  bool lossless = false;
  uint64_t v = value.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) throw_type_error(value.Env(), std::string(name) + " is out of range");
  return v;
}

int64_t bigint_i64(const Napi::Value& value, const char* name) {
  if (!value.IsBigInt()) throw_type_error(value.Env(), std::string(name) + " must be a bigint");
  bool lossless = false;
  int64_t v = value.As<Napi::BigInt>().Int64Value(&lossless);
  if (!lossless) throw_type_error(value.Env(), std::string(name) + " is out of range");
  return v;
}

// { dev, ino, mtimeNs, ctimeNs: bigint, size: number }, as from fs.stat(path, { bigint: true }).
rotation::FileIdentity identity_arg(const Napi::Value& value) {
  if (!value.IsObject()) throw_type_error(value.Env(), "identity must be an object");
  Napi::Object o = value.As<Napi::Object>();
  rotation::FileIdentity id;
  id.dev = bigint_u64(o.Get("dev"), "identity.dev");
  id.ino = bigint_u64(o.Get("ino"), "identity.ino");
  id.size = u64_arg(o.Get("size"), "identity.size");
  id.mtime_ns = bigint_i64(o.Get("mtimeNs"), "identity.mtimeNs");
  id.ctime_ns = bigint_i64(o.Get("ctimeNs"), "identity.ctimeNs");
  return id;
}

using Bytes = std::shared_ptr<const std::vector<uint8_t>>;

Bytes bytes_arg(const Napi::Value& value, const char* name) {
  return std::make_shared<const std::vector<uint8_t>>(copy_bytes(buffer_arg(value, name)));
}

Napi::Value Done(Napi::Env env, bool&) { return env.Undefined(); }

// commitInPlace(path, journalPath, identity, oldHeader, newHeader, durable) → Promise<void>
Napi::Value CommitInPlace(const Napi::CallbackInfo& info) {
  std::string path = string_arg(info[0], "path");
  std::string journal_path = string_arg(info[1], "journalPath");
  rotation::FileIdentity identity = identity_arg(info[2]);
  Bytes old_header = bytes_arg(info[3], "oldHeader");
  Bytes new_header = bytes_arg(info[4], "newHeader");
  bool durable = bool_arg(info[5], "durable");
  return PromiseWorker<bool>::run(
      info.Env(),
      [=]() {
        rotation::commit_in_place(path, journal_path, identity, ByteView::of(*old_header), ByteView::of(*new_header),
                                  durable);
        return true;
      },
      Done);
}

// commitCopy(path, tempPath, identity, oldHeader, newHeader, durable)
//   → { promise: Promise<number> (the new file size), abort() }
Napi::Value CommitCopy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = string_arg(info[0], "path");
  std::string temp_path = string_arg(info[1], "tempPath");
  rotation::FileIdentity identity = identity_arg(info[2]);
  Bytes old_header = bytes_arg(info[3], "oldHeader");
  Bytes new_header = bytes_arg(info[4], "newHeader");
  bool durable = bool_arg(info[5], "durable");
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  Napi::Promise promise = PromiseWorker<uint64_t>::run(
      env,
      [=]() {
        return rotation::commit_by_copy(path, temp_path, identity, ByteView::of(*old_header),
                                        ByteView::of(*new_header), durable, *cancelled);
      },
      [](Napi::Env env, uint64_t& size) -> Napi::Value { return Napi::Number::New(env, static_cast<double>(size)); });
  Napi::Object out = Napi::Object::New(env);
  out.Set("promise", promise);
  out.Set("abort", Napi::Function::New(env, [cancelled](const Napi::CallbackInfo& i) {
            cancelled->store(true);
            return i.Env().Undefined();
          }));
  return out;
}

// recover(path, journalPath, durable) → Promise<boolean> (false: there was no journal)
Napi::Value Recover(const Napi::CallbackInfo& info) {
  std::string path = string_arg(info[0], "path");
  std::string journal_path = string_arg(info[1], "journalPath");
  bool durable = bool_arg(info[2], "durable");
  return PromiseWorker<bool>::run(
      info.Env(), [=]() { return rotation::recover(path, journal_path, durable); },
      [](Napi::Env env, bool& recovered) -> Napi::Value { return Napi::Boolean::New(env, recovered); });
}

// writeJournal(journalPath, oldHeader, newHeader, durable) → Promise<void>
Napi::Value WriteJournal(const Napi::CallbackInfo& info) {
  std::string journal_path = string_arg(info[0], "journalPath");
  Bytes old_header = bytes_arg(info[1], "oldHeader");
  Bytes new_header = bytes_arg(info[2], "newHeader");
  bool durable = bool_arg(info[3], "durable");
  return PromiseWorker<bool>::run(
      info.Env(),
      [=]() {
        (void)rotation::write_journal(journal_path, ByteView::of(*old_header), ByteView::of(*new_header), durable);
        return true;
      },
      Done);
}

}  // namespace

void init_rotation(Napi::Env env, Napi::Object exports) {
  Napi::Object rotation = Napi::Object::New(env);
  rotation.Set("commitInPlace", Napi::Function::New(env, CommitInPlace, "commitInPlace"));
  rotation.Set("commitCopy", Napi::Function::New(env, CommitCopy, "commitCopy"));
  rotation.Set("recover", Napi::Function::New(env, Recover, "recover"));
  rotation.Set("writeJournal", Napi::Function::New(env, WriteJournal, "writeJournal"));
  exports.Set("rotation", rotation);
}

}  // namespace filesec::napi

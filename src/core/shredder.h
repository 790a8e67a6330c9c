// Secure removal of one regular file: overwrite its bytes in place with a series of patterns,
// each pass followed by fdatasync, then (unless asked to keep the file) truncate it, rename it to
// random names and unlink it, syncing the folder after each name change.
//
// Overwriting in place only destroys data where the file system writes to the same blocks and
// the device to the same cells; shred_file reports what it did, and the caller judges the medium.
//
// The file is opened with O_NOFOLLOW through its folder's descriptor: a symbolic link is never
// followed, and every later step checks that the name still refers to the file that was
// overwritten. Problems found before anything is written (missing file, not a regular file, no
// permission) are thrown; anything that goes wrong after that is recorded in the report, which
// then says exactly how far the work got.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "error.h"

namespace filesec::shredder {

enum class Pattern { kRandom, kZeros, kOnes };

struct Request {
  std::string path;  // absolute
  std::vector<Pattern> passes;
  bool remove = true;
};

struct Control {
  const std::atomic<bool>* cancelled = nullptr;
  // Called from the working thread: once at the start, at most every 100 ms, and at the end.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct PassReport {
  Pattern pattern = Pattern::kRandom;
  uint64_t bytes_written = 0;
  bool synced = false;
};

// The step that failed (Report::failed_step).
enum class Step { kNone, kOverwrite, kSync, kCheck, kTruncate, kRename, kUnlink, kFolderSync };

struct Report {
  // The file as opened: identity, size and links before any change.
  uint64_t device_major = 0;
  uint64_t device_minor = 0;
  uint64_t inode = 0;
  uint64_t links = 0;
  uint64_t size = 0;
  uint64_t block_size = 0;

  std::vector<PassReport> passes;  // the passes started, in order
  bool truncated = false;
  std::vector<std::string> renamed_to;  // the names it had after each rename (in the folder)
  bool unlinked = false;
  bool folder_synced = false;
  double seconds = 0;

  // Set when the work stopped part-way (an abort is kAborted).
  std::optional<Error> error;
  Step failed_step = Step::kNone;
};

// Throws filesec::Error when the file cannot be opened for overwriting (nothing was changed);
// otherwise returns the report, with `error` set if the work stopped part-way.
Report shred_file(const Request& request, const Control& control);

}  // namespace filesec::shredder

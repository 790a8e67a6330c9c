// Replacing the header of an encrypted file without re-encrypting its payload (a header-only
// rotation), so that a failure at any point leaves either the old file or the new one.
//
// In place, when the new header has exactly the old size: a rotation journal is written and
// synced first (rotation_journal.h), then the new header is written over the old one and
// synced, then the journal is removed. Until the header write starts nothing in the file has
// changed; after it starts, the journal lets recover() finish the job.
//
// By copy, otherwise: a temporary file gets the new header and the payload (copy_file_range:
// an in-kernel copy, a reflink on copy-on-write file systems), is synced and renamed over the
// original.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "secure_buffer.h"

namespace filesec::rotation {

// What identifies the file the caller read: the same inode, unchanged since.
struct FileIdentity {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
};

bool same_file(const FileIdentity& expected, const struct stat& st);

// Rewrites the header of `path` in place. `old_header` must be the file's current header (it
// is checked again, with the identity, after the journal is written: FSEC_SOURCE_CHANGED when
// anything differs, and then the file is untouched and the journal removed).
void commit_in_place(const std::string& path, const std::string& journal_path, const FileIdentity& expected,
                     ByteView old_header, ByteView new_header, bool durable);

// Writes new header + the payload of `path` to `temp_path` and renames it over `path`. Returns
// the new file's size. FSEC_SOURCE_CHANGED when the file is not the one read or changes during
// the copy; FSEC_ABORTED when `cancelled` is set. The original is untouched on any failure.
uint64_t commit_by_copy(const std::string& path, const std::string& temp_path, const FileIdentity& expected,
                        ByteView old_header, ByteView new_header, bool durable, const std::atomic<bool>& cancelled);

// Completes an interrupted in-place rewrite from its journal: checks that the file's first H
// bytes are made of the journal's old and new headers (a torn write mixes them), writes the new
// header, syncs, removes the journal. False when there is no journal. A journal that fails its
// checks (FSEC_ROTATION_JOURNAL_INVALID) is left in place and nothing is written.
bool recover(const std::string& path, const std::string& journal_path, bool durable);

}  // namespace filesec::rotation

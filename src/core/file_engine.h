// File-to-file encryption, decryption, re-encryption (rekey) and verification of a chunked
// payload. Chunk positions are computable from the chunk index alone, so worker threads claim
// blocks of chunks in any order, read them with pread, seal or open them in place, and hand them
// to one writer (the calling thread), which writes them with pwrite at their offsets and fills
// blocks itself while none is waiting. No per-chunk allocation, no calls into JS; memory is
// bounded by (workers + 2) block buffers whatever the file size.
//
// Output is written to a temporary file created exclusively (mode 0600) in the destination
// folder, synced, and renamed into place only when every chunk has been processed (and, for
// decryption, authenticated). On any failure the temporary file is removed and nothing appears
// at the final name.
#pragma once

#include <time.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fs_util.h"
#include "payload_scheme.h"
#include "payload_stream.h"

namespace filesec::engine {

struct Control {
  const std::atomic<bool>* cancelled = nullptr;
  // Called from the writer thread, at most every 100 ms, and once at the end.
  std::function<void(uint64_t done, uint64_t total)> progress;
  // Read-and-crypt worker threads (the writer is the calling thread, on top of these; it reads
  // and crypts too while nothing is waiting to be written).
  unsigned threads = 1;
};

struct Output {
  std::string path;       // the final name
  std::string temp_path;  // a fresh name in the same folder
  bool overwrite = false;
  bool durable = true;  // fdatasync the file and fsync its folder
  std::optional<struct timespec> mtime;
};

struct EncryptRequest {
  std::string source;
  uint64_t expected_size = 0;  // the size the caller saw
  uint64_t padding = 0;        // zero bytes sealed after the source's bytes (metadata size = both)
  std::vector<uint8_t> header;
  std::unique_ptr<PayloadScheme> scheme;
  Output output;
};

struct DecryptRequest {
  std::string source;
  uint64_t payload_offset = 0;
  size_t prefix_size = 0;
  SchemeFactory factory;
  std::optional<uint64_t> expected_plaintext_size;
  // Trailing payload bytes that are padding: they must be zero, and are not written.
  uint64_t padding = 0;
  Output output;
};

// Re-encryption under a new file key: the old payload is opened chunk by chunk and its first
// keep_bytes plaintext bytes, followed by `padding` zero bytes, are sealed as the new payload
// behind the new header. Every old chunk must authenticate, including any dropped after
// keep_bytes. The output may replace the source (overwrite) only after everything succeeded.
struct RekeyRequest {
  std::string source;
  uint64_t payload_offset = 0;
  size_t prefix_size = 0;
  SchemeFactory old_factory;
  std::optional<uint64_t> expected_plaintext_size;  // the old payload's, padding included
  uint64_t keep_bytes = 0;
  uint64_t padding = 0;
  std::vector<uint8_t> header;
  std::unique_ptr<PayloadScheme> scheme;  // seals the new payload
  Output output;
};

// Authenticates every chunk of an encrypted file, writing nothing.
struct VerifyRequest {
  std::string source;
  uint64_t payload_offset = 0;
  size_t prefix_size = 0;
  SchemeFactory factory;
  std::optional<uint64_t> expected_plaintext_size;
  uint64_t padding = 0;  // as for decryption: must be zero
};

struct Result {
  // Payload plaintext for encrypt and rekey (padding included); the plaintext without its
  // padding for decrypt and verify.
  uint64_t plaintext_bytes = 0;
  uint64_t file_bytes = 0;
};

Result encrypt_file(EncryptRequest& request, const Control& control);
Result decrypt_file(DecryptRequest& request, const Control& control);
Result rekey_file(RekeyRequest& request, const Control& control);
Result verify_file(VerifyRequest& request, const Control& control);

// The steps every file job shares (also used by the age armor jobs, age_armor.h).
// FSEC_ABORTED once the caller has asked to cancel.
void check_cancelled(const Control& control);
// FSEC_SOURCE_CHANGED when the file behind `fd` changed size or mtime since `before`.
void check_source_unchanged(int fd, const struct stat& before, const std::string& path);
// Refuses an existing output (unless overwrite) and creates the temporary file (0600, exclusive).
fs::Fd create_output(const Output& output);
// Syncs (if durable), sets the mtime (if any), closes and renames the temporary file into place.
void commit_output(fs::Fd& fd, fs::TempFile& temp, const Output& output);

// Maps a payload's length to its plaintext length, telling truncation from extension when the
// expected plaintext length is known. Throws FSEC_TRUNCATED / FSEC_TRAILING_DATA.
uint64_t checked_plaintext_size(const PayloadScheme& scheme, uint64_t payload_size,
                                std::optional<uint64_t> expected_plaintext_size);

// Throws the error for a final chunk that did not authenticate, read back from `fd`. For a
// scheme whose final chunk may be full (age): FSEC_TRUNCATED when that chunk is full and opens as
// a non-final chunk (the stream was cut at a chunk boundary), FSEC_TRAILING_DATA when the chunk
// before it opens as the final one (data was appended after the real end). Otherwise, and for
// Cobblestone always, FSEC_PAYLOAD_TAMPERED.
[[noreturn]] void fail_final_chunk(int fd, const std::string& path, const PayloadScheme& scheme, uint64_t body_offset,
                                   uint64_t chunks, uint64_t plaintext_size);

// Throws the error for non-final chunk `index` that did not authenticate, read back from `fd`:
// FSEC_TRAILING_DATA when, for a scheme whose final chunk may be full, it opens as the final
// chunk (the payload really ends there: what follows was appended), else FSEC_PAYLOAD_TAMPERED.
[[noreturn]] void fail_chunk(int fd, const std::string& path, const PayloadScheme& scheme, uint64_t body_offset,
                             uint64_t index);

}  // namespace filesec::engine

// Hashing a whole file in one streaming pass, for detached signatures. One thread reads the file
// with pread into a few rotating buffers while the calling thread hashes the buffers already
// filled, so reading overlaps hashing. Memory is a fixed handful of buffers whatever the size.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace filesec::hashing {

enum class Digest { kSha256, kBlake2b512 };

struct Control {
  const std::atomic<bool>* cancelled = nullptr;
  // Called on the hashing thread, at most every 100 ms, and once at the end.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct FileDigest {
  std::vector<uint8_t> digest;  // 32 bytes (SHA-256) or 64 bytes (BLAKE2b-512)
  uint64_t size = 0;            // bytes hashed: the whole file
};

// Bytes read per buffer; exposed so tests can aim at buffer boundaries.
constexpr size_t kReadBufferSize = 2u << 20;

// Hashes the regular file at `path`. Throws FSEC_FILE_NOT_FOUND / FSEC_NOT_A_FILE / FSEC_IO,
// FSEC_SOURCE_CHANGED when the file changes size or modification time while it is read (the
// digest would describe no version of the file), and FSEC_ABORTED when cancelled.
FileDigest hash_file(const std::string& path, Digest digest, const Control& control);

const char* digest_name(Digest digest);

}  // namespace filesec::hashing

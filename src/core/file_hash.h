// Hashing a whole file in one streaming pass, for detached signatures. One thread reads the file
// with pread into a few rotating buffers while the calling thread hashes the buffers already
// filled, so reading overlaps hashing. Memory is a fixed handful of buffers whatever the size.
// Several digests can be computed in the same pass (each buffer is read once, hashed by each).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace filesec::hashing {

// kSha1 and kMd5 only verify legacy pyFileSec signatures (RSA PKCS#1 v1.5, whose digest is
// MD5, SHA-1 or SHA-256 depending on the signer's OpenSSL).
enum class Digest { kSha256, kBlake2b512, kSha1, kMd5 };

struct Control {
  const std::atomic<bool>* cancelled = nullptr;
  // Called on the hashing thread, at most every 100 ms, and once at the end.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct FileDigest {
  std::vector<uint8_t> digest;  // the digest's size: 32 bytes for SHA-256, 64 for BLAKE2b-512, …
  uint64_t size = 0;            // bytes hashed: the whole file
};

struct FileDigests {
  std::vector<std::vector<uint8_t>> digests;  // one per requested digest, in the same order
  uint64_t size = 0;                          // bytes hashed: the whole file
};

// Bytes read per buffer; exposed so tests can aim at buffer boundaries.
constexpr size_t kReadBufferSize = 2u << 20;

// Hashes the regular file at `path`. Throws FSEC_FILE_NOT_FOUND / FSEC_NOT_A_FILE / FSEC_IO,
// FSEC_SOURCE_CHANGED when the file changes size or modification time while it is read (the
// digest would describe no version of the file), and FSEC_ABORTED when cancelled.
FileDigest hash_file(const std::string& path, Digest digest, const Control& control);

// The same, computing every digest in `digests` (at least one) in one pass over the file.
FileDigests hash_file(const std::string& path, const std::vector<Digest>& digests, const Control& control);

const char* digest_name(Digest digest);

}  // namespace filesec::hashing

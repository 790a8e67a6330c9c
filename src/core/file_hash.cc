#include "file_hash.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "error.h"
#include "fs_util.h"
#include "progress.h"

namespace filesec::hashing {

namespace {

// Three buffers: one being read, one being hashed, one ready, so neither thread waits for the
// other while both keep up.
constexpr uint64_t kBufferCount = 3;

struct FreeDeleter {
  void operator()(uint8_t* p) const { std::free(p); }
};
using PageBuffer = std::unique_ptr<uint8_t, FreeDeleter>;

PageBuffer page_buffer(size_t size) {
  auto* p = static_cast<uint8_t*>(std::aligned_alloc(4096, size));
  if (p == nullptr) throw std::bad_alloc();
  return PageBuffer(p);
}

struct MdDeleter {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

bool cancelled(const Control& control) {
  return control.cancelled != nullptr && control.cancelled->load(std::memory_order_relaxed);
}

// Block i of the file lives in buffer i % kBufferCount. The reader may run at most
// kBufferCount blocks ahead of the hasher; both stop at the first error on either side.
class ReadAhead {
 public:
  ReadAhead(int fd, const std::string& path, uint64_t size) : fd_(fd), path_(path), size_(size) {
    for (auto& b : buffers_) b = page_buffer(kReadBufferSize);
    blocks_ = (size + kReadBufferSize - 1) / kReadBufferSize;
  }

  uint64_t blocks() const { return blocks_; }

  void start() {
    reader_ = std::thread([this]() { read_all(); });
  }

  // Waits for block i and returns its bytes; valid until release(i).
  const uint8_t* wait_for(uint64_t i, size_t* length) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return stop_ || filled_ > i; });
    if (stop_) {
      lock.unlock();
      finish();  // rethrows the reader's error
      fail(code::kInternal, "file reader stopped early");
    }
    *length = block_length(i);
    return buffers_[i % kBufferCount].get();
  }

  void release(uint64_t i) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      consumed_ = i + 1;
    }
    cv_.notify_all();
  }

  // Stops the reader (if still running), joins it, and rethrows its error if it had one.
  void finish() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (consumed_ < blocks_) stop_ = true;
    }
    cv_.notify_all();
    if (reader_.joinable()) reader_.join();
    if (error_) std::rethrow_exception(error_);
  }

  ~ReadAhead() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    if (reader_.joinable()) reader_.join();
  }

  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

 private:
  size_t block_length(uint64_t i) const {
    return static_cast<size_t>(std::min<uint64_t>(kReadBufferSize, size_ - i * kReadBufferSize));
  }

  void read_all() {
    try {
      for (uint64_t i = 0; i < blocks_; ++i) {
        {
          std::unique_lock<std::mutex> lock(mutex_);
          cv_.wait(lock, [&] { return stop_ || i - consumed_ < kBufferCount; });
          if (stop_) return;
        }
        size_t want = block_length(i);
        size_t got = fs::pread_full(fd_, buffers_[i % kBufferCount].get(), want, i * kReadBufferSize, path_);
        if (got != want) fail(code::kSourceChanged, path_ + " shrank while it was being read");
        {
          std::lock_guard<std::mutex> lock(mutex_);
          filled_ = i + 1;
        }
        cv_.notify_all();
      }
    } catch (...) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        error_ = std::current_exception();
        stop_ = true;
      }
      cv_.notify_all();
    }
  }

  int fd_;
  const std::string& path_;
  uint64_t size_;
  uint64_t blocks_ = 0;
  PageBuffer buffers_[kBufferCount];
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable cv_;
  uint64_t filled_ = 0;    // blocks read so far
  uint64_t consumed_ = 0;  // blocks hashed so far
  bool stop_ = false;
  std::exception_ptr error_;
};

void check_unchanged(int fd, const struct stat& before, const std::string& path) {
  struct stat after;
  if (::fstat(fd, &after) != 0) fail_errno(errno, "fstat", path);
  if (after.st_size != before.st_size || after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
      after.st_mtim.tv_nsec != before.st_mtim.tv_nsec) {
    fail(code::kSourceChanged, path + " changed while it was being read");
  }
}

}  // namespace

const char* digest_name(Digest digest) {
  switch (digest) {
    case Digest::kSha256:
      return "SHA2-256";
    case Digest::kBlake2b512:
      return "BLAKE2B-512";
    case Digest::kSha1:
      return "SHA1";
    case Digest::kMd5:
      return "MD5";
  }
  return "SHA2-256";
}

FileDigests hash_file(const std::string& path, const std::vector<Digest>& digests, const Control& control) {
  if (digests.empty()) fail(code::kInvalidArgument, "no digest to compute");
  std::vector<std::unique_ptr<EVP_MD, MdDeleter>> mds;
  std::vector<std::unique_ptr<EVP_MD_CTX, MdDeleter>> ctxs;
  for (Digest digest : digests) {
    mds.emplace_back(EVP_MD_fetch(nullptr, digest_name(digest), nullptr));
    ctxs.emplace_back(EVP_MD_CTX_new());
    if (!mds.back() || !ctxs.back() || EVP_DigestInit_ex2(ctxs.back().get(), mds.back().get(), nullptr) != 1) {
      fail_openssl("digest setup");
    }
  }

  struct stat st;
  fs::Fd fd = fs::open_regular_file(path, &st);
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  const uint64_t size = static_cast<uint64_t>(st.st_size);

  ReadAhead reader(fd.get(), path, size);
  reader.start();
  ThrottledProgress progress(control.progress, size);
  for (uint64_t i = 0; i < reader.blocks(); ++i) {
    if (cancelled(control)) fail(code::kAborted, "the operation was aborted");
    size_t length = 0;
    const uint8_t* data = reader.wait_for(i, &length);
    for (auto& ctx : ctxs) {
      if (EVP_DigestUpdate(ctx.get(), data, length) != 1) fail_openssl("digest update");
    }
    reader.release(i);
    progress.add(length);
  }
  reader.finish();
  check_unchanged(fd.get(), st, path);

  FileDigests out;
  for (size_t d = 0; d < ctxs.size(); ++d) {
    std::vector<uint8_t> digest(static_cast<size_t>(EVP_MD_get_size(mds[d].get())));
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctxs[d].get(), digest.data(), &len) != 1 || len != digest.size()) {
      fail_openssl("digest final");
    }
    out.digests.push_back(std::move(digest));
  }
  out.size = size;
  if (control.progress) control.progress(size, size);
  return out;
}

FileDigest hash_file(const std::string& path, Digest digest, const Control& control) {
  FileDigests all = hash_file(path, std::vector<Digest>{digest}, control);
  FileDigest out;
  out.digest = std::move(all.digests[0]);
  out.size = all.size;
  return out;
}

}  // namespace filesec::hashing

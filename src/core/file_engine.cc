#include "file_engine.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "error.h"
#include "fs_util.h"
#include "progress.h"

namespace filesec::engine {

// Helpers shared with the other file jobs (age_armor.cc); declared in file_engine.h.

void check_cancelled(const Control& control) {
  if (control.cancelled != nullptr && control.cancelled->load(std::memory_order_relaxed)) {
    fail(code::kAborted, "the operation was aborted");
  }
}

namespace {

bool same_timestamp(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

}  // namespace

void check_source_unchanged(int fd, const struct stat& before, const std::string& path) {
  struct stat after;
  if (::fstat(fd, &after) != 0) fail_errno(errno, "fstat", path);
  if (after.st_size != before.st_size || !same_timestamp(after.st_mtim, before.st_mtim)) {
    fail(code::kSourceChanged, path + " changed while it was being read");
  }
}

fs::Fd create_output(const Output& output) {
  if (!output.overwrite && fs::exists(output.path)) fail(code::kOutputExists, output.path + " already exists");
  return fs::create_exclusive(output.temp_path, 0600);
}

void commit_output(fs::Fd& fd, fs::TempFile& temp, const Output& output) {
  if (output.durable) fs::fdatasync_checked(fd.get(), output.temp_path);
  if (output.mtime) {
    struct timespec times[2];
    times[0].tv_sec = 0;
    times[0].tv_nsec = UTIME_OMIT;
    times[1] = *output.mtime;
    if (::futimens(fd.get(), times) != 0) fail_errno(errno, "futimens", output.temp_path);
  }
  fd.close_checked(output.temp_path);
  fs::rename_into_place(output.temp_path, output.path, output.overwrite);
  temp.keep();
  if (output.durable) fs::fsync_parent(output.path);
}

namespace {

// A block (the unit a worker claims and the writer writes) is about 1 MiB of sealed chunks
// whatever the chunk size: 64 chunks of .fsec's 16 KiB, 16 of age's 64 KiB. A fixed count of 64
// made age's blocks 4 MiB: 4x the buffer memory (peak RSS 66.5 MiB, now 57.5, .fsec's 58.5) and
// no faster (measured: the same read-and-seal time per byte with 1 and 4 MiB blocks).
// kChunksPerBlock bounds the iovec arrays.
constexpr size_t kBlockBytes = 1 << 20;
constexpr uint64_t kChunksPerBlock = 64;

uint64_t chunks_per_block(size_t sealed_chunk_size) {
  return std::clamp<uint64_t>((kBlockBytes + sealed_chunk_size - 1) / sealed_chunk_size, 1, kChunksPerBlock);
}

// A page-aligned scratch buffer for one worker.
struct AlignedBuffer {
  explicit AlignedBuffer(size_t size) : size(size) {
    data = static_cast<uint8_t*>(std::aligned_alloc(4096, (size + 4095) / 4096 * 4096));
    if (data == nullptr) throw std::bad_alloc();
  }
  // Decrypted plaintext passes through here; do not leave it in freed memory.
  ~AlignedBuffer() {
    OPENSSL_cleanse(data, size);
    std::free(data);
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  uint8_t* data;
  size_t size;
};


// Where a processed block goes: the byte ranges to write (in order) at a file offset.
struct WriteJob {
  AlignedBuffer* buffer = nullptr;
  struct iovec iov[kChunksPerBlock];
  int iov_count = 0;
  uint64_t offset = 0;
  uint64_t plaintext = 0;  // plaintext bytes the block accounts for (progress)
};

// Read-and-crypt workers feeding one writer. Workers claim blocks (chunk positions follow from
// the block number, so no ordering is needed), fill a buffer from a small pool and queue it; the
// calling thread writes the queued blocks and returns the buffers. One writer because the kernel
// serialises writes to one file anyway: with two writing threads, 18-34% of samples were spent
// spinning on the inode lock. Memory: (workers + 2) buffers, whatever the file size.
//
// When nothing is queued, the writer claims and fills a block itself rather than wait. Reading
// and sealing a block costs more than writing it (2 GiB in /dev/shm: ~1.0 s of read copy and
// ChaCha20-Poly1305 against ~0.6 s of write), so with one worker (the default on 2 CPUs) the
// writer sat idle ~40% of the time while the worker set the pace; filling blocks in its idle
// time balances the two threads. It stays the only thread that writes, and it writes whatever is
// queued before it fills again.
class Pipeline {
 public:
  Pipeline(unsigned workers, size_t buffer_size, const Control& control) : control_(control) {
    workers_ = std::max(1u, workers);
    for (unsigned i = 0; i < workers_ + 2; ++i) {
      pool_.push_back(std::make_unique<AlignedBuffer>(buffer_size));
      free_.push_back(pool_.back().get());
    }
  }

  // make_fill() runs once per worker thread, and once on the calling thread, and returns
  // fill(block, job), which reads and processes a block into job.buffer and describes what to
  // write. write(job) runs on the calling thread. The first exception anywhere stops everything
  // and is rethrown here.
  template <typename MakeFill, typename Write>
  void run(uint64_t blocks, MakeFill make_fill, Write write) {
    unsigned n = static_cast<unsigned>(std::max<uint64_t>(1, std::min<uint64_t>(workers_, blocks)));
    running_ = n;
    std::vector<std::thread> threads;
    threads.reserve(n);
    for (unsigned i = 0; i < n; ++i) threads.emplace_back([&]() { work(blocks, make_fill); });
    try {
      auto fill = make_fill();  // the writer's own, for the blocks it fills itself
      // Under the lock: a buffer is free and a block is left to claim.
      auto can_fill = [&] { return !free_.empty() && next_.load() < blocks; };
      while (true) {
        WriteJob job;
        AlignedBuffer* own = nullptr;
        {
          std::unique_lock<std::mutex> lock(mutex_);
          ready_cv_.wait(lock, [&] { return stop_ || !ready_.empty() || running_ == 0 || can_fill(); });
          if (stop_) break;
          if (!ready_.empty()) {
            job = ready_.front();
            ready_.pop_front();
          } else if (can_fill()) {
            own = free_.front();
            free_.pop_front();
          } else {
            break;  // the workers are done and every block is written
          }
        }
        if (own != nullptr) {
          // A worker may have claimed the last block since the check: then give the buffer back.
          uint64_t block = next_.fetch_add(1);
          if (block >= blocks) {
            std::lock_guard<std::mutex> lock(mutex_);
            free_.push_back(own);
            continue;
          }
          check_cancelled(control_);
          job.buffer = own;
          fill(block, job);
        }
        check_cancelled(control_);
        write(job);
        {
          std::lock_guard<std::mutex> lock(mutex_);
          free_.push_back(job.buffer);
        }
        free_cv_.notify_one();
      }
    } catch (...) {
      record(std::current_exception());
    }
    for (auto& t : threads) t.join();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  template <typename MakeFill>
  void work(uint64_t blocks, MakeFill& make_fill) {
    try {
      auto fill = make_fill();
      while (true) {
        AlignedBuffer* buffer;
        {
          std::unique_lock<std::mutex> lock(mutex_);
          free_cv_.wait(lock, [&] { return stop_ || !free_.empty(); });
          if (stop_) break;
          buffer = free_.front();
          free_.pop_front();
        }
        uint64_t block = next_.fetch_add(1);
        if (block >= blocks) {
          std::lock_guard<std::mutex> lock(mutex_);
          free_.push_back(buffer);
          break;
        }
        check_cancelled(control_);
        WriteJob job;
        job.buffer = buffer;
        fill(block, job);
        {
          std::lock_guard<std::mutex> lock(mutex_);
          ready_.push_back(job);
        }
        ready_cv_.notify_one();
      }
    } catch (...) {
      record(std::current_exception());
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      --running_;
    }
    ready_cv_.notify_all();
  }

  void record(std::exception_ptr e) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = e;
      stop_ = true;
    }
    ready_cv_.notify_all();
    free_cv_.notify_all();
  }

  const Control& control_;
  unsigned workers_ = 1;
  std::vector<std::unique_ptr<AlignedBuffer>> pool_;
  std::mutex mutex_;
  std::condition_variable free_cv_;
  std::condition_variable ready_cv_;
  std::deque<AlignedBuffer*> free_;
  std::deque<WriteJob> ready_;
  std::atomic<uint64_t> next_{0};
  unsigned running_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

// Writes finished blocks to the output's temporary file (on the calling thread only).
class BlockWriter {
 public:
  BlockWriter(int fd, const Output& output) : fd_(fd), output_(output), writeback_(fd) {}
  void operator()(WriteJob& job) {
    uint64_t bytes = 0;
    for (int i = 0; i < job.iov_count; ++i) bytes += job.iov[i].iov_len;
    fs::pwritev_full(fd_, job.iov, job.iov_count, job.offset, output_.temp_path);
    // Only a durable output ends with an fdatasync worth shortening.
    if (output_.durable) writeback_.wrote(bytes);
  }

 private:
  int fd_;
  const Output& output_;
  fs::WritebackStarter writeback_;
};

// Runs the pipeline over every block of `chunks` chunks. Each worker calls make_worker() once
// for its own state (its chunk ciphers) and then fill(state, first_chunk, chunk_count, job) per
// block; the calling thread hands each job to write(job) and reports job.plaintext as progress.
template <typename MakeWorker, typename Fill, typename Write>
void run_blocks(uint64_t chunks, size_t sealed_chunk_size, uint64_t progress_total, const Control& control,
                MakeWorker make_worker, Fill fill, Write write) {
  ThrottledProgress progress(control.progress, progress_total);
  const uint64_t per_block = chunks_per_block(sealed_chunk_size);
  Pipeline pipeline(control.threads, per_block * sealed_chunk_size, control);
  auto make_fill = [&]() {
    return [&, state = make_worker()](uint64_t block, WriteJob& job) mutable {
      uint64_t first = block * per_block;
      fill(state, first, std::min(per_block, chunks - first), job);
    };
  };
  pipeline.run((chunks + per_block - 1) / per_block, make_fill, [&](WriteJob& job) {
    write(job);
    progress.add(job.plaintext);
  });
}

// run_blocks with one chunk cipher per worker, writing to `out_fd`: fill(cipher, first_chunk,
// chunk_count, job).
template <typename Fill>
void process_blocks(const PayloadScheme& scheme, uint64_t chunks, uint64_t plaintext_size, int out_fd,
                    const Output& output, const Control& control, Fill fill) {
  run_blocks(
      chunks, scheme.sealed_chunk_size(), plaintext_size, control, [&]() { return scheme.make_cipher(); },
      [&](std::unique_ptr<ChunkCipher>& cipher, uint64_t first, uint64_t count, WriteJob& job) {
        fill(*cipher, first, count, job);
      },
      BlockWriter(out_fd, output));
}

uint64_t chunk_length(uint64_t index, uint64_t chunks, uint64_t plaintext_size, size_t chunk_size) {
  return index + 1 < chunks ? chunk_size : plaintext_size - (chunks - 1) * chunk_size;
}

// An encrypted source opened for reading: the payload's scheme (its key commitment checked),
// its plaintext size (authenticated through the final chunk) and where chunk 0 starts.
struct OpenedPayload {
  std::string path;
  fs::Fd fd;
  struct stat st;
  std::unique_ptr<PayloadScheme> scheme;
  uint64_t file_size = 0;
  uint64_t size = 0;
  uint64_t chunks = 0;
  uint64_t body_offset = 0;

  uint64_t length_of(uint64_t chunk) const { return chunk_length(chunk, chunks, size, scheme->chunk_size()); }

  // The plaintext size without the trailing `padding` bytes the metadata announces.
  uint64_t size_without(uint64_t padding) const {
    if (padding > size) {
      fail(code::kPaddingInvalid, "the metadata claims " + std::to_string(padding) +
                                      " bytes of padding but the payload holds " + std::to_string(size) + " bytes");
    }
    return size - padding;
  }

  // Checks that the bytes of opened chunk k (its plaintext at `plaintext`) from `keep` on, the
  // padding, are zero, as the format requires; returns how many of its bytes come before keep.
  uint64_t check_padding(uint64_t k, const uint8_t* plaintext, uint64_t keep) const {
    uint64_t start = k * scheme->chunk_size();
    uint64_t len = length_of(k);
    uint64_t kept = start < keep ? std::min(len, keep - start) : 0;
    uint8_t any = 0;
    for (uint64_t i = kept; i < len; ++i) any |= plaintext[i];
    if (any != 0) {
      fail(code::kPaddingInvalid,
           "the padding at the end of the payload is not all zero bytes: the file was written by a faulty encryptor");
    }
    return kept;
  }

  // Reads sealed chunks [first, first + count) into `data` (chunk first + i at i × the sealed
  // chunk size) and opens them in place; returns the plaintext bytes. Throws
  // FSEC_PAYLOAD_TAMPERED for the first chunk that does not authenticate.
  uint64_t open_chunks(ChunkCipher& cipher, uint64_t first, uint64_t count, uint8_t* data) const {
    if (count == 0) return 0;
    const size_t sealed = scheme->sealed_chunk_size();
    uint64_t plaintext = 0;
    for (uint64_t i = 0; i < count; ++i) plaintext += length_of(first + i);
    uint64_t in_size = plaintext + count * scheme->tag_size();
    if (fs::pread_full(fd.get(), data, in_size, body_offset + first * sealed, path) != in_size) {
      fail(code::kSourceChanged, path + " shrank while it was being read");
    }
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t k = first + i;
      if (!cipher.open(k, k + 1 == chunks, data + i * sealed, length_of(k), data + i * sealed)) {
        // The final chunk was authenticated when the payload was opened: this one is not final.
        fail_chunk(fd.get(), path, *scheme, body_offset, k);
      }
    }
    return plaintext;
  }
};

OpenedPayload open_payload(const std::string& source, uint64_t payload_offset, size_t prefix_size,
                           const SchemeFactory& factory, std::optional<uint64_t> expected_plaintext_size) {
  OpenedPayload p;
  p.path = source;
  p.fd = fs::open_regular_file(source, &p.st);
  ::posix_fadvise(p.fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  p.file_size = static_cast<uint64_t>(p.st.st_size);
  if (p.file_size < payload_offset + prefix_size) {
    fail(code::kTruncated, "the file ends before its payload: it was truncated");
  }
  uint8_t prefix[256];
  if (prefix_size > sizeof prefix) fail(code::kInternal, "payload prefix too large");
  if (fs::pread_full(p.fd.get(), prefix, prefix_size, payload_offset, source) != prefix_size) {
    fail(code::kSourceChanged, source + " shrank while it was being read");
  }
  p.scheme = factory(ByteView(prefix, prefix_size));
  if (!p.scheme) fail(code::kPayloadMismatch, "the payload does not belong to this header (key commitment mismatch)");
  p.size = checked_plaintext_size(*p.scheme, p.file_size - payload_offset, expected_plaintext_size);
  p.chunks = p.scheme->chunk_count(p.size);
  p.body_offset = payload_offset + p.scheme->prefix_size();

  // Authenticate the final chunk before any work: a truncated or extended file fails at once.
  uint64_t last = p.chunks - 1;
  uint64_t len = p.length_of(last);
  AlignedBuffer buf(len + p.scheme->tag_size());
  if (fs::pread_full(p.fd.get(), buf.data, buf.size, p.body_offset + last * p.scheme->sealed_chunk_size(), source) !=
      buf.size) {
    fail(code::kSourceChanged, source + " shrank while it was being read");
  }
  if (!p.scheme->make_cipher()->open(last, true, buf.data, len, buf.data)) {
    fail_final_chunk(p.fd.get(), source, *p.scheme, p.body_offset, p.chunks, p.size);
  }
  return p;
}

}  // namespace

void fail_final_chunk(int fd, const std::string& path, const PayloadScheme& scheme, uint64_t body_offset,
                      uint64_t chunks, uint64_t plaintext_size) {
  if (!scheme.final_chunk_is_short()) {
    // The failed open wiped the caller's copy; read the chunks again (failure path only).
    const size_t cs = scheme.chunk_size();
    const size_t sealed = scheme.sealed_chunk_size();
    const uint64_t last = chunks - 1;
    std::unique_ptr<ChunkCipher> cipher = scheme.make_cipher();
    SecureBuffer chunk(sealed);
    auto read_chunk = [&](uint64_t k) {
      return fs::pread_full(fd, chunk.data(), sealed, body_offset + k * sealed, path) == sealed;
    };
    if (plaintext_size - last * cs == cs && read_chunk(last) && chunk_opens_as(*cipher, last, false, chunk.data(), cs)) {
      fail(code::kTruncated, "the payload ends after chunk " + std::to_string(last) +
                                 ", which is not marked final: the file was truncated");
    }
    if (last > 0 && read_chunk(last - 1) && chunk_opens_as(*cipher, last - 1, true, chunk.data(), cs)) {
      fail(code::kTrailingData, "data follows the final chunk (chunk " + std::to_string(last - 1) +
                                    "): bytes were appended to the file");
    }
  }
  fail(code::kPayloadTampered, "the final chunk does not authenticate: the file was modified");
}

void fail_chunk(int fd, const std::string& path, const PayloadScheme& scheme, uint64_t body_offset, uint64_t index) {
  if (!scheme.final_chunk_is_short()) {
    // The failed open wiped the caller's copy; read the chunk again (failure path only).
    const size_t sealed = scheme.sealed_chunk_size();
    SecureBuffer chunk(sealed);
    if (fs::pread_full(fd, chunk.data(), sealed, body_offset + index * sealed, path) == sealed &&
        chunk_opens_as(*scheme.make_cipher(), index, true, chunk.data(), scheme.chunk_size())) {
      fail(code::kTrailingData, "data follows the final chunk (chunk " + std::to_string(index) +
                                    "): bytes were appended to the file");
    }
  }
  fail(code::kPayloadTampered, "chunk " + std::to_string(index) + " does not authenticate: the file was modified");
}

uint64_t checked_plaintext_size(const PayloadScheme& scheme, uint64_t payload_size,
                                std::optional<uint64_t> expected_plaintext_size) {
  if (expected_plaintext_size) {
    uint64_t expected = scheme.payload_size(*expected_plaintext_size);
    if (payload_size < expected) {
      fail(code::kTruncated, "the file is truncated: " + std::to_string(expected - payload_size) + " bytes are missing");
    }
    if (payload_size > expected) {
      fail(code::kTrailingData, "the file is longer than its header says: " + std::to_string(payload_size - expected) +
                                    " bytes were appended");
    }
    return *expected_plaintext_size;
  }
  uint64_t plaintext = 0;
  if (!scheme.plaintext_size_for(payload_size, &plaintext)) {
    fail(code::kTruncated, "the payload length is impossible: the file was truncated or extended");
  }
  return plaintext;
}

Result encrypt_file(EncryptRequest& request, const Control& control) {
  struct stat st;
  fs::Fd source = fs::open_regular_file(request.source, &st);
  if (static_cast<uint64_t>(st.st_size) != request.expected_size) {
    fail(code::kSourceChanged, request.source + " changed size before encryption started");
  }
  ::posix_fadvise(source.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  const PayloadScheme& scheme = *request.scheme;
  const uint64_t source_size = request.expected_size;
  if (request.padding > UINT64_MAX - source_size) fail(code::kInvalidArgument, "padding is too large");
  const uint64_t size = source_size + request.padding;  // the payload plaintext
  const uint64_t chunks = scheme.chunk_count(size);
  const uint64_t header_size = request.header.size();
  const uint64_t total = header_size + scheme.payload_size(size);
  const size_t cs = scheme.chunk_size();
  const size_t sealed = scheme.sealed_chunk_size();

  fs::Fd out = create_output(request.output);
  fs::TempFile temp(request.output.temp_path);
  fs::preallocate(out.get(), total, request.output.temp_path);
  fs::pwrite_full(out.get(), request.header.data(), header_size, 0, request.output.temp_path);
  fs::pwrite_full(out.get(), scheme.prefix(), scheme.prefix_size(), header_size, request.output.temp_path);

  const uint64_t body_offset = header_size + scheme.prefix_size();
  auto fill = [&](ChunkCipher& cipher, uint64_t first, uint64_t count, WriteJob& job) {
    // Read the source's bytes into slots spaced a tag apart, zero the padding past the source's
    // end (no file I/O for it), seal them in place, and the block is one contiguous run of
    // ciphertext.
    uint8_t* data = job.buffer->data;
    struct iovec iov[kChunksPerBlock];
    int reads = 0;
    uint64_t want = 0;
    uint64_t plaintext = 0;
    for (uint64_t i = 0; i < count; ++i) {
      uint8_t* slot = data + i * sealed;
      uint64_t start = (first + i) * cs;
      uint64_t len = chunk_length(first + i, chunks, size, cs);
      uint64_t from_source = start < source_size ? std::min(len, source_size - start) : 0;
      if (from_source > 0) {
        iov[reads].iov_base = slot;
        iov[reads].iov_len = from_source;
        ++reads;
        want += from_source;
      }
      std::memset(slot + from_source, 0, len - from_source);
      plaintext += len;
    }
    if (reads > 0 && fs::preadv_full(source.get(), iov, reads, first * cs, request.source) != want) {
      fail(code::kSourceChanged, request.source + " shrank while it was being read");
    }
    for (uint64_t i = 0; i < count; ++i) {
      uint8_t* chunk = data + i * sealed;
      cipher.seal(first + i, first + i + 1 == chunks, chunk, chunk_length(first + i, chunks, size, cs), chunk);
    }
    job.iov[0].iov_base = data;
    job.iov[0].iov_len = plaintext + count * scheme.tag_size();
    job.iov_count = 1;
    job.offset = body_offset + first * sealed;
    job.plaintext = plaintext;
  };
  process_blocks(scheme, chunks, size, out.get(), request.output, control, fill);
  check_source_unchanged(source.get(), st, request.source);
  commit_output(out, temp, request.output);
  if (control.progress) control.progress(size, size);
  return Result{size, total};
}

Result decrypt_file(DecryptRequest& request, const Control& control) {
  OpenedPayload source = open_payload(request.source, request.payload_offset, request.prefix_size, request.factory,
                                      request.expected_plaintext_size);
  const uint64_t size = source.size;
  const uint64_t keep = source.size_without(request.padding);
  const size_t cs = source.scheme->chunk_size();
  const size_t sealed = source.scheme->sealed_chunk_size();

  fs::Fd out = create_output(request.output);
  fs::TempFile temp(request.output.temp_path);
  fs::preallocate(out.get(), keep, request.output.temp_path);

  auto fill = [&](ChunkCipher& cipher, uint64_t first, uint64_t count, WriteJob& job) {
    // Open the sealed chunks in place and write the plaintext parts (skipping the tags and the
    // padding) in one gathered write.
    uint8_t* data = job.buffer->data;
    job.plaintext = source.open_chunks(cipher, first, count, data);
    int writes = 0;
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t kept = source.check_padding(first + i, data + i * sealed, keep);
      if (kept == 0) continue;
      job.iov[writes].iov_base = data + i * sealed;
      job.iov[writes].iov_len = kept;
      ++writes;
    }
    job.iov_count = writes;
    job.offset = first * cs;
  };
  process_blocks(*source.scheme, source.chunks, size, out.get(), request.output, control, fill);
  check_source_unchanged(source.fd.get(), source.st, request.source);
  commit_output(out, temp, request.output);
  if (control.progress) control.progress(size, size);
  return Result{keep, source.file_size};
}

Result rekey_file(RekeyRequest& request, const Control& control) {
  OpenedPayload source = open_payload(request.source, request.payload_offset, request.prefix_size,
                                      request.old_factory, request.expected_plaintext_size);
  const PayloadScheme& old_scheme = *source.scheme;
  const PayloadScheme& new_scheme = *request.scheme;
  // New chunk k is built from old chunk k alone, which needs the same chunk geometry.
  if (old_scheme.chunk_size() != new_scheme.chunk_size() || old_scheme.tag_size() != new_scheme.tag_size() ||
      !new_scheme.final_chunk_is_short()) {
    fail(code::kInternal, "rekeying needs the old and new payloads to use the same chunk scheme");
  }
  if (request.keep_bytes > source.size) {
    fail(code::kInvalidArgument, "keepBytes (" + std::to_string(request.keep_bytes) +
                                     ") is larger than the old payload (" + std::to_string(source.size) + " bytes)");
  }
  if (request.padding > UINT64_MAX - request.keep_bytes) fail(code::kInvalidArgument, "padding is too large");
  const uint64_t keep = request.keep_bytes;
  const uint64_t new_size = keep + request.padding;
  const uint64_t new_chunks = new_scheme.chunk_count(new_size);
  const size_t cs = new_scheme.chunk_size();
  const size_t sealed = new_scheme.sealed_chunk_size();
  const uint64_t header_size = request.header.size();
  const uint64_t total = header_size + new_scheme.payload_size(new_size);
  const uint64_t new_body_offset = header_size + new_scheme.prefix_size();

  // Every old chunk is opened (the dropped tail too, so the whole old file is known to be
  // intact), and every new chunk is sealed; a block covers both ranges.
  const uint64_t chunks = std::max(source.chunks, new_chunks);
  auto new_length = [&](uint64_t k) { return chunk_length(k, new_chunks, new_size, cs); };
  // Progress counts, per chunk index, the larger of the old and new chunk's plaintext; every
  // index but the last has a full chunk on at least one side.
  auto work_of = [&](uint64_t k) {
    return std::max(k < source.chunks ? source.length_of(k) : 0, k < new_chunks ? new_length(k) : 0);
  };
  const uint64_t progress_total = (chunks - 1) * cs + work_of(chunks - 1);

  fs::Fd out = create_output(request.output);
  fs::TempFile temp(request.output.temp_path);
  fs::preallocate(out.get(), total, request.output.temp_path);
  fs::pwrite_full(out.get(), request.header.data(), header_size, 0, request.output.temp_path);
  fs::pwrite_full(out.get(), new_scheme.prefix(), new_scheme.prefix_size(), header_size, request.output.temp_path);

  struct Ciphers {
    std::unique_ptr<ChunkCipher> open_old;
    std::unique_ptr<ChunkCipher> seal_new;
  };
  auto make_ciphers = [&]() { return Ciphers{old_scheme.make_cipher(), new_scheme.make_cipher()}; };
  auto fill = [&](Ciphers& ciphers, uint64_t first, uint64_t count, WriteJob& job) {
    // Open the old chunks in place, then turn each slot into the new chunk's plaintext (the kept
    // old bytes, then zeros) and seal it in place: the plaintext never leaves this buffer.
    uint8_t* data = job.buffer->data;
    uint64_t old_count = first < source.chunks ? std::min(count, source.chunks - first) : 0;
    source.open_chunks(*ciphers.open_old, first, old_count, data);
    uint64_t new_count = first < new_chunks ? std::min(count, new_chunks - first) : 0;
    uint64_t bytes = 0;
    for (uint64_t i = 0; i < new_count; ++i) {
      uint64_t k = first + i;
      uint8_t* slot = data + i * sealed;
      uint64_t len = new_length(k);
      uint64_t kept = k * cs < keep ? std::min(len, keep - k * cs) : 0;
      std::memset(slot + kept, 0, len - kept);
      ciphers.seal_new->seal(k, k + 1 == new_chunks, slot, len, slot);
      bytes += len + new_scheme.tag_size();
    }
    job.iov[0].iov_base = data;
    job.iov[0].iov_len = bytes;
    job.iov_count = new_count > 0 ? 1 : 0;
    job.offset = new_body_offset + first * sealed;
    job.plaintext = 0;
    for (uint64_t i = 0; i < count; ++i) job.plaintext += work_of(first + i);
  };
  run_blocks(chunks, sealed, progress_total, control, make_ciphers, fill, BlockWriter(out.get(), request.output));
  check_source_unchanged(source.fd.get(), source.st, request.source);
  commit_output(out, temp, request.output);
  if (control.progress) control.progress(progress_total, progress_total);
  return Result{new_size, total};
}

Result verify_file(VerifyRequest& request, const Control& control) {
  OpenedPayload source = open_payload(request.source, request.payload_offset, request.prefix_size, request.factory,
                                      request.expected_plaintext_size);
  const uint64_t keep = source.size_without(request.padding);
  const size_t sealed = source.scheme->sealed_chunk_size();
  auto fill = [&](std::unique_ptr<ChunkCipher>& cipher, uint64_t first, uint64_t count, WriteJob& job) {
    uint8_t* data = job.buffer->data;
    job.plaintext = source.open_chunks(*cipher, first, count, data);
    for (uint64_t i = 0; i < count; ++i) source.check_padding(first + i, data + i * sealed, keep);
    job.iov_count = 0;
  };
  run_blocks(
      source.chunks, sealed, source.size, control, [&]() { return source.scheme->make_cipher(); }, fill,
      [](WriteJob&) {});
  check_source_unchanged(source.fd.get(), source.st, request.source);
  if (control.progress) control.progress(source.size, source.size);
  return Result{keep, source.file_size};
}

}  // namespace filesec::engine

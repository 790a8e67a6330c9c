// POSIX file helpers with filesec's error conventions: every failure throws filesec::Error
// naming the system call, the path and the errno.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstdint>
#include <string>

namespace filesec::fs {

// Closes the descriptor when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  // Closes now and reports a failed close (data may not have reached the file).
  void close_checked(const std::string& path);

 private:
  int fd_ = -1;
};

// Opens a regular file for reading; FSEC_FILE_NOT_FOUND / FSEC_NOT_A_FILE / FSEC_IO.
Fd open_regular_file(const std::string& path, struct stat* st);

// Creates a new file that must not exist (O_EXCL, no symlink following) with exactly `mode`, and
// holds an exclusive advisory lock (flock) on it for as long as the descriptor is open: a cleaner
// of leftovers (lib/doctor.ts) removes only temporaries nobody holds, i.e. whose writer is gone
// (the kernel drops the lock when the process dies, even by SIGKILL).
Fd create_exclusive(const std::string& path, mode_t mode);

// What a leftover temporary or journal is: still held by a live writer, or abandoned.
enum class LeftoverState { kInUse, kAbandoned, kGone };

// Tries the writer's lock without waiting (LOCK_EX|LOCK_NB on a new open file description) and
// releases it again. kGone when the file no longer exists. Never follows a symbolic link.
LeftoverState probe_leftover(const std::string& path);

// Reads until `size` bytes or end of file; returns the bytes read. Retries EINTR.
size_t pread_full(int fd, uint8_t* buf, size_t size, uint64_t offset, const std::string& path);
// Scatter read into iovecs until all are full or end of file; returns the bytes read.
size_t preadv_full(int fd, struct iovec* iov, int count, uint64_t offset, const std::string& path);
void pwrite_full(int fd, const uint8_t* buf, size_t size, uint64_t offset, const std::string& path);
void pwritev_full(int fd, struct iovec* iov, int count, uint64_t offset, const std::string& path);

// Reserves space for the output up front where the file system supports it (not tmpfs), so a
// full disk is reported before any work is done. Silently does nothing where unsupported.
void preallocate(int fd, uint64_t size, const std::string& path);

void fdatasync_checked(int fd, const std::string& path);

// Asks the kernel to start writing back the file's dirty pages now, without waiting (a hint:
// failures are ignored; the final fdatasync is what guarantees durability).
void start_writeback(int fd);

// Moves `from` to `to`. Without `overwrite` the move fails with FSEC_OUTPUT_EXISTS if `to`
// exists, atomically (renameat2 RENAME_NOREPLACE, or link + unlink where that is unsupported).
void rename_into_place(const std::string& from, const std::string& to, bool overwrite);

// fsyncs the folder holding `path`, so a rename or unlink in it survives a crash.
void fsync_parent(const std::string& path);

bool exists(const std::string& path);

// Starts writeback of a file's dirty pages each time another `interval` bytes have been
// written, so that the final fdatasync only waits for the tail instead of the whole file.
class WritebackStarter {
 public:
  explicit WritebackStarter(int fd, uint64_t interval = 64u << 20) : fd_(fd), interval_(interval) {}
  void wrote(uint64_t bytes) {
    pending_ += bytes;
    if (pending_ >= interval_) {
      start_writeback(fd_);
      pending_ = 0;
    }
  }

 private:
  int fd_;
  uint64_t interval_;
  uint64_t pending_ = 0;
};

// Removes a temporary file on scope exit unless keep() was called.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  void keep() { keep_ = true; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool keep_ = false;
};

}  // namespace filesec::fs

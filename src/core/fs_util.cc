#include "fs_util.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "error.h"

namespace filesec::fs {

namespace {

std::string parent_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

void Fd::close_checked(const std::string& path) {
  int f = release();
  if (f >= 0 && ::close(f) != 0 && errno != EINTR) fail_errno(errno, "close", path);
}

Fd open_regular_file(const std::string& path, struct stat* st) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_errno(errno, "open", path);
  Fd guard(fd);
  if (::fstat(fd, st) != 0) fail_errno(errno, "fstat", path);
  if (!S_ISREG(st->st_mode)) fail(code::kNotAFile, path + " is not a regular file");
  return guard;
}

Fd create_exclusive(const std::string& path, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) fail_errno(errno, "open", path);
  Fd guard(fd);
  // The umask may have removed bits we asked for; set exactly what was asked.
  if (::fchmod(fd, mode) != 0) fail_errno(errno, "fchmod", path);
  // Nobody else has a reason to lock a file this new, but a cleaner may probe it between open and
  // flock: then it may remove the name, and the final rename fails with ENOENT (nothing is lost).
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) fail_errno(errno, "flock", path);
  }
  return guard;
}

LeftoverState probe_leftover(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return LeftoverState::kGone;
    fail_errno(errno, "open", path);
  }
  Fd guard(fd);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return LeftoverState::kInUse;
    fail_errno(errno, "flock", path);
  }
  return LeftoverState::kAbandoned;
}

size_t pread_full(int fd, uint8_t* buf, size_t size, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, buf + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(errno, "pread", path);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

size_t preadv_full(int fd, struct iovec* iov, int count, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (count > 0) {
    ssize_t n = ::preadv(fd, iov, count, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(errno, "preadv", path);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
    size_t left = static_cast<size_t>(n);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0 && left > 0) {
      iov->iov_base = static_cast<uint8_t*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return done;
}

void pwrite_full(int fd, const uint8_t* buf, size_t size, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pwrite(fd, buf + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(errno, "pwrite", path);
    }
    done += static_cast<size_t>(n);
  }
}

void pwritev_full(int fd, struct iovec* iov, int count, uint64_t offset, const std::string& path) {
  uint64_t done = 0;
  while (count > 0) {
    ssize_t n = ::pwritev(fd, iov, count, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(errno, "pwritev", path);
    }
    done += static_cast<uint64_t>(n);
    size_t left = static_cast<size_t>(n);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0 && left > 0) {
      iov->iov_base = static_cast<uint8_t*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
}

void preallocate(int fd, uint64_t size, const std::string& path) {
  if (size == 0) return;
  // On tmpfs, fallocate allocates and zeroes every page that the write then fills again: about
  // 15% slower for nothing (a full tmpfs still fails the write, cleanly).
  struct statfs sfs;
  if (::fstatfs(fd, &sfs) == 0 && (sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC)) return;
  if (::fallocate(fd, 0, 0, static_cast<off_t>(size)) == 0) return;
  int err = errno;
  if (err == EOPNOTSUPP || err == ENOSYS || err == EINVAL) return;
  fail_errno(err, "fallocate", path);
}

void fdatasync_checked(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) fail_errno(errno, "fdatasync", path);
}

void start_writeback(int fd) { ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE); }

void rename_into_place(const std::string& from, const std::string& to, bool overwrite) {
  if (overwrite) {
    if (::rename(from.c_str(), to.c_str()) != 0) fail_errno(errno, "rename", to);
    return;
  }
  if (::syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return;
  int err = errno;
  if (err != EINVAL && err != ENOSYS) {
    if (err == EEXIST) fail(code::kOutputExists, to + " already exists");
    fail_errno(err, "renameat2", to);
  }
  // File systems without RENAME_NOREPLACE: link() refuses to replace, then drop the old name.
  if (::link(from.c_str(), to.c_str()) != 0) {
    if (errno == EEXIST) fail(code::kOutputExists, to + " already exists");
    fail_errno(errno, "link", to);
  }
  ::unlink(from.c_str());
}

void fsync_parent(const std::string& path) {
  std::string dir = parent_of(path);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail_errno(errno, "open", dir);
  Fd guard(fd);
  if (::fsync(fd) != 0 && errno != EINVAL) fail_errno(errno, "fsync", dir);
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

TempFile::~TempFile() {
  if (!keep_) ::unlink(path_.c_str());
}

}  // namespace filesec::fs

#include "header_commit.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "error.h"
#include "fs_util.h"
#include "primitives.h"
#include "rotation_journal.h"

namespace filesec::rotation {

namespace {

constexpr size_t kKernelCopyStep = size_t{64} << 20;
constexpr size_t kBufferCopyStep = size_t{1} << 20;

int64_t nanoseconds(const struct timespec& t) { return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec; }

fs::Fd open_regular(const std::string& path, int flags, struct stat* st) {
  int raw = ::open(path.c_str(), flags | O_NOFOLLOW | O_CLOEXEC);
  if (raw < 0) fail_errno(errno, "open", path);
  fs::Fd fd(raw);
  if (::fstat(fd.get(), st) != 0) fail_errno(errno, "fstat", path);
  if (!S_ISREG(st->st_mode)) fail(code::kNotAFile, path + " is not a regular file");
  return fd;
}

[[noreturn]] void changed(const std::string& path) {
  fail(code::kSourceChanged, path + " changed since its header was read; the rotation was not applied");
}

// The file must still be the one the caller read, with the header the caller read.
void check_unchanged(int fd, const std::string& path, const FileIdentity& expected, const struct stat& st,
                     ByteView old_header) {
  if (!same_file(expected, st)) changed(path);
  std::vector<uint8_t> current(old_header.size);
  if (fs::pread_full(fd, current.data(), current.size(), 0, path) != current.size() ||
      !crypto::equal_ct(ByteView::of(current), old_header)) {
    changed(path);
  }
}

void remove_journal(const std::string& journal_path, bool durable) {
  if (::unlink(journal_path.c_str()) != 0 && errno != ENOENT) fail_errno(errno, "unlink", journal_path);
  if (durable) fs::fsync_parent(journal_path);
}

// Removes the journal when the rewrite fails before the file was touched, durably: a journal
// that came back after a crash would apply a rotation the caller was told had failed.
class JournalUntilWrite {
 public:
  JournalUntilWrite(std::string path, bool durable) : path_(std::move(path)), durable_(durable) {}
  ~JournalUntilWrite() {
    if (armed_) {
      try {
        remove_journal(path_, durable_);
      } catch (const Error&) {
        // Already failing; the journal names itself in the error a reader will see.
      }
    }
  }
  JournalUntilWrite(const JournalUntilWrite&) = delete;
  JournalUntilWrite& operator=(const JournalUntilWrite&) = delete;
  void disarm() { armed_ = false; }

 private:
  std::string path_;
  bool durable_;
  bool armed_ = true;
};

// Copies `length` bytes between two files at the given offsets: copy_file_range (in the kernel,
// a reflink where the file system shares extents), else read and write.
void copy_range(int in, uint64_t in_offset, int out, uint64_t out_offset, uint64_t length, const std::string& source,
                const std::string& target, const std::atomic<bool>& cancelled) {
  bool in_kernel = true;
  std::vector<uint8_t> buffer;
  while (length > 0) {
    if (cancelled.load()) fail(code::kAborted, "the rotation was aborted");
    if (in_kernel) {
      loff_t from = static_cast<loff_t>(in_offset);
      loff_t to = static_cast<loff_t>(out_offset);
      ssize_t n = ::copy_file_range(in, &from, out, &to, static_cast<size_t>(std::min<uint64_t>(length, kKernelCopyStep)), 0);
      if (n < 0) {
        int err = errno;
        if (err == EINTR) continue;
        if (err == EXDEV || err == EINVAL || err == ENOSYS || err == EOPNOTSUPP) {
          in_kernel = false;
          continue;
        }
        fail_errno(err, "copy_file_range", target);
      }
      if (n == 0) changed(source);  // the file became shorter under us
      in_offset += static_cast<uint64_t>(n);
      out_offset += static_cast<uint64_t>(n);
      length -= static_cast<uint64_t>(n);
      continue;
    }
    if (buffer.empty()) buffer.resize(kBufferCopyStep);
    size_t want = static_cast<size_t>(std::min<uint64_t>(length, buffer.size()));
    if (fs::pread_full(in, buffer.data(), want, in_offset, source) != want) changed(source);
    fs::pwrite_full(out, buffer.data(), want, out_offset, target);
    in_offset += want;
    out_offset += want;
    length -= want;
  }
}

}  // namespace

bool same_file(const FileIdentity& expected, const struct stat& st) {
  return expected.dev == static_cast<uint64_t>(st.st_dev) && expected.ino == static_cast<uint64_t>(st.st_ino) &&
         expected.size == static_cast<uint64_t>(st.st_size) && expected.mtime_ns == nanoseconds(st.st_mtim) &&
         expected.ctime_ns == nanoseconds(st.st_ctim);
}

void commit_in_place(const std::string& path, const std::string& journal_path, const FileIdentity& expected,
                     ByteView old_header, ByteView new_header, bool durable) {
  if (old_header.size != new_header.size) fail(code::kInternal, "an in-place rewrite needs a header of the old size");
  fs::Fd journal_lock = write_journal(journal_path, old_header, new_header, durable);
  JournalUntilWrite journal(journal_path, durable);
  struct stat st;
  fs::Fd fd = open_regular(path, O_RDWR, &st);
  check_unchanged(fd.get(), path, expected, st, old_header);
  // From the first byte written on, the journal stays until the new header is safely down: a
  // crash or an I/O error from here on is completed by recover().
  journal.disarm();
  fs::pwrite_full(fd.get(), new_header.data, new_header.size, 0, path);
  if (durable) fs::fdatasync_checked(fd.get(), path);
  fd.close_checked(path);
  remove_journal(journal_path, durable);
}

uint64_t commit_by_copy(const std::string& path, const std::string& temp_path, const FileIdentity& expected,
                        ByteView old_header, ByteView new_header, bool durable, const std::atomic<bool>& cancelled) {
  struct stat st;
  fs::Fd in = open_regular(path, O_RDONLY, &st);
  check_unchanged(in.get(), path, expected, st, old_header);
  uint64_t payload = static_cast<uint64_t>(st.st_size) - old_header.size;

  fs::Fd out = fs::create_exclusive(temp_path, 0600);
  fs::TempFile temp(temp_path);
  fs::pwrite_full(out.get(), new_header.data, new_header.size, 0, temp_path);
  copy_range(in.get(), old_header.size, out.get(), new_header.size, payload, path, temp_path, cancelled);
  // Who may read the file on disk stays as it was (an in-place rewrite keeps it too).
  if (::fchmod(out.get(), st.st_mode & 0777) != 0) fail_errno(errno, "fchmod", temp_path);
  if (durable) fs::fdatasync_checked(out.get(), temp_path);
  out.close_checked(temp_path);

  // Written during the copy, or replaced by another file under the same name: give up.
  struct stat after;
  if (::fstat(in.get(), &after) != 0) fail_errno(errno, "fstat", path);
  if (!same_file(expected, after)) changed(path);
  struct stat named;
  if (::lstat(path.c_str(), &named) != 0 || named.st_dev != st.st_dev || named.st_ino != st.st_ino) changed(path);
  if (cancelled.load()) fail(code::kAborted, "the rotation was aborted");

  fs::rename_into_place(temp_path, path, true);
  temp.keep();
  if (durable) fs::fsync_parent(path);
  return new_header.size + payload;
}

bool recover(const std::string& path, const std::string& journal_path, bool durable) {
  if (fs::probe_leftover(journal_path) == fs::LeftoverState::kInUse) {
    fail(code::kRotationInterrupted, "a rotation of " + path + " is running (its journal " + journal_path +
                                         " is held by a live process)");
  }
  Journal journal;
  if (!read_journal(journal_path, &journal)) return false;
  struct stat st;
  fs::Fd fd = open_regular(path, O_RDWR, &st);
  size_t size = journal.new_header.size();
  std::vector<uint8_t> current(size);
  bool matches = fs::pread_full(fd.get(), current.data(), size, 0, path) == size;
  for (size_t i = 0; matches && i < size; ++i) {
    matches = current[i] == journal.old_header[i] || current[i] == journal.new_header[i];
  }
  if (!matches) {
    fail(code::kRotationJournalInvalid, "the rotation journal " + journal_path + " does not match " + path +
                                            " (its header is neither the recorded old header, the new one, nor a "
                                            "mix of the two); it was not applied");
  }
  fs::pwrite_full(fd.get(), journal.new_header.data(), size, 0, path);
  if (durable) fs::fdatasync_checked(fd.get(), path);
  fd.close_checked(path);
  remove_journal(journal_path, durable);
  return true;
}

}  // namespace filesec::rotation

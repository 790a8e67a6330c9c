#include "shredder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/fs.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "fs_util.h"
#include "keystream.h"
#include "primitives.h"
#include "progress.h"

namespace filesec::shredder {

namespace {

// Large writes keep the system-call count low; a few blocks of keystream ahead are enough to
// keep the writer busy.
constexpr size_t kBlockSize = 4u << 20;
constexpr int kKeystreamDepth = 3;
constexpr int kNameAttempts = 32;

struct FreeDeleter {
  void operator()(uint8_t* p) const { std::free(p); }
};

// A page-aligned block buffer.
std::unique_ptr<uint8_t, FreeDeleter> allocate_block() {
  auto* p = static_cast<uint8_t*>(std::aligned_alloc(4096, kBlockSize));
  if (p == nullptr) throw std::bad_alloc();
  return std::unique_ptr<uint8_t, FreeDeleter>(p);
}

// Where the bytes of one pass come from, one block at a time. Every block is kBlockSize bytes
// except the last, which holds what is left of the file.
class BlockSource {
 public:
  virtual ~BlockSource() = default;
  // The next block; valid until release().
  virtual const uint8_t* next() = 0;
  virtual void release() {}
};

// The same fixed byte everywhere.
class PatternBlocks final : public BlockSource {
 public:
  explicit PatternBlocks(uint8_t byte) : block_(allocate_block()) { std::memset(block_.get(), byte, kBlockSize); }
  const uint8_t* next() override { return block_.get(); }

 private:
  std::unique_ptr<uint8_t, FreeDeleter> block_;
};

// A fresh keystream for one pass, generated on a thread of its own a few blocks ahead of the
// writer, so that the disk and not the generator sets the pace.
class KeystreamBlocks final : public BlockSource {
 public:
  explicit KeystreamBlocks(uint64_t total) : total_(total) {
    for (int i = 0; i < kKeystreamDepth; ++i) {
      buffers_.push_back(allocate_block());
      free_.push_back(i);
    }
    thread_ = std::thread([this] { produce(); });
  }

  ~KeystreamBlocks() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  const uint8_t* next() override {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return !filled_.empty() || error_; });
    if (filled_.empty()) std::rethrow_exception(error_);
    current_ = filled_.front();
    filled_.pop_front();
    return buffers_[current_].get();
  }

  void release() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      free_.push_back(current_);
    }
    cv_.notify_all();
  }

 private:
  void produce() {
    try {
      crypto::Keystream keystream;
      for (uint64_t offset = 0; offset < total_;) {
        int slot;
        {
          std::unique_lock<std::mutex> lock(mutex_);
          cv_.wait(lock, [&] { return stop_ || !free_.empty(); });
          if (stop_) return;
          slot = free_.front();
          free_.pop_front();
        }
        size_t n = static_cast<size_t>(std::min<uint64_t>(kBlockSize, total_ - offset));
        keystream.fill(buffers_[slot].get(), n);
        offset += n;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          filled_.push_back(slot);
        }
        cv_.notify_all();
      }
    } catch (...) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        error_ = std::current_exception();
      }
      cv_.notify_all();
    }
  }

  const uint64_t total_;
  std::vector<std::unique_ptr<uint8_t, FreeDeleter>> buffers_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<int> free_;
  std::deque<int> filled_;
  int current_ = -1;
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

// The file to destroy, opened for writing through its folder, and the folder itself (renames and
// the unlink happen relative to it, so they stay in the same folder whatever happens to its path).
struct Target {
  std::string path;
  std::string folder_path;
  std::string name;  // its current name in the folder
  fs::Fd folder;
  fs::Fd file;
  struct stat st;
};

Target open_target(const std::string& path) {
  Target t;
  t.path = path;
  size_t slash = path.rfind('/');
  if (path.empty() || path[0] != '/' || slash == std::string::npos) {
    fail(code::kInvalidArgument, "the path to destroy must be absolute");
  }
  t.folder_path = slash == 0 ? "/" : path.substr(0, slash);
  t.name = path.substr(slash + 1);
  if (t.name.empty() || t.name == "." || t.name == "..") fail(code::kNotAFile, path + " does not name a file");

  int dir = ::open(t.folder_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) fail_errno(errno, "open", t.folder_path);
  t.folder = fs::Fd(dir);

  if (::fstatat(dir, t.name.c_str(), &t.st, AT_SYMLINK_NOFOLLOW) != 0) fail_errno(errno, "lstat", path);
  if (S_ISLNK(t.st.st_mode)) {
    fail(code::kNotAFile, path + " is a symbolic link: destroy never follows links (give the path of the file itself)");
  }
  if (S_ISDIR(t.st.st_mode)) fail(code::kNotAFile, path + " is a directory, not a regular file");
  if (!S_ISREG(t.st.st_mode)) fail(code::kNotAFile, path + " is not a regular file (a device, FIFO or socket)");

  // O_NONBLOCK: should the name turn into a FIFO in between, open must not wait for a reader.
  int fd = ::openat(dir, t.name.c_str(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP) fail(code::kNotAFile, path + " is a symbolic link: destroy never follows links");
    fail_errno(errno, "open", path);
  }
  t.file = fs::Fd(fd);
  struct stat opened;
  if (::fstat(fd, &opened) != 0) fail_errno(errno, "fstat", path);
  if (!S_ISREG(opened.st_mode) || !same_file(opened, t.st)) {
    fail(code::kSourceChanged, path + " was replaced while it was being opened; nothing was changed");
  }
  t.st = opened;
  return t;
}

// fdatasync that tells "not supported by this file system" (false) from a failure (thrown).
bool sync_data(int fd, const std::string& path) {
  if (::fdatasync(fd) == 0) return true;
  if (errno == EINVAL) return false;
  fail_errno(errno, "fdatasync", path);
}

bool sync_folder(int dir, const std::string& path) {
  if (::fsync(dir) == 0) return true;
  if (errno == EINVAL) return false;
  fail_errno(errno, "fsync", path);
}

std::string random_name(size_t length) {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::vector<uint8_t> bytes(length);
  crypto::random_bytes(bytes.data(), bytes.size());
  std::string name(length, 'x');
  for (size_t i = 0; i < length; ++i) name[i] = kAlphabet[bytes[i] % 62];
  return name;
}

class Shredding {
 public:
  Shredding(Target target, Report& report) : t_(std::move(target)), report_(report) {
    report_.device_major = major(t_.st.st_dev);
    report_.device_minor = minor(t_.st.st_dev);
    report_.inode = static_cast<uint64_t>(t_.st.st_ino);
    report_.links = static_cast<uint64_t>(t_.st.st_nlink);
    report_.size = static_cast<uint64_t>(t_.st.st_size);
    report_.block_size = static_cast<uint64_t>(t_.st.st_blksize);
  }

  Step step() const { return step_; }

  void overwrite(const std::vector<Pattern>& passes, const Control& control) {
    const uint64_t size = report_.size;
    ThrottledProgress progress(control.progress, size * passes.size());
    progress.report();
    report_.passes.reserve(passes.size());
    for (Pattern pattern : passes) {
      report_.passes.push_back(PassReport{pattern, 0, false});
      PassReport& pass = report_.passes.back();
      step_ = Step::kOverwrite;
      std::unique_ptr<BlockSource> source;
      if (pattern == Pattern::kRandom) {
        source = std::make_unique<KeystreamBlocks>(size);
      } else {
        source = std::make_unique<PatternBlocks>(pattern == Pattern::kOnes ? 0xff : 0x00);
      }
      fs::WritebackStarter writeback(t_.file.get());
      for (uint64_t offset = 0; offset < size;) {
        check_cancelled(control);
        size_t n = static_cast<size_t>(std::min<uint64_t>(kBlockSize, size - offset));
        write_counted(source->next(), n, offset, pass);
        source->release();
        offset += n;
        writeback.wrote(n);
        progress.add(n);
      }
      // Each pass must reach the disk before the next one starts: otherwise the page cache
      // would merge the passes and only the last would ever be written.
      step_ = Step::kSync;
      pass.synced = sync_data(t_.file.get(), t_.path);
    }
    progress.report();
    step_ = Step::kCheck;
    struct stat after;
    if (::fstat(t_.file.get(), &after) != 0) fail_errno(errno, "fstat", t_.path);
    if (static_cast<uint64_t>(after.st_size) > size) {
      fail(code::kSourceChanged, t_.path + " grew while it was being overwritten: the bytes after the first " +
                                     std::to_string(size) + " were not overwritten");
    }
  }

  void remove() {
    step_ = Step::kCheck;
    check_name_is_ours();
    // With other hard links the file lives on under those names: leave it at its size (showing the
    // last pattern) rather than emptying it under its other names.
    step_ = Step::kTruncate;
    struct stat now;
    if (::fstat(t_.file.get(), &now) != 0) fail_errno(errno, "fstat", t_.path);
    if (now.st_nlink <= 1) {
      if (::ftruncate(t_.file.get(), 0) != 0) fail_errno(errno, "ftruncate", t_.path);
      if (::fsync(t_.file.get()) != 0 && errno != EINVAL) fail_errno(errno, "fsync", t_.path);
      report_.truncated = true;
    }
    // Like shred: first a random name of the original length, then a short one, syncing the
    // folder after each, so the last name the folder and its journal recorded says nothing about
    // the file. (Bytes of the old name may still linger in the folder's free space.)
    for (size_t length : {t_.name.size(), size_t{6}}) {
      step_ = Step::kRename;
      if (!rename_to_random_name(length)) break;
      step_ = Step::kFolderSync;
      sync_folder(t_.folder.get(), t_.folder_path);
    }
    step_ = Step::kUnlink;
    if (::unlinkat(t_.folder.get(), t_.name.c_str(), 0) != 0) fail_errno(errno, "unlink", current_path());
    report_.unlinked = true;
    step_ = Step::kFolderSync;
    report_.folder_synced = sync_folder(t_.folder.get(), t_.folder_path);
    t_.file.close_checked(t_.path);
  }

 private:
  std::string current_path() const { return t_.folder_path == "/" ? "/" + t_.name : t_.folder_path + "/" + t_.name; }

  // pwrite until all `n` bytes are written, counting each write as it lands: when one fails
  // part-way (a full disk, a file-size limit), the report says exactly how far the pass got.
  void write_counted(const uint8_t* data, size_t n, uint64_t offset, PassReport& pass) {
    size_t done = 0;
    while (done < n) {
      ssize_t w = ::pwrite(t_.file.get(), data + done, n - done, static_cast<off_t>(offset + done));
      if (w < 0) {
        if (errno == EINTR) continue;
        fail_errno(errno, "pwrite", t_.path);
      }
      done += static_cast<size_t>(w);
      pass.bytes_written += static_cast<uint64_t>(w);
    }
  }

  void check_cancelled(const Control& control) const {
    if (control.cancelled != nullptr && control.cancelled->load(std::memory_order_relaxed)) {
      fail(code::kAborted, "the destroy was aborted");
    }
  }

  // Renames and the unlink go by name: make sure the name still refers to the file we overwrote.
  void check_name_is_ours() const {
    struct stat st;
    if (::fstatat(t_.folder.get(), t_.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      fail_errno(errno, "lstat", current_path());
    }
    if (!same_file(st, t_.st)) {
      fail(code::kSourceChanged, current_path() + " no longer names the file that was overwritten");
    }
  }

  // Returns false when the file system cannot rename without the risk of replacing another file.
  bool rename_to_random_name(size_t length) {
    for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
      std::string name = random_name(std::max<size_t>(1, std::min<size_t>(length, 255)));
      if (name == t_.name) continue;
      if (::syscall(SYS_renameat2, t_.folder.get(), t_.name.c_str(), t_.folder.get(), name.c_str(),
                    RENAME_NOREPLACE) == 0) {
        moved_to(name);
        return true;
      }
      int err = errno;
      if (err == EEXIST) continue;
      if (err != EINVAL && err != ENOSYS) fail_errno(err, "rename", current_path());
      // No RENAME_NOREPLACE here: link() never replaces an existing name.
      if (::linkat(t_.folder.get(), t_.name.c_str(), t_.folder.get(), name.c_str(), 0) != 0) {
        if (errno == EEXIST) continue;
        if (errno == EPERM || errno == EOPNOTSUPP) return false;  // no hard links on this file system
        fail_errno(errno, "link", current_path());
      }
      if (::unlinkat(t_.folder.get(), t_.name.c_str(), 0) != 0) fail_errno(errno, "unlink", current_path());
      moved_to(name);
      return true;
    }
    fail(code::kIo, "found no free random name to rename " + current_path() + " to");
  }

  void moved_to(const std::string& name) {
    t_.name = name;
    report_.renamed_to.push_back(name);
  }

  Target t_;
  Report& report_;
  Step step_ = Step::kNone;
};

}  // namespace

Report shred_file(const Request& request, const Control& control) {
  const int64_t start = now_ns();
  Report report;
  Shredding shredding(open_target(request.path), report);
  try {
    shredding.overwrite(request.passes, control);
    if (request.remove) shredding.remove();
  } catch (const Error& e) {
    report.error = e;
    report.failed_step = shredding.step();
  } catch (const std::bad_alloc&) {
    report.error.emplace(code::kInternal, "out of memory");
    report.failed_step = shredding.step();
  }
  report.seconds = static_cast<double>(now_ns() - start) / 1e9;
  return report;
}

}  // namespace filesec::shredder

#include "rotation_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "error.h"
#include "fs_util.h"
#include "fsec_header.h"
#include "primitives.h"

namespace filesec::rotation {

namespace {

constexpr uint8_t kMagic[16] = {'f', 'i', 'l', 'e', 's', 'e', 'c', '-', 'r', 'o', 't', 'a', 't', 'e', 0, 1};
constexpr size_t kSizeOffset = 16;
constexpr size_t kHeadersOffset = 20;
constexpr size_t kChecksumSize = 32;
constexpr size_t kMaxJournalSize = kHeadersOffset + 2 * size_t{fsec::kMaxHeaderSize} + kChecksumSize;

[[noreturn]] void invalid(const std::string& path, const std::string& why) {
  fail(code::kRotationJournalInvalid, "the rotation journal " + path + " is not usable (" + why +
                                          "); it was not applied");
}

}  // namespace

std::vector<uint8_t> encode_journal(ByteView old_header, ByteView new_header) {
  if (old_header.size != new_header.size || old_header.size > fsec::kMaxHeaderSize) {
    fail(code::kInternal, "an in-place header rewrite needs two headers of the same size");
  }
  std::vector<uint8_t> out(kMagic, kMagic + sizeof kMagic);
  uint32_t size = static_cast<uint32_t>(old_header.size);
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<uint8_t>(size >> (8 * i)));
  out.insert(out.end(), old_header.data, old_header.data + old_header.size);
  out.insert(out.end(), new_header.data, new_header.data + new_header.size);
  uint8_t checksum[kChecksumSize];
  crypto::sha256(ByteView::of(out), checksum);
  out.insert(out.end(), checksum, checksum + kChecksumSize);
  return out;
}

Journal decode_journal(ByteView bytes, const std::string& path) {
  if (bytes.size < kHeadersOffset + kChecksumSize || std::memcmp(bytes.data, kMagic, sizeof kMagic) != 0) {
    invalid(path, "not a filesec rotation journal, or cut short");
  }
  const uint8_t* p = bytes.data + kSizeOffset;
  size_t size = (size_t{p[0]} << 24) | (size_t{p[1]} << 16) | (size_t{p[2]} << 8) | p[3];
  if (size > fsec::kMaxHeaderSize || bytes.size != kHeadersOffset + 2 * size + kChecksumSize) {
    invalid(path, "its length does not match the header size it records: it was cut short");
  }
  uint8_t checksum[kChecksumSize];
  crypto::sha256(ByteView(bytes.data, bytes.size - kChecksumSize), checksum);
  if (!crypto::equal_ct(ByteView(checksum, kChecksumSize), ByteView(bytes.data + bytes.size - kChecksumSize, kChecksumSize))) {
    invalid(path, "its checksum does not match: it is incomplete or damaged");
  }
  Journal j;
  j.old_header.assign(bytes.data + kHeadersOffset, bytes.data + kHeadersOffset + size);
  j.new_header.assign(bytes.data + kHeadersOffset + size, bytes.data + kHeadersOffset + 2 * size);
  try {
    fsec::Header old_parsed = fsec::parse(ByteView::of(j.old_header));
    fsec::Header new_parsed = fsec::parse(ByteView::of(j.new_header));
    if (old_parsed.size != size || new_parsed.size != size) invalid(path, "a recorded header has the wrong size");
  } catch (const Error& e) {
    if (std::strcmp(e.code(), code::kRotationJournalInvalid) == 0) throw;
    invalid(path, "a recorded header is malformed: " + e.message());
  }
  if (!crypto::equal_ct(ByteView(j.old_header.data(), fsec::kPrefixSize), ByteView(j.new_header.data(), fsec::kPrefixSize))) {
    invalid(path, "the two recorded headers belong to different files");
  }
  return j;
}

namespace {

std::string temp_name_for(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string folder = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  uint8_t random[6];
  crypto::random_bytes(random, sizeof random);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (uint8_t b : random) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  // The temporary-file naming of lib/paths.ts tempPathFor, so filesec doctor recognises it.
  return folder + "." + name + "." + hex + ".fsec-tmp";
}

}  // namespace

fs::Fd write_journal(const std::string& path, ByteView old_header, ByteView new_header, bool durable) {
  std::vector<uint8_t> bytes = encode_journal(old_header, new_header);
  auto interrupted = [&]() {
    fail(code::kRotationInterrupted,
         "a rotation journal already exists (" + path + "): another rotation is running or was interrupted");
  };
  if (fs::exists(path)) interrupted();
  // Written under a temporary name and renamed: a journal under its own name is always complete,
  // so a crash while it is written leaves a temporary (filesec doctor removes it), not a journal
  // that nothing can apply and that keeps the file from opening.
  std::string temp_path = temp_name_for(path);
  fs::Fd fd = fs::create_exclusive(temp_path, 0600);
  fs::TempFile temp(temp_path);
  fs::pwrite_full(fd.get(), bytes.data(), bytes.size(), 0, temp_path);
  if (durable) fs::fdatasync_checked(fd.get(), temp_path);
  try {
    fs::rename_into_place(temp_path, path, false);
  } catch (const Error& e) {
    if (std::strcmp(e.code(), code::kOutputExists) == 0) interrupted();
    throw;
  }
  temp.keep();
  if (durable) fs::fsync_parent(path);
  return fd;
}

bool read_journal(const std::string& path, Journal* journal) {
  int raw = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (raw < 0) {
    if (errno == ENOENT) return false;
    fail_errno(errno, "open", path);
  }
  fs::Fd fd(raw);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) fail_errno(errno, "fstat", path);
  if (!S_ISREG(st.st_mode)) invalid(path, "not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxJournalSize) invalid(path, "too large");
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t n = fs::pread_full(fd.get(), bytes.data(), bytes.size(), 0, path);
  bytes.resize(n);
  *journal = decode_journal(ByteView::of(bytes), path);
  return true;
}

}  // namespace filesec::rotation

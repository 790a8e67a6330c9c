#include "age_armor.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "encoding.h"
#include "error.h"
#include "fs_util.h"
#include "progress.h"

namespace filesec::age {

namespace {

constexpr char kArmorBegin[] = "-----BEGIN AGE ENCRYPTED FILE-----";
constexpr char kArmorEnd[] = "-----END AGE ENCRYPTED FILE-----";
constexpr size_t kColumns = 64;
// age's armor reader refuses more surrounding whitespace than this (a DoS bound).
constexpr size_t kMaxArmorWhitespace = 1024;
// The file jobs read this much at a time.
constexpr size_t kFileBlock = 1u << 20;

[[noreturn]] void bad_armor(const std::string& why) { fail(code::kHeaderInvalid, "age armor: " + why); }

bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

bool is_base64_char(uint8_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// is_base64_char as a table: the full-line check runs over every armored byte, and a branch per
// character (mispredicted on random base64) made it the bottleneck.
struct Base64Alphabet {
  bool in[256] = {};
  Base64Alphabet() {
    for (int c = 0; c < 256; ++c) in[c] = is_base64_char(static_cast<uint8_t>(c));
  }
};
const Base64Alphabet kAlphabet;

bool all_space(ByteView v) {
  for (size_t i = 0; i < v.size; ++i) {
    if (!is_space(v.data[i])) return false;
  }
  return true;
}

bool equals(ByteView line, const char* text) {
  size_t n = std::strlen(text);
  return line.size == n && std::memcmp(line.data, text, n) == 0;
}

void append(std::vector<uint8_t>* out, const char* text) {
  out->insert(out->end(), text, text + std::strlen(text));
}

// The fast path for a full line: 64 characters of the alphabet (no '=') decode to exactly 48
// bytes and are canonical by construction (no bits left over), so libcrypto's decoder can write
// them straight into `out`. Anything else (the last, padded line) goes through the strict general
// decoder. Returns false, writing nothing, when the line is not such a line.
bool decode_full_line(ByteView line, std::vector<uint8_t>* out) {
  if (line.size != kColumns) return false;
  bool all = true;
  for (size_t i = 0; i < kColumns; ++i) all &= kAlphabet.in[line.data[i]];
  if (!all) return false;
  size_t at = out->size();
  out->resize(at + kArmorBytesPerLine);
  int n = EVP_DecodeBlock(out->data() + at, line.data, static_cast<int>(kColumns));
  if (n != static_cast<int>(kArmorBytesPerLine)) {
    out->resize(at);
    return false;
  }
  return true;
}

// The exact size of the armor of `binary` bytes (the file job reserves it up front).
uint64_t armored_size(uint64_t binary) {
  uint64_t full = binary / kArmorBytesPerLine;
  uint64_t rest = binary % kArmorBytesPerLine;
  uint64_t last = rest == 0 ? 0 : 4 * ((rest + 2) / 3) + 1;
  return (sizeof(kArmorBegin) - 1 + 1) + full * (kColumns + 1) + last + (sizeof(kArmorEnd) - 1 + 1);
}

}  // namespace

// --- Dearmorer ---------------------------------------------------------------------------------

size_t Dearmorer::line_limit() const {
  switch (state_) {
    case State::kBeforeBegin:
      // A longer line is either too much whitespace or not the BEGIN line.
      return kMaxArmorWhitespace;
    case State::kBody:
      return kColumns + 1;  // 64 columns and a CR
    case State::kClosing:
      return sizeof(kArmorEnd) - 1 + 1;  // the END line and a CR
    case State::kAfterEnd:
      break;
  }
  return 0;
}

void Dearmorer::fail_overlong() const {
  if (state_ == State::kBody) bad_armor("line longer than 64 columns");
  bad_armor("invalid closing line");
}

bool Dearmorer::skip_overlong_leading(ByteView piece, bool terminated) {
  // Not the BEGIN line, and longer than the whitespace allowed in all: refused whatever follows,
  // but what it is called depends on the whole line (as when the line is read at once).
  if (!all_space(ByteView::of(partial_)) || !all_space(piece)) bad_armor("invalid first line");
  if (terminated) bad_armor("too much leading whitespace");
  partial_.clear();
  skipping_ = true;
  return true;
}

void Dearmorer::take_line(ByteView raw, bool terminated, std::vector<uint8_t>* out) {
  ByteView line = raw;
  if (line.size > 0 && line.data[line.size - 1] == '\r') --line.size;
  switch (state_) {
    case State::kBeforeBegin:
      if (all_space(line)) {
        leading_ += raw.size + (terminated ? 1 : 0);
        if (leading_ > kMaxArmorWhitespace) bad_armor("too much leading whitespace");
        return;
      }
      if (!equals(line, kArmorBegin)) bad_armor("invalid first line");
      state_ = State::kBody;
      return;
    case State::kBody: {
      if (equals(line, kArmorEnd)) {
        state_ = State::kAfterEnd;
        return;
      }
      if (line.size == 0) bad_armor("empty line in armored data");
      if (line.size > kColumns) bad_armor("line longer than 64 columns");
      if (decode_full_line(line, out)) return;
      SecureBuffer chunk;
      std::string text(reinterpret_cast<const char*>(line.data), line.size);
      if (!encoding::base64_decode(text, true, &chunk)) bad_armor("invalid or non-canonical base64");
      out->insert(out->end(), chunk.data(), chunk.data() + chunk.size());
      // A short line is the last one: the END line must follow.
      if (chunk.size() < kArmorBytesPerLine) state_ = State::kClosing;
      return;
    }
    case State::kClosing:
      if (!equals(line, kArmorEnd)) bad_armor("invalid closing line");
      state_ = State::kAfterEnd;
      return;
    case State::kAfterEnd:
      return;  // update() counts the bytes after the END line itself
  }
}

void Dearmorer::take_trailing(ByteView in) {
  // As age: what follows the END line is judged by its first 1 KiB. Anything but whitespace
  // there is trailing data; whitespace that reaches 1 KiB is too much.
  size_t look = std::min(in.size, kMaxArmorWhitespace - std::min(trailing_, kMaxArmorWhitespace));
  for (size_t i = 0; i < look && !trailing_data_; ++i) trailing_data_ = !is_space(in.data[i]);
  trailing_ += in.size;
  if (trailing_data_) bad_armor("trailing data after the armored file");
  if (trailing_ >= kMaxArmorWhitespace) bad_armor("too much trailing whitespace");
}

void Dearmorer::update(ByteView in, std::vector<uint8_t>* out) {
  size_t pos = 0;
  while (pos < in.size) {
    if (state_ == State::kAfterEnd) {
      take_trailing(in.slice(pos, in.size - pos));
      return;
    }
    const void* nl = std::memchr(in.data + pos, '\n', in.size - pos);
    size_t end = nl != nullptr ? static_cast<size_t>(static_cast<const uint8_t*>(nl) - in.data) : in.size;
    ByteView piece = in.slice(pos, end - pos);
    pos = nl != nullptr ? end + 1 : in.size;
    if (skipping_) {
      // The rest of an overlong whitespace line before BEGIN (skip_overlong_leading).
      if (!all_space(piece)) bad_armor("invalid first line");
      if (nl != nullptr) bad_armor("too much leading whitespace");
      continue;
    }
    if (partial_.size() + piece.size > line_limit()) {
      // Longer than any valid line can be: judged now, not kept.
      if (state_ == State::kBeforeBegin && skip_overlong_leading(piece, nl != nullptr)) continue;
      fail_overlong();
    }
    if (partial_.empty() && nl != nullptr) {
      take_line(piece, true, out);  // a whole line inside this input: no copy
      continue;
    }
    partial_.append(reinterpret_cast<const char*>(piece.data), piece.size);
    if (nl != nullptr) {
      take_line(ByteView::of(partial_), true, out);
      partial_.clear();
    }
  }
}

void Dearmorer::finish(std::vector<uint8_t>* out) {
  if (skipping_) bad_armor("too much leading whitespace");
  if (!partial_.empty()) {
    take_line(ByteView::of(partial_), false, out);
    partial_.clear();
  }
  switch (state_) {
    case State::kBeforeBegin:
      bad_armor("no BEGIN line");
    case State::kBody:
      bad_armor("no END line");
    case State::kClosing:
      bad_armor("invalid closing line");
    case State::kAfterEnd:
      return;  // take_trailing() has judged what followed the END line
  }
}

// --- Armorer -----------------------------------------------------------------------------------

void Armorer::begin(std::vector<uint8_t>* out) {
  if (started_) return;
  started_ = true;
  append(out, kArmorBegin);
  out->push_back('\n');
}

void Armorer::line(const uint8_t* bytes, size_t size, std::vector<uint8_t>* out) {
  size_t at = out->size();
  // EVP_EncodeBlock ends the text with a NUL: that byte becomes the line's LF.
  out->resize(at + 4 * ((size + 2) / 3) + 1);
  int n = EVP_EncodeBlock(out->data() + at, bytes, static_cast<int>(size));
  (*out)[at + static_cast<size_t>(n)] = '\n';
  out->resize(at + static_cast<size_t>(n) + 1);
}

void Armorer::update(ByteView in, std::vector<uint8_t>* out) {
  begin(out);
  // An empty piece may come with a null data pointer, which memcpy must not be given even for
  // zero bytes (an empty file or an empty decoded armor).
  if (in.size == 0) return;
  size_t pos = 0;
  if (carry_size_ > 0) {
    pos = std::min(kArmorBytesPerLine - carry_size_, in.size);
    std::memcpy(carry_ + carry_size_, in.data, pos);
    carry_size_ += pos;
    if (carry_size_ < kArmorBytesPerLine) return;
    line(carry_, kArmorBytesPerLine, out);
    carry_size_ = 0;
  }
  for (; in.size - pos >= kArmorBytesPerLine; pos += kArmorBytesPerLine) line(in.data + pos, kArmorBytesPerLine, out);
  std::memcpy(carry_, in.data + pos, in.size - pos);
  carry_size_ = in.size - pos;
}

void Armorer::finish(std::vector<uint8_t>* out) {
  begin(out);
  if (carry_size_ > 0) line(carry_, carry_size_, out);
  carry_size_ = 0;
  append(out, kArmorEnd);
  out->push_back('\n');
}

// --- whole buffers -----------------------------------------------------------------------------

bool is_armored(ByteView data) {
  size_t i = 0;
  while (i < data.size && is_space(data.data[i])) ++i;
  static const char kDashes[] = "-----";
  return data.size - i >= 5 && std::memcmp(data.data + i, kDashes, 5) == 0;
}

std::vector<uint8_t> dearmor(ByteView data) {
  Dearmorer d;
  std::vector<uint8_t> out;
  out.reserve(data.size / 4 * 3);
  d.update(data, &out);
  d.finish(&out);
  return out;
}

std::string armor(ByteView binary) {
  Armorer a;
  std::vector<uint8_t> out;
  out.reserve(armored_size(binary.size));
  a.update(binary, &out);
  a.finish(&out);
  return std::string(out.begin(), out.end());
}

// --- file jobs ---------------------------------------------------------------------------------

DearmorFileResult dearmor_file(const std::string& source, const std::string& binary_path, size_t head_size,
                               bool head_only, const engine::Control& control) {
  if (head_only && !binary_path.empty()) fail(code::kInvalidArgument, "a head-only de-armoring writes no file");
  struct stat st;
  fs::Fd in = fs::open_regular_file(source, &st);
  ::posix_fadvise(in.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  fs::Fd out;
  std::optional<fs::TempFile> temp;
  if (!binary_path.empty()) {
    out = fs::create_exclusive(binary_path, 0600);
    temp.emplace(binary_path);  // only once it is ours: removed on any failure from here on
  }
  DearmorFileResult result;
  std::vector<uint8_t> block(kFileBlock);
  std::vector<uint8_t> binary;
  binary.reserve(kFileBlock / 4 * 3 + 2 * kArmorBytesPerLine);
  ThrottledProgress progress(control.progress, static_cast<uint64_t>(st.st_size));
  Dearmorer dearmorer;
  auto emit = [&]() {
    if (result.head.size() < head_size) {
      size_t take = std::min(head_size - result.head.size(), binary.size());
      result.head.insert(result.head.end(), binary.begin(), binary.begin() + static_cast<ptrdiff_t>(take));
    }
    if (out.get() >= 0 && !binary.empty()) {
      fs::pwrite_full(out.get(), binary.data(), binary.size(), result.binary_bytes, binary_path);
    }
    result.binary_bytes += binary.size();
    binary.clear();
  };
  while (true) {
    engine::check_cancelled(control);
    size_t n = fs::pread_full(in.get(), block.data(), block.size(), result.armored_bytes, source);
    result.armored_bytes += n;
    dearmorer.update(ByteView(block.data(), n), &binary);
    emit();
    progress.add(n);
    if (n < block.size()) break;  // pread_full stops short only at the end of the file
    if (head_only && result.head.size() >= head_size) {
      result.complete = false;
      return result;
    }
  }
  dearmorer.finish(&binary);
  emit();
  engine::check_source_unchanged(in.get(), st, source);
  if (out.get() >= 0) out.close_checked(binary_path);
  if (temp) temp->keep();
  progress.report();
  return result;
}

uint64_t armor_file(const std::string& source, const engine::Output& output, const engine::Control& control) {
  struct stat st;
  fs::Fd in = fs::open_regular_file(source, &st);
  ::posix_fadvise(in.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const uint64_t expected = armored_size(size);
  fs::Fd out = engine::create_output(output);
  fs::TempFile temp(output.temp_path);
  fs::preallocate(out.get(), expected, output.temp_path);
  fs::WritebackStarter writeback(out.get());
  std::vector<uint8_t> block(kFileBlock);
  std::vector<uint8_t> text;
  text.reserve(kFileBlock / kArmorBytesPerLine * (kColumns + 1) + 256);
  ThrottledProgress progress(control.progress, size);
  Armorer armorer;
  uint64_t read = 0;
  uint64_t written = 0;
  auto emit = [&]() {
    fs::pwrite_full(out.get(), text.data(), text.size(), written, output.temp_path);
    written += text.size();
    if (output.durable) writeback.wrote(text.size());
    text.clear();
  };
  while (true) {
    engine::check_cancelled(control);
    size_t n = fs::pread_full(in.get(), block.data(), block.size(), read, source);
    read += n;
    armorer.update(ByteView(block.data(), n), &text);
    emit();
    progress.add(n);
    if (n < block.size()) break;
  }
  armorer.finish(&text);
  emit();
  engine::check_source_unchanged(in.get(), st, source);
  if (written != expected) fail(code::kInternal, "armored size mismatch");
  engine::commit_output(out, temp, output);
  progress.report();
  return written;
}

}  // namespace filesec::age

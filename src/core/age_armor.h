// age's ASCII armor (https://c2sp.org/age#ascii-armor): strict RFC 7468 PEM with the label
// "AGE ENCRYPTED FILE", read and written incrementally so files of any size go through bounded
// memory. There is one de-armoring implementation (Dearmorer) and one armoring implementation
// (Armorer); the whole-buffer functions and the file jobs are thin loops over them.
//
// The rules, as age's armor reader: whitespace-only lines (at most 1 KiB in all) before the BEGIN
// line; LF or CRLF line ends; lines of canonical padded base64 of exactly 64 columns except the
// last, which is shorter and must be followed by the END line; after it, whitespace only, under
// 1 KiB (anything else in its first 1 KiB is "trailing data"). Every violation is
// FSEC_HEADER_INVALID with an "age armor:" message prefix.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "file_engine.h"
#include "secure_buffer.h"

namespace filesec::age {

// Binary bytes one full armor line holds (64 columns of base64).
constexpr size_t kArmorBytesPerLine = 48;

// Incremental de-armoring: feed the armored text in pieces of any size, then call finish(). The
// decoded binary is appended to `out` as soon as each line is complete. A line is kept only while
// it is unfinished, and only as long as a valid line can be: a longer one is judged at once (a
// long whitespace line before BEGIN as soon as what it is becomes known), so memory stays bounded
// whatever the input. Outcomes and messages do not depend on how the input is cut into pieces.
class Dearmorer {
 public:
  void update(ByteView in, std::vector<uint8_t>* out);
  // The end of the input (the last line may lack its LF): fails if the armor is incomplete or
  // followed by anything but whitespace.
  void finish(std::vector<uint8_t>* out);

 private:
  enum class State { kBeforeBegin, kBody, kClosing, kAfterEnd };
  // One line without its LF (`terminated`: it had one); a CR before the LF is dropped here.
  void take_line(ByteView raw, bool terminated, std::vector<uint8_t>* out);
  // The longest unfinished line worth keeping in the current state.
  size_t line_limit() const;
  // Fails for a line in the armor longer than line_limit().
  [[noreturn]] void fail_overlong() const;
  // A line before BEGIN longer than line_limit(): fails now if it is not whitespace only or ends
  // here, else returns true and skips the rest of the line (skipping_).
  bool skip_overlong_leading(ByteView piece, bool terminated);
  void take_trailing(ByteView in);

  State state_ = State::kBeforeBegin;
  std::string partial_;     // the unfinished line carried to the next update()
  size_t leading_ = 0;      // whitespace bytes (LFs included) skipped before the BEGIN line
  size_t trailing_ = 0;     // bytes after the END line
  bool trailing_data_ = false;  // a non-whitespace byte among their first 1 KiB
  bool skipping_ = false;       // inside an overlong whitespace line before BEGIN
};

// Incremental armoring: the BEGIN line, 64-column lines of padded base64, the END line, each
// ending with LF, exactly as `age -a` writes.
class Armorer {
 public:
  void update(ByteView in, std::vector<uint8_t>* out);
  void finish(std::vector<uint8_t>* out);

 private:
  void begin(std::vector<uint8_t>* out);
  static void line(const uint8_t* bytes, size_t size, std::vector<uint8_t>* out);

  bool started_ = false;
  uint8_t carry_[kArmorBytesPerLine] = {0};  // bytes waiting for a full line
  size_t carry_size_ = 0;
};

// True when `data` (after leading ASCII whitespace) starts like a PEM block: it is then read as
// armor, so a damaged armor line is an armor error rather than a header error.
bool is_armored(ByteView data);

// The whole-buffer forms (Dearmorer / Armorer over one piece).
std::vector<uint8_t> dearmor(ByteView data);
std::string armor(ByteView binary);

struct DearmorFileResult {
  uint64_t armored_bytes = 0;  // bytes read
  uint64_t binary_bytes = 0;   // binary bytes decoded
  std::vector<uint8_t> head;   // the first `head_size` binary bytes (fewer for a shorter file)
  bool complete = true;        // the whole file was read and its armor checked
};

// De-armors the file `source` in one sequential pass. With a non-empty `binary_path` the binary
// is written to that new file (created exclusively, mode 0600, not synced: it is a temporary
// copy read back by the caller) and removed again on any failure or cancellation; with an empty
// one only the armor is checked. With `head_only` (no binary_path), reading stops once the head
// is decoded (complete is false then, unless the file ended first): a cheap look at the header
// of a large file. Progress counts armored bytes.
DearmorFileResult dearmor_file(const std::string& source, const std::string& binary_path, size_t head_size,
                               bool head_only, const engine::Control& control);

// Armors the binary file `source` into `output` as the file engine writes its outputs (a 0600
// temporary file, synced if durable, renamed into place). Returns the armored size. Progress
// counts binary bytes.
uint64_t armor_file(const std::string& source, const engine::Output& output, const engine::Control& control);

}  // namespace filesec::age

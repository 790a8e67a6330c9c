// Random access into an encrypted payload: reading plaintext bytes [a, b) decrypts only the
// chunks that cover them. The final chunk is authenticated when the reader opens, so the
// plaintext length it reports is authenticated too (a truncated or extended file fails to open).
#pragma once

#include <memory>
#include <optional>

#include "payload_scheme.h"
#include "fs_util.h"
#include "payload_stream.h"

namespace filesec {

class PayloadReader {
 public:
  // Opens `path` (an encrypted file whose payload starts at payload_offset) and keeps it open for
  // the reader's lifetime.
  static std::unique_ptr<PayloadReader> open(const std::string& path, uint64_t payload_offset, size_t prefix_size,
                                             const SchemeFactory& factory,
                                             std::optional<uint64_t> expected_plaintext_size);

  uint64_t plaintext_size() const { return plaintext_size_; }

  // Reads up to `length` plaintext bytes at `position` into out; returns how many (fewer only at
  // the end). Safe to call from several threads at once.
  size_t read(uint64_t position, size_t length, uint8_t* out) const;

 private:
  PayloadReader() = default;
  fs::Fd fd_;
  uint64_t body_offset_ = 0;
  uint64_t plaintext_size_ = 0;
  uint64_t chunks_ = 0;
  std::unique_ptr<PayloadScheme> scheme_;
};

}  // namespace filesec

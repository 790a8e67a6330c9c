// In-memory, push-style sealing and opening of a chunked payload, for Node stream transforms and
// conformance vectors. The file engine (file_engine.h) does the same for whole files on worker
// threads.
//
// The opener releases a chunk's plaintext only after that chunk authenticated. Once it fails it
// stays failed: every later call throws the same error.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "error.h"
#include "payload_scheme.h"
#include "secure_buffer.h"

namespace filesec {

// Builds the scheme from the payload prefix; returns nullptr when the prefix's key commitment
// does not match (wrong key or context, or a modified prefix).
using SchemeFactory = std::function<std::unique_ptr<PayloadScheme>(ByteView prefix)>;

class StreamSealer {
 public:
  explicit StreamSealer(std::unique_ptr<PayloadScheme> scheme);

  // Exact number of bytes update() / finish() will write for the given input.
  size_t update_size(size_t input_size) const;
  size_t finish_size() const;

  size_t update(ByteView input, uint8_t* out);
  size_t finish(uint8_t* out);

 private:
  size_t chunks_ready(size_t total) const;
  size_t emit_prefix(uint8_t* out);

  std::unique_ptr<PayloadScheme> scheme_;
  std::unique_ptr<ChunkCipher> cipher_;
  SecureBuffer pending_;
  size_t pending_size_ = 0;
  uint64_t index_ = 0;
  bool prefix_done_ = false;
  bool finished_ = false;
};

class StreamOpener {
 public:
  // `expected_plaintext_size`, when known (from authenticated metadata), lets the opener tell a
  // truncated payload from an extended one.
  StreamOpener(size_t prefix_size, SchemeFactory factory, std::optional<uint64_t> expected_plaintext_size);

  // Bytes still missing from the payload prefix (0 once it is complete).
  size_t prefix_missing() const;
  // Exactly the plaintext update() releases for `input_size` more bytes, once the prefix is
  // complete (feed prefix_missing() bytes first: they release nothing).
  size_t update_size(size_t input_size) const;
  // Upper bound of the plaintext finish() releases.
  size_t finish_size() const;

  size_t update(ByteView input, uint8_t* out);
  size_t finish(uint8_t* out);

  uint64_t released() const { return released_; }

 private:
  [[noreturn]] void fail_with(const char* code, const std::string& message);
  // Throws for non-final chunk index_ (sealed at `sealed`, still intact) that did not authenticate.
  [[noreturn]] void fail_chunk(const uint8_t* sealed);
  void check_failed() const;
  size_t open_ready(bool at_end, uint8_t* out);

  size_t prefix_size_;
  SchemeFactory factory_;
  std::optional<uint64_t> expected_plaintext_;
  std::optional<uint64_t> expected_payload_;
  std::unique_ptr<PayloadScheme> scheme_;
  std::unique_ptr<ChunkCipher> cipher_;
  SecureBuffer pending_;  // prefix bytes first, then one sealed chunk (+1 byte look-ahead)
  size_t pending_size_ = 0;
  uint64_t received_ = 0;
  uint64_t released_ = 0;
  uint64_t index_ = 0;
  bool finished_ = false;
  std::optional<Error> failure_;
};

}  // namespace filesec

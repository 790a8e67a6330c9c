#include "payload_stream.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace filesec {

StreamSealer::StreamSealer(std::unique_ptr<PayloadScheme> scheme)
    : scheme_(std::move(scheme)), cipher_(scheme_->make_cipher()), pending_(scheme_->sealed_chunk_size()) {}

size_t StreamSealer::chunks_ready(size_t total) const {
  size_t cs = scheme_->chunk_size();
  if (scheme_->final_chunk_is_short()) return total / cs;
  // A full chunk may be the final one: keep the last full chunk until more input shows up.
  return total == 0 ? 0 : (total - 1) / cs;
}

size_t StreamSealer::update_size(size_t input_size) const {
  size_t prefix = prefix_done_ ? 0 : scheme_->prefix_size();
  return prefix + chunks_ready(pending_size_ + input_size) * scheme_->sealed_chunk_size();
}

size_t StreamSealer::finish_size() const {
  return (prefix_done_ ? 0 : scheme_->prefix_size()) + pending_size_ + scheme_->tag_size();
}

size_t StreamSealer::emit_prefix(uint8_t* out) {
  if (prefix_done_) return 0;
  prefix_done_ = true;
  std::memcpy(out, scheme_->prefix(), scheme_->prefix_size());
  return scheme_->prefix_size();
}

size_t StreamSealer::update(ByteView input, uint8_t* out) {
  if (finished_) fail(code::kInvalidArgument, "the encryptor is already finished");
  size_t written = emit_prefix(out);
  const size_t cs = scheme_->chunk_size();
  const size_t sealed = scheme_->sealed_chunk_size();
  const bool short_final = scheme_->final_chunk_is_short();
  size_t offset = 0;
  while (offset < input.size) {
    size_t left = input.size - offset;
    if (pending_size_ == 0 && (short_final ? left >= cs : left > cs)) {
      // Whole chunks go straight from the input to the output, without a copy.
      cipher_->seal(index_++, false, input.data + offset, cs, out + written);
      written += sealed;
      offset += cs;
      continue;
    }
    if (pending_size_ == cs) {
      // Only reached when a full chunk waits for look-ahead: more input proves it is not final.
      cipher_->seal(index_++, false, pending_.data(), cs, out + written);
      written += sealed;
      pending_size_ = 0;
    }
    size_t take = std::min(cs - pending_size_, left);
    std::memcpy(pending_.data() + pending_size_, input.data + offset, take);
    pending_size_ += take;
    offset += take;
    if (pending_size_ == cs && short_final) {
      cipher_->seal(index_++, false, pending_.data(), cs, out + written);
      written += sealed;
      pending_size_ = 0;
    }
  }
  return written;
}

size_t StreamSealer::finish(uint8_t* out) {
  if (finished_) fail(code::kInvalidArgument, "the encryptor is already finished");
  finished_ = true;
  size_t written = emit_prefix(out);
  cipher_->seal(index_++, true, pending_.data(), pending_size_, out + written);
  written += pending_size_ + scheme_->tag_size();
  pending_size_ = 0;
  return written;
}

StreamOpener::StreamOpener(size_t prefix_size, SchemeFactory factory, std::optional<uint64_t> expected_plaintext_size)
    : prefix_size_(prefix_size),
      factory_(std::move(factory)),
      expected_plaintext_(expected_plaintext_size),
      pending_(prefix_size) {}

void StreamOpener::fail_with(const char* code, const std::string& message) {
  failure_.emplace(code, message);
  throw *failure_;
}

void StreamOpener::fail_chunk(const uint8_t* sealed) {
  // A non-final chunk that opens as the final one: data follows the real end (age).
  if (!scheme_->final_chunk_is_short() && chunk_opens_as(*cipher_, index_, true, sealed, scheme_->chunk_size())) {
    fail_with(code::kTrailingData,
              "data follows the final chunk (chunk " + std::to_string(index_) + "): bytes were appended");
  }
  fail_with(code::kPayloadTampered, "chunk " + std::to_string(index_) + " does not authenticate: the file was modified");
}

void StreamOpener::check_failed() const {
  if (failure_) throw *failure_;
}

size_t StreamOpener::prefix_missing() const { return scheme_ ? 0 : prefix_size_ - pending_size_; }

size_t StreamOpener::update_size(size_t input_size) const {
  if (!scheme_) return 0;  // callers first complete the prefix (prefix_missing)
  size_t total = pending_size_ + input_size;
  size_t sealed = scheme_->sealed_chunk_size();
  size_t chunks = scheme_->final_chunk_is_short() ? total / sealed : (total == 0 ? 0 : (total - 1) / sealed);
  return chunks * scheme_->chunk_size();
}

size_t StreamOpener::finish_size() const { return scheme_ ? scheme_->chunk_size() : 0; }

size_t StreamOpener::open_ready(bool at_end, uint8_t* out) {
  size_t cs = scheme_->chunk_size();
  size_t tag = scheme_->tag_size();
  size_t sealed = cs + tag;
  if (!at_end) {
    bool ready = scheme_->final_chunk_is_short() ? pending_size_ == sealed : pending_size_ == sealed + 1;
    if (!ready) return 0;
    if (!cipher_->open(index_, false, pending_.data(), cs, out)) fail_chunk(pending_.data());
    ++index_;
    released_ += cs;
    // Keep a look-ahead byte, if any, at the front.
    if (pending_size_ > sealed) pending_.data()[0] = pending_.data()[sealed];
    pending_size_ -= sealed;
    return cs;
  }
  if (expected_payload_ && received_ < *expected_payload_) {
    fail_with(code::kTruncated, "the payload is truncated: " + std::to_string(*expected_payload_ - received_) +
                                    " bytes are missing");
  }
  if (pending_size_ < tag) {
    fail_with(code::kTruncated, pending_size_ == 0 ? "the payload ends without its final chunk: it was truncated"
                                                   : "the payload ends inside a chunk tag: it was truncated");
  }
  size_t n = pending_size_ - tag;
  if (!scheme_->final_chunk_is_short() && n == 0 && index_ > 0) {
    fail_with(code::kPayloadTampered, "an empty final chunk after other chunks is not allowed");
  }
  if (!cipher_->open(index_, true, pending_.data(), n, out)) {
    // A full chunk that opens as non-final: the stream was cut at a chunk boundary (age).
    if (!scheme_->final_chunk_is_short() && n == cs && chunk_opens_as(*cipher_, index_, false, pending_.data(), n)) {
      fail_with(code::kTruncated, "the payload ends after chunk " + std::to_string(index_) +
                                      ", which is not marked final: it was truncated");
    }
    fail_with(code::kPayloadTampered, expected_payload_
                                          ? "the final chunk does not authenticate: the file was modified"
                                          : "the final chunk does not authenticate: the file was modified, "
                                            "truncated or extended");
  }
  ++index_;
  released_ += n;
  pending_size_ = 0;
  return n;
}

size_t StreamOpener::update(ByteView input, uint8_t* out) {
  check_failed();
  if (!scheme_ && input.size > prefix_missing()) {
    // Complete the prefix first, so the output size of the rest is known exactly.
    size_t head = prefix_missing();
    update(ByteView(input.data, head), out);
    return update(ByteView(input.data + head, input.size - head), out);
  }
  if (finished_) fail(code::kInvalidArgument, "the decryptor is already finished");
  received_ += input.size;
  if (expected_payload_ && received_ > *expected_payload_) {
    fail_with(code::kTrailingData, "the payload is longer than its header says: data was appended");
  }
  size_t written = 0;
  size_t offset = 0;
  while (offset < input.size) {
    if (!scheme_) {
      size_t take = std::min(prefix_size_ - pending_size_, input.size - offset);
      std::memcpy(pending_.data() + pending_size_, input.data + offset, take);
      pending_size_ += take;
      offset += take;
      if (pending_size_ < prefix_size_) break;
      scheme_ = factory_(ByteView(pending_.data(), prefix_size_));
      if (!scheme_) {
        fail_with(code::kPayloadMismatch, "the payload does not belong to this header (key commitment mismatch)");
      }
      cipher_ = scheme_->make_cipher();
      pending_ = SecureBuffer(scheme_->sealed_chunk_size() + 1);
      pending_size_ = 0;
      if (expected_plaintext_) {
        expected_payload_ = scheme_->payload_size(*expected_plaintext_);
        if (received_ > *expected_payload_) {
          fail_with(code::kTrailingData, "the payload is longer than its header says: data was appended");
        }
      }
      continue;
    }
    const size_t sealed = scheme_->sealed_chunk_size();
    const bool short_final = scheme_->final_chunk_is_short();
    size_t left = input.size - offset;
    if (pending_size_ == 0 && (short_final ? left >= sealed : left > sealed)) {
      // Whole chunks are opened straight from the input into the output, without a copy.
      if (!cipher_->open(index_, false, input.data + offset, scheme_->chunk_size(), out + written)) {
        fail_chunk(input.data + offset);
      }
      ++index_;
      released_ += scheme_->chunk_size();
      written += scheme_->chunk_size();
      offset += sealed;
      continue;
    }
    size_t capacity = sealed + (short_final ? 0 : 1);
    size_t take = std::min(capacity - pending_size_, left);
    std::memcpy(pending_.data() + pending_size_, input.data + offset, take);
    pending_size_ += take;
    offset += take;
    written += open_ready(false, out + written);
  }
  return written;
}

size_t StreamOpener::finish(uint8_t* out) {
  check_failed();
  if (finished_) fail(code::kInvalidArgument, "the decryptor is already finished");
  if (!scheme_) fail_with(code::kTruncated, "the payload ends before its prefix: it was truncated");
  size_t n = open_ready(true, out);
  finished_ = true;
  return n;
}

}  // namespace filesec

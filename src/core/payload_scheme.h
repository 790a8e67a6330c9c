// What the file engine needs to know about a chunked payload format: chunk sizes, where chunk k
// sits, how many chunks a plaintext length gives, and a per-thread chunk cipher.
//
// .fsec uses Cobblestone-256 (cobblestone.h). The interface exists so that other chunked
// formats (age's STREAM) run through the same file engine, streams and random-access reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "secure_buffer.h"

namespace filesec {

class ChunkCipher {
 public:
  virtual ~ChunkCipher() = default;
  // Seals `size` plaintext bytes of chunk `index` from `in`, writing the ciphertext and then the
  // tag to `out` (size + tag bytes). `in` may equal `out`.
  virtual void seal(uint64_t index, bool is_final, const uint8_t* in, size_t size, uint8_t* out) = 0;
  // Opens chunk `index`: `in` holds `size` bytes of ciphertext followed by the tag; the plaintext
  // goes to `out` (`in` may equal `out`). Returns false when it does not authenticate; `out` is
  // then wiped.
  virtual bool open(uint64_t index, bool is_final, const uint8_t* in, size_t size, uint8_t* out) = 0;
};

class PayloadScheme {
 public:
  virtual ~PayloadScheme() = default;

  virtual size_t chunk_size() const = 0;   // plaintext bytes in a full chunk
  virtual size_t tag_size() const = 0;     // bytes added to every chunk
  virtual size_t prefix_size() const = 0;  // bytes before chunk 0 (salt, commitment, nonce…)

  // Number of chunks for a plaintext of `size` bytes.
  virtual uint64_t chunk_count(uint64_t plaintext_size) const = 0;
  // Inverse: the plaintext size for a payload of `payload_size` bytes (prefix included), or
  // false if no plaintext length gives that size (the payload is truncated or extended).
  virtual bool plaintext_size_for(uint64_t payload_size, uint64_t* plaintext_size) const = 0;

  // True when the final chunk is always shorter than a full chunk (Cobblestone), so a full chunk
  // is known to be non-final as soon as it is complete. False when a full chunk may be the final
  // one (age STREAM), which needs one byte of look-ahead.
  virtual bool final_chunk_is_short() const = 0;

  // The prefix bytes to write before chunk 0 (encryption).
  virtual const uint8_t* prefix() const = 0;

  virtual std::unique_ptr<ChunkCipher> make_cipher() const = 0;

  uint64_t payload_size(uint64_t plaintext_size) const {
    return prefix_size() + plaintext_size + chunk_count(plaintext_size) * tag_size();
  }
  size_t sealed_chunk_size() const { return chunk_size() + tag_size(); }
};

// Whether sealed chunk `index` at `in` (`size` plaintext bytes, then the tag) authenticates with
// the final flag `is_final`; the plaintext goes to wiped scratch memory and `in` is untouched.
// After a chunk failed with one flag, opening it with the other tells a stream cut or extended
// at a chunk boundary from a modified one (age's reference reader does the same). Only for
// schemes where a full chunk may be final: Cobblestone ignores the flag.
inline bool chunk_opens_as(ChunkCipher& cipher, uint64_t index, bool is_final, const uint8_t* in, size_t size) {
  SecureBuffer scratch(size);
  return cipher.open(index, is_final, in, size, scratch.data());
}

}  // namespace filesec

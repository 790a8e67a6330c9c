// Owned byte buffers that wipe their contents when freed.
//
// Every secret (file keys, derived keys, decrypted private-key bytes, passphrases) lives in a
// SecureBuffer so that it is cleansed with OPENSSL_cleanse when it goes out of scope, including
// on the exception path. Buffers have a fixed size: they never reallocate, so no stale copy is
// ever left behind in freed memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

namespace filesec {

class SecureBuffer {
 public:
  SecureBuffer() = default;
  explicit SecureBuffer(size_t size);
  SecureBuffer(const uint8_t* data, size_t size);
  ~SecureBuffer();

  SecureBuffer(SecureBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  SecureBuffer& operator=(SecureBuffer&& other) noexcept;
  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Shrinks the visible size without reallocating (the tail is wiped).
  void truncate(size_t size);

 private:
  void release();
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// A non-owning view of bytes, used for every input parameter in the core.
struct ByteView {
  const uint8_t* data = nullptr;
  size_t size = 0;

  ByteView() = default;
  ByteView(const uint8_t* d, size_t n) : data(d), size(n) {}
  ByteView(const SecureBuffer& b) : data(b.data()), size(b.size()) {}  // NOLINT: implicit by design
  template <typename Container>
  static ByteView of(const Container& c) {
    return ByteView(reinterpret_cast<const uint8_t*>(c.data()), c.size());
  }
  ByteView slice(size_t offset, size_t length) const { return ByteView(data + offset, length); }
};

}  // namespace filesec

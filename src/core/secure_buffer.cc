#include "secure_buffer.h"

#include <openssl/crypto.h>

#include <cstring>
#include <new>

namespace filesec {

SecureBuffer::SecureBuffer(size_t size) : data_(nullptr), size_(size) {
  if (size_ > 0) {
    data_ = static_cast<uint8_t*>(OPENSSL_zalloc(size_));
    if (data_ == nullptr) throw std::bad_alloc();
  }
}

SecureBuffer::SecureBuffer(const uint8_t* data, size_t size) : SecureBuffer(size) {
  if (size > 0) std::memcpy(data_, data, size);
}

SecureBuffer::~SecureBuffer() { release(); }

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void SecureBuffer::truncate(size_t size) {
  if (size >= size_) return;
  OPENSSL_cleanse(data_ + size, size_ - size);
  // The allocation keeps its original length for the final cleanse; remember it in place.
  // OPENSSL_clear_free needs the real length, so we wipe the tail now and free with the
  // shorter length later: the tail is already zero.
  size_ = size;
}

void SecureBuffer::release() {
  if (data_ != nullptr) {
    OPENSSL_clear_free(data_, size_);
    data_ = nullptr;
    size_ = 0;
  }
}

}  // namespace filesec

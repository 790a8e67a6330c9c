#include "payload_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <string>

#include "error.h"
#include "file_engine.h"
#include "fs_util.h"

namespace filesec {

namespace {
const std::string kWhat = "encrypted file";
}

std::unique_ptr<PayloadReader> PayloadReader::open(const std::string& path, uint64_t payload_offset,
                                                   size_t prefix_size, const SchemeFactory& factory,
                                                   std::optional<uint64_t> expected_plaintext_size) {
  struct stat st;
  fs::Fd owned = fs::open_regular_file(path, &st);
  int fd = owned.get();
  uint64_t file_size = static_cast<uint64_t>(st.st_size);
  if (file_size < payload_offset + prefix_size) fail(code::kTruncated, "the file ends before its payload: it was truncated");
  SecureBuffer prefix(prefix_size);
  if (fs::pread_full(fd, prefix.data(), prefix_size, payload_offset, kWhat) != prefix_size) {
    fail(code::kTruncated, "the file ends before its payload: it was truncated");
  }
  std::unique_ptr<PayloadReader> r(new PayloadReader());
  r->scheme_ = factory(prefix);
  if (!r->scheme_) fail(code::kPayloadMismatch, "the payload does not belong to this header (key commitment mismatch)");
  r->fd_ = std::move(owned);
  r->body_offset_ = payload_offset + r->scheme_->prefix_size();
  r->plaintext_size_ =
      engine::checked_plaintext_size(*r->scheme_, file_size - payload_offset, expected_plaintext_size);
  r->chunks_ = r->scheme_->chunk_count(r->plaintext_size_);

  uint64_t last = r->chunks_ - 1;
  size_t cs = r->scheme_->chunk_size();
  size_t len = static_cast<size_t>(r->plaintext_size_ - last * cs);
  SecureBuffer chunk(len + r->scheme_->tag_size());
  if (fs::pread_full(fd, chunk.data(), chunk.size(), r->body_offset_ + last * r->scheme_->sealed_chunk_size(), kWhat) !=
      chunk.size()) {
    fail(code::kPayloadTampered, "the final chunk does not authenticate: the file was modified");
  }
  if (!r->scheme_->make_cipher()->open(last, true, chunk.data(), len, chunk.data())) {
    engine::fail_final_chunk(fd, kWhat, *r->scheme_, r->body_offset_, r->chunks_, r->plaintext_size_);
  }
  return r;
}

size_t PayloadReader::read(uint64_t position, size_t length, uint8_t* out) const {
  if (position >= plaintext_size_ || length == 0) return 0;
  uint64_t end = std::min<uint64_t>(plaintext_size_, position + length);
  size_t cs = scheme_->chunk_size();
  size_t sealed = scheme_->sealed_chunk_size();
  std::unique_ptr<ChunkCipher> cipher = scheme_->make_cipher();
  SecureBuffer chunk(sealed);
  size_t written = 0;
  for (uint64_t k = position / cs; k * cs < end; ++k) {
    size_t len = k + 1 < chunks_ ? cs : static_cast<size_t>(plaintext_size_ - k * cs);
    if (fs::pread_full(fd_.get(), chunk.data(), len + scheme_->tag_size(), body_offset_ + k * sealed, kWhat) !=
        len + scheme_->tag_size()) {
      fail(code::kTruncated, "the file became shorter while it was being read");
    }
    if (!cipher->open(k, k + 1 == chunks_, chunk.data(), len, chunk.data())) {
      // The final chunk was authenticated at open: this one is not final.
      engine::fail_chunk(fd_.get(), kWhat, *scheme_, body_offset_, k);
    }
    uint64_t from = std::max<uint64_t>(position, k * cs);
    uint64_t to = std::min<uint64_t>(end, k * cs + len);
    std::copy(chunk.data() + (from - k * cs), chunk.data() + (to - k * cs), out + written);
    written += static_cast<size_t>(to - from);
  }
  return written;
}

}  // namespace filesec

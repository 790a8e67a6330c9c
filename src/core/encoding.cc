#include "encoding.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <climits>

namespace filesec::encoding {

std::string base64_encode(ByteView data, bool pad) {
  if (data.size == 0) return {};
  if (data.size > INT_MAX / 2) return {};
  std::string out(4 * ((data.size + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data, static_cast<int>(data.size));
  out.resize(static_cast<size_t>(n));
  if (!pad) {
    while (!out.empty() && out.back() == '=') out.pop_back();
  }
  return out;
}

bool base64_decode(const std::string& text, bool padded, SecureBuffer* out) {
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
              (padded && c == '=');
    if (!ok) return false;
  }
  std::string work = text;
  size_t pad_count = 0;
  if (padded) {
    if (work.size() % 4 != 0) return false;
    while (pad_count < work.size() && work[work.size() - 1 - pad_count] == '=') ++pad_count;
    if (pad_count > 2) return false;
    size_t first_pad = work.find('=');
    if (first_pad != std::string::npos && first_pad != work.size() - pad_count) return false;
  } else {
    if (work.size() % 4 == 1) return false;
    while (work.size() % 4 != 0) {
      work.push_back('=');
      ++pad_count;
    }
  }
  if (work.empty()) {
    *out = SecureBuffer();
    return true;
  }
  if (work.size() > INT_MAX) return false;
  SecureBuffer decoded(work.size() / 4 * 3);
  int n = EVP_DecodeBlock(decoded.data(), reinterpret_cast<const unsigned char*>(work.data()),
                          static_cast<int>(work.size()));
  OPENSSL_cleanse(work.data(), work.size());
  if (n < 0) return false;
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  decoded.truncate(static_cast<size_t>(n) - pad_count);
  // Canonical check: re-encoding must give back the input exactly.
  std::string again = base64_encode(decoded, padded);
  bool canonical = again == text;
  OPENSSL_cleanse(again.data(), again.size());
  if (!canonical) return false;
  *out = std::move(decoded);
  return true;
}

}  // namespace filesec::encoding

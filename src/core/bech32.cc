#include "bech32.h"

#include <openssl/crypto.h>

#include <cctype>

namespace filesec::bech32 {

namespace {

const char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

uint32_t polymod(const std::vector<uint8_t>& values) {
  static const uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint8_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i) {
      if ((top >> i) & 1) chk ^= kGen[i];
    }
  }
  return chk;
}

std::vector<uint8_t> hrp_expand(const std::string& hrp) {
  std::vector<uint8_t> out;
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
  return out;
}

// Regroups bits; `pad` is used when encoding. Decoding rejects non-zero or overlong padding.
bool convert_bits(const uint8_t* in, size_t size, int from, int to, bool pad, std::vector<uint8_t>* out) {
  uint32_t acc = 0;
  int bits = 0;
  const uint32_t maxv = (1u << to) - 1;
  for (size_t i = 0; i < size; ++i) {
    acc = (acc << from) | in[i];
    bits += from;
    while (bits >= to) {
      bits -= to;
      out->push_back(static_cast<uint8_t>((acc >> bits) & maxv));
    }
  }
  if (pad) {
    if (bits > 0) out->push_back(static_cast<uint8_t>((acc << (to - bits)) & maxv));
  } else if (bits >= from || ((acc << (to - bits)) & maxv) != 0) {
    return false;
  }
  acc = 0;
  return true;
}

}  // namespace

std::string encode(const std::string& hrp, ByteView data, bool upper) {
  // Reserve up front: a reallocation would leave a copy of secret key bits in freed memory.
  std::vector<uint8_t> values;
  values.reserve(data.size * 8 / 5 + 1);
  convert_bits(data.data, data.size, 8, 5, true, &values);
  std::vector<uint8_t> check_input = hrp_expand(hrp);
  check_input.reserve(check_input.size() + values.size() + 6);
  check_input.insert(check_input.end(), values.begin(), values.end());
  check_input.insert(check_input.end(), 6, 0);
  uint32_t mod = polymod(check_input) ^ 1;
  std::string out;
  out.reserve(hrp.size() + 1 + values.size() + 6);  // no reallocation: the text spells the key
  out += hrp;
  out += '1';
  for (uint8_t v : values) out += kCharset[v];
  for (int i = 0; i < 6; ++i) out += kCharset[(mod >> (5 * (5 - i))) & 31];
  if (upper) {
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  OPENSSL_cleanse(values.data(), values.size());
  OPENSSL_cleanse(check_input.data(), check_input.size());
  return out;
}

bool decode(const std::string& text, std::string* hrp, SecureBuffer* data) {
  bool has_lower = false;
  bool has_upper = false;
  for (char c : text) {
    if (c < 33 || c > 126) return false;
    if (std::islower(static_cast<unsigned char>(c))) has_lower = true;
    if (std::isupper(static_cast<unsigned char>(c))) has_upper = true;
  }
  if (has_lower && has_upper) return false;
  size_t sep = text.rfind('1');
  if (sep == std::string::npos || sep == 0 || sep + 7 > text.size()) return false;
  std::string lower = text;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string h = lower.substr(0, sep);
  std::vector<uint8_t> values;
  values.reserve(lower.size());
  // No early return from here on: the copies below hold the key (a secret key's text) and are
  // wiped at the end, whatever the outcome.
  bool ok = true;
  for (size_t i = sep + 1; i < lower.size() && ok; ++i) {
    const char* p = nullptr;
    for (const char* q = kCharset; *q != 0; ++q) {
      if (*q == lower[i]) p = q;
    }
    if (p == nullptr) ok = false;
    else values.push_back(static_cast<uint8_t>(p - kCharset));
  }
  std::vector<uint8_t> check_input = hrp_expand(h);
  check_input.reserve(check_input.size() + values.size());
  check_input.insert(check_input.end(), values.begin(), values.end());
  if (ok) ok = polymod(check_input) == 1;
  std::vector<uint8_t> bytes;
  bytes.reserve(values.size());
  if (ok) ok = convert_bits(values.data(), values.size() - 6, 5, 8, false, &bytes);
  if (ok) {
    *hrp = h;
    *data = SecureBuffer(bytes.data(), bytes.size());
  }
  OPENSSL_cleanse(values.data(), values.size());
  OPENSSL_cleanse(check_input.data(), check_input.size());
  OPENSSL_cleanse(bytes.data(), bytes.size());
  OPENSSL_cleanse(lower.data(), lower.size());
  return ok;
}

}  // namespace filesec::bech32

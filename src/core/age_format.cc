#include "age_format.h"

#include <cstring>
#include <string>
#include <vector>

#include "encoding.h"
#include "error.h"
#include "primitives.h"

namespace filesec::age {

namespace {

constexpr char kVersionLine[] = "age-encryption.org/v1";
constexpr char kArmorBegin[] = "-----BEGIN AGE ENCRYPTED FILE-----";
constexpr char kArmorEnd[] = "-----END AGE ENCRYPTED FILE-----";
constexpr char kScryptLabel[] = "age-encryption.org/v1/scrypt";
constexpr size_t kFileKeySize = 16;
constexpr size_t kStreamChunk = 64 * 1024;
constexpr size_t kColumns = 64;

ByteView text_view(const char* s) { return ByteView(reinterpret_cast<const uint8_t*>(s), std::strlen(s)); }

SecureBuffer scrypt_key(ByteView passphrase, ByteView salt, unsigned log_n) {
  std::vector<uint8_t> full_salt(kScryptLabel, kScryptLabel + std::strlen(kScryptLabel));
  full_salt.insert(full_salt.end(), salt.data, salt.data + salt.size);
  return crypto::scrypt(passphrase, ByteView::of(full_salt), log_n, 32);
}

void stream_nonce(uint64_t counter, bool last, uint8_t nonce[12]) {
  std::memset(nonce, 0, 12);
  for (int i = 0; i < 8; ++i) nonce[10 - i] = static_cast<uint8_t>(counter >> (8 * i));
  nonce[11] = last ? 1 : 0;
}

// Splits on '\n'; a trailing newline yields no empty final element.
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

[[noreturn]] void invalid(const std::string& why) { fail(code::kKeyInvalid, "age-encrypted identity: " + why); }

SecureBuffer dearmor(ByteView data) {
  std::string text(reinterpret_cast<const char*>(data.data), data.size);
  // Surrounding whitespace is allowed; CRLF line ends are accepted as age does.
  size_t first = text.find_first_not_of(" \t\r\n");
  size_t last = text.find_last_not_of(" \t\r\n");
  text = first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
  std::string plain;
  for (char c : text) {
    if (c != '\r') plain.push_back(c);
  }
  std::vector<std::string> lines = split_lines(plain);
  if (lines.size() < 2 || lines.front() != kArmorBegin || lines.back() != kArmorEnd) invalid("bad armor");
  std::string b64;
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    const std::string& line = lines[i];
    bool is_last = i + 2 == lines.size();
    if (line.size() > kColumns || (!is_last && line.size() != kColumns) || line.empty()) invalid("bad armor line");
    b64 += line;
  }
  SecureBuffer out;
  if (!encoding::base64_decode(b64, true, &out)) invalid("bad armor encoding");
  return out;
}

}  // namespace

bool looks_like_age(ByteView data) {
  std::string head(reinterpret_cast<const char*>(data.data), data.size < 64 ? data.size : 64);
  size_t first = head.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return false;
  head = head.substr(first);
  return head.rfind(kVersionLine, 0) == 0 || head.rfind(kArmorBegin, 0) == 0;
}

std::string encrypt_with_passphrase(ByteView plaintext, ByteView passphrase, unsigned log_n) {
  SecureBuffer file_key(kFileKeySize);
  crypto::random_bytes(file_key.data(), file_key.size());
  uint8_t salt[16];
  crypto::random_bytes(salt, sizeof salt);
  SecureBuffer wrap_key = scrypt_key(passphrase, ByteView(salt, sizeof salt), log_n);
  static const uint8_t kZeroNonce[12] = {0};
  std::vector<uint8_t> body = crypto::aead_seal(crypto::Aead::kChaCha20Poly1305, wrap_key, ByteView(kZeroNonce, 12),
                                                ByteView(), file_key);

  std::string header = std::string(kVersionLine) + "\n";
  header += "-> scrypt " + encoding::base64_encode(ByteView(salt, sizeof salt), false) + " " + std::to_string(log_n) +
            "\n";
  header += encoding::base64_encode(ByteView::of(body), false) + "\n";
  header += "---";
  SecureBuffer mac_key = crypto::hkdf_sha256(file_key, ByteView(), text_view("header"), 32);
  uint8_t mac[32];
  crypto::hmac_sha256(mac_key, ByteView::of(header), mac);
  header += " " + encoding::base64_encode(ByteView(mac, sizeof mac), false) + "\n";

  uint8_t stream_salt[16];
  crypto::random_bytes(stream_salt, sizeof stream_salt);
  SecureBuffer payload_key =
      crypto::hkdf_sha256(file_key, ByteView(stream_salt, sizeof stream_salt), text_view("payload"), 32);
  crypto::ChunkAead aead(crypto::Aead::kChaCha20Poly1305, payload_key);

  std::vector<uint8_t> binary(header.begin(), header.end());
  binary.insert(binary.end(), stream_salt, stream_salt + sizeof stream_salt);
  size_t offset = 0;
  uint64_t counter = 0;
  do {
    size_t n = plaintext.size - offset < kStreamChunk ? plaintext.size - offset : kStreamChunk;
    bool last = offset + n == plaintext.size;
    uint8_t nonce[12];
    stream_nonce(counter++, last, nonce);
    size_t at = binary.size();
    binary.resize(at + n + crypto::kAeadTagSize);
    aead.seal(nonce, plaintext.data + offset, n, binary.data() + at, binary.data() + at + n);
    offset += n;
  } while (offset < plaintext.size);

  std::string b64 = encoding::base64_encode(ByteView::of(binary), true);
  std::string armored = std::string(kArmorBegin) + "\n";
  for (size_t i = 0; i < b64.size(); i += kColumns) armored += b64.substr(i, kColumns) + "\n";
  armored += std::string(kArmorEnd) + "\n";
  return armored;
}

SecureBuffer decrypt_with_passphrase(ByteView file, ByteView passphrase, unsigned max_log_n) {
  SecureBuffer binary_holder;
  ByteView data = file;
  std::string head(reinterpret_cast<const char*>(file.data), file.size < 64 ? file.size : 64);
  if (head.find(kArmorBegin) != std::string::npos) {
    binary_holder = dearmor(file);
    data = binary_holder;
  }

  // Header: version line, stanzas, then the MAC line; find the MAC line's end.
  const char* begin = reinterpret_cast<const char*>(data.data);
  std::string text(begin, data.size);
  size_t mac_line = text.find("\n---");
  if (mac_line == std::string::npos) invalid("no header MAC line");
  size_t header_end = text.find('\n', mac_line + 1);
  if (header_end == std::string::npos) invalid("truncated header");
  std::vector<std::string> lines = split_lines(text.substr(0, mac_line));
  std::string mac_text = text.substr(mac_line + 1, header_end - mac_line - 1);

  if (lines.empty() || lines[0] != kVersionLine) invalid("not an age v1 file");
  if (lines.size() != 3) invalid("a passphrase-encrypted identity has exactly one scrypt stanza");
  const std::string& stanza = lines[1];
  const std::string prefix = "-> scrypt ";
  if (stanza.rfind(prefix, 0) != 0) invalid("the identity file is not passphrase-encrypted");
  std::string args = stanza.substr(prefix.size());
  size_t space = args.find(' ');
  if (space == std::string::npos || args.find(' ', space + 1) != std::string::npos) invalid("bad scrypt stanza");
  std::string salt_b64 = args.substr(0, space);
  std::string log_n_text = args.substr(space + 1);
  if (log_n_text.empty() || log_n_text.size() > 2 || log_n_text[0] == '0') invalid("bad scrypt work factor");
  for (char c : log_n_text) {
    if (c < '0' || c > '9') invalid("bad scrypt work factor");
  }
  unsigned log_n = static_cast<unsigned>(std::stoul(log_n_text));
  if (log_n > max_log_n) invalid("scrypt work factor " + log_n_text + " is above the limit");
  SecureBuffer salt;
  SecureBuffer body;
  if (!encoding::base64_decode(salt_b64, false, &salt) || salt.size() != 16) invalid("bad scrypt salt");
  if (!encoding::base64_decode(lines[2], false, &body) || body.size() != 32) invalid("bad scrypt body");

  SecureBuffer wrap_key = scrypt_key(passphrase, salt, log_n);
  static const uint8_t kZeroNonce[12] = {0};
  SecureBuffer file_key;
  if (!crypto::aead_open(crypto::Aead::kChaCha20Poly1305, wrap_key, ByteView(kZeroNonce, 12), ByteView(), body,
                         &file_key) ||
      file_key.size() != kFileKeySize) {
    fail(code::kKeyWrongPassphrase, "wrong passphrase for the encrypted identity file");
  }

  if (mac_text.rfind("--- ", 0) != 0) invalid("bad header MAC line");
  SecureBuffer mac;
  if (!encoding::base64_decode(mac_text.substr(4), false, &mac) || mac.size() != 32) invalid("bad header MAC");
  SecureBuffer mac_key = crypto::hkdf_sha256(file_key, ByteView(), text_view("header"), 32);
  uint8_t expected[32];
  crypto::hmac_sha256(mac_key, ByteView(data.data, mac_line + 4), expected);
  if (!crypto::equal_ct(mac, ByteView(expected, 32))) fail(code::kHeaderTampered, "identity file header MAC mismatch");

  size_t payload = header_end + 1;
  if (data.size < payload + 16 + crypto::kAeadTagSize) fail(code::kTruncated, "identity file payload truncated");
  SecureBuffer payload_key = crypto::hkdf_sha256(file_key, ByteView(data.data + payload, 16), text_view("payload"), 32);
  crypto::ChunkAead aead(crypto::Aead::kChaCha20Poly1305, payload_key);
  size_t sealed_total = data.size - payload - 16;
  size_t chunks = (sealed_total + kStreamChunk + crypto::kAeadTagSize - 1) / (kStreamChunk + crypto::kAeadTagSize);
  SecureBuffer plain(sealed_total - chunks * crypto::kAeadTagSize);
  const uint8_t* in = data.data + payload + 16;
  size_t out_at = 0;
  for (size_t i = 0; i < chunks; ++i) {
    size_t sealed = i + 1 == chunks ? sealed_total - i * (kStreamChunk + crypto::kAeadTagSize)
                                    : kStreamChunk + crypto::kAeadTagSize;
    if (sealed < crypto::kAeadTagSize) fail(code::kTruncated, "identity file payload truncated");
    size_t n = sealed - crypto::kAeadTagSize;
    uint8_t nonce[12];
    stream_nonce(i, i + 1 == chunks, nonce);
    if (!aead.open(nonce, in, n, in + n, plain.data() + out_at)) {
      fail(code::kPayloadTampered, "identity file payload failed authentication");
    }
    in += sealed;
    out_at += n;
  }
  return plain;
}

}  // namespace filesec::age

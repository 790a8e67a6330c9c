#include "age_format.h"

#include <cstring>
#include <string>
#include <vector>

#include "age_header.h"
#include "age_stanzas.h"
#include "encoding.h"
#include "error.h"
#include "primitives.h"

namespace filesec::age {

namespace {

constexpr char kVersionLine[] = "age-encryption.org/v1";
constexpr char kArmorBegin[] = "-----BEGIN AGE ENCRYPTED FILE-----";
constexpr size_t kStreamChunk = 64 * 1024;

ByteView text_view(const char* s) { return ByteView(reinterpret_cast<const uint8_t*>(s), std::strlen(s)); }

void stream_nonce(uint64_t counter, bool last, uint8_t nonce[12]) {
  std::memset(nonce, 0, 12);
  for (int i = 0; i < 8; ++i) nonce[10 - i] = static_cast<uint8_t>(counter >> (8 * i));
  nonce[11] = last ? 1 : 0;
}

[[noreturn]] void invalid(const std::string& why) { fail(code::kKeyInvalid, "age-encrypted identity: " + why); }

}  // namespace

bool looks_like_age(ByteView data) {
  std::string head(reinterpret_cast<const char*>(data.data), data.size < 64 ? data.size : 64);
  size_t first = head.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return false;
  head = head.substr(first);
  return head.rfind(kVersionLine, 0) == 0 || head.rfind(kArmorBegin, 0) == 0;
}

std::string encrypt_with_passphrase(ByteView plaintext, ByteView passphrase, unsigned log_n) {
  Sealed sealed = seal({}, &passphrase, log_n);
  const SecureBuffer& file_key = sealed.file_key;
  const std::string& header = sealed.header;

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

  std::string armored = armor(ByteView::of(binary));
  return armored;
}

SecureBuffer decrypt_with_passphrase(ByteView file, ByteView passphrase, unsigned max_log_n) {
  // The one age header parser (age_header) and scrypt unwrap (age_stanzas); their errors are
  // re-labelled as key errors, because here the age file is an identity file.
  std::vector<uint8_t> binary_holder;
  ByteView data = file;
  SecureBuffer file_key;
  size_t header_end = 0;
  try {
    if (is_armored(file)) {
      binary_holder = dearmor(file);
      data = ByteView::of(binary_holder);
    }
    Header header = parse_header(data);
    if (header.stanzas.size() != 1 || header.stanzas[0].type != "scrypt") {
      invalid("the identity file is not passphrase-encrypted (a single scrypt stanza)");
    }
    file_key = open(data, header, {}, &passphrase, max_log_n);
    header_end = header.size - 1;
  } catch (const Error& e) {
    if (std::strcmp(e.code(), code::kWrongPassphrase) == 0) {
      fail(code::kKeyWrongPassphrase, "wrong passphrase for the encrypted identity file");
    }
    if (std::strcmp(e.code(), code::kHeaderTampered) == 0) {
      fail(code::kHeaderTampered, "identity file header MAC mismatch");
    }
    if (std::strcmp(e.code(), code::kKeyInvalid) == 0) throw;
    invalid(e.message());
  }

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

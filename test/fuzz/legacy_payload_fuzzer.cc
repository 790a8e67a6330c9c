// The native half of the pyFileSec reader: the streaming base64 of the `.aes256` member (which
// must decode the same however the text is cut), the "Salted__" AES-256-CBC decoder over it,
// and the RSA-OAEP unwrapping of the `.pwdrsa` session password.
#include <memory>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "keys.h"
#include "legacy_cbc.h"

using namespace filesec;

namespace {

struct Decoded {
  bool ok = false;
  std::vector<uint8_t> bytes;
};

Decoded decode_in_pieces(ByteView text, size_t piece) {
  Decoded d;
  try {
    legacy::Base64Text b64;
    for (size_t at = 0; at < text.size; at += piece) b64.update(text.data + at, std::min(piece, text.size - at), &d.bytes);
    b64.final(&d.bytes);
    d.ok = true;
  } catch (const Error& e) {
    fuzz::require(std::string(e.code()) == code::kHeaderInvalid, "base64 text refused with a code other than HEADER_INVALID");
    d.bytes.clear();
  }
  return d;
}

const uint8_t kPassword[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<keys::Key> rsa = keys::generate_rsa(2048);
  if (size == 0) return 0;
  size_t piece = size_t{data[0]} + 1;
  ByteView text = fuzz::view(data + 1, size - 1);
  fuzz::expect_clean_refusal([&] {
    Decoded whole = decode_in_pieces(text, text.size == 0 ? 1 : text.size);
    Decoded pieces = decode_in_pieces(text, piece);
    fuzz::require(whole.ok == pieces.ok && whole.bytes == pieces.bytes, "base64 outcome depends on how the text is cut");
  });
  for (legacy::KdfDigest digest : {legacy::KdfDigest::kSha256, legacy::KdfDigest::kMd5}) {
    fuzz::expect_clean_refusal([&] {
      legacy::SaltedCbcDecoder decoder(digest, ByteView(kPassword, 64));
      std::vector<uint8_t> plaintext;
      for (size_t at = 0; at < text.size; at += piece) decoder.update(text.data + at, std::min(piece, text.size - at), &plaintext);
      decoder.final(&plaintext);
      fuzz::require(plaintext.size() <= text.size, "more plaintext than text");
    });
  }
  // A private-key operation costs a millisecond, a hundred times the rest: one input in eight
  // goes there, so the decoders keep most of the executions.
  if (data[0] % 8 != 0) return 0;
  fuzz::expect_clean_refusal([&] {
    SecureBuffer password;
    fuzz::require(!legacy::unwrap_password(rsa->pkey(), text, &password), "a made-up wrapped password unwrapped");
  });
  return 0;
}

// The strict text decoders under the key and header parsers: base64 (padded and unpadded) and
// bech32. Whatever decodes must be canonical, so encoding it again gives the input back.
#include <algorithm>
#include <cctype>
#include <string>

#include "bech32.h"
#include "encoding.h"
#include "fuzz_support.h"

using namespace filesec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  for (bool padded : {false, true}) {
    SecureBuffer out;
    if (encoding::base64_decode(text, padded, &out)) {
      fuzz::require(encoding::base64_encode(ByteView(out), padded) == text, "base64 decoding is not canonical");
    }
  }
  std::string hrp;
  SecureBuffer payload;
  if (bech32::decode(text, &hrp, &payload)) {
    bool upper = std::any_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    fuzz::require(bech32::encode(hrp, ByteView(payload), upper) == text, "bech32 decoding is not canonical");
  }
  return 0;
}

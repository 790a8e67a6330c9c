// The age header parser (age::parse_header) and, for headers that parse, the stanza unwrapping
// (age::open) with an X25519 identity and a passphrase under a low work-factor cap.
#include <vector>

#include "age_header.h"
#include "age_stanzas.h"
#include "fuzz_support.h"
#include "keys.h"

using namespace filesec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<age::AgeKey> identities = {age::from_key(keys::generate_x25519())};
  ByteView bytes = fuzz::view(data, size);
  fuzz::expect_clean_refusal([&] {
    age::Header h = age::parse_header(bytes);
    fuzz::require(h.size <= size, "parsed header is larger than the input");
    fuzz::require(h.mac_input_size < h.size, "MAC input reaches past the header");
    fuzz::require(!h.stanzas.empty(), "header without stanzas was accepted");
    ByteView passphrase = fuzz::passphrase();
    fuzz::expect_clean_refusal([&] { age::open(bytes, h, identities, &passphrase, fuzz::kMaxLogN); });
  });
  return 0;
}

// The .fsec header parser (fsec::header_size, fsec::parse) and, for headers that parse, the
// unwrapping path (fsec::open) with an X25519 identity and a passphrase, as a reader runs them on
// an untrusted file.
#include <memory>
#include <vector>

#include "fsec_header.h"
#include "fuzz_support.h"
#include "keys.h"

using namespace filesec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::shared_ptr<keys::Key>> identities = {keys::generate_x25519()};
  ByteView bytes = fuzz::view(data, size);
  fuzz::expect_clean_refusal([&] {
    uint32_t declared = fsec::header_size(bytes);
    fuzz::require(declared <= fsec::kMaxHeaderSize, "header size above the limit was accepted");
  });
  fuzz::expect_clean_refusal([&] {
    fsec::Header h = fsec::parse(bytes);
    fuzz::require(h.size <= size, "parsed header is larger than the input");
    fuzz::require(!h.stanzas.empty(), "header without stanzas was accepted");
    fuzz::require(h.sealed_metadata.size() <= fsec::kMaxMetadataSize + 16, "oversized metadata was accepted");
    for (const fsec::Stanza& s : h.stanzas) {
      if (s.type == fsec::kStanzaScrypt) fuzz::require(s.scrypt_log_n != 0, "scrypt work factor 0 was accepted");
    }
    ByteView passphrase = fuzz::passphrase();
    fuzz::expect_clean_refusal([&] { fsec::open(h, bytes, identities, &passphrase, fuzz::kMaxLogN); });
  });
  return 0;
}

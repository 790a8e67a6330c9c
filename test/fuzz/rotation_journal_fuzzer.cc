// The rotation journal reader. A random checksum almost never matches, so the input is used
// both as it is and with a correct SHA-256 appended, which lets the fuzzer reach the header
// checks behind it.
#include <vector>

#include "fuzz_support.h"
#include "primitives.h"
#include "rotation_journal.h"

using namespace filesec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView bytes = fuzz::view(data, size);
  fuzz::expect_clean_refusal([&] { rotation::decode_journal(bytes, "fuzz.journal"); });
  std::vector<uint8_t> sealed(data, data + size);
  uint8_t checksum[32];
  crypto::sha256(bytes, checksum);
  sealed.insert(sealed.end(), checksum, checksum + sizeof checksum);
  fuzz::expect_clean_refusal([&] {
    rotation::Journal j = rotation::decode_journal(ByteView::of(sealed), "fuzz.journal");
    fuzz::require(j.old_header.size() == j.new_header.size(), "journal headers of different sizes");
  });
  return 0;
}

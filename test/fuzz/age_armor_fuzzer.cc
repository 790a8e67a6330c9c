// The age ASCII armor reader. Besides refusing cleanly, the streaming Dearmorer must reach the
// same outcome (same bytes, or same error) whatever pieces the input is fed in, and what it
// decodes must armor and de-armor back to itself.
#include <string>
#include <vector>

#include "age_armor.h"
#include "fuzz_support.h"

using namespace filesec;

namespace {

struct Outcome {
  bool ok = false;
  std::vector<uint8_t> binary;
  std::string error;
};

Outcome dearmor_in_pieces(ByteView in, size_t piece) {
  Outcome out;
  try {
    age::Dearmorer d;
    for (size_t at = 0; at < in.size; at += piece) {
      d.update(in.slice(at, std::min(piece, in.size - at)), &out.binary);
    }
    d.finish(&out.binary);
    out.ok = true;
  } catch (const Error& e) {
    fuzz::require(std::string(e.code()) == code::kHeaderInvalid, "armor refused with a code other than HEADER_INVALID");
    out.error = e.message();
    out.binary.clear();
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte chooses how the rest is cut; it is not part of the armor.
  size_t piece = size_t{data[0]} + 1;
  ByteView armored = fuzz::view(data + 1, size - 1);
  fuzz::expect_clean_refusal([&] {
    Outcome whole = dearmor_in_pieces(armored, armored.size == 0 ? 1 : armored.size);
    Outcome pieces = dearmor_in_pieces(armored, piece);
    fuzz::require(whole.ok == pieces.ok, "outcome depends on how the input is cut");
    fuzz::require(whole.binary == pieces.binary, "decoded bytes depend on how the input is cut");
    fuzz::require(whole.error == pieces.error, "error message depends on how the input is cut");
    if (whole.ok) {
      std::string again = age::armor(ByteView::of(whole.binary));
      fuzz::require(age::dearmor(ByteView::of(again)) == whole.binary, "armor does not round-trip");
    }
    age::is_armored(armored);
  });
  return 0;
}

// The chunked payload opener (StreamOpener over Cobblestone-256) on damaged payloads. The input
// describes a plaintext size, how the payload is cut into pieces, whether the expected plaintext
// size is known, and edits (flip, cut, insert, delete) applied to a freshly sealed payload. The
// opener may only ever release a prefix of the original plaintext, must release all of it for an
// unchanged payload, and must refuse every changed one: chunks past the end, missing chunks,
// reordered or altered bytes.
#include <algorithm>
#include <vector>

#include "cobblestone.h"
#include "fuzz_support.h"
#include "payload_stream.h"

using namespace filesec;

namespace {

const uint8_t kKey[cobblestone::kInputKeySize] = {7};
const uint8_t kContext[] = {'f', 'u', 'z', 'z'};

std::vector<uint8_t> seal(const std::vector<uint8_t>& plaintext) {
  StreamSealer sealer(cobblestone::Scheme::for_encryption(ByteView(kKey, sizeof kKey), ByteView(kContext, 4)));
  std::vector<uint8_t> out(sealer.update_size(plaintext.size()));
  size_t n = sealer.update(ByteView::of(plaintext), out.data());
  out.resize(n + sealer.finish_size());
  n += sealer.finish(out.data() + n);
  out.resize(n);
  return out;
}

void apply_edit(std::vector<uint8_t>* payload, const uint8_t* edit) {
  if (payload->empty()) return;
  size_t at = ((size_t{edit[0]} << 8) | edit[1]) * payload->size() / 65536;
  switch (edit[2] % 4) {
    case 0:
      (*payload)[at] ^= edit[3] == 0 ? 1 : edit[3];
      break;
    case 1:
      payload->resize(at);
      break;
    case 2:
      payload->insert(payload->begin() + static_cast<std::ptrdiff_t>(at), size_t{edit[3]} + 1, edit[3]);
      break;
    default:
      payload->erase(payload->begin() + static_cast<std::ptrdiff_t>(at),
                     payload->begin() + static_cast<std::ptrdiff_t>(std::min(payload->size(), at + edit[3] + 1)));
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  // Up to three chunks and a bit, so the final-chunk and chunk-boundary rules are all reached.
  size_t plaintext_size = ((size_t{data[0]} << 8) | data[1]) % (3 * cobblestone::kChunkSize + 100);
  size_t piece = (size_t{data[2]} << 6) + 1;
  bool size_known = (data[3] & 1) != 0;
  std::vector<uint8_t> plaintext(plaintext_size);
  for (size_t i = 0; i < plaintext_size; ++i) plaintext[i] = static_cast<uint8_t>(i * 31 + 7);
  const std::vector<uint8_t> sealed = seal(plaintext);
  std::vector<uint8_t> payload = sealed;
  for (size_t at = 4; at + 4 <= size; at += 4) apply_edit(&payload, data + at);

  std::vector<uint8_t> released;
  bool opened = false;
  fuzz::expect_clean_refusal([&] {
    auto factory = [](ByteView prefix) {
      return std::unique_ptr<PayloadScheme>(
          cobblestone::Scheme::for_decryption(ByteView(kKey, sizeof kKey), ByteView(kContext, 4), prefix));
    };
    StreamOpener opener(cobblestone::kPrefixSize, factory,
                        size_known ? std::optional<uint64_t>(plaintext_size) : std::nullopt);
    size_t at = 0;
    std::vector<uint8_t> out;
    while (at < payload.size()) {
      size_t n = std::min(piece, payload.size() - at);
      if (opener.prefix_missing() > 0) n = std::min(n, opener.prefix_missing());
      out.resize(opener.prefix_missing() > 0 ? 0 : opener.update_size(n));
      size_t got = opener.update(ByteView(payload.data() + at, n), out.data());
      released.insert(released.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(got));
      at += n;
    }
    out.resize(opener.finish_size());
    size_t got = opener.finish(out.data());
    released.insert(released.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(got));
    opened = true;
  });
  fuzz::require(released.size() <= plaintext.size() &&
                    std::equal(released.begin(), released.end(), plaintext.begin()),
                "the opener released bytes that are not a prefix of the plaintext");
  if (payload == sealed) fuzz::require(opened && released == plaintext, "an intact payload did not open");
  if (opened) fuzz::require(payload == sealed, "a changed payload opened");
  return 0;
}

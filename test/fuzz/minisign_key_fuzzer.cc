// minisign key lines (minisign::parse_key_line), with and without a passphrase, and the scrypt
// parameter rule applied to arbitrary (opslimit, memlimit) pairs.
#include <cstring>
#include <string>

#include "fuzz_support.h"
#include "minisign_key.h"

using namespace filesec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size >= 16) {
    uint64_t ops = 0;
    uint64_t mem = 0;
    std::memcpy(&ops, data, 8);
    std::memcpy(&mem, data + 8, 8);
    minisign::ScryptParams p = minisign::scrypt_params_from_limits(ops, mem);
    fuzz::require(p.log_n < 64, "scrypt log N out of range");
  }
  std::string line(reinterpret_cast<const char*>(data), size);
  ByteView passphrase = fuzz::passphrase();
  minisign::looks_like_public_key_line(line);
  fuzz::expect_clean_refusal([&] { minisign::parse_key_line(line, nullptr, fuzz::kMaxLogN); });
  fuzz::expect_clean_refusal([&] { minisign::parse_key_line(line, &passphrase, fuzz::kMaxLogN); });
  return 0;
}

// Every key format filesec reads: keys::parse (PEM / DER / OpenSSH / age lines / passphrase-
// protected age identity files / minisign files) and age's own recipient and identity readers.
// The first byte chooses the reader.
#include <vector>

#include "age_stanzas.h"
#include "fuzz_support.h"
#include "keys.h"

using namespace filesec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ByteView text = fuzz::view(data + 1, size - 1);
  ByteView passphrase = fuzz::passphrase();
  fuzz::expect_clean_refusal([&] {
    switch (data[0] % 4) {
      case 0: {
        keys::ParseOptions options;
        options.max_scrypt_log_n = fuzz::kMaxLogN;
        for (const auto& key : keys::parse(text, options)) fuzz::require(key != nullptr, "null key");
        break;
      }
      case 1: {
        keys::ParseOptions options;
        options.passphrase = &passphrase;
        options.max_scrypt_log_n = fuzz::kMaxLogN;
        keys::parse(text, options);
        break;
      }
      case 2:
        age::parse_recipients(text);
        break;
      default:
        age::parse_identities(text);
        break;
    }
  });
  return 0;
}

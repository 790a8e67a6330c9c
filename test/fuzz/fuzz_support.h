// Shared by the libFuzzer targets: the rule every parser must keep on hostile input.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "error.h"
#include "secure_buffer.h"

namespace filesec::fuzz {

// The passphrase the targets try, and the scrypt work-factor cap they pass: low, so that each
// execution stays fast (the cap itself is what is being tested).
constexpr unsigned kMaxLogN = 10;
inline constexpr uint8_t kPassphraseBytes[] = {'f', 'u', 'z', 'z'};
inline ByteView passphrase() { return ByteView(kPassphraseBytes, sizeof kPassphraseBytes); }

// A parser may refuse its input only with a filesec::Error carrying a stable code. FSEC_INTERNAL
// means an unexpected library failure, and any other exception type (std::out_of_range,
// std::length_error, bad_alloc…) means the parser trusted a length or offset it read: both abort,
// so libFuzzer records the input as a crasher.
template <typename Fn>
void expect_clean_refusal(Fn&& parse) {
  try {
    parse();
  } catch (const Error& e) {
    if (std::strcmp(e.code(), code::kInternal) == 0) {
      std::fprintf(stderr, "parser failed with FSEC_INTERNAL: %s\n", e.message().c_str());
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parser threw a non-filesec exception: %s\n", e.what());
    std::abort();
  }
}

// Checks an invariant of a successful parse.
inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

inline ByteView view(const uint8_t* data, size_t size) { return ByteView(data, size); }

}  // namespace filesec::fuzz

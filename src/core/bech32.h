// Bech32 (BIP 173) as age uses it for its key strings: no 90-character limit, a checksum over the
// human-readable part, all lower or all upper case. This is a text encoding, not cryptography.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "secure_buffer.h"

namespace filesec::bech32 {

// Encodes `data` under `hrp`; upper-cases the whole string when `upper` is set.
std::string encode(const std::string& hrp, ByteView data, bool upper);

// Decodes `text`; returns false if the checksum, the character set, mixed case or the padding is
// wrong. `hrp` receives the human-readable part in lower case.
bool decode(const std::string& text, std::string* hrp, SecureBuffer* data);

}  // namespace filesec::bech32

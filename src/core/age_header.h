// The age v1 header (https://c2sp.org/age): strict parsing and canonical writing of the textual
// header and its HMAC (the ASCII armor is in age_armor.h). This is the one age header parser in
// filesec: the passphrase-protected identity files (age_format) and the age codec both go through it.
//
// Error classes, matching the outcomes the C2SP CCTV age test kit distinguishes:
//   FSEC_HEADER_INVALID       the header (or, with the "age armor:" message prefix, the armor)
//                             does not parse
//   FSEC_UNSUPPORTED_VERSION  a well-formed version line for a version other than v1
//   FSEC_HEADER_TAMPERED      the file key unwrapped but the header MAC does not verify
// "No matching identity" is raised by age_stanzas, which knows the identities.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "age_armor.h"
#include "secure_buffer.h"

namespace filesec::age {

constexpr size_t kFileKeySize = 16;
constexpr size_t kMacSize = 32;
constexpr size_t kPayloadNonceSize = 16;

// One recipient stanza. The body is the wrapped file key, not a secret in itself.
struct Stanza {
  std::string type;               // the first argument
  std::vector<std::string> args;  // the arguments after the type
  std::vector<uint8_t> body;      // decoded body
};

struct Header {
  std::vector<Stanza> stanzas;
  size_t mac_input_size = 0;  // bytes the MAC covers: everything up to and including "---"
  uint8_t mac[kMacSize] = {0};
  size_t size = 0;  // the whole header, through the MAC line's LF
};

// Parses the binary (de-armored) header at the start of `data`. Bytes after the MAC line are the
// payload and are not looked at. Throws FSEC_HEADER_INVALID / FSEC_UNSUPPORTED_VERSION; a header
// that the data ends inside of is FSEC_HEADER_INVALID too (callers pass the whole header).
Header parse_header(ByteView data);

// Checks the header MAC with the unwrapped file key (constant time); FSEC_HEADER_TAMPERED if wrong.
void verify_mac(ByteView data, const Header& header, ByteView file_key);

// Writes version line, stanzas (bodies in canonical unpadded base64, 64 columns, always ending
// with a short line) and the MAC line keyed from `file_key`.
std::string write_header(const std::vector<Stanza>& stanzas, ByteView file_key);

// The ASCII armor (is_armored, dearmor, armor and their streaming forms): age_armor.h.

// The scrypt salt label (used by age_stanzas and by age_format).
inline constexpr char kScryptLabel[] = "age-encryption.org/v1/scrypt";

}  // namespace filesec::age

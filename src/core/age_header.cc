#include "age_header.h"

#include <cstring>

#include "encoding.h"
#include "error.h"
#include "primitives.h"

namespace filesec::age {

namespace {

constexpr char kVersionPrefix[] = "age-encryption.org/";
constexpr char kVersionLine[] = "age-encryption.org/v1";
constexpr size_t kColumns = 64;

[[noreturn]] void invalid(const std::string& why) { fail(code::kHeaderInvalid, "age header: " + why); }

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// VCHAR in RFC 5234: printable ASCII without space.
bool is_vchar(char c) { return c >= 0x21 && c <= 0x7e; }

// Reads one LF-terminated line from `*pos` (without the LF). Every header line ends with LF, so
// running out of data before one is an incomplete header.
std::string next_line(ByteView data, size_t* pos) {
  const void* nl = std::memchr(data.data + *pos, '\n', data.size - *pos);
  if (nl == nullptr) invalid("the data ends inside the header");
  size_t end = static_cast<size_t>(static_cast<const uint8_t*>(nl) - data.data);
  std::string line(reinterpret_cast<const char*>(data.data + *pos), end - *pos);
  *pos = end + 1;
  return line;
}

std::vector<std::string> split_args(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t space = text.find(' ', start);
    out.push_back(text.substr(start, space == std::string::npos ? std::string::npos : space - start));
    if (space == std::string::npos) break;
    start = space + 1;
  }
  return out;
}

}  // namespace

Header parse_header(ByteView data) {
  Header header;
  size_t pos = 0;
  std::string version = next_line(data, &pos);
  if (version != kVersionLine) {
    bool well_formed = version.rfind(kVersionPrefix, 0) == 0 && version.size() > std::strlen(kVersionPrefix);
    for (char c : version) well_formed = well_formed && is_vchar(c);
    if (well_formed) fail(code::kUnsupportedVersion, "unsupported age format version: " + version);
    invalid("not an age v1 file (bad version line)");
  }
  while (true) {
    size_t line_start = pos;
    std::string line = next_line(data, &pos);
    if (line.rfind("---", 0) == 0) {
      // "--- " then exactly 43 characters of canonical unpadded base64 (32 bytes).
      if (header.stanzas.empty()) invalid("no recipient stanzas");
      if (line.size() < 4 || line[3] != ' ') invalid("bad MAC line");
      SecureBuffer mac;
      if (line.size() != 4 + 43 || !encoding::base64_decode(line.substr(4), false, &mac) || mac.size() != kMacSize) {
        invalid("bad MAC encoding");
      }
      std::memcpy(header.mac, mac.data(), kMacSize);
      header.mac_input_size = line_start + 3;
      header.size = pos;
      return header;
    }
    if (line.rfind("-> ", 0) != 0) invalid("expected a stanza or the MAC line");
    Stanza stanza;
    std::vector<std::string> args = split_args(line.substr(3));
    for (const std::string& arg : args) {
      if (arg.empty()) invalid("empty stanza argument");
      for (char c : arg) {
        if (!is_vchar(c)) invalid("invalid character in a stanza argument");
      }
    }
    stanza.type = args[0];
    stanza.args.assign(args.begin() + 1, args.end());
    // Body: full 64-column lines, then one shorter (possibly empty) line that ends the stanza.
    std::string b64;
    while (true) {
      std::string body_line = next_line(data, &pos);
      if (body_line.size() > kColumns) invalid("stanza body line longer than 64 columns");
      for (char c : body_line) {
        if (!is_base64_char(c)) invalid("invalid character in a stanza body");
      }
      b64 += body_line;
      if (body_line.size() < kColumns) break;
    }
    SecureBuffer body;
    if (!encoding::base64_decode(b64, false, &body)) invalid("stanza body is not canonical base64");
    stanza.body.assign(body.data(), body.data() + body.size());
    header.stanzas.push_back(std::move(stanza));
  }
}

void verify_mac(ByteView data, const Header& header, ByteView file_key) {
  static const char kInfo[] = "header";
  SecureBuffer mac_key =
      crypto::hkdf_sha256(file_key, ByteView(), ByteView(reinterpret_cast<const uint8_t*>(kInfo), 6), 32);
  uint8_t expected[kMacSize];
  crypto::hmac_sha256(mac_key, ByteView(data.data, header.mac_input_size), expected);
  if (!crypto::equal_ct(ByteView(header.mac, kMacSize), ByteView(expected, kMacSize))) {
    fail(code::kHeaderTampered, "age header MAC mismatch: the header was modified");
  }
}

std::string write_header(const std::vector<Stanza>& stanzas, ByteView file_key) {
  if (stanzas.empty()) fail(code::kInvalidArgument, "an age header needs at least one stanza");
  std::string out = std::string(kVersionLine) + "\n";
  for (const Stanza& s : stanzas) {
    out += "-> " + s.type;
    for (const std::string& a : s.args) out += " " + a;
    out += "\n";
    std::string b64 = encoding::base64_encode(ByteView::of(s.body), false);
    // Full lines, then always a short final line (empty when the length is a multiple of 64).
    size_t at = 0;
    for (; b64.size() - at >= kColumns; at += kColumns) out += b64.substr(at, kColumns) + "\n";
    out += b64.substr(at) + "\n";
  }
  out += "---";
  static const char kInfo[] = "header";
  SecureBuffer mac_key =
      crypto::hkdf_sha256(file_key, ByteView(), ByteView(reinterpret_cast<const uint8_t*>(kInfo), 6), 32);
  uint8_t mac[kMacSize];
  crypto::hmac_sha256(mac_key, ByteView::of(out), mac);
  out += " " + encoding::base64_encode(ByteView(mac, kMacSize), false) + "\n";
  return out;
}

}  // namespace filesec::age

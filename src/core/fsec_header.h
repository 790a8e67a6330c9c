// The .fsec v1 header: recipient stanzas that each wrap the 256-bit file key, the sealed
// metadata, and an HMAC over everything before it. docs/FORMAT.md is the normative description;
// this file implements it.
//
//   offset  size  field
//   0       7     magic "filesec"
//   7       1     format version (1)
//   8       1     payload suite (1 = Cobblestone-256)
//   9       1     flags (0)
//   10      16    file id (random)            -- bytes 0..25: the immutable prefix
//   26      4     header size H, big-endian (the payload starts at offset H)
//   30      2     stanza count N, big-endian
//   32      …     N stanzas: type (1), body length (2, BE), body; the last one usually a
//                 reserved-space stanza (type 255, zero bytes) that rounds H up to 1024
//           12    metadata nonce
//           4     sealed metadata length L, big-endian
//           L     sealed metadata (AES-256-GCM, tag included)
//   H-32    32    HMAC-SHA-256 over bytes [0, H-32)
//
// The immutable prefix never changes when recipients are rotated, and it is the context of the
// payload's key derivation, so a payload stays bound to its file id across header rewrites.
// The reserved space lets a rotation write a header of the same size over the old one in
// place, so rotating recipients never has to move the payload.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "keys.h"
#include "secure_buffer.h"

namespace filesec::fsec {

constexpr char kMagic[] = "filesec";
constexpr size_t kMagicSize = 7;
constexpr uint8_t kVersion = 1;
constexpr uint8_t kSuiteCobblestone256 = 1;
constexpr size_t kFileIdSize = 16;
constexpr size_t kPrefixSize = 26;
constexpr size_t kFixedSize = 32;
constexpr size_t kMacSize = 32;
constexpr uint32_t kMaxHeaderSize = 1u << 20;
constexpr size_t kMaxMetadataSize = 64 * 1024;
constexpr size_t kFileKeySize = 32;
// New headers (except passphrase headers) are padded with reserved space to a multiple of this,
// with at least kMinHeaderRoom bytes of room: enough for a few rotations in place, each of which
// adds an entry to the sealed rotation history.
constexpr uint32_t kHeaderGranule = 1024;
constexpr uint32_t kMinHeaderRoom = 512;

constexpr unsigned kDefaultScryptLogN = 18;
constexpr unsigned kMaxScryptLogN = 22;

enum StanzaType : uint8_t { kStanzaRsaOaep = 1, kStanzaX25519 = 2, kStanzaScrypt = 3, kStanzaReserved = 255 };

struct Stanza {
  uint8_t type = 0;
  std::vector<uint8_t> body;
  // Parsed views (by type): the recipient fingerprint for RSA / X25519, the work factor for scrypt.
  bool has_fingerprint = false;
  keys::Fingerprint fingerprint{};
  unsigned scrypt_log_n = 0;
};

struct Header {
  uint8_t version = 0;
  uint8_t suite = 0;
  uint8_t flags = 0;
  uint8_t file_id[kFileIdSize] = {0};
  uint32_t size = 0;  // header size H, the payload offset
  std::vector<Stanza> stanzas;
  uint8_t metadata_nonce[12] = {0};
  std::vector<uint8_t> sealed_metadata;
  uint8_t mac[kMacSize] = {0};
};

// Reads the header size from the first kFixedSize bytes (checking magic and version), so a
// reader knows how many bytes to fetch. Throws FSEC_NOT_ENCRYPTED / FSEC_UNSUPPORTED_VERSION /
// FSEC_HEADER_INVALID.
uint32_t header_size(ByteView first_bytes);

// Parses and validates the structure of a complete header (no key needed).
Header parse(ByteView bytes);

struct PassphraseRecipient {
  ByteView passphrase;
  unsigned log_n = kDefaultScryptLogN;
};

struct SealResult {
  std::vector<uint8_t> header;
  SecureBuffer file_key;
};

// Draws a file key and builds a header for the recipients (public or private keys) or for a
// passphrase (then the only recipient), with `metadata` sealed inside.
SealResult seal(const std::vector<std::shared_ptr<keys::Key>>& recipients, const PassphraseRecipient* passphrase,
                ByteView metadata);

struct ResealRequest {
  // Indices of old stanzas copied verbatim (they wrap the same file key): recipient stanzas of
  // any type except scrypt and reserved space. They come first, in the old order.
  std::vector<size_t> keep;
  // New recipients, wrapped after the kept stanzas; or a passphrase (then nothing is kept).
  std::vector<std::shared_ptr<keys::Key>> recipients;
  const PassphraseRecipient* passphrase = nullptr;
  ByteView metadata;
  // The header size wanted (the old one, for an in-place rewrite), reached by sizing the
  // reserved space. 0, or a size that cannot be reached, gives the rule of a new header.
  uint32_t target_size = 0;
};

// Rebuilds a header around the file key and file id of `old_header` (header-only rotation).
// Checks that the file key authenticates the old header (FSEC_INVALID_ARGUMENT otherwise).
std::vector<uint8_t> reseal(const Header& old_header, ByteView old_header_bytes, ByteView file_key,
                            const ResealRequest& request);

struct OpenResult {
  SecureBuffer file_key;
  SecureBuffer metadata;
  size_t stanza_index = 0;
};

// Unwraps the file key with one of the identities (private keys) or the passphrase, verifies the
// header MAC and opens the metadata. Throws FSEC_NO_MATCHING_RECIPIENT, FSEC_WRONG_PASSPHRASE,
// FSEC_HEADER_TAMPERED, FSEC_HEADER_INVALID.
OpenResult open(const Header& header, ByteView header_bytes, const std::vector<std::shared_ptr<keys::Key>>& identities,
                const ByteView* passphrase, unsigned max_log_n);

// The Cobblestone input key and context for a file key and its header.
SecureBuffer payload_key(ByteView file_key);
ByteView payload_context(ByteView header_bytes);

}  // namespace filesec::fsec

#include "fsec_header.h"

#include <algorithm>
#include <cstring>

#include "error.h"
#include "primitives.h"

namespace filesec::fsec {

namespace {

constexpr char kRsaLabel[] = "filesec.org/v1/rsa-oaep";
constexpr char kX25519Info[] = "filesec.org/v1/X25519";
constexpr char kScryptSalt[] = "filesec.org/v1/scrypt";
constexpr char kMacInfo[] = "filesec.org/v1/header";
constexpr char kMetadataInfo[] = "filesec.org/v1/metadata";
constexpr char kPayloadInfo[] = "filesec.org/v1/payload";

constexpr size_t kX25519BodySize = 32 + 32 + 48;
constexpr size_t kScryptBodySize = 16 + 1 + 48;
constexpr size_t kMinRsaCiphertext = 256;   // 2048-bit modulus
constexpr size_t kMaxRsaCiphertext = 2048;  // 16384-bit modulus

const uint8_t kZeroNonce[12] = {0};

ByteView text(const char* s) { return ByteView(reinterpret_cast<const uint8_t*>(s), std::strlen(s)); }

[[noreturn]] void invalid(const std::string& why) { fail(code::kHeaderInvalid, "invalid .fsec header: " + why); }

void put_u16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint32_t get_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

uint16_t get_u16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

SecureBuffer derive(ByteView file_key, const char* info) { return crypto::hkdf_sha256(file_key, ByteView(), text(info), 32); }

SecureBuffer scrypt_wrap_key(ByteView passphrase, const uint8_t salt[16], unsigned log_n) {
  std::vector<uint8_t> full_salt(kScryptSalt, kScryptSalt + std::strlen(kScryptSalt));
  full_salt.insert(full_salt.end(), salt, salt + 16);
  return crypto::scrypt(passphrase, ByteView::of(full_salt), log_n, 32);
}

SecureBuffer x25519_wrap_key(ByteView shared, ByteView ephemeral, ByteView recipient) {
  std::vector<uint8_t> salt(ephemeral.data, ephemeral.data + ephemeral.size);
  salt.insert(salt.end(), recipient.data, recipient.data + recipient.size);
  return crypto::hkdf_sha256(shared, ByteView::of(salt), text(kX25519Info), 32);
}

Stanza wrap_for_key(const keys::Key& key, ByteView file_key) {
  Stanza s;
  s.has_fingerprint = true;
  s.fingerprint = key.fingerprint();
  s.body.assign(key.fingerprint().begin(), key.fingerprint().end());
  if (key.kind() == keys::KeyKind::kRsa) {
    s.type = kStanzaRsaOaep;
    std::vector<uint8_t> ct = crypto::rsa_oaep_encrypt(key.pkey(), "SHA256", "SHA256", text(kRsaLabel), file_key);
    s.body.insert(s.body.end(), ct.begin(), ct.end());
    return s;
  }
  s.type = kStanzaX25519;
  std::shared_ptr<keys::Key> ephemeral = keys::generate_x25519();
  std::vector<uint8_t> eph_public = ephemeral->x25519_public();
  std::vector<uint8_t> recipient = key.x25519_public();
  SecureBuffer shared;
  if (!crypto::x25519(ephemeral->pkey(), ByteView::of(recipient), &shared)) {
    fail(code::kKeyInvalid, "the X25519 recipient key is a low-order point");
  }
  SecureBuffer wrap_key = x25519_wrap_key(shared, ByteView::of(eph_public), ByteView::of(recipient));
  std::vector<uint8_t> wrapped =
      crypto::aead_seal(crypto::Aead::kAes256Gcm, wrap_key, ByteView(kZeroNonce, 12), ByteView(), file_key);
  s.body.insert(s.body.end(), eph_public.begin(), eph_public.end());
  s.body.insert(s.body.end(), wrapped.begin(), wrapped.end());
  return s;
}

Stanza wrap_for_passphrase(const PassphraseRecipient& p, ByteView file_key) {
  if (p.log_n < 1 || p.log_n > kMaxScryptLogN) invalid("scrypt work factor must be between 1 and 22");
  Stanza s;
  s.type = kStanzaScrypt;
  s.scrypt_log_n = p.log_n;
  uint8_t salt[16];
  crypto::random_bytes(salt, sizeof salt);
  SecureBuffer wrap_key = scrypt_wrap_key(p.passphrase, salt, p.log_n);
  std::vector<uint8_t> wrapped =
      crypto::aead_seal(crypto::Aead::kAes256Gcm, wrap_key, ByteView(kZeroNonce, 12), ByteView(), file_key);
  s.body.assign(salt, salt + 16);
  s.body.push_back(static_cast<uint8_t>(p.log_n));
  s.body.insert(s.body.end(), wrapped.begin(), wrapped.end());
  return s;
}

// Whether a header whose other fields take `content` bytes gets a reserved-space stanza, and
// the length of its body.
struct Room {
  bool present = false;
  size_t body = 0;
};

// The reserved space brings the header to `target` bytes when one stanza can (it needs 3
// bytes at least and holds 65,535 at most). Otherwise, as for a new header: the smallest
// multiple of 1024 that leaves at least 512 bytes of room, capped at the 1 MiB limit. A
// passphrase header gets none (a scrypt stanza must be alone), nor does one with no room left.
Room room_for(const std::vector<Stanza>& stanzas, size_t content, uint32_t target) {
  bool passphrase = stanzas.size() == 1 && stanzas[0].type == kStanzaScrypt;
  if (passphrase || stanzas.size() >= 0xffff || content + 3 > kMaxHeaderSize) return {};
  if (target != 0) {
    if (target == content) return {};
    if (target >= content + 3 && target - content - 3 <= 0xffff) return {true, target - content - 3};
  }
  size_t rounded = (content + 3 + kMinHeaderRoom + kHeaderGranule - 1) / kHeaderGranule * kHeaderGranule;
  rounded = std::min<size_t>(rounded, kMaxHeaderSize);
  return {true, rounded - content - 3};
}

std::vector<uint8_t> assemble(const uint8_t prefix[kPrefixSize], const std::vector<Stanza>& stanzas,
                              ByteView file_key, ByteView metadata, uint32_t target_size) {
  if (stanzas.empty()) fail(code::kInvalidArgument, "at least one recipient is required");
  if (stanzas.size() > 0xffff) fail(code::kInvalidArgument, "too many recipients");
  if (metadata.size > kMaxMetadataSize) fail(code::kInvalidArgument, "metadata is larger than 64 KiB");

  size_t content = kFixedSize + 12 + 4 + metadata.size + crypto::kAeadTagSize + kMacSize;
  for (const Stanza& s : stanzas) content += 3 + s.body.size();
  Room room = room_for(stanzas, content, target_size);

  std::vector<uint8_t> out(prefix, prefix + kPrefixSize);
  put_u32(out, 0);  // header size, patched below
  put_u16(out, static_cast<uint16_t>(stanzas.size() + (room.present ? 1 : 0)));
  for (const Stanza& s : stanzas) {
    out.push_back(s.type);
    put_u16(out, static_cast<uint16_t>(s.body.size()));
    out.insert(out.end(), s.body.begin(), s.body.end());
  }
  if (room.present) {
    out.push_back(kStanzaReserved);
    put_u16(out, static_cast<uint16_t>(room.body));
    out.insert(out.end(), room.body, 0);
  }
  uint8_t nonce[12];
  crypto::random_bytes(nonce, sizeof nonce);
  SecureBuffer metadata_key = derive(file_key, kMetadataInfo);
  std::vector<uint8_t> sealed = crypto::aead_seal(crypto::Aead::kAes256Gcm, metadata_key, ByteView(nonce, 12),
                                                  ByteView(prefix, kPrefixSize), metadata);
  out.insert(out.end(), nonce, nonce + 12);
  put_u32(out, static_cast<uint32_t>(sealed.size()));
  out.insert(out.end(), sealed.begin(), sealed.end());

  size_t total = out.size() + kMacSize;
  if (total > kMaxHeaderSize) fail(code::kInvalidArgument, "the header would exceed 1 MiB: too many recipients");
  uint32_t size = static_cast<uint32_t>(total);
  for (int i = 0; i < 4; ++i) out[kPrefixSize + i] = static_cast<uint8_t>(size >> (8 * (3 - i)));
  SecureBuffer mac_key = derive(file_key, kMacInfo);
  uint8_t mac[kMacSize];
  crypto::hmac_sha256(mac_key, ByteView::of(out), mac);
  out.insert(out.end(), mac, mac + kMacSize);
  return out;
}

bool mac_matches(const Header& header, ByteView header_bytes, ByteView file_key) {
  SecureBuffer mac_key = derive(file_key, kMacInfo);
  uint8_t mac[kMacSize];
  crypto::hmac_sha256(mac_key, ByteView(header_bytes.data, header.size - kMacSize), mac);
  return crypto::equal_ct(ByteView(mac, kMacSize), ByteView(header.mac, kMacSize));
}

// Ed25519 keys are for signatures only.
void refuse_signing_keys(const std::vector<std::shared_ptr<keys::Key>>& keys, const char* role) {
  for (const auto& key : keys) {
    if (key->kind() == keys::KeyKind::kEd25519) {
      fail(code::kKeyUnsupported, std::string("an Ed25519 key cannot be ") + role +
                                      ": Ed25519 keys sign and verify files; use an X25519 or RSA key");
    }
  }
}

std::vector<Stanza> make_stanzas(const std::vector<std::shared_ptr<keys::Key>>& recipients,
                                 const PassphraseRecipient* passphrase, ByteView file_key) {
  refuse_signing_keys(recipients, "a recipient");
  std::vector<Stanza> stanzas;
  if (passphrase != nullptr) {
    if (!recipients.empty()) {
      fail(code::kInvalidArgument, "a passphrase must be the only recipient of a file");
    }
    stanzas.push_back(wrap_for_passphrase(*passphrase, file_key));
    return stanzas;
  }
  for (const auto& key : recipients) {
    for (const Stanza& s : stanzas) {
      if (crypto::equal_ct(ByteView::of(s.fingerprint), ByteView::of(key->fingerprint()))) {
        fail(code::kInvalidArgument, "the same recipient key is listed twice (" + keys::fingerprint_hex(s.fingerprint) + ")");
      }
    }
    stanzas.push_back(wrap_for_key(*key, file_key));
  }
  return stanzas;
}

// Tries to unwrap the file key from one stanza with one identity. False when it does not open.
bool try_unwrap(const Stanza& s, const keys::Key& identity, SecureBuffer* file_key) {
  if (s.type == kStanzaRsaOaep && identity.kind() == keys::KeyKind::kRsa) {
    ByteView ct(s.body.data() + 32, s.body.size() - 32);
    if (ct.size != static_cast<size_t>(EVP_PKEY_get_size(identity.pkey()))) return false;
    SecureBuffer out;
    if (!crypto::rsa_oaep_decrypt(identity.pkey(), "SHA256", "SHA256", text(kRsaLabel), ct, &out)) return false;
    if (out.size() != kFileKeySize) return false;
    *file_key = std::move(out);
    return true;
  }
  if (s.type == kStanzaX25519 && identity.kind() == keys::KeyKind::kX25519) {
    ByteView ephemeral(s.body.data() + 32, 32);
    ByteView wrapped(s.body.data() + 64, 48);
    SecureBuffer shared;
    if (!crypto::x25519(identity.pkey(), ephemeral, &shared)) return false;
    std::vector<uint8_t> recipient = identity.x25519_public();
    SecureBuffer wrap_key = x25519_wrap_key(shared, ephemeral, ByteView::of(recipient));
    return crypto::aead_open(crypto::Aead::kAes256Gcm, wrap_key, ByteView(kZeroNonce, 12), ByteView(), wrapped,
                             file_key);
  }
  return false;
}

}  // namespace

uint32_t header_size(ByteView first) {
  if (first.size < kMagicSize || std::memcmp(first.data, kMagic, kMagicSize) != 0) {
    fail(code::kNotEncrypted, "not a .fsec file (no filesec magic)");
  }
  if (first.size < kFixedSize) fail(code::kTruncated, "the .fsec header is truncated");
  uint8_t version = first.data[7];
  if (version != kVersion) {
    if (version > kVersion) {
      fail(code::kUnsupportedVersion,
           "the file uses .fsec format version " + std::to_string(version) + "; this filesec reads version 1");
    }
    invalid("format version 0");
  }
  uint32_t size = get_u32(first.data + kPrefixSize);
  if (size > kMaxHeaderSize) invalid("header size " + std::to_string(size) + " is above the 1 MiB limit");
  if (size < kFixedSize + 4 + 12 + 4 + 16 + kMacSize) invalid("header size " + std::to_string(size) + " is too small");
  return size;
}

Header parse(ByteView bytes) {
  uint32_t size = header_size(bytes);
  if (bytes.size < size) fail(code::kTruncated, "the .fsec header is truncated");
  Header h;
  h.version = bytes.data[7];
  h.suite = bytes.data[8];
  h.flags = bytes.data[9];
  if (h.suite != kSuiteCobblestone256) invalid("unknown payload suite " + std::to_string(h.suite));
  if (h.flags != 0) invalid("reserved flags are set");
  std::memcpy(h.file_id, bytes.data + 10, kFileIdSize);
  h.size = size;

  const uint8_t* p = bytes.data + kFixedSize;
  const uint8_t* end = bytes.data + size - kMacSize;
  uint16_t count = get_u16(bytes.data + 30);
  if (count == 0) invalid("no recipient stanzas");
  bool has_scrypt = false;
  for (uint16_t i = 0; i < count; ++i) {
    if (end - p < 3) invalid("stanza " + std::to_string(i) + " runs past the header");
    Stanza s;
    s.type = p[0];
    uint16_t len = get_u16(p + 1);
    p += 3;
    if (end - p < len) invalid("stanza " + std::to_string(i) + " runs past the header");
    s.body.assign(p, p + len);
    p += len;
    switch (s.type) {
      case kStanzaRsaOaep:
        if (len < 32 + kMinRsaCiphertext || len > 32 + kMaxRsaCiphertext) invalid("bad RSA-OAEP stanza length");
        break;
      case kStanzaX25519:
        if (len != kX25519BodySize) invalid("bad X25519 stanza length");
        break;
      case kStanzaScrypt:
        if (len != kScryptBodySize) invalid("bad scrypt stanza length");
        s.scrypt_log_n = s.body[16];
        if (s.scrypt_log_n == 0) invalid("scrypt work factor 0");
        has_scrypt = true;
        break;
      default:
        break;  // reserved space and unknown stanza types are skipped (they are covered by the MAC)
    }
    if (s.type == kStanzaRsaOaep || s.type == kStanzaX25519) {
      s.has_fingerprint = true;
      std::memcpy(s.fingerprint.data(), s.body.data(), 32);
    }
    h.stanzas.push_back(std::move(s));
  }
  if (has_scrypt && count != 1) invalid("a passphrase stanza must be the only stanza");
  bool has_recipient = false;
  for (const Stanza& s : h.stanzas) has_recipient = has_recipient || s.type != kStanzaReserved;
  if (!has_recipient) invalid("no recipient stanzas, only reserved space");
  if (end - p < 16) invalid("metadata block runs past the header");
  std::memcpy(h.metadata_nonce, p, 12);
  uint32_t sealed_len = get_u32(p + 12);
  p += 16;
  if (sealed_len < crypto::kAeadTagSize || sealed_len > kMaxMetadataSize + crypto::kAeadTagSize) {
    invalid("bad metadata length");
  }
  if (static_cast<size_t>(end - p) != sealed_len) invalid("header size does not match its contents");
  h.sealed_metadata.assign(p, p + sealed_len);
  std::memcpy(h.mac, end, kMacSize);
  return h;
}

SealResult seal(const std::vector<std::shared_ptr<keys::Key>>& recipients, const PassphraseRecipient* passphrase,
                ByteView metadata) {
  SealResult r;
  r.file_key = SecureBuffer(kFileKeySize);
  crypto::random_bytes(r.file_key.data(), kFileKeySize);
  uint8_t prefix[kPrefixSize];
  std::memcpy(prefix, kMagic, kMagicSize);
  prefix[7] = kVersion;
  prefix[8] = kSuiteCobblestone256;
  prefix[9] = 0;
  crypto::random_bytes(prefix + 10, kFileIdSize);
  r.header = assemble(prefix, make_stanzas(recipients, passphrase, r.file_key), r.file_key, metadata, 0);
  return r;
}

std::vector<uint8_t> reseal(const Header& old_header, ByteView old_header_bytes, ByteView file_key,
                            const ResealRequest& request) {
  if (file_key.size != kFileKeySize || old_header_bytes.size < old_header.size ||
      !mac_matches(old_header, old_header_bytes, file_key)) {
    fail(code::kInvalidArgument, "the file key does not belong to this header");
  }
  std::vector<Stanza> stanzas;
  for (size_t i = 0; i < request.keep.size(); ++i) {
    size_t index = request.keep[i];
    if (index >= old_header.stanzas.size()) fail(code::kInvalidArgument, "a kept stanza index is out of range");
    for (size_t j = 0; j < i; ++j) {
      if (request.keep[j] == index) fail(code::kInvalidArgument, "a stanza is kept twice");
    }
    const Stanza& s = old_header.stanzas[index];
    if (s.type == kStanzaScrypt || s.type == kStanzaReserved) {
      fail(code::kInvalidArgument, "only key recipient stanzas can be kept (not a passphrase or reserved space)");
    }
    stanzas.push_back(s);
  }
  if (request.passphrase != nullptr && !stanzas.empty()) {
    fail(code::kInvalidArgument, "a passphrase must be the only recipient of a file");
  }
  // Checked before any wrapping: an RSA encryption per new recipient is not free.
  for (const auto& key : request.recipients) {
    for (const Stanza& s : stanzas) {
      if (s.has_fingerprint && crypto::equal_ct(ByteView::of(s.fingerprint), ByteView::of(key->fingerprint()))) {
        fail(code::kInvalidArgument, "the key " + keys::fingerprint_hex(s.fingerprint) + " is already a recipient");
      }
    }
  }
  std::vector<Stanza> added = make_stanzas(request.recipients, request.passphrase, file_key);
  stanzas.insert(stanzas.end(), std::make_move_iterator(added.begin()), std::make_move_iterator(added.end()));

  uint8_t prefix[kPrefixSize];
  std::memcpy(prefix, old_header_bytes.data, kPrefixSize);
  return assemble(prefix, stanzas, file_key, request.metadata, request.target_size);
}

OpenResult open(const Header& header, ByteView header_bytes, const std::vector<std::shared_ptr<keys::Key>>& identities,
                const ByteView* passphrase, unsigned max_log_n) {
  refuse_signing_keys(identities, "an identity");
  OpenResult r;
  bool unwrapped = false;
  const Stanza* scrypt_stanza = header.stanzas.size() == 1 && header.stanzas[0].type == kStanzaScrypt
                                    ? &header.stanzas[0]
                                    : nullptr;
  if (scrypt_stanza != nullptr) {
    if (passphrase == nullptr) {
      fail(code::kNoMatchingRecipient, "the file is encrypted with a passphrase, not to a key: give the passphrase");
    }
    if (scrypt_stanza->scrypt_log_n > max_log_n) {
      invalid("scrypt work factor 2^" + std::to_string(scrypt_stanza->scrypt_log_n) + " is above the limit 2^" +
              std::to_string(max_log_n));
    }
    SecureBuffer wrap_key = scrypt_wrap_key(*passphrase, scrypt_stanza->body.data(), scrypt_stanza->scrypt_log_n);
    if (!crypto::aead_open(crypto::Aead::kAes256Gcm, wrap_key, ByteView(kZeroNonce, 12), ByteView(),
                           ByteView(scrypt_stanza->body.data() + 17, 48), &r.file_key)) {
      fail(code::kWrongPassphrase, "wrong passphrase");
    }
    unwrapped = true;
  } else {
    if (identities.empty()) {
      fail(code::kNoMatchingRecipient, "the file is encrypted to public keys, not a passphrase: give an identity");
    }
    // First the stanzas whose fingerprint names one of our keys; a stanza addressed to us that
    // does not open means the header was modified.
    bool addressed_to_us = false;
    for (size_t i = 0; i < header.stanzas.size() && !unwrapped; ++i) {
      for (const auto& id : identities) {
        if (!header.stanzas[i].has_fingerprint ||
            !crypto::equal_ct(ByteView::of(header.stanzas[i].fingerprint), ByteView::of(id->fingerprint()))) {
          continue;
        }
        addressed_to_us = true;
        if (try_unwrap(header.stanzas[i], *id, &r.file_key)) {
          unwrapped = true;
          r.stanza_index = i;
          break;
        }
      }
    }
    if (!unwrapped && addressed_to_us) {
      // Implicit rejection (OpenSSL 3.0 has none for OAEP): go on with a random file key, so the
      // failure is the MAC's, with the same error after the same work as a stanza that opens to a
      // wrong key. Telling the two apart would be a padding oracle.
      r.file_key = SecureBuffer(kFileKeySize);
      crypto::random_bytes(r.file_key.data(), kFileKeySize);
      unwrapped = true;
    }
    // Then every other stanza: a fingerprint changed in transit must still end in a header error,
    // not in "no matching recipient".
    for (size_t i = 0; i < header.stanzas.size() && !unwrapped; ++i) {
      for (const auto& id : identities) {
        if (try_unwrap(header.stanzas[i], *id, &r.file_key)) {
          unwrapped = true;
          r.stanza_index = i;
          break;
        }
      }
    }
    if (!unwrapped) {
      for (const Stanza& s : header.stanzas) {
        // Reserved space is no recipient: a file with none we know is still "no matching recipient".
        if (s.type != kStanzaRsaOaep && s.type != kStanzaX25519 && s.type != kStanzaReserved) {
          invalid("stanza type " + std::to_string(s.type) +
                  " is not supported by this version of filesec, and no supported stanza matches the given keys");
        }
      }
      std::string to;
      for (const Stanza& s : header.stanzas) {
        if (s.has_fingerprint) to += (to.empty() ? "" : ", ") + keys::fingerprint_hex(s.fingerprint).substr(0, 16);
      }
      fail(code::kNoMatchingRecipient, "none of the given keys can open this file (encrypted to: " + to + ")");
    }
  }

  if (!mac_matches(header, header_bytes, r.file_key)) {
    fail(code::kHeaderTampered, "the header was modified: it does not authenticate with this key");
  }
  SecureBuffer metadata_key = derive(r.file_key, kMetadataInfo);
  if (!crypto::aead_open(crypto::Aead::kAes256Gcm, metadata_key, ByteView(header.metadata_nonce, 12),
                         ByteView(header_bytes.data, kPrefixSize), ByteView::of(header.sealed_metadata), &r.metadata)) {
    fail(code::kHeaderTampered, "the sealed metadata does not authenticate");
  }
  return r;
}

SecureBuffer payload_key(ByteView file_key) { return derive(file_key, kPayloadInfo); }

ByteView payload_context(ByteView header_bytes) { return ByteView(header_bytes.data, kPrefixSize); }

}  // namespace filesec::fsec

#include "minisign_key.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

#include "encoding.h"
#include "error.h"
#include "primitives.h"

namespace filesec::minisign {

namespace {

constexpr size_t kPublicKeySize = 2 + 8 + 32;
// sig alg, kdf alg, checksum alg, salt, opslimit, memlimit, then the (encrypted) part.
constexpr size_t kSaltOffset = 6;
constexpr size_t kSaltSize = 32;
constexpr size_t kOpsOffset = kSaltOffset + kSaltSize;
constexpr size_t kMemOffset = kOpsOffset + 8;
constexpr size_t kSecretOffset = kMemOffset + 8;
constexpr size_t kSecretPartSize = 8 + 64 + 32;  // key id, secret key, checksum
constexpr size_t kSecretKeySize = kSecretOffset + kSecretPartSize;

uint64_t le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

keys::KeyId key_id_at(const uint8_t* p) {
  keys::KeyId id;
  std::memcpy(id.data(), p, id.size());
  return id;
}

std::shared_ptr<keys::Key> public_key(ByteView blob) {
  if (std::memcmp(blob.data, "Ed", 2) != 0) fail(code::kKeyUnsupported, "unsupported minisign key algorithm");
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, blob.data + 10, 32);
  if (pkey == nullptr) {
    clear_openssl_errors();
    fail(code::kKeyInvalid, "the minisign public key is not a valid Ed25519 key");
  }
  auto key = std::make_shared<keys::Key>(pkey, keys::KeyKind::kEd25519, false);
  key->set_key_id(key_id_at(blob.data + 2));
  return key;
}

std::shared_ptr<keys::Key> secret_key(ByteView blob, const ByteView* passphrase, unsigned max_log_n) {
  if (std::memcmp(blob.data, "Ed", 2) != 0) fail(code::kKeyUnsupported, "unsupported minisign key algorithm");
  if (std::memcmp(blob.data + 4, "B2", 2) != 0) fail(code::kKeyUnsupported, "unsupported minisign key checksum");
  const bool encrypted = std::memcmp(blob.data + 2, "Sc", 2) == 0;
  if (!encrypted && std::memcmp(blob.data + 2, "\0\0", 2) != 0) {
    fail(code::kKeyUnsupported, "unsupported minisign key derivation function");
  }
  SecureBuffer secret(blob.data + kSecretOffset, kSecretPartSize);
  if (encrypted) {
    if (passphrase == nullptr) {
      fail(code::kKeyPassphraseRequired, "the minisign secret key is passphrase-protected: a passphrase is required");
    }
    ScryptParams sp = scrypt_params_from_limits(le64(blob.data + kOpsOffset), le64(blob.data + kMemOffset));
    // The work is N * p scrypt rounds; an untrusted file must not ask for more than the limit.
    if (sp.p == 0 || sp.log_n > max_log_n || max_log_n > 62 || sp.p > (uint64_t{1} << (max_log_n - sp.log_n))) {
      fail(code::kKeyUnsupported, "the minisign secret key asks for scrypt work above the limit 2^" +
                                      std::to_string(max_log_n));
    }
    SecureBuffer stream = crypto::scrypt_nrp(*passphrase, ByteView(blob.data + kSaltOffset, kSaltSize), sp.log_n,
                                             sp.r, sp.p, kSecretPartSize);
    for (size_t i = 0; i < kSecretPartSize; ++i) secret.data()[i] ^= stream.data()[i];
  }
  const uint8_t* seed = secret.data() + 8;
  const uint8_t* stored_public = secret.data() + 8 + 32;
  EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed, 32);
  if (pkey == nullptr) fail_openssl("Ed25519 key from seed");
  auto key = std::make_shared<keys::Key>(pkey, keys::KeyKind::kEd25519, true);
  std::vector<uint8_t> derived = key->ed25519_public();
  if (!crypto::equal_ct(ByteView::of(derived), ByteView(stored_public, 32))) {
    if (encrypted) fail(code::kKeyWrongPassphrase, "wrong passphrase for the minisign secret key (or the key is damaged)");
    fail(code::kKeyInvalid, "the minisign secret key is damaged (its public half does not match)");
  }
  key->set_key_id(key_id_at(secret.data()));
  return key;
}

}  // namespace

std::string key_id_text(const keys::KeyId& id) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = id.size(); i-- > 0;) {
    out += kHex[id[i] >> 4];
    out += kHex[id[i] & 15];
  }
  return out;
}

std::string public_key_text(const keys::KeyId& id, ByteView raw_public) {
  std::vector<uint8_t> blob = {'E', 'd'};
  blob.insert(blob.end(), id.begin(), id.end());
  blob.insert(blob.end(), raw_public.data, raw_public.data + raw_public.size);
  // minisign prints the id in the comment as %" PRIX64 ", without leading zeros: write it the same
  // way so that a public key file made from a minisign key matches minisign's byte for byte.
  std::string id_text = key_id_text(id);
  id_text.erase(0, std::min(id_text.find_first_not_of('0'), id_text.size() - 1));
  return std::string(kCommentPrefix) + "minisign public key " + id_text + "\n" +
         encoding::base64_encode(ByteView::of(blob), true) + "\n";
}

bool looks_like_public_key_line(const std::string& line) {
  // 42 bytes are 56 base64 characters; "Ed" makes them start with "RW".
  if (line.size() != 56 || line.rfind("RW", 0) != 0) return false;
  for (char c : line) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

std::shared_ptr<keys::Key> parse_key_line(const std::string& base64, const ByteView* passphrase, unsigned max_log_n) {
  SecureBuffer blob;
  if (!encoding::base64_decode(base64, true, &blob)) fail(code::kKeyInvalid, "bad base64 in the minisign key");
  if (blob.size() == kPublicKeySize) return public_key(blob);
  if (blob.size() == kSecretKeySize) return secret_key(blob, passphrase, max_log_n);
  fail(code::kKeyInvalid, "not a minisign key: the key line has the wrong length");
}

ScryptParams scrypt_params_from_limits(uint64_t opslimit, uint64_t memlimit) {
  ScryptParams out;
  out.r = 8;
  if (opslimit < 32768) opslimit = 32768;
  uint64_t max_n;
  if (opslimit < memlimit / 32) {
    out.p = 1;
    max_n = opslimit / (out.r * 4);
  } else {
    max_n = memlimit / (out.r * 128);
  }
  for (out.log_n = 1; out.log_n < 63; ++out.log_n) {
    if ((uint64_t{1} << out.log_n) > max_n / 2) break;
  }
  if (!(opslimit < memlimit / 32)) {
    uint64_t max_rp = (opslimit / 4) / (uint64_t{1} << out.log_n);
    if (max_rp > 0x3fffffff) max_rp = 0x3fffffff;
    out.p = static_cast<uint32_t>(max_rp) / out.r;
  }
  return out;
}

}  // namespace filesec::minisign

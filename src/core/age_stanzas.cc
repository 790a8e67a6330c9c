#include "age_stanzas.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include <cstring>

#include "encoding.h"
#include "error.h"
#include "primitives.h"

namespace filesec::age {

namespace {

constexpr char kX25519Info[] = "age-encryption.org/v1/X25519";
constexpr char kSshEd25519Info[] = "age-encryption.org/v1/ssh-ed25519";
constexpr char kSshRsaLabel[] = "age-encryption.org/v1/ssh-rsa";
constexpr char kOpensshBegin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
constexpr char kOpensshEnd[] = "-----END OPENSSH PRIVATE KEY-----";
constexpr uint8_t kZeroNonce[12] = {0};
constexpr unsigned kMinRsaBits = 2048;  // agessh refuses smaller recipients

ByteView text_view(const char* s) { return ByteView(reinterpret_cast<const uint8_t*>(s), std::strlen(s)); }

[[noreturn]] void bad_stanza(const std::string& why) { fail(code::kHeaderInvalid, "age header: " + why); }
[[noreturn]] void bad_key(const std::string& why) { fail(code::kKeyInvalid, why); }

struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

// --- SSH wire encoding (RFC 4251 §5) -----------------------------------------------------------

struct WireReader {
  const uint8_t* p;
  const uint8_t* end;
  uint32_t u32() {
    if (end - p < 4) bad_key("truncated SSH key");
    uint32_t v = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    p += 4;
    return v;
  }
  ByteView string() {
    uint32_t n = u32();
    if (static_cast<size_t>(end - p) < n) bad_key("truncated SSH key");
    ByteView v(p, n);
    p += n;
    return v;
  }
  bool string_is(const char* s) {
    ByteView v = string();
    return v.size == std::strlen(s) && std::memcmp(v.data, s, v.size) == 0;
  }
};

void put_string(std::vector<uint8_t>* out, ByteView v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<uint8_t>(v.size >> shift));
  out->insert(out->end(), v.data, v.data + v.size);
}

// mpint: big-endian two's complement, minimal, with a leading zero byte when the top bit is set.
void put_mpint(std::vector<uint8_t>* out, const BIGNUM* bn) {
  std::vector<uint8_t> bytes(static_cast<size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, bytes.data());
  if (!bytes.empty() && (bytes[0] & 0x80)) bytes.insert(bytes.begin(), 0);
  put_string(out, ByteView::of(bytes));
}

std::vector<uint8_t> ssh_ed25519_wire(ByteView pub) {
  std::vector<uint8_t> out;
  put_string(&out, text_view("ssh-ed25519"));
  put_string(&out, pub);
  return out;
}

std::vector<uint8_t> ssh_rsa_wire(EVP_PKEY* pkey) {
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
      EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
    BN_free(n);
    BN_free(e);
    fail_openssl("RSA public parameters");
  }
  std::vector<uint8_t> out;
  put_string(&out, text_view("ssh-rsa"));
  put_mpint(&out, e);
  put_mpint(&out, n);
  BN_free(n);
  BN_free(e);
  return out;
}

// --- Ed25519 → X25519 -------------------------------------------------------------------------

// The birational map from edwards25519 to curve25519: u = (1 + y) / (1 - y) mod p, with y the
// little-endian encoding without its sign bit (RFC 7748 §4.1). Done with libcrypto's BN modular
// arithmetic; the key is public, so constant time does not matter here.
std::vector<uint8_t> ed25519_public_to_x25519(ByteView ed) {
  if (ed.size != 32) bad_key("Ed25519 public keys are 32 bytes");
  uint8_t y_bytes[32];
  std::memcpy(y_bytes, ed.data, 32);
  y_bytes[31] &= 0x7f;
  BN_CTX* ctx = BN_CTX_new();
  BnPtr p(BN_new()), y(BN_lebin2bn(y_bytes, 32, nullptr)), one(BN_new()), num(BN_new()), den(BN_new()),
      u(BN_new());
  bool ok = ctx && p && y && one && num && den && u && BN_set_word(p.get(), 1) && BN_lshift(p.get(), p.get(), 255) &&
            BN_sub_word(p.get(), 19) && BN_set_word(one.get(), 1);
  if (!ok) {
    BN_CTX_free(ctx);
    fail_openssl("Ed25519 key conversion");
  }
  // A non-canonical y (≥ p) or y = 1 (the identity point, where 1 - y = 0) is not a usable key.
  bool usable = BN_cmp(y.get(), p.get()) < 0 && !BN_is_one(y.get()) &&
                BN_mod_add(num.get(), one.get(), y.get(), p.get(), ctx) &&
                BN_mod_sub(den.get(), one.get(), y.get(), p.get(), ctx) &&
                BN_mod_inverse(den.get(), den.get(), p.get(), ctx) != nullptr &&
                BN_mod_mul(u.get(), num.get(), den.get(), p.get(), ctx);
  std::vector<uint8_t> out(32);
  if (usable) usable = BN_bn2lebinpad(u.get(), out.data(), 32) == 32;
  BN_CTX_free(ctx);
  clear_openssl_errors();
  if (!usable) bad_key("the Ed25519 public key is not a usable curve point");
  return out;
}

// The X25519 private key age derives from an Ed25519 seed: SHA-512(seed)[:32] (X25519 clamps it).
std::shared_ptr<keys::Key> ed25519_seed_to_x25519(ByteView seed) {
  SecureBuffer digest(64);
  unsigned int len = 64;
  if (EVP_Digest(seed.data, seed.size, digest.data(), &len, EVP_sha512(), nullptr) != 1) fail_openssl("SHA-512");
  return keys::x25519_from_raw(ByteView(digest.data(), 32), true);
}

AgeKey ssh_ed25519_key(ByteView ed_public, const ByteView* seed) {
  AgeKey k;
  k.kind = StanzaKind::kSshEd25519;
  k.ssh_public = ssh_ed25519_wire(ed_public);
  if (seed != nullptr) {
    // The seed must be the private half of the stated public key.
    EVP_PKEY* ed = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed->data, seed->size);
    uint8_t derived[32];
    size_t n = sizeof derived;
    bool ok = ed != nullptr && EVP_PKEY_get_raw_public_key(ed, derived, &n) == 1 && n == 32;
    EVP_PKEY_free(ed);
    clear_openssl_errors();
    if (!ok || !crypto::equal_ct(ByteView(derived, 32), ed_public)) {
      bad_key("the OpenSSH Ed25519 private key does not match its public key");
    }
    k.is_private = true;
    k.key = ed25519_seed_to_x25519(*seed);
    k.x25519_public = k.key->x25519_public();
  } else {
    k.x25519_public = ed25519_public_to_x25519(ed_public);
    k.key = keys::x25519_from_raw(ByteView::of(k.x25519_public), false);
  }
  return k;
}

// --- OpenSSH private keys (PROTOCOL.key, "openssh-key-v1") ----------------------------------------

std::shared_ptr<keys::Key> rsa_private_from_ssh(WireReader& r) {
  ByteView fields[6];  // n, e, d, iqmp, p, q
  for (ByteView& f : fields) f = r.string();
  BnPtr n(BN_bin2bn(fields[0].data, static_cast<int>(fields[0].size), nullptr));
  BnPtr e(BN_bin2bn(fields[1].data, static_cast<int>(fields[1].size), nullptr));
  BnPtr d(BN_secure_new()), iqmp(BN_secure_new()), p(BN_secure_new()), q(BN_secure_new());
  BnPtr dmp1(BN_secure_new()), dmq1(BN_secure_new()), t(BN_secure_new());
  BN_CTX* ctx = BN_CTX_secure_new();
  // OpenSSH stores no CRT exponents; OpenSSL wants them: d mod (p-1), d mod (q-1).
  bool ok = n && e && d && iqmp && p && q && dmp1 && dmq1 && t && ctx &&
            BN_bin2bn(fields[2].data, static_cast<int>(fields[2].size), d.get()) &&
            BN_bin2bn(fields[3].data, static_cast<int>(fields[3].size), iqmp.get()) &&
            BN_bin2bn(fields[4].data, static_cast<int>(fields[4].size), p.get()) &&
            BN_bin2bn(fields[5].data, static_cast<int>(fields[5].size), q.get()) && BN_copy(t.get(), p.get()) &&
            BN_sub_word(t.get(), 1) && BN_mod(dmp1.get(), d.get(), t.get(), ctx) && BN_copy(t.get(), q.get()) &&
            BN_sub_word(t.get(), 1) && BN_mod(dmq1.get(), d.get(), t.get(), ctx);
  OSSL_PARAM_BLD* bld = ok ? OSSL_PARAM_BLD_new() : nullptr;
  OSSL_PARAM* params = nullptr;
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_CTX* pctx = ok ? EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr) : nullptr;
  ok = ok && bld && pctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n.get()) &&
       OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e.get()) &&
       OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d.get()) &&
       OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()) &&
       OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()) &&
       OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1.get()) &&
       OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1.get()) &&
       OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, iqmp.get()) &&
       (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr && EVP_PKEY_fromdata_init(pctx) == 1 &&
       EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_KEYPAIR, params) == 1;
  OSSL_PARAM_free(params);  // secret BIGNUMs (BN_secure_new) were placed in secure memory
  OSSL_PARAM_BLD_free(bld);
  EVP_PKEY_CTX_free(pctx);
  BN_CTX_free(ctx);
  if (!ok) {
    EVP_PKEY_free(pkey);
    clear_openssl_errors();
    bad_key("the OpenSSH RSA private key is not a valid RSA key");
  }
  return std::make_shared<keys::Key>(pkey, keys::KeyKind::kRsa, true);
}

AgeKey parse_openssh_private(const std::string& text) {
  size_t begin = text.find(kOpensshBegin);
  size_t end = text.find(kOpensshEnd);
  if (begin == std::string::npos || end == std::string::npos || end < begin) bad_key("damaged OpenSSH private key");
  std::string b64;
  b64.reserve(end - begin);  // no reallocation: it spells the private key
  for (size_t i = begin + std::strlen(kOpensshBegin); i < end; ++i) {
    char c = text[i];
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') b64.push_back(c);
  }
  SecureBuffer blob;
  bool decoded = encoding::base64_decode(b64, true, &blob);
  OPENSSL_cleanse(b64.data(), b64.size());
  if (!decoded) bad_key("bad base64 in the OpenSSH private key");
  static const char kMagic[] = "openssh-key-v1";  // followed by its NUL
  if (blob.size() < sizeof kMagic || std::memcmp(blob.data(), kMagic, sizeof kMagic) != 0) {
    bad_key("not an openssh-key-v1 private key");
  }
  WireReader r{blob.data() + sizeof kMagic, blob.data() + blob.size()};
  bool cipher_none = r.string_is("none");
  bool kdf_none = r.string_is("none");
  r.string();  // KDF options
  if (!cipher_none || !kdf_none) {
    // Encrypted OpenSSH keys derive their key with bcrypt_pbkdf, which libcrypto does not have,
    // and filesec implements no primitive itself.
    fail(code::kKeyUnsupported,
         "passphrase-protected OpenSSH private keys are not supported (they use bcrypt_pbkdf, which OpenSSL does "
         "not provide); use an unencrypted copy (ssh-keygen -p -N '' on a copy) or an age identity");
  }
  if (r.u32() != 1) bad_key("OpenSSH private key files with several keys are not supported");
  r.string();  // public key (repeated in the private section)
  ByteView priv = r.string();
  if (r.p != r.end) bad_key("trailing data in the OpenSSH private key");
  WireReader s{priv.data, priv.data + priv.size};
  uint32_t check1 = s.u32();
  uint32_t check2 = s.u32();
  if (check1 != check2) bad_key("damaged OpenSSH private key (check values differ)");
  ByteView type = s.string();
  std::string type_name(reinterpret_cast<const char*>(type.data), type.size);
  AgeKey out;
  if (type_name == "ssh-ed25519") {
    ByteView pub = s.string();
    ByteView secret = s.string();  // seed ‖ public key
    if (pub.size != 32 || secret.size != 64 || !crypto::equal_ct(ByteView(secret.data + 32, 32), pub)) {
      bad_key("damaged OpenSSH Ed25519 private key");
    }
    ByteView seed(secret.data, 32);
    out = ssh_ed25519_key(pub, &seed);
  } else if (type_name == "ssh-rsa") {
    out.kind = StanzaKind::kSshRsa;
    out.is_private = true;
    out.key = rsa_private_from_ssh(s);
    out.ssh_public = ssh_rsa_wire(out.key->pkey());
  } else {
    fail(code::kKeyUnsupported, "OpenSSH " + type_name + " keys cannot be age identities (ssh-ed25519, ssh-rsa)");
  }
  s.string();  // comment
  // Padding 1, 2, 3, … to the cipher block size.
  for (uint8_t i = 1; s.p < s.end; ++i, ++s.p) {
    if (*s.p != i) bad_key("damaged OpenSSH private key (padding)");
  }
  return out;
}

// --- stanza helpers ---------------------------------------------------------------------------

std::vector<uint8_t> decode_arg(const std::string& arg, size_t size, const char* what) {
  SecureBuffer raw;
  if (!encoding::base64_decode(arg, false, &raw) || raw.size() != size) {
    bad_stanza(std::string(what) + " is not canonical base64 of " + std::to_string(size) + " bytes");
  }
  return std::vector<uint8_t>(raw.data(), raw.data() + raw.size());
}

std::vector<uint8_t> concat(ByteView a, ByteView b) {
  std::vector<uint8_t> out(a.data, a.data + a.size);
  out.insert(out.end(), b.data, b.data + b.size);
  return out;
}

// ChaCha20-Poly1305 with the fixed all-zero nonce every age key-wrapping stanza uses.
bool unwrap_body(ByteView wrap_key, ByteView body, SecureBuffer* file_key) {
  return crypto::aead_open(crypto::Aead::kChaCha20Poly1305, wrap_key, ByteView(kZeroNonce, 12), ByteView(), body,
                           file_key);
}
std::vector<uint8_t> wrap_body(ByteView wrap_key, ByteView file_key) {
  return crypto::aead_seal(crypto::Aead::kChaCha20Poly1305, wrap_key, ByteView(kZeroNonce, 12), ByteView(), file_key);
}

// The ssh-ed25519 tweak: HKDF-SHA-256(ikm = empty, salt = SSH wire public key, info = label), used
// as an X25519 scalar on the shared secret. (agessh calls hkdf.New(sha256, nil, sshKey.Marshal(),
// label): the key is the *salt*, not the input keying material.)
SecureBuffer tweak_shared(ByteView ssh_public, ByteView shared) {
  // OpenSSL's HKDF refuses an empty key, so the extract step (PRK = HMAC-SHA-256(salt, ikm)) is
  // done with HMAC and the expand step with HKDF in expand-only mode: the same RFC 5869 result.
  SecureBuffer prk(32);
  crypto::hmac_sha256(ssh_public, ByteView(), prk.data());
  SecureBuffer tweak = crypto::hkdf_expand("SHA256", prk, text_view(kSshEd25519Info), 32);
  std::shared_ptr<keys::Key> tweak_key = keys::x25519_from_raw(tweak, true);
  SecureBuffer out;
  if (!crypto::x25519(tweak_key->pkey(), shared, &out)) bad_stanza("ssh-ed25519 tweak gives no shared secret");
  return out;
}

enum class Outcome { kSkip, kUnwrapped };

// One identity against one stanza, following age's rules: a stanza of another type or for
// another key is skipped; a stanza of this type that is malformed aborts (FSEC_HEADER_INVALID).
Outcome try_unwrap(const AgeKey& id, const Stanza& s, SecureBuffer* file_key) {
  switch (id.kind) {
    case StanzaKind::kX25519: {
      if (s.type != "X25519") return Outcome::kSkip;
      if (s.args.size() != 1) bad_stanza("X25519 stanza needs exactly one argument");
      std::vector<uint8_t> share = decode_arg(s.args[0], 32, "X25519 share");
      // Checked before decrypting, against partitioning oracles.
      if (s.body.size() != 32) bad_stanza("X25519 stanza body is not 32 bytes");
      SecureBuffer shared;
      if (!crypto::x25519(id.key->pkey(), ByteView::of(share), &shared)) {
        bad_stanza("X25519 share is a low-order point (all-zero shared secret)");
      }
      std::vector<uint8_t> salt = concat(ByteView::of(share), ByteView::of(id.x25519_public));
      SecureBuffer wrap_key = crypto::hkdf_sha256(shared, ByteView::of(salt), text_view(kX25519Info), 32);
      return unwrap_body(wrap_key, ByteView::of(s.body), file_key) ? Outcome::kUnwrapped : Outcome::kSkip;
    }
    case StanzaKind::kSshEd25519: {
      if (s.type != "ssh-ed25519") return Outcome::kSkip;
      if (s.args.size() != 2) bad_stanza("ssh-ed25519 stanza needs exactly two arguments");
      std::vector<uint8_t> share = decode_arg(s.args[1], 32, "ssh-ed25519 share");
      if (!crypto::equal_ct(ByteView::of(s.args[0]), ByteView::of(ssh_tag(ByteView::of(id.ssh_public))))) return Outcome::kSkip;
      SecureBuffer shared;
      if (!crypto::x25519(id.key->pkey(), ByteView::of(share), &shared)) {
        bad_stanza("ssh-ed25519 share is a low-order point (all-zero shared secret)");
      }
      SecureBuffer tweaked = tweak_shared(ByteView::of(id.ssh_public), shared);
      std::vector<uint8_t> salt = concat(ByteView::of(share), ByteView::of(id.x25519_public));
      SecureBuffer wrap_key = crypto::hkdf_sha256(tweaked, ByteView::of(salt), text_view(kSshEd25519Info), 32);
      // The tag named this key, so a failure here is an error, as in age.
      if (!unwrap_body(wrap_key, ByteView::of(s.body), file_key)) bad_stanza("ssh-ed25519 stanza does not decrypt");
      return Outcome::kUnwrapped;
    }
    case StanzaKind::kSshRsa: {
      if (s.type != "ssh-rsa") return Outcome::kSkip;
      if (s.args.size() != 1) bad_stanza("ssh-rsa stanza needs exactly one argument");
      if (!crypto::equal_ct(ByteView::of(s.args[0]), ByteView::of(ssh_tag(ByteView::of(id.ssh_public))))) return Outcome::kSkip;
      // Implicit rejection (OpenSSL 3.0 has none for OAEP): a stanza that fails OAEP goes on with a
      // random file key, so it fails at the header MAC with the same error, after the same work, as
      // a stanza that decrypts to a wrong key. Telling the two apart would be a padding oracle.
      if (!crypto::rsa_oaep_decrypt(id.key->pkey(), "SHA256", "SHA256", text_view(kSshRsaLabel),
                                    ByteView::of(s.body), file_key) ||
          file_key->size() != kFileKeySize) {
        *file_key = SecureBuffer(kFileKeySize);
        crypto::random_bytes(file_key->data(), kFileKeySize);
      }
      return Outcome::kUnwrapped;
    }
  }
  return Outcome::kSkip;
}

// "^[1-9][0-9]*$", as age.md requires, with an overflow bound.
bool parse_log_n(const std::string& text, unsigned* out) {
  if (text.empty() || text.size() > 2 || text[0] < '1' || text[0] > '9') return false;
  unsigned v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *out = v;
  return true;
}

Outcome try_scrypt(const Stanza& s, ByteView passphrase, unsigned max_log_n, SecureBuffer* file_key) {
  if (s.type != "scrypt") return Outcome::kSkip;
  if (s.args.size() != 2) bad_stanza("scrypt stanza needs exactly two arguments");
  std::vector<uint8_t> salt = decode_arg(s.args[0], 16, "scrypt salt");
  unsigned log_n = 0;
  if (!parse_log_n(s.args[1], &log_n)) bad_stanza("scrypt work factor is not a canonical decimal number");
  if (log_n > max_log_n) {
    bad_stanza("scrypt work factor " + std::to_string(log_n) + " is above the limit of " + std::to_string(max_log_n));
  }
  if (s.body.size() != 32) bad_stanza("scrypt stanza body is not 32 bytes");
  std::vector<uint8_t> full_salt = concat(text_view(kScryptLabel), ByteView::of(salt));
  SecureBuffer wrap_key = crypto::scrypt(passphrase, ByteView::of(full_salt), log_n, 32);
  return unwrap_body(wrap_key, ByteView::of(s.body), file_key) ? Outcome::kUnwrapped : Outcome::kSkip;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return {};
  size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

}  // namespace

std::string ssh_tag(ByteView ssh_public) {
  uint8_t digest[32];
  crypto::sha256(ssh_public, digest);
  return encoding::base64_encode(ByteView(digest, 4), false);
}

AgeKey from_key(const std::shared_ptr<keys::Key>& key) {
  AgeKey k;
  k.is_private = key->is_private();
  k.key = key;
  switch (key->kind()) {
    case keys::KeyKind::kX25519:
      k.kind = StanzaKind::kX25519;
      k.x25519_public = key->x25519_public();
      return k;
    case keys::KeyKind::kRsa:
      k.kind = StanzaKind::kSshRsa;
      k.ssh_public = ssh_rsa_wire(key->pkey());
      return k;
    case keys::KeyKind::kEd25519:
      break;
  }
  fail(code::kKeyUnsupported, "Ed25519 filesec keys are signing keys; for age use an ssh-ed25519 key or an age key");
}

std::vector<AgeKey> parse_recipients(ByteView text) {
  std::vector<AgeKey> out;
  std::string all(reinterpret_cast<const char*>(text.data), text.size);
  size_t start = 0;
  while (start < all.size()) {
    size_t nl = all.find('\n', start);
    std::string line = trim(all.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    start = nl == std::string::npos ? all.size() : nl + 1;
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("ssh-ed25519 ", 0) == 0) {
      std::string rest = line.substr(12);
      SecureBuffer blob;
      if (!encoding::base64_decode(rest.substr(0, rest.find(' ')), true, &blob)) {
        bad_key("bad base64 in the ssh-ed25519 public key");
      }
      WireReader r{blob.data(), blob.data() + blob.size()};
      if (!r.string_is("ssh-ed25519")) bad_key("the SSH key type does not match its ssh-ed25519 label");
      ByteView pub = r.string();
      if (r.p != r.end || pub.size != 32) bad_key("damaged ssh-ed25519 public key");
      out.push_back(ssh_ed25519_key(pub, nullptr));
      continue;
    }
    keys::ParseOptions options;
    options.min_rsa_bits = kMinRsaBits;
    for (const auto& key : keys::parse(ByteView::of(line), options)) {
      AgeKey k = from_key(key);
      k.is_private = false;
      out.push_back(std::move(k));
    }
  }
  if (out.empty()) bad_key("no age recipient found");
  return out;
}

std::vector<AgeKey> parse_identities(ByteView text) {
  std::string all(reinterpret_cast<const char*>(text.data), text.size);
  std::vector<AgeKey> out;
  if (all.find(kOpensshBegin) != std::string::npos) {
    try {
      out.push_back(parse_openssh_private(all));
    } catch (...) {
      OPENSSL_cleanse(all.data(), all.size());
      throw;
    }
  } else {
    keys::ParseOptions options;
    options.min_rsa_bits = 1024;  // an identity only decrypts; the recipient side enforces 2048
    std::vector<std::shared_ptr<keys::Key>> parsed;
    try {
      parsed = keys::parse(text, options);
    } catch (...) {
      OPENSSL_cleanse(all.data(), all.size());
      throw;
    }
    for (const auto& key : parsed) {
      if (!key->is_private()) {
        OPENSSL_cleanse(all.data(), all.size());
        fail(code::kWrongKey, "a public key cannot be an age identity");
      }
      out.push_back(from_key(key));
    }
  }
  OPENSSL_cleanse(all.data(), all.size());
  return out;
}

SecureBuffer open(ByteView data, const Header& header, const std::vector<AgeKey>& identities,
                  const ByteView* passphrase, unsigned max_log_n) {
  // An scrypt stanza must be alone, whatever the identities (the implied authentication of a
  // passphrase-encrypted file).
  bool has_scrypt = false;
  for (const Stanza& s : header.stanzas) has_scrypt = has_scrypt || s.type == "scrypt";
  if (has_scrypt && header.stanzas.size() != 1) bad_stanza("an scrypt stanza must be the only stanza");

  SecureBuffer file_key;
  bool found = false;
  for (const AgeKey& id : identities) {
    if (!id.is_private) fail(code::kWrongKey, "a public key cannot unwrap an age file key");
    for (const Stanza& s : header.stanzas) {
      if (try_unwrap(id, s, &file_key) == Outcome::kUnwrapped) {
        found = true;
        break;
      }
    }
    if (found) break;
  }
  if (!found && passphrase != nullptr && has_scrypt) {
    found = try_scrypt(header.stanzas[0], *passphrase, max_log_n, &file_key) == Outcome::kUnwrapped;
    if (!found) fail(code::kWrongPassphrase, "wrong passphrase for the age file");
  }
  if (!found) {
    if (has_scrypt) fail(code::kNoMatchingRecipient, "the age file is passphrase-encrypted: a passphrase is needed");
    fail(code::kNoMatchingRecipient, "none of the identities matches a recipient stanza of the age file");
  }
  // X25519 and scrypt bodies are 32 bytes, so 16-byte keys; ssh-rsa could carry any length.
  if (file_key.size() != kFileKeySize) bad_stanza("the unwrapped file key is not 16 bytes");
  verify_mac(data, header, file_key);
  return file_key;
}

namespace {

// The scrypt stanza for `passphrase`: a fresh 16-byte salt, work factor log2(N) = `log_n`.
Stanza wrap_passphrase(ByteView passphrase, unsigned log_n, ByteView file_key) {
  if (log_n < 1 || log_n > 30) fail(code::kInvalidArgument, "scrypt work factor must be between 1 and 30");
  uint8_t salt[16];
  crypto::random_bytes(salt, sizeof salt);
  std::vector<uint8_t> full_salt = concat(text_view(kScryptLabel), ByteView(salt, 16));
  SecureBuffer wrap_key = crypto::scrypt(passphrase, ByteView::of(full_salt), log_n, 32);
  return {"scrypt",
          {encoding::base64_encode(ByteView(salt, 16), false), std::to_string(log_n)},
          wrap_body(wrap_key, file_key)};
}

// The stanza wrapping `file_key` for one recipient (a fresh ephemeral key for the X25519 kinds).
Stanza wrap_for(const AgeKey& r, ByteView file_key) {
  switch (r.kind) {
    case StanzaKind::kX25519:
    case StanzaKind::kSshEd25519: {
      std::shared_ptr<keys::Key> eph = keys::generate_x25519();
      std::vector<uint8_t> share = eph->x25519_public();
      SecureBuffer shared;
      if (!crypto::x25519(eph->pkey(), ByteView::of(r.x25519_public), &shared)) {
        bad_key("the age recipient is a low-order point");
      }
      std::vector<uint8_t> salt = concat(ByteView::of(share), ByteView::of(r.x25519_public));
      if (r.kind == StanzaKind::kX25519) {
        SecureBuffer wrap_key = crypto::hkdf_sha256(shared, ByteView::of(salt), text_view(kX25519Info), 32);
        return {"X25519", {encoding::base64_encode(ByteView::of(share), false)}, wrap_body(wrap_key, file_key)};
      }
      SecureBuffer tweaked = tweak_shared(ByteView::of(r.ssh_public), shared);
      SecureBuffer wrap_key = crypto::hkdf_sha256(tweaked, ByteView::of(salt), text_view(kSshEd25519Info), 32);
      return {"ssh-ed25519",
              {ssh_tag(ByteView::of(r.ssh_public)), encoding::base64_encode(ByteView::of(share), false)},
              wrap_body(wrap_key, file_key)};
    }
    case StanzaKind::kSshRsa:
      if (r.key->bits() < kMinRsaBits) fail(code::kKeyTooShort, "ssh-rsa age recipients need at least 2048 bits");
      return {"ssh-rsa",
              {ssh_tag(ByteView::of(r.ssh_public))},
              crypto::rsa_oaep_encrypt(r.key->pkey(), "SHA256", "SHA256", text_view(kSshRsaLabel), file_key)};
  }
  fail(code::kInternal, "unknown age recipient kind");
}

}  // namespace

Sealed seal(const std::vector<AgeKey>& recipients, const ByteView* passphrase, unsigned log_n) {
  if (passphrase != nullptr && !recipients.empty()) {
    fail(code::kInvalidArgument, "an age passphrase (scrypt) must be the only recipient");
  }
  if (passphrase == nullptr && recipients.empty()) fail(code::kInvalidArgument, "no age recipients");
  Sealed out;
  out.file_key = SecureBuffer(kFileKeySize);
  crypto::random_bytes(out.file_key.data(), kFileKeySize);
  std::vector<Stanza> stanzas;
  if (passphrase != nullptr) stanzas.push_back(wrap_passphrase(*passphrase, log_n, out.file_key));
  for (const AgeKey& r : recipients) stanzas.push_back(wrap_for(r, out.file_key));
  out.header = write_header(stanzas, out.file_key);
  return out;
}

KeyDescription describe(const AgeKey& key) {
  switch (key.kind) {
    case StanzaKind::kX25519:
      return {"X25519", ""};
    case StanzaKind::kSshEd25519:
      return {"ssh-ed25519", ssh_tag(ByteView::of(key.ssh_public))};
    case StanzaKind::kSshRsa:
      return {"ssh-rsa", ssh_tag(ByteView::of(key.ssh_public))};
  }
  fail(code::kInternal, "unknown age recipient kind");
}

std::string rewrap(ByteView old_bytes, const Header& old_header, ByteView file_key, const RewrapRequest& request) {
  // The key must be this header's: a key from another file would make a header nobody can use.
  if (file_key.size != kFileKeySize || old_bytes.size < old_header.size) {
    fail(code::kInvalidArgument, "the file key does not belong to this age header");
  }
  try {
    verify_mac(old_bytes, old_header, file_key);
  } catch (const Error&) {
    fail(code::kInvalidArgument, "the file key does not belong to this age header");
  }
  std::vector<Stanza> stanzas;
  for (size_t i = 0; i < request.keep.size(); ++i) {
    size_t index = request.keep[i];
    if (index >= old_header.stanzas.size()) fail(code::kInvalidArgument, "a kept stanza index is out of range");
    for (size_t j = 0; j < i; ++j) {
      if (request.keep[j] == index) fail(code::kInvalidArgument, "a stanza is kept twice");
    }
    // A kept scrypt stanza could only ever be alone, which would change nothing; a new
    // passphrase gets a new salt.
    if (old_header.stanzas[index].type == "scrypt") fail(code::kInvalidArgument, "an scrypt stanza cannot be kept");
    stanzas.push_back(old_header.stanzas[index]);
  }
  if (request.passphrase != nullptr && (!stanzas.empty() || !request.recipients.empty())) {
    fail(code::kInvalidArgument, "an age passphrase (scrypt) must be the only recipient");
  }
  if (request.passphrase == nullptr && stanzas.empty() && request.recipients.empty()) {
    fail(code::kInvalidArgument, "no age recipients");
  }
  // Checked before any wrapping (an RSA encryption per new recipient is not free). X25519
  // stanzas name no recipient, so only the ssh-* kinds can be recognised as already there.
  for (const AgeKey& r : request.recipients) {
    KeyDescription d = describe(r);
    if (d.tag.empty()) continue;
    for (const Stanza& s : stanzas) {
      if (s.type == d.type && !s.args.empty() && crypto::equal_ct(ByteView::of(s.args[0]), ByteView::of(d.tag))) {
        fail(code::kInvalidArgument, "the " + d.type + " key " + d.tag + " is already a recipient");
      }
    }
  }
  if (request.passphrase != nullptr) stanzas.push_back(wrap_passphrase(*request.passphrase, request.log_n, file_key));
  for (const AgeKey& r : request.recipients) stanzas.push_back(wrap_for(r, file_key));
  return write_header(stanzas, file_key);
}

void check_header(ByteView data, ByteView file_key) {
  Header header = parse_header(data);
  if (header.size != data.size) fail(code::kHeaderInvalid, "age header: bytes after the MAC line");
  verify_mac(data, header, file_key);
}

}  // namespace filesec::age

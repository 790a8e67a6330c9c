#include "keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstring>

#include "age_format.h"
#include "bech32.h"
#include "encoding.h"
#include "error.h"
#include "minisign_key.h"
#include "pbe_cost.h"
#include "primitives.h"

namespace filesec::keys {

namespace {

constexpr size_t kMaxKeyFileSize = 1 << 20;
// PBKDF2-HMAC-SHA-256 iterations for encrypted PKCS#8 keys we write (OWASP 2023 figure).
constexpr int kPbkdf2Iterations = 600000;
constexpr char kAgeSecretHrp[] = "age-secret-key-";
constexpr char kAgePublicHrp[] = "age";

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// Never let OpenSSL fall back to prompting on a terminal.
int refuse_passphrase(char*, size_t, size_t*, const OSSL_PARAM*, void*) { return 0; }

bool contains(ByteView data, const char* needle) {
  size_t n = std::strlen(needle);
  if (n > data.size) return false;
  for (size_t i = 0; i + n <= data.size; ++i) {
    if (std::memcmp(data.data + i, needle, n) == 0) return true;
  }
  return false;
}

std::shared_ptr<Key> wrap_checked(EVP_PKEY* raw, bool is_private, const ParseOptions& options) {
  PkeyPtr pkey(raw);
  KeyKind kind;
  if (EVP_PKEY_is_a(pkey.get(), "RSA")) {
    kind = KeyKind::kRsa;
    int bits = EVP_PKEY_get_bits(pkey.get());
    if (bits < static_cast<int>(options.min_rsa_bits)) {
      fail(code::kKeyTooShort, "RSA key of " + std::to_string(bits) + " bits is too short (minimum " +
                                   std::to_string(options.min_rsa_bits) + ")");
    }
    if (bits > static_cast<int>(kMaxRsaBits)) {
      fail(code::kKeyUnsupported, "RSA key of " + std::to_string(bits) + " bits is above the supported maximum of " +
                                      std::to_string(kMaxRsaBits));
    }
  } else if (EVP_PKEY_is_a(pkey.get(), "X25519")) {
    kind = KeyKind::kX25519;
  } else if (EVP_PKEY_is_a(pkey.get(), "ED25519")) {
    kind = KeyKind::kEd25519;
  } else {
    const char* name = EVP_PKEY_get0_type_name(pkey.get());
    fail(code::kKeyUnsupported, std::string("unsupported key type ") + (name ? name : "(unknown)") +
                                    ": filesec uses RSA, X25519 and Ed25519 keys");
  }
  return std::make_shared<Key>(pkey.release(), kind, is_private);
}

EVP_PKEY* decode(ByteView data, const char* input_type, int selection, const ByteView* passphrase) {
  EVP_PKEY* pkey = nullptr;
  OSSL_DECODER_CTX* ctx =
      OSSL_DECODER_CTX_new_for_pkey(&pkey, input_type, nullptr, nullptr, selection, nullptr, nullptr);
  if (ctx == nullptr) fail_openssl("OSSL_DECODER_CTX_new_for_pkey");
  OSSL_DECODER_CTX_set_passphrase_cb(ctx, refuse_passphrase, nullptr);
  if (passphrase != nullptr) OSSL_DECODER_CTX_set_passphrase(ctx, passphrase->data, passphrase->size);
  const unsigned char* p = data.data;
  size_t len = data.size;
  int ok = OSSL_DECODER_from_data(ctx, &p, &len);
  OSSL_DECODER_CTX_free(ctx);
  clear_openssl_errors();
  if (ok != 1) {
    EVP_PKEY_free(pkey);
    return nullptr;
  }
  return pkey;
}

std::vector<std::shared_ptr<Key>> parse_pem(ByteView data, const ParseOptions& options) {
  if (contains(data, "-----BEGIN OPENSSH PRIVATE KEY-----")) {
    fail(code::kKeyUnsupported, "OpenSSH private keys are not supported for .fsec files; use a PEM or age key");
  }
  bool is_private = contains(data, "PRIVATE KEY-----");
  bool encrypted = contains(data, "-----BEGIN ENCRYPTED PRIVATE KEY-----") || contains(data, "Proc-Type: 4,ENCRYPTED");
  if (encrypted && options.passphrase == nullptr) {
    fail(code::kKeyPassphraseRequired, "the private key is passphrase-protected: a passphrase is required");
  }
  if (encrypted) check_pem_pbe_cost(data, options.max_scrypt_log_n);
  int selection = is_private ? OSSL_KEYMGMT_SELECT_KEYPAIR : OSSL_KEYMGMT_SELECT_PUBLIC_KEY;
  EVP_PKEY* pkey = decode(data, "PEM", selection, encrypted ? options.passphrase : nullptr);
  if (pkey == nullptr) {
    if (encrypted) fail(code::kKeyWrongPassphrase, "wrong passphrase for the private key (or the key is damaged)");
    fail(code::kKeyInvalid, "the PEM key could not be read (unsupported or damaged key)");
  }
  return {wrap_checked(pkey, is_private, options)};
}

std::vector<std::shared_ptr<Key>> parse_der(ByteView data, const ParseOptions& options) {
  if (options.passphrase != nullptr) check_pbe_cost(data, options.max_scrypt_log_n);
  if (EVP_PKEY* pkey = decode(data, "DER", OSSL_KEYMGMT_SELECT_KEYPAIR, options.passphrase)) {
    return {wrap_checked(pkey, true, options)};
  }
  if (EVP_PKEY* pkey = decode(data, "DER", OSSL_KEYMGMT_SELECT_PUBLIC_KEY, nullptr)) {
    return {wrap_checked(pkey, false, options)};
  }
  fail(code::kKeyInvalid, "the DER key could not be read (unsupported, damaged, or needs a passphrase)");
}

uint32_t read_u32(const uint8_t*& p, const uint8_t* end) {
  if (end - p < 4) fail(code::kKeyInvalid, "truncated OpenSSH public key");
  uint32_t v = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  p += 4;
  return v;
}

ByteView read_string(const uint8_t*& p, const uint8_t* end) {
  uint32_t n = read_u32(p, end);
  if (static_cast<size_t>(end - p) < n) fail(code::kKeyInvalid, "truncated OpenSSH public key");
  ByteView v(p, n);
  p += n;
  return v;
}

std::shared_ptr<Key> parse_ssh_rsa(const std::string& b64, const ParseOptions& options) {
  SecureBuffer blob;
  if (!encoding::base64_decode(b64, true, &blob)) fail(code::kKeyInvalid, "bad base64 in OpenSSH public key");
  const uint8_t* p = blob.data();
  const uint8_t* end = p + blob.size();
  ByteView type = read_string(p, end);
  if (type.size != 7 || std::memcmp(type.data, "ssh-rsa", 7) != 0) {
    fail(code::kKeyInvalid, "OpenSSH key type does not match its ssh-rsa label");
  }
  ByteView e = read_string(p, end);
  ByteView n = read_string(p, end);
  if (p != end) fail(code::kKeyInvalid, "trailing data in OpenSSH public key");
  BIGNUM* bn_e = BN_bin2bn(e.data, static_cast<int>(e.size), nullptr);
  BIGNUM* bn_n = BN_bin2bn(n.data, static_cast<int>(n.size), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  bool ok = bn_e && bn_n && bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1 &&
            (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
            EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  EVP_PKEY_CTX_free(ctx);
  BN_free(bn_e);
  BN_free(bn_n);
  if (!ok) {
    EVP_PKEY_free(pkey);
    clear_openssl_errors();
    fail(code::kKeyInvalid, "the OpenSSH RSA public key is not a valid RSA key");
  }
  return wrap_checked(pkey, false, options);
}

std::shared_ptr<Key> parse_age_line(const std::string& line, bool secret) {
  std::string hrp;
  SecureBuffer raw;
  if (!bech32::decode(line, &hrp, &raw)) fail(code::kKeyInvalid, "bad age key encoding (checksum or characters)");
  if (secret) {
    if (hrp != kAgeSecretHrp) fail(code::kKeyUnsupported, "unsupported age identity type");
    // age writes secret keys in upper case only.
    for (char c : line) {
      if (c >= 'a' && c <= 'z') fail(code::kKeyInvalid, "age secret keys are upper case");
    }
  } else {
    if (hrp != kAgePublicHrp) fail(code::kKeyUnsupported, "unsupported age recipient type (" + hrp + ")");
    for (char c : line) {
      if (c >= 'A' && c <= 'Z') fail(code::kKeyInvalid, "age recipients are lower case");
    }
  }
  if (raw.size() != 32) fail(code::kKeyInvalid, "age X25519 keys are 32 bytes");
  return x25519_from_raw(raw, secret);
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return {};
  size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

// Drops a public key when the same file also holds its private key (some tools write both).
std::vector<std::shared_ptr<Key>> without_redundant_public_keys(std::vector<std::shared_ptr<Key>> keys) {
  std::vector<std::shared_ptr<Key>> out;
  for (const auto& k : keys) {
    bool redundant = false;
    for (const auto& other : keys) {
      if (!k->is_private() && other->is_private() && crypto::equal_ct(ByteView::of(other->fingerprint()), ByteView::of(k->fingerprint()))) redundant = true;
    }
    if (!redundant) out.push_back(k);
  }
  return out;
}

std::shared_ptr<Key> parse_key_line(const std::string& line, const ParseOptions& options) {
  if (minisign::looks_like_public_key_line(line)) return minisign::parse_key_line(line, nullptr, 0);
  if (line.rfind("AGE-SECRET-KEY-1", 0) == 0) return parse_age_line(line, true);
  if (line.rfind("age1", 0) == 0) return parse_age_line(line, false);
  if (line.rfind("ssh-rsa ", 0) == 0) {
    std::string rest = line.substr(8);
    return parse_ssh_rsa(rest.substr(0, rest.find(' ')), options);
  }
  if (line.rfind("ssh-", 0) == 0 || line.rfind("ecdsa-", 0) == 0 || line.rfind("sk-", 0) == 0) {
    fail(code::kKeyUnsupported, "only ssh-rsa OpenSSH public keys are supported for .fsec files");
  }
  if (line.rfind("AGE-PLUGIN-", 0) == 0) fail(code::kKeyUnsupported, "age plugin identities are not supported");
  fail(code::kKeyInvalid, "not a key: expected PEM, ssh-rsa, age1… or AGE-SECRET-KEY-1…");
}

bool is_key_line(const std::string& line) {
  if (minisign::looks_like_public_key_line(line)) return true;
  for (const char* prefix : {"AGE-SECRET-KEY-1", "age1", "ssh-", "ecdsa-", "sk-", "AGE-PLUGIN-"}) {
    if (line.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

// The next line of `data` from `*pos` that is not blank, trimmed (empty at the end of the data).
std::string next_nonblank_line(ByteView data, size_t* pos, int* line_no) {
  while (*pos < data.size) {
    const uint8_t* nl = static_cast<const uint8_t*>(std::memchr(data.data + *pos, '\n', data.size - *pos));
    size_t stop = nl ? static_cast<size_t>(nl - data.data) : data.size;
    std::string raw(reinterpret_cast<const char*>(data.data + *pos), stop - *pos);
    std::string line = trim(raw);
    OPENSSL_cleanse(raw.data(), raw.size());
    ++*line_no;
    *pos = stop + 1;
    if (!line.empty()) return line;
  }
  return {};
}

// Key text: any mix of PEM blocks, one-line keys (age, ssh-rsa, minisign public keys), minisign
// key files (comment line + key line), comments (#) and blank lines.
// When the text has PEM blocks, other lines that are not keys are explanatory text (RFC 7468
// allows it around PEM blocks, and pyFileSec's keys carry a comment line) and are skipped.
std::vector<std::shared_ptr<Key>> parse_text(ByteView data, const ParseOptions& options) {
  const bool has_pem = contains(data, "-----BEGIN ");
  std::vector<std::shared_ptr<Key>> out;
  size_t start = 0;
  int line_no = 0;
  while (start < data.size) {
    ++line_no;
    const uint8_t* nl = static_cast<const uint8_t*>(std::memchr(data.data + start, '\n', data.size - start));
    size_t end = nl ? static_cast<size_t>(nl - data.data) : data.size;
    std::string raw(reinterpret_cast<const char*>(data.data + start), end - start);
    std::string line = trim(raw);
    OPENSSL_cleanse(raw.data(), raw.size());
    size_t line_start = start;
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    std::string where = " (line " + std::to_string(line_no) + ")";
    try {
      if (line.rfind("-----BEGIN ", 0) == 0) {
        // The block runs to its matching END line.
        std::string end_marker = "-----END " + line.substr(11);
        size_t block_end = std::string::npos;
        for (size_t pos = start; pos < data.size;) {
          const uint8_t* next = static_cast<const uint8_t*>(std::memchr(data.data + pos, '\n', data.size - pos));
          size_t stop = next ? static_cast<size_t>(next - data.data) : data.size;
          std::string candidate = trim(std::string(reinterpret_cast<const char*>(data.data + pos), stop - pos));
          ++line_no;
          pos = stop + 1;
          bool is_end = candidate == end_marker;
          OPENSSL_cleanse(candidate.data(), candidate.size());
          if (is_end) {
            block_end = stop;
            start = pos;
            break;
          }
        }
        if (block_end == std::string::npos) fail(code::kKeyInvalid, "a PEM block has no END line");
        out.push_back(parse_pem(ByteView(data.data + line_start, block_end - line_start), options)[0]);
      } else if (line.rfind(minisign::kCommentPrefix, 0) == 0) {
        // A minisign key file: the key is the next line.
        std::string key_line = next_nonblank_line(data, &start, &line_no);
        if (key_line.empty()) fail(code::kKeyInvalid, "a minisign key comment line is not followed by a key");
        try {
          out.push_back(minisign::parse_key_line(key_line, options.passphrase, options.max_scrypt_log_n));
        } catch (...) {
          OPENSSL_cleanse(key_line.data(), key_line.size());
          throw;
        }
        OPENSSL_cleanse(key_line.data(), key_line.size());
      } else if (has_pem && !is_key_line(line)) {
        // explanatory text beside PEM blocks
      } else {
        out.push_back(parse_key_line(line, options));
      }
    } catch (const Error& e) {
      OPENSSL_cleanse(line.data(), line.size());
      throw Error(e.code(), e.message() + where);
    }
    OPENSSL_cleanse(line.data(), line.size());
  }
  if (out.empty()) fail(code::kKeyInvalid, "no key found");
  return without_redundant_public_keys(std::move(out));
}

std::string bio_text(BIO* bio) {
  char* p = nullptr;
  long n = BIO_get_mem_data(bio, &p);
  return std::string(p, static_cast<size_t>(n));
}

SecureBuffer bio_secret(BIO* bio) {
  char* p = nullptr;
  long n = BIO_get_mem_data(bio, &p);
  return SecureBuffer(reinterpret_cast<const uint8_t*>(p), static_cast<size_t>(n));
}

}  // namespace

Key::Key(EVP_PKEY* pkey, KeyKind kind, bool is_private) : pkey_(pkey), kind_(kind), is_private_(is_private) {
  std::vector<uint8_t> der = spki_der();
  crypto::sha256(ByteView::of(der), fingerprint_.data());
  std::memcpy(key_id_.data(), fingerprint_.data(), key_id_.size());
}

Key::~Key() { EVP_PKEY_free(pkey_); }

unsigned Key::bits() const { return static_cast<unsigned>(EVP_PKEY_get_bits(pkey_)); }

std::vector<uint8_t> Key::spki_der() const {
  int n = i2d_PUBKEY(pkey_, nullptr);
  if (n <= 0) fail_openssl("i2d_PUBKEY");
  std::vector<uint8_t> out(static_cast<size_t>(n));
  unsigned char* p = out.data();
  if (i2d_PUBKEY(pkey_, &p) != n) fail_openssl("i2d_PUBKEY");
  return out;
}

std::vector<uint8_t> Key::x25519_public() const {
  std::vector<uint8_t> out(32);
  size_t len = out.size();
  if (kind_ != KeyKind::kX25519 || EVP_PKEY_get_raw_public_key(pkey_, out.data(), &len) != 1 || len != 32) {
    fail_openssl("X25519 public key");
  }
  return out;
}

std::vector<uint8_t> Key::ed25519_public() const {
  std::vector<uint8_t> out(32);
  size_t len = out.size();
  if (kind_ != KeyKind::kEd25519 || EVP_PKEY_get_raw_public_key(pkey_, out.data(), &len) != 1 || len != 32) {
    fail_openssl("Ed25519 public key");
  }
  return out;
}

std::string Key::public_text() const {
  if (kind_ == KeyKind::kX25519) {
    std::vector<uint8_t> raw = x25519_public();
    return bech32::encode(kAgePublicHrp, ByteView::of(raw), false);
  }
  if (kind_ == KeyKind::kEd25519) {
    std::vector<uint8_t> raw = ed25519_public();
    return minisign::public_key_text(key_id_, ByteView::of(raw));
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey_) != 1) fail_openssl("PEM_write_bio_PUBKEY");
  return bio_text(bio.get());
}

SecureBuffer Key::private_text(const ByteView* passphrase, const std::string& created_comment) const {
  if (!is_private_) fail(code::kWrongKey, "this is a public key: there is no private key to export");
  if (kind_ == KeyKind::kX25519) {
    SecureBuffer raw(32);
    size_t len = 32;
    if (EVP_PKEY_get_raw_private_key(pkey_, raw.data(), &len) != 1 || len != 32) fail_openssl("X25519 private key");
    std::string secret = bech32::encode(kAgeSecretHrp, raw, true);
    std::string head = "# created: " + created_comment + "\n# public key: " + public_text() + "\n";
    SecureBuffer text(head.size() + secret.size() + 1);
    std::memcpy(text.data(), head.data(), head.size());
    std::memcpy(text.data() + head.size(), secret.data(), secret.size());
    text.data()[text.size() - 1] = '\n';
    OPENSSL_cleanse(secret.data(), secret.size());
    if (passphrase == nullptr) return text;
    std::string armored = age::encrypt_with_passphrase(text, *passphrase, age::kDefaultScryptLogN);
    return SecureBuffer(reinterpret_cast<const uint8_t*>(armored.data()), armored.size());
  }
  // BIO_s_secmem wipes its buffer (and every reallocation) when freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(pkey_);
  if (!bio || p8 == nullptr) {
    PKCS8_PRIV_KEY_INFO_free(p8);
    fail_openssl("EVP_PKEY2PKCS8");
  }
  bool ok;
  if (passphrase != nullptr) {
    X509_SIG* sealed = PKCS8_encrypt_ex(-1, EVP_aes_256_cbc(), reinterpret_cast<const char*>(passphrase->data),
                                        static_cast<int>(passphrase->size), nullptr, 0, kPbkdf2Iterations, p8,
                                        nullptr, nullptr);
    ok = sealed != nullptr && PEM_write_bio_PKCS8(bio.get(), sealed) == 1;
    X509_SIG_free(sealed);
  } else {
    ok = PEM_write_bio_PKCS8_PRIV_KEY_INFO(bio.get(), p8) == 1;
  }
  PKCS8_PRIV_KEY_INFO_free(p8);
  if (!ok) fail_openssl("PKCS#8 export");
  return bio_secret(bio.get());
}

std::vector<std::shared_ptr<Key>> parse(ByteView data, const ParseOptions& options) {
  if (data.size == 0) fail(code::kKeyInvalid, "the key is empty");
  if (data.size > kMaxKeyFileSize) fail(code::kKeyInvalid, "the key data is larger than 1 MiB");
  if (age::looks_like_age(data)) {
    if (options.passphrase == nullptr) {
      fail(code::kKeyPassphraseRequired, "the identity file is passphrase-encrypted: a passphrase is required");
    }
    SecureBuffer inner = age::decrypt_with_passphrase(data, *options.passphrase, options.max_scrypt_log_n);
    return parse_text(inner, options);
  }
  if (data.data[0] == 0x30) return parse_der(data, options);
  return parse_text(data, options);
}

std::shared_ptr<Key> parse_rsa_private(ByteView data) {
  auto parsed = parse(data, ParseOptions{});
  if (parsed.size() != 1 || parsed[0]->kind() != KeyKind::kRsa || !parsed[0]->is_private()) {
    fail(code::kKeyInvalid, "expected one RSA private key");
  }
  return parsed[0];
}

std::shared_ptr<Key> generate_rsa(unsigned bits) {
  if (bits < kMinRsaBits || bits > kMaxRsaBits || bits % 8 != 0) {
    fail(code::kInvalidArgument, "RSA key size must be a multiple of 8 between 2048 and 16384 bits");
  }
  EVP_PKEY* pkey = EVP_RSA_gen(bits);
  if (pkey == nullptr) fail_openssl("RSA key generation");
  return std::make_shared<Key>(pkey, KeyKind::kRsa, true);
}

std::shared_ptr<Key> generate_x25519() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  if (pkey == nullptr) fail_openssl("X25519 key generation");
  return std::make_shared<Key>(pkey, KeyKind::kX25519, true);
}

std::shared_ptr<Key> generate_ed25519() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (pkey == nullptr) fail_openssl("Ed25519 key generation");
  return std::make_shared<Key>(pkey, KeyKind::kEd25519, true);
}

std::shared_ptr<Key> x25519_from_raw(ByteView raw, bool is_private) {
  if (raw.size != 32) fail(code::kKeyInvalid, "X25519 keys are 32 bytes");
  EVP_PKEY* pkey = is_private ? EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, raw.data, raw.size)
                              : EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, raw.data, raw.size);
  if (pkey == nullptr) fail_openssl("X25519 key");
  return std::make_shared<Key>(pkey, KeyKind::kX25519, is_private);
}

std::string fingerprint_hex(const Fingerprint& fp) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : fp) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace filesec::keys

// Decrypting the payload of a legacy pyFileSec archive (the `N.aes256` member): the base64 text
// of `openssl enc -aes-256-cbc -a -salt`, i.e. "Salted__" ‖ 8-byte salt ‖ AES-256-CBC/PKCS#7
// ciphertext, with key and IV from OpenSSL's one-iteration EVP_BytesToKey over the 65-byte session
// password that the `.pwdrsa` member wraps with RSA-OAEP (SHA-1, MGF1-SHA-1, empty label).
//
// Everything cryptographic is libcrypto EVP: EVP_PKEY_decrypt (through crypto::rsa_oaep_decrypt),
// EVP_BytesToKey, EVP_Decrypt*, EVP_Decode*, EVP_Digest*, EVP_MAC. The format has no MAC: a
// successful decryption only means the last block had valid PKCS#7 padding. What can be checked
// (the SHA-256 of the member text recorded in the metadata, an HMAC when the caller has its key) is
// checked over the ciphertext before any plaintext is produced.
//
// The pieces are separate so that a later migration can feed SaltedCbcDecoder's output straight
// into a .fsec encryption instead of a file: unwrap_password → scan_text_file → choose digest
// (probe) → SaltedCbcDecoder.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "file_engine.h"
#include "keys.h"
#include "secure_buffer.h"

namespace filesec::legacy {

// EVP_BytesToKey's digest: OpenSSL >= 1.1.0 `enc` uses SHA-256, older ones MD5.
enum class KdfDigest { kSha256, kMd5 };
const char* digest_name(KdfDigest d);

// The session password wrapped in `wrapped` (RSA-OAEP SHA-1/MGF1-SHA-1, empty label). False when
// this key does not open it (wrong key or changed bytes; OAEP does not say which).
bool unwrap_password(EVP_PKEY* private_key, ByteView wrapped, SecureBuffer* password);

// AES-CBC decryption of a whole message with PKCS#7 padding (AES-128/192/256 by key size). False
// when the padding is invalid. Used for the last-block probe and for conformance tests.
bool aes_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext, SecureBuffer* plaintext);

// Streaming base64 decoding (EVP_DecodeUpdate) of `openssl enc -a` text: the standard alphabet,
// '=' padding only at the end, CR/LF between characters. Anything else is FSEC_HEADER_INVALID.
class Base64Text {
 public:
  Base64Text();
  ~Base64Text();
  Base64Text(const Base64Text&) = delete;
  Base64Text& operator=(const Base64Text&) = delete;
  // Appends the decoded bytes of `text` to `out`.
  void update(const uint8_t* text, size_t size, std::vector<uint8_t>* out);
  void final(std::vector<uint8_t>* out);

 private:
  EVP_ENCODE_CTX* ctx_;
  bool seen_padding_ = false;
};

// What one pass over the member text learns, before anything is decrypted.
struct TextScan {
  uint8_t sha256[32];
  std::optional<std::vector<uint8_t>> hmac;  // HMAC-SHA256 of the text, when a key was given
  uint64_t text_bytes = 0;
  uint64_t decoded_bytes = 0;
  uint8_t salt[8];
  // The last two ciphertext blocks (only the last one when there is a single block).
  std::vector<uint8_t> tail;
};

// Reads a file holding the member text; checks the "Salted__" layout and the block alignment.
TextScan scan_text_file(const std::string& path, const std::optional<SecureBuffer>& hmac_key,
                        const engine::Control& control, uint64_t progress_total);

// True when the last ciphertext block decrypts to valid PKCS#7 padding under the key derived with
// `digest`: the only sign, in this format, that the derivation was the right one.
// `last_plaintext`, when given, receives the plaintext bytes of the last block (0..15, the padding
// removed) when the probe succeeds: with decoded_bytes, the plaintext size before decryption.
bool probe_digest(KdfDigest digest, ByteView password, const TextScan& scan, size_t* last_plaintext = nullptr);

// Base64 text in, plaintext out: decodes, takes the salt from the "Salted__" header, derives key
// and IV and decrypts. final() returns false when the padding is invalid (bad decrypt).
class SaltedCbcDecoder {
 public:
  SaltedCbcDecoder(KdfDigest digest, ByteView password);
  ~SaltedCbcDecoder();
  SaltedCbcDecoder(const SaltedCbcDecoder&) = delete;
  SaltedCbcDecoder& operator=(const SaltedCbcDecoder&) = delete;
  void update(const uint8_t* text, size_t size, std::vector<uint8_t>* plaintext);
  bool final(std::vector<uint8_t>* plaintext);

 private:
  void decrypt(const uint8_t* data, size_t size, std::vector<uint8_t>* plaintext);
  KdfDigest digest_;
  SecureBuffer password_;
  Base64Text text_;
  std::vector<uint8_t> decoded_;
  uint8_t header_[16];
  size_t header_bytes_ = 0;
  EVP_CIPHER_CTX* cipher_ = nullptr;
};

struct DecryptRequest {
  std::string source;  // a file holding the member text (ciphertext only)
  std::vector<std::shared_ptr<keys::Key>> identities;
  std::vector<uint8_t> wrapped_password;
  // Digests to try, in order; the first whose last-block probe succeeds is used.
  std::vector<KdfDigest> digests;
  std::optional<std::vector<uint8_t>> expected_sha256;  // "hash of cipher_text"
  bool allow_checksum_mismatch = false;
  std::optional<SecureBuffer> hmac_key;
  std::optional<std::vector<uint8_t>> expected_hmac;
  engine::Output output;
};

enum class Check { kAbsent, kOk, kMismatch };

struct DecryptResult {
  uint64_t plaintext_bytes = 0;
  uint64_t text_bytes = 0;
  KdfDigest digest = KdfDigest::kSha256;
  size_t digest_index = 0;   // position of `digest` in the request's list
  bool ambiguous = false;    // another digest's probe succeeded too
  Check checksum = Check::kAbsent;
  Check hmac = Check::kAbsent;
  size_t identity_index = 0;
};

// Everything known before the first plaintext byte: the password (native memory only), the scan
// of the text and the chosen digest.
struct Prepared {
  SecureBuffer password;
  TextScan scan;
  DecryptResult result;  // plaintext_bytes still 0
  // The plaintext size the chosen digest's last-block probe implies (stream_plaintext produces
  // exactly this many bytes when it succeeds).
  uint64_t plaintext_size = 0;
};

// Steps before any decryption: unwraps the password with the first identity that opens it,
// checks the recorded checksum / HMAC over the text (FSEC_PAYLOAD_TAMPERED on a mismatch, unless
// allowed for the checksum), picks the digest by probing the last block. No identity opening the
// password and no digest passing the probe are one error, FSEC_NO_MATCHING_RECIPIENT, reached
// after the same work (no RSA-OAEP padding oracle). Ignores request.output.
Prepared prepare(const DecryptRequest& request, const engine::Control& control);

// Receives plaintext in order. Whatever it received is unauthenticated until stream_plaintext
// returns: a consumer must not publish it before then.
using PlaintextSink = std::function<void(const uint8_t* data, size_t size)>;

// Decrypts the text at `source` (the one prepare() scanned) into `sink`, 1 MiB at a time; returns
// the plaintext size. Throws FSEC_PAYLOAD_TAMPERED when the final padding is invalid and
// FSEC_SOURCE_CHANGED when the text is not the one scanned. This is the piece a migration to
// .fsec can feed straight into a sealer, with no plaintext on disk.
uint64_t stream_plaintext(const std::string& source, const Prepared& prepared, const engine::Control& control,
                          const PlaintextSink& sink);

// prepare(), then stream_plaintext() into a 0600 temporary file renamed into place only after the
// padding check passed (the temporary file is removed otherwise).
DecryptResult decrypt_file(const DecryptRequest& request, const engine::Control& control);

// prepare() alone: what decryption would use, and the plaintext size (in plaintext_bytes), with
// nothing decrypted beyond the last-block probe and nothing written. Migration needs the size to
// seal it in the .fsec metadata before the payload is written.
DecryptResult probe_archive(const DecryptRequest& request, const engine::Control& control);

// Migration to .fsec: prepare(), then stream_plaintext() straight into a .fsec sealer (one pass,
// plaintext only in native buffers, wiped), writing `header` and the sealed payload to a 0600
// temporary file that is synced and renamed into place only when the legacy decryption ended with
// valid padding and produced exactly `expected_plaintext_size` bytes (FSEC_SOURCE_CHANGED
// otherwise). `padding` zero bytes are sealed after the plaintext. request.legacy.output is unused.
struct MigrateRequest {
  DecryptRequest legacy;
  uint64_t expected_plaintext_size = 0;
  uint64_t padding = 0;
  std::vector<uint8_t> header;
  std::unique_ptr<PayloadScheme> scheme;
  engine::Output output;
};

struct MigrateResult {
  DecryptResult legacy;  // plaintext_bytes: the legacy plaintext (no padding)
  uint64_t file_bytes = 0;
};

MigrateResult migrate_file(MigrateRequest& request, const engine::Control& control);

}  // namespace filesec::legacy

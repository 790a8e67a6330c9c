// Detached signatures of whole files: the file is hashed once in a streaming pass (file_hash),
// then the digest is signed or verified (signature).
//
// kMinisign: minisign's prehashed "ED" scheme. The file signature is Ed25519 over the file's
// BLAKE2b-512 digest; the comment signature is Ed25519 over (file signature ‖ trusted comment),
// which authenticates the trusted comment.
// kRsaPssSha256: RSASSA-PSS over the file's SHA-256 digest (MGF1-SHA-256, 32-byte salt), the
// signature `openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32` makes.
// kPyFileSecPkcs1v15 (verify only): a legacy pyFileSec signature, RSASSA-PKCS1-v1_5 over the file
// as `openssl dgst -sign` made it, with that OpenSSL's default digest: SHA-256 (1.1.0 and later),
// SHA-1 (1.0.x) or MD5 (0.9.8). The signature does not say which: the file is hashed once with all
// three, and the signature checked with each, in the order SHA-256, SHA-1, MD5.
//
// The text formats around these bytes (.minisig, filesec's RSA signature file) are read and
// written by lib/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "file_hash.h"
#include "keys.h"

namespace filesec::signing {

enum class Scheme { kMinisign, kRsaPssSha256, kPyFileSecPkcs1v15 };

struct SignRequest {
  std::string path;
  Scheme scheme = Scheme::kMinisign;
  std::vector<uint8_t> trusted_comment;  // kMinisign only
};

struct Signed {
  std::vector<uint8_t> signature;
  std::vector<uint8_t> comment_signature;  // kMinisign only
  uint64_t file_bytes = 0;
};

// Throws FSEC_WRONG_KEY for a public key, FSEC_KEY_UNSUPPORTED for an X25519 key, and
// FSEC_INVALID_ARGUMENT when the key kind does not make signatures of `scheme` (and for
// kPyFileSecPkcs1v15, which filesec only verifies).
Signed sign_file(const keys::Key& key, const SignRequest& request, const hashing::Control& control);

struct VerifyRequest {
  std::string path;
  Scheme scheme = Scheme::kMinisign;
  std::vector<uint8_t> signature;
  std::vector<uint8_t> trusted_comment;    // kMinisign only
  std::vector<uint8_t> comment_signature;  // kMinisign only
};

enum class Verdict {
  kValid,
  kKeyMismatch,   // the key is not of the kind that makes this signature
  kBadComment,    // the trusted comment (or the signature it covers) was altered, or another key signed
  kBadSignature,  // the file was modified, or another key signed
};

struct Verified {
  Verdict verdict = Verdict::kBadSignature;
  uint64_t file_bytes = 0;  // 0 when the file did not need to be read
  // kPyFileSecPkcs1v15 when valid: the digest that matched, "sha256", "sha1" or "md5"; else empty.
  std::string digest;
};

// The key may be public or private. Throws FSEC_KEY_UNSUPPORTED for an X25519 key; file errors
// as hashing::hash_file.
Verified verify_file(const keys::Key& key, const VerifyRequest& request, const hashing::Control& control);

}  // namespace filesec::signing

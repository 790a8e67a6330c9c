// Signature primitives over OpenSSL EVP: Ed25519 (RFC 8032, pure) and RSASSA-PSS over a digest
// computed beforehand (so a file is hashed once, in a streaming pass, whatever its size), and
// verification only of RSASSA-PKCS1-v1_5 over such a digest, for legacy pyFileSec signatures
// (filesec never signs with PKCS#1 v1.5).
// Verification failures of any kind (wrong key, modified data, a signature of the wrong length
// or encoding) are `false`, never an error: every failure looks the same to the caller.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <vector>

#include "secure_buffer.h"

namespace filesec::sig {

constexpr size_t kEd25519SignatureSize = 64;

// The RSA-PSS parameters filesec signs with: SHA-256, MGF1-SHA-256, 32-byte salt.
struct PssParams {
  const char* digest = "SHA256";
  const char* mgf1_digest = "SHA256";
  int salt_length = 32;
};

std::vector<uint8_t> ed25519_sign(EVP_PKEY* private_key, ByteView message);
bool ed25519_verify(EVP_PKEY* key, ByteView message, ByteView signature);

// `digest` is the hash of the message with params.digest (its length must match).
std::vector<uint8_t> rsa_pss_sign_digest(EVP_PKEY* private_key, const PssParams& params, ByteView digest);
bool rsa_pss_verify_digest(EVP_PKEY* key, const PssParams& params, ByteView digest, ByteView signature);

// RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2) of a signature over `digest`, the hash of the
// message with `digest_name` (an OpenSSL name: "SHA256", "SHA1", "MD5"; the length must match).
// OpenSSL checks the whole encoded block, DigestInfo included, against the one it builds.
bool rsa_pkcs1v15_verify_digest(EVP_PKEY* key, const char* digest_name, ByteView digest, ByteView signature);

}  // namespace filesec::sig

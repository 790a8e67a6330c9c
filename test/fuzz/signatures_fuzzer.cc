// Signature verification on untrusted signature bytes: Ed25519, RSA-PSS and the legacy
// RSA PKCS#1 v1.5 check. Verification reports failure as `false`, never as an exception, and a
// signature the fuzzer made up never verifies.
#include <memory>

#include "fuzz_support.h"
#include "keys.h"
#include "primitives.h"
#include "signature.h"

using namespace filesec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<keys::Key> ed25519 = keys::generate_ed25519();
  static const std::shared_ptr<keys::Key> rsa = keys::generate_rsa(2048);
  if (size == 0) return 0;
  // The first byte says where the signature ends and the message (or digest) starts.
  size_t split = std::min<size_t>(size - 1, data[0] * 2u);
  ByteView sig = fuzz::view(data + 1, split);
  ByteView rest = fuzz::view(data + 1 + split, size - 1 - split);
  uint8_t digest[32];
  crypto::sha256(rest, digest);
  ByteView digest_view(digest, sizeof digest);
  fuzz::expect_clean_refusal([&] {
    fuzz::require(!sig::ed25519_verify(ed25519->pkey(), rest, sig), "a made-up Ed25519 signature verified");
    fuzz::require(!sig::rsa_pss_verify_digest(rsa->pkey(), sig::PssParams{}, digest_view, sig),
                  "a made-up RSA-PSS signature verified");
    fuzz::require(!sig::rsa_pkcs1v15_verify_digest(rsa->pkey(), "SHA256", digest_view, sig),
                  "a made-up PKCS#1 v1.5 signature verified");
    // A digest of the wrong length is refused too, not read past its end.
    sig::rsa_pkcs1v15_verify_digest(rsa->pkey(), "SHA256", rest, sig);
    sig::rsa_pss_verify_digest(rsa->pkey(), sig::PssParams{}, rest, sig);
  });
  return 0;
}

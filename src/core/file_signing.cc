#include "file_signing.h"

#include "error.h"
#include "signature.h"

namespace filesec::signing {

namespace {

keys::KeyKind kind_for(Scheme scheme) {
  return scheme == Scheme::kMinisign ? keys::KeyKind::kEd25519 : keys::KeyKind::kRsa;
}

void refuse_x25519(const keys::Key& key) {
  if (key.kind() == keys::KeyKind::kX25519) {
    fail(code::kKeyUnsupported, "X25519 keys encrypt files; they cannot sign or verify (use an Ed25519 or RSA key)");
  }
}

std::vector<uint8_t> signature_and_comment(const std::vector<uint8_t>& signature,
                                           const std::vector<uint8_t>& trusted_comment) {
  std::vector<uint8_t> out(signature);
  out.insert(out.end(), trusted_comment.begin(), trusted_comment.end());
  return out;
}

hashing::Digest digest_for(Scheme scheme) {
  return scheme == Scheme::kMinisign ? hashing::Digest::kBlake2b512 : hashing::Digest::kSha256;
}

// The digests a pyFileSec signature may use, in the order they are tried.
struct LegacyDigest {
  hashing::Digest digest;
  const char* openssl_name;
  const char* name;
};
constexpr LegacyDigest kLegacyDigests[] = {
    {hashing::Digest::kSha256, "SHA256", "sha256"},
    {hashing::Digest::kSha1, "SHA1", "sha1"},
    {hashing::Digest::kMd5, "MD5", "md5"},
};

Verified verify_legacy(const keys::Key& key, const VerifyRequest& request, const hashing::Control& control) {
  Verified out;
  // A signature of another length cannot be this key's: no need to read the file.
  if (request.signature.size() != static_cast<size_t>(EVP_PKEY_get_size(key.pkey()))) return out;
  std::vector<hashing::Digest> digests;
  for (const LegacyDigest& d : kLegacyDigests) digests.push_back(d.digest);
  hashing::FileDigests hashed = hashing::hash_file(request.path, digests, control);
  out.file_bytes = hashed.size;
  for (size_t i = 0; i < digests.size(); ++i) {
    if (sig::rsa_pkcs1v15_verify_digest(key.pkey(), kLegacyDigests[i].openssl_name, ByteView::of(hashed.digests[i]),
                                        ByteView::of(request.signature))) {
      out.verdict = Verdict::kValid;
      out.digest = kLegacyDigests[i].name;
      return out;
    }
  }
  return out;
}

}  // namespace

Signed sign_file(const keys::Key& key, const SignRequest& request, const hashing::Control& control) {
  refuse_x25519(key);
  if (!key.is_private()) fail(code::kWrongKey, "a public key cannot sign: give the private key");
  if (request.scheme == Scheme::kPyFileSecPkcs1v15) {
    fail(code::kInvalidArgument, "filesec only verifies pyFileSec (RSA PKCS#1 v1.5) signatures; it signs with RSA-PSS");
  }
  if (key.kind() != kind_for(request.scheme)) {
    fail(code::kInvalidArgument, "this key kind does not make signatures of the requested kind");
  }
  hashing::FileDigest digest = hashing::hash_file(request.path, digest_for(request.scheme), control);
  Signed out;
  out.file_bytes = digest.size;
  if (request.scheme == Scheme::kMinisign) {
    out.signature = sig::ed25519_sign(key.pkey(), ByteView::of(digest.digest));
    std::vector<uint8_t> covered = signature_and_comment(out.signature, request.trusted_comment);
    out.comment_signature = sig::ed25519_sign(key.pkey(), ByteView::of(covered));
  } else {
    out.signature = sig::rsa_pss_sign_digest(key.pkey(), sig::PssParams(), ByteView::of(digest.digest));
  }
  return out;
}

Verified verify_file(const keys::Key& key, const VerifyRequest& request, const hashing::Control& control) {
  refuse_x25519(key);
  Verified out;
  if (key.kind() != kind_for(request.scheme)) {
    out.verdict = Verdict::kKeyMismatch;
    return out;
  }
  if (request.scheme == Scheme::kPyFileSecPkcs1v15) return verify_legacy(key, request, control);
  if (request.scheme == Scheme::kMinisign) {
    // The comment signature needs no file read: check it first.
    std::vector<uint8_t> covered = signature_and_comment(request.signature, request.trusted_comment);
    if (!sig::ed25519_verify(key.pkey(), ByteView::of(covered), ByteView::of(request.comment_signature))) {
      out.verdict = Verdict::kBadComment;
      return out;
    }
  }
  hashing::FileDigest digest = hashing::hash_file(request.path, digest_for(request.scheme), control);
  out.file_bytes = digest.size;
  bool valid = request.scheme == Scheme::kMinisign
                   ? sig::ed25519_verify(key.pkey(), ByteView::of(digest.digest), ByteView::of(request.signature))
                   : sig::rsa_pss_verify_digest(key.pkey(), sig::PssParams(), ByteView::of(digest.digest),
                                                ByteView::of(request.signature));
  out.verdict = valid ? Verdict::kValid : Verdict::kBadSignature;
  return out;
}

}  // namespace filesec::signing

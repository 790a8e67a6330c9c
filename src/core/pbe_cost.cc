#include "pbe_cost.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "error.h"

namespace filesec::keys {

namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using SigPtr = std::unique_ptr<X509_SIG, Deleter<X509_SIG, X509_SIG_free>>;
using Pbe2Ptr = std::unique_ptr<PBE2PARAM, Deleter<PBE2PARAM, PBE2PARAM_free>>;
using Pbkdf2Ptr = std::unique_ptr<PBKDF2PARAM, Deleter<PBKDF2PARAM, PBKDF2PARAM_free>>;
using ScryptPtr = std::unique_ptr<SCRYPT_PARAMS, Deleter<SCRYPT_PARAMS, SCRYPT_PARAMS_free>>;
using PbePtr = std::unique_ptr<PBEPARAM, Deleter<PBEPARAM, PBEPARAM_free>>;

// An INTEGER as an unsigned count; negative or wider than 64 bits reads as "more than any limit".
uint64_t count(const ASN1_INTEGER* n) {
  uint64_t v = 0;
  if (n == nullptr) return 0;
  if (ASN1_INTEGER_get_uint64(&v, n) != 1) return UINT64_MAX;
  return v;
}

// The algorithm's parameters decoded as `item`; null when they are absent or of another shape.
template <typename T>
T* unpack(const ASN1_ITEM* item, const X509_ALGOR* alg) {
  if (alg->parameter == nullptr) return nullptr;
  return static_cast<T*>(ASN1_TYPE_unpack_sequence(item, alg->parameter));
}

[[noreturn]] void too_costly(const std::string& what) {
  fail(code::kKeyUnsupported, "the encrypted private key asks for " + what +
                                  ", above the limit filesec accepts from a key file");
}

void check_iterations(uint64_t iterations) {
  if (iterations > kMaxPbkdf2Iterations) {
    too_costly(std::to_string(iterations) + " key-derivation iterations (at most " +
               std::to_string(kMaxPbkdf2Iterations) + ")");
  }
}

void check_scrypt(const SCRYPT_PARAMS& p, unsigned max_log_n) {
  uint64_t n = count(p.costParameter);
  uint64_t r = count(p.blockSize);
  uint64_t par = count(p.parallelizationParameter);
  const uint64_t budget = (uint64_t{1} << max_log_n) * 8;
  // N * r * p <= budget, without overflowing.
  bool ok = n != 0 && r != 0 && par != 0 && n <= budget && r <= budget / n && par <= budget / (n * r);
  if (!ok) too_costly("scrypt work N=" + std::to_string(n) + " r=" + std::to_string(r) + " p=" + std::to_string(par));
}

}  // namespace

void check_pbe_cost(ByteView der, unsigned max_scrypt_log_n) {
  if (max_scrypt_log_n > 40) max_scrypt_log_n = 40;
  const unsigned char* p = der.data;
  SigPtr sig(d2i_X509_SIG(nullptr, &p, static_cast<long>(der.size)));
  if (!sig) {
    clear_openssl_errors();
    return;
  }
  const X509_ALGOR* alg = nullptr;
  X509_SIG_get0(sig.get(), &alg, nullptr);
  const ASN1_OBJECT* oid = nullptr;
  X509_ALGOR_get0(&oid, nullptr, nullptr, alg);
  if (OBJ_obj2nid(oid) == NID_pbes2) {
    Pbe2Ptr pbe2(unpack<PBE2PARAM>(ASN1_ITEM_rptr(PBE2PARAM), alg));
    if (!pbe2 || pbe2->keyfunc == nullptr) {
      clear_openssl_errors();
      return;
    }
    const ASN1_OBJECT* kdf = nullptr;
    X509_ALGOR_get0(&kdf, nullptr, nullptr, pbe2->keyfunc);
    if (OBJ_obj2nid(kdf) == NID_id_pbkdf2) {
      Pbkdf2Ptr params(unpack<PBKDF2PARAM>(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc));
      if (params) check_iterations(count(params->iter));
    } else if (OBJ_obj2nid(kdf) == NID_id_scrypt) {
      ScryptPtr params(unpack<SCRYPT_PARAMS>(ASN1_ITEM_rptr(SCRYPT_PARAMS), pbe2->keyfunc));
      if (params) check_scrypt(*params, max_scrypt_log_n);
    }
  } else {
    // PKCS#5 v1.5 and PKCS#12 password-based encryption: a salt and an iteration count.
    PbePtr params(unpack<PBEPARAM>(ASN1_ITEM_rptr(PBEPARAM), alg));
    if (params) check_iterations(count(params->iter));
  }
  clear_openssl_errors();
}

void check_pem_pbe_cost(ByteView pem, unsigned max_scrypt_log_n) {
  std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>> bio(BIO_new_mem_buf(pem.data, static_cast<int>(pem.size)));
  if (!bio) fail_openssl("BIO_new_mem_buf");
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* der = nullptr;
  long len = 0;
  // Only the block's own bytes are read: no passphrase, no decryption.
  if (PEM_read_bio(bio.get(), &name, &header, &der, &len) == 1) {
    bool is_pkcs8 = std::string(name) == PEM_STRING_PKCS8;
    try {
      if (is_pkcs8) check_pbe_cost(ByteView(der, static_cast<size_t>(len)), max_scrypt_log_n);
    } catch (...) {
      OPENSSL_free(name);
      OPENSSL_free(header);
      OPENSSL_free(der);
      throw;
    }
  }
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(der);
  clear_openssl_errors();
}

}  // namespace filesec::keys

#include "legacy_cbc.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <memory>

#include "error.h"
#include "fs_util.h"
#include "primitives.h"

namespace filesec::legacy {

namespace {

constexpr size_t kBlock = 16;
constexpr size_t kTextChunk = 1u << 20;  // member text read per step: bounded memory for any size
constexpr uint8_t kSaltedMagic[8] = {'S', 'a', 'l', 't', 'e', 'd', '_', '_'};

[[noreturn]] void invalid(const std::string& why) {
  fail(code::kHeaderInvalid, "pyFileSec archive: the .aes256 member " + why);
}

const EVP_MD* md_of(KdfDigest d) { return d == KdfDigest::kSha256 ? EVP_sha256() : EVP_md5(); }

// EVP_BytesToKey(AES-256-CBC, digest, salt, password, 1 iteration): what `openssl enc -salt`
// without -pbkdf2 does.
void derive(KdfDigest digest, ByteView password, const uint8_t salt[8], SecureBuffer* key, uint8_t iv[kBlock]) {
  if (password.size > static_cast<size_t>(INT_MAX)) fail(code::kInvalidArgument, "password too long");
  SecureBuffer k(32);
  if (EVP_BytesToKey(EVP_aes_256_cbc(), md_of(digest), salt, password.data, static_cast<int>(password.size), 1,
                     k.data(), iv) != 32) {
    fail_openssl("EVP_BytesToKey");
  }
  *key = std::move(k);
}

struct CipherCtx {
  EVP_CIPHER_CTX* p = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(p); }
};

bool valid_text_byte(uint8_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
         c == '=' || c == '\n' || c == '\r';
}

void check_cancel(const engine::Control& control) {
  if (control.cancelled != nullptr && control.cancelled->load()) fail(code::kAborted, "the operation was aborted");
}

}  // namespace

const char* digest_name(KdfDigest d) { return d == KdfDigest::kSha256 ? "sha256" : "md5"; }

bool unwrap_password(EVP_PKEY* private_key, ByteView wrapped, SecureBuffer* password) {
  // `openssl rsautl -oaep`: SHA-1 for the label hash and MGF1, empty label.
  return crypto::rsa_oaep_decrypt(private_key, "SHA1", "SHA1", ByteView(), wrapped, password);
}

bool aes_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext, SecureBuffer* plaintext) {
  const EVP_CIPHER* cipher = key.size == 16   ? EVP_aes_128_cbc()
                             : key.size == 24 ? EVP_aes_192_cbc()
                             : key.size == 32 ? EVP_aes_256_cbc()
                                              : nullptr;
  if (cipher == nullptr) fail(code::kInvalidArgument, "AES keys are 16, 24 or 32 bytes");
  if (iv.size != kBlock) fail(code::kInvalidArgument, "the CBC IV is 16 bytes");
  if (ciphertext.size > static_cast<size_t>(INT_MAX) - kBlock) fail(code::kInvalidArgument, "input too large");
  CipherCtx ctx;
  if (ctx.p == nullptr || EVP_DecryptInit_ex(ctx.p, cipher, nullptr, key.data, iv.data) != 1) {
    fail_openssl("AES-CBC init");
  }
  SecureBuffer out(ciphertext.size + kBlock);
  int n1 = 0;
  int n2 = 0;
  if (EVP_DecryptUpdate(ctx.p, out.data(), &n1, ciphertext.data, static_cast<int>(ciphertext.size)) != 1) {
    clear_openssl_errors();
    return false;
  }
  // A wrong length or bad padding fails here; neither is distinguished from the other.
  if (EVP_DecryptFinal_ex(ctx.p, out.data() + n1, &n2) != 1) {
    clear_openssl_errors();
    return false;
  }
  out.truncate(static_cast<size_t>(n1 + n2));
  *plaintext = std::move(out);
  return true;
}

Base64Text::Base64Text() : ctx_(EVP_ENCODE_CTX_new()) {
  if (ctx_ == nullptr) fail_openssl("EVP_ENCODE_CTX_new");
  EVP_DecodeInit(ctx_);
}

Base64Text::~Base64Text() { EVP_ENCODE_CTX_free(ctx_); }

void Base64Text::update(const uint8_t* text, size_t size, std::vector<uint8_t>* out) {
  // EVP_DecodeUpdate skips whitespace and stops quietly at '-' (PEM framing); `openssl enc -a`
  // text has neither, so every byte is checked first and data after the '=' padding is refused.
  for (size_t i = 0; i < size; ++i) {
    uint8_t c = text[i];
    if (!valid_text_byte(c)) invalid("is not base64 text");
    if (c == '=') {
      seen_padding_ = true;
    } else if (seen_padding_ && c != '\n' && c != '\r') {
      invalid("has base64 text after its '=' padding");
    }
  }
  while (size > 0) {
    int n = static_cast<int>(size > kTextChunk ? kTextChunk : size);
    size_t at = out->size();
    out->resize(at + static_cast<size_t>(n) + 80);  // decoding never grows the data
    int produced = 0;
    if (EVP_DecodeUpdate(ctx_, out->data() + at, &produced, text, n) < 0) invalid("is not valid base64");
    out->resize(at + static_cast<size_t>(produced));
    text += n;
    size -= static_cast<size_t>(n);
  }
}

void Base64Text::final(std::vector<uint8_t>* out) {
  size_t at = out->size();
  out->resize(at + 80);
  int produced = 0;
  // Fails when characters are left over that do not make a whole group of four.
  if (EVP_DecodeFinal(ctx_, out->data() + at, &produced) != 1) invalid("ends in the middle of a base64 group");
  out->resize(at + static_cast<size_t>(produced));
}

TextScan scan_text_file(const std::string& path, const std::optional<SecureBuffer>& hmac_key,
                        const engine::Control& control, uint64_t progress_total) {
  struct stat st;
  fs::Fd fd = fs::open_regular_file(path, &st);
  TextScan scan{};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!md || EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) != 1) fail_openssl("SHA-256 init");
  std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac(nullptr, EVP_MAC_free);
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> mac_ctx(nullptr, EVP_MAC_CTX_free);
  if (hmac_key) {
    mac.reset(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!mac) fail_openssl("EVP_MAC_fetch HMAC");
    mac_ctx.reset(EVP_MAC_CTX_new(mac.get()));
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
    if (!mac_ctx || EVP_MAC_init(mac_ctx.get(), hmac_key->data(), hmac_key->size(), params) != 1) {
      fail_openssl("HMAC init");
    }
  }
  Base64Text text;
  std::vector<uint8_t> in(kTextChunk);
  std::vector<uint8_t> decoded;
  decoded.reserve(kTextChunk);
  uint8_t head[16];
  size_t head_bytes = 0;
  std::vector<uint8_t> tail;  // the last 32 decoded bytes seen so far
  auto take = [&](std::vector<uint8_t>& d) {
    size_t i = 0;
    while (head_bytes < sizeof head && i < d.size()) head[head_bytes++] = d[i++];
    scan.decoded_bytes += d.size();
    tail.insert(tail.end(), d.begin() + static_cast<std::ptrdiff_t>(i), d.end());
    if (tail.size() > 2 * kBlock) tail.erase(tail.begin(), tail.end() - 2 * kBlock);
    d.clear();
  };
  uint64_t offset = 0;
  for (;;) {
    check_cancel(control);
    size_t n = fs::pread_full(fd.get(), in.data(), in.size(), offset, path);
    if (n == 0) break;
    offset += n;
    if (EVP_DigestUpdate(md.get(), in.data(), n) != 1) fail_openssl("SHA-256");
    if (mac_ctx && EVP_MAC_update(mac_ctx.get(), in.data(), n) != 1) fail_openssl("HMAC");
    text.update(in.data(), n, &decoded);
    take(decoded);
    if (control.progress) control.progress(offset, progress_total);
  }
  text.final(&decoded);
  take(decoded);
  scan.text_bytes = offset;
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(md.get(), scan.sha256, &len) != 1 || len != 32) fail_openssl("SHA-256 final");
  if (mac_ctx) {
    std::vector<uint8_t> out(32);
    size_t out_len = 0;
    if (EVP_MAC_final(mac_ctx.get(), out.data(), &out_len, out.size()) != 1 || out_len != 32) fail_openssl("HMAC final");
    scan.hmac = std::move(out);
  }
  if (head_bytes < sizeof head || std::memcmp(head, kSaltedMagic, sizeof kSaltedMagic) != 0) {
    invalid("does not start with OpenSSL's \"Salted__\" header");
  }
  uint64_t body = scan.decoded_bytes - sizeof head;
  if (body == 0 || body % kBlock != 0) invalid("holds no whole number of AES blocks");
  std::memcpy(scan.salt, head + 8, 8);
  // One block: the probe decrypts it with the derived IV; more: with the block before it as IV.
  scan.tail = body == kBlock ? std::vector<uint8_t>(tail.end() - kBlock, tail.end()) : tail;
  return scan;
}

bool probe_digest(KdfDigest digest, ByteView password, const TextScan& scan, size_t* last_plaintext) {
  SecureBuffer key;
  uint8_t iv[kBlock];
  derive(digest, password, scan.salt, &key, iv);
  ByteView last(scan.tail.data() + scan.tail.size() - kBlock, kBlock);
  ByteView chain = scan.tail.size() == 2 * kBlock ? ByteView(scan.tail.data(), kBlock) : ByteView(iv, kBlock);
  SecureBuffer plain;
  bool ok = aes_cbc_decrypt(key, chain, last, &plain);
  OPENSSL_cleanse(iv, sizeof iv);
  if (ok && last_plaintext != nullptr) *last_plaintext = plain.size();
  return ok;
}

SaltedCbcDecoder::SaltedCbcDecoder(KdfDigest digest, ByteView password)
    : digest_(digest), password_(password.data, password.size) {}

SaltedCbcDecoder::~SaltedCbcDecoder() {
  EVP_CIPHER_CTX_free(cipher_);
  OPENSSL_cleanse(header_, sizeof header_);
}

void SaltedCbcDecoder::update(const uint8_t* text, size_t size, std::vector<uint8_t>* plaintext) {
  text_.update(text, size, &decoded_);
  decrypt(decoded_.data(), decoded_.size(), plaintext);
  decoded_.clear();
}

bool SaltedCbcDecoder::final(std::vector<uint8_t>* plaintext) {
  text_.final(&decoded_);
  decrypt(decoded_.data(), decoded_.size(), plaintext);
  decoded_.clear();
  if (cipher_ == nullptr) invalid("is too short");
  size_t at = plaintext->size();
  plaintext->resize(at + kBlock);
  int n = 0;
  if (EVP_DecryptFinal_ex(cipher_, plaintext->data() + at, &n) != 1) {
    clear_openssl_errors();
    plaintext->resize(at);
    return false;
  }
  plaintext->resize(at + static_cast<size_t>(n));
  return true;
}

void SaltedCbcDecoder::decrypt(const uint8_t* data, size_t size, std::vector<uint8_t>* plaintext) {
  while (header_bytes_ < sizeof header_ && size > 0) {
    header_[header_bytes_++] = *data++;
    --size;
    if (header_bytes_ == sizeof header_) {
      if (std::memcmp(header_, kSaltedMagic, sizeof kSaltedMagic) != 0) {
        invalid("does not start with OpenSSL's \"Salted__\" header");
      }
      SecureBuffer key;
      uint8_t iv[kBlock];
      derive(digest_, password_, header_ + 8, &key, iv);
      cipher_ = EVP_CIPHER_CTX_new();
      bool ok = cipher_ != nullptr && EVP_DecryptInit_ex(cipher_, EVP_aes_256_cbc(), nullptr, key.data(), iv) == 1;
      OPENSSL_cleanse(iv, sizeof iv);
      if (!ok) fail_openssl("AES-256-CBC init");
    }
  }
  if (size == 0) return;
  size_t at = plaintext->size();
  plaintext->resize(at + size + kBlock);
  int n = 0;
  if (EVP_DecryptUpdate(cipher_, plaintext->data() + at, &n, data, static_cast<int>(size)) != 1) {
    fail_openssl("AES-256-CBC");
  }
  plaintext->resize(at + static_cast<size_t>(n));
}

Prepared prepare(const DecryptRequest& request, const engine::Control& control) {
  if (request.digests.empty()) fail(code::kInvalidArgument, "no key-derivation digest to try");
  Prepared p;
  DecryptResult& result = p.result;

  // 1. The session password: the first identity whose RSA-OAEP decryption succeeds.
  bool opened = false;
  for (size_t i = 0; i < request.identities.size() && !opened; ++i) {
    const auto& key = request.identities[i];
    if (key->kind() != keys::KeyKind::kRsa || !key->is_private()) continue;
    if (unwrap_password(key->pkey(), ByteView::of(request.wrapped_password), &p.password)) {
      opened = true;
      result.identity_index = i;
    }
  }
  if (!opened) {
    // Implicit rejection (OpenSSL 3.0 has none for OAEP): a password that fails OAEP is replaced by
    // a random one and the archive is checked as usual, so that the failure comes after the same
    // work and with the same error as a password that opens but is wrong (bad CBC padding).
    // Answering early, or differently, would tell a caller whether the OAEP padding was valid.
    p.password = SecureBuffer(65);  // the size of the session passwords pyFileSec wrote
    crypto::random_bytes(p.password.data(), p.password.size());
  }

  // 2. One pass over the ciphertext text: checksum, HMAC, layout, last blocks. Nothing decrypted yet.
  struct stat st;
  { fs::Fd probe = fs::open_regular_file(request.source, &st); }
  p.scan = scan_text_file(request.source, request.hmac_key, control, 2 * static_cast<uint64_t>(st.st_size));
  const TextScan& scan = p.scan;
  result.text_bytes = scan.text_bytes;
  if (request.expected_sha256) {
    bool same = crypto::equal_ct(ByteView(scan.sha256, 32), ByteView::of(*request.expected_sha256));
    result.checksum = same ? Check::kOk : Check::kMismatch;
    if (!same && !request.allow_checksum_mismatch) {
      fail(code::kPayloadTampered,
           "pyFileSec archive: the ciphertext does not match the \"hash of cipher_text\" in its metadata (changed "
           "after encryption); nothing was decrypted");
    }
  }
  if (request.hmac_key && request.expected_hmac) {
    bool same = crypto::equal_ct(ByteView::of(*scan.hmac), ByteView::of(*request.expected_hmac));
    result.hmac = same ? Check::kOk : Check::kMismatch;
    if (!same) {
      fail(code::kPayloadTampered,
           "pyFileSec archive: the HMAC in its metadata does not match (a wrong HMAC key, or the ciphertext was "
           "changed); nothing was decrypted");
    }
  }

  // 3. Which EVP_BytesToKey digest: the first in the caller's order whose last block has valid
  // padding. A wrong key passes this by chance about once in 256, so every candidate is probed
  // and a second success is reported as ambiguous.
  bool found = false;
  for (size_t i = 0; i < request.digests.size(); ++i) {
    size_t last_plaintext = 0;
    if (!probe_digest(request.digests[i], p.password, scan, &last_plaintext)) continue;
    if (!found) {
      found = true;
      // decoded = "Salted__" ‖ salt (16) ‖ ciphertext; all but its last block is plaintext-sized.
      p.plaintext_size = scan.decoded_bytes - 16 - kBlock + last_plaintext;
      result.digest = request.digests[i];
      result.digest_index = i;
    } else {
      result.ambiguous = true;
    }
  }
  // A random password passes the probe about once in 128: it never goes further.
  if (!opened || !found) {
    if (result.checksum == Check::kOk) {
      // The ciphertext is the one encrypted, so the password is wrong.
      fail(code::kNoMatchingRecipient,
           "pyFileSec archive: none of the given RSA private keys opens it (a wrong key, or the .pwdrsa member was "
           "changed)");
    }
    fail(code::kNoMatchingRecipient,
         "pyFileSec archive: none of the given RSA private keys opens it, or it was changed: the last AES block has "
         "invalid padding (a wrong key, or the .pwdrsa member or the ciphertext was changed; no checksum tells which)");
  }
  return p;
}

uint64_t stream_plaintext(const std::string& source, const Prepared& prepared, const engine::Control& control,
                          const PlaintextSink& sink) {
  struct stat st;
  fs::Fd in = fs::open_regular_file(source, &st);
  const TextScan& scan = prepared.scan;
  uint64_t total = 2 * scan.text_bytes;
  SaltedCbcDecoder decoder(prepared.result.digest, prepared.password);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!md || EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) != 1) fail_openssl("SHA-256 init");
  std::vector<uint8_t> buf(kTextChunk);
  std::vector<uint8_t> plain;
  plain.reserve(kTextChunk + kBlock);
  uint64_t offset = 0;
  uint64_t produced = 0;
  auto flush = [&]() {
    if (!plain.empty()) sink(plain.data(), plain.size());
    produced += plain.size();
    OPENSSL_cleanse(plain.data(), plain.size());
    plain.clear();
  };
  for (;;) {
    check_cancel(control);
    size_t n = fs::pread_full(in.get(), buf.data(), buf.size(), offset, source);
    if (n == 0) break;
    offset += n;
    if (EVP_DigestUpdate(md.get(), buf.data(), n) != 1) fail_openssl("SHA-256");
    decoder.update(buf.data(), n, &plain);
    flush();
    if (control.progress) control.progress(scan.text_bytes + offset, total);
  }
  bool padding_ok = decoder.final(&plain);
  flush();
  uint8_t again[32];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(md.get(), again, &len) != 1) fail_openssl("SHA-256 final");
  // The text is read twice; both reads must have seen the same bytes.
  if (offset != scan.text_bytes || CRYPTO_memcmp(again, scan.sha256, 32) != 0) {
    fail(code::kSourceChanged, source + " changed while it was being read");
  }
  if (!padding_ok) {
    fail(code::kPayloadTampered, "pyFileSec archive: bad decrypt (invalid padding at the end of the ciphertext)");
  }
  return produced;
}

DecryptResult decrypt_file(const DecryptRequest& request, const engine::Control& control) {
  Prepared prepared = prepare(request, control);
  fs::Fd out = fs::create_exclusive(request.output.temp_path, 0600);
  fs::TempFile temp(request.output.temp_path);
  uint64_t written = 0;
  uint64_t bytes = stream_plaintext(request.source, prepared, control, [&](const uint8_t* data, size_t size) {
    fs::pwrite_full(out.get(), data, size, written, request.output.temp_path);
    written += size;
  });
  // Only now, with the padding checked, does the plaintext get its final name.
  if (request.output.durable) fs::fdatasync_checked(out.get(), request.output.temp_path);
  out.close_checked(request.output.temp_path);
  fs::rename_into_place(request.output.temp_path, request.output.path, request.output.overwrite);
  temp.keep();
  if (request.output.durable) fs::fsync_parent(request.output.path);
  DecryptResult result = prepared.result;
  result.plaintext_bytes = bytes;
  if (control.progress) control.progress(2 * result.text_bytes, 2 * result.text_bytes);
  return result;
}

DecryptResult probe_archive(const DecryptRequest& request, const engine::Control& control) {
  Prepared prepared = prepare(request, control);
  DecryptResult result = prepared.result;
  result.plaintext_bytes = prepared.plaintext_size;
  if (control.progress) control.progress(2 * result.text_bytes, 2 * result.text_bytes);
  return result;
}

MigrateResult migrate_file(MigrateRequest& request, const engine::Control& control) {
  Prepared prepared = prepare(request.legacy, control);
  if (prepared.plaintext_size != request.expected_plaintext_size) {
    fail(code::kSourceChanged, request.legacy.source + " changed while it was being read");
  }
  if (request.padding > UINT64_MAX - prepared.plaintext_size) fail(code::kInvalidArgument, "padding is too large");
  const engine::Output& output = request.output;
  fs::Fd out = engine::create_output(output);
  fs::TempFile temp(output.temp_path);
  fs::pwrite_full(out.get(), request.header.data(), request.header.size(), 0, output.temp_path);
  uint64_t written = request.header.size();
  StreamSealer sealer(std::move(request.scheme));
  std::vector<uint8_t> sealed;  // ciphertext only
  auto write_sealed = [&](size_t n) {
    fs::pwrite_full(out.get(), sealed.data(), n, written, output.temp_path);
    written += n;
  };
  auto seal = [&](const uint8_t* data, size_t size) {
    sealed.resize(sealer.update_size(size));
    write_sealed(sealer.update(ByteView(data, size), sealed.data()));
  };
  uint64_t bytes = stream_plaintext(request.legacy.source, prepared, control, seal);
  if (bytes != request.expected_plaintext_size) {
    fail(code::kSourceChanged, request.legacy.source + " changed while it was being read");
  }
  std::vector<uint8_t> zeros(1 << 16, 0);
  for (uint64_t left = request.padding; left > 0;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(left, zeros.size()));
    seal(zeros.data(), n);
    left -= n;
  }
  sealed.resize(sealer.finish_size());
  write_sealed(sealer.finish(sealed.data()));
  // Only now, with the legacy padding checked and every chunk sealed, does the output get its name.
  engine::commit_output(out, temp, output);
  MigrateResult result;
  result.legacy = prepared.result;
  result.legacy.plaintext_bytes = bytes;
  result.file_bytes = written;
  if (control.progress) control.progress(2 * result.legacy.text_bytes, 2 * result.legacy.text_bytes);
  return result;
}

}  // namespace filesec::legacy

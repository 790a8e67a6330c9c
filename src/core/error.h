// The one error type of the core: a stable code string (mirrored by lib/errors.ts) and a message
// meant for people. Messages never contain key material, passphrases or plaintext.
#pragma once

#include <exception>
#include <string>

namespace filesec {

namespace code {
inline constexpr const char* kInvalidArgument = "FSEC_INVALID_ARGUMENT";
inline constexpr const char* kNotEncrypted = "FSEC_NOT_ENCRYPTED";
inline constexpr const char* kUnsupportedVersion = "FSEC_UNSUPPORTED_VERSION";
inline constexpr const char* kHeaderInvalid = "FSEC_HEADER_INVALID";
inline constexpr const char* kHeaderTampered = "FSEC_HEADER_TAMPERED";
inline constexpr const char* kNoMatchingRecipient = "FSEC_NO_MATCHING_RECIPIENT";
inline constexpr const char* kWrongPassphrase = "FSEC_WRONG_PASSPHRASE";
inline constexpr const char* kPayloadMismatch = "FSEC_PAYLOAD_MISMATCH";
inline constexpr const char* kPayloadTampered = "FSEC_PAYLOAD_TAMPERED";
inline constexpr const char* kTruncated = "FSEC_TRUNCATED";
inline constexpr const char* kTrailingData = "FSEC_TRAILING_DATA";
inline constexpr const char* kKeyInvalid = "FSEC_KEY_INVALID";
inline constexpr const char* kKeyUnsupported = "FSEC_KEY_UNSUPPORTED";
inline constexpr const char* kKeyTooShort = "FSEC_KEY_TOO_SHORT";
inline constexpr const char* kKeyPassphraseRequired = "FSEC_KEY_PASSPHRASE_REQUIRED";
inline constexpr const char* kKeyWrongPassphrase = "FSEC_KEY_WRONG_PASSPHRASE";
inline constexpr const char* kWrongKey = "FSEC_WRONG_KEY";
inline constexpr const char* kFileNotFound = "FSEC_FILE_NOT_FOUND";
inline constexpr const char* kOutputExists = "FSEC_OUTPUT_EXISTS";
inline constexpr const char* kNotAFile = "FSEC_NOT_A_FILE";
inline constexpr const char* kSourceChanged = "FSEC_SOURCE_CHANGED";
inline constexpr const char* kIo = "FSEC_IO";
// The file system is full (ENOSPC, EDQUOT: blocks, inodes or quota) or mounted read-only
// (EROFS): causes the user can act on, so they get their own codes rather than FSEC_IO.
inline constexpr const char* kNoSpace = "FSEC_NO_SPACE";
inline constexpr const char* kReadOnly = "FSEC_READ_ONLY";
inline constexpr const char* kAborted = "FSEC_ABORTED";
inline constexpr const char* kInternal = "FSEC_INTERNAL";
inline constexpr const char* kPaddingInvalid = "FSEC_PADDING_INVALID";
// Raised by lib/destroy.ts (with the partial report) when a destroy stops part-way.
inline constexpr const char* kDestroyFailed = "FSEC_DESTROY_FAILED";
inline constexpr const char* kRotationInterrupted = "FSEC_ROTATION_INTERRUPTED";
inline constexpr const char* kRotationJournalInvalid = "FSEC_ROTATION_JOURNAL_INVALID";
}  // namespace code

class Error : public std::exception {
 public:
  Error(const char* code, std::string message, int sys_errno = 0, std::string syscall = {})
      : code_(code), message_(std::move(message)), errno_(sys_errno), syscall_(std::move(syscall)) {}

  const char* what() const noexcept override { return message_.c_str(); }
  const char* code() const { return code_; }
  const std::string& message() const { return message_; }
  // For I/O errors: the errno value and the system call that failed (0 / empty otherwise).
  int sys_errno() const { return errno_; }
  const std::string& syscall() const { return syscall_; }

 private:
  const char* code_;
  std::string message_;
  int errno_;
  std::string syscall_;
};

[[noreturn]] void fail(const char* code, std::string message);

// Throws FSEC_IO (or a more specific code for ENOENT / EEXIST / ENOSPC / EDQUOT / EROFS) for a
// failed system call on path.
[[noreturn]] void fail_errno(int err, const char* syscall, const std::string& path);

// Throws FSEC_INTERNAL with the reason at the top of this thread's OpenSSL error queue, and
// clears the queue. OpenSSL's queue is per thread, so this must run on the thread that called
// the failing function (worker threads included).
[[noreturn]] void fail_openssl(const std::string& context);

// Empties this thread's OpenSSL error queue (after an expected failure such as a bad tag).
void clear_openssl_errors();

}  // namespace filesec

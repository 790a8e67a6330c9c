#include "error.h"

#include <openssl/err.h>

#include <cerrno>
#include <cstring>

namespace filesec {

void fail(const char* code, std::string message) { throw Error(code, std::move(message)); }

void fail_errno(int err, const char* syscall, const std::string& path) {
  const char* c = code::kIo;
  if (err == ENOENT) c = code::kFileNotFound;
  if (err == EEXIST) c = code::kOutputExists;
  if (err == ENOSPC || err == EDQUOT) c = code::kNoSpace;
  if (err == EROFS) c = code::kReadOnly;
  std::string message = std::string(syscall) + " failed for " + path + ": " + std::strerror(err);
  throw Error(c, std::move(message), err, syscall);
}

void fail_openssl(const std::string& context) {
  unsigned long e = ERR_get_error();
  std::string message = context;
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    message += ": ";
    message += buf;
  }
  ERR_clear_error();
  throw Error(code::kInternal, std::move(message));
}

void clear_openssl_errors() { ERR_clear_error(); }

}  // namespace filesec

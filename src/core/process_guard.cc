#include "process_guard.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>

#include "error.h"

namespace filesec::process_guard {

void deny_core_dumps() {
  struct rlimit none = {0, 0};
  if (::setrlimit(RLIMIT_CORE, &none) != 0) fail_errno(errno, "setrlimit(RLIMIT_CORE)", "");
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) fail_errno(errno, "prctl(PR_SET_DUMPABLE)", "");
}

bool dumpable() { return ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1; }

unsigned long long core_limit() {
  struct rlimit r{};
  if (::getrlimit(RLIMIT_CORE, &r) != 0) fail_errno(errno, "getrlimit(RLIMIT_CORE)", "");
  return r.rlim_cur;
}

}  // namespace filesec::process_guard

// Keeping a process's memory out of core dumps and away from other processes of the same user.
//
// The CLI holds passphrases, private keys and file keys in memory; a core dump (a crash, or
// `gcore`) would write them to disk, and a process of the same user could read them through
// ptrace or /proc/PID/mem. Node has no API for either setting.
#pragma once

namespace filesec::process_guard {

// Sets RLIMIT_CORE to 0 (soft and hard) and makes the process non-dumpable (PR_SET_DUMPABLE 0:
// no core file, no ptrace attach or /proc/PID/mem for non-root processes of the same user).
// Throws Error(kIo) when either call fails.
void deny_core_dumps();

// Whether the process may be dumped (PR_GET_DUMPABLE), and its RLIMIT_CORE soft limit.
bool dumpable();
unsigned long long core_limit();

}  // namespace filesec::process_guard

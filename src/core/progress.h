// Throttled progress reports. Every Control::progress of the core (file engine, shredder, file
// hasher) promises at most one report every 100 ms between the ones at the ends: the Node glue
// turns each report into a message to the JS thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace filesec {

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class ThrottledProgress {
 public:
  // `callback` may be empty (no reports); it must outlive this object.
  ThrottledProgress(const std::function<void(uint64_t done, uint64_t total)>& callback, uint64_t total)
      : callback_(callback), total_(total), last_(now_ns()) {}

  // Counts `n` more units done, and reports if 100 ms have passed since the last report.
  void add(uint64_t n) {
    done_ += n;
    if (!callback_) return;
    int64_t now = now_ns();
    if (now - last_ >= kIntervalNs) {
      last_ = now;
      callback_(done_, total_);
    }
  }

  // Reports now, whatever the interval (the reports at the ends).
  void report() {
    if (callback_) callback_(done_, total_);
  }

 private:
  static constexpr int64_t kIntervalNs = 100 * 1000 * 1000;

  const std::function<void(uint64_t, uint64_t)>& callback_;
  uint64_t total_;
  uint64_t done_ = 0;
  int64_t last_;
};

}  // namespace filesec

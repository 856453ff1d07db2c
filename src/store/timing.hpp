// Store timings for /metrics: one histogram series per backend and operation.
#pragma once

#include <chrono>

#include "common/metrics.hpp"

namespace yishu::store {

inline metrics::Histogram& StoreHistogram(const char* backend, const char* op) {
  return metrics::Registry::Global().GetHistogram(
      "yishu_store_operation_seconds", "Time spent in store operations, by backend and kind.",
      {{"backend", backend}, {"op", op}}, metrics::LatencyBuckets());
}

class ScopedStoreTimer {
 public:
  explicit ScopedStoreTimer(metrics::Histogram& h)
      : h_(h), start_(std::chrono::steady_clock::now()) {}
  ~ScopedStoreTimer() {
    h_.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }

 private:
  metrics::Histogram& h_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace yishu::store

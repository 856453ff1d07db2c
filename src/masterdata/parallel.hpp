// The engine's only threading primitive: split a range, run a body per part on its own thread.
// Work is divided up front (the stages are uniform enough), so there is no queue to contend on.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <utility>
#include <vector>

namespace yishu::masterdata {

// [begin, end) ranges covering [0, n) in `parts` nearly equal pieces (at least one).
inline std::vector<std::pair<size_t, size_t>> SplitRange(size_t n, int parts) {
  parts = std::max(1, parts);
  std::vector<std::pair<size_t, size_t>> out;
  for (int i = 0; i < parts; ++i) {
    out.emplace_back(n * i / parts, n * (i + 1) / parts);
  }
  return out;
}

// Runs body(i) for i in [0, n) on up to `threads` threads; body must be safe to run concurrently
// for different i.
template <typename Body>
void ParallelFor(size_t n, int threads, Body&& body) {
  threads = std::max(1, std::min<int>(threads, static_cast<int>(n)));
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) body(i);
    return;
  }
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t i = static_cast<size_t>(t); i < n; i += static_cast<size_t>(threads)) body(i);
    });
  }
  for (auto& th : pool) th.join();
}

}  // namespace yishu::masterdata

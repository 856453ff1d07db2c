// Per-core measurement shared by the benchmarks that compare with `openssl speed`: rates are
// operations per CPU second of the measuring thread, so "per core" figures stay honest when
// other processes share the cores (wall time would then measure the scheduler). openssl speed
// without -elapsed also counts CPU time, so both sides of each comparison use the same clock.
#pragma once

#include <strings.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace yishu::bench {

// CPU seconds each measurement runs for (the benchmarks' first argument).
inline double g_seconds = 1.0;

inline double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Runs op in batches until g_seconds of CPU time have passed; returns operations per CPU second.
template <typename Op>
double Rate(Op&& op, int batch = 1000) {
  for (int i = 0; i < batch; ++i) op();  // warm-up
  const double start = ThreadCpuSeconds();
  long long n = 0;
  double now = start;
  do {
    for (int i = 0; i < batch; ++i) op();
    n += batch;
    now = ThreadCpuSeconds();
  } while (now - start < g_seconds);
  return n / (now - start);
}

// Runs `openssl speed -evp ALG` and parses its "type 16 bytes 64 bytes ..." table (values in
// 1000s of bytes/s, suffixed 'k'). Returns block size -> bytes/s; empty if openssl is missing.
inline std::map<int, double> OpenSslSpeed(const std::string& alg) {
  std::map<int, double> out;
  const std::string cmd = "openssl speed -seconds " +
                          std::to_string(std::max(1, static_cast<int>(g_seconds))) + " -evp " +
                          alg + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  std::vector<int> sizes;
  std::array<char, 4096> line;
  while (std::fgets(line.data(), line.size(), p)) {
    std::istringstream in{std::string(line.data())};
    std::string first;
    in >> first;
    if (first == "type") {
      std::string tok;
      while (in >> tok)
        if (tok != "bytes") sizes.push_back(std::atoi(tok.c_str()));
    } else if (!sizes.empty() && strcasecmp(first.c_str(), alg.c_str()) == 0) {
      std::string tok;
      for (int sz : sizes) {
        if (!(in >> tok)) break;
        out[sz] = std::atof(tok.c_str()) * 1000.0;  // "123456.78k"
      }
    }
  }
  pclose(p);
  return out;
}

}  // namespace yishu::bench

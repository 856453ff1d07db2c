// audit_bench: durable audit append rate with group commit, and verification rate, on a
// temporary SQLite store (issue 4, Performance). Each figure is printed beside the baseline
// measured in the same run: one transaction (one commit) per event, AuditLog::Append(event).
// Goals: >= 50,000 durable events/s; verification >= 1,000,000 events/s.
//
// bench/CMakeLists.txt:
//   add_executable(audit_bench audit_bench.cpp)
//   target_link_libraries(audit_bench PRIVATE yishu_audit)
//
// Usage: audit_bench [verify-events, default 1000000] [--dir DIR] [--part append|verify]
// (--part runs one half only, for profiling).
// Both SQLite durability levels are measured: synchronous=NORMAL (the store's default; in WAL
// mode a commit survives a process crash, the WAL is fsynced at checkpoints) and
// synchronous=FULL (fsync at every commit: survives power loss).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <unistd.h>

#include "audit/audit.hpp"
#include "common/allocator.hpp"
#include "crypto/crypto.hpp"
#include "store/migrations.hpp"

namespace {

using namespace yishu;
using SteadyClock = std::chrono::steady_clock;
constexpr int kPoolSize = 8;

double Seconds(SteadyClock::time_point since) {
  return std::chrono::duration<double>(SteadyClock::now() - since).count();
}

audit::AuditEvent MakeEvent(int thread, int64_t i) {
  audit::AuditEvent e;
  e.actor = "user" + std::to_string(thread * 1000 + i % 1000);
  e.role = "dept_user";
  e.department = "330603-GA";
  e.action = i % 10 ? "read" : "write";
  e.resource = "R" + std::to_string(100000 + i % 5000);
  e.fields = {"name", "id_number", "address"};
  e.record_count = i % 50;
  e.purpose = "户籍核验";
  e.client = "10.20." + std::to_string(thread) + "." + std::to_string(i % 250);
  return e;  // ~200 bytes encoded
}

void Die(const Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  std::exit(1);
}

// PRAGMA synchronous is per connection: set it on every pooled connection (all leased at once,
// so each one is reached).
void SetSynchronous(store::Store& store, const char* mode) {
  std::vector<store::ConnectionLease> leases;
  for (int i = 0; i < kPoolSize; ++i) leases.push_back(store.Acquire());
  for (auto& l : leases) Die(l->Exec(std::string("PRAGMA synchronous=") + mode).status(), mode);
}

// Baseline: one event per transaction, one thread (each commit waits for the previous).
double BaselineRate(audit::AuditLog& log, double seconds) {
  auto start = SteadyClock::now();
  int64_t n = 0;
  while (Seconds(start) < seconds) {
    for (int i = 0; i < 100; ++i) Die(log.Append(MakeEvent(0, n++)).status(), "append");
  }
  return n / Seconds(start);
}

// Group commit, asynchronous producers: each keeps `window` events in flight and counts an
// event only once its future reports it committed.
double GroupRateAsync(audit::AuditLog& log, bool full, int producers, int64_t per_producer,
                      int64_t window, audit::BatchAppender::Stats* stats) {
  audit::BatchAppender batch(log, {.max_batch = 4096, .sqlite_synchronous_full = full});
  auto start = SteadyClock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < producers; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::future<Result<int64_t>>> inflight;
      inflight.reserve(window);
      for (int64_t i = 0; i < per_producer; ++i) {
        inflight.push_back(batch.Submit(MakeEvent(t, i)));
        if (static_cast<int64_t>(inflight.size()) == window) {
          for (auto& f : inflight) Die(f.get().status(), "group append");
          inflight.clear();
        }
      }
      for (auto& f : inflight) Die(f.get().status(), "group append");
    });
  }
  for (auto& th : threads) th.join();
  double rate = producers * per_producer / Seconds(start);
  *stats = batch.stats();
  return rate;
}

// Group commit, blocking callers (a server's request threads): each waits for its event to be
// durable before the next.
double GroupRateBlocking(audit::AuditLog& log, bool full, int callers, int64_t per_caller,
                         audit::BatchAppender::Stats* stats) {
  audit::BatchAppender batch(log, {.max_batch = 4096, .sqlite_synchronous_full = full});
  auto start = SteadyClock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < callers; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t i = 0; i < per_caller; ++i)
        Die(batch.Append(MakeEvent(t, i)).status(), "blocking append");
    });
  }
  for (auto& th : threads) th.join();
  double rate = callers * per_caller / Seconds(start);
  *stats = batch.stats();
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  yishu::TuneAllocator();
  int64_t verify_events = 1'000'000;
  std::filesystem::path dir;
  std::string part;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--part" && i + 1 < argc) {
      part = argv[++i];
    } else {
      verify_events = std::atoll(a.c_str());
    }
  }
  const bool keep_dir = !dir.empty();  // a given directory is kept for inspection; the database
                                       // is always rebuilt (its key-encrypting key is random)
  if (dir.empty())
    dir = std::filesystem::temp_directory_path() /
          ("yishu_audit_bench_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto db = dir / "yishu.db";
  std::filesystem::remove(db);

  auto opened = store::Store::Open({"sqlite:" + db.string(), kPoolSize});
  Die(opened.status(), "open");
  auto& store = **opened;
  Die(store::ApplyMigrations(store, audit::AuditMigrations()), "migrate");
  audit::AuditOptions options;  // defaults: checkpoint every 10,000 entries or 60 s
  const std::string kek = crypto::RandomBytes(32);
  audit::AuditLog log(store, kek, options);
  Die(log.PublicKeyHex().status(), "key");

  std::printf("audit_bench: SQLite WAL at %s, %u hardware threads\n", db.c_str(),
              std::thread::hardware_concurrency());
  std::printf("%-58s %14s %9s\n", "measurement", "events/s", "vs base");

  double base_normal = 0;  // stays 0 when only verification runs
  for (bool full : {false, true}) {
    if (part == "verify") break;
    const char* mode = full ? "FULL" : "NORMAL";
    SetSynchronous(store, mode);
    double base = BaselineRate(log, 2.0);
    if (!full) base_normal = base;
    std::printf("%-58s %14.0f %8.2fx\n",
                (std::string("baseline: 1 tx per event, synchronous=") + mode).c_str(), base, 1.0);
    audit::BatchAppender::Stats st;
    std::clock_t c0 = std::clock();
    double async = GroupRateAsync(log, full, 8, 40'000, 1024, &st);
    double async_cpu = st.events / (double(std::clock() - c0) / CLOCKS_PER_SEC);
    std::printf("%-58s %14.0f %8.2fx   (%lld tx, %.0f events/tx; %.0f events per CPU-s)\n",
                (std::string("group commit, 8 async producers, synchronous=") + mode).c_str(),
                async, async / base, static_cast<long long>(st.batches),
                static_cast<double>(st.events) / std::max<int64_t>(st.batches, 1), async_cpu);
    if (!full) {
      // The same with the search index kept up by a background indexer: the rate counts until
      // every event is both durable and indexed.
      audit::AuditOptions io = options;
      io.index_in_background = true;
      io.index_every_millis = 10000;
      audit::AuditLog indexer(store, kek, io);
      auto start = SteadyClock::now();
      std::clock_t ic0 = std::clock();
      (void)GroupRateAsync(log, full, 8, 100'000, 1024, &st);
      for (;;) {  // what the background thread has not reached yet
        auto n = indexer.IndexPending(io.index_batch);
        Die(n.status(), "index");
        if (*n == 0) break;
      }
      double rate = st.events / Seconds(start);
      std::printf("%-58s %14.0f %8.2fx   (%.0f events per CPU-s)\n",
                  "group commit + background search indexing, NORMAL", rate, rate / base,
                  st.events / (double(std::clock() - ic0) / CLOCKS_PER_SEC));
    }
    double blocking = GroupRateBlocking(log, full, 256, 400, &st);
    std::printf("%-58s %14.0f %8.2fx   (%lld tx, %.0f events/tx)\n",
                (std::string("group commit, 256 blocking callers, synchronous=") + mode).c_str(),
                blocking, blocking / base, static_cast<long long>(st.batches),
                static_cast<double>(st.events) / std::max<int64_t>(st.batches, 1));
  }
  SetSynchronous(store, "NORMAL");
  if (part == "append") return 0;

  // Fill up to `verify_events` entries, then verify the whole chain.
  {
    auto head = store.QueryOne("SELECT seq FROM audit_head");
    Die(head.status(), "head");
    int64_t missing = verify_events - head->Int(0);
    if (missing > 0) {
      audit::BatchAppender::Stats st;
      (void)GroupRateAsync(log, false, 4, (missing + 3) / 4, 4096, &st);
    }
  }
  // Verification, single-threaded and with the default thread count, against the append
  // baseline (synchronous=NORMAL) and against bare SM3 over the same amount of data.
  double sm3_rate = 0;
  {
    std::string prev(32, '\0');
    auto start = SteadyClock::now();
    int64_t n = 0;
    std::string msg(200, 'x');
    crypto::Sm3Hasher hasher;
    while (Seconds(start) < 1.0) {
      for (int i = 0; i < 1000; ++i, ++n) prev = hasher.Update(prev).Update(msg).Final();
    }
    sm3_rate = n / Seconds(start);
    std::printf("%-58s %14.0f %8s\n", "reference: bare SM3 of 32+200 bytes, 1 thread", sm3_rate,
                "");
  }
  for (int threads : {1, 0}) {
    audit::AuditOptions o = options;
    o.verify_threads = threads;
    audit::AuditLog vlog(store, kek, o);
    audit::VerifyReport rep;
    std::clock_t c0 = std::clock();
    Die(vlog.Verify(&rep), "verify");
    double cpu = rep.entries_checked / (double(std::clock() - c0) / CLOCKS_PER_SEC);
    double rate = rep.entries_checked / rep.seconds;
    std::string label =
        "verify " + std::to_string(rep.entries_checked) + " events, " +
        (threads ? std::to_string(threads) + " thread" : std::string("default threads")) + ", " +
        std::to_string(rep.checkpoints_checked) + " signatures";
    std::printf(
        "%-58s %14.0f %8s   (%.0f events per CPU-s = %.2f of bare SM3; %.2f of the 1 M/s goal)\n",
        label.c_str(), rate,
        base_normal > 0 ? fmt::format("{:.2f}x", rate / base_normal).c_str() : "", cpu,
        cpu / sm3_rate, rate / 1e6);
  }
  if (!keep_dir) std::filesystem::remove_all(dir);
  return 0;
}

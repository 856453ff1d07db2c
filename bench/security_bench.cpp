// Field protection throughput (seal/open per core for 16/32/64-byte values through
// FieldProtector, blind indexes per core) beside `openssl speed -evp sm4-ctr` run in the same
// program, and the key rotation rate (rows/s) on SQLite.
//
// Usage: security_bench [seconds-per-measurement, default 1] [--no-openssl] [--rows N]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "crypto/util.hpp"
#include "per_core.hpp"
#include "security/field_protection.hpp"
#include "security/master_key.hpp"
#include "security/rotation.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace {

using yishu::bench::g_seconds;
using yishu::bench::OpenSslSpeed;
using yishu::bench::Rate;

using namespace yishu;

void Check(const Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "security_bench: %s\n", s.ToString().c_str());
    std::exit(1);
  }
}
template <typename T>
T Check(Result<T> r) {
  Check(r.status());
  return std::move(r).value();
}

}  // namespace

int main(int argc, char** argv) {
  bool run_openssl = true;
  int64_t rows = 100000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-openssl") == 0) {
      run_openssl = false;
    } else if (std::strcmp(argv[i], "--rows") == 0 && i + 1 < argc) {
      rows = std::atoll(argv[++i]);
    } else {
      g_seconds = std::atof(argv[i]);
    }
  }
  crypto::InitLibgcrypt();
  auto dir = std::filesystem::temp_directory_path() /
             ("yishu_security_bench_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto store = Check(store::Store::Open({"sqlite:" + (dir / "bench.db").string(), 4}));
  Check(store::ApplyMigrations(*store, security::KeyMigrations()));
  auto ring = Check(security::KeyRing::Open(*store, crypto::RandomBytes(32)));
  auto fp = Check(ring->ForResource("BENCH"));

  std::printf("== FieldProtector (per core, CPU time; goal >= 1,000,000 seals/s)\n");
  std::printf("%-6s %14s %14s %16s\n", "bytes", "seals/s", "opens/s", "seal bytes/s");
  std::map<int, double> seal_bps;
  for (int size : {16, 32, 64}) {
    std::string value(size, 'v'), sealed, plain;
    int64_t id = 0;
    double seals = Rate([&] { (void)fp->Seal(++id, "id_number", value, &sealed); });
    Check(fp->Seal(7, "id_number", value, &sealed));
    double opens = Rate([&] { (void)fp->Open(7, "id_number", sealed, &plain); });
    seal_bps[size] = seals * size;
    std::printf("%-6d %14.0f %14.0f %16.0f\n", size, seals, opens, seals * size);
  }
  {
    std::string v = security::NormalizeForIndex("id_card", "33062119800101123X");
    double bi = Rate([&] { (void)fp->BlindIndex("id_card", v); });
    double norm_bi = Rate([&] {
      (void)fp->BlindIndex("id_card", security::NormalizeForIndex("id_card", "33062119800101123x"));
    });
    std::printf("blind index (18 bytes):              %12.0f /s\n", bi);
    std::printf("blind index incl. NormalizeForIndex: %12.0f /s\n", norm_bi);
  }
  if (run_openssl) {
    auto ossl = OpenSslSpeed("sm4-ctr");
    if (ossl.empty()) {
      std::printf("openssl speed -evp sm4-ctr: unavailable\n");
    } else {
      std::printf(
          "\n== beside openssl speed -evp sm4-ctr (bytes/s; raw CTR, no tag, no key "
          "handling)\n");
      for (int size : {16, 64}) {
        if (!ossl.count(size)) continue;
        std::printf("%3d bytes: openssl %14.0f   FieldProtector seal %14.0f   ratio %.2f\n", size,
                    ossl[size], seal_bps[size], seal_bps[size] / ossl[size]);
      }
    }
  }

  // Rotation rate: `rows` rows with two sealed columns, SQLite, batches of 1000.
  std::printf("\n== rotation on SQLite (%lld rows x 2 sealed columns)\n",
              static_cast<long long>(rows));
  Check(store::ApplyMigrations(
      *store, {{"bench", 1, "people",
                "CREATE TABLE people (id BIGINT PRIMARY KEY, a {{blob}}, b {{blob}})"}}));
  {
    std::string a, b;
    for (int64_t base = 1; base <= rows; base += 1000) {
      Check(store->Transact([&](store::Connection& c) -> Status {
        for (int64_t i = base; i < base + 1000 && i <= rows; ++i) {
          YISHU_RETURN_IF_ERROR(fp->Seal(i, "a", "330621198001011234", &a));
          YISHU_RETURN_IF_ERROR(fp->Seal(i, "b", "13800138000", &b));
          YISHU_RETURN_IF_ERROR(
              c.Exec("INSERT INTO people VALUES (?, ?, ?)", {i, store::Blob{a}, store::Blob{b}})
                  .status());
        }
        return Status::Ok();
      }));
    }
  }
  security::KeyRotation rot(*store, *ring, "BENCH", {{"people", "id", {"a", "b"}}});
  auto t0 = std::chrono::steady_clock::now();
  Check(rot.RunToCompletion());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto pr = rot.progress();
  std::printf(
      "re-sealed %lld values in %lld passes, %.2f s wall: %.0f rows/s (incl. the "
      "confirming pass)\n",
      static_cast<long long>(pr.values_resealed), static_cast<long long>(pr.passes), secs,
      rows / secs);
  fp.reset();
  ring.reset();
  store.reset();
  std::filesystem::remove_all(dir);
  return 0;
}

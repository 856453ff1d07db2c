// Collection benchmark: (a) parse + validate alone, one core, MB/s; (b) the full ingest into
// SQLite with sealing of L3/L4 fields, blind indexes, quarantine and lineage; (c) in the same
// run, the baseline `sqlite3 DB ".mode csv" ".import FILE t"` into an untyped table. Prints each
// figure, the ratio (b)/(c) (goal: at most 0.7) and the peak RSS.
//
//   ingest_bench [--scale 1.0] [--file F --resource CODE --catalogue catalogue.yaml] [--dir D]
//                [--keep-data 1] [--rows-per-tx N] [--part parse]
//
// --part parse stops after (a) (for profiling the parser and validator alone).
//
// Without --file the demo generator writes the district at --scale (1.0: GA_HOUSEHOLD has about
// 1.1 million rows, ~220 MB; 0.91: 1.0 million rows, ~200 MB) in a child process, so its memory
// does not count in the peak RSS. --keep-data 1 keeps the generated district in D/district for
// later runs with --file and --catalogue.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "common/allocator.hpp"
#include "common/yaml_json.hpp"
#include "demo/demo.hpp"
#include "ingest/ingest.hpp"
#include "platform/platform.hpp"

namespace fs = std::filesystem;
using namespace yishu;

namespace {

// A SQLite database with its WAL and shared-memory files (left behind, they held half a
// gigabyte after every run).
void RemoveDatabase(const fs::path& db) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(db.string() + suffix);
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU seconds (user + system) of this process, of the calling thread (RUSAGE_THREAD), or of its
// waited-for children: on a shared machine wall-clock figures include time spent waiting for a
// core.
double CpuSeconds(int who = RUSAGE_SELF) {
  struct rusage ru;
  getrusage(who, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

long PeakRssMb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  yishu::TuneAllocator();
  double scale = 1.0;
  std::string file, resource = "GA_HOUSEHOLD", catalogue_file;
  bool keep_data = false, generated = false;
  int rows_per_tx = 0;  // 0: the platform's default
  std::string part;
  fs::path dir = fs::temp_directory_path() / fmt::format("yishu_ingest_bench_{}", getpid());
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--scale")
      scale = std::atof(argv[i + 1]);
    else if (a == "--file")
      file = argv[i + 1];
    else if (a == "--resource")
      resource = argv[i + 1];
    else if (a == "--catalogue")
      catalogue_file = argv[i + 1];
    else if (a == "--dir")
      dir = argv[i + 1];
    else if (a == "--keep-data")
      keep_data = std::string(argv[i + 1]) != "0";
    else if (a == "--rows-per-tx")
      rows_per_tx = std::atoi(argv[i + 1]);
    else if (a == "--part")
      part = argv[i + 1];
    else {
      std::cerr << "unknown option " << a << "\n";
      return 2;
    }
  }
  fs::create_directories(dir);
  if (file.empty()) {
    fs::path out = dir / "district";
    std::cerr << fmt::format("generating the demo district at scale {} into {}\n", scale,
                             out.string());
    pid_t pid = fork();
    if (pid == 0) {
      demo::DemoOptions o;
      o.scale = scale;
      o.out_dir = out;
      o.reference_dir = fs::path(YISHU_SOURCE_DIR) / "reference";
      auto s = demo::GenerateDistrict(o);
      if (!s.ok()) {
        std::cerr << s.status().ToString() << "\n";
        _exit(1);
      }
      _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return 1;
    generated = true;
    catalogue_file = (out / "catalogue.yaml").string();
    for (const auto& e : fs::recursive_directory_iterator(out / "inbox"))
      if (e.path().filename().string().rfind(resource + "_", 0) == 0) file = e.path().string();
    if (file.empty()) {
      std::cerr << "no delivered file for " << resource << "\n";
      return 1;
    }
  }
  const double mb = static_cast<double>(fs::file_size(file)) / 1e6;
  std::cout << fmt::format("file: {} ({:.1f} MB), resource {}\n", file, mb, resource);

  // A platform store of our own: SQLite, the platform's migrations, a fresh master key.
  fs::path db = dir / "yishu.db";
  RemoveDatabase(db);
  auto store = ValueOrThrow(store::Store::Open({"sqlite:" + db.string(), 4}));
  ThrowIfError(store::ApplyMigrations(*store, platform::AllMigrations()));
  auto registry =
      ValueOrThrow(standards::Registry::Create(fs::path(YISHU_SOURCE_DIR) / "reference"));
  auto* reg = registry.get();
  catalogue::Catalogue cat(*store,
                           [reg](std::string_view code) -> std::optional<catalogue::ElementInfo> {
                             const auto* e = reg->FindElement(code);
                             if (!e) return std::nullopt;
                             return catalogue::ElementInfo{
                                 std::string(standards::ValueTypeName(e->type)),
                                 std::string(standards::SensitivityName(e->default_sensitivity))};
                           });
  auto doc = ValueOrThrow(ReadYamlFile(catalogue_file));
  ThrowIfError(store->Transact(
      [&](store::Connection& tx) { return cat.Import(tx, doc, "bench").status(); }));
  auto keys = ValueOrThrow(security::KeyRing::Open(*store, std::string(32, '\x42')));
  auto res = ValueOrThrow(cat.GetResource(resource));

  // (a) parse + validate
  ingest::IngestOptions o;
  o.resource = resource;
  o.file_name = fs::path(file).filename().string();
  if (rows_per_tx > 0) o.rows_per_transaction = rows_per_tx;
  double t = Now(), cpu = CpuSeconds(), cpu_thread = CpuSeconds(RUSAGE_THREAD);
  auto v = ValueOrThrow(
      ingest::ValidateOnly(ValueOrThrow(formats::OpenFileSource(file)), res, *registry, o));
  double ta = Now() - t, cpu_a = CpuSeconds() - cpu,
         cpu_parse = CpuSeconds(RUSAGE_THREAD) - cpu_thread;
  std::cout << fmt::format(
      "(a) parse+validate: {} rows ({} accepted, {} quarantined) in {:.2f} s = {:.0f} MB/s, "
      "{:.0f} rows/s; ratio to the 300 MB/s goal = {:.2f} (goal >= 1)\n",
      v.read, v.accepted, v.quarantined, ta, mb / ta, v.read / ta, mb / ta / 300);
  std::cout << fmt::format(
      "    CPU {:.2f} s = {:.0f} MB/s per CPU second; ratio to 300 MB/s = {:.2f}\n", cpu_a,
      mb / cpu_a, mb / cpu_a / 300);
  // The file's SM3 runs on a thread of its own beside the parser (formats/reader.cpp).
  std::cout << fmt::format(
      "    the parsing thread alone: CPU {:.2f} s = {:.0f} MB/s on its core; ratio to 300 MB/s = "
      "{:.2f} (the file's SM3 beside it: {:.2f} CPU s)\n",
      cpu_parse, mb / cpu_parse, mb / cpu_parse / 300, cpu_a - cpu_parse);
  if (part == "parse") return 0;

  // (b) full ingest
  ingest::Ingester ing(*store, *registry, cat, keys.get());
  double last_commit = 0;
  o.progress = [&](const ingest::Progress&) { last_commit = Now(); };
  t = Now();
  cpu = CpuSeconds();
  auto b = ValueOrThrow(ing.IngestFile(file, o));
  double tb = Now() - t, cpu_b = CpuSeconds() - cpu;
  const double tail = last_commit > 0 ? t + tb - last_commit : 0;
  std::cout << fmt::format(
      "(b) full ingest (SQLite, sealed L3/L4, blind indexes, quarantine, lineage): {} stored, {} "
      "quarantined in {:.2f} s = {:.0f} MB/s, {:.0f} rows/s\n",
      b.accepted, b.quarantined, tb, mb / tb, b.read / tb);
  std::cout << fmt::format(
      "    CPU {:.2f} s; after the last commit (indexes built, batch closed): {:.2f} s\n", cpu_b,
      tail);
  long rss = PeakRssMb();

  // (c) the baseline, same file, same disk
  fs::path base = dir / "baseline.db";
  RemoveDatabase(base);
  std::string cmd =
      fmt::format("sqlite3 '{}' '.mode csv' '.import {} t' 2>/dev/null", base.string(), file);
  t = Now();
  double cpu_children = CpuSeconds(RUSAGE_CHILDREN);
  int rc = std::system(cmd.c_str());
  double tc = Now() - t, cpu_c = CpuSeconds(RUSAGE_CHILDREN) - cpu_children;
  if (rc != 0) std::cout << "(c) sqlite3 .import failed (exit " << rc << ")\n";
  std::cout << fmt::format(
      "(c) sqlite3 .import (untyped table, no checks): {:.2f} s = {:.0f} MB/s\n", tc, mb / tc);
  std::cout << fmt::format("    CPU {:.2f} s\n", cpu_c);
  std::cout << fmt::format("ratio (b)/(c) = {:.2f} (goal <= 0.70); (a) vs (c) = {:.2f}\n", tb / tc,
                           ta / tc);
  std::cout << fmt::format(
      "ratio (b)/(c) in CPU seconds = {:.2f} (a fairer figure on a busy machine)\n", cpu_b / cpu_c);
  std::cout << fmt::format("(d) peak RSS: {} MB; ratio to the 1 GB bound = {:.2f} (goal < 1)\n",
                           rss, rss / 1024.0);
  RemoveDatabase(db);
  RemoveDatabase(base);
  if (generated && !keep_data) fs::remove_all(dir / "district");
  return 0;
}

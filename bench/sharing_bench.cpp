// Sharing API benchmark (issue 6): single-record look-up by ID number over HTTP —
// credential check, grant check (cached, re-checked in the statement), blind-index look-up,
// unsealing, masking and an audit event with metering committed before the answer (group
// commit) — with wrk on loopback at 64 connections, and in the same run nginx serving a static
// file of the same size from a private prefix on a private port. Prints both figures, p99 and
// the ratio. Goal: >= 20,000 requests/s and p99 <= 10 ms on two cores.
//
//   sharing_bench [--persons 20000] [--seconds 10] [--connections 64] [--loops 2] [--dir D]
//                 [--keep]
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <regex>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "common/allocator.hpp"
#include "formats/reader.hpp"
#include "ingest/ingest.hpp"
#include "platform/platform.hpp"
#include "server/api.hpp"
#include "server/http_server.hpp"
#include "server/test_client.hpp"

namespace fs = std::filesystem;
using namespace yishu;

namespace {

constexpr const char* kCatalogue = R"({
 "departments": [{"code": "GA", "name": "公安分局"}, {"code": "MZ", "name": "民政局"}],
 "systems": [{"code": "GA_HJ", "name": "户籍系统", "department": "GA"}],
 "resources": [
  {"code": "GA_PERSON", "name": "户籍人口", "department": "GA", "system": "GA_HJ",
   "subject": "person", "share_type": "有条件共享", "share_condition": "政务用途",
   "fields": [
     {"name": "id_number", "label": "公民身份号码", "element": "id_card", "key": true},
     {"name": "name", "label": "姓名", "element": "person_name"},
     {"name": "mobile", "label": "手机号码", "element": "mobile"},
     {"name": "birth_date", "label": "出生日期", "element": "birth_date"},
     {"name": "township", "label": "乡镇街道", "type": "string"}]}]})";

struct WrkResult {
  double rps = 0;
  double p99_ms = 0;
  long requests = 0;
  long non2xx = 0;
  std::string raw;
};

double ToMillis(const std::string& value, const std::string& unit) {
  double v = std::atof(value.c_str());
  if (unit == "us") return v / 1000;
  if (unit == "s") return v * 1000;
  return v;
}

WrkResult RunWrk(const std::string& url, const std::string& script, int connections, int seconds) {
  std::string cmd = fmt::format("wrk -t2 -c{} -d{}s --latency {} {} 2>&1", connections, seconds,
                                script.empty() ? "" : "-s " + script, url);
  WrkResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  while (fgets(buf, sizeof buf, p)) r.raw += buf;
  pclose(p);
  std::smatch m;
  if (std::regex_search(r.raw, m, std::regex(R"(Requests/sec:\s+([0-9.]+))")))
    r.rps = std::atof(m[1].str().c_str());
  if (std::regex_search(r.raw, m, std::regex(R"(99%\s+([0-9.]+)(us|ms|s))")))
    r.p99_ms = ToMillis(m[1].str(), m[2].str());
  if (std::regex_search(r.raw, m, std::regex(R"((\d+) requests in)")))
    r.requests = std::atol(m[1].str().c_str());
  if (std::regex_search(r.raw, m, std::regex(R"(Non-2xx or 3xx responses:\s+(\d+))")))
    r.non2xx = std::atol(m[1].str().c_str());
  return r;
}

// CPU seconds (user + system) this process has used, all threads.
double CpuSeconds() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int FreePort() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// nginx with its own prefix, config and port, in the foreground (a child we stop ourselves).
pid_t StartNginx(const fs::path& dir, int port, const std::string& body) {
  fs::create_directories(dir / "www");
  fs::create_directories(dir / "logs");
  fs::create_directories(dir / "tmp");
  std::ofstream(dir / "www" / "record.json", std::ios::binary) << body;
  std::ofstream conf(dir / "nginx.conf");
  conf << "worker_processes 2;\ndaemon off;\npid " << (dir / "nginx.pid").string()
       << ";\nerror_log " << (dir / "logs" / "error.log").string() << ";\n"
       << "events { worker_connections 4096; }\nhttp {\n  access_log off;\n"
       << "  keepalive_requests 1000000;\n"
       << "  client_body_temp_path " << (dir / "tmp").string() << ";\n"
       << "  proxy_temp_path " << (dir / "tmp").string() << ";\n"
       << "  fastcgi_temp_path " << (dir / "tmp").string() << ";\n"
       << "  uwsgi_temp_path " << (dir / "tmp").string() << ";\n"
       << "  scgi_temp_path " << (dir / "tmp").string() << ";\n"
       << "  server {\n    listen 127.0.0.1:" << port << ";\n    root " << (dir / "www").string()
       << ";\n    default_type application/json;\n  }\n}\n";
  conf.close();
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec);
  pid_t pid = fork();
  if (pid == 0) {
    std::string prefix = dir.string() + "/", cf = (dir / "nginx.conf").string(),
                el = (dir / "logs" / "error.log").string();
    execlp("nginx", "nginx", "-p", prefix.c_str(), "-c", cf.c_str(), "-e", el.c_str(),
           (char*)nullptr);
    _exit(127);
  }
  return pid;
}

// GB 11643 check character (MOD 11-2) of the first 17 digits.
char IdCheckChar(std::string_view first17) {
  static const int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return "10X98765432"[sum % 11];
}

const char* const kGiven[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋"};

std::string IdNumber(int i) {
  // Unique, valid resident ID numbers of 柯桥区 (330603) born 2014 and later.
  int64_t day = DaysFromCivil(2014, 1, 1) + i / 900;
  int64_t z = day + 719468, era = z / 146097, doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  int mth = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  int y = static_cast<int>(yoe + era * 400 + (mth <= 2));
  std::string first17 = fmt::format("330603{:04}{:02}{:02}{:03}", y, mth, d, i % 900 + 100);
  return first17 + IdCheckChar(first17);
}

}  // namespace

int main(int argc, char** argv) {
  yishu::TuneAllocator();
  int persons = 20000, seconds = 10, connections = 64, loops = 2;
  bool keep = false;
  fs::path dir = fs::temp_directory_path() / fmt::format("yishu_sharing_bench_{}", getpid());
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--persons")
      persons = std::atoi(next().c_str());
    else if (a == "--seconds")
      seconds = std::atoi(next().c_str());
    else if (a == "--connections")
      connections = std::atoi(next().c_str());
    else if (a == "--loops")  // the server's event loops (server.io_threads)
      loops = std::max(1, std::atoi(next().c_str()));
    else if (a == "--dir")
      dir = next();
    else if (a == "--keep")
      keep = true;
    else {
      std::cerr << "usage: sharing_bench [--persons N] [--seconds S] [--connections C] [--loops L] "
                   "[--dir D] [--keep]\n";
      return 2;
    }
  }
  try {
    // ---- A platform with one conditional resource, one grant, one credential ----
    fs::create_directories(dir);
    {
      std::ofstream cfg(dir / "yishu.toml");
      cfg << "[store]\nurl = \"sqlite:" << (dir / "yishu.db").string() << "\"\n"
          << "[auth]\nargon2_memory_kib = 256\nargon2_iterations = 1\n";
    }
    ::setenv("YISHU_ADMIN_PASSWORD", "Bench-password-2026", 1);
    std::vector<std::string> messages;
    auto p = ValueOrThrow(platform::Platform::Init(dir, &messages));
    ThrowIfError(p->store().Transact([&](store::Connection& tx) {
      return p->catalogue().Import(tx, nlohmann::json::parse(kCatalogue), "bench").status();
    }));
    std::string csv = "id_number,name,mobile,birth_date,township\n";
    for (int i = 0; i < persons; ++i) {
      std::string id = IdNumber(i);
      csv += fmt::format("{},张{}{},138{:08},{}-{}-{},{}\n", id, kGiven[i % 10],
                         kGiven[i / 10 % 10], i, id.substr(6, 4), id.substr(10, 2),
                         id.substr(12, 2), i % 3 ? "柯桥街道" : "华舍街道");
    }
    auto t0 = std::chrono::steady_clock::now();
    ingest::Ingester ing(p->store(), p->standards(), p->catalogue(), &p->keys());
    ingest::IngestOptions o;
    o.resource = "GA_PERSON";
    o.file_name = "persons.csv";
    auto batch = ValueOrThrow(ing.Ingest(formats::MemorySource(csv), o));
    fmt::print("ingested {} persons ({} quarantined) in {:.1f} s\n", batch.accepted,
               batch.quarantined,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

    sharing::Actor consumer{{0, "mz_user", "", "MZ", identity::Role::kDeptUser}, "bench"};
    sharing::Actor provider{{0, "ga_steward", "", "GA", identity::Role::kDeptSteward}, "bench"};
    sharing::ApplicationRequest req;
    req.resource = "GA_PERSON";
    req.purpose = "低保资格核查";
    req.daily_quota = 100000000;
    auto app = ValueOrThrow(p->sharing().Apply(consumer, req));
    ValueOrThrow(p->sharing().Approve(provider, app.id,
                                      {{"fields",
                                        {{"id_number", "partial"},
                                         {"name", "partial"},
                                         {"mobile", "partial"},
                                         {"birth_date", "year"},
                                         {"township", "none"}}},
                                       {"rate_per_second", 1000000}}));
    auto cred = ValueOrThrow(p->sharing().CreateCredential("bench", "MZ", "低保系统"));

    // ---- The server ----
    server::Router router;
    server::RegisterAllRoutes(router, *p);
    server::Dispatcher dispatcher(router, *p);
    server::HttpServerOptions so;
    so.port = 0;
    so.threads = loops;
    server::HttpServer http(
        so, server::HttpServer::AsyncHandlerFn([&](server::Request& r, server::Responder done) {
          dispatcher.HandleAsync(r, std::move(done));
        }));
    ThrowIfError(http.Listen());
    std::thread serving([&] { http.Run(false); });
    int port = http.port();

    // One answer, for its size (nginx serves a file of the same size).
    server::testing::Client client(port);
    auto sample =
        client.Send("GET", "/api/v1/share/GA_PERSON/records/" + IdNumber(7), "", cred.token);
    if (sample.status != 200) throw Error(Status::Internal("sample look-up: " + sample.body));
    fmt::print("sample answer ({} bytes): {}\n", sample.body.size(), sample.body);

    // wrk script: random persons, the credential's bearer token.
    fs::path script = dir / "lookup.lua";
    {
      std::ofstream lua(script);
      lua << "local paths = {\n";
      std::mt19937 rng(42);
      for (int i = 0; i < 2000; ++i)
        lua << "\"/api/v1/share/GA_PERSON/records/" << IdNumber(rng() % persons) << "\",\n";
      lua << "}\nlocal headers = {[\"Authorization\"] = \"Bearer " << cred.token
          << "\"}\nrequest = function()\n  return wrk.format(\"GET\", paths[math.random(#paths)], "
             "headers)\nend\n";
    }

    // ---- nginx baseline, same run ----
    int nginx_port = FreePort();
    pid_t nginx = StartNginx(dir / "nginx", nginx_port, sample.body);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    WrkResult base = RunWrk(fmt::format("http://127.0.0.1:{}/record.json", nginx_port), "",
                            connections, seconds);
    kill(nginx, SIGQUIT);
    waitpid(nginx, nullptr, 0);
    if (base.rps == 0) std::cerr << "nginx run failed:\n" << base.raw;

    // ---- Yishu ----
    auto before = ValueOrThrow(
        p->store().QueryOne("SELECT COUNT(*) FROM audit_events WHERE action = 'share.read'"));
    (void)RunWrk(fmt::format("http://127.0.0.1:{}/", port), script.string(), connections, 2);
    double cpu0 = CpuSeconds();
    WrkResult ys =
        RunWrk(fmt::format("http://127.0.0.1:{}/", port), script.string(), connections, seconds);
    double cpu = CpuSeconds() - cpu0;
    auto after = ValueOrThrow(
        p->store().QueryOne("SELECT COUNT(*) FROM audit_events WHERE action = 'share.read'"));
    http.Stop();
    serving.join();

    fmt::print("\nwrk -t2 -c{} -d{}s --latency, loopback, {} persons, answer {} bytes\n",
               connections, seconds, persons, sample.body.size());
    fmt::print("  nginx static file   {:>10.0f} req/s   p99 {:>7.2f} ms\n", base.rps, base.p99_ms);
    fmt::print("  yishu share look-up {:>10.0f} req/s   p99 {:>7.2f} ms   non-2xx {}\n", ys.rps,
               ys.p99_ms, ys.non2xx);
    fmt::print("  ratio yishu/nginx   {:>10.3f}\n", base.rps > 0 ? ys.rps / base.rps : 0.0);
    std::smatch dist;
    if (std::regex_search(ys.raw, dist,
                          std::regex(R"(50%\s+(\S+)\s+75%\s+(\S+)\s+90%\s+(\S+)\s+99%\s+(\S+))")))
      fmt::print("  yishu latency: p50 {}  p75 {}  p90 {}  p99 {}\n", dist[1].str(), dist[2].str(),
                 dist[3].str(), dist[4].str());
    fmt::print(
        "  yishu CPU: {:.1f} core-seconds in {} s ({:.0f}% of 2 cores), {:.0f} us per request\n",
        cpu, seconds, 100 * cpu / (2.0 * seconds),
        ys.requests > 0 ? 1e6 * cpu / static_cast<double>(ys.requests) : 0.0);
    fmt::print("  audit events share.read committed: {} (all runs incl. warm-up)\n",
               after.Int(0) - before.Int(0));
    fmt::print("  goal >= 20000 req/s, p99 <= 10 ms: {}\n",
               ys.rps >= 20000 && ys.p99_ms <= 10 ? "met" : "NOT met");
    if (ys.rps == 0) std::cerr << ys.raw;
    p.reset();
    if (!keep) fs::remove_all(dir);
    return 0;
  } catch (const Error& e) {
    std::cerr << "sharing_bench: " << e.status().ToString() << "\n";
    return 1;
  }
}

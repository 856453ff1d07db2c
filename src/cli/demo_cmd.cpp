#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "cli/cli.hpp"
#include "common/strings.hpp"
#include "common/yaml_json.hpp"
#include "demo/demo.hpp"

namespace yishu::cli {

namespace {

struct DemoArgs {
  double scale = 0.1;
  uint64_t seed = 20261129;
  bool no_serve = false;
  std::string listen;
};

// One progress line per stage on a terminal (rewritten in place), plain lines otherwise.
class StageProgress {
 public:
  explicit StageProgress(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO)) {}
  void operator()(std::string_view stage, double fraction) {
    if (quiet_) return;
    auto now = std::chrono::steady_clock::now();
    if (stage != stage_) {
      if (!stage_.empty() && tty_) std::cerr << "\n";
      stage_ = std::string(stage);
      started_ = now;
      last_ = {};
    } else if (now - last_ < std::chrono::milliseconds(tty_ ? 100 : 2000) && fraction < 1.0) {
      return;
    }
    last_ = now;
    int width = 30;
    int filled = static_cast<int>(fraction * width);
    std::string bar(filled, '#');
    bar.resize(width, '.');
    double secs = std::chrono::duration<double>(now - started_).count();
    std::string line =
        fmt::format("  {:<22} [{}] {:5.1f}%  {:6.1f}s", stage_, bar, fraction * 100, secs);
    if (tty_)
      std::cerr << "\r" << line << std::flush;
    else
      std::cerr << line << "\n";
  }
  void Done() {
    if (!quiet_ && tty_ && !stage_.empty()) std::cerr << "\n";
  }

 private:
  bool quiet_, tty_;
  std::string stage_;
  std::chrono::steady_clock::time_point started_, last_;
};

}  // namespace

void AddDemoCommand(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* demo = app.add_subcommand(
      "demo", "Build the demo district (synthetic Keqiao) into the data directory and serve it");
  auto args = std::make_shared<DemoArgs>();
  demo->add_option("--scale", args->scale, "1.0 = about 1.1 million persons; 0.01 for tests")
      ->check(CLI::Range(0.0001, 10.0))
      ->capture_default_str();
  demo->add_option("--seed", args->seed, "random seed (same seed, same district)");
  demo->add_flag("--no-serve", args->no_serve, "build and exit without serving");
  demo->add_option("--listen", args->listen, "HOST:PORT to serve on");
  demo->callback([&g, exit_code, args] {
    Run(g, exit_code, [&] {
      std::vector<std::string> messages;
      auto p = ValueOrThrow(platform::Platform::Init(g.data_dir, &messages));
      demo::DemoOptions opts;
      opts.scale = args->scale;
      opts.seed = args->seed;
      opts.out_dir = std::filesystem::path(g.data_dir) / "demo-district";
      opts.reference_dir = p->config().reference_dir;
      StageProgress progress(g.json);
      opts.progress = [&](std::string_view stage, double f) { progress(stage, f); };
      if (!g.json)
        std::cerr << fmt::format("generating the demo district at scale {} into {}\n", args->scale,
                                 opts.out_dir.string());
      auto summary = ValueOrThrow(demo::GenerateDistrict(opts));
      progress.Done();

      auto doc = ValueOrThrow(ReadYamlFile(summary.catalogue_file.string()));
      audit::AuditEvent ev;
      ev.actor = "system";
      ev.action = "catalogue.import";
      ev.resource = summary.catalogue_file.string();
      catalogue::ImportSummary imported;
      ThrowIfError(p->AuditedTransact(ev, [&](store::Connection& tx) -> Status {
        YISHU_ASSIGN_OR_RETURN(imported, p->catalogue().Import(tx, doc, "demo"));
        return Status::Ok();
      }));

      // One steward and one user per department, and one account per platform-wide role.
      const char* env = std::getenv("YISHU_ADMIN_PASSWORD");
      std::string password = env && *env ? env : identity::GeneratePassword();
      std::vector<identity::NewUser> users;
      for (const auto& d : ValueOrThrow(p->catalogue().ListDepartments())) {
        std::string lower = ToLowerAscii(d.code);
        users.push_back({lower + "_steward", d.name + "数据专员", d.code,
                         identity::Role::kDeptSteward, password});
        users.push_back(
            {lower + "_user", d.name + "业务人员", d.code, identity::Role::kDeptUser, password});
      }
      users.push_back({"auditor", "安全审计员", "", identity::Role::kSecurityAuditor, password});
      users.push_back({"operator", "授权运营方", "", identity::Role::kPublic, password});
      users.back().role = identity::Role::kPublic;
      users.back().username = "citizen";
      users.back().display_name = "公众用户";
      int created = 0;
      for (const auto& u : users) {
        if (p->identity().FindUser(u.username).ok()) continue;
        audit::AuditEvent uev;
        uev.actor = "system";
        uev.action = "user.create";
        uev.resource = "user:" + u.username;
        ThrowIfError(p->AuditedTransact(
            uev, [&](store::Connection& tx) { return p->identity().CreateUser(tx, u).status(); }));
        ++created;
      }

      // Collection: every delivered file becomes a batch (faults land in quarantine).
      nlohmann::json files = nlohmann::json::array();
      int64_t ing_read = 0, ing_accepted = 0, ing_quarantined = 0;
      for (const auto& f : summary.files) {
        ingest::IngestOptions io;
        io.resource = f.resource;
        io.actor = "system";
        StageProgress ing_progress(g.json);
        io.progress = [&](const ingest::Progress& pr) {
          ing_progress("ingest " + f.resource,
                       pr.total_bytes > 0 ? static_cast<double>(pr.bytes) / pr.total_bytes : 0);
        };
        auto batch = ValueOrThrow(IngestAudited(*p, f.path, io));
        ing_progress.Done();
        ing_read += batch.read;
        ing_accepted += batch.accepted;
        ing_quarantined += batch.quarantined;
        files.push_back({{"path", f.path.string()},
                         {"department", f.department},
                         {"resource", f.resource},
                         {"encoding", f.encoding},
                         {"rows", f.rows},
                         {"bytes", f.bytes},
                         {"batch_id", batch.batch_id},
                         {"read", batch.read},
                         {"accepted", batch.accepted},
                         {"quarantined", batch.quarantined}});
      }
      nlohmann::json j = {
          {"data_dir", g.data_dir},
          {"persons", summary.persons},
          {"enterprises", summary.enterprises},
          {"files", files},
          {"faults", summary.faults},
          {"truth_dir", summary.truth_dir.string()},
          {"resources_created", imported.created},
          {"ingested",
           {{"read", ing_read}, {"accepted", ing_accepted}, {"quarantined", ing_quarantined}}},
          {"users_created", created},
          {"messages", messages}};
      if (!(env && *env) && created > 0) j["demo_password"] = password;
      std::string human = fmt::format(
          "demo district ready in {}\n  {} persons, {} enterprises, {} delivered files, {} "
          "injected faults (truth in {})\n  catalogue: {} departments, {} resources\n",
          g.data_dir, summary.persons, summary.enterprises, summary.files.size(), summary.faults,
          summary.truth_dir.string(), imported.departments,
          imported.created + imported.updated + imported.unchanged);
      human += fmt::format(
          "  ingested: {} rows read, {} accepted, {} quarantined (yishu batches "
          "--resource CODE; yishu quarantine --batch ID)\n",
          ing_read, ing_accepted, ing_quarantined);
      for (const auto& m : messages) human += "  " + m + "\n";
      if (created > 0)
        human +=
            "  demo accounts: <dept>_steward, <dept>_user (e.g. ga_steward), auditor, "
            "citizen — password: " +
            std::string(env && *env ? "as YISHU_ADMIN_PASSWORD" : password) + "\n";
      Emit(g, j, human);
      if (!args->no_serve)
        ThrowIfError(Serve(*p, args->listen.empty() ? p->config().listen : args->listen, g));
    });
  });
}

}  // namespace yishu::cli

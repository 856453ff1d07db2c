// `yishu dedup` and `yishu link`: the entity-resolution engine on any delivered file (standalone
// mode; no data directory needed). The config says which column is which kind of value, the
// blocking rules and the thresholds (reference/masterdata/*.yaml; README "Entity resolution").
//
// `yishu masterdata …`: the base libraries in the platform's store (masterdata/golden.hpp):
// resolution runs, golden records and their history, verification, explanations and the
// clerical review queue. Each action is audited like its HTTP route.
#include <fmt/format.h>

#include <fstream>

#include "cli/cli.hpp"
#include "masterdata/config.hpp"
#include "masterdata/engine.hpp"
#include "masterdata/golden.hpp"
#include "masterdata/input.hpp"
#include "sharing/masking.hpp"

namespace yishu::cli {
namespace {

struct ResolveArgs {
  std::vector<std::string> inputs;
  std::string config;
  std::string out;
  int threads = 2;
};

// Quotes a CSV cell when it needs it.
std::string CsvCell(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Summary(const masterdata::ResolveStats& s) {
  std::string text = fmt::format(
      "{} records ({} with nothing to match on), {} candidate pairs, {} matches ({} by "
      "identifier), {} for review, {} kept apart by conflicting identifiers, {} clusters\n",
      s.records, s.empty_records, s.candidate_pairs, s.matches, s.deterministic_matches,
      s.review_pairs, s.kept_apart, s.clusters);
  for (const auto& t : s.times) text += fmt::format("  {:<12} {:8.3f} s\n", t.stage, t.seconds);
  return text;
}

masterdata::Config LoadAndCheck(const ResolveArgs& args) {
  auto config = ValueOrThrow(masterdata::LoadConfig(args.config));
  // Every input must have every named column before any work starts.
  for (const std::string& input : args.inputs) {
    ThrowIfError(masterdata::CheckColumns(input, config));
  }
  return config;
}

// Loads one input into `batch`; what it left out (malformed records) is said, not hidden: in
// the JSON (`inputs`) and in the text summary.
struct LoadedInputs {
  nlohmann::json json = nlohmann::json::array();
  std::string text;
};
void LoadInput(const std::string& path, const masterdata::Config& config, uint8_t side,
               masterdata::RecordBatch* batch, LoadedInputs* loaded) {
  const auto report = ValueOrThrow(masterdata::LoadRecords(path, config, side, batch));
  nlohmann::json skipped = nlohmann::json::array();
  for (const auto& s : report.first_skipped)
    skipped.push_back({{"line", s.line}, {"reason", s.reason}});
  loaded->json.push_back({{"file", path},
                          {"loaded", report.loaded},
                          {"skipped", report.skipped},
                          {"first_skipped", skipped}});
  loaded->text += fmt::format("{}: {} records", path, report.loaded);
  if (report.skipped > 0)
    loaded->text += fmt::format(", {} malformed left out (first: line {}: {})", report.skipped,
                                report.first_skipped[0].line, report.first_skipped[0].reason);
  loaded->text += '\n';
}

void WriteOrThrow(std::ofstream& out, const std::string& path) {
  if (!out) throw Error(Status::IoError("cannot write " + path));
}

std::string LibraryName(const std::string& subject) {
  return subject == "person" ? "MD_PERSON" : "MD_LEGAL_ENTITY";
}

masterdata::BaseLibrary Library(platform::Platform& p) {
  return masterdata::BaseLibrary(p.store(), p.catalogue(), p.standards(), p.keys());
}

void AuditOk(platform::Platform& p, audit::AuditEvent ev) {
  ev.actor = CliActor();
  ThrowIfError(p.AuditedTransact(ev, [](store::Connection&) { return Status::Ok(); }));
}

audit::AuditEvent Event(std::string action, std::string resource) {
  audit::AuditEvent ev;
  ev.actor = CliActor();
  ev.action = std::move(action);
  ev.resource = std::move(resource);
  return ev;
}

std::string AttrElement(const std::string& attr) {
  if (attr == "id_card" || attr == "uscc" || attr == "address") return attr;
  if (attr == "name" || attr == "legal_rep") return "person_name";
  if (attr == "phone") return "mobile";
  return "";
}

std::string GoldenText(const nlohmann::json& g) {
  std::string t = fmt::format("golden #{} ({}) {}", g["id"].get<int64_t>(),
                              g["subject"].get<std::string>(), g["status"].get<std::string>());
  if (!g["merged_into"].is_null()) t += fmt::format(" -> #{}", g["merged_into"].get<int64_t>());
  t += fmt::format(", {} records\n", g["members"].size());
  for (const auto& [attr, a] : g["attributes"].items()) {
    t += fmt::format("  {:<11} {:<32} {} from {}.{} (batch {}, record {})\n", attr,
                     a.contains("value") ? a["value"].get<std::string>() : "(sealed)",
                     a["rule"].get<std::string>(), a["source"]["resource"].get<std::string>(),
                     a["source"]["field"].get<std::string>(), a["source"]["batch"].get<int64_t>(),
                     a["source"]["record_id"].get<int64_t>());
  }
  return t;
}

void AddGoldenCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "masterdata",
      "Base libraries (人口库、法人库): golden records, verification, the review queue");
  cmd->require_subcommand(1);
  {
    auto* c = cmd->add_subcommand("run", "Resolve a subject's records into golden records");
    auto subject = std::make_shared<std::string>("person");
    auto incremental = std::make_shared<bool>(false);
    auto threads = std::make_shared<int>(2);
    c->add_option("--subject", *subject, "person | legal_entity")->capture_default_str();
    c->add_flag("--incremental", *incremental, "compare only new or changed records");
    c->add_option("--threads", *threads, "worker threads")->capture_default_str();
    c->callback([&g, exit_code, subject, incremental, threads] {
      Run(g, exit_code, [&] {
        auto p = OpenPlatform(g);
        masterdata::RunOptions o;
        o.subject = *subject;
        o.incremental = *incremental;
        o.actor = CliActor();
        o.threads = *threads;
        auto s = ValueOrThrow(Library(*p).Run(o));
        auto ev = Event("masterdata.run", LibraryName(*subject));
        ev.record_count = s["records"].get<int64_t>();
        ev.detail = {{"run_id", s["run_id"]}, {"mode", s["mode"]}, {"golden", s["golden"]}};
        AuditOk(*p, ev);
        Emit(g, s,
             fmt::format("run #{} ({}): {} records ({} compared), {} clusters; golden {}; {} "
                         "pairs for review ({} pending)\n",
                         s["run_id"].get<int64_t>(), s["mode"].get<std::string>(),
                         s["records"].get<int64_t>(), s["compared_records"].get<int64_t>(),
                         s["clusters"].get<int64_t>(), s["golden"].dump(),
                         s["review_pairs"].get<int64_t>(), s["review_pending"].get<int64_t>()));
      });
    });
  }
  {
    auto* c = cmd->add_subcommand("runs", "Resolution runs, newest first");
    auto subject = std::make_shared<std::string>("person");
    c->add_option("--subject", *subject, "person | legal_entity")->capture_default_str();
    c->callback([&g, exit_code, subject] {
      Run(g, exit_code, [&] {
        auto p = OpenPlatform(g);
        auto j = ValueOrThrow(Library(*p).ListRuns(*subject));
        std::string human;
        for (const auto& r : j["items"])
          human += fmt::format("#{} {} {} by {}: {}\n", r["id"].get<int64_t>(),
                               r["started_at"].get<std::string>(), r["mode"].get<std::string>(),
                               r["actor"].get<std::string>(), r["summary"]["golden"].dump());
        Emit(g, j, human);
      });
    });
  }
  {
    auto* c = cmd->add_subcommand(
        "show", "A golden record (by id, or --identifier), sealed values masked, with provenance");
    auto id = std::make_shared<int64_t>(0);
    auto identifier = std::make_shared<std::string>();
    auto subject = std::make_shared<std::string>("person");
    c->add_option("id", *id, "golden id");
    c->add_option("--identifier", *identifier, "ID number or credit code instead of an id");
    c->add_option("--subject", *subject, "person | legal_entity")->capture_default_str();
    c->callback([&g, exit_code, id, identifier, subject] {
      Run(g, exit_code, [&] {
        auto p = OpenPlatform(g);
        auto lib = Library(*p);
        int64_t gid = *id;
        if (!identifier->empty()) gid = ValueOrThrow(lib.FindByIdentifier(*subject, *identifier));
        if (gid <= 0) throw Error(Status::InvalidArgument("give a golden id or --identifier"));
        auto j = ValueOrThrow(lib.Get(gid, [](const std::string& attr, const std::string& v) {
          return sharing::MaskValue(sharing::Masking::kPartial, AttrElement(attr), v, "");
        }));
        auto ev = Event("read", LibraryName(j["subject"].get<std::string>()));
        ev.record_count = 1;
        ev.detail = {{"view", "golden record"}, {"golden_id", gid}};
        AuditOk(*p, ev);
        Emit(g, j, GoldenText(j));
      });
    });
  }
  {
    auto* c = cmd->add_subcommand("history", "Merges, splits and creations of a golden id");
    auto id = std::make_shared<int64_t>(0);
    c->add_option("id", *id, "golden id")->required();
    c->callback([&g, exit_code, id] {
      Run(g, exit_code, [&] {
        auto p = OpenPlatform(g);
        auto j = ValueOrThrow(Library(*p).History(*id));
        std::string human;
        for (const auto& e : j["items"])
          human += fmt::format("{} run #{} {}{} {}\n", e["at"].get<std::string>(),
                               e["run_id"].get<int64_t>(), e["event"].get<std::string>(),
                               e["other_id"].is_null()
                                   ? std::string()
                                   : fmt::format(" #{}", e["other_id"].get<int64_t>()),
                               e["detail"].dump());
        Emit(g, j, human);
      });
    });
  }
  {
    auto* c = cmd->add_subcommand(
        "verify", "核验: do claimed attributes match? (match / no_match per field, no values)");
    auto subject = std::make_shared<std::string>("person");
    auto claims = std::make_shared<std::vector<std::string>>();
    c->add_option("--subject", *subject, "person | legal_entity")->capture_default_str();
    c->add_option("claims", *claims, "attr=value … (id_card=…, name=…, address=…)")->required();
    c->callback([&g, exit_code, subject, claims] {
      Run(g, exit_code, [&] {
        std::map<std::string, std::string> m;
        for (const auto& kv : *claims) {
          auto eq = kv.find('=');
          if (eq == std::string::npos)
            throw Error(Status::InvalidArgument("a claim is attr=value, not '" + kv + "'"));
          m[kv.substr(0, eq)] = kv.substr(eq + 1);
        }
        auto p = OpenPlatform(g);
        auto j = ValueOrThrow(Library(*p).Verify(*subject, m));
        auto ev = Event("masterdata.verify", LibraryName(*subject));
        for (const auto& [k, v] : m) ev.fields.push_back(k);
        ev.record_count = j["found"].get<bool>() ? 1 : 0;
        ev.detail = {{"result", j["result"]}, {"fields", j["fields"]}};
        AuditOk(*p, ev);
        std::string human = j["result"].get<std::string>() + "\n";
        for (const auto& [k, v] : j["fields"].items())
          human += fmt::format("  {:<11} {}\n", k, v.get<std::string>());
        Emit(g, j, human);
      });
    });
  }
  {
    auto* c = cmd->add_subcommand("explain", "Why two records are (not) linked");
    auto subject = std::make_shared<std::string>("person");
    auto a = std::make_shared<std::string>(), b = std::make_shared<std::string>();
    c->add_option("--subject", *subject, "person | legal_entity")->capture_default_str();
    c->add_option("a", *a, "RESOURCE:record_id")->required();
    c->add_option("b", *b, "RESOURCE:record_id")->required();
    c->callback([&g, exit_code, subject, a, b] {
      Run(g, exit_code, [&] {
        auto ra = ValueOrThrow(masterdata::RecordRef::Parse(*a));
        auto rb = ValueOrThrow(masterdata::RecordRef::Parse(*b));
        auto p = OpenPlatform(g);
        auto j = ValueOrThrow(Library(*p).Explain(*subject, ra, rb));
        auto ev = Event("masterdata.explain", LibraryName(*subject));
        ev.record_count = 2;
        ev.detail = {{"a", *a}, {"b", *b}};
        AuditOk(*p, ev);
        std::string human =
            fmt::format("{} vs {}: prior {:+.2f}\n", *a, *b, j["prior"].get<double>());
        for (const auto& c : j["comparisons"])
          human += fmt::format("  {:<11} level {} {:<24} {:+.2f}\n", c["field"].get<std::string>(),
                               c["level"].get<int>(), c["level_name"].get<std::string>(),
                               c["weight"].get<double>());
        human += fmt::format("  total {:+.2f}, probability {:.6f}{}\n", j["total"].get<double>(),
                             j["probability"].get<double>(),
                             j["deterministic"].get<bool>() ? " (decided by identifier)" : "");
        Emit(g, j, human);
      });
    });
  }
  {
    auto* review = cmd->add_subcommand("review", "The clerical review queue");
    review->require_subcommand(1);
    auto* l = review->add_subcommand("list", "Pairs scored between the two thresholds");
    auto subject = std::make_shared<std::string>("person");
    auto status = std::make_shared<std::string>("pending");
    auto page = std::make_shared<int64_t>(1);
    l->add_option("--subject", *subject, "person | legal_entity")->capture_default_str();
    l->add_option("--status", *status, "pending | match | non_match | all")->capture_default_str();
    l->add_option("--page", *page, "page of 50")->capture_default_str();
    l->callback([&g, exit_code, subject, status, page] {
      Run(g, exit_code, [&] {
        auto p = OpenPlatform(g);
        auto j = ValueOrThrow(Library(*p).ListReview(*subject, *status, *page, 50));
        std::string human = fmt::format("{} {}\n", j["total"].get<int64_t>(), *status);
        for (const auto& r : j["items"])
          human += fmt::format("#{} {} ~ {} p={:.4f} {}\n", r["id"].get<int64_t>(),
                               r["a"].get<std::string>(), r["b"].get<std::string>(),
                               r["probability"].get<double>(), r["status"].get<std::string>());
        Emit(g, j, human);
      });
    });
    auto* d = review->add_subcommand(
        "decide", "Decide a queued pair (by id) or any pair (--a, --b): match | non_match");
    auto id = std::make_shared<int64_t>(0);
    auto decision = std::make_shared<std::string>();
    auto note = std::make_shared<std::string>();
    auto a = std::make_shared<std::string>(), b = std::make_shared<std::string>();
    d->add_option("id", *id, "review item id");
    d->add_option("--a", *a, "RESOURCE:record_id (with --b, instead of an id)");
    d->add_option("--b", *b, "RESOURCE:record_id");
    d->add_option("--subject", *subject, "person | legal_entity")->capture_default_str();
    d->add_option("--decision", *decision, "match | non_match")->required();
    d->add_option("--note", *note, "why");
    d->callback([&g, exit_code, id, decision, note, a, b, subject] {
      Run(g, exit_code, [&] {
        auto dec = masterdata::ParseDecision(*decision);
        if (!dec) throw Error(Status::InvalidArgument("--decision must be match or non_match"));
        auto p = OpenPlatform(g);
        auto lib = Library(*p);
        auto ev = Event("masterdata.review", LibraryName(*subject));
        ev.detail = {{"decision", *decision}};
        nlohmann::json out;
        if (*id > 0) {
          ev.detail["review_id"] = *id;
          ThrowIfError(p->AuditedTransact(ev, [&](store::Connection& tx) -> Status {
            YISHU_ASSIGN_OR_RETURN(out, lib.Decide(tx, *id, *dec, CliActor(), *note));
            return Status::Ok();
          }));
        } else {
          auto ra = ValueOrThrow(masterdata::RecordRef::Parse(*a));
          auto rb = ValueOrThrow(masterdata::RecordRef::Parse(*b));
          ev.detail["a"] = *a;
          ev.detail["b"] = *b;
          ThrowIfError(p->AuditedTransact(ev, [&](store::Connection& tx) -> Status {
            YISHU_ASSIGN_OR_RETURN(out,
                                   lib.DecidePair(tx, *subject, ra, rb, *dec, CliActor(), *note));
            return Status::Ok();
          }));
        }
        Emit(g, out,
             fmt::format("#{} {} ~ {}: {}\n", out["id"].get<int64_t>(), out["a"].get<std::string>(),
                         out["b"].get<std::string>(), out["status"].get<std::string>()));
      });
    });
  }
}

}  // namespace

void AddMasterdataCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  AddGoldenCommands(app, g, exit_code);
  auto dedup_args = std::make_shared<ResolveArgs>();
  auto* dedup = app.add_subcommand(
      "dedup",
      "Find the records of one file (CSV, JSON Lines or XLSX) that are about the same entity "
      "(rec_id,cluster_id)");
  dedup->add_option("file", dedup_args->inputs, "CSV, JSON Lines or XLSX file with a header")
      ->required()
      ->expected(1);
  dedup->add_option("--config", dedup_args->config, "resolution config (YAML or JSON)")->required();
  dedup->add_option("--out", dedup_args->out, "output CSV: rec_id,cluster_id")->required();
  dedup->add_option("--threads", dedup_args->threads, "worker threads")->capture_default_str();
  dedup->callback([&g, exit_code, dedup_args] {
    Run(g, exit_code, [&] {
      const ResolveArgs& a = *dedup_args;
      const masterdata::Config config = LoadAndCheck(a);
      masterdata::RecordBatch batch(config.fields.size());
      LoadedInputs loaded;
      LoadInput(a.inputs[0], config, 0, &batch, &loaded);
      masterdata::ResolveOptions options;
      options.threads = a.threads;
      auto result = ValueOrThrow(masterdata::Resolve(config, batch, options));
      std::ofstream out(a.out, std::ios::binary);
      out << "rec_id,cluster_id\n";
      for (size_t r = 0; r < batch.size(); ++r) {
        out << CsvCell(batch.id(r)) << ',' << CsvCell(batch.id(result.cluster_of[r])) << '\n';
      }
      out.flush();
      WriteOrThrow(out, a.out);
      nlohmann::json j = result.stats.ToJson();
      j["out"] = a.out;
      j["inputs"] = loaded.json;
      Emit(g, j, loaded.text + Summary(result.stats) + "wrote " + a.out);
    });
  });

  auto link_args = std::make_shared<ResolveArgs>();
  auto* link = app.add_subcommand(
      "link",
      "Find the pairs of records across two files (CSV, JSON Lines or XLSX) about the same entity "
      "(left_id,right_id,score)");
  link->add_option("files", link_args->inputs, "LEFT and RIGHT files")->required()->expected(2);
  link->add_option("--config", link_args->config, "resolution config (YAML or JSON)")->required();
  link->add_option("--out", link_args->out, "output CSV: left_id,right_id,score")->required();
  link->add_option("--threads", link_args->threads, "worker threads")->capture_default_str();
  link->callback([&g, exit_code, link_args] {
    Run(g, exit_code, [&] {
      const ResolveArgs& a = *link_args;
      const masterdata::Config config = LoadAndCheck(a);
      masterdata::RecordBatch batch(config.fields.size());
      LoadedInputs loaded;
      LoadInput(a.inputs[0], config, 0, &batch, &loaded);
      LoadInput(a.inputs[1], config, 1, &batch, &loaded);
      masterdata::ResolveOptions options;
      options.threads = a.threads;
      auto result = ValueOrThrow(masterdata::Resolve(config, batch, options));
      std::ofstream out(a.out, std::ios::binary);
      out << "left_id,right_id,score\n";
      auto matches = result.matches;
      std::sort(matches.begin(), matches.end(), [](const auto& x, const auto& y) {
        return std::tie(x.a, x.b) < std::tie(y.a, y.b);
      });
      for (const masterdata::ScoredPair& m : matches) {
        uint32_t left = m.a, right = m.b;
        if (batch.side(left) != 0) std::swap(left, right);
        out << CsvCell(batch.id(left)) << ',' << CsvCell(batch.id(right)) << ','
            << fmt::format("{:.6f}", m.probability) << '\n';
      }
      out.flush();
      WriteOrThrow(out, a.out);
      nlohmann::json j = result.stats.ToJson();
      j["out"] = a.out;
      j["inputs"] = loaded.json;
      Emit(g, j, loaded.text + Summary(result.stats) + "wrote " + a.out);
    });
  });
}

}  // namespace yishu::cli

// `yishu classify` (classification proposals for a resource's fields) and `yishu keys`
// (data key status and rotation).
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "cli/cli.hpp"
#include "common/time.hpp"
#include "ingest/ingest.hpp"
#include "security/classification.hpp"
#include "security/rotation.hpp"
#include "security/sampling.hpp"

namespace yishu::cli {

void AddClassifyCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* classify = app.add_subcommand(
      "classify", "Propose a type, level (DB33/T 2351) and category (GB/T 43697) per field");
  auto code = std::make_shared<std::string>();
  auto save = std::make_shared<bool>(false);
  classify->add_option("--resource", *code, "Resource code")->required();
  classify->add_flag("--save", *save, "Store the proposals for stewards to decide");
  classify->callback([&g, exit_code, code, save] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      auto r = ValueOrThrow(p->catalogue().GetResource(*code));
      auto samples =
          ValueOrThrow(security::SampleResource(p->store(), &p->keys(), g.data_dir, r, 500));
      auto props = ValueOrThrow(security::ClassifyFields(r, samples));
      if (*save) {
        audit::AuditEvent ev;
        ev.actor = "cli";
        ev.role = "platform_admin";
        ev.action = "classification.propose";
        ev.resource = r.code;
        ev.record_count = static_cast<int64_t>(props.size());
        ThrowIfError(p->AuditedTransact(ev, [&](store::Connection& c) {
          return security::SaveProposals(c, r.code, props, NowMillis());
        }));
      }
      nlohmann::json j = {{"resource", r.code},
                          {"sample", {{"source", samples.source}, {"rows", samples.rows}}},
                          {"fields", nlohmann::json::array()}};
      std::string human = fmt::format("{} {} — sample: {} ({} rows)\n", r.code, r.name,
                                      samples.source, samples.rows);
      for (const auto& f : props) {
        j["fields"].push_back(security::ToJson(f));
        human += fmt::format(
            "  {:<18} {:<14} {:<12} {} {:<8} {:.2f}  {}\n", f.field, f.label,
            f.detected_type.empty() ? "-" : f.detected_type, f.level,
            f.personal.empty() ? "-" : f.personal, f.confidence,
            f.sensitive.empty() ? "" : fmt::format("[{}]", fmt::join(f.sensitive, ",")));
      }
      Emit(g, j, human);
    });
  });

  auto* keys = app.add_subcommand("keys", "Data keys: status and rotation");
  keys->require_subcommand(1);
  auto* status = keys->add_subcommand("status", "Key versions and their states");
  status->callback([&g, exit_code] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      auto list = ValueOrThrow(security::ListKeys(p->store()));
      auto running = ValueOrThrow(p->store().Query(
          "SELECT resource, version, table_name, last_id, state FROM key_rotations ORDER BY "
          "resource, version"));
      nlohmann::json j = {{"keys", nlohmann::json::array()},
                          {"rotations", nlohmann::json::array()}};
      std::string human;
      for (const auto& k : list) {
        j["keys"].push_back({{"name", k.name},
                             {"version", k.version},
                             {"state", k.state},
                             {"created_at", FormatRfc3339(k.created_at)}});
        human += fmt::format("{:<24} v{:<3} {:<9} {}\n", k.name, k.version, k.state,
                             FormatRfc3339(k.created_at));
      }
      for (const auto& r : running) {
        j["rotations"].push_back({{"resource", r.Text(0)},
                                  {"version", r.Int(1)},
                                  {"table", r.Text(2)},
                                  {"last_id", r.Int(3)},
                                  {"state", r.Text(4)}});
        if (r.Text(4) == "running")
          human += fmt::format("rotation of {} to v{} unfinished: {} done up to id {}\n", r.Text(0),
                               r.Int(1), r.Text(2), r.Int(3));
      }
      if (list.empty()) human = "no data keys yet\n";
      Emit(g, j, human);
    });
  });

  auto* rotate = keys->add_subcommand(
      "rotate", "Make a new data key version and re-encrypt the resource (resumes if unfinished)");
  auto rcode = std::make_shared<std::string>();
  rotate->add_option("--resource", *rcode, "Resource code")->required();
  rotate->callback([&g, exit_code, rcode] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      auto r = ValueOrThrow(p->catalogue().GetResource(*rcode));
      ingest::Ingester ing(p->store(), p->standards(), p->catalogue(), &p->keys());
      auto where = ValueOrThrow(ing.SealedColumnsOf(r));
      security::KeyRotation rot(p->store(), p->keys(), r.code, where);
      int64_t last_print = 0;
      Status s = rot.RunToCompletion([&](const security::RotationProgress& pr) {
        int64_t now = NowMillis();
        if (g.json || now - last_print < 1000) return;
        last_print = now;
        std::cerr << fmt::format("  {} → v{}: {} up to id {}, {} values re-sealed\n", r.code,
                                 pr.target_version, pr.table, pr.last_id, pr.values_resealed);
      });
      auto pr = rot.progress();
      audit::AuditEvent ev;
      ev.actor = "cli";
      ev.role = "platform_admin";
      ev.action = "key_change";
      ev.resource = r.code;
      ev.record_count = pr.values_resealed;
      ev.result = s.ok() ? "ok" : "error";
      ev.detail = {
          {"rotation_to", pr.target_version}, {"resumed", pr.resumed}, {"passes", pr.passes}};
      (void)p->audit().Append(ev);
      ThrowIfError(s);
      nlohmann::json j = {{"resource", r.code},
                          {"version", pr.target_version},
                          {"resumed", pr.resumed},
                          {"values_resealed", pr.values_resealed},
                          {"rows_scanned", pr.rows_scanned},
                          {"passes", pr.passes},
                          {"done", pr.done}};
      Emit(
          g, j,
          fmt::format("{}: now on key version {} ({} values re-sealed in {} rows, {} pass(es){})\n",
                      r.code, pr.target_version, pr.values_resealed, pr.rows_scanned, pr.passes,
                      pr.resumed ? ", resumed" : ""));
    });
  });
}

}  // namespace yishu::cli

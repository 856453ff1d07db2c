#include <fmt/format.h>

#include <iostream>

#include "cli/cli.hpp"
#include "common/time.hpp"

namespace yishu::cli {

void AddAuditCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* audit_cmd = app.add_subcommand("audit", "The tamper-evident audit trail");
  audit_cmd->require_subcommand(1);

  auto* verify = audit_cmd->add_subcommand(
      "verify", "Check the whole chain and every signature; exit 7 naming the first bad entry");
  verify->callback([&g, exit_code] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      if (g.json) {
        audit::VerifyReport report;
        Status s = p->audit().Verify(&report);
        auto j = report.ToJson();
        j["intact"] = s.ok();
        if (!s.ok()) j["message"] = s.message();
        std::cout << j.dump(2) << "\n";
        if (!s.ok()) {
          std::cerr << "yishu: " << s.message() << "\n";
          *exit_code = ExitCodeFor(s);
        }
        return;
      }
      Status s = audit::VerifyAndReport(p->audit(), std::cout);
      if (!s.ok()) {
        std::cerr << "yishu: " << s.message() << "\n";
        *exit_code = ExitCodeFor(s);
      }
    });
  });

  auto* search = audit_cmd->add_subcommand("search", "Search events (newest first)");
  auto q = std::make_shared<audit::AuditQuery>();
  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  search->add_option("--actor", q->actor);
  search->add_option("--resource", q->resource);
  search->add_option("--action", q->action);
  search->add_option("--result", q->result);
  search->add_option("--from", *from, "RFC 3339 time");
  search->add_option("--to", *to, "RFC 3339 time");
  search->add_option("--limit", q->limit, "at most this many (1-1000)");
  search->callback([&g, exit_code, q, from, to] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      for (auto [text, slot] :
           {std::pair{from.get(), &q->from_millis}, {to.get(), &q->to_millis}}) {
        if (text->empty()) continue;
        auto t = ParseRfc3339(*text);
        if (!t) throw Error(Status::InvalidArgument("'" + *text + "' is not an RFC 3339 time"));
        *slot = *t;
      }
      nlohmann::json items = nlohmann::json::array();
      std::string human;
      for (const auto& s : ValueOrThrow(p->audit().Search(*q))) {
        const auto& e = s.event;
        items.push_back({{"seq", s.seq},
                         {"at", FormatRfc3339(e.at_millis)},
                         {"actor", e.actor},
                         {"role", e.role},
                         {"action", e.action},
                         {"resource", e.resource},
                         {"result", e.result},
                         {"client", e.client}});
        human += fmt::format("{:>8} {} {:<16} {:<20} {:<24} {}\n", s.seq,
                             FormatRfc3339(e.at_millis), e.actor, e.action, e.resource, e.result);
      }
      Emit(g, {{"items", items}}, human);
    });
  });

  auto* key =
      audit_cmd->add_subcommand("public-key", "Print the SM2 public key that signs checkpoints");
  key->callback([&g, exit_code] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      auto hex = ValueOrThrow(p->audit().PublicKeyHex());
      auto pem = ValueOrThrow(p->audit().PublicKeyPem());
      Emit(g, {{"public_key_hex", hex}, {"public_key_pem", pem}}, pem);
    });
  });
}

}  // namespace yishu::cli

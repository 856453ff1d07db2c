// `yishu quality …`: field profiles, scores and their trend, the cross-source check,
// re-validation of the quarantine, tickets of the closed loop, OpenLineage events of a batch.
#include <fmt/format.h>

#include <cstdlib>

#include "cli/cli.hpp"
#include "quality/quality.hpp"

namespace yishu::cli {

namespace {

std::string Score(const nlohmann::json& v) {
  return v.is_null() ? "   -  " : fmt::format("{:6.4f}", v.get<double>());
}

std::string ScoresLine(const nlohmann::json& s) {
  return fmt::format(
      "completeness {}  conformity {}  accuracy {}  consistency {}  timeliness {}  "
      "accessibility {}  closed-loop {}  overall {}",
      Score(s["completeness"]), Score(s["conformity"]), Score(s["accuracy"]),
      Score(s["consistency"]), Score(s["timeliness"]), Score(s["accessibility"]),
      Score(s["closed_loop"]), Score(s["overall"]));
}

std::string TicketLine(const nlohmann::json& t) {
  return fmt::format("#{} [{}] {} {}{}\n", t["id"].get<int64_t>(), t["status"].get<std::string>(),
                     t["department"].get<std::string>(), t["title"].get<std::string>(),
                     t["overdue"].get<bool>() ? "  (overdue)" : "");
}

}  // namespace

void AddQualityCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "quality", "Data quality: profiles, GB/T 36344 scores, tickets of the closed loop");
  cmd->require_subcommand(1);

  {
    auto* c = cmd->add_subcommand("profile", "Profile a resource's fields (or one batch's rows)");
    auto resource = std::make_shared<std::string>();
    auto batch = std::make_shared<int64_t>(0);
    c->add_option("--resource", *resource, "Catalogue code")->required();
    c->add_option("--batch", *batch, "Only the rows this batch wrote");
    c->callback([&g, exit_code, resource, batch] {
      Run(g, exit_code, [&] {
        auto p = OpenPlatform(g);
        auto j = ValueOrThrow(p->quality().Profile(*resource, *batch));
        audit::AuditEvent ev;
        ev.actor = CliActor();
        ev.action = "read";
        ev.resource = *resource;
        ev.purpose = "quality profile";
        ev.record_count = j["rows"].get<int64_t>();
        ev.detail = {{"view", "profile"}, {"batch", *batch}};
        ThrowIfError(p->AuditedTransact(ev, [](store::Connection&) { return Status::Ok(); }));
        std::string human = fmt::format("{}: {} rows\n", *resource, j["rows"].get<int64_t>());
        for (const auto& f : j["fields"]) {
          human += fmt::format("  {:<18} null {:5.1f}%  distinct {}", f["name"].get<std::string>(),
                               f["null_rate"].get<double>() * 100,
                               f["distinct"].is_null() ? "-" : f["distinct"].dump());
          if (f["sealed"].get<bool>()) {
            human += "  (sealed)\n";
            continue;
          }
          if (!f["patterns"].empty())
            human += "  shape " + f["patterns"][0]["pattern"].get<std::string>();
          if (!f["top_values"].empty())
            human += "  top " + f["top_values"][0]["value"].get<std::string>();
          human += "\n";
        }
        Emit(g, j, human);
      });
    });
  }

  {
    auto* c = cmd->add_subcommand(
        "scores", "A resource's scores now and per batch; without --resource, per department");
    auto resource = std::make_shared<std::string>();
    auto department = std::make_shared<std::string>();
    c->add_option("--resource", *resource, "Catalogue code");
    c->add_option("--department", *department, "Only this department (without --resource)");
    c->callback([&g, exit_code, resource, department] {
      Run(g, exit_code, [&] {
        auto p = OpenPlatform(g);
        if (resource->empty()) {
          auto j = ValueOrThrow(p->quality().DepartmentScores(*department));
          std::string human;
          for (const auto& d : j["items"])
            human += fmt::format(
                "{:<8} overall {}  closed-loop {}  tickets {} ({} unresolved, {} "
                "overdue)\n",
                d["department"].get<std::string>(), Score(d["overall"]), Score(d["closed_loop"]),
                d["tickets"]["tickets"].dump(), d["tickets"]["unresolved"].dump(),
                d["tickets"]["overdue"].dump());
          Emit(g, j, human);
          return;
        }
        auto now = quality::ToJson(ValueOrThrow(p->quality().ResourceScores(*resource)));
        auto trend = ValueOrThrow(p->quality().Trend(*resource));
        std::string human = *resource + " now:\n  " + ScoresLine(now) + "\nper batch:\n";
        for (const auto& t : trend["items"])
          human += fmt::format("  batch {:<6} {}\n", t["batch_id"].get<int64_t>(), ScoresLine(t));
        Emit(g, {{"resource", *resource}, {"scores", now}, {"trend", trend["items"]}}, human);
      });
    });
  }

  {
    auto* c = cmd->add_subcommand("tickets", "List quality tickets, newest first");
    auto q = std::make_shared<quality::TicketQuery>();
    c->add_option("--department", q->department, "Provider department");
    c->add_option("--resource", q->resource, "Resource code");
    c->add_option("--status", q->status, "open, acknowledged, fixed, verified, closed")
        ->check(CLI::IsMember({"open", "acknowledged", "fixed", "verified", "closed"}));
    c->add_option("--page", q->page, "Page (from 1)")->check(CLI::PositiveNumber);
    c->add_option("--page-size", q->page_size, "Tickets per page")->check(CLI::Range(1, 1000));
    c->callback([&g, exit_code, q] {
      Run(g, exit_code, [&] {
        auto p = OpenPlatform(g);
        auto j = ValueOrThrow(p->quality().ListTickets(*q));
        std::string human = fmt::format("{} tickets\n", j["total"].get<int64_t>());
        for (const auto& t : j["items"]) human += TicketLine(t);
        Emit(g, j, human);
      });
    });
  }

  {
    auto* c = cmd->add_subcommand(
        "ticket", "Show a ticket, or move it: acknowledge, fix, close, reopen (audited)");
    auto id = std::make_shared<int64_t>(0);
    auto action = std::make_shared<std::string>();
    auto note = std::make_shared<std::string>();
    c->add_option("id", *id, "Ticket id")->required();
    c->add_option("action", *action, "acknowledge | fix | close | reopen")
        ->check(CLI::IsMember({"acknowledge", "fix", "close", "reopen"}));
    c->add_option("--note", *note, "Why (kept on the ticket)");
    c->callback([&g, exit_code, id, action, note] {
      Run(g, exit_code, [&] {
        auto p = OpenPlatform(g);
        auto t = ValueOrThrow(p->quality().GetTicket(*id));
        if (!action->empty()) {
          audit::AuditEvent ev;
          ev.actor = CliActor();
          ev.action = "quality.ticket." + *action;
          ev.resource = t["resource"].get<std::string>();
          ev.detail = {{"ticket", *id}, {"from", t["status"]}, {"note", *note}};
          ThrowIfError(p->AuditedTransact(ev, [&](store::Connection& tx) -> Status {
            return p->quality()
                .Transition(tx, *id, *quality::ParseTicketAction(*action), ev.actor, *note)
                .status();
          }));
          t = ValueOrThrow(p->quality().GetTicket(*id));
        }
        std::string human = TicketLine(t);
        for (const auto& h : t["history"])
          human += fmt::format("  {} {} {} → {} {}\n", h["at"].get<std::string>(),
                               h["actor"].get<std::string>(), h["from"].get<std::string>(),
                               h["to"].get<std::string>(), h["note"].get<std::string>());
        Emit(g, t, human);
      });
    });
  }

  {
    auto* c = cmd->add_subcommand(
        "consistency", "Compare copies with their authoritative source (一数一源); raise tickets");
    auto resource = std::make_shared<std::string>();
    c->add_option("--resource", *resource, "Only pairs with this resource on either side");
    c->callback([&g, exit_code, resource] {
      Run(g, exit_code, [&] {
        auto p = OpenPlatform(g);
        auto j = ValueOrThrow(p->quality().CheckConsistency(*resource, CliActor()));
        audit::AuditEvent ev;
        ev.actor = CliActor();
        ev.action = "quality.consistency";
        ev.resource = *resource;
        ev.detail = {{"pairs", j["pairs"].size()}};
        ThrowIfError(p->AuditedTransact(ev, [](store::Connection&) { return Status::Ok(); }));
        std::string human;
        for (const auto& x : j["pairs"])
          human += fmt::format("{}.{} vs authoritative {}.{}: {} compared, {} disagree\n",
                               x["copy"]["resource"].get<std::string>(),
                               x["copy"]["field"].get<std::string>(),
                               x["authoritative"]["resource"].get<std::string>(),
                               x["authoritative"]["field"].get<std::string>(),
                               x["compared"].get<int64_t>(), x["disagreeing"].get<int64_t>());
        for (const auto& x : j["pairs"])
          if (x.contains("suspect_binding"))
            human += fmt::format(
                "  {}.{}: {} (no ticket)\n", x["copy"]["resource"].get<std::string>(),
                x["copy"]["field"].get<std::string>(), x["suspect_binding"].get<std::string>());
        for (const auto& x : j["skipped"])
          human +=
              fmt::format("skipped {} vs {}: {}\n", x["copy"].get<std::string>(),
                          x["authoritative"].get<std::string>(), x["reason"].get<std::string>());
        Emit(g, j, human);
      });
    });
  }

  {
    auto* c = cmd->add_subcommand(
        "revalidate", "Re-read a resource's quarantined rows; release those that now pass");
    auto resource = std::make_shared<std::string>();
    c->add_option("--resource", *resource, "Catalogue code")->required();
    c->callback([&g, exit_code, resource] {
      Run(g, exit_code, [&] {
        auto p = OpenPlatform(g);
        auto s = ValueOrThrow(p->quality().Revalidate(*resource, CliActor()));
        audit::AuditEvent ev;
        ev.actor = CliActor();
        ev.action = "quality.revalidate";
        ev.resource = *resource;
        ev.record_count = s.released;
        ev.detail = quality::ToJson(s);
        ThrowIfError(p->AuditedTransact(ev, [](store::Connection&) { return Status::Ok(); }));
        Emit(g, quality::ToJson(s),
             fmt::format("{}: examined {}, released {}, superseded {}, still failing {}\n",
                         *resource, s.examined, s.released, s.superseded, s.still_failing));
      });
    });
  }

  {
    auto* c = cmd->add_subcommand("lineage", "A batch's OpenLineage RunEvents (JSON Lines)");
    auto batch = std::make_shared<int64_t>(0);
    c->add_option("--batch", *batch, "Batch id")->required();
    c->callback([&g, exit_code, batch] {
      Run(g, exit_code, [&] {
        auto p = OpenPlatform(g);
        auto j = ValueOrThrow(p->quality().LineageEvents(*batch));
        std::string human;
        for (const auto& e : j["items"]) human += e.dump() + "\n";
        Emit(g, j, human);
      });
    });
  }
}

}  // namespace yishu::cli

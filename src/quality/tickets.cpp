// Tickets of the closed loop (闭环): a quality problem addressed to the providing department.
//
//   open ──acknowledge──▶ acknowledged ──fix──▶ fixed ──(next batch without it)──▶ verified
//     ▲                                           │                                   │
//     └────────(next batch still has it)──────────┘                         close ──▶ closed
//
// The platform raises tickets from each batch's quarantine (one per resource, rule and field;
// a problem already ticketed and not closed updates that ticket) and from the cross-source
// check (one per disagreeing copy, addressed to the copy's department). The department
// acknowledges and fixes; the next batch verifies (or reopens); a platform operator closes.
// Every transition is a row of quality_ticket_events and an audit event in one transaction.
#include <fmt/format.h>

#include "common/time.hpp"
#include "quality/internal.hpp"

namespace yishu::quality {

namespace {

constexpr int64_t kDayMs = 86400 * 1000LL;

nlohmann::json TicketJson(const store::Row& r) {
  const int64_t now = NowMillis();
  const std::string status = r["status"].AsText();
  const bool resolved = status == "verified" || status == "closed";
  auto detail = nlohmann::json::parse(r["detail"].AsText("{}"), nullptr, false);
  return {{"id", r["id"].AsInt()},
          {"department", r["department"].AsText()},
          {"resource", r["resource"].AsText()},
          {"kind", r["kind"].AsText()},
          {"rule", r["rule"].AsText()},
          {"field", r["field"].AsText()},
          {"title", r["title"].AsText()},
          {"status", status},
          {"occurrences", r["occurrences"].AsInt()},
          {"first_batch", r["first_batch"].AsInt()},
          {"last_batch", r["last_batch"].AsInt()},
          {"verified_batch", r["verified_batch"].AsInt()},
          {"opened_at", FormatRfc3339(r["opened_ms"].AsInt())},
          {"updated_at", FormatRfc3339(r["updated_ms"].AsInt())},
          {"due_at", FormatRfc3339(r["due_ms"].AsInt())},
          {"overdue", !resolved && now > r["due_ms"].AsInt()},
          {"age_days", (now - r["opened_ms"].AsInt()) / static_cast<double>(kDayMs)},
          {"detail", detail.is_discarded() ? nlohmann::json::object() : detail}};
}

}  // namespace

Status Quality::RecordTransition(store::Connection& tx, int64_t ticket, const std::string& from,
                                 const std::string& to, const std::string& actor,
                                 const std::string& note, const std::string& department,
                                 const std::string& resource, bool audit) {
  YISHU_RETURN_IF_ERROR(tx.Exec("INSERT INTO quality_ticket_events (ticket_id, at_ms, actor, "
                                "from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?)",
                                {ticket, NowMillis(), actor, from, to, note})
                            .status());
  if (!audit || !audit_) return Status::Ok();
  // Transitions the platform makes by itself; a person's transition is audited by the caller
  // (with who and from where) in this same transaction.
  audit::AuditEvent ev;
  ev.actor = actor;
  ev.action = "quality.ticket." + (to == "open" && !from.empty() ? std::string("reopen") : to);
  ev.resource = resource;
  ev.detail = {
      {"ticket", ticket}, {"from", from}, {"to", to}, {"department", department}, {"note", note}};
  return audit_->Append(tx, ev).status();
}

Status Quality::RaiseTicket(store::Connection& tx, const std::string& department,
                            const std::string& resource, const std::string& kind,
                            const std::string& rule, const std::string& field,
                            const std::string& title, int64_t occurrences, int64_t batch_id,
                            const nlohmann::json& detail) {
  const int64_t now = NowMillis();
  YISHU_ASSIGN_OR_RETURN(
      auto existing, tx.Query("SELECT id, status FROM quality_tickets WHERE resource = ? AND kind "
                              "= ? AND rule = ? AND field = ? AND status <> 'closed' ORDER BY id "
                              "DESC LIMIT 1",
                              {resource, kind, rule, field}));
  const std::string text = detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (existing.empty()) {
    YISHU_ASSIGN_OR_RETURN(
        int64_t id,
        tx.InsertReturningId(
            "INSERT INTO quality_tickets (department, resource, kind, rule, field, title, status, "
            "occurrences, first_batch, last_batch, opened_ms, updated_ms, due_ms, detail) VALUES "
            "(?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            {department, resource, kind, rule, field, title, occurrences, batch_id, batch_id, now,
             now, now + options_.ticket_due_days * kDayMs, text}));
    return RecordTransition(tx, id, "", "open", "system",
                            batch_id ? fmt::format("raised by batch {}", batch_id) : "raised",
                            department, resource, true);
  }
  const int64_t id = existing[0].Int(0);
  const std::string status = existing[0].Text(1);
  // A problem said to be fixed (or verified) that comes back is open again.
  const bool reopen = status == "fixed" || status == "verified";
  YISHU_RETURN_IF_ERROR(tx.Exec("UPDATE quality_tickets SET occurrences = ?, last_batch = ?, "
                                "updated_ms = ?, title = ?, detail = ? WHERE id = ?",
                                {occurrences, batch_id, now, title, text, id})
                            .status());
  if (!reopen) return Status::Ok();
  YISHU_RETURN_IF_ERROR(tx.Exec("UPDATE quality_tickets SET status = 'open', verified_batch = 0 "
                                "WHERE id = ?",
                                {id})
                            .status());
  return RecordTransition(
      tx, id, status, "open", "system",
      fmt::format("not resolved: batch {} still has {} rows", batch_id, occurrences), department,
      resource, true);
}

Status Quality::UpdateTicketsForBatch(const ingest::BatchResult& b, const QuarantineTally& tally) {
  YISHU_ASSIGN_OR_RETURN(auto res, catalogue_.GetResource(b.resource));
  return store_.Transact([&](store::Connection& tx) -> Status {
    for (const auto& [key, problem] : tally.problems) {
      const auto& [rule, field] = key;
      std::string where = field.empty() ? res.code : res.code + "." + field;
      std::string title = fmt::format("{}: {} rows fail '{}' in batch {} ({})", where, problem.rows,
                                      rule, b.batch_id, b.file);
      nlohmann::json detail = {{"message", problem.message},
                               {"example_lines", problem.example_lines},
                               {"batch", b.batch_id},
                               {"file", b.file},
                               {"dimension", std::string(DimensionOf(rule))}};
      YISHU_RETURN_IF_ERROR(RaiseTicket(tx, res.department, res.code, "quarantine", rule, field,
                                        title, problem.rows, b.batch_id, detail));
    }
    // A fixed problem this batch no longer shows is verified by it.
    YISHU_ASSIGN_OR_RETURN(auto fixed, tx.Query("SELECT id, rule, field FROM quality_tickets "
                                                "WHERE resource = ? AND kind = 'quarantine' AND "
                                                "status = 'fixed'",
                                                {res.code}));
    for (const auto& t : fixed) {
      if (tally.problems.count({t.Text(1), t.Text(2)})) continue;  // reopened above
      YISHU_RETURN_IF_ERROR(tx.Exec("UPDATE quality_tickets SET status = 'verified', "
                                    "verified_batch = ?, occurrences = 0, updated_ms = ? WHERE "
                                    "id = ?",
                                    {b.batch_id, NowMillis(), t.Int(0)})
                                .status());
      YISHU_RETURN_IF_ERROR(
          RecordTransition(tx, t.Int(0), "fixed", "verified", "system",
                           fmt::format("batch {} ({}) has no such row", b.batch_id, b.file),
                           res.department, res.code, true));
    }
    return Status::Ok();
  });
}

Result<nlohmann::json> Quality::ListTickets(const TicketQuery& q) {
  std::string where = " WHERE 1 = 1";
  store::Params p;
  if (!q.department.empty()) where += " AND department = ?", p.emplace_back(q.department);
  if (!q.resource.empty()) where += " AND resource = ?", p.emplace_back(q.resource);
  if (!q.status.empty()) where += " AND status = ?", p.emplace_back(q.status);
  YISHU_ASSIGN_OR_RETURN(
      auto page, store_.QueryPage("SELECT *", "FROM quality_tickets" + where, p, "ORDER BY id DESC",
                                  q.page_size, (q.page - 1) * q.page_size));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : page.rows) items.push_back(TicketJson(r));
  return nlohmann::json{
      {"items", items}, {"total", page.total}, {"page", q.page}, {"page_size", q.page_size}};
}

Result<nlohmann::json> Quality::GetTicket(int64_t id) {
  auto row = store_.QueryOne("SELECT * FROM quality_tickets WHERE id = ?", {id});
  if (!row.ok()) {
    if (row.status().code() == ErrorCode::kNotFound)
      return Status::NotFound(fmt::format("ticket {} does not exist", id));
    return row.status();
  }
  auto j = TicketJson(*row);
  YISHU_ASSIGN_OR_RETURN(auto events, store_.Query("SELECT at_ms, actor, from_status, to_status, "
                                                   "note FROM quality_ticket_events WHERE "
                                                   "ticket_id = ? ORDER BY id",
                                                   {id}));
  nlohmann::json history = nlohmann::json::array();
  for (const auto& e : events)
    history.push_back({{"at", FormatRfc3339(e.Int(0))},
                       {"actor", e.Text(1)},
                       {"from", e.Text(2)},
                       {"to", e.Text(3)},
                       {"note", e.Text(4)}});
  j["history"] = history;
  return j;
}

Result<nlohmann::json> Quality::Transition(store::Connection& tx, int64_t id, TicketAction action,
                                           const std::string& actor, const std::string& note) {
  auto row = tx.QueryOne("SELECT * FROM quality_tickets WHERE id = ?", {id});
  if (!row.ok()) {
    if (row.status().code() == ErrorCode::kNotFound)
      return Status::NotFound(fmt::format("ticket {} does not exist", id));
    return row.status();
  }
  const std::string from = (*row)["status"].AsText();
  std::string to;
  std::vector<std::string> allowed;
  switch (action) {
    case TicketAction::kAcknowledge:
      allowed = {"open"}, to = "acknowledged";
      break;
    case TicketAction::kFix:
      allowed = {"acknowledged"}, to = "fixed";
      break;
    case TicketAction::kClose:
      allowed = {"verified"}, to = "closed";
      break;
    case TicketAction::kReopen:
      allowed = {"fixed", "verified", "closed"}, to = "open";
      break;
  }
  if (std::find(allowed.begin(), allowed.end(), from) == allowed.end())
    return Status::FailedPrecondition(fmt::format("ticket {} is {}: it can become {} only from {}",
                                                  id, from, to, fmt::join(allowed, " or ")));
  const int64_t now = NowMillis();
  YISHU_ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Exec("UPDATE quality_tickets SET status = ?, updated_ms = ?, closed_ms = ? WHERE id = ? "
              "AND status = ?",
              {to, now, to == "closed" ? now : int64_t{0}, id, from}));
  if (changed != 1)
    return Status::Conflict(fmt::format("ticket {} changed meanwhile; read it again", id));
  YISHU_RETURN_IF_ERROR(RecordTransition(tx, id, from, to, actor, note,
                                         (*row)["department"].AsText(), (*row)["resource"].AsText(),
                                         false));
  YISHU_ASSIGN_OR_RETURN(auto updated,
                         tx.QueryOne("SELECT * FROM quality_tickets WHERE id = ?", {id}));
  return TicketJson(updated);
}

}  // namespace yishu::quality

// Quality routes: scores and their trend, field profiles, OpenLineage events of a batch, the
// cross-source check, re-validation of the quarantine, and the tickets of the closed loop.
// Reading is for the government roles of the providing department (platform admins and
// security auditors see every department); a department's steward acknowledges and fixes its
// tickets; platform admins close or reopen them and run the cross-source check.
#include <fmt/format.h>

#include "common/json_reader.hpp"
#include "common/strings.hpp"
#include "common/time.hpp"
#include "quality/quality.hpp"
#include "server/api.hpp"

namespace yishu::server {

using identity::Role;

namespace {

const std::set<Role> kReaders = {Role::kPlatformAdmin, Role::kDeptSteward, Role::kDeptUser,
                                 Role::kSecurityAuditor};

std::string DepartmentOfResource(platform::Platform& p, const std::string& code) {
  return ValueOrThrow(p.catalogue().GetResource(code)).department;
}

std::string QueryText(const Call& call, const char* name) {
  auto* v = call.request.Query(name);
  return v ? *v : std::string();
}

// {"note": "..."}, or no body at all.
std::string NoteFromBody(const Call& call) {
  if (call.request.body.empty()) return "";
  auto body = api::BodyJson(call);
  if (!body.is_object()) throw Error(Status::InvalidArgument("the body must be a JSON object"));
  JsonReader r(body, "");
  std::string note = r.String("note", false);
  ThrowIfError(r.Finish());
  if (note.size() > 4000) throw Error(Status::InvalidArgument("note is longer than 4000 bytes"));
  return note;
}

std::string BatchResource(platform::Platform& p, int64_t id) {
  auto row = p.store().QueryOne("SELECT resource FROM ingest_batches WHERE id = ?", {id});
  if (!row.ok()) {
    if (row.status().code() == ErrorCode::kNotFound)
      throw Error(Status::NotFound(fmt::format("batch {} does not exist", id)));
    throw Error(row.status());
  }
  return row->Text(0);
}

// A resource's lineage, read from what each stage records: the delivered files (ingest
// batches) → the resource → its consumers: the base-library runs whose golden records hold its
// records (and the attributes they take from it), the sharing grants on it with their calls.
nlohmann::json ResourceLineage(platform::Platform& p, const catalogue::Resource& res,
                               int64_t batch_limit) {
  auto& st = p.store();
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& r : ValueOrThrow(
           st.Query("SELECT id, file_name, status, accepted, quarantined, received_at, mode FROM "
                    "ingest_batches WHERE resource = ? ORDER BY id DESC LIMIT ?",
                    {res.code, batch_limit})))
    sources.push_back({{"batch", r.Int(0)},
                       {"file", r.Text(1)},
                       {"status", r.Text(2)},
                       {"accepted", r.Int(3)},
                       {"quarantined", r.Int(4)},
                       {"received_at", r.Text(5)},
                       {"mode", r.Text(6)}});
  auto totals = ValueOrThrow(st.QueryOne(
      "SELECT COUNT(*), CAST(COALESCE(SUM(accepted), 0) AS BIGINT) FROM ingest_batches WHERE "
      "resource = ?",
      {res.code}));

  nlohmann::json base = nlohmann::json::array();
  if (res.subject == "person" || res.subject == "legal_entity") {
    auto m = ValueOrThrow(st.QueryOne(
        "SELECT COUNT(*), COUNT(DISTINCT golden_id) FROM md_members WHERE subject = ? AND "
        "resource = ?",
        {res.subject, res.code}));
    auto attrs = ValueOrThrow(
        st.QueryOne("SELECT COUNT(*) FROM md_attrs a JOIN md_golden g ON g.id = a.golden_id WHERE "
                    "a.resource = ? AND g.status = 'active'",
                    {res.code}));
    auto runs = ValueOrThrow(st.Query(
        "SELECT id, mode, started_ms FROM md_runs WHERE subject = ? ORDER BY id DESC LIMIT 1",
        {res.subject}));
    if (!runs.empty() || m.Int(0) > 0)
      base.push_back(
          {{"subject", res.subject},
           {"run_id", runs.empty() ? nlohmann::json() : nlohmann::json(runs[0].Int(0))},
           {"mode", runs.empty() ? nlohmann::json() : nlohmann::json(runs[0].Text(1))},
           {"at", runs.empty() ? nlohmann::json() : nlohmann::json(FormatRfc3339(runs[0].Int(2)))},
           {"records", m.Int(0)},
           {"golden", m.Int(1)},
           {"attributes", attrs.Int(0)}});
  }

  nlohmann::json grants = nlohmann::json::array();
  for (const auto& r : ValueOrThrow(st.Query(
           "SELECT g.id, g.consumer, g.status, g.created_at, g.expires_at, "
           "CAST(COALESCE(SUM(u.calls), 0) AS BIGINT), CAST(COALESCE(SUM(u.records), 0) AS "
           "BIGINT), MAX(u.day) FROM share_grants g LEFT JOIN share_usage u ON u.grant_id = g.id "
           "WHERE g.resource = ? GROUP BY g.id, g.consumer, g.status, g.created_at, g.expires_at "
           "ORDER BY g.id DESC LIMIT 100",
           {res.code})))
    grants.push_back({{"grant", r.Int(0)},
                      {"consumer", r.Text(1)},
                      {"status", r.Text(2)},
                      {"created_at", FormatRfc3339(r.Int(3))},
                      {"expires_at", FormatRfc3339(r.Int(4))},
                      {"calls", r.Int(5)},
                      {"records", r.Int(6)},
                      {"last_day", r.IsNull(7) ? nlohmann::json() : nlohmann::json(r.Text(7))}});

  return {{"resource",
           {{"code", res.code},
            {"name", res.name},
            {"department", res.department},
            {"subject", res.subject}}},
          {"sources", sources},
          {"batches", totals.Int(0)},
          {"records", totals.Int(1)},
          {"consumers", {{"base_libraries", base}, {"grants", grants}}}};
}

void AddTicketTransition(Router& router, platform::Platform& p, const char* verb,
                         quality::TicketAction action, std::set<Role> roles, const char* summary) {
  router.Add({"POST",
              std::string("/api/v1/quality/tickets/{id}/") + verb,
              false,
              std::move(roles),
              {summary, "quality", {}, true, "optional {\"note\": \"...\"}"},
              [&p, action, verb](Call& call) {
                const int64_t id = api::PathId(call, "id");
                auto ticket = ValueOrThrow(p.quality().GetTicket(id));
                const std::string department = ticket["department"].get<std::string>();
                api::RequireDepartment(call, department);
                const std::string note = NoteFromBody(call);
                auto ev = api::EventFor(call, std::string("quality.ticket.") + verb,
                                        ticket["resource"].get<std::string>());
                ev.detail = {{"ticket", id},
                             {"from", ticket["status"]},
                             {"department", department},
                             {"note", note}};
                nlohmann::json updated;
                ThrowIfError(p.AuditedTransact(ev, [&](store::Connection& tx) -> Status {
                  YISHU_ASSIGN_OR_RETURN(
                      updated,
                      p.quality().Transition(tx, id, action, call.principal->username, note));
                  return Status::Ok();
                }));
                return Response::Json(updated);
              }});
}

}  // namespace

void RegisterQualityRoutes(Router& router, platform::Platform& p) {
  router.Add({"GET",
              "/api/v1/resources/{code}/lineage",
              false,
              kReaders,
              {"A resource's lineage: delivered files (batches, newest first) → the resource → "
               "its consumers (base-library golden records built from it, sharing grants with "
               "their calls); the providing department's readers",
               "quality",
               {{"batches", "how many of the newest batches to list, 1-100 (default 20)"}}},
              [&p](Call& call) {
                auto res = ValueOrThrow(p.catalogue().GetResource(call.request.Param("code")));
                api::RequireReader(call, res.department);
                int64_t limit = 20;
                if (auto* b = call.request.Query("batches"))
                  if (!ParseInt64(*b, &limit) || limit < 1 || limit > 100)
                    throw Error(Status::InvalidArgument("batches must be from 1 to 100"));
                auto out = ResourceLineage(p, res, limit);
                auto ev = api::EventFor(call, "read", res.code);
                ev.detail = {{"view", "lineage"}};
                ThrowIfError(
                    p.AuditedTransact(ev, [](store::Connection&) { return Status::Ok(); }));
                return Response::Json(out);
              }});
  router.Add({"GET",
              "/api/v1/resources/{code}/quality",
              false,
              kReaders,
              {"A resource's scores on the GB/T 36344 dimensions now, and per batch (the trend)",
               "quality",
               {{"limit", "batches in the trend (1-500, default 50)"}}},
              [&p](Call& call) {
                const std::string& code = call.request.Param("code");
                api::RequireReader(call, DepartmentOfResource(p, code));
                int64_t limit = 50;
                if (auto* l = call.request.Query("limit"))
                  if (!ParseInt64(*l, &limit) || limit < 1 || limit > 500)
                    throw Error(Status::InvalidArgument("limit must be a whole number 1-500"));
                auto scores = ValueOrThrow(p.quality().ResourceScores(code));
                auto trend = ValueOrThrow(p.quality().Trend(code, limit));
                return Response::Json({{"resource", code},
                                       {"scores", quality::ToJson(scores)},
                                       {"trend", trend["items"]}});
              }});

  router.Add({"GET",
              "/api/v1/resources/{code}/profile",
              false,
              kReaders,
              {"Field profiles: null rate, distinct count, top values, patterns, min/max, "
               "lengths (sealed fields: counts and blind-index distincts only)",
               "quality",
               {{"batch", "profile only the rows this batch wrote (default: the whole resource)"}}},
              [&p](Call& call) {
                const std::string& code = call.request.Param("code");
                api::RequireReader(call, DepartmentOfResource(p, code));
                int64_t batch = 0;
                if (auto* b = call.request.Query("batch"))
                  if (!ParseInt64(*b, &batch) || batch < 0)
                    throw Error(Status::InvalidArgument("batch must be a batch id"));
                auto profile = ValueOrThrow(p.quality().Profile(code, batch));
                // Top values are data: reading them is audited like any read.
                auto ev = api::EventFor(call, "read", code);
                ev.purpose = "quality profile";
                ev.record_count = profile["rows"].get<int64_t>();
                ev.detail = {{"view", "profile"}, {"batch", batch}};
                ThrowIfError(
                    p.AuditedTransact(ev, [](store::Connection&) { return Status::Ok(); }));
                return Response::Json(profile);
              }});

  router.Add({"GET",
              "/api/v1/batches/{id}/quality",
              false,
              kReaders,
              {"A batch's scores on the GB/T 36344 dimensions", "quality"},
              [&p](Call& call) {
                const int64_t id = api::PathId(call, "id");
                api::RequireReader(call, DepartmentOfResource(p, BatchResource(p, id)));
                auto s = quality::ToJson(ValueOrThrow(p.quality().BatchScores(id)));
                s["batch_id"] = id;
                return Response::Json(s);
              }});

  router.Add({"GET",
              "/api/v1/batches/{id}/lineage-events",
              false,
              kReaders,
              {"The batch's OpenLineage RunEvents (START, then COMPLETE or FAIL)", "quality"},
              [&p](Call& call) {
                const int64_t id = api::PathId(call, "id");
                api::RequireReader(call, DepartmentOfResource(p, BatchResource(p, id)));
                return Response::Json(ValueOrThrow(p.quality().LineageEvents(id)));
              }});

  router.Add({"GET",
              "/api/v1/quality/departments",
              false,
              kReaders,
              {"Per department: the mean score of its resources, the closed-loop score and its "
               "tickets by status and age",
               "quality"},
              [&p](Call& call) {
                std::string department;
                if (!api::SeesEveryDepartment(call)) department = call.principal->department;
                return Response::Json(ValueOrThrow(p.quality().DepartmentScores(department)));
              }});

  router.Add({"POST",
              "/api/v1/quality/consistency",
              false,
              {Role::kPlatformAdmin},
              {"Compare every copy of an element with its authoritative source (一数一源) for the "
               "same subjects; disagreements become tickets for the copy's department",
               "quality",
               {{"resource", "only pairs where this resource is either side"}}},
              [&p](Call& call) {
                const std::string resource = QueryText(call, "resource");
                if (!resource.empty()) (void)DepartmentOfResource(p, resource);  // 404 if unknown
                auto report =
                    ValueOrThrow(p.quality().CheckConsistency(resource, call.principal->username));
                auto ev = api::EventFor(call, "quality.consistency", resource);
                int64_t disagreeing = 0;
                for (const auto& pair : report["pairs"])
                  disagreeing += pair["disagreeing"].get<int64_t>();
                ev.detail = {{"pairs", report["pairs"].size()}, {"disagreeing", disagreeing}};
                ThrowIfError(
                    p.AuditedTransact(ev, [](store::Connection&) { return Status::Ok(); }));
                return Response::Json(report);
              }});

  router.Add({"POST",
              "/api/v1/resources/{code}/quarantine/revalidate",
              false,
              {Role::kPlatformAdmin, Role::kDeptSteward},
              {"Read the resource's quarantined rows again with the current rules; release those "
               "that pass, mark those a later delivery replaced as superseded",
               "quality"},
              [&p](Call& call) {
                const std::string& code = call.request.Param("code");
                api::RequireDepartment(call, DepartmentOfResource(p, code));
                auto summary = ValueOrThrow(p.quality().Revalidate(code, call.principal->username));
                auto ev = api::EventFor(call, "quality.revalidate", code);
                ev.record_count = summary.released;
                ev.detail = quality::ToJson(summary);
                ThrowIfError(
                    p.AuditedTransact(ev, [](store::Connection&) { return Status::Ok(); }));
                return Response::Json(quality::ToJson(summary));
              }});

  router.Add({"GET",
              "/api/v1/quality/tickets",
              false,
              kReaders,
              {"Quality tickets, newest first (a department's own unless admin or auditor)",
               "quality",
               {{"department", "provider department"},
                {"resource", "resource code"},
                {"status", "open, acknowledged, fixed, verified, closed"},
                {"page", "page number (from 1)"},
                {"page_size", "tickets per page (1-200)"}}},
              [&p](Call& call) {
                quality::TicketQuery q;
                q.department = QueryText(call, "department");
                q.resource = QueryText(call, "resource");
                q.status = QueryText(call, "status");
                if (!api::SeesEveryDepartment(call)) {
                  if (!q.department.empty() && q.department != call.principal->department)
                    api::RequireDepartment(call, q.department);
                  q.department = call.principal->department;
                }
                api::PageParams(call, &q.page, &q.page_size);
                return Response::Json(ValueOrThrow(p.quality().ListTickets(q)));
              }});

  router.Add({"GET",
              "/api/v1/quality/tickets/{id}",
              false,
              kReaders,
              {"One ticket with its history of transitions", "quality"},
              [&p](Call& call) {
                auto t = ValueOrThrow(p.quality().GetTicket(api::PathId(call, "id")));
                api::RequireReader(call, t["department"].get<std::string>());
                return Response::Json(t);
              }});

  AddTicketTransition(router, p, "acknowledge", quality::TicketAction::kAcknowledge,
                      {Role::kPlatformAdmin, Role::kDeptSteward},
                      "The providing department has seen the ticket (open → acknowledged)");
  AddTicketTransition(router, p, "fix", quality::TicketAction::kFix,
                      {Role::kPlatformAdmin, Role::kDeptSteward},
                      "The department says it is fixed (acknowledged → fixed); the next batch "
                      "verifies it or reopens it");
  AddTicketTransition(router, p, "close", quality::TicketAction::kClose, {Role::kPlatformAdmin},
                      "Close a verified ticket (verified → closed)");
  AddTicketTransition(router, p, "reopen", quality::TicketAction::kReopen, {Role::kPlatformAdmin},
                      "Reopen a fixed, verified or closed ticket (→ open)");
}

}  // namespace yishu::server

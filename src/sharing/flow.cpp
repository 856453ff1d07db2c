// The management side of sharing: applications, approvals, grants, credentials, usage.
#include <algorithm>

#include "common/json_reader.hpp"
#include "common/strings.hpp"
#include "common/thread.hpp"
#include "crypto/sm2.hpp"
#include "crypto/sm3.hpp"
#include "crypto/util.hpp"
#include "sharing/sharing_impl.hpp"

namespace yishu::sharing {

using store::Blob;
using store::Connection;

std::vector<store::Migration> SharingMigrations() {
  return {{"sharing", 1, "applications, grants, credentials, usage, nonces, exports", R"sql(
CREATE TABLE share_applications (
  id {{pk}},
  resource TEXT NOT NULL,
  provider TEXT NOT NULL,
  consumer TEXT NOT NULL,
  applicant TEXT NOT NULL,
  share_type TEXT NOT NULL,
  request TEXT NOT NULL,
  status TEXT NOT NULL,
  decided_by TEXT NOT NULL DEFAULT '',
  decision_note TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  decided_at BIGINT NOT NULL DEFAULT 0,
  grant_id BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX share_applications_consumer ON share_applications(consumer, id);
CREATE INDEX share_applications_provider ON share_applications(provider, status, id);
CREATE TABLE share_grants (
  id {{pk}},
  application_id BIGINT NOT NULL,
  resource TEXT NOT NULL,
  provider TEXT NOT NULL,
  consumer TEXT NOT NULL,
  conditions TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  status TEXT NOT NULL,
  revoked_by TEXT NOT NULL DEFAULT '',
  revoke_reason TEXT NOT NULL DEFAULT '',
  revoked_at BIGINT NOT NULL DEFAULT 0,
  mask_key {{blob}} NOT NULL
);
CREATE INDEX share_grants_consumer ON share_grants(consumer, resource, status);
CREATE INDEX share_grants_provider ON share_grants(provider, status);
CREATE TABLE share_credentials (
  id TEXT PRIMARY KEY,
  department TEXT NOT NULL,
  name TEXT NOT NULL,
  token_sm3 {{blob}} NOT NULL UNIQUE,
  public_key TEXT NOT NULL,
  status TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE share_usage (
  grant_id BIGINT NOT NULL,
  credential TEXT NOT NULL,
  day TEXT NOT NULL,
  calls BIGINT NOT NULL,
  records BIGINT NOT NULL,
  denied BIGINT NOT NULL,
  PRIMARY KEY (grant_id, credential, day)
);
CREATE TABLE share_nonces (
  credential TEXT NOT NULL,
  nonce TEXT NOT NULL,
  at_ms BIGINT NOT NULL,
  PRIMARY KEY (credential, nonce)
);
CREATE TABLE share_exports (
  id {{pk}},
  grant_id BIGINT NOT NULL,
  credential TEXT NOT NULL,
  resource TEXT NOT NULL,
  format TEXT NOT NULL,
  filter TEXT NOT NULL,
  purpose TEXT NOT NULL,
  status TEXT NOT NULL,
  records BIGINT NOT NULL DEFAULT 0,
  sm3 TEXT NOT NULL DEFAULT '',
  content {{blob}},
  error TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL DEFAULT 0
);
)sql"}};
}

// ------------------------------------------------------------------------------------------
// JSON forms

namespace {

nlohmann::json RequestJson(const ApplicationRequest& r) {
  return {{"resource", r.resource},
          {"fields", r.fields},
          {"row_filter", r.row_filter},
          {"purpose", r.purpose},
          {"validity_days", r.validity_days},
          {"daily_quota", r.daily_quota},
          {"exception_reason", r.exception_reason}};
}

Result<std::map<std::string, std::string>> StringMap(const nlohmann::json& j,
                                                     const std::string& path) {
  std::map<std::string, std::string> out;
  if (j.is_null()) return out;
  if (!j.is_object()) return Status::InvalidArgument(path + " must be an object");
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) return Status::InvalidArgument(path + "." + k + " must be a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

nlohmann::json ConditionsJson(const Conditions& c) {
  nlohmann::json fields = nlohmann::json::object();
  for (const auto& [f, m] : c.fields) fields[f] = MaskingName(m);
  return {{"fields", fields},
          {"row_filter", c.row_filter},
          {"purpose", c.purpose},
          {"validity_days", c.validity_days},
          {"daily_quota", c.daily_quota},
          {"rate_per_second", c.rate_per_second},
          {"allow_bearer", c.allow_bearer}};
}

// Applies the keys present in `j` over `c` (strictly).
Status MergeConditions(const nlohmann::json& j, Conditions* c) {
  if (j.is_null()) return Status::Ok();
  if (!j.is_object()) return Status::InvalidArgument("conditions must be an object");
  JsonReader r(j, "conditions");
  // An object {name: masking} or an array of names (masking none).
  static const nlohmann::json kAbsent;
  const auto& fields = j.contains("fields") ? r.Node("fields", true, j["fields"].type()) : kAbsent;
  if (!fields.is_null()) {
    c->fields.clear();
    if (fields.is_array()) {
      for (const auto& f : fields) {
        if (!f.is_string()) return Status::InvalidArgument("conditions.fields[] must be names");
        c->fields[f.get<std::string>()] = Masking::kNone;
      }
    } else if (fields.is_object()) {
      for (const auto& [f, m] : fields.items()) {
        auto parsed = m.is_string() ? ParseMasking(m.get<std::string>()) : std::nullopt;
        if (!parsed)
          return Status::InvalidArgument("conditions.fields." + f +
                                         " must be none, partial, hash or year");
        c->fields[f] = *parsed;
      }
    } else {
      return Status::InvalidArgument("conditions.fields must be an object or an array");
    }
  }
  const auto& rf = r.Node("row_filter", false, nlohmann::json::value_t::object);
  if (!rf.is_null()) {
    YISHU_ASSIGN_OR_RETURN(c->row_filter, StringMap(rf, "conditions.row_filter"));
  }
  if (j.contains("purpose")) c->purpose = r.String("purpose", true);
  if (j.contains("validity_days")) c->validity_days = r.Int("validity_days", true);
  if (j.contains("daily_quota")) c->daily_quota = r.Int("daily_quota", true);
  if (j.contains("rate_per_second")) c->rate_per_second = r.Int("rate_per_second", true);
  if (j.contains("allow_bearer")) c->allow_bearer = r.Bool("allow_bearer", true);
  return r.Finish();
}

Result<Conditions> ParseStoredConditions(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::Corruption("stored grant conditions are not JSON");
  Conditions c;
  YISHU_RETURN_IF_ERROR(MergeConditions(j, &c));
  return c;
}

bool IsSteward(const Actor& a, const std::string& department) {
  return a.admin() ||
         (a.principal.role == identity::Role::kDeptSteward && a.principal.department == department);
}

}  // namespace

Result<ApplicationRequest> ParseApplicationRequest(const nlohmann::json& j) {
  if (!j.is_object()) return Status::InvalidArgument("the application must be a JSON object");
  JsonReader r(j, "");
  ApplicationRequest a;
  a.resource = r.String("resource", true);
  a.fields = r.StringList("fields");
  const auto& rf = r.Node("row_filter", false, nlohmann::json::value_t::object);
  a.purpose = r.String("purpose", true);
  a.validity_days = r.Int("validity_days", false, 365);
  a.daily_quota = r.Int("daily_quota", false, 10000);
  a.exception_reason = r.String("exception_reason", false);
  YISHU_RETURN_IF_ERROR(r.Finish());
  YISHU_ASSIGN_OR_RETURN(a.row_filter, StringMap(rf, "row_filter"));
  if (Trim(a.purpose).empty() || a.purpose.size() > 1000)
    return Status::InvalidArgument("purpose is required (at most 1000 bytes)");
  if (a.validity_days < 1 || a.validity_days > 3650)
    return Status::InvalidArgument("validity_days must be from 1 to 3650");
  if (a.daily_quota < 1 || a.daily_quota > 100000000)
    return Status::InvalidArgument("daily_quota must be from 1 to 100000000");
  if (a.exception_reason.size() > 2000)
    return Status::InvalidArgument("exception_reason is at most 2000 bytes");
  return a;
}

nlohmann::json ToJson(const Application& a) {
  nlohmann::json j = {{"id", a.id},
                      {"resource", a.resource},
                      {"provider", a.provider},
                      {"consumer", a.consumer},
                      {"applicant", a.applicant},
                      {"share_type", a.share_type},
                      {"request", RequestJson(a.request)},
                      {"status", a.status},
                      {"decided_by", a.decided_by},
                      {"decision_note", a.decision_note},
                      {"created_at", FormatRfc3339(a.created_at)},
                      {"grant_id", a.grant_id}};
  j["decided_at"] = a.decided_at ? nlohmann::json(FormatRfc3339(a.decided_at)) : nullptr;
  if (!a.basis.empty()) j["basis"] = a.basis;
  return j;
}

nlohmann::json ToJson(const Grant& g) {
  return {{"id", g.id},
          {"application_id", g.application_id},
          {"resource", g.resource},
          {"provider", g.provider},
          {"consumer", g.consumer},
          {"conditions", ConditionsJson(g.conditions)},
          {"created_at", FormatRfc3339(g.created_at)},
          {"expires_at", FormatRfc3339(g.expires_at)},
          {"status", g.status},
          {"revoked_by", g.revoked_by},
          {"revoke_reason", g.revoke_reason}};
}

nlohmann::json ToJson(const Credential& c) {
  return {{"id", c.id},
          {"department", c.department},
          {"name", c.name},
          {"public_key", c.public_key_hex},
          {"status", c.status},
          {"created_by", c.created_by},
          {"created_at", FormatRfc3339(c.created_at)}};
}

std::string DayOf(int64_t millis) {
  // Asked on every access with the clock of the moment: formatted once per day and thread.
  constexpr int64_t kDay = 86400000;
  thread_local int64_t cached_day = -1;
  thread_local std::string cached;
  const int64_t day = millis >= 0 ? millis / kDay : (millis - kDay + 1) / kDay;
  if (day != cached_day) {
    cached = FormatRfc3339(millis).substr(0, 10);
    cached_day = day;
  }
  return cached;
}

// ------------------------------------------------------------------------------------------
// Impl basics

namespace {
std::atomic<uint64_t> g_instances{0};
}

Sharing::Impl::Impl(store::Store& s, catalogue::Catalogue& c, const standards::Registry& r,
                    security::KeyRing& k, audit::AuditLog& a, identity::Identity& i,
                    SharingOptions o)
    : store(s),
      catalogue(c),
      registry(r),
      keys(k),
      audit(a),
      identity(i),
      options(o),
      clock(o.clock ? o.clock : Clock::System()),
      instance(++g_instances) {
  access_log = std::make_unique<AccessLog>(store, audit);
  export_worker = std::thread([this] {
    MarkBackgroundThread("yishu-export");
    ExportLoop();
  });
}

Sharing::Impl::~Impl() {
  {
    std::lock_guard<std::mutex> lock(export_mu);
    stopping = true;
  }
  export_cv.notify_all();
  export_worker.join();
  access_log.reset();
}

std::string Sharing::Impl::Today() const {
  return DayOf(Now());
}

audit::AuditEvent Sharing::Impl::EventFor(const Actor& a, std::string action,
                                          std::string resource) const {
  audit::AuditEvent e;
  e.actor = a.principal.username;
  e.role = std::string(identity::RoleName(a.principal.role));
  e.department = a.principal.department;
  e.action = std::move(action);
  e.resource = std::move(resource);
  e.client = a.client;
  return e;
}

Status Sharing::Impl::Audited(audit::AuditEvent& ev,
                              const std::function<Status(Connection&)>& body) {
  Status s = store.Transact([&](Connection& tx) -> Status {
    YISHU_RETURN_IF_ERROR(body(tx));
    return audit.Append(tx, ev).status();
  });
  if (!s.ok()) {
    audit::AuditEvent failed = ev;
    failed.result = s.code() == ErrorCode::kPermissionDenied ? "denied" : "error";
    if (failed.detail.is_null()) failed.detail = nlohmann::json::object();
    failed.detail["error"] = s.ToJson();
    (void)audit.Append(failed);
  }
  return s;
}

namespace {
constexpr const char* kApplicationColumns =
    "id, resource, provider, consumer, applicant, share_type, request, status, decided_by, "
    "decision_note, created_at, decided_at, grant_id";
constexpr const char* kGrantColumns =
    "id, application_id, resource, provider, consumer, conditions, created_at, expires_at, "
    "status, revoked_by, revoke_reason, revoked_at, mask_key";

Result<Application> ApplicationFromRow(const store::Row& row) {
  Application a;
  a.id = row.Int(0);
  a.resource = row.Text(1);
  a.provider = row.Text(2);
  a.consumer = row.Text(3);
  a.applicant = row.Text(4);
  a.share_type = row.Text(5);
  auto j = nlohmann::json::parse(row.Text(6), nullptr, false);
  if (j.is_discarded()) return Status::Corruption("stored application is not JSON");
  YISHU_ASSIGN_OR_RETURN(a.request, ParseApplicationRequest(j));
  a.status = row.Text(7);
  a.decided_by = row.Text(8);
  a.decision_note = row.Text(9);
  a.created_at = row.Int(10);
  a.decided_at = row.Int(11);
  a.grant_id = row.Int(12);
  return a;
}

Result<Grant> GrantFromRow(const store::Row& row) {
  Grant g;
  g.id = row.Int(0);
  g.application_id = row.Int(1);
  g.resource = row.Text(2);
  g.provider = row.Text(3);
  g.consumer = row.Text(4);
  YISHU_ASSIGN_OR_RETURN(g.conditions, ParseStoredConditions(row.Text(5)));
  g.created_at = row.Int(6);
  g.expires_at = row.Int(7);
  g.status = row.Text(8);
  g.revoked_by = row.Text(9);
  g.revoke_reason = row.Text(10);
  g.revoked_at = row.Int(11);
  g.mask_key = row[12].AsBytes();
  return g;
}
}  // namespace

Result<Application> Sharing::Impl::LoadApplication(Connection& c, int64_t id) {
  auto row = c.QueryOne(
      std::string("SELECT ") + kApplicationColumns + " FROM share_applications WHERE id = ?", {id});
  if (!row.ok()) {
    if (row.status().code() == ErrorCode::kNotFound)
      return Status::NotFound("no application " + std::to_string(id));
    return row.status();
  }
  return ApplicationFromRow(*row);
}

Result<Grant> Sharing::Impl::LoadGrant(Connection& c, int64_t id) {
  auto row =
      c.QueryOne(std::string("SELECT ") + kGrantColumns + " FROM share_grants WHERE id = ?", {id});
  if (!row.ok()) {
    if (row.status().code() == ErrorCode::kNotFound)
      return Status::NotFound("no grant " + std::to_string(id));
    return row.status();
  }
  return GrantFromRow(*row);
}

Status Sharing::Impl::CheckConditions(const catalogue::Resource& r, Conditions* c) {
  if (c->fields.empty()) return Status::InvalidArgument("a grant needs at least one field");
  for (const auto& [name, m] : c->fields)
    if (!r.FindField(name))
      return Status::InvalidArgument("resource " + r.code + " has no field '" + name + "'");
  auto plan = ingest::PlanColumns(r, registry);
  for (const auto& [name, value] : c->row_filter) {
    const catalogue::Field* f = r.FindField(name);
    if (!f)
      return Status::InvalidArgument("row_filter: resource " + r.code + " has no field '" + name +
                                     "'");
    for (const auto& p : plan)
      if (p.name == name && p.sealed && !p.bidx)
        return Status::InvalidArgument("row_filter: field '" + name +
                                       "' is encrypted without a blind index and cannot filter");
  }
  if (Trim(c->purpose).empty()) return Status::InvalidArgument("a grant needs a purpose");
  if (c->validity_days < 1 || c->validity_days > 3650)
    return Status::InvalidArgument("validity_days must be from 1 to 3650");
  if (c->daily_quota < 1 || c->daily_quota > 100000000)
    return Status::InvalidArgument("daily_quota must be from 1 to 100000000");
  if (c->rate_per_second < 1 || c->rate_per_second > 1000000)
    return Status::InvalidArgument("rate_per_second must be from 1 to 1000000");
  return Status::Ok();
}

Status Sharing::Impl::InsertGrant(Connection& tx, Grant* g) {
  g->created_at = Now();
  g->expires_at = g->created_at + g->conditions.validity_days * 86400000LL;
  g->status = "active";
  g->mask_key = crypto::RandomBytes(32);
  YISHU_ASSIGN_OR_RETURN(
      g->id,
      tx.InsertReturningId(
          "INSERT INTO share_grants (application_id, resource, provider, consumer, "
          "conditions, created_at, expires_at, status, mask_key) VALUES (?, ?, ?, ?, ?, ?, "
          "?, 'active', ?) RETURNING id",
          {g->application_id, g->resource, g->provider, g->consumer,
           ConditionsJson(g->conditions).dump(), g->created_at, g->expires_at, Blob{g->mask_key}}));
  return Status::Ok();
}

void Sharing::Impl::InvalidateGrants(const std::string& consumer, const std::string& resource) {
  std::lock_guard<std::mutex> lock(cache_mu);
  grants.erase(consumer + '\0' + resource);
}

// ------------------------------------------------------------------------------------------
// Sharing: applications and grants

Sharing::Sharing(store::Store& store, catalogue::Catalogue& cat,
                 const standards::Registry& registry, security::KeyRing& keys,
                 audit::AuditLog& audit, identity::Identity& identity, SharingOptions options)
    : impl_(std::make_unique<Impl>(store, cat, registry, keys, audit, identity, options)) {}

Sharing::~Sharing() = default;

Result<Application> Sharing::Apply(const Actor& actor, const ApplicationRequest& request) {
  Impl& m = *impl_;
  if (actor.principal.department.empty())
    return Status::FailedPrecondition(
        "applications are made for a department; this account belongs to none");
  YISHU_ASSIGN_OR_RETURN(catalogue::Resource res, m.catalogue.GetResource(request.resource));
  if (res.department == actor.principal.department)
    return Status::InvalidArgument("resource " + res.code +
                                   " belongs to your own department; no application is needed");
  Application a;
  a.resource = res.code;
  a.provider = res.department;
  a.consumer = actor.principal.department;
  a.applicant = actor.principal.username;
  a.share_type = std::string(catalogue::ShareTypeName(res.share_type));
  a.request = request;
  a.request.resource = res.code;
  a.created_at = m.Now();
  // The fields asked for, checked now so a provider never sees an impossible request.
  Conditions asked;
  auto plan = ingest::PlanColumns(res, m.registry);
  for (size_t i = 0; i < res.fields.size(); ++i) {
    bool wanted = request.fields.empty() || std::find(request.fields.begin(), request.fields.end(),
                                                      res.fields[i].name) != request.fields.end();
    // Sensitive fields are released masked unless the provider decides otherwise.
    if (wanted)
      asked.fields[res.fields[i].name] = plan[i].sealed ? Masking::kPartial : Masking::kNone;
  }
  for (const auto& f : request.fields)
    if (!res.FindField(f))
      return Status::InvalidArgument("resource " + res.code + " has no field '" + f + "'");
  asked.row_filter = request.row_filter;
  asked.purpose = request.purpose;
  asked.validity_days = request.validity_days;
  asked.daily_quota = request.daily_quota;
  YISHU_RETURN_IF_ERROR(m.CheckConditions(res, &asked));

  audit::AuditEvent ev = m.EventFor(actor, "share.apply", res.code);
  ev.purpose = request.purpose;
  ev.fields = std::vector<std::string>();
  for (const auto& [f, mk] : asked.fields) ev.fields.push_back(f);
  Status refused;
  switch (res.share_type) {
    case catalogue::ShareType::kUnconditional:
      a.status = "granted";
      a.decided_by = "system";
      a.decision_note = "无条件共享: granted on application";
      a.decided_at = a.created_at;
      break;
    case catalogue::ShareType::kConditional:
      a.status = "pending";
      break;
    case catalogue::ShareType::kNone:
      a.basis = res.share_condition;
      if (Trim(request.exception_reason).empty()) {
        a.status = "refused";
        a.decided_by = "system";
        a.decision_note = "不予共享: " + res.share_condition;
        a.decided_at = a.created_at;
        ev.result = "denied";
        refused = Status(ErrorCode::kPermissionDenied,
                         "resource " + res.code +
                             " is 不予共享 (not shared); basis: " + res.share_condition +
                             ". An exception may be asked of the platform authority with "
                             "exception_reason.",
                         {{"basis", res.share_condition}});
      } else {
        a.status = "pending_exception";
      }
      break;
  }
  ev.detail = {{"share_type", a.share_type}, {"status", a.status}, {"consumer", a.consumer}};
  Status s = m.Audited(ev, [&](Connection& tx) -> Status {
    YISHU_ASSIGN_OR_RETURN(
        a.id, tx.InsertReturningId(
                  "INSERT INTO share_applications (resource, provider, consumer, applicant, "
                  "share_type, request, status, decided_by, decision_note, created_at, "
                  "decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                  {a.resource, a.provider, a.consumer, a.applicant, a.share_type,
                   RequestJson(a.request).dump(), a.status, a.decided_by, a.decision_note,
                   a.created_at, a.decided_at}));
    if (a.status != "granted") return Status::Ok();
    Grant g;
    g.application_id = a.id;
    g.resource = a.resource;
    g.provider = a.provider;
    g.consumer = a.consumer;
    g.conditions = asked;
    YISHU_RETURN_IF_ERROR(m.InsertGrant(tx, &g));
    a.grant_id = g.id;
    YISHU_RETURN_IF_ERROR(
        tx.Exec("UPDATE share_applications SET grant_id = ? WHERE id = ?", {g.id, a.id}).status());
    audit::AuditEvent gev = ev;
    gev.action = "share.grant";
    gev.detail = {{"application", a.id}, {"grant", g.id}, {"conditions", ConditionsJson(asked)}};
    return m.audit.Append(tx, gev).status();
  });
  YISHU_RETURN_IF_ERROR(s);
  if (a.grant_id) m.InvalidateGrants(a.consumer, a.resource);
  if (!refused.ok()) {
    nlohmann::json d = refused.details();
    d["application_id"] = a.id;
    return Status(refused.code(), refused.message(), d);
  }
  return a;
}

Result<Application> Sharing::Approve(const Actor& actor, int64_t id,
                                     const nlohmann::json& conditions) {
  Impl& m = *impl_;
  Application a;
  {
    auto c = m.store.Acquire();
    YISHU_ASSIGN_OR_RETURN(a, m.LoadApplication(*c, id));
  }
  if (a.status == "pending_exception") {
    if (!actor.admin())
      return Status::PermissionDenied(
          "an exception to 不予共享 is decided by the platform authority (platform_admin)");
  } else if (a.status == "pending") {
    if (!IsSteward(actor, a.provider))
      return Status::PermissionDenied("application " + std::to_string(id) +
                                      " is decided by the provider department " + a.provider);
  } else {
    return Status::FailedPrecondition("application " + std::to_string(id) + " is " + a.status +
                                      ", not pending");
  }
  YISHU_ASSIGN_OR_RETURN(catalogue::Resource res, m.catalogue.GetResource(a.resource));
  Grant g;
  g.application_id = a.id;
  g.resource = a.resource;
  g.provider = a.provider;
  g.consumer = a.consumer;
  auto plan = ingest::PlanColumns(res, m.registry);
  for (size_t i = 0; i < res.fields.size(); ++i) {
    const auto& want = a.request.fields;
    if (want.empty() || std::find(want.begin(), want.end(), res.fields[i].name) != want.end())
      g.conditions.fields[res.fields[i].name] = plan[i].sealed ? Masking::kPartial : Masking::kNone;
  }
  g.conditions.row_filter = a.request.row_filter;
  g.conditions.purpose = a.request.purpose;
  g.conditions.validity_days = a.request.validity_days;
  g.conditions.daily_quota = a.request.daily_quota;
  YISHU_RETURN_IF_ERROR(MergeConditions(conditions, &g.conditions));
  YISHU_RETURN_IF_ERROR(m.CheckConditions(res, &g.conditions));
  audit::AuditEvent ev = m.EventFor(actor, "share.approve", a.resource);
  ev.purpose = g.conditions.purpose;
  for (const auto& [f, mk] : g.conditions.fields) ev.fields.push_back(f);
  std::string expected = a.status;
  Status s = m.Audited(ev, [&](Connection& tx) -> Status {
    YISHU_RETURN_IF_ERROR(m.InsertGrant(tx, &g));
    int64_t now = m.Now();
    YISHU_ASSIGN_OR_RETURN(
        int64_t n, tx.Exec("UPDATE share_applications SET status = 'granted', decided_by = ?, "
                           "decided_at = ?, grant_id = ? WHERE id = ? AND status = ?",
                           {actor.principal.username, now, g.id, a.id, expected}));
    if (n != 1)
      return Status::Conflict("application " + std::to_string(id) + " was decided meanwhile");
    ev.detail = {{"application", a.id},
                 {"grant", g.id},
                 {"consumer", a.consumer},
                 {"conditions", ConditionsJson(g.conditions)}};
    return Status::Ok();
  });
  YISHU_RETURN_IF_ERROR(s);
  m.InvalidateGrants(a.consumer, a.resource);
  auto c = m.store.Acquire();
  return m.LoadApplication(*c, id);
}

Result<Application> Sharing::Reject(const Actor& actor, int64_t id, std::string reason) {
  Impl& m = *impl_;
  if (Trim(reason).empty()) return Status::InvalidArgument("a rejection needs a reason");
  Application a;
  {
    auto c = m.store.Acquire();
    YISHU_ASSIGN_OR_RETURN(a, m.LoadApplication(*c, id));
  }
  if (a.status == "pending_exception" ? !actor.admin()
      : a.status == "pending"         ? !IsSteward(actor, a.provider)
                                      : false)
    return Status::PermissionDenied("you may not decide application " + std::to_string(id));
  if (a.status != "pending" && a.status != "pending_exception")
    return Status::FailedPrecondition("application " + std::to_string(id) + " is " + a.status +
                                      ", not pending");
  audit::AuditEvent ev = m.EventFor(actor, "share.reject", a.resource);
  ev.detail = {{"application", a.id}, {"consumer", a.consumer}, {"reason", reason}};
  YISHU_RETURN_IF_ERROR(m.Audited(ev, [&](Connection& tx) -> Status {
    YISHU_ASSIGN_OR_RETURN(
        int64_t n, tx.Exec("UPDATE share_applications SET status = 'rejected', decided_by = ?, "
                           "decision_note = ?, decided_at = ? WHERE id = ? AND status = ?",
                           {actor.principal.username, reason, m.Now(), a.id, a.status}));
    if (n != 1)
      return Status::Conflict("application " + std::to_string(id) + " was decided meanwhile");
    return Status::Ok();
  }));
  auto c = m.store.Acquire();
  return m.LoadApplication(*c, id);
}

Result<Grant> Sharing::Revoke(const Actor& actor, int64_t grant_id, std::string reason) {
  Impl& m = *impl_;
  Grant g;
  {
    auto c = m.store.Acquire();
    YISHU_ASSIGN_OR_RETURN(g, m.LoadGrant(*c, grant_id));
  }
  if (!IsSteward(actor, g.provider))
    return Status::PermissionDenied("grant " + std::to_string(grant_id) +
                                    " is revoked by the provider department " + g.provider);
  if (g.status != "active")
    return Status::FailedPrecondition("grant " + std::to_string(grant_id) + " is " + g.status);
  audit::AuditEvent ev = m.EventFor(actor, "share.revoke", g.resource);
  ev.detail = {{"grant", g.id}, {"consumer", g.consumer}, {"reason", reason}};
  YISHU_RETURN_IF_ERROR(m.Audited(ev, [&](Connection& tx) -> Status {
    return tx
        .Exec(
            "UPDATE share_grants SET status = 'revoked', revoked_by = ?, revoke_reason = ?, "
            "revoked_at = ? WHERE id = ? AND status = 'active'",
            {actor.principal.username, reason, m.Now(), g.id})
        .status();
  }));
  m.InvalidateGrants(g.consumer, g.resource);
  auto c = m.store.Acquire();
  return m.LoadGrant(*c, grant_id);
}

Result<Application> Sharing::GetApplication(const Actor& actor, int64_t id) {
  auto c = impl_->store.Acquire();
  YISHU_ASSIGN_OR_RETURN(Application a, impl_->LoadApplication(*c, id));
  if (!actor.admin() && actor.principal.department != a.consumer &&
      actor.principal.department != a.provider)
    return Status::PermissionDenied("application " + std::to_string(id) +
                                    " concerns other departments");
  return a;
}

Result<std::vector<Application>> Sharing::ListApplications(const Actor& actor,
                                                           std::string_view queue,
                                                           std::string_view status,
                                                           ListWindow window, int64_t* total) {
  std::string sql = "FROM share_applications WHERE ";
  store::Params params;
  if (queue == "mine") {
    sql += "consumer = ?";
    params.emplace_back(actor.principal.department);
  } else if (queue == "provider") {
    if (actor.admin()) {
      sql += "1 = 1";
    } else {
      sql += "provider = ?";
      params.emplace_back(actor.principal.department);
    }
  } else if (queue == "exceptions") {
    if (!actor.admin())
      return Status::PermissionDenied("the exception queue is the platform authority's");
    sql += "status = 'pending_exception'";
  } else {
    return Status::InvalidArgument("queue must be mine, provider or exceptions");
  }
  if (!status.empty()) {
    if (status != "pending" && status != "pending_exception" && status != "granted" &&
        status != "rejected" && status != "refused")
      return Status::InvalidArgument(
          "status must be pending, pending_exception, granted, rejected or refused");
    sql += " AND status = ?";
    params.emplace_back(std::string(status));
  }
  YISHU_ASSIGN_OR_RETURN(
      auto page, impl_->store.QueryPage(std::string("SELECT ") + kApplicationColumns, sql, params,
                                        "ORDER BY id DESC", window.limit, window.offset));
  if (total) *total = page.total;
  const auto& rows = page.rows;
  std::vector<Application> out;
  for (const auto& row : rows) {
    YISHU_ASSIGN_OR_RETURN(Application a, ApplicationFromRow(row));
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::vector<Grant>> Sharing::ListGrants(const Actor& actor, std::string_view side,
                                               ListWindow window, int64_t* total) {
  std::string sql = "FROM share_grants";
  store::Params params;
  if (side != "consumer" && side != "provider")
    return Status::InvalidArgument("side must be consumer or provider");
  if (!actor.admin() || side == "consumer") {
    sql += side == "consumer" ? " WHERE consumer = ?" : " WHERE provider = ?";
    params.emplace_back(actor.principal.department);
  }
  YISHU_ASSIGN_OR_RETURN(auto page,
                         impl_->store.QueryPage(std::string("SELECT ") + kGrantColumns, sql, params,
                                                "ORDER BY id DESC", window.limit, window.offset));
  if (total) *total = page.total;
  const auto& rows = page.rows;
  std::vector<Grant> out;
  int64_t now = impl_->Now();
  for (const auto& row : rows) {
    YISHU_ASSIGN_OR_RETURN(Grant g, GrantFromRow(row));
    if (g.status == "active" && g.expires_at <= now) g.status = "expired";
    out.push_back(std::move(g));
  }
  return out;
}

Result<int64_t> Sharing::ExpireGrants() {
  Impl& m = *impl_;
  int64_t now = m.Now();
  YISHU_ASSIGN_OR_RETURN(auto rows, m.store.Query("SELECT id, resource, consumer FROM share_grants "
                                                  "WHERE status = 'active' AND expires_at <= ?",
                                                  {now}));
  int64_t n = 0;
  for (const auto& row : rows) {
    audit::AuditEvent ev;
    ev.actor = "system";
    ev.action = "share.expire";
    ev.resource = row.Text(1);
    ev.detail = {{"grant", row.Int(0)}, {"consumer", row.Text(2)}};
    YISHU_RETURN_IF_ERROR(m.Audited(ev, [&](Connection& tx) {
      return tx
          .Exec("UPDATE share_grants SET status = 'expired' WHERE id = ? AND status = 'active'",
                {row.Int(0)})
          .status();
    }));
    m.InvalidateGrants(row.Text(2), row.Text(1));
    ++n;
  }
  return n;
}

// ------------------------------------------------------------------------------------------
// Credentials

Result<NewCredential> Sharing::CreateCredential(const std::string& actor_name,
                                                const std::string& department,
                                                const std::string& name) {
  Impl& m = *impl_;
  if (Trim(name).empty() || name.size() > 200)
    return Status::InvalidArgument("a credential needs a name (at most 200 bytes)");
  YISHU_RETURN_IF_ERROR(m.catalogue.GetDepartment(department).status());
  NewCredential out;
  Credential& c = out.credential;
  c.id = "cred_" + crypto::ToHex(crypto::RandomBytes(8));
  c.department = department;
  c.name = name;
  c.status = "active";
  c.created_by = actor_name;
  c.created_at = m.Now();
  out.token = "ysc_" + crypto::ToHex(crypto::RandomBytes(32));
  YISHU_ASSIGN_OR_RETURN(auto pair, crypto::Sm2GenerateKey());
  c.public_key_hex = pair.public_key_hex;
  out.private_key_hex = std::move(pair.private_key_hex);
  audit::AuditEvent ev;
  ev.actor = actor_name;
  ev.action = "share.credential_create";
  ev.resource = "credential:" + c.id;
  ev.department = department;
  ev.detail = {{"name", name}, {"department", department}};
  YISHU_RETURN_IF_ERROR(m.Audited(ev, [&](Connection& tx) {
    return tx
        .Exec(
            "INSERT INTO share_credentials (id, department, name, token_sm3, public_key, status, "
            "created_by, created_at) VALUES (?, ?, ?, ?, ?, 'active', ?, ?)",
            {c.id, c.department, c.name, Blob{crypto::Sm3(out.token)}, c.public_key_hex, actor_name,
             c.created_at})
        .status();
  }));
  return out;
}

Result<NewCredential> Sharing::CreateCredential(const Actor& actor, const std::string& department,
                                                const std::string& name) {
  if (!actor.admin() && actor.principal.department != department)
    return Status::PermissionDenied("you act for department '" + actor.principal.department +
                                    "', not '" + department + "'");
  return CreateCredential(actor.principal.username, department, name);
}

Status Sharing::RevokeCredential(const Actor& actor, const std::string& credential_id) {
  Impl& m = *impl_;
  YISHU_ASSIGN_OR_RETURN(auto row, m.store.QueryOne("SELECT department, status FROM "
                                                    "share_credentials WHERE id = ?",
                                                    {credential_id}));
  if (!actor.admin() && actor.principal.department != row.Text(0))
    return Status::PermissionDenied("credential " + credential_id + " is another department's");
  audit::AuditEvent ev =
      m.EventFor(actor, "share.credential_revoke", "credential:" + credential_id);
  YISHU_RETURN_IF_ERROR(m.Audited(ev, [&](Connection& tx) {
    return tx.Exec("UPDATE share_credentials SET status = 'revoked' WHERE id = ?", {credential_id})
        .status();
  }));
  std::lock_guard<std::mutex> lock(m.cache_mu);
  m.by_id.erase(credential_id);
  for (auto it = m.by_token.begin(); it != m.by_token.end();)
    it = it->second->credential.id == credential_id ? m.by_token.erase(it) : std::next(it);
  return Status::Ok();
}

Result<std::vector<Credential>> Sharing::ListCredentials(const Actor& actor, ListWindow window,
                                                         int64_t* total) {
  std::string sql = "FROM share_credentials";
  store::Params params;
  if (!actor.admin()) {
    sql += " WHERE department = ?";
    params.emplace_back(actor.principal.department);
  }
  YISHU_ASSIGN_OR_RETURN(
      auto page, impl_->store.QueryPage(
                     "SELECT id, department, name, public_key, status, created_by, created_at", sql,
                     params, "ORDER BY created_at DESC, id DESC", window.limit, window.offset));
  if (total) *total = page.total;
  const auto& rows = page.rows;
  std::vector<Credential> out;
  for (const auto& r : rows)
    out.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5), r.Int(6)});
  return out;
}

// ------------------------------------------------------------------------------------------
// Usage

Result<nlohmann::json> Sharing::Usage(const Actor& actor, std::string_view side, int64_t days) {
  Impl& m = *impl_;
  if (side != "consumer" && side != "provider")
    return Status::InvalidArgument("side must be consumer or provider");
  if (days < 1 || days > 366) return Status::InvalidArgument("days must be from 1 to 366");
  std::string since = DayOf(m.Now() - (days - 1) * 86400000LL);
  std::string today = m.Today();
  bool all = actor.admin() && actor.principal.department.empty();
  std::string who = side == "provider" ? "g.provider" : "g.consumer";
  std::string sql =
      "SELECT g.id, g.resource, g.provider, g.consumer, g.conditions, g.status, g.expires_at, "
      "COALESCE(SUM(u.calls), 0), COALESCE(SUM(u.records), 0), COALESCE(SUM(u.denied), 0), "
      "COALESCE(SUM(CASE WHEN u.day = ? THEN u.calls ELSE 0 END), 0) "
      "FROM share_grants g LEFT JOIN share_usage u ON u.grant_id = g.id AND u.day >= ? ";
  store::Params params{today, since};
  if (!all) {
    sql += "WHERE " + who + " = ? ";
    params.emplace_back(actor.principal.department);
  }
  sql +=
      "GROUP BY g.id, g.resource, g.provider, g.consumer, g.conditions, g.status, "
      "g.expires_at ORDER BY g.id DESC LIMIT 1000";
  YISHU_ASSIGN_OR_RETURN(auto rows, m.store.Query(sql, params));
  nlohmann::json items = nlohmann::json::array();
  int64_t now = m.Now();
  for (const auto& r : rows) {
    YISHU_ASSIGN_OR_RETURN(Conditions c, ParseStoredConditions(r.Text(4)));
    std::string status = r.Text(5);
    if (status == "active" && r.Int(6) <= now) status = "expired";
    items.push_back({{"grant", r.Int(0)},
                     {"resource", r.Text(1)},
                     {"provider", r.Text(2)},
                     {"consumer", r.Text(3)},
                     {"purpose", c.purpose},
                     {"status", status},
                     {"calls", r.Int(7)},
                     {"records", r.Int(8)},
                     {"denied", r.Int(9)},
                     {"calls_today", r.Int(10)},
                     {"daily_quota", c.daily_quota},
                     {"quota_left_today", std::max<int64_t>(0, c.daily_quota - r.Int(10))}});
  }
  return nlohmann::json{{"side", side}, {"since", since}, {"days", days}, {"items", items}};
}

}  // namespace yishu::sharing

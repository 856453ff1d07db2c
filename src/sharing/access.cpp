// The data side of sharing: credential authentication, grant look-up, limits, and record
// access by key, by filter and by export, each audited and metered through the AccessLog.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>

#include "common/json_reader.hpp"
#include "common/strings.hpp"
#include "crypto/sm2.hpp"
#include "crypto/sm3.hpp"
#include "crypto/util.hpp"
#include "sharing/sharing_impl.hpp"
#include "sharing/signing.hpp"

namespace yishu::sharing {

using store::Blob;
using store::Value;

namespace {

constexpr size_t kMaxKeyBytes = 256;
constexpr size_t kMaxFilterBytes = 256;
// Appended to every data statement: the grant (id, now) and the credential must still be
// valid in the store, whatever this process has cached.
constexpr const char* kStillAllowed =
    " AND EXISTS (SELECT 1 FROM share_grants WHERE id = ? AND status = 'active' AND expires_at "
    "> ?) AND EXISTS (SELECT 1 FROM share_credentials WHERE id = ? AND status = 'active')";

int64_t SecondsToMidnight(int64_t now_ms) {
  int64_t day_ms = 86400000LL;
  return (day_ms - now_ms % day_ms + 999) / 1000;
}

}  // namespace

// ------------------------------------------------------------------------------------------
// Credentials and grants, cached

Result<std::shared_ptr<const CachedCredential>> Sharing::Impl::Authenticate(const AccessRequest& r,
                                                                            bool* signed_request) {
  *signed_request = false;
  const std::string& auth = r.authorization;
  if (auth.empty())
    return Status::Unauthenticated(
        "the sharing API needs an application credential: 'Authorization: Bearer ysc_...' or a "
        "YISHU-SM2 signature");
  auto load = [&](const char* where,
                  const Value& v) -> Result<std::shared_ptr<const CachedCredential>> {
    auto row = store.QueryOne(std::string("SELECT id, department, name, public_key, status, "
                                          "created_by, created_at FROM share_credentials WHERE ") +
                                  where + " = ?",
                              {v});
    if (!row.ok()) {
      if (row.status().code() == ErrorCode::kNotFound)
        return Status::Unauthenticated("unknown application credential");
      return row.status();
    }
    if (row->Text(4) != "active")
      return Status::Unauthenticated("application credential " + row->Text(0) + " is revoked");
    auto c = std::make_shared<CachedCredential>();
    c->credential = {row->Text(0), row->Text(1), row->Text(2), row->Text(3),
                     row->Text(4), row->Text(5), row->Int(6)};
    return std::shared_ptr<const CachedCredential>(std::move(c));
  };
  if (StartsWith(auth, "Bearer ")) {
    std::string token(Trim(std::string_view(auth).substr(7)));
    if (!StartsWith(token, "ysc_")) {
      // A user's login token: known, but not what this API takes.
      if (identity.Authenticate(token).ok())
        return Status::PermissionDenied(
            "the sharing API is called with an application credential, not a login token");
      return Status::Unauthenticated("unknown or expired token");
    }
    std::string digest = crypto::Sm3(token);
    {
      std::lock_guard<std::mutex> lock(cache_mu);
      auto it = by_token.find(digest);
      if (it != by_token.end()) return it->second;
    }
    YISHU_ASSIGN_OR_RETURN(auto c, load("token_sm3", Blob{digest}));
    std::lock_guard<std::mutex> lock(cache_mu);
    by_token[digest] = c;
    return c;
  }
  YISHU_ASSIGN_OR_RETURN(SignedAuthorization sa, ParseSignedAuthorization(auth));
  std::shared_ptr<const CachedCredential> c;
  {
    std::lock_guard<std::mutex> lock(cache_mu);
    auto it = by_id.find(sa.credential);
    if (it != by_id.end()) c = it->second;
  }
  if (!c) {
    bool well_formed = sa.credential.size() == 21 && StartsWith(sa.credential, "cred_");
    for (size_t i = 5; well_formed && i < sa.credential.size(); ++i)
      well_formed = std::isxdigit(static_cast<unsigned char>(sa.credential[i])) != 0;
    if (!well_formed) return Status::Unauthenticated("unknown application credential");
    YISHU_ASSIGN_OR_RETURN(c, load("id", Value(sa.credential)));
    std::lock_guard<std::mutex> lock(cache_mu);
    by_id[sa.credential] = c;
  }
  int64_t now = Now();
  if (std::llabs(now - sa.timestamp_millis) > options.signature_skew_millis)
    return Status::Unauthenticated("YISHU-SM2 timestamp is outside the allowed skew of " +
                                   std::to_string(options.signature_skew_millis / 1000) +
                                   " s; check the client clock");
  std::string canonical =
      CanonicalRequest(r.method, r.path, r.query, sa.timestamp_millis, sa.nonce, r.body);
  if (!crypto::Sm2Verify(c->credential.public_key_hex, canonical, sa.signature).ok())
    return Status::Unauthenticated("YISHU-SM2 signature does not verify for credential " +
                                   c->credential.id);
  // Only a verified request may spend a nonce; a nonce seen before is a replay.
  YISHU_ASSIGN_OR_RETURN(
      int64_t inserted,
      store.Exec("INSERT INTO share_nonces (credential, nonce, at_ms) VALUES (?, ?, ?) ON "
                 "CONFLICT (credential, nonce) DO NOTHING",
                 {c->credential.id, sa.nonce, now}));
  if (inserted != 1) return Status::Unauthenticated("YISHU-SM2 nonce was already used (replay)");
  if (++nonce_inserts % 1000 == 0)
    (void)store.Exec("DELETE FROM share_nonces WHERE at_ms < ?",
                     {now - 2 * options.signature_skew_millis});
  *signed_request = true;
  return c;
}

security::FieldProtector& Sharing::Impl::Protector(const std::string& resource) {
  // FieldProtectors are one per thread; keyed by this Sharing instance so that two platforms
  // in one process (tests) never share one.
  thread_local std::unordered_map<std::string, std::unique_ptr<security::FieldProtector>> mine;
  std::string key = std::to_string(instance) + '\0' + resource;
  auto it = mine.find(key);
  if (it != mine.end()) return *it->second;
  auto p = keys.ForResource(resource);
  if (!p.ok()) throw Error(p.status());
  return *mine.emplace(key, std::move(p).value()).first->second;
}

Result<Value> Sharing::Impl::FilterValue(const FilterColumn& f, const std::string& value) {
  if (f.bidx)
    return Value(Blob{Protector(f.resource_code)
                          .BlindIndex(f.domain, security::NormalizeForIndex(f.element, value))});
  if (f.integer) {
    int64_t n = 0;
    if (!ParseInt64(value, &n))
      return Status::InvalidArgument("'" + value.substr(0, 40) + "' is not a whole number");
    return Value(n);
  }
  return Value(value);
}

Result<std::shared_ptr<const GrantPlan>> Sharing::Impl::Plan(const Grant& g) {
  YISHU_ASSIGN_OR_RETURN(catalogue::Resource res, catalogue.GetResource(g.resource));
  auto cols = ingest::PlanColumns(res, registry);
  auto p = std::make_shared<GrantPlan>();
  p->grant = g;
  p->table = ingest::Ingester::TableName(res.code);
  p->select_columns = "_id";
  size_t selected = 1;
  bool any_sealed = false;
  p->fields_json = "[";
  for (size_t i = 0; i < res.fields.size(); ++i) {
    const auto& f = res.fields[i];
    FilterColumn fc{cols[i].bidx ? f.name + "__bidx" : f.name,
                    cols[i].bidx,
                    cols[i].integer,
                    cols[i].bidx_domain,
                    f.element,
                    res.code};
    if (f.key) p->key = fc;
    auto granted = g.conditions.fields.find(f.name);
    if (granted == g.conditions.fields.end()) continue;
    if (!cols[i].sealed || cols[i].bidx) p->filterable[f.name] = fc;
    p->outputs.push_back(
        {f.name, f.element, granted->second, cols[i].sealed, cols[i].integer, selected});
    if (!cols[i].sealed) {
      p->select_columns += ", " + f.name;
      ++selected;
    }
    any_sealed |= cols[i].sealed;
    if (p->field_names.size()) p->fields_json += ",";
    AppendJsonString(p->fields_json, f.name);
    p->field_names.push_back(f.name);
  }
  p->fields_json += "]";
  if (any_sealed) {
    p->select_columns += ", " + std::string(security::kSealedRecordColumn);
    p->sealed_column = selected;
  }
  for (const auto& [name, value] : g.conditions.row_filter) {
    for (size_t i = 0; i < res.fields.size(); ++i) {
      if (res.fields[i].name != name) continue;
      FilterColumn fc{cols[i].bidx ? name + "__bidx" : name,
                      cols[i].bidx,
                      cols[i].integer,
                      cols[i].bidx_domain,
                      res.fields[i].element,
                      res.code};
      p->row_filter.emplace_back(fc, value);
    }
  }
  for (const auto& [fc, value] : p->row_filter) {
    p->row_filter_sql += " AND " + fc.column + " = ?";
    YISHU_ASSIGN_OR_RETURN(Value v, FilterValue(fc, value));
    p->row_filter_values.push_back(std::move(v));
  }
  if (p->key)
    p->by_key_sql = "SELECT " + p->select_columns + " FROM " + p->table + " WHERE " +
                    p->key->column + " = ?" + p->row_filter_sql + kStillAllowed;
  return std::shared_ptr<const GrantPlan>(std::move(p));
}

Result<std::shared_ptr<const GrantPlan>> Sharing::Impl::FindGrant(const Credential& c,
                                                                  const std::string& resource) {
  std::string key = c.department + '\0' + resource;
  int64_t now = Now();
  {
    std::lock_guard<std::mutex> lock(cache_mu);
    auto it = grants.find(key);
    if (it != grants.end() && it->second->grant.expires_at > now) return it->second;
  }
  YISHU_ASSIGN_OR_RETURN(
      auto rows, store.Query("SELECT id FROM share_grants WHERE consumer = ? AND resource = ? AND "
                             "status = 'active' AND expires_at > ? ORDER BY id DESC LIMIT 1",
                             {c.department, resource, now}));
  if (rows.empty()) {
    auto any = store.Query(
        "SELECT status, expires_at FROM share_grants WHERE consumer = ? AND resource = ? ORDER "
        "BY id DESC LIMIT 1",
        {c.department, resource});
    if (any.ok() && !any->empty()) {
      std::string status = (*any)[0].Text(0);
      if (status == "active") status = "expired";
      return Status::PermissionDenied("department " + c.department + "'s grant for " + resource +
                                      " is " + status);
    }
    return Status::PermissionDenied("department " + c.department + " has no grant for " + resource +
                                    "; apply for it first");
  }
  auto conn = store.Acquire();
  YISHU_ASSIGN_OR_RETURN(Grant g, LoadGrant(*conn, rows[0].Int(0)));
  YISHU_ASSIGN_OR_RETURN(auto plan, Plan(g));
  std::lock_guard<std::mutex> lock(cache_mu);
  grants[key] = plan;
  return plan;
}

// ------------------------------------------------------------------------------------------
// One access: authenticate, authorize, limit; then the operation; then audit + meter.

namespace {

struct Access {
  std::shared_ptr<const CachedCredential> cred;
  std::shared_ptr<const GrantPlan> plan;
  bool signed_request = false;  // YISHU-SM2 (or a bearer token)
  audit::AuditEvent event;
  Metering metering;
};

}  // namespace

// Everything before the operation. On refusal, audits the refusal and answers `done`.
static bool Begin(Sharing::Impl& m, const AccessRequest& r, const std::string& resource,
                  std::string action, Access* a, const AccessDone& done);

// Puts a refusal (or an internal error) on the access's record.
static void MarkRefused(const Status& s, audit::AuditEvent& event, Metering& metering) {
  event.result = s.code() == ErrorCode::kInternal ? "error" : "denied";
  audit::AddDetail(event, "error", std::string(ErrorCodeName(s.code())));
  if (metering.grant_id) metering.denied = 1;
}

// Sends the access to the group commit; `result` goes to `done` once it is durable.
static void Finish(Sharing::Impl& m, Access a, AccessResult result, const AccessDone& done) {
  if (!result.status.ok()) MarkRefused(result.status, a.event, a.metering);
  m.access_log->Submit(std::move(a.event), std::move(a.metering),
                       [result = std::move(result), done](const Status& s) mutable {
                         if (!s.ok()) {
                           // Not on record: release nothing.
                           result = AccessResult{};
                           result.status = s.WithContext("recording the access");
                         }
                         done(std::move(result));
                       });
}

static AccessResult Refusal(Status s, int64_t retry_after = 0) {
  AccessResult r;
  r.status = std::move(s);
  r.retry_after = retry_after;
  return r;
}

static bool Begin(Sharing::Impl& m, const AccessRequest& r, const std::string& resource,
                  std::string action, Access* a, const AccessDone& done) {
  a->event.action = std::move(action);
  a->event.resource = resource.substr(0, 64);
  a->event.client = r.client;
  a->event.purpose = r.purpose.substr(0, 500);
  a->event.actor = "anonymous";
  bool& signed_request = a->signed_request;
  auto cred = m.Authenticate(r, &signed_request);
  if (!cred.ok()) {
    Finish(m, std::move(*a), Refusal(cred.status()), done);
    return false;
  }
  a->cred = *cred;
  const Credential& c = a->cred->credential;
  a->event.actor = c.id;
  a->event.role = "credential";
  a->event.department = c.department;
  if (!catalogue::IsValidCode(resource)) {
    Finish(m, std::move(*a), Refusal(Status::NotFound("no resource with that code")), done);
    return false;
  }
  auto plan = m.FindGrant(c, resource);
  if (!plan.ok()) {
    Finish(m, std::move(*a), Refusal(plan.status()), done);
    return false;
  }
  a->plan = *plan;
  const Grant& g = a->plan->grant;
  a->metering = {g.id, c.id, DayOf(m.Now()), 1, 0, 0};
  a->event.detail = {{"grant", g.id}, {"auth", signed_request ? "sm2" : "bearer"}};
  if (a->event.purpose.empty()) a->event.purpose = g.conditions.purpose;
  if (!signed_request && !g.conditions.allow_bearer) {
    Finish(m, std::move(*a),
           Refusal(Status::PermissionDenied("grant " + std::to_string(g.id) +
                                            " requires SM2-signed requests (YISHU-SM2)")),
           done);
    return false;
  }
  // Limits: rate per credential, enumeration suspension, quota per grant and day.
  int64_t now = m.Now();
  std::string today = DayOf(now);
  bool report_quota = false;
  Status limited;
  int64_t retry_after = 0;
  {
    std::lock_guard<std::mutex> lock(m.limit_mu);
    auto& b = m.buckets[c.id];
    double rate = static_cast<double>(g.conditions.rate_per_second);
    if (b.tokens < 0) {
      b.tokens = rate;
      b.last_ms = now;
    }
    b.tokens = std::min(rate, b.tokens + rate * static_cast<double>(now - b.last_ms) / 1000.0);
    b.last_ms = now;
    int64_t minute = now / 60000;
    if (b.miss_window == minute && b.misses >= m.options.miss_limit_per_minute) {
      limited = Status(ErrorCode::kResourceExhausted,
                       "credential " + c.id +
                           " is suspended for the rest of the minute: too many look-ups found "
                           "nothing (enumeration)");
      retry_after = 60 - (now / 1000) % 60;
    } else if (b.tokens < 1) {
      limited = Status(ErrorCode::kResourceExhausted,
                       "rate limit of " + std::to_string(g.conditions.rate_per_second) +
                           " requests per second for credential " + c.id);
      retry_after = 1;
    } else {
      auto& q = m.quotas[g.id];
      if (q.day != today) {
        q.day = today;
        q.used = -1;
        q.reported = false;
      }
      if (q.used < 0) {
        auto used = m.store.QueryOne(
            "SELECT COALESCE(SUM(calls), 0) FROM share_usage WHERE grant_id = ? AND day = ?",
            {g.id, today});
        q.used = used.ok() ? used->Int(0) : 0;
      }
      if (q.used >= g.conditions.daily_quota) {
        limited = Status(ErrorCode::kResourceExhausted,
                         "daily quota of " + std::to_string(g.conditions.daily_quota) +
                             " calls of grant " + std::to_string(g.id) + " is used up");
        retry_after = SecondsToMidnight(now);
        report_quota = !q.reported;
        q.reported = true;
      } else {
        ++q.used;
        b.tokens -= 1;
      }
    }
  }
  if (!limited.ok()) {
    if (report_quota) {
      audit::AuditEvent ev = a->event;
      ev.action = "share.quota_exceeded";
      ev.result = "denied";
      ev.detail = {{"grant", g.id}, {"daily_quota", g.conditions.daily_quota}};
      m.access_log->Submit(std::move(ev), Metering{}, nullptr);
    }
    a->metering.calls = 0;
    nlohmann::json d = {{"retry_after", retry_after}};
    Finish(m, std::move(*a), Refusal(Status(limited.code(), limited.message(), d), retry_after),
           done);
    return false;
  }
  return true;
}

// A look-up that found nothing counts towards the enumeration limit.
static void CountMiss(Sharing::Impl& m, const Access& a, const audit::AuditEvent& event) {
  int64_t now = m.Now();
  int64_t minute = now / 60000;
  bool report = false;
  {
    std::lock_guard<std::mutex> lock(m.limit_mu);
    auto& b = m.buckets[a.cred->credential.id];
    if (b.miss_window != minute) {
      b.miss_window = minute;
      b.misses = 0;
      b.enumeration_reported = false;
    }
    ++b.misses;
    if (b.misses >= m.options.miss_limit_per_minute && !b.enumeration_reported) {
      b.enumeration_reported = true;
      report = true;
    }
  }
  if (report) {
    audit::AuditEvent ev = event;
    ev.action = "share.enumeration_suspected";
    ev.result = "denied";
    ev.detail = {{"grant", a.plan->grant.id},
                 {"misses_this_minute", m.options.miss_limit_per_minute},
                 {"action", "credential suspended for the rest of the minute"}};
    m.access_log->Submit(std::move(ev), Metering{}, nullptr);
  }
}

// When a statement that requires the grant and credential to be active found nothing: was it
// revoked meanwhile (another process, the CLI)? Then drop the cached entries and refuse.
static Status StillAllowed(Sharing::Impl& m, const Access& a, store::Connection& conn) {
  auto g =
      conn.QueryOne("SELECT status, expires_at FROM share_grants WHERE id = ?", {a.plan->grant.id});
  auto c =
      conn.QueryOne("SELECT status FROM share_credentials WHERE id = ?", {a.cred->credential.id});
  if (!g.ok()) return g.status();
  if (!c.ok()) return c.status();
  if (c->Text(0) != "active") {
    std::lock_guard<std::mutex> lock(m.cache_mu);
    m.by_id.erase(a.cred->credential.id);
    for (auto it = m.by_token.begin(); it != m.by_token.end();)
      it =
          it->second->credential.id == a.cred->credential.id ? m.by_token.erase(it) : std::next(it);
    return Status::Unauthenticated("application credential " + a.cred->credential.id +
                                   " is revoked");
  }
  std::string status = g->Text(0);
  if (status == "active" && g->Int(1) <= m.Now()) status = "expired";
  if (status != "active") {
    m.InvalidateGrants(a.plan->grant.consumer, a.plan->grant.resource);
    return Status::PermissionDenied("grant " + std::to_string(a.plan->grant.id) + " is " + status);
  }
  return Status::Ok();
}

// Renders one row (columns: _id, the plan's plain outputs, the sealed record) as a JSON
// object, masked.
static Status RenderRecord(Sharing::Impl& m, const GrantPlan& p, const store::Row& row,
                           std::string& out) {
  int64_t id = row.Int(0);
  out += '{';
  std::string plain;
  thread_local security::SealedRecord record;
  record.Clear();
  if (p.sealed_column && !row.IsNull(p.sealed_column))
    YISHU_RETURN_IF_ERROR(
        m.Protector(p.grant.resource).OpenRecord(id, row[p.sealed_column].AsBytes(), &record));
  for (size_t i = 0; i < p.outputs.size(); ++i) {
    const OutputField& f = p.outputs[i];
    if (i) out += ',';
    AppendJsonString(out, f.name);
    out += ':';
    if (f.sealed) {
      auto v = record.Find(f.name);
      if (!v) {
        out += "null";
        continue;
      }
      plain.assign(*v);
    } else {
      const Value& v = row[f.column];
      if (v.is_null()) {
        out += "null";
        continue;
      }
      plain = v.AsText();
    }
    if (f.masking == Masking::kNone && f.integer && !f.sealed) {
      out += plain;
    } else {
      AppendJsonString(out, MaskValue(f.masking, f.element, plain, p.grant.mask_key));
    }
  }
  out += '}';
  return Status::Ok();
}

void Sharing::GetRecord(const AccessRequest& r, const std::string& resource, const std::string& key,
                        AccessDone done) {
  Impl& m = *impl_;
  Access a;
  if (!Begin(m, r, resource, "share.read", &a, done)) return;
  const GrantPlan& p = *a.plan;
  auto fail = [&](Status s) {
    audit::AddDetail(a.event, "by", "key");
    Finish(m, std::move(a), Refusal(std::move(s)), done);
  };
  if (!p.key) return fail(Status::FailedPrecondition("resource " + resource + " has no key field"));
  if (key.empty() || key.size() > kMaxKeyBytes || !IsValidUtf8(key))
    return fail(Status::InvalidArgument("the key must be 1 to 256 bytes of UTF-8"));
  store::Params params;
  try {
    auto key_value = m.FilterValue(*p.key, key);
    if (!key_value.ok()) return fail(key_value.status());
    // The detail of the look-up, written here as nlohmann would (keys in order), so the access
    // log's writer, which every access waits for, has nothing to serialize.
    std::string& d = a.event.detail_json;
    d = "{\"auth\":";
    d += a.signed_request ? "\"sm2\"" : "\"bearer\"";
    d += ",\"by\":\"key\",\"grant\":";
    d += std::to_string(p.grant.id);
    if (p.key->bidx) {
      d += ",\"key_bidx\":\"";
      d += crypto::ToHex(key_value->AsBytes()).substr(0, 16);
      d += '"';
    }
    d += '}';
    a.event.detail = nullptr;
    params.reserve(4 + p.row_filter_values.size());
    params.push_back(std::move(key_value).value());
  } catch (const Error& e) {
    return fail(e.status());
  }
  params.insert(params.end(), p.row_filter_values.begin(), p.row_filter_values.end());
  params.emplace_back(p.grant.id);
  params.emplace_back(m.Now());
  params.emplace_back(a.cred->credential.id);

  // The look-up runs in the access log's group transaction (see AccessLog::InTransaction): the
  // record is read in the commit that records its reading. What it found waits here.
  struct Found {
    Status status;
    std::optional<store::Row> row;
  };
  auto found = std::make_shared<Found>();
  auto access = std::make_shared<Access>(std::move(a));
  auto look_up = [&m, access, found, params = std::move(params)](
                     store::Connection& tx, audit::AuditEvent& event, Metering& metering) {
    const GrantPlan& p = *access->plan;
    found->status = Status::Ok();
    auto rows = tx.Query(p.by_key_sql, params);
    if (!rows.ok()) {
      found->status = rows.status();
    } else if (rows->empty()) {
      found->status = StillAllowed(m, *access, tx);
      if (found->status.ok()) {
        CountMiss(m, *access, event);
        found->status = Status::NotFound("no record with that key in " + p.grant.resource +
                                         " within your grant");
      }
    } else {
      found->row.emplace(std::move((*rows)[0]));
      event.fields_json = p.fields_json;
      event.record_count = 1;
      metering.records = 1;
    }
    if (!found->status.ok()) MarkRefused(found->status, event, metering);
  };
  audit::AuditEvent event = std::move(access->event);
  Metering metering = std::move(access->metering);
  m.access_log->Submit(
      std::move(event), std::move(metering), std::move(look_up),
      // Called once: what it holds moves on instead of being copied (each
      // copy is a reference count shared with the connection's thread).
      [&m, access = std::move(access), found = std::move(found), resource,
       done = std::move(done)](const Status& recorded) mutable {
        AccessResult result;
        if (!recorded.ok()) {
          result.status = recorded.WithContext("recording the access");  // release nothing
        } else if (!found->status.ok()) {
          result.status = found->status;
        } else {
          // Unsealing and masking are left to the caller's thread
          // (AccessResult::render): this runs on the access log's writer, which
          // every access shares.
          result.render = [&m, access = std::move(access), found = std::move(found),
                           resource = std::move(resource)](std::string* body) {
            const GrantPlan& p = *access->plan;
            body->reserve(256);
            *body = "{\"resource\":";
            AppendJsonString(*body, resource);
            *body += ",\"grant\":" + std::to_string(p.grant.id) + ",\"record\":";
            YISHU_RETURN_IF_ERROR(RenderRecord(m, p, *found->row, *body));
            *body += '}';
            return Status::Ok();
          };
        }
        done(std::move(result));
      });
}

void Sharing::QueryRecords(const AccessRequest& r, const std::string& resource, AccessDone done) {
  Impl& m = *impl_;
  Access a;
  if (!Begin(m, r, resource, "share.query", &a, done)) return;
  const GrantPlan& p = *a.plan;
  auto fail = [&](Status s) { Finish(m, std::move(a), Refusal(std::move(s)), done); };
  int64_t page = 1, page_size = 20;
  std::string where = " WHERE 1 = 1";
  store::Params params;
  nlohmann::json filters = nlohmann::json::array();
  AccessResult result;
  try {
    for (const auto& [name, value] : r.query) {
      if (name == "page") {
        if (!ParseInt64(value, &page) || page < 1 || page > 1000000)
          return fail(Status::InvalidArgument("page must be a whole number from 1"));
      } else if (name == "page_size") {
        if (!ParseInt64(value, &page_size) || page_size < 1 || page_size > m.options.max_page_size)
          return fail(Status::InvalidArgument("page_size must be a whole number from 1 to " +
                                              std::to_string(m.options.max_page_size)));
      } else {
        auto f = p.filterable.find(name);
        if (f == p.filterable.end())
          return fail(Status::InvalidArgument(
              "'" + name.substr(0, 64) +
              "' is not a granted field that can filter (or page, page_size)"));
        if (value.size() > kMaxFilterBytes || !IsValidUtf8(value))
          return fail(Status::InvalidArgument("filter values are at most 256 bytes of UTF-8"));
        auto v = m.FilterValue(f->second, value);
        if (!v.ok()) return fail(v.status());
        where += " AND " + f->second.column + " = ?";
        params.push_back(std::move(v).value());
        filters.push_back(name);
      }
    }
    where += p.row_filter_sql;
    params.insert(params.end(), p.row_filter_values.begin(), p.row_filter_values.end());
    std::string sql = "SELECT " + p.select_columns + " FROM " + p.table + where + kStillAllowed +
                      " ORDER BY _id LIMIT ? OFFSET ?";
    params.emplace_back(p.grant.id);
    params.emplace_back(m.Now());
    params.emplace_back(a.cred->credential.id);
    params.emplace_back(page_size + 1);
    params.emplace_back((page - 1) * page_size);
    auto rows = m.store.Query(sql, params);
    if (!rows.ok()) return fail(rows.status());
    if (rows->empty()) {
      Status allowed = StillAllowed(m, a, *m.store.Acquire());
      if (!allowed.ok()) return fail(allowed);
    }
    bool has_more = static_cast<int64_t>(rows->size()) > page_size;
    size_t n = std::min<size_t>(rows->size(), static_cast<size_t>(page_size));
    result.body = "{\"resource\":";
    AppendJsonString(result.body, resource);
    result.body += ",\"grant\":" + std::to_string(p.grant.id) +
                   ",\"page\":" + std::to_string(page) +
                   ",\"page_size\":" + std::to_string(page_size) +
                   ",\"has_more\":" + (has_more ? "true" : "false") + ",\"records\":[";
    for (size_t i = 0; i < n; ++i) {
      if (i) result.body += ',';
      Status s = RenderRecord(m, p, (*rows)[i], result.body);
      if (!s.ok()) return fail(s);
    }
    result.body += "]}";
    a.event.record_count = static_cast<int64_t>(n);
    a.metering.records = static_cast<int64_t>(n);
  } catch (const Error& e) {
    return fail(e.status());
  }
  a.event.detail["by"] = "filter";
  a.event.detail["filters"] = filters;
  a.event.detail["page"] = page;
  a.event.fields = p.field_names;
  Finish(m, std::move(a), std::move(result), done);
}

// ------------------------------------------------------------------------------------------
// Exports

void Sharing::StartExport(const AccessRequest& r, const std::string& resource, AccessDone done) {
  Impl& m = *impl_;
  Access a;
  if (!Begin(m, r, resource, "share.export_request", &a, done)) return;
  const GrantPlan& p = *a.plan;
  auto fail = [&](Status s) { Finish(m, std::move(a), Refusal(std::move(s)), done); };
  auto body = ParseJsonBody(r.body.empty() ? "{}" : r.body);
  if (!body.ok()) return fail(body.status());
  if (!body->is_object()) return fail(Status::InvalidArgument("the body must be a JSON object"));
  JsonReader jr(*body, "");
  std::string format = jr.String("format", false, "csv");
  const auto& filter = jr.Node("filter", false, nlohmann::json::value_t::object);
  Status s = jr.Finish();
  if (!s.ok()) return fail(s);
  if (format != "csv" && format != "json")
    return fail(Status::InvalidArgument("format must be csv or json"));
  if (!filter.is_null()) {
    for (const auto& [k, v] : filter.items()) {
      if (!p.filterable.count(k))
        return fail(Status::InvalidArgument("filter." + k.substr(0, 64) +
                                            " is not a granted field that can filter"));
      if (!v.is_string() || v.get<std::string>().size() > kMaxFilterBytes)
        return fail(
            Status::InvalidArgument("filter." + k + " must be a string (at most 256 bytes)"));
    }
  }
  auto id = m.store.Acquire()->InsertReturningId(
      "INSERT INTO share_exports (grant_id, credential, resource, format, filter, purpose, "
      "status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'queued', ?) RETURNING id",
      {p.grant.id, a.cred->credential.id, resource, format,
       (filter.is_null() ? nlohmann::json::object() : filter).dump(), a.event.purpose, m.Now()});
  if (!id.ok()) return fail(id.status());
  {
    std::lock_guard<std::mutex> lock(m.export_mu);
    m.export_queue.push_back(*id);
  }
  m.export_cv.notify_one();
  a.event.detail["export"] = *id;
  a.event.detail["format"] = format;
  AccessResult result;
  result.http_status = 202;
  result.body = "{\"id\":" + std::to_string(*id) + ",\"status\":\"queued\"}";
  Finish(m, std::move(a), std::move(result), done);
}

void Sharing::GetExport(const AccessRequest& r, const std::string& resource, int64_t export_id,
                        bool file, AccessDone done) {
  Impl& m = *impl_;
  Access a;
  if (!Begin(m, r, resource, file ? "share.export_download" : "share.export_status", &a, done))
    return;
  auto fail = [&](Status s) { Finish(m, std::move(a), Refusal(std::move(s)), done); };
  auto row = m.store.QueryOne(
      "SELECT e.id, e.status, e.format, e.records, e.sm3, e.created_at, e.finished_at, e.error, "
      "e.resource, c.department FROM share_exports e JOIN share_credentials c ON c.id = "
      "e.credential WHERE e.id = ?",
      {export_id});
  if (!row.ok() || row->Text(8) != resource || row->Text(9) != a.cred->credential.department)
    return fail(Status::NotFound("no export " + std::to_string(export_id) + " of " + resource +
                                 " for your department"));
  a.event.detail["export"] = export_id;
  AccessResult result;
  if (!file) {
    nlohmann::json j = {{"id", row->Int(0)},      {"status", row->Text(1)},
                        {"format", row->Text(2)}, {"records", row->Int(3)},
                        {"sm3", row->Text(4)},    {"created_at", FormatRfc3339(row->Int(5))},
                        {"error", row->Text(7)}};
    j["finished_at"] = row->Int(6) ? nlohmann::json(FormatRfc3339(row->Int(6))) : nullptr;
    result.body = j.dump();
  } else {
    if (row->Text(1) != "done")
      return fail(Status::FailedPrecondition("export " + std::to_string(export_id) + " is " +
                                             row->Text(1)));
    auto content = m.store.QueryOne("SELECT content FROM share_exports WHERE id = ?", {export_id});
    if (!content.ok()) return fail(content.status());
    result.body = (*content)[0].AsBytes();
    result.content_type =
        row->Text(2) == "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8";
    a.event.record_count = row->Int(3);
    a.metering.records = row->Int(3);
    a.event.fields = a.plan->field_names;
  }
  Finish(m, std::move(a), std::move(result), done);
}

void Sharing::WaitForExports() {
  std::unique_lock<std::mutex> lock(impl_->export_mu);
  impl_->export_idle.wait(lock, [&] { return impl_->export_queue.empty() && !impl_->export_busy; });
}

void Sharing::SetEntitySource(std::shared_ptr<EntitySource> source) {
  std::lock_guard<std::mutex> lock(impl_->entity_mu);
  impl_->entity_source = std::move(source);
}

std::shared_ptr<EntitySource> Sharing::entity_source() const {
  std::lock_guard<std::mutex> lock(impl_->entity_mu);
  return impl_->entity_source;
}

void Sharing::ClearCaches() {
  std::lock_guard<std::mutex> lock(impl_->cache_mu);
  impl_->by_token.clear();
  impl_->by_id.clear();
  impl_->grants.clear();
}

void Sharing::Impl::ExportLoop() {
  for (;;) {
    int64_t id = 0;
    {
      std::unique_lock<std::mutex> lock(export_mu);
      export_cv.wait(lock, [&] { return stopping || !export_queue.empty(); });
      if (export_queue.empty()) return;
      id = export_queue.front();
      export_queue.pop_front();
      export_busy = true;
    }
    Status s;
    try {
      s = RunExport(id);
    } catch (const std::exception& e) {
      s = Status::Internal(e.what());
    }
    if (!s.ok())
      (void)store.Exec(
          "UPDATE share_exports SET status = 'failed', error = ?, finished_at = ? "
          "WHERE id = ?",
          {s.message(), Now(), id});
    {
      std::lock_guard<std::mutex> lock(export_mu);
      export_busy = false;
    }
    export_idle.notify_all();
  }
}

namespace {
void AppendCsvField(std::string& out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(v);
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}
}  // namespace

Status Sharing::Impl::RunExport(int64_t id) {
  constexpr int64_t kMaxExportRows = 1000000;
  YISHU_ASSIGN_OR_RETURN(auto row,
                         store.QueryOne("SELECT grant_id, credential, resource, format, filter, "
                                        "purpose FROM share_exports WHERE id = ?",
                                        {id}));
  (void)store.Exec("UPDATE share_exports SET status = 'running' WHERE id = ?", {id});
  Grant g;
  {
    auto c = store.Acquire();
    YISHU_ASSIGN_OR_RETURN(g, LoadGrant(*c, row.Int(0)));
  }
  if (g.status != "active" || g.expires_at <= Now())
    return Status::PermissionDenied("grant " + std::to_string(g.id) + " is no longer active");
  YISHU_ASSIGN_OR_RETURN(auto plan, Plan(g));
  std::string credential = row.Text(1), format = row.Text(3);
  auto filter = nlohmann::json::parse(row.Text(4));
  std::string where = " WHERE _id > ?";
  store::Params fixed;
  for (const auto& [k, v] : filter.items()) {
    auto f = plan->filterable.find(k);
    if (f == plan->filterable.end()) return Status::InvalidArgument("filter on " + k);
    where += " AND " + f->second.column + " = ?";
    YISHU_ASSIGN_OR_RETURN(Value fv, FilterValue(f->second, v.get<std::string>()));
    fixed.push_back(std::move(fv));
  }
  for (const auto& [fc, value] : plan->row_filter) {
    where += " AND " + fc.column + " = ?";
    YISHU_ASSIGN_OR_RETURN(Value fv, FilterValue(fc, value));
    fixed.push_back(std::move(fv));
  }
  std::string sql = "SELECT " + plan->select_columns + " FROM " + plan->table + where +
                    " ORDER BY _id LIMIT 1000";
  // The watermark: the consumer's credential and department in the file's first line, and a
  // per-row trace code (SM3 of export, credential and row number) that identifies the copy
  // even when the first line is cut off.
  std::string stamp = "yishu export " + std::to_string(id) + " of " + g.resource + " for " +
                      credential + " (" + g.consumer + ") at " + FormatRfc3339(Now());
  std::string out;
  if (format == "csv") {
    out = "# " + stamp + "\n";
    for (const auto& f : plan->outputs) {
      AppendCsvField(out, f.name);
      out += ',';
    }
    out += "_trace\n";
  } else {
    out = "{\"watermark\":";
    AppendJsonString(out, stamp);
    out += ",\"credential\":";
    AppendJsonString(out, credential);
    out += ",\"records\":[";
  }
  int64_t last = 0, n = 0;
  std::string rec;
  for (;;) {
    store::Params params{last};
    params.insert(params.end(), fixed.begin(), fixed.end());
    YISHU_ASSIGN_OR_RETURN(auto rows, store.Query(sql, params));
    for (const auto& r : rows) {
      last = r.Int(0);
      ++n;
      std::string trace = crypto::ToHex(crypto::Sm3(std::to_string(id) + "|" + credential + "|" +
                                                    std::to_string(n)))
                              .substr(0, 16);
      rec.clear();
      YISHU_RETURN_IF_ERROR(RenderRecord(*this, *plan, r, rec));
      if (format == "csv") {
        auto j = nlohmann::json::parse(rec);
        for (const auto& f : plan->outputs) {
          const auto& v = j[f.name];
          AppendCsvField(out, v.is_null() ? "" : v.is_string() ? v.get<std::string>() : v.dump());
          out += ',';
        }
        out += trace + "\n";
      } else {
        if (n > 1) out += ',';
        rec.pop_back();
        out += rec + ",\"_trace\":\"" + trace + "\"}";
      }
    }
    if (rows.size() < 1000 || n >= kMaxExportRows) break;
  }
  if (format == "json") out += "]}";
  std::string digest = crypto::ToHex(crypto::Sm3(out));
  audit::AuditEvent ev;
  ev.actor = credential;
  ev.role = "credential";
  ev.department = g.consumer;
  ev.action = "share.export";
  ev.resource = g.resource;
  ev.fields = plan->field_names;
  ev.record_count = n;
  ev.purpose = row.Text(5);
  ev.detail = {{"export", id}, {"grant", g.id}, {"format", format}, {"sm3", digest}};
  return Audited(ev, [&](store::Connection& tx) {
    return tx
        .Exec(
            "UPDATE share_exports SET status = 'done', records = ?, sm3 = ?, content = ?, "
            "finished_at = ? WHERE id = ?",
            {n, digest, Blob{out}, Now(), id})
        .status();
  });
}

}  // namespace yishu::sharing

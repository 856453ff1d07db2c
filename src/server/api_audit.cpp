// The audit trail: search and verification (security auditors and platform admins).
#include "common/strings.hpp"
#include "common/time.hpp"
#include "server/api.hpp"

namespace yishu::server {

using identity::Role;

nlohmann::json AuditEventJson(const audit::StoredEvent& s) {
  const auto& e = s.event;
  return {{"seq", s.seq},
          {"at", FormatRfc3339(e.at_millis)},
          {"actor", e.actor},
          {"role", e.role},
          {"department", e.department},
          {"action", e.action},
          {"resource", e.resource},
          {"fields", e.fields},
          {"record_count", e.record_count},
          {"purpose", e.purpose},
          {"client", e.client},
          {"result", e.result},
          {"detail", e.detail},
          {"hash", s.hash_hex}};
}

void RegisterAuditRoutes(Router& router, platform::Platform& p) {
  router.Add({"GET",
              "/api/v1/audit/events",
              false,
              {Role::kSecurityAuditor, Role::kPlatformAdmin},
              {"Search the audit trail (newest first)",
               "audit",
               {{"actor", "user"},
                {"resource", "resource or object"},
                {"action", "e.g. login, login_failed, catalogue.update"},
                {"result", "ok | denied | error"},
                {"department", "actor's department"},
                {"from", "RFC 3339 time, inclusive"},
                {"to", "RFC 3339 time, exclusive"},
                {"after_seq", "page backwards: entries with seq below this"},
                {"page_size", "1-1000, default 100"}}},
              [&p](Call& call) {
                audit::AuditQuery q;
                const auto& rq = call.request;
                if (auto* v = rq.Query("actor")) q.actor = *v;
                if (auto* v = rq.Query("resource")) q.resource = *v;
                if (auto* v = rq.Query("action")) q.action = *v;
                if (auto* v = rq.Query("result")) q.result = *v;
                if (auto* v = rq.Query("department")) q.department = *v;
                auto time_param = [&](const char* name) -> std::optional<int64_t> {
                  auto* v = rq.Query(name);
                  if (!v) return std::nullopt;
                  auto t = ParseRfc3339(*v);
                  if (!t)
                    throw Error(Status::InvalidArgument(std::string("'") + name +
                                                        "' must be an RFC 3339 time"));
                  return t;
                };
                q.from_millis = time_param("from");
                q.to_millis = time_param("to");
                int64_t n;
                if (auto* v = rq.Query("after_seq")) {
                  if (!ParseInt64(*v, &n)) throw Error(Status::InvalidArgument("bad after_seq"));
                  q.after_seq = n;
                }
                if (auto* v = rq.Query("page_size")) {
                  if (!ParseInt64(*v, &n) || n < 1 || n > 1000)
                    throw Error(Status::InvalidArgument("page_size must be 1-1000"));
                  q.limit = n;
                }
                nlohmann::json items = nlohmann::json::array();
                for (const auto& s : ValueOrThrow(p.audit().Search(q)))
                  items.push_back(AuditEventJson(s));
                auto ev = api::EventFor(call, "audit.search");
                ev.record_count = static_cast<int64_t>(items.size());
                (void)p.audit().Append(ev);
                return Response::Json({{"items", items}});
              }});
  router.Add({"POST",
              "/api/v1/audit/verify",
              false,
              {Role::kSecurityAuditor, Role::kPlatformAdmin},
              {"Verify the whole chain and every signed checkpoint", "audit"},
              [&p](Call& call) {
                audit::VerifyReport report;
                Status s = p.audit().Verify(&report);
                if (!s.ok() && !s.Is(ErrorCode::kCorruption)) throw Error(s);
                auto ev = api::EventFor(call, "audit.verify");
                ev.result = s.ok() ? "ok" : "error";
                ev.detail = {{"intact", s.ok()}, {"first_bad_seq", report.first_bad_seq()}};
                (void)p.audit().Append(ev);
                auto j = report.ToJson();
                j["intact"] = s.ok();
                if (!s.ok()) j["message"] = s.message();
                return Response::Json(j);
              }});
  router.Add({"GET",
              "/api/v1/audit/public-key",
              false,
              GovernmentRoles(),
              {"The audit signing public key (SM2), for outside verification", "audit"},
              [&p](Call&) {
                return Response::Json({{"public_key_hex", ValueOrThrow(p.audit().PublicKeyHex())},
                                       {"public_key_pem", ValueOrThrow(p.audit().PublicKeyPem())}});
              }});
}

}  // namespace yishu::server

// Classification and grading (分类分级): proposals per field and stewards' decisions.
// Stewards act for their own department's resources; platform admins for any; security
// auditors read. Every change commits with its audit event (Platform::AuditedTransact).
#include "common/time.hpp"
#include "security/classification.hpp"
#include "security/rotation.hpp"
#include "security/sampling.hpp"
#include "server/api.hpp"

namespace yishu::server {

using identity::Role;

namespace {

nlohmann::json ClassificationJson(const catalogue::Resource& r,
                                  const std::vector<security::FieldClassification>& fields) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& f : fields) {
    nlohmann::json j = {{"proposal", security::ToJson(f.proposal)}, {"field", f.proposal.field}};
    if (f.decision.empty()) {
      j["decision"] = nullptr;
    } else {
      j["decision"] = {{"decision", f.decision},
                       {"level", f.level},
                       {"category", f.category},
                       {"decided_by", f.decided_by},
                       {"decided_at", FormatRfc3339(f.decided_at)}};
    }
    items.push_back(std::move(j));
  }
  std::string level = security::ResourceLevel(fields);
  return {{"resource", r.code},
          {"declared_level", r.security_level},
          {"level", level.empty() ? nlohmann::json(nullptr) : nlohmann::json(level)},
          {"fields", items}};
}

// Stewards only for their own department; admins always; auditors read-only routes only.
void RequireSteward(const Call& call, const catalogue::Resource& r) {
  if (call.principal->role == Role::kDeptSteward) api::RequireDepartment(call, r.department);
}

}  // namespace

void RegisterSecurityRoutes(Router& router, platform::Platform& p) {
  router.Add({"GET",
              "/api/v1/resources/{code}/classification",
              false,
              {Role::kPlatformAdmin, Role::kDeptSteward, Role::kSecurityAuditor},
              {"Classification proposals and decisions of a resource's fields", "security"},
              [&p](Call& call) {
                auto r = ValueOrThrow(p.catalogue().GetResource(call.request.Param("code")));
                RequireSteward(call, r);
                auto lease = p.store().Acquire();
                auto fields = ValueOrThrow(security::LoadClassification(*lease, r.code));
                return Response::Json(ClassificationJson(r, fields));
              }});
  router.Add({"POST",
              "/api/v1/resources/{code}/classification",
              false,
              {Role::kPlatformAdmin, Role::kDeptSteward},
              {"Scan the resource (names, labels, sampled values) and store fresh proposals; "
               "decisions already made are kept",
               "security"},
              [&p](Call& call) {
                auto r = ValueOrThrow(p.catalogue().GetResource(call.request.Param("code")));
                RequireSteward(call, r);
                auto samples = ValueOrThrow(
                    security::SampleResource(p.store(), &p.keys(), p.config().data_dir, r, 500));
                auto props = ValueOrThrow(security::ClassifyFields(r, samples));
                auto ev = api::EventFor(call, "classification.propose", r.code);
                ev.record_count = static_cast<int64_t>(props.size());
                ev.detail = {{"sample", samples.source}, {"rows", samples.rows}};
                std::vector<security::FieldClassification> fields;
                ThrowIfError(p.AuditedTransact(ev, [&](store::Connection& c) -> Status {
                  YISHU_RETURN_IF_ERROR(security::SaveProposals(c, r.code, props, NowMillis()));
                  YISHU_ASSIGN_OR_RETURN(fields, security::LoadClassification(c, r.code));
                  return Status::Ok();
                }));
                return Response::Json(ClassificationJson(r, fields));
              }});
  router.Add(
      {"POST",
       "/api/v1/resources/{code}/classification/{field}",
       false,
       {Role::kPlatformAdmin, Role::kDeptSteward},
       {"Confirm or override one field's proposal",
        "security",
        {},
        true,
        "{decision: confirm|override, level: L1..L4, category: 一般数据|重要数据|核心数据}"},
       [&p](Call& call) {
         auto r = ValueOrThrow(p.catalogue().GetResource(call.request.Param("code")));
         RequireSteward(call, r);
         const std::string field = call.request.Param("field");
         if (!r.FindField(field))
           throw Error(Status::NotFound("resource " + r.code + " has no field '" + field + "'"));
         auto body = api::BodyJson(call);
         auto str = [&](const char* k) -> std::string {
           if (!body.contains(k) || body[k].is_null()) return "";
           if (!body[k].is_string())
             throw Error(Status::InvalidArgument(std::string("'") + k + "' must be a string"));
           return body[k].get<std::string>();
         };
         for (const auto& [k, v] : body.items())
           if (k != "decision" && k != "level" && k != "category")
             throw Error(Status::InvalidArgument("unknown key '" + k + "'"));
         std::string decision = str("decision"), level = str("level"), category = str("category");
         auto ev = api::EventFor(call, "classification.decide", r.code);
         ev.fields = {field};
         ev.detail = {{"decision", decision}, {"level", level}, {"category", category}};
         std::vector<security::FieldClassification> fields;
         ThrowIfError(p.AuditedTransact(ev, [&](store::Connection& c) -> Status {
           YISHU_RETURN_IF_ERROR(security::DecideField(c, r.code, field, decision, level, category,
                                                       call.principal->username, NowMillis()));
           YISHU_ASSIGN_OR_RETURN(fields, security::LoadClassification(c, r.code));
           return Status::Ok();
         }));
         return Response::Json(ClassificationJson(r, fields));
       }});
  router.Add(
      {"GET",
       "/api/v1/security/keys",
       false,
       {Role::kPlatformAdmin, Role::kSecurityAuditor},
       {"Data key versions and states, and unfinished rotations (never key material)", "security"},
       [&p](Call& call) {
         auto keys = ValueOrThrow(security::ListKeys(p.store()));
         nlohmann::json items = nlohmann::json::array();
         for (const auto& k : keys)
           items.push_back({{"name", k.name},
                            {"version", k.version},
                            {"state", k.state},
                            {"created_at", FormatRfc3339(k.created_at)}});
         auto rows = ValueOrThrow(p.store().Query(
             "SELECT resource, version, table_name, last_id, updated_at FROM "
             "key_rotations WHERE state = 'running' ORDER BY resource, table_name"));
         nlohmann::json rotations = nlohmann::json::array();
         for (const auto& r : rows)
           rotations.push_back({{"resource", r.Text(0)},
                                {"version", r.Int(1)},
                                {"table", r.Text(2)},
                                {"last_id", r.Int(3)},
                                {"updated_at", FormatRfc3339(r.Int(4))}});
         return Response::Json({{"keys", items}, {"rotations_running", rotations}});
       }});
}

}  // namespace yishu::server

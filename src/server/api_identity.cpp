// Users and roles.
#include "common/json_reader.hpp"
#include "common/time.hpp"
#include "server/api.hpp"

namespace yishu::server {

using identity::Role;

namespace {
nlohmann::json UserJson(const identity::User& u) {
  return {{"username", u.username},     {"display_name", u.display_name},
          {"department", u.department}, {"role", identity::RoleName(u.role)},
          {"disabled", u.disabled},     {"created_at", FormatRfc3339(u.created_at)}};
}
}  // namespace

void RegisterIdentityRoutes(Router& router, platform::Platform& p) {
  router.Add({"GET",
              "/api/v1/users",
              false,
              {Role::kPlatformAdmin, Role::kDeptSteward, Role::kSecurityAuditor},
              {"List users (stewards see their department's)", "users", {{"department", "filter"}}},
              [&p](Call& call) {
                std::string dept;
                if (auto* d = call.request.Query("department")) dept = *d;
                if (call.principal->role == Role::kDeptSteward) dept = call.principal->department;
                auto users = ValueOrThrow(p.identity().ListUsers(dept));
                nlohmann::json items = nlohmann::json::array();
                for (const auto& u : users) items.push_back(UserJson(u));
                return Response::Json({{"items", items}, {"total", items.size()}});
              }});
  router.Add(
      {"POST",
       "/api/v1/users",
       false,
       {Role::kPlatformAdmin},
       {"Create a user", "users", {}, true, "{username, display_name, department, role, password}"},
       [&p](Call& call) {
         auto body = api::BodyJson(call);
         JsonReader r(body, "");
         identity::NewUser nu;
         nu.username = r.String("username", true);
         nu.display_name = r.String("display_name", false);
         nu.department = r.String("department", false);
         std::string role = r.String("role", true);
         nu.password = r.String("password", true);
         ThrowIfError(r.Finish());
         auto parsed = identity::ParseRole(role);
         if (!parsed) throw Error(Status::InvalidArgument("unknown role '" + role + "'"));
         nu.role = *parsed;
         if (!nu.department.empty())
           ThrowIfError(p.catalogue().GetDepartment(nu.department).status());
         auto ev = api::EventFor(call, "user.create", "user:" + nu.username);
         ev.detail = {{"role", role}, {"department", nu.department}};
         identity::User created;
         ThrowIfError(p.AuditedTransact(ev, [&](store::Connection& tx) -> Status {
           YISHU_ASSIGN_OR_RETURN(created, p.identity().CreateUser(tx, nu));
           return Status::Ok();
         }));
         return Response::Json(UserJson(created), 201);
       }});
  router.Add({"POST",
              "/api/v1/users/{username}/disable",
              false,
              {Role::kPlatformAdmin},
              {"Disable a user and revoke their tokens", "users"},
              [&p](Call& call) {
                const auto& name = call.request.Param("username");
                if (name == call.principal->username)
                  throw Error(Status::FailedPrecondition("you cannot disable yourself"));
                ThrowIfError(p.identity().SetDisabled(name, true));
                (void)p.audit().Append(api::EventFor(call, "user.disable", "user:" + name));
                return Response::Json({{"ok", true}});
              }});
  router.Add(
      {"GET", "/api/v1/roles", false, AnyRole(), {"The platform's roles", "users"}, [](Call&) {
         nlohmann::json roles = nlohmann::json::array();
         for (auto r : identity::kAllRoles) roles.push_back(identity::RoleName(r));
         return Response::Json({{"items", roles}});
       }});
}

}  // namespace yishu::server

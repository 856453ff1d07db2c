// System routes: health, metrics, the OpenAPI document, login and logout.
#include "common/json_reader.hpp"
#include "common/metrics.hpp"
#include "common/time.hpp"
#include "server/api.hpp"

namespace yishu::server {

using identity::Role;

void RegisterSystemRoutes(Router& router, platform::Platform& p) {
  router.Add(
      {"GET", "/healthz", true, {}, {"Liveness and store health", "system"}, [&p](Call&) {
         auto r = p.store().QueryOne("SELECT 1");
         if (!r.ok())
           return Response::Json({{"status", "unhealthy"}, {"store", r.status().message()}}, 503);
         return Response::Json({{"status", "ok"},
                                {"store", std::string(store::DialectName(p.store().dialect()))},
                                {"time", FormatRfc3339(NowMillis())}});
       }});
  router.Add({"GET", "/metrics", true, {}, {"Prometheus metrics", "system"}, [](Call&) {
                return Response::Text(metrics::Registry::Global().Render(),
                                      "text/plain; version=0.0.4; charset=utf-8");
              }});
  router.Add({"GET",
              "/api/v1/openapi.json",
              true,
              {},
              {"This API's OpenAPI 3 document", "system"},
              [&router](Call&) { return Response::Json(OpenApiDocument(router)); }});

  RouteDoc login_doc{"Sign in; answers a bearer token",
                     "auth",
                     {},
                     true,
                     "{\"username\": \"admin\", \"password\": \"...\"}"};
  router.Add({"POST", "/api/v1/auth/login", true, {}, login_doc, [&p](Call& call) {
                auto body = api::BodyJson(call);
                JsonReader r(body, "");
                std::string username = r.String("username", true);
                std::string password = r.String("password", true);
                ThrowIfError(r.Finish());
                auto login = p.identity().Login(username, password);
                auto ev = api::EventFor(call, login.ok() ? "login" : "login_failed");
                ev.actor = username;
                if (!login.ok()) {
                  ev.result = "denied";
                  (void)p.audit().Append(ev);
                  throw Error(login.status());
                }
                ev.role = std::string(identity::RoleName(login->principal.role));
                ev.department = login->principal.department;
                ThrowIfError(p.audit().Append(ev).status());
                const auto& pr = login->principal;
                return Response::Json({{"token", login->token},
                                       {"expires_at", FormatRfc3339(login->expires_at)},
                                       {"user",
                                        {{"username", pr.username},
                                         {"display_name", pr.display_name},
                                         {"department", pr.department},
                                         {"role", identity::RoleName(pr.role)}}}});
              }});
  router.Add({"POST",
              "/api/v1/auth/logout",
              false,
              AnyRole(),
              {"Revoke the token of this request", "auth"},
              [&p](Call& call) {
                ThrowIfError(p.identity().Revoke(call.token));
                (void)p.audit().Append(api::EventFor(call, "logout"));
                return Response::Json({{"ok", true}});
              }});
  router.Add({"GET", "/api/v1/me", false, AnyRole(), {"Who am I", "auth"}, [](Call& call) {
                const auto& pr = *call.principal;
                return Response::Json({{"username", pr.username},
                                       {"display_name", pr.display_name},
                                       {"department", pr.department},
                                       {"role", identity::RoleName(pr.role)}});
              }});
}

}  // namespace yishu::server

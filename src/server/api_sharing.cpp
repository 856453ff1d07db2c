// Sharing between departments: the management routes (applications, approvals, grants,
// credentials, usage; signed-in users by role) and the sharing API itself (application
// credentials; answered asynchronously once each access's audit record has committed).
#include "common/json_reader.hpp"
#include "common/strings.hpp"
#include "server/api.hpp"
#include "sharing/sharing.hpp"

namespace yishu::server {

using identity::Role;

namespace {

sharing::Actor ActorOf(const Call& call) {
  return {*call.principal, call.request.client};
}

std::string QueryOr(const Call& call, const char* name, std::string fallback) {
  const std::string* v = call.request.Query(name);
  return v ? *v : fallback;
}

// What the sharing module needs of a request, copied (the request dies with the call).
sharing::AccessRequest AccessOf(const Call& call) {
  sharing::AccessRequest a;
  const Request& r = call.request;
  a.method = r.method;
  a.path = r.path;
  a.query = r.query;
  if (auto* h = r.Header("authorization")) a.authorization = *h;
  a.body = r.body;
  a.client = r.client;
  if (auto* p = r.Header("x-purpose")) a.purpose = *p;
  return a;
}

sharing::AccessDone ToResponse(Responder done) {
  return [done = std::move(done)](sharing::AccessResult r) {
    if (!r.status.ok()) {
      Response res = Response::Error(r.status);
      if (r.retry_after > 0) res.headers.emplace_back("Retry-After", std::to_string(r.retry_after));
      return done(std::move(res));
    }
    Response res;
    res.status = r.http_status;
    res.content_type = std::move(r.content_type);
    res.body = std::move(r.body);
    if (r.render)
      res.render = [render = std::move(r.render)](Response& res) {
        Status s = render(&res.body);
        if (!s.ok()) res = Response::Error(s);
      };
    done(std::move(res));
  };
}

// The management lists page on the server: with `page` or `page_size` in the query the answer
// is that page of the list (page_size 1-200, default 20), cut in SQL, with {total, page,
// page_size}; without either it is the newest 500, as before the lists were paged (clients of
// that contract keep working).
bool WantsPage(const Call& call) {
  return call.request.Query("page") || call.request.Query("page_size");
}

sharing::ListWindow WindowOf(const Call& call) {
  if (!WantsPage(call)) return {};
  int64_t page, page_size;
  api::PageParams(call, &page, &page_size);
  return {page_size, (page - 1) * page_size};
}

// The answer for a list fetched through `fetch(window, &total)`.
template <typename Fetch>
nlohmann::json PagedList(const Call& call, Fetch fetch) {
  const sharing::ListWindow window = WindowOf(call);
  int64_t total = 0;
  auto list = ValueOrThrow(fetch(window, &total));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& x : list) items.push_back(sharing::ToJson(x));
  nlohmann::json out = {{"items", std::move(items)}, {"total", total}};
  if (WantsPage(call)) {
    out["page"] = window.offset / window.limit + 1;
    out["page_size"] = window.limit;
  }
  return out;
}

// Usage is summed over every grant, so its (bounded) list is cut after the sums.
nlohmann::json Page(const Call& call, nlohmann::json items) {
  const auto total = static_cast<int64_t>(items.size());
  if (!WantsPage(call)) return {{"items", std::move(items)}, {"total", total}};
  const sharing::ListWindow window = WindowOf(call);
  nlohmann::json slice = nlohmann::json::array();
  for (int64_t i = window.offset; i < total && i < window.offset + window.limit; ++i)
    slice.push_back(std::move(items[static_cast<size_t>(i)]));
  return {{"items", std::move(slice)},
          {"total", total},
          {"page", window.offset / window.limit + 1},
          {"page_size", window.limit}};
}

const char* const kPageDoc = "1-based; with page or page_size the list is paged (total counts all)";
const char* const kPageSizeDoc = "1-200, default 20";

const std::set<Role> kSharingUsers = {Role::kPlatformAdmin, Role::kDeptSteward, Role::kDeptUser};
const std::set<Role> kDeciders = {Role::kPlatformAdmin, Role::kDeptSteward};

}  // namespace

void RegisterSharingRoutes(Router& router, platform::Platform& p) {
  // ---- Management: applications and approvals ----
  router.Add({"POST",
              "/api/v1/sharing/applications",
              false,
              kSharingUsers,
              {"Apply for a resource (无条件: granted at once; 有条件: to the provider; 不予共享: "
               "refused citing the basis, or an exception to the platform authority)",
               "sharing",
               {},
               true,
               "{resource, fields?, row_filter?, purpose, validity_days?, daily_quota?, "
               "exception_reason?}"},
              [&p](Call& call) {
                auto req = ValueOrThrow(sharing::ParseApplicationRequest(api::BodyJson(call)));
                auto a = ValueOrThrow(p.sharing().Apply(ActorOf(call), req));
                return Response::Json(sharing::ToJson(a), 201);
              }});
  router.Add({"GET",
              "/api/v1/sharing/applications",
              false,
              kSharingUsers,
              {"Application queues: mine (as consumer), provider (to decide), exceptions "
               "(platform authority)",
               "sharing",
               {{"queue", "mine | provider | exceptions"},
                {"status", "filter by status"},
                {"page", kPageDoc},
                {"page_size", kPageSizeDoc}}},
              [&p](Call& call) {
                return Response::Json(PagedList(call, [&](sharing::ListWindow w, int64_t* total) {
                  return p.sharing().ListApplications(ActorOf(call), QueryOr(call, "queue", "mine"),
                                                      QueryOr(call, "status", ""), w, total);
                }));
              }});
  router.Add({"GET",
              "/api/v1/sharing/applications/{id}",
              false,
              kSharingUsers,
              {"One application (its consumer's or provider's)", "sharing"},
              [&p](Call& call) {
                return Response::Json(sharing::ToJson(ValueOrThrow(
                    p.sharing().GetApplication(ActorOf(call), api::PathId(call, "id")))));
              }});
  router.Add({"POST",
              "/api/v1/sharing/applications/{id}/approve",
              false,
              kDeciders,
              {"Approve with conditions (provider steward; exceptions: platform admin)",
               "sharing",
               {},
               true,
               "{fields?: {name: none|partial|hash|year}, row_filter?, purpose?, validity_days?, "
               "daily_quota?, rate_per_second?, allow_bearer?}"},
              [&p](Call& call) {
                nlohmann::json conditions =
                    call.request.body.empty() ? nlohmann::json::object() : api::BodyJson(call);
                return Response::Json(sharing::ToJson(ValueOrThrow(
                    p.sharing().Approve(ActorOf(call), api::PathId(call, "id"), conditions))));
              }});
  router.Add({"POST",
              "/api/v1/sharing/applications/{id}/reject",
              false,
              kDeciders,
              {"Reject with a reason", "sharing", {}, true, "{reason}"},
              [&p](Call& call) {
                auto body = api::BodyJson(call);
                JsonReader r(body, "");
                std::string reason = r.String("reason", true);
                ThrowIfError(r.Finish());
                return Response::Json(sharing::ToJson(ValueOrThrow(
                    p.sharing().Reject(ActorOf(call), api::PathId(call, "id"), reason))));
              }});
  // ---- Grants ----
  router.Add({"GET",
              "/api/v1/sharing/grants",
              false,
              kSharingUsers,
              {"Grants of the department as consumer or provider",
               "sharing",
               {{"side", "consumer | provider"}, {"page", kPageDoc}, {"page_size", kPageSizeDoc}}},
              [&p](Call& call) {
                return Response::Json(PagedList(call, [&](sharing::ListWindow w, int64_t* total) {
                  return p.sharing().ListGrants(ActorOf(call), QueryOr(call, "side", "consumer"), w,
                                                total);
                }));
              }});
  router.Add({"POST",
              "/api/v1/sharing/grants/{id}/revoke",
              false,
              kDeciders,
              {"Revoke a grant at once (provider steward or platform admin)",
               "sharing",
               {},
               true,
               "{reason}"},
              [&p](Call& call) {
                std::string reason;
                if (!call.request.body.empty()) {
                  auto body = api::BodyJson(call);
                  JsonReader r(body, "");
                  reason = r.String("reason", false);
                  ThrowIfError(r.Finish());
                }
                return Response::Json(sharing::ToJson(ValueOrThrow(
                    p.sharing().Revoke(ActorOf(call), api::PathId(call, "id"), reason))));
              }});
  router.Add({"POST",
              "/api/v1/sharing/grants/expire",
              false,
              {Role::kPlatformAdmin},
              {"Record the expiry of grants past their validity (expiry itself is enforced on "
               "every call)",
               "sharing"},
              [&p](Call&) {
                return Response::Json({{"expired", ValueOrThrow(p.sharing().ExpireGrants())}});
              }});
  // ---- Credentials ----
  router.Add({"POST",
              "/api/v1/sharing/credentials",
              false,
              kSharingUsers,
              {"Create an application credential (token and SM2 key pair shown once)",
               "sharing",
               {},
               true,
               "{name, department?}"},
              [&p](Call& call) {
                auto body = api::BodyJson(call);
                JsonReader r(body, "");
                std::string name = r.String("name", true);
                std::string dept = r.String("department", false, call.principal->department);
                ThrowIfError(r.Finish());
                auto c = ValueOrThrow(p.sharing().CreateCredential(ActorOf(call), dept, name));
                nlohmann::json j = sharing::ToJson(c.credential);
                j["token"] = c.token;
                j["private_key"] = c.private_key_hex;
                return Response::Json(j, 201);
              }});
  router.Add({"GET",
              "/api/v1/sharing/credentials",
              false,
              kSharingUsers,
              {"The department's application credentials",
               "sharing",
               {{"page", kPageDoc}, {"page_size", kPageSizeDoc}}},
              [&p](Call& call) {
                return Response::Json(PagedList(call, [&](sharing::ListWindow w, int64_t* total) {
                  return p.sharing().ListCredentials(ActorOf(call), w, total);
                }));
              }});
  router.Add({"POST",
              "/api/v1/sharing/credentials/{id}/revoke",
              false,
              kSharingUsers,
              {"Revoke an application credential at once", "sharing"},
              [&p](Call& call) {
                ThrowIfError(p.sharing().RevokeCredential(ActorOf(call), call.request.Param("id")));
                return Response::Json({{"ok", true}});
              }});
  router.Add({"GET",
              "/api/v1/sharing/usage",
              false,
              {Role::kPlatformAdmin, Role::kDeptSteward, Role::kDeptUser, Role::kSecurityAuditor},
              {"Usage: providers see who uses their data, how much and for what; consumers "
               "their grants, quotas and calls",
               "sharing",
               {{"side", "provider | consumer"},
                {"days", "1..366 (default 30)"},
                {"page", kPageDoc},
                {"page_size", kPageSizeDoc}}},
              [&p](Call& call) {
                int64_t days = 30;
                if (auto* d = call.request.Query("days"))
                  if (!ParseInt64(*d, &days))
                    throw Error(Status::InvalidArgument("days must be a whole number"));
                auto usage = ValueOrThrow(
                    p.sharing().Usage(ActorOf(call), QueryOr(call, "side", "consumer"), days));
                auto paged = Page(call, std::move(usage["items"]));
                for (auto& [k, v] : paged.items()) usage[k] = std::move(v);
                return Response::Json(usage);
              }});

  // ---- The sharing API (application credentials) ----
  auto data_route = [&](std::string method, std::string pattern, RouteDoc doc,
                        AsyncHandler handler) {
    Route r;
    r.method = std::move(method);
    r.pattern = std::move(pattern);
    r.doc = std::move(doc);
    r.doc.tag = "share";
    r.credential_route = true;
    r.async_handler = std::move(handler);
    router.Add(std::move(r));
  };
  data_route("GET", "/api/v1/share/{resource_code}/records/{key}",
             {"One masked record by the resource's key field (e.g. an ID number)", "share"},
             [&p](Call& call, Responder done) {
               p.sharing().GetRecord(AccessOf(call), call.request.Param("resource_code"),
                                     call.request.Param("key"), ToResponse(std::move(done)));
             });
  data_route("GET", "/api/v1/share/{resource_code}/records",
             {"Masked records by granted fields, paged",
              "share",
              {{"<field>", "equals (granted, filterable fields)"},
               {"page", "from 1"},
               {"page_size", "1..100"}}},
             [&p](Call& call, Responder done) {
               p.sharing().QueryRecords(AccessOf(call), call.request.Param("resource_code"),
                                        ToResponse(std::move(done)));
             });
  data_route("POST", "/api/v1/share/{resource_code}/exports",
             {"Start a bulk export (asynchronous; CSV or JSON, watermarked)",
              "share",
              {},
              true,
              "{format: csv|json, filter?: {field: value}}"},
             [&p](Call& call, Responder done) {
               p.sharing().StartExport(AccessOf(call), call.request.Param("resource_code"),
                                       ToResponse(std::move(done)));
             });
  auto export_handler = [&p](bool file) {
    return [&p, file](Call& call, Responder done) {
      int64_t id = 0;
      if (!ParseInt64(call.request.Param("id"), &id) || id < 1) id = 0;
      p.sharing().GetExport(AccessOf(call), call.request.Param("resource_code"), id, file,
                            ToResponse(std::move(done)));
    };
  };
  data_route("GET", "/api/v1/share/{resource_code}/exports/{id}", {"An export's status", "share"},
             export_handler(false));
  data_route("GET", "/api/v1/share/{resource_code}/exports/{id}/file",
             {"An export's watermarked file", "share"}, export_handler(true));
}

}  // namespace yishu::server

// Catalogue routes: departments, source systems, resources with versions, authoritative
// sources, and import of catalogue files.
#include "common/strings.hpp"
#include "common/yaml_json.hpp"
#include "server/api.hpp"

namespace yishu::server {

using identity::Role;

namespace {

bool IsPublic(const Call& call) {
  return !call.principal || call.principal->role == Role::kPublic;
}

std::optional<int64_t> ExpectedVersion(const Call& call) {
  if (auto* v = call.request.Header("if-match")) {
    int64_t n;
    std::string s(Trim(*v));
    if (s.size() >= 2 && s.front() == '"') s = s.substr(1, s.size() - 2);
    if (!ParseInt64(s, &n))
      throw Error(Status::InvalidArgument("If-Match must be a version number"));
    return n;
  }
  return std::nullopt;
}

Response PutResource(platform::Platform& p, Call& call, catalogue::PutMode mode) {
  auto body = api::BodyJson(call);
  auto parsed = catalogue::ParseResource(body, p.catalogue().elements());
  if (!parsed.ok()) throw Error(parsed.status());
  catalogue::Resource r = std::move(parsed).value();
  if (mode == catalogue::PutMode::kUpdate) {
    const auto& code = call.request.Param("code");
    if (r.code != code)
      throw Error(Status::InvalidArgument("the body's code '" + r.code +
                                          "' differs from the path's '" + code + "'"));
    auto current = p.catalogue().GetResource(code);
    if (!current.ok()) throw Error(current.status());
    api::RequireDepartment(call, current->department);
  }
  api::RequireDepartment(call, r.department);
  auto ev = api::EventFor(
      call, mode == catalogue::PutMode::kCreate ? "catalogue.create" : "catalogue.update", r.code);
  catalogue::Resource saved;
  bool changed = false;
  ThrowIfError(p.AuditedTransact(ev, [&](store::Connection& tx) -> Status {
    YISHU_ASSIGN_OR_RETURN(saved, p.catalogue().PutResource(tx, r, call.principal->username, mode,
                                                            ExpectedVersion(call), &changed));
    return Status::Ok();
  }));
  auto j = catalogue::ToJson(saved);
  j["changed"] = changed;
  Response res = Response::Json(j, mode == catalogue::PutMode::kCreate ? 201 : 200);
  res.headers.emplace_back("ETag", "\"" + std::to_string(saved.version) + "\"");
  return res;
}

}  // namespace

void RegisterCatalogueRoutes(Router& router, platform::Platform& p) {
  router.Add({"GET",
              "/api/v1/departments",
              false,
              AnyRole(),
              {"List departments", "catalogue"},
              [&p](Call&) {
                nlohmann::json items = nlohmann::json::array();
                for (const auto& d : ValueOrThrow(p.catalogue().ListDepartments()))
                  items.push_back(catalogue::ToJson(d));
                return Response::Json({{"items", items}, {"total", items.size()}});
              }});
  router.Add({"POST",
              "/api/v1/departments",
              false,
              {Role::kPlatformAdmin},
              {"Create or rename a department", "catalogue", {}, true, "{code, name, name_en}"},
              [&p](Call& call) {
                auto d = ValueOrThrow(catalogue::ParseDepartment(api::BodyJson(call)));
                ThrowIfError(p.AuditedTransact(
                    api::EventFor(call, "catalogue.department", "department:" + d.code),
                    [&](store::Connection& tx) { return p.catalogue().PutDepartment(tx, d); }));
                return Response::Json(catalogue::ToJson(d), 201);
              }});
  router.Add({"GET",
              "/api/v1/systems",
              false,
              GovernmentRoles(),
              {"List source systems", "catalogue", {{"department", "filter"}}},
              [&p](Call& call) {
                std::string dept;
                if (auto* d = call.request.Query("department")) dept = *d;
                nlohmann::json items = nlohmann::json::array();
                for (const auto& s : ValueOrThrow(p.catalogue().ListSystems(dept)))
                  items.push_back(catalogue::ToJson(s));
                return Response::Json({{"items", items}, {"total", items.size()}});
              }});
  router.Add({"POST",
              "/api/v1/systems",
              false,
              {Role::kPlatformAdmin, Role::kDeptSteward},
              {"Register a source system", "catalogue", {}, true, "{code, name, department}"},
              [&p](Call& call) {
                auto s = ValueOrThrow(catalogue::ParseSourceSystem(api::BodyJson(call)));
                api::RequireDepartment(call, s.department);
                ThrowIfError(p.AuditedTransact(
                    api::EventFor(call, "catalogue.system", "system:" + s.code),
                    [&](store::Connection& tx) { return p.catalogue().PutSystem(tx, s); }));
                return Response::Json(catalogue::ToJson(s), 201);
              }});
  router.Add({"GET",
              "/api/v1/resources",
              false,
              AnyRole(),
              {"List catalogue resources (paged)",
               "catalogue",
               {{"q", "text search in code, name, description, tags"},
                {"department", "provider department code"},
                {"share_type", "无条件共享 | 有条件共享 | 不予共享"},
                {"tag", "a tag"},
                {"page", "1-based page"},
                {"page_size", "1-200, default 20"}}},
              [&p](Call& call) {
                catalogue::ResourceQuery q;
                api::PageParams(call, &q.page, &q.page_size);
                if (auto* v = call.request.Query("q")) q.text = *v;
                if (auto* v = call.request.Query("department")) q.department = *v;
                if (auto* v = call.request.Query("share_type")) q.share_type = *v;
                if (auto* v = call.request.Query("tag")) q.tag = *v;
                q.openable_only = IsPublic(call);
                auto page = ValueOrThrow(p.catalogue().ListResources(q));
                nlohmann::json items = nlohmann::json::array();
                for (const auto& s : page.items) items.push_back(catalogue::ToJson(s));
                return Response::Json({{"items", items},
                                       {"total", page.total},
                                       {"page", page.page},
                                       {"page_size", page.page_size}});
              }});
  router.Add({"POST",
              "/api/v1/resources",
              false,
              {Role::kPlatformAdmin, Role::kDeptSteward},
              {"Register a data resource", "catalogue", {}, true, "a resource definition"},
              [&p](Call& call) { return PutResource(p, call, catalogue::PutMode::kCreate); }});
  router.Add({"GET",
              "/api/v1/resources/{code}",
              false,
              AnyRole(),
              {"A resource's current definition", "catalogue"},
              [&p](Call& call) {
                auto r = ValueOrThrow(p.catalogue().GetResource(call.request.Param("code")));
                if (IsPublic(call) && r.open_type == catalogue::OpenType::kNone)
                  throw Error(Status::NotFound("no resource '" + r.code + "'"));
                Response res = Response::Json(catalogue::ToJson(r));
                res.headers.emplace_back("ETag", "\"" + std::to_string(r.version) + "\"");
                return res;
              }});
  router.Add({"PUT",
              "/api/v1/resources/{code}",
              false,
              {Role::kPlatformAdmin, Role::kDeptSteward},
              {"Change a resource (a new version); If-Match: version for optimistic locking",
               "catalogue",
               {},
               true,
               "a resource definition"},
              [&p](Call& call) { return PutResource(p, call, catalogue::PutMode::kUpdate); }});
  router.Add({"GET",
              "/api/v1/resources/{code}/versions",
              false,
              GovernmentRoles(),
              {"A resource's version history", "catalogue"},
              [&p](Call& call) {
                nlohmann::json items = nlohmann::json::array();
                for (const auto& v :
                     ValueOrThrow(p.catalogue().History(call.request.Param("code"))))
                  items.push_back(catalogue::ToJson(v));
                return Response::Json({{"items", items}});
              }});
  router.Add({"GET",
              "/api/v1/resources/{code}/versions/{version}",
              false,
              GovernmentRoles(),
              {"A resource as it was at a version", "catalogue"},
              [&p](Call& call) {
                int64_t v;
                if (!ParseInt64(call.request.Param("version"), &v))
                  throw Error(Status::InvalidArgument("version must be a number"));
                return Response::Json(catalogue::ToJson(
                    ValueOrThrow(p.catalogue().GetResource(call.request.Param("code"), v))));
              }});
  router.Add({"GET",
              "/api/v1/sources",
              false,
              GovernmentRoles(),
              {"一数一源: per data element and subject, its authoritative source and copies",
               "catalogue",
               {{"element", "a data element code"}}},
              [&p](Call& call) {
                std::string element;
                if (auto* e = call.request.Query("element")) element = *e;
                nlohmann::json items = nlohmann::json::array();
                for (const auto& s : ValueOrThrow(p.catalogue().Sources(element)))
                  items.push_back(catalogue::ToJson(s));
                return Response::Json({{"items", items}});
              }});
  router.Add({"POST",
              "/api/v1/catalogue/import",
              false,
              {Role::kPlatformAdmin},
              {"Import a catalogue file (YAML or JSON), all or nothing",
               "catalogue",
               {},
               true,
               "a catalogue document: {departments, systems, resources}"},
              [&p](Call& call) {
                auto doc = ValueOrThrow(YamlToJson(call.request.body, "request body"));
                catalogue::ImportSummary sum;
                ThrowIfError(p.AuditedTransact(
                    api::EventFor(call, "catalogue.import"), [&](store::Connection& tx) -> Status {
                      YISHU_ASSIGN_OR_RETURN(
                          sum, p.catalogue().Import(tx, doc, call.principal->username));
                      return Status::Ok();
                    }));
                return Response::Json({{"departments", sum.departments},
                                       {"systems", sum.systems},
                                       {"created", sum.created},
                                       {"updated", sum.updated},
                                       {"unchanged", sum.unchanged}});
              }});
}

}  // namespace yishu::server

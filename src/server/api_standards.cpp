// Data element standards (数据元) and code lists.
#include "common/json_reader.hpp"
#include "server/api.hpp"

namespace yishu::server {

using identity::Role;

void RegisterStandardsRoutes(Router& router, platform::Platform& p) {
  router.Add({"GET",
              "/api/v1/standards/elements",
              false,
              AnyRole(),
              {"List data elements (数据元)", "standards"},
              [&p](Call&) {
                nlohmann::json items = nlohmann::json::array();
                for (const auto* e : p.standards().Elements())
                  items.push_back(standards::ToJson(*e));
                return Response::Json({{"items", items}, {"total", items.size()}});
              }});
  router.Add({"GET",
              "/api/v1/standards/elements/{code}",
              false,
              AnyRole(),
              {"One data element", "standards"},
              [&p](Call& call) {
                const auto& code = call.request.Param("code");
                const auto* e = p.standards().FindElement(code);
                if (!e) throw Error(Status::NotFound("no data element '" + code + "'"));
                auto j = standards::ToJson(*e);
                if (!e->code_list.empty())
                  if (const auto* cl = p.standards().FindCodeList(e->code_list))
                    j["code_list_entries"] = standards::ToJson(*cl);
                return Response::Json(j);
              }});
  router.Add({"GET",
              "/api/v1/standards/code-lists",
              false,
              AnyRole(),
              {"List code lists", "standards"},
              [&p](Call&) {
                nlohmann::json items = nlohmann::json::array();
                for (const auto* c : p.standards().CodeLists())
                  items.push_back(standards::ToJson(*c));
                return Response::Json({{"items", items}, {"total", items.size()}});
              }});
  router.Add({"POST",
              "/api/v1/standards/validate",
              false,
              GovernmentRoles(),
              {"Validate one value against a data element",
               "standards",
               {},
               true,
               "{\"element\": \"id_card\", \"value\": \"...\"}"},
              [&p](Call& call) {
                auto body = api::BodyJson(call);
                JsonReader r(body, "");
                std::string element = r.String("element", true);
                std::string value = r.String("value", false);
                ThrowIfError(r.Finish());
                const auto* e = p.standards().FindElement(element);
                if (!e) throw Error(Status::NotFound("no data element '" + element + "'"));
                auto v = p.standards().Validate(*e, value);
                return Response::Json({{"element", element},
                                       {"valid", !v.has_value()},
                                       {"violation", v ? standards::ToJson(*v) : nullptr}});
              }});
  router.Add(
      {"POST",
       "/api/v1/standards/import",
       false,
       {Role::kPlatformAdmin},
       {"Add data elements and code lists from a YAML document (all or nothing)",
        "standards",
        {},
        true,
        "YAML: {code_lists: [...], elements: [...]}"},
       [&p](Call& call) {
         if (call.request.body.empty())
           throw Error(Status::InvalidArgument("a YAML body is required"));
         auto before = p.standards().Elements().size();
         ThrowIfError(
             p.standards().ImportYamlToStore(p.store(), call.request.body, "request body"));
         auto ev = api::EventFor(call, "standards.import");
         ev.detail = {{"elements_added", p.standards().Elements().size() - before}};
         (void)p.audit().Append(ev);
         return Response::Json({{"elements_added", p.standards().Elements().size() - before}});
       }});
}

}  // namespace yishu::server

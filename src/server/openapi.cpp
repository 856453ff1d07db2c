#include "common/strings.hpp"
#include "server/api.hpp"

namespace yishu::server {

nlohmann::json OpenApiDocument(const Router& router) {
  nlohmann::json paths = nlohmann::json::object();
  nlohmann::json error_schema = {{"type", "object"},
                                 {"required", {"error"}},
                                 {"properties",
                                  {{"error",
                                    {{"type", "object"},
                                     {"required", {"code", "message"}},
                                     {"properties",
                                      {{"code", {{"type", "string"}}},
                                       {"message", {{"type", "string"}}},
                                       {"details", nlohmann::json::object()}}}}}}}};
  for (const auto& r : router.routes()) {
    nlohmann::json op;
    op["summary"] = r.doc.summary;
    op["tags"] = {r.doc.tag};
    op["operationId"] = r.method + " " + r.pattern;
    nlohmann::json params = nlohmann::json::array();
    for (const auto& seg : r.segments) {
      if (seg.size() > 2 && seg.front() == '{')
        params.push_back({{"name", seg.substr(1, seg.size() - 2)},
                          {"in", "path"},
                          {"required", true},
                          {"schema", {{"type", "string"}}}});
    }
    for (const auto& [name, desc] : r.doc.query)
      params.push_back({{"name", name},
                        {"in", "query"},
                        {"required", false},
                        {"description", desc},
                        {"schema", {{"type", "string"}}}});
    if (!params.empty()) op["parameters"] = params;
    if (r.doc.has_body)
      op["requestBody"] = {{"required", true},
                           {"description", r.doc.body_description},
                           {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
    nlohmann::json roles = nlohmann::json::array();
    for (auto role : r.roles) roles.push_back(identity::RoleName(role));
    op["x-yishu-roles"] = r.public_route       ? nlohmann::json("public route")
                          : r.credential_route ? nlohmann::json("application credential")
                                               : roles;
    if (r.credential_route)
      op["security"] = {{{"bearer", nlohmann::json::array()}}, {{"sm2", nlohmann::json::array()}}};
    else if (!r.public_route)
      op["security"] = {{{"bearer", nlohmann::json::array()}}};
    op["responses"] = {
        {"200", {{"description", "OK"}}},
        {"default",
         {{"description", "Error"},
          {"content",
           {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}};
    paths[r.pattern][ToLowerAscii(r.method)] = op;
  }
  return {{"openapi", "3.0.3"},
          {"info",
           {{"title", "Yishu 一数 public data platform API"},
            {"version", "1"},
            {"description",
             "Integrated public data platform for county-level digital government. Errors share "
             "one shape: {\"error\": {\"code\", \"message\", \"details\"}}."}}},
          {"paths", paths},
          {"components",
           {{"securitySchemes",
             {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}},
              {"sm2",
               {{"type", "apiKey"},
                {"in", "header"},
                {"name", "Authorization"},
                {"description",
                 "YISHU-SM2 credential=ID,timestamp=MS,nonce=HEX,signature=HEX (see "
                 "src/sharing/signing.hpp)"}}}}},
            {"schemas", {{"Error", error_schema}}}}}};
}

}  // namespace yishu::server

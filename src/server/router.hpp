// The route table: every API route in one place, each with the roles allowed to call it and
// its documentation. Anything not listed is 404; a listed route without the caller's role is
// 403 (or 401 without credentials) — there is no implicit allow.
//
// The OpenAPI document is generated from this table, so documentation and routes cannot drift.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "identity/identity.hpp"
#include "server/http.hpp"

namespace yishu::server {

// A request once routed and (where required) authenticated.
struct Call {
  Request& request;
  const identity::Principal* principal = nullptr;  // null on public routes without a token
  std::string route;                               // the pattern, for metrics and audit
  std::string token;                               // the bearer token, when one was sent
};

using Handler = std::function<Response(Call&)>;
// For routes answered asynchronously. The Call (and its Request) live only until the handler
// returns: copy what the completion needs.
using AsyncHandler = std::function<void(Call&, Responder)>;

struct RouteDoc {
  std::string summary;
  std::string tag;
  // Query parameters: name -> description.
  std::vector<std::pair<std::string, std::string>> query;
  bool has_body = false;
  std::string body_description;
};

struct Route {
  std::string method;
  std::string pattern;             // "/api/v1/resources/{code}"
  bool public_route = false;       // no authentication needed
  std::set<identity::Role> roles;  // allowed roles (ignored for public routes)
  RouteDoc doc;
  Handler handler;
  AsyncHandler async_handler;  // instead of `handler`
  // Called by application credentials (the sharing API), not by users: the dispatcher does not
  // authenticate a user for it and `roles` stays empty (no user role may call it); the handler
  // authenticates the credential and answers 401 / 403 itself.
  bool credential_route = false;
  std::vector<std::string> segments;  // split pattern
  // The body is a large upload: streamed to a temporary file (Request::body_file), not held in
  // memory, and not bounded by server.max_body_bytes (ConfigureUploads).
  bool spooled_body = false;
};

class Router {
 public:
  void Add(Route route);
  // Finds the route for a method and path, filling path params. `method_mismatch` tells 405
  // from 404.
  const Route* Match(const std::string& method, const std::string& path,
                     std::map<std::string, std::string>* params, bool* method_mismatch) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Every role, for routes open to any signed-in user.
std::set<identity::Role> AnyRole();
// Every government role (not the public).
std::set<identity::Role> GovernmentRoles();

}  // namespace yishu::server

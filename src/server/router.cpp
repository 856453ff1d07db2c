#include "server/router.hpp"

#include <stdexcept>

#include "common/strings.hpp"

namespace yishu::server {

namespace {
// The non-empty segments of a path, as views into it: matching runs on every request.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool IsParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}
}  // namespace

void Router::Add(Route route) {
  route.segments.clear();
  for (std::string_view seg : SplitPath(route.pattern)) route.segments.emplace_back(seg);
  for (const auto& r : routes_)
    if (r.method == route.method && r.pattern == route.pattern)
      throw std::logic_error("route registered twice: " + route.method + " " + route.pattern);
  if (!route.public_route && !route.credential_route && route.roles.empty())
    throw std::logic_error("route without roles: " + route.pattern);
  if (route.credential_route && !route.roles.empty())
    throw std::logic_error("credential route with user roles: " + route.pattern);
  if (!route.handler == !route.async_handler)
    throw std::logic_error("route needs exactly one handler: " + route.pattern);
  routes_.push_back(std::move(route));
}

const Route* Router::Match(const std::string& method, const std::string& path,
                           std::map<std::string, std::string>* params,
                           bool* method_mismatch) const {
  auto segs = SplitPath(path);
  *method_mismatch = false;
  const Route* best = nullptr;
  int best_literals = -1;
  for (const auto& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    int literals = 0;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      const auto& p = r.segments[i];
      if (IsParam(p)) continue;
      if (p != segs[i]) ok = false;
      ++literals;
    }
    if (!ok) continue;
    if (r.method != method) {
      *method_mismatch = true;
      continue;
    }
    // Literal segments win over parameters (/resources/import before /resources/{code}).
    if (literals > best_literals) {
      best = &r;
      best_literals = literals;
    }
  }
  if (best) {
    params->clear();
    for (size_t i = 0; i < segs.size(); ++i) {
      const auto& p = best->segments[i];
      if (IsParam(p)) (*params)[p.substr(1, p.size() - 2)] = std::string(segs[i]);
    }
    *method_mismatch = false;
  }
  return best;
}

std::set<identity::Role> AnyRole() {
  return {std::begin(identity::kAllRoles), std::end(identity::kAllRoles)};
}

std::set<identity::Role> GovernmentRoles() {
  auto all = AnyRole();
  all.erase(identity::Role::kPublic);
  return all;
}

}  // namespace yishu::server

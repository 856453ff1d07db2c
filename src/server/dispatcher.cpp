#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>

#include "common/json_reader.hpp"
#include "common/metrics.hpp"
#include "common/strings.hpp"
#include "common/thread.hpp"
#include "server/api.hpp"

namespace yishu::server {

namespace {

metrics::Counter& RequestCounter(const std::string& method, const std::string& route, int status) {
  return metrics::Registry::Global().GetCounter(
      "yishu_http_requests_total", "HTTP requests by method, route and status code.",
      {{"method", method}, {"route", route}, {"status", std::to_string(status)}});
}

metrics::Histogram& LatencyHistogram(const std::string& method, const std::string& route) {
  return metrics::Registry::Global().GetHistogram(
      "yishu_http_request_duration_seconds", "HTTP request latency by method and route.",
      {{"method", method}, {"route", route}}, metrics::LatencyBuckets());
}

std::string MimeType(const std::string& path) {
  auto ext = std::filesystem::path(path).extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  return "application/octet-stream";
}

}  // namespace

Dispatcher::Dispatcher(const Router& router, platform::Platform& platform, int handler_threads)
    : router_(router),
      platform_(platform),
      handlers_(std::make_unique<boost::asio::thread_pool>(std::max(handler_threads, 1))) {}

Dispatcher::~Dispatcher() {
  handlers_->join();
}

void Dispatcher::Observe(const std::string& method, const std::string& route, int status,
                         double seconds) {
  const std::string key = method + ' ' + route;
  auto find = [&](RouteMetrics& m) -> metrics::Counter* {
    for (auto& [code, counter] : m.by_status)
      if (code == status) return counter;
    return nullptr;
  };
  {
    std::shared_lock lock(metrics_mu_);
    auto it = metrics_.find(key);
    if (it != metrics_.end()) {
      if (metrics::Counter* counter = find(it->second)) {
        counter->Inc();
        it->second.latency->Observe(seconds);
        return;
      }
    }
  }
  std::unique_lock lock(metrics_mu_);
  RouteMetrics& m = metrics_[key];
  if (!m.latency) m.latency = &LatencyHistogram(method, route);
  metrics::Counter* counter = find(m);
  if (!counter) {
    counter = &RequestCounter(method, route, status);
    m.by_status.emplace_back(status, counter);
  }
  counter->Inc();
  m.latency->Observe(seconds);
}

Response Dispatcher::Handle(Request& req) {
  std::promise<Response> promise;
  auto future = promise.get_future();
  HandleAsync(req, [&promise](Response r) { promise.set_value(std::move(r)); });
  Response res = future.get();
  if (res.render) std::exchange(res.render, nullptr)(res);
  return res;
}

void Dispatcher::HandleAsync(Request& req, Responder done) {
  const auto start = std::chrono::steady_clock::now();
  bool method_mismatch = false;
  const Route* route = router_.Match(req.method, req.path, &req.params, &method_mismatch);
  if (route && route->async_handler) return Answer(req, route, method_mismatch, start, done);
  boost::asio::post(*handlers_, [this, req = std::move(req), route, method_mismatch, start,
                                 done = std::move(done)]() mutable {
    // The pool makes its threads itself: each names itself at its first request, so a
    // profile or `top -H` tells handlers from the I/O loops.
    thread_local const bool named = (NameThisThread("yishu-handler"), true);
    (void)named;
    Answer(req, route, method_mismatch, start, std::move(done));
  });
}

void Dispatcher::Answer(Request& req, const Route* route, bool method_mismatch,
                        std::chrono::steady_clock::time_point start, Responder done) {
  std::string route_label = "unmatched";
  bool api = StartsWith(req.path, "/api/");
  // Headers and metrics for every answer, however it completes.
  // Any token is a method to the HTTP parser: only the standard ones become metric labels.
  static const std::set<std::string> kMethods = {"GET",   "HEAD",   "POST",   "PUT",
                                                 "PATCH", "DELETE", "OPTIONS"};
  std::string method = kMethods.count(req.method) ? req.method : "OTHER";
  auto finish = [this, start, api, method = std::move(method)](
                    Response res, const std::string& label, const Responder& done) {
    if (api) res.headers.emplace_back("Cache-Control", "no-store");
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    Observe(method, label, res.status, secs);
    done(std::move(res));
  };
  Response res;
  try {
    if (!route) {
      if (method_mismatch) {
        res = Response::Error(
            Status(ErrorCode::kUnsupported, req.method + " is not allowed on " + req.path));
        res.status = 405;
      } else if (!StartsWith(req.path, "/api/") && (req.method == "GET" || req.method == "HEAD")) {
        route_label = "static";
        res = ServeStatic(req);
      } else {
        res = Response::Error(Status::NotFound("no route " + req.method + " " + req.path));
      }
    } else {
      route_label = route->pattern;
      Call call{req, nullptr, route->pattern, ""};
      if (route->credential_route) {
        // The handler authenticates the application credential itself.
        auto once = std::make_shared<std::atomic<bool>>(false);
        route->async_handler(call, [finish, label = route->pattern, done, once](Response r) {
          if (!once->exchange(true)) finish(std::move(r), label, done);
        });
        return;
      }
      identity::Principal principal;
      const std::string* auth = req.Header("authorization");
      if (auth) {
        if (!StartsWith(*auth, "Bearer "))
          throw Error(Status::Unauthenticated("Authorization must be 'Bearer TOKEN'"));
        call.token = std::string(Trim(std::string_view(*auth).substr(7)));
        auto p = platform_.identity().Authenticate(call.token);
        if (!p.ok()) throw Error(p.status());
        principal = std::move(p).value();
        call.principal = &principal;
      }
      if (!route->public_route) {
        if (!call.principal)
          throw Error(Status::Unauthenticated("this route needs 'Authorization: Bearer TOKEN'"));
        if (!route->roles.count(call.principal->role))
          throw Error(Status::PermissionDenied(
              "role " + std::string(identity::RoleName(call.principal->role)) + " may not call " +
              route->method + " " + route->pattern));
      }
      if (route->async_handler) {
        auto once = std::make_shared<std::atomic<bool>>(false);
        route->async_handler(call, [finish, label = route->pattern, done, once](Response r) {
          if (!once->exchange(true)) finish(std::move(r), label, done);
        });
        return;
      }
      res = route->handler(call);
    }
  } catch (const Error& e) {
    res = Response::Error(e.status());
  } catch (const std::exception& e) {
    res = Response::Error(Status::Internal(e.what()));
  }
  finish(std::move(res), route_label, done);
}

Response Dispatcher::ServeStatic(const Request& req) {
  namespace fs = std::filesystem;
  const std::string& root = platform_.config().static_dir;
  std::error_code ec;
  if (root.empty() || !fs::is_directory(root, ec))
    return Response::Text(
        "<!doctype html><meta charset=utf-8><title>一数 Yishu</title><p>Yishu API is running. "
        "The web console is not built: see README.md.</p>",
        "text/html; charset=utf-8");
  std::string rel = req.path == "/" ? "index.html" : req.path.substr(1);
  fs::path file = fs::weakly_canonical(fs::path(root) / rel, ec);
  fs::path base = fs::weakly_canonical(root, ec);
  bool inside = !ec && StartsWith(file.string(), base.string());
  // Single-page app: unknown paths without an extension get index.html.
  if (!inside || !fs::is_regular_file(file, ec)) {
    if (fs::path(rel).has_extension())
      return Response::Error(Status::NotFound("no file " + req.path));
    file = base / "index.html";
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Response::Error(Status::NotFound("no file " + req.path));
  std::ostringstream ss;
  ss << in.rdbuf();
  Response r = Response::Text(ss.str(), MimeType(file.string()));
  r.headers.emplace_back("Cache-Control", StartsWith(rel, "assets/")
                                              ? "public, max-age=31536000, immutable"
                                              : "no-cache");
  return r;
}

namespace api {

nlohmann::json BodyJson(const Call& call) {
  if (call.request.body.empty()) throw Error(Status::InvalidArgument("a JSON body is required"));
  return ValueOrThrow(ParseJsonBody(call.request.body));
}

audit::AuditEvent EventFor(const Call& call, std::string action, std::string resource) {
  audit::AuditEvent e;
  if (call.principal) {
    e.actor = call.principal->username;
    e.role = std::string(identity::RoleName(call.principal->role));
    e.department = call.principal->department;
  } else {
    e.actor = "anonymous";
  }
  e.action = std::move(action);
  e.resource = std::move(resource);
  e.client = call.request.client;
  if (auto* purpose = call.request.Header("x-purpose")) e.purpose = *purpose;
  return e;
}

void PageParams(const Call& call, int64_t* page, int64_t* page_size) {
  *page = 1;
  *page_size = 20;
  if (auto* p = call.request.Query("page")) {
    if (!ParseInt64(*p, page) || *page < 1)
      throw Error(Status::InvalidArgument("page must be a whole number from 1"));
  }
  if (auto* p = call.request.Query("page_size")) {
    if (!ParseInt64(*p, page_size) || *page_size < 1 || *page_size > 200)
      throw Error(Status::InvalidArgument("page_size must be a whole number from 1 to 200"));
  }
}

void RequireDepartment(const Call& call, const std::string& department) {
  if (!call.principal) throw Error(Status::Unauthenticated("not signed in"));
  if (call.principal->role == identity::Role::kPlatformAdmin) return;
  if (call.principal->department != department)
    throw Error(Status::PermissionDenied("you act for department '" + call.principal->department +
                                         "', not '" + department + "'"));
}

bool SeesEveryDepartment(const Call& call) {
  return call.principal && (call.principal->role == identity::Role::kPlatformAdmin ||
                            call.principal->role == identity::Role::kSecurityAuditor);
}

void RequireReader(const Call& call, const std::string& department) {
  if (SeesEveryDepartment(call)) return;
  RequireDepartment(call, department);
}

int64_t PathId(const Call& call, const char* name) {
  int64_t id = 0;
  if (!ParseInt64(call.request.Param(name), &id) || id <= 0)
    throw Error(Status::InvalidArgument(std::string(name) + " must be a positive integer"));
  return id;
}

}  // namespace api

void ConfigureUploads(HttpServerOptions& so, const Router& router,
                      const std::filesystem::path& spool_dir, uint64_t max_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(spool_dir, ec);
  so.spool_dir = spool_dir.string();
  so.max_spooled_body_bytes = max_bytes;
  so.spool_body = [&router](const Request& head) -> Result<bool> {
    std::map<std::string, std::string> params;
    bool method_mismatch = false;
    const Route* route = router.Match(head.method, head.path, &params, &method_mismatch);
    if (!route || !route->spooled_body) return false;
    // Who may upload is decided once the body is in; who may not even send one is known now.
    const std::string* auth = head.Header("authorization");
    if (!auth || auth->rfind("Bearer ", 0) != 0)
      return Status::Unauthenticated("authentication required: send a bearer token");
    return true;
  };
}

void RegisterAllRoutes(Router& router, platform::Platform& p) {
  RegisterSystemRoutes(router, p);
  RegisterIdentityRoutes(router, p);
  RegisterCatalogueRoutes(router, p);
  RegisterStandardsRoutes(router, p);
  RegisterAuditRoutes(router, p);
  RegisterOverviewRoutes(router, p);
  RegisterIngestRoutes(router, p);
  RegisterSecurityRoutes(router, p);
  RegisterQualityRoutes(router, p);
  RegisterSharingRoutes(router, p);
  RegisterMasterdataRoutes(router, p);
}

}  // namespace yishu::server

// The JSON API under /api/v1: route registration per capability, and the dispatcher that
// every request goes through (route match → authenticate → authorize by role → handler →
// one error shape), with per-route metrics.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <shared_mutex>
#include <unordered_map>

#include "common/metrics.hpp"
#include "platform/platform.hpp"
#include "server/http_server.hpp"
#include "server/router.hpp"

namespace boost::asio {
class thread_pool;
}

namespace yishu::server {

// Registers every route. Each capability has its own file (api_catalogue.cpp, ...).
void RegisterSystemRoutes(Router& router, platform::Platform& p);
void RegisterIdentityRoutes(Router& router, platform::Platform& p);
void RegisterCatalogueRoutes(Router& router, platform::Platform& p);
void RegisterStandardsRoutes(Router& router, platform::Platform& p);
void RegisterAuditRoutes(Router& router, platform::Platform& p);
void RegisterOverviewRoutes(Router& router, platform::Platform& p);
void RegisterIngestRoutes(Router& router, platform::Platform& p);
void RegisterSecurityRoutes(Router&, platform::Platform&);
void RegisterQualityRoutes(Router& router, platform::Platform& p);
void RegisterSharingRoutes(Router& router, platform::Platform& p);
void RegisterMasterdataRoutes(Router& router, platform::Platform& p);
void RegisterAllRoutes(Router& router, platform::Platform& p);

// Large uploads: the bodies of routes marked spooled_body are streamed to temporary files in
// `spool_dir` (created; at most `max_bytes` each) instead of memory. Such a request without a
// bearer token is refused (401) before its body is read. `router` must outlive the server.
void ConfigureUploads(HttpServerOptions& so, const Router& router,
                      const std::filesystem::path& spool_dir, uint64_t max_bytes);

// The OpenAPI 3 document of the router's routes.
nlohmann::json OpenApiDocument(const Router& router);

// Routes answered synchronously (most of them; they may block on the store for long, e.g. an
// upload's ingest) run on the dispatcher's own handler threads, never on the caller's: the
// HTTP server's event loops only parse and write, so one slow request cannot stall the other
// connections of its loop. Asynchronous routes (the sharing API) start on the caller's thread,
// since they only check a cached grant and queue their work.
class Dispatcher {
 public:
  Dispatcher(const Router& router, platform::Platform& platform, int handler_threads = 4);
  ~Dispatcher();  // waits for the handlers running
  // Answers through `done`, at once or later from another thread. Moves from `req`.
  void HandleAsync(Request& req, Responder done);
  // Waits for the answer (tests, tools).
  Response Handle(Request& req);

 private:
  void Answer(Request& req, const Route* route, bool method_mismatch,
              std::chrono::steady_clock::time_point start, Responder done);
  // A request's counter and latency histogram. The registry looks metrics up by name and
  // formatted labels under one lock; the few (method, route, status) triples in use are looked
  // up there once and kept here, so answering costs no string building.
  struct RouteMetrics {
    metrics::Histogram* latency = nullptr;
    std::vector<std::pair<int, metrics::Counter*>> by_status;
  };
  void Observe(const std::string& method, const std::string& route, int status, double seconds);
  Response ServeStatic(const Request& req);
  const Router& router_;
  platform::Platform& platform_;
  std::shared_mutex metrics_mu_;
  std::unordered_map<std::string, RouteMetrics> metrics_;  // by "METHOD route"
  std::unique_ptr<boost::asio::thread_pool> handlers_;
};

// Helpers shared by the handler files.
namespace api {
// The request body as a JSON object (InvalidArgument on malformed JSON).
nlohmann::json BodyJson(const Call& call);
// An audit event for this call, pre-filled with who, role, department and client.
audit::AuditEvent EventFor(const Call& call, std::string action, std::string resource = {});
// page / page_size query parameters, validated.
void PageParams(const Call& call, int64_t* page, int64_t* page_size);
// Throws PermissionDenied unless the principal may act for `department` (admins always may).
void RequireDepartment(const Call& call, const std::string& department);
// Platform admins and security auditors read every department's records.
bool SeesEveryDepartment(const Call& call);
// Throws PermissionDenied unless the principal may read `department`'s records.
void RequireReader(const Call& call, const std::string& department);
// A positive integer path parameter (InvalidArgument naming it otherwise).
int64_t PathId(const Call& call, const char* name);
}  // namespace api

}  // namespace yishu::server

// The one-screen overview (一屏统览) and the district map's outline.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/time.hpp"
#include "server/api.hpp"

namespace yishu::server {

using identity::Role;

namespace {

// Daily counts of audit events of some actions over the last `days` days (oldest first).
nlohmann::json DailyCounts(platform::Platform& p, const std::string& where, int days,
                           const char* value_key) {
  int64_t day_ms = 86400000;
  // Days in China time (UTC+8), which is what the district's people read.
  int64_t tz = 8 * 3600000;
  int64_t today = (NowMillis() + tz) / day_ms;
  int64_t from = (today - days + 1) * day_ms - tz;
  auto rows = p.store().Query(
      "SELECT (at_millis + ?) / ? AS day, count(*) FROM audit_events "
      "WHERE at_millis >= ? AND " +
          where + " GROUP BY day ORDER BY day",
      {tz, day_ms, from});
  std::map<int64_t, int64_t> counts;
  if (rows.ok())
    for (const auto& r : *rows) counts[r.Int(0)] = r.Int(1);
  nlohmann::json out = nlohmann::json::array();
  for (int64_t d = today - days + 1; d <= today; ++d)
    out.push_back({{"date", FormatRfc3339(d * day_ms).substr(0, 10)}, {value_key, counts[d]}});
  return out;
}

}  // namespace

void RegisterOverviewRoutes(Router& router, platform::Platform& p) {
  router.Add({"GET",
              "/api/v1/overview",
              false,
              {Role::kPlatformAdmin, Role::kDeptSteward, Role::kDeptUser, Role::kSecurityAuditor},
              {"One-screen overview figures (一屏统览)", "overview"},
              [&p](Call&) {
                nlohmann::json assets = nlohmann::json::array();
                auto rows = p.store().Query(
                    "SELECT d.code, d.name, count(r.code), coalesce(sum(r.field_count), 0) FROM "
                    "departments d LEFT JOIN resources r ON r.department = d.code GROUP BY d.code, "
                    "d.name ORDER BY d.code");
                int64_t resources = 0, fields = 0;
                if (rows.ok()) {
                  for (const auto& r : *rows) {
                    assets.push_back({{"department", r.Text(0)},
                                      {"name", r.Text(1)},
                                      {"resources", r.Int(2)},
                                      {"fields", r.Int(3)}});
                    resources += r.Int(2);
                    fields += r.Int(3);
                  }
                }
                auto denied = p.store().QueryOne(
                    "SELECT count(*) FROM audit_events WHERE result <> 'ok' AND at_millis >= ?",
                    {NowMillis() - 86400000});
                return Response::Json(
                    {{"generated_at", FormatRfc3339(NowMillis())},
                     {"totals",
                      {{"resources", resources},
                       {"fields", fields},
                       {"denied_or_failed_24h", denied.ok() ? denied->Int(0) : 0}}},
                     {"assets_by_department", assets},
                     {"activity_per_day", DailyCounts(p, "1 = 1", 14, "events")},
                     {"logins_per_day", DailyCounts(p, "action = 'login'", 14, "logins")}});
              }});
  router.Add({"GET",
              "/api/v1/geo/keqiao",
              false,
              AnyRole(),
              {"The district outline (GeoJSON, GCJ-02) for the overview map", "overview"},
              [&p](Call&) {
                auto file =
                    std::filesystem::path(p.config().geo_dir) / "keqiao-330603-outline.json";
                std::ifstream in(file);
                if (!in)
                  throw Error(Status::NotFound("no district outline at " + file.string() +
                                               " (set paths.geo_dir)"));
                std::stringstream ss;
                ss << in.rdbuf();
                Response r = Response::Text(ss.str(), "application/geo+json; charset=utf-8");
                r.headers.emplace_back("Cache-Control", "public, max-age=86400");
                return r;
              }});
}

}  // namespace yishu::server

// Test support: fresh, empty stores on every backend available to the test run.
//
// SQLite is always there. PostgreSQL is used when YISHU_TEST_PG_URL names a server (the test
// command starts a throwaway one); each call creates a new database on it so tests never share
// state. With YISHU_REQUIRE_PG=1 a missing server is a failure, not a skip, so CI cannot pass
// without having run the PostgreSQL half.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace yishu::store::testing {

inline std::string UniqueName(const std::string& prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  return prefix + std::to_string(rng() % 1000000000000ULL);
}

inline std::filesystem::path TempDir(const std::string& prefix = "yishu_test_") {
  auto dir = std::filesystem::temp_directory_path() / UniqueName(prefix);
  std::filesystem::create_directories(dir);
  return dir;
}

inline bool PostgresAvailable() {
  const char* url = std::getenv("YISHU_TEST_PG_URL");
  return url && *url;
}

inline bool PostgresRequired() {
  const char* req = std::getenv("YISHU_REQUIRE_PG");
  return req && std::string(req) == "1";
}

// A URL of a brand-new PostgreSQL database, or "" when no server is configured.
inline std::string FreshPostgresUrl() {
  if (!PostgresAvailable()) return "";
  std::string admin = std::getenv("YISHU_TEST_PG_URL");
  auto store = Store::Open({admin, 1});
  if (!store.ok()) throw Error(store.status());
  std::string db = UniqueName("yishu_t");
  auto r = (*store)->Exec("CREATE DATABASE " + db);
  if (!r.ok()) throw Error(r.status());
  auto slash = admin.rfind('/');
  auto query = admin.find('?', slash);
  return admin.substr(0, slash + 1) + db + (query == std::string::npos ? "" : admin.substr(query));
}

inline std::string FreshSqliteUrl() {
  return "sqlite:" + (TempDir() / "yishu.db").string();
}

// Backends to parameterise a test over. Both are always listed (so test discovery does not
// depend on the environment); call SkipUnlessAvailable() first in a PostgreSQL-parameterised test.
inline std::vector<std::string> Backends() {
  return {"sqlite", "postgresql"};
}

// True when the test must be skipped because the backend is not configured (and not required).
inline bool Unavailable(const std::string& backend) {
  return backend == "postgresql" && !PostgresAvailable() && !PostgresRequired();
}

inline std::string FreshUrl(const std::string& backend) {
  if (backend == "sqlite") return FreshSqliteUrl();
  std::string url = FreshPostgresUrl();
  if (url.empty()) throw Error(Status::Unavailable("YISHU_TEST_PG_URL is not set"));
  return url;
}

}  // namespace yishu::store::testing

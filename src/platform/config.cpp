#include "platform/config.hpp"

#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>

#include "common/strings.hpp"

#ifndef YISHU_SOURCE_ROOT
#define YISHU_SOURCE_ROOT "."
#endif

namespace yishu::platform {

namespace {

// One table of settings: section.key -> how to set it from a string, an integer or a bool.
struct Setting {
  enum Kind { kString, kInt } kind;
  std::function<Status(Config&, const std::string&, int64_t)> apply;
};

Status PositiveInt(int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi)
    return Status::InvalidArgument("must be between " + std::to_string(lo) + " and " +
                                   std::to_string(hi));
  return Status::Ok();
}

const std::map<std::string, Setting>& Settings() {
  static const std::map<std::string, Setting> kSettings = {
      {"store.url",
       {Setting::kString,
        [](Config& c, const std::string& s, int64_t) {
          if (!StartsWith(s, "sqlite:") && !StartsWith(s, "postgresql://") &&
              !StartsWith(s, "postgres://"))
            return Status::InvalidArgument("must start with sqlite: or postgresql://");
          c.store_url = s;
          return Status::Ok();
        }}},
      {"store.pool_size",
       {Setting::kInt,
        [](Config& c, const std::string&, int64_t v) {
          YISHU_RETURN_IF_ERROR(PositiveInt(v, 1, 256));
          c.store_pool_size = static_cast<int>(v);
          return Status::Ok();
        }}},
      {"server.listen",
       {Setting::kString,
        [](Config& c, const std::string& s, int64_t) {
          std::string host;
          int port;
          YISHU_RETURN_IF_ERROR(ParseListen(s, &host, &port));
          c.listen = s;
          return Status::Ok();
        }}},
      {"server.threads",
       {Setting::kInt,
        [](Config& c, const std::string&, int64_t v) {
          YISHU_RETURN_IF_ERROR(PositiveInt(v, 1, 256));
          c.server_threads = static_cast<int>(v);
          return Status::Ok();
        }}},
      {"server.io_threads",
       {Setting::kInt,
        [](Config& c, const std::string&, int64_t v) {
          YISHU_RETURN_IF_ERROR(PositiveInt(v, 0, 64));
          c.server_io_threads = static_cast<int>(v);
          return Status::Ok();
        }}},
      {"server.max_body_bytes",
       {Setting::kInt,
        [](Config& c, const std::string&, int64_t v) {
          YISHU_RETURN_IF_ERROR(PositiveInt(v, 1024, int64_t{1} << 40));
          c.max_body_bytes = v;
          return Status::Ok();
        }}},
      {"server.static_dir",
       {Setting::kString,
        [](Config& c, const std::string& s, int64_t) {
          c.static_dir = s;
          return Status::Ok();
        }}},
      {"auth.token_ttl_seconds",
       {Setting::kInt,
        [](Config& c, const std::string&, int64_t v) {
          YISHU_RETURN_IF_ERROR(PositiveInt(v, 60, 30 * 86400));
          c.token_ttl_seconds = v;
          return Status::Ok();
        }}},
      {"auth.argon2_memory_kib",
       {Setting::kInt,
        [](Config& c, const std::string&, int64_t v) {
          YISHU_RETURN_IF_ERROR(PositiveInt(v, 64, 4 * 1024 * 1024));
          c.argon2_memory_kib = v;
          return Status::Ok();
        }}},
      {"auth.argon2_iterations",
       {Setting::kInt,
        [](Config& c, const std::string&, int64_t v) {
          YISHU_RETURN_IF_ERROR(PositiveInt(v, 1, 100));
          c.argon2_iterations = v;
          return Status::Ok();
        }}},
      {"paths.reference_dir",
       {Setting::kString,
        [](Config& c, const std::string& s, int64_t) {
          if (!std::filesystem::is_directory(s))
            return Status::InvalidArgument("directory '" + s + "' does not exist");
          c.reference_dir = s;
          return Status::Ok();
        }}},
      {"paths.geo_dir",
       {Setting::kString,
        [](Config& c, const std::string& s, int64_t) {
          c.geo_dir = s;
          return Status::Ok();
        }}},
      {"audit.checkpoint_every",
       {Setting::kInt,
        [](Config& c, const std::string&, int64_t v) {
          YISHU_RETURN_IF_ERROR(PositiveInt(v, 1, 100000000));
          c.audit_checkpoint_every = v;
          return Status::Ok();
        }}},
      {"lineage.openlineage_file",
       {Setting::kString,
        [](Config& c, const std::string& s, int64_t) {
          c.openlineage_file = s;
          return Status::Ok();
        }}},
      {"audit.checkpoint_seconds",
       {Setting::kInt,
        [](Config& c, const std::string&, int64_t v) {
          YISHU_RETURN_IF_ERROR(PositiveInt(v, 1, 86400));
          c.audit_checkpoint_seconds = v;
          return Status::Ok();
        }}},
  };
  return kSettings;
}

}  // namespace

Status ParseListen(const std::string& listen, std::string* host, int* port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return Status::InvalidArgument("must be HOST:PORT (got '" + listen + "')");
  *host = listen.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  int64_t p;
  if (!ParseInt64(listen.substr(colon + 1), &p) || p < 0 || p > 65535)
    return Status::InvalidArgument("port must be 0-65535 (got '" + listen.substr(colon + 1) + "')");
  *port = static_cast<int>(p);
  return Status::Ok();
}

Result<Config> LoadConfig(const std::filesystem::path& data_dir) {
  Config c;
  c.data_dir = data_dir;
  auto file = data_dir / "yishu.toml";
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    toml::table table;
    try {
      table = toml::parse_file(file.string());
    } catch (const toml::parse_error& e) {
      return Status::InvalidArgument(file.string() + ": line " +
                                     std::to_string(e.source().begin.line) + ": " +
                                     std::string(e.description()));
    }
    for (const auto& [section, node] : table) {
      const auto* sub = node.as_table();
      if (!sub)
        return Status::InvalidArgument(file.string() + ": '" + std::string(section.str()) +
                                       "' must be a [section]");
      for (const auto& [key, value] : *sub) {
        std::string name = std::string(section.str()) + "." + std::string(key.str());
        auto it = Settings().find(name);
        if (it == Settings().end())
          return Status::InvalidArgument(file.string() + ": unknown setting '" + name + "'");
        Status s;
        if (it->second.kind == Setting::kString) {
          auto v = value.value<std::string>();
          if (!v || !value.is_string())
            s = Status::InvalidArgument("must be a string");
          else
            s = it->second.apply(c, *v, 0);
        } else {
          auto v = value.value<int64_t>();
          if (!v || !value.is_integer())
            s = Status::InvalidArgument("must be an integer");
          else
            s = it->second.apply(c, "", *v);
        }
        if (!s.ok())
          return Status::InvalidArgument(file.string() + ": " + name + ": " + s.message());
      }
    }
  }
  for (const auto& [name, setting] : Settings()) {
    std::string var = "YISHU_" + ToUpperAscii(name);
    for (char& ch : var)
      if (ch == '.') ch = '_';
    const char* env = std::getenv(var.c_str());
    if (!env) continue;
    Status s;
    if (setting.kind == Setting::kString) {
      s = setting.apply(c, env, 0);
    } else {
      int64_t v;
      s = ParseInt64(env, &v) ? setting.apply(c, "", v)
                              : Status::InvalidArgument("must be an integer");
    }
    if (!s.ok()) return Status::InvalidArgument("environment variable " + var + ": " + s.message());
  }
  if (c.store_url.empty()) c.store_url = "sqlite:" + (data_dir / "yishu.db").string();
  if (c.reference_dir.empty()) c.reference_dir = std::string(YISHU_SOURCE_ROOT) + "/reference";
  if (c.geo_dir.empty()) c.geo_dir = std::string(YISHU_SOURCE_ROOT) + "/../shared/data/geo";
  if (c.static_dir.empty()) c.static_dir = std::string(YISHU_SOURCE_ROOT) + "/web/dist";
  return c;
}

Status WriteDefaultConfig(const std::filesystem::path& data_dir) {
  auto file = data_dir / "yishu.toml";
  if (std::filesystem::exists(file)) return Status::Ok();
  std::ofstream out(file);
  if (!out) return Status::IoError("cannot write " + file.string());
  out << R"(# Yishu configuration. Every setting can be overridden by an environment variable
# YISHU_<SECTION>_<KEY>, e.g. YISHU_STORE_URL or YISHU_SERVER_LISTEN.

[store]
# url = "postgresql://yishu@db.example:5432/yishu"   # default: SQLite in this directory
pool_size = 8

[server]
listen = "127.0.0.1:8080"
threads = 4        # handler threads: requests worked on at once (they may wait on the store)
io_threads = 0     # event loops reading and writing connections; 0 = one per core
max_body_bytes = 10485760

[auth]
token_ttl_seconds = 28800

[audit]
checkpoint_every = 1000
checkpoint_seconds = 60

[lineage]
# OpenLineage RunEvents (START / COMPLETE / FAIL per batch) are kept in the store; also append
# them, one per line, to this file (relative paths are taken from where yishu runs):
# openlineage_file = "/var/log/yishu/openlineage.jsonl"
)";
  return out ? Status::Ok() : Status::IoError("cannot write " + file.string());
}

}  // namespace yishu::platform

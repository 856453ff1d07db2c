// Configuration: DATA_DIR/yishu.toml, then environment overrides YISHU_<SECTION>_<KEY>
// (e.g. YISHU_STORE_URL, YISHU_SERVER_LISTEN). Unknown keys and bad values stop start-up with
// a message naming the file (or variable), the key and the problem: a typo must not silently
// fall back to a default.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/status.hpp"

namespace yishu::platform {

struct Config {
  std::filesystem::path data_dir;
  // [store]
  std::string store_url;  // default: sqlite:DATA_DIR/yishu.db
  int store_pool_size = 8;
  // [server]
  std::string listen = "127.0.0.1:8080";
  int server_threads = 4;     // handler threads: requests worked on at once
  int server_io_threads = 0;  // event loops that read and write connections; 0 = one per core
  int64_t max_body_bytes = 10 * 1024 * 1024;
  std::string static_dir;  // built web console; default: <source>/web/dist when present
  // [auth]
  int64_t token_ttl_seconds = 8 * 3600;
  int64_t argon2_memory_kib = 19 * 1024;
  int64_t argon2_iterations = 2;
  // [paths]
  std::string reference_dir;  // admin divisions etc.; default: <source>/reference
  // District boundaries for the overview map (no stated licence, so never copied into the repo);
  // default: <source>/../shared/data/geo. A missing directory only hides the outline.
  std::string geo_dir;
  // [audit]
  int64_t audit_checkpoint_every = 1000;
  int64_t audit_checkpoint_seconds = 60;
  // [lineage]
  std::string openlineage_file;  // OpenLineage RunEvents appended as JSON Lines; empty: store only
};

// Loads DATA_DIR/yishu.toml when present (a missing file means defaults) and the environment.
Result<Config> LoadConfig(const std::filesystem::path& data_dir);
// Writes a commented default config (used by `yishu init`); does not overwrite.
Status WriteDefaultConfig(const std::filesystem::path& data_dir);
// Splits "HOST:PORT".
Status ParseListen(const std::string& listen, std::string* host, int* port);

}  // namespace yishu::platform

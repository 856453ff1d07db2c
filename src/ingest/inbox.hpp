// The inbox (收件箱): one folder per department and resource under the data directory, watched
// while `yishu serve` runs. A file dropped there is ingested once, then moved aside with its
// result beside it.
//
//   DATA/inbox/<DEPT>/<RESOURCE>/户籍_202611.csv            dropped by the department
//   DATA/inbox/<DEPT>/<RESOURCE>/processing/户籍_202611.csv  claimed (renamed: never twice)
//   DATA/inbox/<DEPT>/<RESOURCE>/done/20261130T021500Z_户籍_202611.csv
//   DATA/inbox/<DEPT>/<RESOURCE>/done/20261130T021500Z_户籍_202611.csv.result.json
//   DATA/inbox/<DEPT>/<RESOURCE>/failed/...                   could not be read (result says why)
//
// When a file is complete: writers that can should copy to a hidden name (".x.csv") or one
// ending in ".part"/".tmp" and rename it when done — such names are never picked up. For
// everything else (a copy over SMB, an FTP upload) a file is taken only once its size and
// modification time have not changed for `settle` and no scan in between saw it change.
//
// The folder says who delivered: a resource is only taken from its own department's folder
// (a file in another department's folder fails, naming the owner). Folders for every
// catalogued resource are created at start and then every minute. A file left in processing/
// by a crash is moved to failed/ at start (not ingested again: the provider re-delivers).
//
// Thread-safety: ScanOnce() is not reentrant; Start() runs it on a thread of its own until
// Stop() (or destruction).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "catalogue/catalogue.hpp"
#include "ingest/ingest.hpp"

namespace yishu::ingest {

struct InboxOptions {
  std::filesystem::path root;  // DATA/inbox
  std::chrono::milliseconds poll{2000};
  std::chrono::milliseconds settle{2000};
  LoadMode mode = LoadMode::kUpsert;
};

// Ingests one file (the caller audits it); `options` has resource, file name, mode and actor.
using IngestFileFn =
    std::function<Result<BatchResult>(const std::filesystem::path& file, IngestOptions options)>;

class InboxWatcher {
 public:
  InboxWatcher(InboxOptions options, catalogue::Catalogue& catalogue, IngestFileFn ingest);
  ~InboxWatcher();

  // Creates the folders of every catalogued resource; moves files left in processing/ to
  // failed/.
  Status Prepare();
  // One pass over every folder: ingests each complete file. Returns how many files were
  // finished (done or failed).
  Result<int> ScanOnce();
  void Start();
  void Stop();

 private:
  struct Seen {
    uintmax_t size;
    std::filesystem::file_time_type mtime;
    std::chrono::steady_clock::time_point stable_since;
  };
  Status Finish(const std::filesystem::path& claimed, const std::filesystem::path& resource_dir,
                bool ok, const nlohmann::json& result);

  InboxOptions options_;
  catalogue::Catalogue& catalogue_;
  IngestFileFn ingest_;
  std::map<std::filesystem::path, Seen> seen_;
  std::chrono::steady_clock::time_point last_prepare_{};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
};

}  // namespace yishu::ingest

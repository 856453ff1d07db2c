#include "ingest/inbox.hpp"

#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "common/thread.hpp"
#include "common/time.hpp"

namespace yishu::ingest {

namespace fs = std::filesystem;

namespace {

bool Hidden(const std::string& name) {
  auto ends = [&](std::string_view s) {
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  return name.empty() || name[0] == '.' || name[0] == '~' || ends(".part") || ends(".tmp") ||
         ends(".result.json");
}

// 20261130T021500Z, for names that sort by time and never collide within a folder.
std::string Stamp() {
  std::string s = FormatRfc3339(NowMillis());
  std::string out;
  for (char c : s)
    if (c != '-' && c != ':') out += c;
  if (auto dot = out.find('.'); dot != std::string::npos) out = out.substr(0, dot) + "Z";
  return out;
}

// A free name in `dir` for `name` with a time prefix.
fs::path Destination(const fs::path& dir, const std::string& name) {
  std::string base = Stamp() + "_" + name;
  fs::path p = dir / base;
  for (int i = 1; fs::exists(p); ++i) p = dir / fmt::format("{}_{}", i, base);
  return p;
}

}  // namespace

InboxWatcher::InboxWatcher(InboxOptions options, catalogue::Catalogue& catalogue,
                           IngestFileFn ingest)
    : options_(std::move(options)), catalogue_(catalogue), ingest_(std::move(ingest)) {}

InboxWatcher::~InboxWatcher() {
  Stop();
}

Status InboxWatcher::Prepare() {
  std::error_code ec;
  fs::create_directories(options_.root, ec);
  if (ec) return Status::IoError("cannot create " + options_.root.string() + ": " + ec.message());
  catalogue::ResourceQuery q;
  q.page_size = 200;
  for (q.page = 1;; ++q.page) {
    YISHU_ASSIGN_OR_RETURN(auto page, catalogue_.ListResources(q));
    for (const auto& r : page.items) {
      fs::path dir = options_.root / r.department / r.code;
      fs::create_directories(dir, ec);
      // Interrupted by a crash: not ingested again (an append would load twice).
      fs::path processing = dir / "processing";
      if (!fs::is_directory(processing, ec)) continue;
      for (const auto& e : fs::directory_iterator(processing, ec)) {
        if (!e.is_regular_file(ec)) continue;
        YISHU_RETURN_IF_ERROR(
            Finish(e.path(), dir, false,
                   {{"file", e.path().filename().string()},
                    {"error",
                     "ingestion was interrupted (the server stopped); deliver the file "
                     "again"}}));
      }
    }
    if (q.page * q.page_size >= page.total) break;
  }
  last_prepare_ = std::chrono::steady_clock::now();
  return Status::Ok();
}

Status InboxWatcher::Finish(const fs::path& claimed, const fs::path& resource_dir, bool ok,
                            const nlohmann::json& result) {
  fs::path dir = resource_dir / (ok ? "done" : "failed");
  std::error_code ec;
  fs::create_directories(dir, ec);
  fs::path dest = Destination(dir, claimed.filename().string());
  fs::rename(claimed, dest, ec);
  if (ec) return Status::IoError("cannot move " + claimed.string() + ": " + ec.message());
  std::ofstream out(dest.string() + ".result.json");
  out << result.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  if (!out) return Status::IoError("cannot write the result beside " + dest.string());
  return Status::Ok();
}

Result<int> InboxWatcher::ScanOnce() {
  auto now = std::chrono::steady_clock::now();
  if (now - last_prepare_ > std::chrono::minutes(1)) YISHU_RETURN_IF_ERROR(Prepare());
  int finished = 0;
  std::error_code ec;
  std::map<fs::path, Seen> still;
  for (const auto& dept : fs::directory_iterator(options_.root, ec)) {
    if (!dept.is_directory(ec)) continue;
    for (const auto& res : fs::directory_iterator(dept.path(), ec)) {
      if (!res.is_directory(ec)) continue;
      for (const auto& f : fs::directory_iterator(res.path(), ec)) {
        std::string name = f.path().filename().string();
        if (!f.is_regular_file(ec) || Hidden(name)) continue;
        // Complete only when unchanged for `settle` across scans.
        auto size = f.file_size(ec);
        auto mtime = f.last_write_time(ec);
        if (ec) continue;
        auto it = seen_.find(f.path());
        if (it == seen_.end() || it->second.size != size || it->second.mtime != mtime) {
          still[f.path()] = {size, mtime, now};
          continue;
        }
        if (now - it->second.stable_since < options_.settle ||
            fs::file_time_type::clock::now() - mtime < options_.settle) {
          still[f.path()] = it->second;
          continue;
        }
        // Claim it: a rename, so it is ingested once even if two scans race.
        fs::create_directories(res.path() / "processing", ec);
        fs::path claimed = res.path() / "processing" / name;
        if (fs::exists(claimed)) claimed = Destination(res.path() / "processing", name);
        fs::rename(f.path(), claimed, ec);
        if (ec) continue;
        std::string dept_code = dept.path().filename().string();
        std::string code = res.path().filename().string();
        nlohmann::json result;
        bool ok = false;
        auto resource = catalogue_.GetResource(code);
        if (!resource.ok()) {
          result = {{"file", name}, {"error", "no resource " + code + " in the catalogue"}};
        } else if (resource->department != dept_code) {
          result = {{"file", name},
                    {"error", fmt::format("resource {} is delivered by department {}, not {}", code,
                                          resource->department, dept_code)}};
        } else {
          IngestOptions o;
          o.resource = code;
          o.file_name = name;
          o.mode = options_.mode;
          o.actor = "inbox:" + dept_code;
          auto batch = ingest_(claimed, o);
          if (batch.ok()) {
            ok = true;
            result = ToJson(*batch);
          } else {
            result = {{"file", name}, {"error", batch.status().message()}};
          }
        }
        YISHU_RETURN_IF_ERROR(Finish(claimed, res.path(), ok, result));
        ++finished;
      }
    }
  }
  seen_ = std::move(still);
  return finished;
}

void InboxWatcher::Start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] {
    MarkBackgroundThread("yishu-inbox");
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      lock.unlock();
      auto n = ScanOnce();
      if (!n.ok()) std::cerr << "inbox: " << n.status().ToString() << std::endl;
      lock.lock();
      wake_.wait_for(lock, options_.poll, [this] { return stop_; });
    }
  });
}

void InboxWatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace yishu::ingest

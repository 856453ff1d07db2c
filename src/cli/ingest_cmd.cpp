// `yishu ingest`, `yishu quarantine`, `yishu batches`, `yishu trace`: collection from the
// command line.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "cli/cli.hpp"
#include "ingest/ingest.hpp"

namespace yishu::cli {

namespace {

struct IngestArgs {
  std::string resource;
  std::vector<std::string> files;
  std::string mode = "upsert";
  std::string mapping;
  std::string encoding = "auto";
  std::string format = "auto";
  std::string delimiter;
  std::string sheet;
};

// A progress bar with rows/s and ETA on a terminal; a plain line every few seconds otherwise.
class RowProgress {
 public:
  RowProgress(bool quiet, std::string label)
      : quiet_(quiet), tty_(isatty(STDERR_FILENO)), label_(std::move(label)) {}
  void operator()(const ingest::Progress& pr) {
    if (quiet_ && !tty_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(tty_ ? 200 : 5000)) return;
    last_ = now;
    double rate = pr.seconds > 0 ? pr.rows / pr.seconds : 0;
    double frac = pr.total_bytes > 0 ? static_cast<double>(pr.bytes) / pr.total_bytes : 0;
    std::string eta = "?";
    if (frac > 0 && frac < 1) eta = fmt::format("{:.0f}s", pr.seconds * (1 - frac) / frac);
    if (tty_) {
      int width = 30, filled = static_cast<int>(frac * width);
      std::string bar(filled, '#');
      bar.resize(width, '.');
      std::cerr << fmt::format("\r  {} [{}] {:5.1f}%  {} rows  {:.0f} rows/s  ETA {}   ", label_,
                               bar, frac * 100, pr.rows, rate, eta)
                << std::flush;
      drawn_ = true;
    } else {
      std::cerr << fmt::format("  {}: {} rows, {:.1f}%, {:.0f} rows/s, ETA {}\n", label_, pr.rows,
                               frac * 100, rate, eta);
    }
  }
  void Done() {
    if (drawn_) std::cerr << "\n";
  }
  // Another batch of the resource is running (here or in the server): say so once.
  void Waiting(const std::string& resource, int64_t holder) {
    if ((quiet_ && !tty_) || waiting_shown_) return;
    waiting_shown_ = true;
    std::cerr << fmt::format("  {}: waiting for batch {} of {} to finish\n", label_, holder,
                             resource);
  }

 private:
  bool quiet_, tty_;
  std::string label_;
  bool drawn_ = false;
  bool waiting_shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace

Result<ingest::BatchResult> IngestAudited(platform::Platform& p, const std::filesystem::path& file,
                                          ingest::IngestOptions options) {
  ingest::Ingester ing(p.store(), p.standards(), p.catalogue(), &p.keys());
  ing.SetObserver(&p.quality());
  auto result = ing.IngestFile(file, options);
  audit::AuditEvent ev;
  ev.actor = options.actor;
  ev.action = "ingest.batch";
  ev.resource = options.resource;
  if (result.ok()) {
    ev.record_count = result->accepted;
    ev.detail = {{"batch_id", result->batch_id},
                 {"file", result->file},
                 {"read", result->read},
                 {"quarantined", result->quarantined},
                 {"sm3", result->sm3_hex}};
  } else {
    ev.result = "error";
    ev.detail = {{"file", file.filename().string()}, {"error", result.status().message()}};
  }
  Status audited = p.AuditedTransact(ev, [](store::Connection&) { return Status::Ok(); });
  if (!audited.ok() && result.ok()) return audited;
  return result;
}

void AddIngestCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "ingest",
      "Load delivered files (CSV, JSON Lines, XLSX; UTF-8 or GBK/GB18030) into a resource");
  auto args = std::make_shared<IngestArgs>();
  cmd->add_option("--resource", args->resource, "Catalogue code of the resource")->required();
  cmd->add_option("files", args->files, "Files to load, one batch each")->required();
  cmd->add_option("--mode", args->mode, "upsert (incremental, default), append, replace (full)")
      ->check(CLI::IsMember({"upsert", "append", "replace", "incremental", "full"}));
  cmd->add_option("--mapping", args->mapping, "YAML file {header: field} for other headers");
  cmd->add_option("--encoding", args->encoding, "auto (default) or an encoding name (GB18030)");
  cmd->add_option("--format", args->format, "auto (by extension), csv, jsonl, xlsx");
  cmd->add_option("--sheet", args->sheet, "XLSX: the sheet to read (default: the first)");
  cmd->add_option("--delimiter", args->delimiter, "CSV delimiter (default: detected)");
  cmd->callback([&g, exit_code, args] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      ingest::IngestOptions o;
      o.resource = args->resource;
      o.mode = *ingest::ParseLoadMode(args->mode);
      if (!args->mapping.empty()) o.mapping = ValueOrThrow(ingest::LoadMapping(args->mapping));
      o.reader.encoding = args->encoding;
      o.reader.format = args->format;
      o.reader.sheet = args->sheet;
      if (args->delimiter == "\\t" || args->delimiter == "tab")
        o.reader.delimiter = '\t';
      else if (!args->delimiter.empty())
        o.reader.delimiter = args->delimiter[0];
      o.actor = CliActor();
      nlohmann::json batches = nlohmann::json::array();
      int64_t read = 0, accepted = 0, quarantined = 0;
      std::string human;
      Status first_error;
      for (const auto& f : args->files) {
        RowProgress progress(g.json, std::filesystem::path(f).filename().string());
        o.progress = [&](const ingest::Progress& pr) { progress(pr); };
        o.lease.on_wait = [&](int64_t holder) { progress.Waiting(o.resource, holder); };
        o.file_name.clear();
        auto r = IngestAudited(*p, f, o);
        progress.Done();
        if (!r.ok()) {
          if (args->files.size() == 1) throw Error(r.status());
          if (first_error.ok()) first_error = r.status();
          batches.push_back({{"file", f}, {"error", r.status().message()}});
          human += fmt::format("{}: failed: {}\n", f, r.status().message());
          continue;
        }
        read += r->read;
        accepted += r->accepted;
        quarantined += r->quarantined;
        batches.push_back(ingest::ToJson(*r));
        human += fmt::format(
            "batch {}: {} ({}, {}) read {}, accepted {}, quarantined {} in {:.2f}s ({:.0f} "
            "rows/s)\n",
            r->batch_id, r->file, r->encoding, r->mode, r->read, r->accepted, r->quarantined,
            r->seconds, r->seconds > 0 ? r->read / r->seconds : 0.0);
        for (const auto& [rule, n] : r->reasons) human += fmt::format("  {:<24} {}\n", rule, n);
        if (r->quarantined > 0)
          human += fmt::format("  see: yishu quarantine --batch {}\n", r->batch_id);
      }
      nlohmann::json j;
      if (batches.size() == 1) {
        j = batches[0];
      } else {
        j = {{"read", read},
             {"accepted", accepted},
             {"quarantined", quarantined},
             {"batch_id", batches.empty() || !batches[0].contains("batch_id")
                              ? nlohmann::json(nullptr)
                              : batches[0]["batch_id"]},
             {"batches", batches}};
      }
      Emit(g, j, human);
      if (!first_error.ok()) *exit_code = ExitCodeFor(first_error);
    });
  });

  auto* q = app.add_subcommand("quarantine", "List a batch's quarantined rows with their reasons");
  auto batch = std::make_shared<int64_t>(0);
  auto page = std::make_shared<int64_t>(1);
  auto page_size = std::make_shared<int64_t>(1000);
  q->add_option("--batch", *batch, "Batch id")->required();
  q->add_option("--page", *page, "Page (from 1)")->check(CLI::PositiveNumber);
  q->add_option("--page-size", *page_size, "Rows per page")->check(CLI::Range(1, 100000));
  q->callback([&g, exit_code, batch, page, page_size] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      ingest::Ingester ing(p->store(), p->standards(), p->catalogue(), &p->keys());
      auto j = ValueOrThrow(ing.Quarantine(*batch, *page, *page_size));
      std::string human = fmt::format("batch {} ({}, {}): {} quarantined rows\n", *batch,
                                      j["resource"].get<std::string>(),
                                      j["file"].get<std::string>(), j["total"].get<int64_t>());
      for (const auto& it : j["items"]) {
        human += fmt::format("line {}:", it["line"].get<int64_t>());
        for (const auto& r : it["reasons"]) {
          human += " " + r["rule"].get<std::string>();
          if (r.contains("field")) human += "(" + r["field"].get<std::string>() + ")";
        }
        human += "\n";
      }
      Emit(g, j, human);
    });
  });

  auto* bl = app.add_subcommand("batches", "List a resource's batches, newest first");
  auto res = std::make_shared<std::string>();
  bl->add_option("--resource", *res, "Catalogue code")->required();
  bl->callback([&g, exit_code, res] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      ingest::Ingester ing(p->store(), p->standards(), p->catalogue(), &p->keys());
      auto j = ValueOrThrow(ing.ListBatches(*res));
      std::string human;
      for (const auto& b : j["items"])
        human += fmt::format("{:>6} {:<10} {:<40} read {:>9} accepted {:>9} quarantined {:>7}\n",
                             b["id"].get<int64_t>(), b["status"].get<std::string>(),
                             b["file"].get<std::string>(), b["read"].get<int64_t>(),
                             b["accepted"].get<int64_t>(), b["quarantined"].get<int64_t>());
      Emit(g, j, human);
    });
  });

  auto* tr = app.add_subcommand("trace", "Where a stored record came from (batch, file, line)");
  auto tres = std::make_shared<std::string>();
  auto rec = std::make_shared<int64_t>(0);
  tr->add_option("--resource", *tres, "Catalogue code")->required();
  tr->add_option("--record", *rec, "Record id (_id)")->required();
  tr->callback([&g, exit_code, tres, rec] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      ingest::Ingester ing(p->store(), p->standards(), p->catalogue(), &p->keys());
      auto l = ValueOrThrow(ing.TraceRecord(*tres, *rec));
      nlohmann::json j = {{"resource", l.resource},
                          {"record_id", *rec},
                          {"batch_id", l.batch_id},
                          {"file", l.file},
                          {"line", l.line},
                          {"sm3", l.sm3_hex},
                          {"received_at", l.received_at}};
      Emit(g, j,
           fmt::format("{} record {}: batch {}, file {}, line {} (SM3 {})\n", l.resource, *rec,
                       l.batch_id, l.file, l.line, l.sm3_hex));
    });
  });
}

}  // namespace yishu::cli

// `yishu dedup` and `yishu link`: the entity-resolution engine on any CSV file (standalone mode;
// no data directory needed). The config says which column is which kind of value, the blocking
// rules and the thresholds (reference/masterdata/*.yaml; README "Entity resolution").
#include <fmt/format.h>

#include <fstream>

#include "cli/cli.hpp"
#include "masterdata/config.hpp"
#include "masterdata/csv.hpp"
#include "masterdata/engine.hpp"

namespace yishu::cli {
namespace {

struct ResolveArgs {
  std::vector<std::string> inputs;
  std::string config;
  std::string out;
  int threads = 2;
};

// Quotes a CSV cell when it needs it.
std::string CsvCell(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Summary(const masterdata::ResolveStats& s) {
  std::string text = fmt::format(
      "{} records ({} with nothing to match on), {} candidate pairs, {} matches ({} by "
      "identifier), {} for review, {} kept apart by conflicting identifiers, {} clusters\n",
      s.records, s.empty_records, s.candidate_pairs, s.matches, s.deterministic_matches,
      s.review_pairs, s.kept_apart, s.clusters);
  for (const auto& t : s.times) text += fmt::format("  {:<12} {:8.3f} s\n", t.stage, t.seconds);
  return text;
}

masterdata::Config LoadAndCheck(const ResolveArgs& args) {
  auto config = ValueOrThrow(masterdata::LoadConfig(args.config));
  // Every input must have every named column before any work starts.
  for (const std::string& input : args.inputs) {
    ThrowIfError(masterdata::CheckColumns(input, config));
  }
  return config;
}

void WriteOrThrow(std::ofstream& out, const std::string& path) {
  if (!out) throw Error(Status::IoError("cannot write " + path));
}

}  // namespace

void AddMasterdataCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto dedup_args = std::make_shared<ResolveArgs>();
  auto* dedup = app.add_subcommand(
      "dedup",
      "Find the records of one CSV file that are about the same entity (rec_id,cluster_id)");
  dedup->add_option("file", dedup_args->inputs, "CSV file with a header")->required()->expected(1);
  dedup->add_option("--config", dedup_args->config, "resolution config (YAML or JSON)")->required();
  dedup->add_option("--out", dedup_args->out, "output CSV: rec_id,cluster_id")->required();
  dedup->add_option("--threads", dedup_args->threads, "worker threads")->capture_default_str();
  dedup->callback([&g, exit_code, dedup_args] {
    Run(g, exit_code, [&] {
      const ResolveArgs& a = *dedup_args;
      const masterdata::Config config = LoadAndCheck(a);
      masterdata::RecordBatch batch(config.fields.size());
      ThrowIfError(masterdata::LoadCsv(a.inputs[0], config, 0, &batch));
      auto result = ValueOrThrow(masterdata::Resolve(config, batch, {.threads = a.threads}));
      std::ofstream out(a.out, std::ios::binary);
      out << "rec_id,cluster_id\n";
      for (size_t r = 0; r < batch.size(); ++r) {
        out << CsvCell(batch.id(r)) << ',' << CsvCell(batch.id(result.cluster_of[r])) << '\n';
      }
      out.flush();
      WriteOrThrow(out, a.out);
      nlohmann::json j = result.stats.ToJson();
      j["out"] = a.out;
      Emit(g, j, Summary(result.stats) + "wrote " + a.out);
    });
  });

  auto link_args = std::make_shared<ResolveArgs>();
  auto* link =
      app.add_subcommand("link",
                         "Find the pairs of records across two CSV files about the same entity "
                         "(left_id,right_id,score)");
  link->add_option("files", link_args->inputs, "LEFT and RIGHT CSV files")->required()->expected(2);
  link->add_option("--config", link_args->config, "resolution config (YAML or JSON)")->required();
  link->add_option("--out", link_args->out, "output CSV: left_id,right_id,score")->required();
  link->add_option("--threads", link_args->threads, "worker threads")->capture_default_str();
  link->callback([&g, exit_code, link_args] {
    Run(g, exit_code, [&] {
      const ResolveArgs& a = *link_args;
      const masterdata::Config config = LoadAndCheck(a);
      masterdata::RecordBatch batch(config.fields.size());
      ThrowIfError(masterdata::LoadCsv(a.inputs[0], config, 0, &batch));
      ThrowIfError(masterdata::LoadCsv(a.inputs[1], config, 1, &batch));
      auto result = ValueOrThrow(masterdata::Resolve(config, batch, {.threads = a.threads}));
      std::ofstream out(a.out, std::ios::binary);
      out << "left_id,right_id,score\n";
      auto matches = result.matches;
      std::sort(matches.begin(), matches.end(), [](const auto& x, const auto& y) {
        return std::tie(x.a, x.b) < std::tie(y.a, y.b);
      });
      for (const masterdata::ScoredPair& m : matches) {
        uint32_t left = m.a, right = m.b;
        if (batch.side(left) != 0) std::swap(left, right);
        out << CsvCell(batch.id(left)) << ',' << CsvCell(batch.id(right)) << ','
            << fmt::format("{:.6f}", m.probability) << '\n';
      }
      out.flush();
      WriteOrThrow(out, a.out);
      nlohmann::json j = result.stats.ToJson();
      j["out"] = a.out;
      Emit(g, j, Summary(result.stats) + "wrote " + a.out);
    });
  });
}

}  // namespace yishu::cli

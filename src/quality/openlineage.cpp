// OpenLineage RunEvents for batches (https://openlineage.io/spec/2-0-2/OpenLineage.json).
//
// One run per batch: START when the batch row is made, COMPLETE or FAIL when it ends. The run
// id is a UUID derived from the batch (SM3 of store, batch id and start time), so both events
// of a batch share it without keeping state between them. Input: the delivered file (namespace
// "file", its SM3 as the dataset version, rows read and bytes as inputStatistics). Outputs: the
// resource's table (rows accepted as outputStatistics) and the quarantine (rows quarantined).
#include <fstream>
#include <mutex>

#include "common/time.hpp"
#include "crypto/sm3.hpp"
#include "crypto/util.hpp"
#include "quality/quality.hpp"

namespace yishu::quality {

namespace {

constexpr const char* kRunEventSchema =
    "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
constexpr const char* kFacetBase = "https://openlineage.io/spec/facets/";

std::string RunId(const std::string& store, int64_t batch_id, int64_t started_ms) {
  std::string h =
      crypto::Sm3(store + "|" + std::to_string(batch_id) + "|" + std::to_string(started_ms));
  // RFC 4122 layout, version 4 bits (random-looking), variant 10.
  h[6] = static_cast<char>((h[6] & 0x0f) | 0x40);
  h[8] = static_cast<char>((h[8] & 0x3f) | 0x80);
  std::string hex = crypto::ToHex(h.substr(0, 16));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

nlohmann::json Facet(const std::string& producer, const std::string& schema) {
  return {{"_producer", producer}, {"_schemaURL", kFacetBase + schema}};
}

}  // namespace

Result<nlohmann::json> Quality::StartEvent(const ingest::BatchResult& b, int64_t started_ms) {
  const std::string table = ingest::Ingester::TableName(b.resource);
  return nlohmann::json{
      {"eventType", "START"},
      {"eventTime", FormatRfc3339(started_ms)},
      {"producer", options_.producer},
      {"schemaURL", kRunEventSchema},
      {"run", {{"runId", RunId(store_.description(), b.batch_id, started_ms)}}},
      {"job", {{"namespace", options_.openlineage_namespace}, {"name", "ingest." + b.resource}}},
      {"inputs", {{{"namespace", "file"}, {"name", b.file}}}},
      {"outputs", {{{"namespace", options_.openlineage_namespace}, {"name", table}}}}};
}

Result<nlohmann::json> Quality::EndEvent(const ingest::BatchResult& b) {
  YISHU_ASSIGN_OR_RETURN(auto row, store_.QueryOne("SELECT started_ms, finished_ms, sm3, bytes "
                                                   "FROM ingest_batches WHERE id = ?",
                                                   {b.batch_id}));
  const int64_t started = row.Int(0);
  const int64_t finished = row.Int(1) ? row.Int(1) : NowMillis();
  const std::string& p = options_.producer;
  const bool ok = b.status == "completed";
  nlohmann::json input = {{"namespace", "file"}, {"name", b.file}};
  std::string sm3 = row.Text(2);
  if (!sm3.empty()) {
    auto version =
        Facet(p, "1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet");
    version["datasetVersion"] = "sm3:" + sm3;
    input["facets"] = {{"version", version}};
  }
  auto in_stats = Facet(
      p, "1-0-0/InputStatisticsInputDatasetFacet.json#/$defs/InputStatisticsInputDatasetFacet");
  in_stats["rowCount"] = b.read;
  in_stats["size"] = row.Int(3) ? row.Int(3) : b.bytes;
  in_stats["fileCount"] = 1;
  input["inputFacets"] = {{"inputStatistics", in_stats}};
  auto out_stats = [&](int64_t rows) {
    auto f = Facet(
        p,
        "1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet");
    f["rowCount"] = rows;
    return f;
  };
  nlohmann::json outputs =
      nlohmann::json::array({{{"namespace", options_.openlineage_namespace},
                              {"name", ingest::Ingester::TableName(b.resource)},
                              {"outputFacets", {{"outputStatistics", out_stats(b.accepted)}}}},
                             {{"namespace", options_.openlineage_namespace},
                              {"name", "ingest_quarantine"},
                              {"outputFacets", {{"outputStatistics", out_stats(b.quarantined)}}}}});
  nlohmann::json run = {{"runId", RunId(store_.description(), b.batch_id, started)}};
  if (!ok) {
    auto err = Facet(p, "1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet");
    err["message"] = b.error.empty() ? std::string("the batch failed") : b.error;
    err["programmingLanguage"] = "C++";
    run["facets"] = {{"errorMessage", err}};
  }
  return nlohmann::json{
      {"eventType", ok ? "COMPLETE" : "FAIL"},
      {"eventTime", FormatRfc3339(finished)},
      {"producer", p},
      {"schemaURL", kRunEventSchema},
      {"run", run},
      {"job", {{"namespace", options_.openlineage_namespace}, {"name", "ingest." + b.resource}}},
      {"inputs", nlohmann::json::array({input})},
      {"outputs", outputs}};
}

Status Quality::EmitLineage(int64_t batch_id, const nlohmann::json& event) {
  const std::string text = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  YISHU_RETURN_IF_ERROR(store_
                            .Exec("INSERT INTO quality_lineage_events (batch_id, event_type, "
                                  "event) VALUES (?, ?, ?)",
                                  {batch_id, event["eventType"].get<std::string>(), text})
                            .status());
  if (options_.openlineage_file.empty()) return Status::Ok();
  // One writer at a time so concurrent batches never interleave inside a line.
  static std::mutex file_mutex;
  std::lock_guard<std::mutex> lock(file_mutex);
  std::ofstream out(options_.openlineage_file, std::ios::app | std::ios::binary);
  out << text << '\n';
  out.flush();
  if (!out)
    return Status::IoError("cannot append to the OpenLineage file " +
                           options_.openlineage_file.string());
  return Status::Ok();
}

Result<nlohmann::json> Quality::LineageEvents(int64_t batch_id) {
  YISHU_ASSIGN_OR_RETURN(auto rows, store_.Query("SELECT event FROM quality_lineage_events WHERE "
                                                 "batch_id = ? ORDER BY id",
                                                 {batch_id}));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : rows) items.push_back(nlohmann::json::parse(r.Text(0), nullptr, false));
  return nlohmann::json{{"batch_id", batch_id}, {"items", items}};
}

}  // namespace yishu::quality

// Collection (归集): a delivered file becomes a batch. Records are read (reader.hpp), their
// columns mapped to the resource's catalogue fields, validated against the data element
// standards and the resource's rules, and either stored in the resource's table or kept in
// quarantine with every reason and the raw line.
//
// Contracts:
//  - accepted + quarantined = read for every batch, checked after every transaction; a
//    violation fails the batch (status "failed") instead of being reported as success.
//  - Values are stored as given, never repaired; a value that does not conform is quarantined.
//  - Storage: one table per resource, r_<lowercase code>, with `_id` (allocated here before
//    sealing, so the ciphertext's associated data binds it), `_batch`, `_line`, and one column
//    per field. Fields at L3/L4 are sealed (security::FieldProtector) into BLOB columns; sealed
//    identifiers (id_card, uscc, mobile, bank_card) and a sealed key field get a
//    `<field>__bidx` blind-index column with an index. No plaintext of a sealed field reaches
//    the resource table.
//  - Lineage: each stored record names its batch and line; the batch names the file and its
//    SM3 (TraceRecord).
//  - Quarantined rows hold the raw line and the offending values as given, so the provider can
//    fix them; this table is readable only by the provider and platform operators.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalogue/catalogue.hpp"
#include "common/status.hpp"
#include "formats/reader.hpp"
#include "ingest/lease.hpp"
#include "ingest/validator.hpp"
#include "security/field_protection.hpp"
#include "security/rotation.hpp"
#include "standards/registry.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace yishu::ingest {

// append: new records only (a key already stored is quarantined); upsert: incremental, a
// stored key is updated in place; replace: full load, the resource's rows are replaced.
enum class LoadMode { kAppend, kUpsert, kReplace };
std::optional<LoadMode> ParseLoadMode(std::string_view s);
std::string_view LoadModeName(LoadMode m);

struct Progress {
  int64_t rows = 0;
  int64_t bytes = 0;
  int64_t total_bytes = -1;  // -1 unknown
  double seconds = 0;
  int64_t batch_id = 0;
  int64_t waiting_for = 0;  // the batch of the same resource this one waits for, if any
};

// A batch running in this process, as last reported (after each transaction).
struct RunningBatch {
  std::string resource, file, actor;
  Progress progress;
};
// The live progress of a batch while Ingester::Ingest runs it in this process; nullopt once it
// has finished (its counts are then in the batch itself). Thread-safe.
std::optional<RunningBatch> FindRunningBatch(int64_t batch_id);
// {batch_id, status, waiting_for_batch (null unless it waits for another batch of its resource),
//  rows, bytes, total_bytes, seconds, rows_per_second, mb_per_second,
//  eta_seconds (null when unknown)}: one shape for a running batch and a finished one.
nlohmann::json ProgressJson(int64_t batch_id, const std::string& status, const Progress& p);

struct IngestOptions {
  std::string resource;   // catalogue code
  std::string file_name;  // as recorded in the batch (the base name of the file)
  LoadMode mode = LoadMode::kUpsert;
  std::map<std::string, std::string> mapping;  // header -> field name (beyond names and labels)
  formats::ReaderOptions reader;
  std::string actor = "system";
  // Rows per transaction. Larger transactions rewrite each touched index page less often (4,000
  // cost 40% more CPU than 20,000 on a million-row file); smaller ones hold the store's write lock
  // for less time (about 0.3 s at 20,000 here), which other writers wait for.
  int rows_per_transaction = 20000;
  std::function<void(const Progress&)> progress;
  // Batches of one resource run one at a time (lease.hpp); a second waits for the first.
  LeaseOptions lease;
};

struct BatchResult {
  int64_t batch_id = 0;
  std::string resource, file, status, encoding, format, sm3_hex, mode;
  int64_t read = 0, accepted = 0, quarantined = 0, inserted = 0, updated = 0;
  int64_t blank_lines = 0, bytes = 0;
  // Fields left empty in the accepted records (completeness counts them without reading the
  // table, where sealed fields cannot be counted without opening every record).
  int64_t empty_cells = 0;
  double seconds = 0;
  std::map<std::string, int64_t> reasons;  // rule -> count
  std::string error;                       // when status is "failed"
};
nlohmann::json ToJson(const BatchResult& b);

struct Lineage {
  int64_t batch_id = 0;
  std::string resource, file, sm3_hex, received_at;
  int64_t line = 0;
};

// How a catalogue field is stored in the resource table: sealed (L3/L4: no column of its own,
// the value is in the record's security::kSealedRecordColumn), with a `<name>__bidx`
// blind-index column (sealed identifiers and sealed key parts), or as an integer.
// Blind indexes of fields with a data element use the element as their domain, so the same
// identity number has the same index in every resource. Readers (quality, sharing) use it to
// know which columns are sealed and where a field's blind index lives.
struct ColumnPlan {
  std::string name;     // the field, and its column unless sealed
  bool sealed = false;  // in the sealed record (fields at L3/L4)
  bool bidx = false;    // has a `<name>__bidx` blind-index column
  bool integer = false;
  std::string bidx_domain;  // the element (or field:<res>.<field>) the blind index is keyed by
};
// The column that holds the field's value: its own, or the sealed record's.
inline std::string StoredColumn(const ColumnPlan& c) {
  return c.sealed ? std::string(security::kSealedRecordColumn) : c.name;
}
// Whether any field is sealed, i.e. the table has the sealed record column.
inline bool AnySealed(const std::vector<ColumnPlan>& plan) {
  for (const auto& c : plan)
    if (c.sealed) return true;
  return false;
}
std::vector<ColumnPlan> PlanColumns(const catalogue::Resource& r,
                                    const standards::Registry& registry);

// What a batch's records looked like, so its quarantined raw lines can be read again later
// (re-validation after a correction).
struct BatchShape {
  std::vector<std::string> header;  // empty when the file could not be opened
  std::string format;               // csv, jsonl
  char delimiter = 0;
  std::map<std::string, std::string> mapping;
  LoadMode mode = LoadMode::kUpsert;
};

// Told when a batch starts and when it ends (completed or failed): quality scoring, the closed
// loop and OpenLineage events hang here. Called on the ingesting thread outside the ingest's
// transactions; whatever an observer does, the batch's own outcome stays as it was.
class BatchObserver {
 public:
  virtual ~BatchObserver() = default;
  virtual void OnBatchStarted(const BatchResult& batch, int64_t started_ms) = 0;
  virtual void OnBatchFinished(const BatchResult& batch, const BatchShape& shape) = 0;
};

// Header → field mapping from a YAML file {header: field}.
Result<std::map<std::string, std::string>> LoadMapping(const std::filesystem::path& path);

// Reads a whole file through the validator without storing: {read, accepted, quarantined}.
Result<BatchResult> ValidateOnly(std::unique_ptr<formats::ByteSource> source,
                                 const catalogue::Resource& r, const standards::Registry& registry,
                                 const IngestOptions& o);

class Ingester {
 public:
  // `keys` seals sensitive fields; required for resources that have any (FailedPrecondition
  // otherwise: sensitive data is never stored in the clear).
  Ingester(store::Store& store, const standards::Registry& registry, catalogue::Catalogue& cat,
           security::KeyRing* keys);

  // Ingests one file as one batch. An error Status means the file could not be read at all
  // (no batch counts to report) or the store failed; the batch row then says "failed".
  Result<BatchResult> Ingest(std::unique_ptr<formats::ByteSource> source,
                             const IngestOptions& options);
  Result<BatchResult> IngestFile(const std::filesystem::path& path, IngestOptions options);

  Result<nlohmann::json> GetBatch(int64_t batch_id);
  // Newest first: {items, total, page, page_size}; page_size is clamped to 1..1000.
  Result<nlohmann::json> ListBatches(const std::string& resource, int64_t page = 1,
                                     int64_t page_size = 100);
  // {items: [{line, raw, reasons}], total, page, page_size}
  Result<nlohmann::json> Quarantine(int64_t batch_id, int64_t page = 1, int64_t page_size = 100);
  Result<Lineage> TraceRecord(const std::string& resource, int64_t record_id);

  // The table name of a resource: r_<lowercase code>.
  static std::string TableName(std::string_view resource);

  // Everything sealed with the resource's data keys, for key rotation: the sealed columns of
  // its table and its sealed quarantined lines.
  Result<std::vector<security::SealedColumns>> SealedColumnsOf(const catalogue::Resource& r);

  // Optional; not owned. Set before Ingest.
  void SetObserver(BatchObserver* observer) { observer_ = observer; }

 private:
  Status EnsureTable(const catalogue::Resource& r);
  store::Store& store_;
  const standards::Registry& registry_;
  catalogue::Catalogue& catalogue_;
  security::KeyRing* keys_;
  BatchObserver* observer_ = nullptr;
};

// The field name a quarantined line of `batch_id` is sealed with (its record id is the line):
// bound to batch and line, so a sealed line moved elsewhere does not open.
std::string QuarantineSealField(int64_t batch_id);

// Tables of module "ingest": ingest_batches, ingest_quarantine, ingest_ids.
std::vector<store::Migration> IngestMigrations();

}  // namespace yishu::ingest

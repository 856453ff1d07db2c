#include "ingest/ingest.hpp"

#include <cctype>
#include <chrono>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "common/bounded_queue.hpp"
#include "common/strings.hpp"
#include "common/thread.hpp"
#include "common/time.hpp"
#include "common/yaml_json.hpp"
#include "crypto/util.hpp"
#include "security/sampling.hpp"
#include "standards/checks.hpp"

namespace yishu::ingest {

using catalogue::Field;
using catalogue::Resource;

std::optional<LoadMode> ParseLoadMode(std::string_view s) {
  if (s == "append") return LoadMode::kAppend;
  if (s == "upsert" || s == "incremental") return LoadMode::kUpsert;
  if (s == "replace" || s == "full") return LoadMode::kReplace;
  return std::nullopt;
}

std::string_view LoadModeName(LoadMode m) {
  switch (m) {
    case LoadMode::kAppend:
      return "append";
    case LoadMode::kUpsert:
      return "upsert";
    case LoadMode::kReplace:
      return "replace";
  }
  return "?";
}

nlohmann::json ToJson(const BatchResult& b) {
  return {{"batch_id", b.batch_id},
          {"resource", b.resource},
          {"file", b.file},
          {"status", b.status},
          {"mode", b.mode},
          {"encoding", b.encoding},
          {"format", b.format},
          {"sm3", b.sm3_hex},
          {"read", b.read},
          {"accepted", b.accepted},
          {"quarantined", b.quarantined},
          {"inserted", b.inserted},
          {"updated", b.updated},
          {"blank_lines", b.blank_lines},
          {"bytes", b.bytes},
          {"empty_cells", b.empty_cells},
          {"seconds", b.seconds},
          {"reasons", b.reasons},
          {"error", b.error}};
}

Result<std::map<std::string, std::string>> LoadMapping(const std::filesystem::path& path) {
  YISHU_ASSIGN_OR_RETURN(auto doc, ReadYamlFile(path.string()));
  if (!doc.is_object())
    return Status::InvalidArgument(path.string() + ": a mapping file is {header: field}");
  std::map<std::string, std::string> m;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (!it.value().is_string())
      return Status::InvalidArgument(
          fmt::format("{}: the value of '{}' must be a field name", path.string(), it.key()));
    m[it.key()] = it.value().get<std::string>();
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Live progress of running batches

namespace {

std::mutex g_running_mu;
std::map<int64_t, RunningBatch>& Running() {
  static auto* m = new std::map<int64_t, RunningBatch>;
  return *m;
}

// Registers a batch for the progress API while it runs; unregisters it however Ingest ends.
class RunningBatchGuard {
 public:
  RunningBatchGuard(int64_t id, RunningBatch b) : id_(id) {
    std::lock_guard<std::mutex> lock(g_running_mu);
    Running()[id] = std::move(b);
  }
  ~RunningBatchGuard() {
    std::lock_guard<std::mutex> lock(g_running_mu);
    Running().erase(id_);
  }
  void Update(const Progress& p) {
    std::lock_guard<std::mutex> lock(g_running_mu);
    Running()[id_].progress = p;
  }

 private:
  int64_t id_;
};

}  // namespace

std::optional<RunningBatch> FindRunningBatch(int64_t batch_id) {
  std::lock_guard<std::mutex> lock(g_running_mu);
  auto it = Running().find(batch_id);
  if (it == Running().end()) return std::nullopt;
  return it->second;
}

nlohmann::json ProgressJson(int64_t batch_id, const std::string& status, const Progress& p) {
  double rows_rate = p.seconds > 0 ? p.rows / p.seconds : 0;
  double byte_rate = p.seconds > 0 ? p.bytes / p.seconds : 0;
  nlohmann::json eta = nullptr;
  if (status != "running")
    eta = 0;
  else if (p.total_bytes > 0 && byte_rate > 0 && p.bytes <= p.total_bytes)
    eta = (p.total_bytes - p.bytes) / byte_rate;
  return {{"batch_id", batch_id},
          {"status", status},
          {"waiting_for_batch", p.waiting_for ? nlohmann::json(p.waiting_for) : nullptr},
          {"rows", p.rows},
          {"bytes", p.bytes},
          {"total_bytes", p.total_bytes >= 0 ? nlohmann::json(p.total_bytes) : nullptr},
          {"seconds", p.seconds},
          {"rows_per_second", rows_rate},
          {"mb_per_second", byte_rate / 1e6},
          {"eta_seconds", eta}};
}

// ---------------------------------------------------------------------------------------------
// Validation

namespace {

std::string Sensitivity(const Field& f, const standards::Registry& reg) {
  if (!f.sensitivity.empty()) return f.sensitivity;
  if (!f.element.empty())
    if (const auto* e = reg.FindElement(f.element))
      return std::string(standards::SensitivityName(e->default_sensitivity));
  return "L2";
}

bool IsIdentifierElement(std::string_view e) {
  return e == "id_card" || e == "uscc" || e == "mobile" || e == "bank_card";
}

}  // namespace

Result<BatchResult> ValidateOnly(std::unique_ptr<formats::ByteSource> source,
                                 const Resource& resource, const standards::Registry& registry,
                                 const IngestOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  YISHU_ASSIGN_OR_RETURN(auto reader,
                         formats::OpenReader(std::move(source), o.file_name, o.reader));
  YISHU_ASSIGN_OR_RETURN(auto v,
                         Validator::Create(resource, registry, reader->header(), o.mapping));
  v->ExpectFileBytes(reader->bytes_total());
  BatchResult b;
  formats::Record r;
  std::vector<std::string_view> values;
  std::vector<Reason> reasons;
  for (;;) {
    YISHU_ASSIGN_OR_RETURN(bool got, reader->Next(&r));
    if (!got) break;
    ++b.read;
    reasons.clear();
    v->Check(r, &values, &reasons);
    if (reasons.empty()) {
      ++b.accepted;
      v->Remember(values, r.line);
    } else {
      ++b.quarantined;
      for (const auto& x : reasons) ++b.reasons[x.rule];
    }
  }
  b.encoding = reader->encoding();
  b.format = reader->format();
  b.bytes = reader->bytes_read();
  b.sm3_hex = crypto::ToHex(reader->sm3());
  b.status = "validated";
  b.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return b;
}

// ---------------------------------------------------------------------------------------------
// Storage

std::vector<store::Migration> IngestMigrations() {
  return {{"ingest", 1, "batches, quarantine, record ids",
           R"sql(
CREATE TABLE ingest_batches (
  id {{pk}},
  resource TEXT NOT NULL,
  file_name TEXT NOT NULL,
  sm3 TEXT NOT NULL DEFAULT '',
  encoding TEXT NOT NULL DEFAULT '',
  format TEXT NOT NULL DEFAULT '',
  mode TEXT NOT NULL,
  status TEXT NOT NULL,
  read_count BIGINT NOT NULL DEFAULT 0,
  accepted BIGINT NOT NULL DEFAULT 0,
  quarantined BIGINT NOT NULL DEFAULT 0,
  inserted BIGINT NOT NULL DEFAULT 0,
  updated BIGINT NOT NULL DEFAULT 0,
  bytes BIGINT NOT NULL DEFAULT 0,
  received_at TEXT NOT NULL,
  started_ms BIGINT NOT NULL,
  finished_ms BIGINT NOT NULL DEFAULT 0,
  actor TEXT NOT NULL,
  reasons TEXT NOT NULL DEFAULT '{}',
  error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ingest_batches_resource ON ingest_batches(resource, id);
CREATE TABLE ingest_quarantine (
  id {{pk}},
  batch_id BIGINT NOT NULL,
  line BIGINT NOT NULL,
  raw {{blob}} NOT NULL,
  reasons TEXT NOT NULL
);
CREATE INDEX ingest_quarantine_batch ON ingest_quarantine(batch_id, line);
CREATE TABLE ingest_ids (
  resource TEXT PRIMARY KEY,
  last_id BIGINT NOT NULL
);
)sql"},
          {"ingest", 2, "sealed quarantine lines",
           // A quarantined line of a resource with sensitive fields holds those values in the
           // clear; it is sealed like the fields themselves (1) or kept as given (0).
           "ALTER TABLE ingest_quarantine ADD COLUMN sealed BIGINT NOT NULL DEFAULT 0"},
          {"ingest", 3, "one batch at a time per resource (lease.hpp)",
           "CREATE TABLE ingest_leases (resource TEXT PRIMARY KEY, batch_id BIGINT NOT NULL, "
           "expires_ms BIGINT NOT NULL)"},
          {"ingest", 4, "empty cells of a batch's accepted records (completeness)",
           "ALTER TABLE ingest_batches ADD COLUMN empty_cells BIGINT"}};
}

std::string QuarantineSealField(int64_t batch_id) {
  return "quarantine/" + std::to_string(batch_id) + "/raw";
}

std::string Ingester::TableName(std::string_view resource) {
  return security::ResourceTableName(resource);
}

Ingester::Ingester(store::Store& store, const standards::Registry& registry,
                   catalogue::Catalogue& cat, security::KeyRing* keys)
    : store_(store), registry_(registry), catalogue_(cat), keys_(keys) {}

std::vector<ColumnPlan> PlanColumns(const Resource& r, const standards::Registry& reg) {
  std::vector<ColumnPlan> plan;
  for (const auto& f : r.fields) {
    ColumnPlan c;
    c.name = f.name;
    std::string s = Sensitivity(f, reg);
    c.sealed = s == "L3" || s == "L4";
    c.bidx = c.sealed && (IsIdentifierElement(f.element) || f.key);
    c.integer = f.type == "integer";
    c.bidx_domain = f.element.empty() ? "field:" + r.code + "." + f.name : f.element;
    plan.push_back(c);
  }
  return plan;
}

namespace {

std::string SqlType(const Field& f) {
  if (f.type == "integer") return "BIGINT";
  if (f.type == "decimal") return "NUMERIC";
  return "TEXT";
}

// The non-unique indexes of a resource table (blind indexes of sealed identifier fields that are
// not the key): name and DDL. The unique key index is not among them.
std::vector<std::pair<std::string, std::string>> SecondaryIndexes(
    const Resource& r, const std::vector<ColumnPlan>& plan) {
  const std::string t = Ingester::TableName(r.code);
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < plan.size(); ++i) {
    if (r.fields[i].key || !plan[i].bidx) continue;
    const std::string col = plan[i].name + "__bidx";
    const std::string name = t + "__" + col;
    out.emplace_back(name, "CREATE INDEX IF NOT EXISTS " + name + " ON " + t + "(" + col + ");\n");
  }
  return out;
}

// The unique index on the key (blind indexes for sealed parts): name and DDL, if there is a key.
std::optional<std::pair<std::string, std::string>> KeyIndex(const Resource& r,
                                                            const std::vector<ColumnPlan>& plan) {
  std::vector<std::string> key_cols;
  for (size_t i = 0; i < plan.size(); ++i)
    if (r.fields[i].key) key_cols.push_back(plan[i].bidx ? plan[i].name + "__bidx" : plan[i].name);
  if (key_cols.empty()) return std::nullopt;
  const std::string t = Ingester::TableName(r.code);
  return std::pair{t + "__key", "CREATE UNIQUE INDEX IF NOT EXISTS " + t + "__key ON " + t + "(" +
                                    Join(key_cols, ", ") + ");\n"};
}

}  // namespace

Status Ingester::EnsureTable(const Resource& r) {
  auto plan = PlanColumns(r, registry_);
  std::string t = TableName(r.code);
  std::string sql = "CREATE TABLE IF NOT EXISTS " + t +
                    " (_id {{id}}, _batch BIGINT NOT NULL, _line BIGINT NOT NULL";
  for (size_t i = 0; i < plan.size(); ++i) {
    // A sealed field has no column of its own: its value is in the record's sealed column.
    if (!plan[i].sealed) sql += ", " + plan[i].name + " " + SqlType(r.fields[i]);
    if (plan[i].bidx) sql += ", " + plan[i].name + "__bidx {{blob}}";
  }
  if (AnySealed(plan)) sql += ", " + std::string(security::kSealedRecordColumn) + " {{blob}}";
  sql += ");\n";
  for (const auto& [name, ddl] : SecondaryIndexes(r, plan)) sql += ddl;
  if (auto key = KeyIndex(r, plan)) sql += key->second;
  auto conn = store_.Acquire();
  // A catalogue change may have added fields since the table was made: add their columns.
  YISHU_RETURN_IF_ERROR(conn->ExecScript(store::RenderDdl(sql, store_.dialect())));
  YISHU_ASSIGN_OR_RETURN(auto rows, conn->Query("SELECT * FROM " + t + " WHERE 1 = 0"));
  (void)rows;
  return Status::Ok();
}

namespace {

// The accepted rows of a chunk waiting for their transaction, their values copied out of the
// reader's buffer into one arena: a string per value cost an allocation or two per row on the
// reading thread and as many frees on the storing one.
class PendingRows {
 public:
  PendingRows() = default;
  PendingRows(size_t width, size_t rows) : width_(width) {
    text_.reserve(rows * 256);
    cells_.reserve(rows * width);
    lines_.reserve(rows);
  }
  size_t size() const { return lines_.size(); }
  bool empty() const { return lines_.empty(); }
  int64_t line(size_t row) const { return lines_[row]; }
  // The delivered line, kept only when the row may still be refused (append onto stored keys).
  const std::string& raw(size_t row) const { return raw_[row]; }
  // A field's value; nullopt when empty.
  std::optional<std::string_view> value(size_t row, size_t field) const {
    const Cell& c = cells_[row * width_ + field];
    if (c.len == kNull) return std::nullopt;
    return std::string_view(text_).substr(c.at, c.len);
  }
  int64_t empty_cells(size_t row) const {
    int64_t n = 0;
    for (size_t f = 0; f < width_; ++f) n += cells_[row * width_ + f].len == kNull;
    return n;
  }
  void Add(int64_t line, const std::vector<std::string_view>& values, std::string_view raw,
           bool keep_raw) {
    lines_.push_back(line);
    for (std::string_view v : values) {
      if (v.empty()) {
        cells_.push_back({0, kNull});
        continue;
      }
      cells_.push_back({static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(v.size())});
      text_.append(v);
    }
    if (keep_raw) {
      raw_.resize(lines_.size());
      raw_.back().assign(raw);
    }
  }
  // The arena is indexed by 32-bit offsets: a chunk is handed over before it could outgrow them.
  bool full() const { return text_.size() > (size_t{1} << 31); }

 private:
  static constexpr uint32_t kNull = UINT32_MAX;
  struct Cell {
    uint32_t at, len;
  };
  size_t width_ = 0;
  std::string text_;
  std::vector<Cell> cells_;
  std::vector<int64_t> lines_;
  std::vector<std::string> raw_;
};
struct PendingBad {
  int64_t line;
  std::string raw;
  std::string reasons;
};

// The reasons of a quarantined record as stored in the clear: values of sealed fields, and of
// record-level reasons (which may quote any column), are masked; the sealed raw line keeps them.
std::string StoredReasons(const std::vector<Reason>& reasons,
                          const std::set<std::string, std::less<>>& sealed_fields,
                          bool any_sealed) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& x : reasons) {
    nlohmann::json r = ToJson(x);
    if (any_sealed && !x.value.empty() && (x.field.empty() || sealed_fields.count(x.field))) {
      r["value"] = MaskMiddle(x.value, 3, 2);
      r["masked"] = true;
    }
    j.push_back(std::move(r));
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Result<BatchResult> Ingester::IngestFile(const std::filesystem::path& path, IngestOptions o) {
  if (o.file_name.empty()) o.file_name = path.filename().string();
  YISHU_ASSIGN_OR_RETURN(auto src, formats::OpenFileSource(path));
  return Ingest(std::move(src), o);
}

Result<BatchResult> Ingester::Ingest(std::unique_ptr<formats::ByteSource> source,
                                     const IngestOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  YISHU_ASSIGN_OR_RETURN(Resource res, catalogue_.GetResource(o.resource));
  auto plan = PlanColumns(res, registry_);
  const bool any_sealed = AnySealed(plan);
  std::unique_ptr<security::FieldProtector> protector;
  if (any_sealed) {
    if (!keys_)
      return Status::FailedPrecondition(
          "resource " + res.code + " has L3/L4 fields and encryption at rest is not available");
    YISHU_ASSIGN_OR_RETURN(protector, keys_->ForResource(res.code));
  }
  std::set<std::string, std::less<>> sealed_fields;
  for (const auto& c : plan)
    if (c.sealed) sealed_fields.insert(c.name);
  YISHU_RETURN_IF_ERROR(EnsureTable(res));
  const std::string table = TableName(res.code);

  BatchResult b;
  b.resource = res.code;
  b.file = o.file_name;
  b.mode = std::string(LoadModeName(o.mode));
  int64_t started = NowMillis();
  YISHU_ASSIGN_OR_RETURN(
      b.batch_id, store_.Acquire()->InsertReturningId(
                      "INSERT INTO ingest_batches (resource, file_name, mode, status, received_at, "
                      "started_ms, actor) VALUES (?, ?, ?, 'running', ?, ?, ?) RETURNING id",
                      {res.code, o.file_name, b.mode, FormatRfc3339(started), started, o.actor}));
  if (observer_) observer_->OnBatchStarted(b, started);
  BatchShape shape;
  shape.mapping = o.mapping;
  shape.mode = o.mode;

  RunningBatchGuard running(b.batch_id, {res.code, o.file_name, o.actor, {}});
  std::unique_ptr<ResourceLease> lease;
  // Indexes dropped for a load into an empty table, built again before Ingest returns.
  std::vector<std::pair<std::string, std::string>> deferred_indexes;
  bool key_index_deferred = false;
  auto restore_indexes = [&]() -> Status {
    std::string ddl;
    for (const auto& [name, create] : deferred_indexes) ddl += create;
    deferred_indexes.clear();
    if (ddl.empty()) return Status::Ok();
    Status built =
        store_.Acquire()->CreateIndexes(ddl).WithContext("building the indexes of " + table);
    if (built.ok() || !key_index_deferred) return built;
    // Only this batch wrote the table (it was empty and the lease kept others out), so keys
    // that collide are its own: the validator's key check missed them. Its records go, so the
    // table keeps its unique key; the failed batch can be delivered again.
    auto removed = store_.Exec("DELETE FROM " + table + " WHERE _batch = ?", {b.batch_id});
    (void)store_.Acquire()->CreateIndexes(ddl);
    b.accepted = 0;
    return Status(built.code(), built.message() + fmt::format("; the batch's {} stored records "
                                                              "were removed",
                                                              removed.ok() ? *removed : 0));
  };
  auto fail = [&](Status s) -> Status {
    if (Status restored = restore_indexes(); !restored.ok())
      s = Status(s.code(), s.message() + "; " + restored.message());
    if (lease) (void)lease->Release();
    b.status = "failed";
    b.error = s.message();
    (void)store_.Exec(
        "UPDATE ingest_batches SET status = 'failed', error = ?, finished_ms = ?, read_count = "
        "?, accepted = ?, quarantined = ?, reasons = ? WHERE id = ?",
        {s.message(), NowMillis(), b.read, b.accepted, b.quarantined,
         nlohmann::json(b.reasons).dump(), b.batch_id});
    if (observer_) observer_->OnBatchFinished(b, shape);
    return s;
  };

  {
    LeaseOptions lo = o.lease;
    lo.on_wait = [&](int64_t holder) {
      Progress waiting;
      waiting.batch_id = b.batch_id;
      waiting.waiting_for = holder;
      running.Update(waiting);
      if (o.lease.on_wait) o.lease.on_wait(holder);
    };
    auto taken = ResourceLease::Acquire(store_, res.code, b.batch_id, std::move(lo));
    if (!taken.ok()) return fail(taken.status());
    lease = std::move(taken).value();
    running.Update(Progress{.batch_id = b.batch_id});
  }

  auto opened = formats::OpenReader(std::move(source), o.file_name, o.reader);
  if (!opened.ok()) return fail(opened.status());
  auto reader = std::move(opened).value();
  b.encoding = reader->encoding();
  b.format = reader->format();
  shape.header = reader->header();
  shape.format = reader->format();
  shape.delimiter = reader->delimiter();
  auto validator = Validator::Create(res, registry_, reader->header(), o.mapping);
  if (!validator.ok()) return fail(validator.status());
  auto& v = *validator.value();
  v.ExpectFileBytes(reader->bytes_total());

  // Whether stored keys can collide with this batch's.
  std::vector<int> keys;
  for (size_t i = 0; i < res.fields.size(); ++i)
    if (res.fields[i].key) keys.push_back(static_cast<int>(i));
  bool table_empty = true;
  {
    auto any = store_.Query("SELECT _id FROM " + table + " LIMIT 1");
    if (!any.ok()) return fail(any.status());
    table_empty = any->empty();
  }
  if (o.mode == LoadMode::kReplace && !table_empty) {
    auto s = store_.Exec("DELETE FROM " + table);
    if (!s.ok()) return fail(s.status());
    table_empty = true;
  }
  // A load into an empty table builds its indexes once at the end, by sorting, instead of
  // inserting every row into them at a random place (the usual advice for populating a
  // database). For the unique key that saves more than the insert: every transaction rewrote
  // nearly every leaf of the key's index into the WAL. Within the batch the validator already
  // refuses a repeated key, and the lease keeps other batches of the resource out until the
  // index is back. Readers meanwhile find rows by scanning, not wrongly.
  if (table_empty) {
    // The key's index first: it is back before the others, should the lease lapse meanwhile.
    std::vector<std::pair<std::string, std::string>> indexes;
    if (auto key = KeyIndex(res, plan)) {
      indexes.push_back(std::move(*key));
      key_index_deferred = true;
    }
    for (auto& index : SecondaryIndexes(res, plan)) indexes.push_back(std::move(index));
    for (auto& index : indexes) {
      auto s = store_.Exec("DROP INDEX IF EXISTS " + index.first);
      if (!s.ok()) return fail(s.status());
      deferred_indexes.push_back(std::move(index));
    }
  }

  // The INSERT for k rows.
  std::string cols = "_id, _batch, _line";
  int per_row = 3;
  for (const auto& c : plan) {
    if (!c.sealed) {
      cols += ", " + c.name;
      ++per_row;
    }
    if (c.bidx) {
      cols += ", " + c.name + "__bidx";
      ++per_row;
    }
  }
  const std::string sealed_column(security::kSealedRecordColumn);
  if (any_sealed) {
    cols += ", " + sealed_column;
    ++per_row;
  }
  std::string one = "(?";
  for (int i = 1; i < per_row; ++i) one += ", ?";
  one += ")";
  std::string upsert_tail;
  if (o.mode == LoadMode::kUpsert) {
    upsert_tail =
        " ON CONFLICT (_id) DO UPDATE SET _batch = excluded._batch, _line = "
        "excluded._line";
    for (const auto& c : plan) {
      if (!c.sealed) upsert_tail += ", " + c.name + " = excluded." + c.name;
      if (c.bidx) upsert_tail += ", " + c.name + "__bidx = excluded." + c.name + "__bidx";
    }
    if (any_sealed) upsert_tail += ", " + sealed_column + " = excluded." + sealed_column;
  }
  const int kMulti = std::max(1, std::min(64, 30000 / per_row));
  auto insert_sql = [&](int k) {
    std::string sql = "INSERT INTO " + table + " (" + cols + ") VALUES " + one;
    for (int i = 1; i < k; ++i) sql += ", " + one;
    return sql + upsert_tail;
  };
  const std::string multi_sql = insert_sql(kMulti), single_sql = insert_sql(1);
  // Finds a stored record by key (blind indexes for sealed key parts).
  std::string key_lookup;
  if (!keys.empty()) {
    key_lookup = "SELECT _id FROM " + table + " WHERE ";
    for (size_t k = 0; k < keys.size(); ++k) {
      const auto& c = plan[keys[k]];
      key_lookup += (k ? " AND " : "") + (c.bidx ? c.name + "__bidx" : c.name) + " = ?";
    }
  }
  auto blind = [&](size_t f, std::string_view v) {
    const std::string& element = res.fields[f].element;
    if (security::IsNormalizedForIndex(element, v))
      return protector->BlindIndex(plan[f].bidx_domain, v);
    return protector->BlindIndex(plan[f].bidx_domain, security::NormalizeForIndex(element, v));
  };

  // The batch runs as a pipeline of three threads, so reading, sealing and storing overlap on
  // the machine's cores: this thread reads and validates and cuts the records into chunks of
  // o.rows_per_transaction; a sealer allocates record ids and seals each chunk's sensitive
  // values and quarantined lines; a store thread writes each chunk in one transaction. Queues
  // of one chunk between the stages bound the memory in flight. Into a table that already has
  // rows, a record's id may be the stored record's (upsert), known only inside the transaction
  // that looks its key up: such chunks are sealed there, by the store thread.
  struct Chunk {
    PendingRows rows;
    std::vector<PendingBad> bad;
    std::map<std::string, int64_t> reasons;  // of `bad`, by rule
    int64_t read = 0;     // records read when the chunk was cut: the invariant after its commit
    int64_t bytes = 0;    // bytes read then
    bool sealed = false;  // `statements` and `bad_raw` are ready
    std::vector<int64_t> ids;               // record id per row
    std::vector<store::Params> statements;  // insert values, kMulti rows per statement
    std::vector<std::string> bad_raw;       // quarantined lines as stored (sealed if need be)
  };
  const bool seal_ahead = table_empty;

  // Record ids come from ingest_ids in blocks, so the sealer asks the store (and waits for its
  // write lock) once per block rather than once per chunk. Ids are unique, not dense: what is
  // left of the last block is never used.
  constexpr int64_t kIdBlock = 262144;
  int64_t next_id = 0, ids_left = 0;
  auto take_ids = [&](int64_t n) -> Result<int64_t> {
    if (ids_left < n) {
      const int64_t want = std::max(n, kIdBlock);
      int64_t last = 0;
      YISHU_RETURN_IF_ERROR(store_.Transact([&](store::Connection& c) -> Status {
        YISHU_ASSIGN_OR_RETURN(
            auto row, c.QueryOne("INSERT INTO ingest_ids (resource, last_id) VALUES (?, ?) ON "
                                 "CONFLICT (resource) DO UPDATE SET last_id = ingest_ids.last_id "
                                 "+ excluded.last_id RETURNING last_id",
                                 {res.code, want}));
        last = row.Int(0);
        return Status::Ok();
      }));
      next_id = last - want + 1;
      ids_left = want;
    }
    const int64_t first = next_id;
    next_id += n;
    ids_left -= n;
    return first;
  };
  // A fresh record id for each row of a chunk.
  auto assign_ids = [&](Chunk& c) -> Status {
    const int64_t n = static_cast<int64_t>(c.rows.size());
    c.ids.resize(n);
    if (n == 0) return Status::Ok();
    YISHU_ASSIGN_OR_RETURN(int64_t first, take_ids(n));
    for (int64_t i = 0; i < n; ++i) c.ids[i] = first + i;
    return Status::Ok();
  };

  // Seals and binds the kept rows of a chunk (ids assigned) and seals its quarantined lines.
  std::string sealed;
  security::SealedRecord record;
  auto bind = [&](Chunk& c, const std::vector<char>& keep) -> Status {
    c.statements.clear();
    c.bad_raw.clear();
    store::Params* params = nullptr;
    int in_stmt = kMulti;
    for (size_t i = 0; i < c.rows.size(); ++i) {
      if (!keep[i]) continue;
      if (in_stmt == kMulti) {
        params = &c.statements.emplace_back();
        params->reserve(static_cast<size_t>(kMulti * per_row));
        in_stmt = 0;
      }
      ++in_stmt;
      const int64_t id = c.ids[i];
      params->emplace_back(id);
      params->emplace_back(b.batch_id);
      params->emplace_back(c.rows.line(i));
      record.Clear();
      for (size_t f = 0; f < plan.size(); ++f) {
        const auto val = c.rows.value(i, f);
        if (!val) {
          if (!plan[f].sealed) params->emplace_back();
          if (plan[f].bidx) params->emplace_back();
          continue;
        }
        if (plan[f].sealed) {
          record.Add(plan[f].name, *val);
          if (plan[f].bidx) params->emplace_back(store::Blob{blind(f, *val)});
        } else if (plan[f].integer) {
          int64_t x = 0;
          ParseInt64(*val, &x);
          params->emplace_back(x);
        } else {
          params->emplace_back(*val);
        }
      }
      if (any_sealed) {
        if (record.empty()) {
          params->emplace_back();
        } else {
          YISHU_RETURN_IF_ERROR(protector->SealRecord(id, record, &sealed));
          params->emplace_back(store::Blob{sealed});
        }
      }
    }
    const std::string seal_field = QuarantineSealField(b.batch_id);
    for (const auto& q : c.bad) {
      if (!protector) {
        c.bad_raw.push_back(q.raw);
        continue;
      }
      YISHU_RETURN_IF_ERROR(protector->Seal(q.line, seal_field, q.raw, &sealed));
      c.bad_raw.push_back(sealed);
    }
    return Status::Ok();
  };

  auto seal_chunk = [&](Chunk& c) -> Status {
    YISHU_RETURN_IF_ERROR(assign_ids(c));
    YISHU_RETURN_IF_ERROR(bind(c, std::vector<char>(c.rows.size(), 1)));
    c.sealed = true;
    return Status::Ok();
  };

  // What the store thread has committed; merged into `b` once the threads are done.
  struct Committed {
    int64_t accepted = 0, quarantined = 0, inserted = 0, updated = 0, refused = 0, read = 0;
    int64_t empty_cells = 0;
    std::map<std::string, int64_t> reasons;
  } committed;
  auto store_chunk = [&](Chunk& c) -> Status {
    if (!lease->held())
      return Status::Unavailable("batch " + std::to_string(b.batch_id) + " lost its lease on " +
                                 res.code + " (it stalled for longer than the lease lasts)");
    const int64_t n = static_cast<int64_t>(c.rows.size());
    if (!c.sealed) YISHU_RETURN_IF_ERROR(assign_ids(c));
    const std::vector<int64_t> reserved = c.ids;
    int64_t inserted = 0, updated = 0, empty_cells = 0;
    std::vector<PendingBad> refused;  // keys already stored (append)
    Status s = store_.Transact([&](store::Connection& tx) -> Status {
      // The body may run again when the store retries: start from scratch each time.
      inserted = updated = empty_cells = 0;
      refused.clear();
      std::vector<char> keep(n, 1);
      if (!c.sealed) {
        c.ids = reserved;
        // Stored keys: reuse the stored record id (upsert) or refuse the row (append).
        if (!keys.empty()) {
          store::Params kp;
          for (int64_t i = 0; i < n; ++i) {
            kp.clear();
            for (int k : keys) {
              const auto kv = *c.rows.value(i, k);  // accepted rows have every key part
              if (plan[k].bidx)
                kp.emplace_back(store::Blob{blind(k, kv)});
              else
                kp.emplace_back(kv);
            }
            YISHU_ASSIGN_OR_RETURN(auto found, tx.Query(key_lookup, kp));
            if (found.empty()) continue;
            if (o.mode == LoadMode::kUpsert) {
              c.ids[i] = found[0].Int(0);
              ++updated;
            } else {
              keep[i] = 0;
              Reason r{res.fields[keys[0]].name, "duplicate_key_in_table",
                       std::string(*c.rows.value(i, keys[0])),
                       fmt::format("record {} already has this key", found[0].Int(0))};
              refused.push_back(
                  {c.rows.line(i), c.rows.raw(i), StoredReasons({r}, sealed_fields, any_sealed)});
            }
          }
        }
        YISHU_RETURN_IF_ERROR(bind(c, keep));
      }
      for (int64_t i = 0; i < n; ++i)
        if (keep[i]) empty_cells += c.rows.empty_cells(i);
      // Full statements of kMulti rows; the remainder row by row (one SQL text each, so the
      // prepared statements are reused).
      store::Params one_row;
      for (const auto& params : c.statements) {
        if (static_cast<int>(params.size()) == kMulti * per_row) {
          YISHU_RETURN_IF_ERROR(tx.Exec(multi_sql, params).status());
        } else {
          for (size_t r = 0; r < params.size(); r += per_row) {
            one_row.assign(params.begin() + r, params.begin() + r + per_row);
            YISHU_RETURN_IF_ERROR(tx.Exec(single_sql, one_row).status());
          }
        }
        inserted += static_cast<int64_t>(params.size()) / per_row;
      }
      const std::string seal_field = QuarantineSealField(b.batch_id);
      auto quarantine = [&](int64_t line, const std::string& raw, const std::string& reasons) {
        return tx
            .Exec(
                "INSERT INTO ingest_quarantine (batch_id, line, raw, reasons, sealed) VALUES (?, "
                "?, ?, ?, ?)",
                {b.batch_id, line, store::Blob{raw}, reasons, int64_t{protector ? 1 : 0}})
            .status();
      };
      for (size_t i = 0; i < c.bad.size(); ++i)
        YISHU_RETURN_IF_ERROR(quarantine(c.bad[i].line, c.bad_raw[i], c.bad[i].reasons));
      for (const auto& q : refused) {
        const std::string* raw = &q.raw;
        if (protector) {
          YISHU_RETURN_IF_ERROR(protector->Seal(q.line, seal_field, q.raw, &sealed));
          raw = &sealed;
        }
        YISHU_RETURN_IF_ERROR(quarantine(q.line, *raw, q.reasons));
      }
      int64_t acc = committed.accepted + inserted;
      int64_t quar = committed.quarantined + static_cast<int64_t>(c.bad.size() + refused.size());
      YISHU_RETURN_IF_ERROR(
          tx.Exec("UPDATE ingest_batches SET read_count = ?, accepted = ?, quarantined = ? WHERE "
                  "id = ?",
                  {c.read, acc, quar, b.batch_id})
              .status());
      return Status::Ok();
    });
    if (!s.ok()) return s;
    committed.inserted += inserted - updated;
    committed.updated += updated;
    committed.accepted += inserted;
    committed.empty_cells += empty_cells;
    for (const auto& [rule, count] : c.reasons) committed.reasons[rule] += count;
    committed.quarantined += static_cast<int64_t>(c.bad.size() + refused.size());
    committed.refused += static_cast<int64_t>(refused.size());
    committed.read = c.read;
    // The invariant, after every transaction: nothing read is lost.
    if (committed.accepted + committed.quarantined != committed.read)
      return Status::Internal(
          fmt::format("batch {}: accepted {} + quarantined {} != read {} — the batch is failed",
                      b.batch_id, committed.accepted, committed.quarantined, committed.read));
    Progress pr{c.read, c.bytes, reader->bytes_total(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                b.batch_id};
    running.Update(pr);
    if (o.progress) o.progress(pr);
    return Status::Ok();
  };

  // A stage that fails closes the queues around it; the others then stop, and its status is
  // the batch's error. Exceptions end a stage the same way.
  BoundedQueue<Chunk> to_seal(1), to_store(1);
  Status seal_status, store_status;
  auto guarded = [](const std::function<Status()>& body) -> Status {
    try {
      return body();
    } catch (const std::exception& e) {
      return Status::Internal(e.what());
    }
  };
  std::thread sealer([&] {
    NameThisThread("yishu-ingseal");
    seal_status = guarded([&]() -> Status {
      Chunk c;
      while (to_seal.Pop(&c)) {
        if (seal_ahead) YISHU_RETURN_IF_ERROR(seal_chunk(c));
        if (!to_store.Push(std::move(c))) break;
      }
      return Status::Ok();
    });
    if (!seal_status.ok()) to_seal.Close();
    to_store.Close();
  });
  std::thread storer([&] {
    NameThisThread("yishu-ingstore");
    store_status = guarded([&]() -> Status {
      Chunk c;
      while (to_store.Pop(&c)) YISHU_RETURN_IF_ERROR(store_chunk(c));
      return Status::Ok();
    });
    if (!store_status.ok()) {
      to_store.Close();
      to_seal.Close();
    }
  });
  // Waits for the stages to finish what was handed to them; their first error, if any.
  auto finish_stages = [&]() -> Status {
    to_seal.Close();
    sealer.join();
    storer.join();
    b.accepted = committed.accepted;
    b.quarantined = committed.quarantined;
    b.inserted = committed.inserted;
    b.updated = committed.updated;
    b.empty_cells = committed.empty_cells;
    // Only committed records' reasons: a failed batch's counts agree with what it stored.
    b.reasons = committed.reasons;
    if (committed.refused) b.reasons["duplicate_key_in_table"] += committed.refused;
    Status failed = !store_status.ok() ? store_status : seal_status;
    if (failed.ok()) return failed;
    // The batch records what its transactions committed; the records read after the last
    // commit are named in its error, never counted as read and then missing.
    const int64_t uncommitted = b.read - committed.read;
    b.read = committed.read;
    if (uncommitted == 0) return failed;
    return Status(failed.code(),
                  fmt::format("{}; the {} records read after the last commit (from record {}) were "
                              "not stored: deliver the file again",
                              failed.message(), uncommitted, committed.read + 1));
  };

  Chunk chunk;
  auto hand_over = [&]() -> bool {
    chunk.read = b.read;
    chunk.bytes = reader->bytes_read();
    bool taken = to_seal.Push(std::move(chunk));
    chunk = Chunk{};
    chunk.rows = PendingRows(plan.size(), static_cast<size_t>(o.rows_per_transaction));
    return taken;
  };
  chunk.rows = PendingRows(plan.size(), static_cast<size_t>(o.rows_per_transaction));
  formats::Record r;
  std::vector<std::string_view> values;
  std::vector<Reason> reasons;
  Status read_status;
  for (;;) {
    auto got = reader->Next(&r);
    if (!got.ok()) {
      // The rest of the file is unreadable: keep what was read, fail the batch loudly.
      read_status = got.status();
      break;
    }
    if (!*got) break;
    ++b.read;
    reasons.clear();
    v.Check(r, &values, &reasons);
    if (reasons.empty()) {
      v.Remember(values, r.line);
      chunk.rows.Add(r.line, values, r.raw, o.mode == LoadMode::kAppend && !table_empty);
    } else {
      for (const auto& x : reasons) ++chunk.reasons[x.rule];
      chunk.bad.push_back(
          {r.line, std::string(r.raw), StoredReasons(reasons, sealed_fields, any_sealed)});
    }
    if ((static_cast<int>(chunk.rows.size() + chunk.bad.size()) >= o.rows_per_transaction ||
         chunk.rows.full()) &&
        !hand_over())
      break;  // a later stage failed: its error is the batch's
  }
  if (!chunk.rows.empty() || !chunk.bad.empty()) (void)hand_over();
  Status s = finish_stages();
  if (!s.ok()) return fail(s);
  if (!read_status.ok()) return fail(read_status);
  // Records read but never handed over (a stage failed first) would break the invariant: the
  // stages' error above covers that case, so here every record read was committed.
  if (b.accepted + b.quarantined != b.read)
    return fail(Status::Internal(
        fmt::format("batch {}: accepted {} + quarantined {} != read {} — the batch is failed",
                    b.batch_id, b.accepted, b.quarantined, b.read)));
  s = restore_indexes();
  if (!s.ok()) return fail(s);
  b.blank_lines = reader->blank_lines();
  b.bytes = reader->bytes_read();
  b.sm3_hex = crypto::ToHex(reader->sm3());
  b.status = "completed";
  b.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto done = store_.Exec(
      "UPDATE ingest_batches SET status = 'completed', sm3 = ?, encoding = ?, format = ?, "
      "read_count = ?, accepted = ?, quarantined = ?, inserted = ?, updated = ?, bytes = ?, "
      "empty_cells = ?, finished_ms = ?, reasons = ? WHERE id = ?",
      {b.sm3_hex, b.encoding, b.format, b.read, b.accepted, b.quarantined, b.inserted, b.updated,
       b.bytes, b.empty_cells, NowMillis(), nlohmann::json(b.reasons).dump(), b.batch_id});
  if (!done.ok()) return fail(done.status());
  // Released before the observer runs: re-validation may start a release batch of this resource.
  (void)lease->Release();
  if (observer_) observer_->OnBatchFinished(b, shape);
  return b;
}

namespace {

nlohmann::json BatchJson(const store::Row& r) {
  nlohmann::json reasons = nlohmann::json::parse(r["reasons"].AsText("{}"), nullptr, false);
  return {{"id", r["id"].AsInt()},
          {"resource", r["resource"].AsText()},
          {"file", r["file_name"].AsText()},
          {"sm3", r["sm3"].AsText()},
          {"encoding", r["encoding"].AsText()},
          {"format", r["format"].AsText()},
          {"mode", r["mode"].AsText()},
          {"status", r["status"].AsText()},
          {"read", r["read_count"].AsInt()},
          {"accepted", r["accepted"].AsInt()},
          {"quarantined", r["quarantined"].AsInt()},
          {"inserted", r["inserted"].AsInt()},
          {"updated", r["updated"].AsInt()},
          {"bytes", r["bytes"].AsInt()},
          {"empty_cells", r["empty_cells"].is_null() ? nlohmann::json(nullptr)
                                                     : nlohmann::json(r["empty_cells"].AsInt())},
          {"received_at", r["received_at"].AsText()},
          {"duration_ms",
           r["finished_ms"].AsInt() ? r["finished_ms"].AsInt() - r["started_ms"].AsInt() : 0},
          {"actor", r["actor"].AsText()},
          {"reasons", reasons.is_discarded() ? nlohmann::json::object() : reasons},
          {"error", r["error"].AsText()}};
}

}  // namespace

Result<nlohmann::json> Ingester::GetBatch(int64_t batch_id) {
  auto row = store_.QueryOne("SELECT * FROM ingest_batches WHERE id = ?", {batch_id});
  if (!row.ok()) {
    if (row.status().code() == ErrorCode::kNotFound)
      return Status::NotFound(fmt::format("batch {} does not exist", batch_id));
    return row.status();
  }
  return BatchJson(*row);
}

Result<std::vector<security::SealedColumns>> Ingester::SealedColumnsOf(
    const catalogue::Resource& r) {
  std::vector<security::SealedColumns> out;
  security::SealedColumns table{TableName(r.code), "_id", {}, "", "", ""};
  if (!AnySealed(PlanColumns(r, registry_))) return out;
  table.columns.emplace_back(security::kSealedRecordColumn);
  // The table exists once a batch has run; rotating before that has nothing to re-seal in it.
  if (store_.QueryOne("SELECT COUNT(*) FROM " + table.table + " WHERE 1 = 0").ok())
    out.push_back(std::move(table));
  // Resource codes are catalogue-validated ([A-Z0-9_]), so quoting them here is safe.
  for (char ch : r.code)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'))
      return Status::InvalidArgument("unexpected resource code '" + r.code + "'");
  out.push_back({"ingest_quarantine",
                 "id",
                 {"raw"},
                 "line",
                 "'quarantine/' || CAST(batch_id AS TEXT) || '/raw'",
                 "sealed = 1 AND batch_id IN (SELECT id FROM ingest_batches WHERE resource = '" +
                     r.code + "')"});
  return out;
}

Result<nlohmann::json> Ingester::ListBatches(const std::string& resource, int64_t page,
                                             int64_t page_size) {
  page = std::max<int64_t>(page, 1);
  page_size = std::clamp<int64_t>(page_size, 1, 1000);
  YISHU_ASSIGN_OR_RETURN(
      auto total,
      store_.QueryOne("SELECT COUNT(*) FROM ingest_batches WHERE resource = ?", {resource}));
  YISHU_ASSIGN_OR_RETURN(auto rows, store_.Query("SELECT * FROM ingest_batches WHERE resource = ? "
                                                 "ORDER BY id DESC LIMIT ? OFFSET ?",
                                                 {resource, page_size, (page - 1) * page_size}));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : rows) items.push_back(BatchJson(r));
  return nlohmann::json{
      {"items", items}, {"total", total.Int(0)}, {"page", page}, {"page_size", page_size}};
}

Result<nlohmann::json> Ingester::Quarantine(int64_t batch_id, int64_t page, int64_t page_size) {
  YISHU_ASSIGN_OR_RETURN(auto batch, GetBatch(batch_id));
  YISHU_ASSIGN_OR_RETURN(
      auto rows, store_.Query("SELECT line, raw, reasons, sealed FROM ingest_quarantine WHERE "
                              "batch_id = ? ORDER BY line, id LIMIT ? OFFSET ?",
                              {batch_id, page_size, (page - 1) * page_size}));
  std::unique_ptr<security::FieldProtector> protector;
  const std::string seal_field = QuarantineSealField(batch_id);
  nlohmann::json items = nlohmann::json::array();
  std::string opened;
  for (const auto& r : rows) {
    const std::string* raw_ptr = &r[1].AsBytes();
    if (r.Int(3) == 1) {
      if (!keys_) return Status::FailedPrecondition("quarantined lines are sealed: no key ring");
      if (!protector) {
        YISHU_ASSIGN_OR_RETURN(protector, keys_->ForResource(batch["resource"].get<std::string>()));
      }
      // A line that does not open is reported (the key ring audits it), not passed on as bytes.
      YISHU_RETURN_IF_ERROR(protector->Open(r.Int(0), seal_field, *raw_ptr, &opened));
      raw_ptr = &opened;
    }
    const std::string& raw = *raw_ptr;
    nlohmann::json reasons = nlohmann::json::parse(r.Text(2), nullptr, false);
    nlohmann::json item = {{"line", r.Int(0)}, {"reasons", reasons}};
    // Raw bytes as given; when they are not text (bad encoding, NUL), also as hex.
    if (formats::Utf8Ok(raw) && raw.find('\0') == std::string::npos) {
      item["raw"] = raw;
    } else {
      item["raw"] =
          nlohmann::json(raw).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      item["raw_hex"] = crypto::ToHex(raw);
    }
    items.push_back(std::move(item));
  }
  return nlohmann::json{{"batch_id", batch_id},          {"resource", batch["resource"]},
                        {"file", batch["file"]},         {"items", items},
                        {"total", batch["quarantined"]}, {"page", page},
                        {"page_size", page_size}};
}

Result<Lineage> Ingester::TraceRecord(const std::string& resource, int64_t record_id) {
  auto row = store_.QueryOne("SELECT t._batch, t._line, b.file_name, b.sm3, b.received_at FROM " +
                                 TableName(resource) +
                                 " t JOIN ingest_batches b ON b.id = t._batch WHERE t._id = ?",
                             {record_id});
  if (!row.ok()) {
    if (row.status().code() == ErrorCode::kNotFound)
      return Status::NotFound(fmt::format("resource {} has no record {}", resource, record_id));
    return row.status();
  }
  Lineage l;
  l.resource = resource;
  l.batch_id = row->Int(0);
  l.line = row->Int(1);
  l.file = row->Text(2);
  l.sm3_hex = row->Text(3);
  l.received_at = row->Text(4);
  return l;
}

}  // namespace yishu::ingest

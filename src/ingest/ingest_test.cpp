// Tests of collection: validation and the store path (tables, sealing, quarantine, lineage) on
// SQLite and PostgreSQL with the demo district's delivered files. The readers' own tests are in
// src/formats.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/strings.hpp"
#include "common/yaml_json.hpp"
#include "crypto/sm3.hpp"
#include "demo/demo.hpp"
#include "formats/testing_xlsx.hpp"
#include "ingest/inbox.hpp"
#include "ingest/ingest.hpp"
#include "platform/platform.hpp"
#include "security/field_protection.hpp"
#include "security/rotation.hpp"
#include "security/store_grep.hpp"
#include "standards/checks.hpp"
#include "store/testing.hpp"

namespace yishu::ingest {
namespace {

namespace fs = std::filesystem;
using formats::ByteSource;
using formats::MemorySource;
using formats::OpenFileSource;
using formats::OpenReader;
using formats::Record;
using formats::Utf8Ok;
using store::testing::Backends;

const fs::path kEdge = fs::path(YISHU_SHARED_DIR) / "data" / "csv-edge";

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// ---------------------------------------------------------------------------------------------
// The store path, on the demo district

struct DemoData {
  fs::path dir;
  demo::DemoSummary summary;
  nlohmann::json catalogue;
  // resource -> line -> kinds
  std::map<std::string, std::map<int64_t, std::set<std::string>>> faults;
};

DemoData* g_demo = nullptr;

const DemoData& Demo() {
  if (g_demo) return *g_demo;
  g_demo = new DemoData;
  g_demo->dir = store::testing::TempDir("yishu_ingest_demo_");
  demo::DemoOptions o;
  o.scale = 0.01;
  o.out_dir = g_demo->dir;
  o.reference_dir = fs::path(YISHU_SOURCE_DIR) / "reference";
  auto s = demo::GenerateDistrict(o);
  if (!s.ok()) throw Error(s.status());
  g_demo->summary = *s;
  g_demo->catalogue = ValueOrThrow(ReadYamlFile(s->catalogue_file.string()));
  auto rows = ValueOrThrow(formats::ReadRows(s->truth_dir / "faults.csv"));
  for (size_t i = 1; i < rows.size(); ++i)
    g_demo->faults[rows[i].fields[0]][std::stoll(rows[i].fields[2])].insert(rows[i].fields[4]);
  return *g_demo;
}

class IngestStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (store::testing::Unavailable(GetParam())) GTEST_SKIP() << "no PostgreSQL";
    store_ = ValueOrThrow(store::Store::Open({store::testing::FreshUrl(GetParam()), 4}));
    ThrowIfError(store::ApplyMigrations(*store_, platform::AllMigrations()));
    registry_ = ValueOrThrow(standards::Registry::Create(fs::path(YISHU_SOURCE_DIR) / "reference"));
    auto* reg = registry_.get();
    catalogue_ = std::make_unique<catalogue::Catalogue>(
        *store_, [reg](std::string_view code) -> std::optional<catalogue::ElementInfo> {
          const auto* e = reg->FindElement(code);
          if (!e) return std::nullopt;
          return catalogue::ElementInfo{
              std::string(standards::ValueTypeName(e->type)),
              std::string(standards::SensitivityName(e->default_sensitivity))};
        });
    keys_ = ValueOrThrow(security::KeyRing::Open(*store_, std::string(32, '\x5a')));
    ThrowIfError(store_->Transact([&](store::Connection& tx) -> Status {
      return catalogue_->Import(tx, Demo().catalogue, "test").status();
    }));
    ing_ = std::make_unique<Ingester>(*store_, *registry_, *catalogue_, keys_.get());
  }

  const demo::DeliveredFile& File(const std::string& resource) {
    for (const auto& f : Demo().summary.files)
      if (f.resource == resource) return f;
    throw std::runtime_error("no file for " + resource);
  }

  BatchResult Load(const std::string& resource, LoadMode mode = LoadMode::kUpsert) {
    IngestOptions o;
    o.resource = resource;
    o.mode = mode;
    o.rows_per_transaction = 500;  // several transactions per file
    return ValueOrThrow(ing_->IngestFile(File(resource).path, o));
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<standards::Registry> registry_;
  std::unique_ptr<catalogue::Catalogue> catalogue_;
  std::unique_ptr<security::KeyRing> keys_;
  std::unique_ptr<Ingester> ing_;
};

INSTANTIATE_TEST_SUITE_P(Backends, IngestStoreTest, ::testing::ValuesIn(Backends()));

const std::set<std::string> kCatchable = {
    "id_digit_typo",       "id_transposed",        "id_excel_scientific", "gender_mismatch",
    "birth_date_mismatch", "mobile_digit_missing", "duplicate_row"};

TEST_P(IngestStoreTest, DemoFilesInvariantAndFaultsQuarantinedAtTheirLines) {
  ASSERT_EQ(Demo().summary.files.size(), 13u);
  int64_t caught = 0, expected = 0;
  std::vector<std::string> missed;
  for (const auto& f : Demo().summary.files) {
    BatchResult b = Load(f.resource);
    EXPECT_EQ(b.status, "completed") << f.resource;
    EXPECT_EQ(b.read, f.rows) << f.resource;
    EXPECT_EQ(b.accepted + b.quarantined, b.read) << f.resource;
    EXPECT_EQ(b.encoding == "UTF-8" ? "UTF-8" : "GBK", f.encoding) << f.resource;
    auto stored =
        ValueOrThrow(store_->QueryOne("SELECT COUNT(*) FROM " + Ingester::TableName(f.resource)));
    EXPECT_EQ(stored.Int(0), b.accepted) << f.resource;
    auto q = ValueOrThrow(ing_->Quarantine(b.batch_id, 1, 1000000));
    std::map<int64_t, std::set<std::string>> rules;
    for (const auto& it : q["items"]) {
      EXPECT_FALSE(it["reasons"].empty());
      for (const auto& r : it["reasons"])
        rules[it["line"].get<int64_t>()].insert(r["rule"].get<std::string>());
    }
    EXPECT_EQ(static_cast<int64_t>(rules.size()), b.quarantined) << f.resource;
    auto fit = Demo().faults.find(f.resource);
    if (fit == Demo().faults.end()) continue;
    for (const auto& [line, kinds] : fit->second) {
      bool catchable = false;
      for (const auto& k : kinds) catchable |= kCatchable.count(k) > 0;
      if (!catchable) continue;
      ++expected;
      if (rules.count(line))
        ++caught;
      else
        missed.push_back(f.resource + ":" + std::to_string(line) + " " + *kinds.begin());
    }
  }
  EXPECT_GT(expected, 0);
  EXPECT_EQ(caught, expected) << "missed e.g. " << (missed.empty() ? "" : missed[0]) << " ("
                              << missed.size() << " missed)";
}

TEST_P(IngestStoreTest, SealedColumnsHoldNoPlaintextAndLineageTracesBack) {
  BatchResult b = Load("GA_HOUSEHOLD");
  ASSERT_GT(b.accepted, 100);
  // Plaintext ID and phone numbers from the delivered file.
  std::vector<std::string> secrets;
  {
    auto src = ValueOrThrow(OpenFileSource(File("GA_HOUSEHOLD").path));
    auto reader = ValueOrThrow(OpenReader(std::move(src), "f.csv"));
    Record r;
    int n = 0;
    while (ValueOrThrow(reader->Next(&r)) && n < 200) {
      for (auto f : r.fields)
        if (f.size() == 18 || (f.size() == 11 && IsAllDigits(f))) secrets.emplace_back(f);
      ++n;
    }
  }
  ASSERT_GT(secrets.size(), 100u);
  std::string t = Ingester::TableName("GA_HOUSEHOLD");
  // Sealed fields have no column of their own: selecting one is an error, not plaintext.
  EXPECT_FALSE(store_->Query("SELECT id_number FROM " + t + " LIMIT 1").ok());
  auto rows = ValueOrThrow(store_->Query("SELECT _sealed, id_number__bidx FROM " + t));
  ASSERT_EQ(static_cast<int64_t>(rows.size()), b.accepted);
  std::string all;
  for (const auto& r : rows) {
    EXPECT_TRUE(r[0].is_blob());
    all += r[0].AsBytes();
    EXPECT_EQ(r[1].AsBytes().size(), 32u);
  }
  for (const auto& s : secrets) EXPECT_EQ(all.find(s), std::string::npos) << "plaintext " << s;
  // A stored record opens under its record id, holds its sensitive fields (name, identity and
  // mobile numbers), and traces back to file and line.
  auto row = ValueOrThrow(
      store_->QueryOne("SELECT _id, _sealed, _line FROM " + t + " ORDER BY _id LIMIT 1 OFFSET 7"));
  auto prot = ValueOrThrow(keys_->ForResource("GA_HOUSEHOLD"));
  security::SealedRecord record;
  ASSERT_TRUE(prot->OpenRecord(row.Int(0), row[1].AsBytes(), &record).ok());
  ASSERT_TRUE(record.Find("id_number"));
  ASSERT_TRUE(record.Find("name"));
  EXPECT_FALSE(record.Find("gender")) << "plain fields are not sealed";
  const std::string id(*record.Find("id_number"));
  EXPECT_EQ(id.size(), 18u);
  auto lin = ValueOrThrow(ing_->TraceRecord("GA_HOUSEHOLD", row.Int(0)));
  EXPECT_EQ(lin.batch_id, b.batch_id);
  EXPECT_EQ(lin.file, File("GA_HOUSEHOLD").path.filename().string());
  EXPECT_EQ(lin.line, row.Int(2));
  EXPECT_EQ(lin.sm3_hex.size(), 64u);
  // That line of the file holds that identity number.
  std::ifstream in(File("GA_HOUSEHOLD").path);
  std::string line;
  for (int64_t i = 0; i < lin.line; ++i) std::getline(in, line);
  EXPECT_NE(line.find(id), std::string::npos) << line;
  // Moved to another row, the ciphertext no longer opens.
  security::SealedRecord other;
  EXPECT_FALSE(prot->OpenRecord(row.Int(0) + 1, row[1].AsBytes(), &other).ok());
  EXPECT_FALSE(ing_->TraceRecord("GA_HOUSEHOLD", 999999999).ok());
}

// 应加密尽加密: after every delivered file of the demo district is ingested (good rows and
// quarantined ones), no identity number or mobile number of those files is anywhere in the
// store in the clear: not in the SQLite file or its WAL, not in any PostgreSQL table.
TEST_P(IngestStoreTest, NoGeneratedIdentifierIsStoredInPlaintext) {
  std::set<std::string> needles;
  for (const auto& f : Demo().summary.files) {
    BatchResult b = Load(f.resource);
    ASSERT_EQ(b.status, "completed") << f.resource;
    auto reader = ValueOrThrow(OpenReader(ValueOrThrow(OpenFileSource(f.path)), "f.csv"));
    Record r;
    while (ValueOrThrow(reader->Next(&r)))
      for (auto v : r.fields) {
        // (Credit codes of 个体工商户 can be 18 digits too; they are public and stay clear.)
        if (v.size() == 18 && standards::IdCardChecksumOk(v) && standards::ParseIdCard(v) &&
            !standards::UsccChecksumOk(v))
          needles.emplace(v);
        else if (v.size() == 11 && IsAllDigits(v) && standards::IsMobileSegment(v))
          needles.emplace(v);
      }
  }
  ASSERT_GT(needles.size(), 1000u);
  int64_t quarantined =
      ValueOrThrow(store_->QueryOne("SELECT COUNT(*) FROM ingest_quarantine")).Int(0);
  EXPECT_GT(quarantined, 0) << "quarantined lines are part of what must be sealed";
  auto found = ValueOrThrow(
      security::FindPlaintext(*store_, std::vector<std::string>(needles.begin(), needles.end())));
  EXPECT_TRUE(found.empty()) << found.size() << " in plaintext, e.g. "
                             << (found.empty() ? "" : found[0]) << " in " << store_->description();
  // The provider still sees the quarantined line as delivered (opened for them).
  auto batch = ValueOrThrow(store_->QueryOne(
      "SELECT batch_id FROM ingest_quarantine WHERE sealed = 1 ORDER BY id LIMIT 1"));
  auto q = ValueOrThrow(ing_->Quarantine(batch.Int(0), 1, 5));
  ASSERT_FALSE(q["items"].empty());
  const std::string raw = q["items"][0]["raw"].get<std::string>();
  EXPECT_NE(raw.find(','), std::string::npos) << raw;
}

// Rotation covers everything sealed under a resource's keys: its table and its quarantined
// lines; afterwards every value opens under the new version and nothing changed.
TEST_P(IngestStoreTest, KeyRotationReSealsTableAndQuarantine) {
  BatchResult b = Load("GA_HOUSEHOLD");
  ASSERT_GT(b.quarantined, 0);
  auto before = ValueOrThrow(ing_->Quarantine(b.batch_id, 1, 100000));
  auto res = ValueOrThrow(catalogue_->GetResource("GA_HOUSEHOLD"));
  auto where = ValueOrThrow(ing_->SealedColumnsOf(res));
  ASSERT_EQ(where.size(), 2u);
  security::KeyRotation rot(*store_, *keys_, "GA_HOUSEHOLD", where, {.batch_size = 300});
  Status s = rot.RunToCompletion();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(rot.progress().done);
  const int64_t v = rot.progress().target_version;
  EXPECT_EQ(v, 2);
  auto fp = ValueOrThrow(keys_->ForResource("GA_HOUSEHOLD"));
  auto raws = ValueOrThrow(
      store_->Query("SELECT raw FROM ingest_quarantine WHERE batch_id = ?", {b.batch_id}));
  ASSERT_EQ(static_cast<int64_t>(raws.size()), b.quarantined);
  for (const auto& r : raws) EXPECT_EQ(fp->KeyVersionOf(r[0].AsBytes()), v);
  auto records = ValueOrThrow(
      store_->Query("SELECT _id, _sealed FROM " + Ingester::TableName("GA_HOUSEHOLD")));
  security::SealedRecord record;
  for (const auto& r : records) {
    EXPECT_EQ(fp->KeyVersionOf(r[1].AsBytes()), v);
    ASSERT_TRUE(fp->OpenRecord(r.Int(0), r[1].AsBytes(), &record).ok());
    EXPECT_TRUE(record.Find("id_number"));
  }
  EXPECT_EQ(ValueOrThrow(ing_->Quarantine(b.batch_id, 1, 100000)), before);
}

TEST_P(IngestStoreTest, LoadModes) {
  BatchResult first = Load("GA_HOUSEHOLD");
  std::string t = Ingester::TableName("GA_HOUSEHOLD");
  auto ids = [&] {
    std::set<int64_t> s;
    for (const auto& r : ValueOrThrow(store_->Query("SELECT _id FROM " + t))) s.insert(r.Int(0));
    return s;
  };
  auto before = ids();
  // Incremental: the same keys update in place (same record ids, new batch).
  BatchResult again = Load("GA_HOUSEHOLD", LoadMode::kUpsert);
  EXPECT_EQ(again.accepted, first.accepted);
  EXPECT_EQ(again.updated, first.accepted);
  EXPECT_EQ(again.inserted, 0);
  EXPECT_EQ(ids(), before);
  auto batches =
      ValueOrThrow(store_->QueryOne("SELECT COUNT(DISTINCT _batch), MIN(_batch) FROM " + t));
  EXPECT_EQ(batches.Int(0), 1);
  EXPECT_EQ(batches.Int(1), again.batch_id);
  // Append: every stored key is refused into quarantine.
  BatchResult app = Load("GA_HOUSEHOLD", LoadMode::kAppend);
  EXPECT_EQ(app.accepted, 0);
  EXPECT_EQ(app.quarantined, app.read);
  EXPECT_EQ(app.reasons["duplicate_key_in_table"], first.accepted);
  // Replace: a full load.
  BatchResult rep = Load("GA_HOUSEHOLD", LoadMode::kReplace);
  EXPECT_EQ(rep.accepted, first.accepted);
  EXPECT_EQ(static_cast<int64_t>(ids().size()), rep.accepted);
  auto list = ValueOrThrow(ing_->ListBatches("GA_HOUSEHOLD"));
  EXPECT_EQ(list["items"].size(), 4u);
  EXPECT_EQ(list["items"][0]["id"], rep.batch_id);
  // A page at a time, newest first; the total counts them all.
  auto second = ValueOrThrow(ing_->ListBatches("GA_HOUSEHOLD", 2, 3));
  EXPECT_EQ(second["total"], 4);
  EXPECT_EQ(second["page"], 2);
  ASSERT_EQ(second["items"].size(), 1u);
  EXPECT_EQ(second["items"][0]["id"], first.batch_id);
  EXPECT_TRUE(ValueOrThrow(ing_->ListBatches("GA_HOUSEHOLD", 3, 3))["items"].empty());
}

// A first load drops the table's indexes, the unique key's included, and builds them once at the
// end; they are back whether the batch completes or fails half-way.
TEST_P(IngestStoreTest, FirstLoadBuildsItsIndexesAtTheEnd) {
  const std::string t = Ingester::TableName("GA_HOUSEHOLD");
  auto index_exists = [&] {
    const std::string sql = store_->dialect() == store::Dialect::kSqlite
                                ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND "
                                  "lower(name) IN (lower(?), lower(?))"
                                : "SELECT COUNT(*) FROM pg_indexes WHERE indexname IN (lower(?), "
                                  "lower(?))";
    const int64_t n =
        ValueOrThrow(store_->QueryOne(sql, {t + "__mobile__bidx", t + "__key"})).Int(0);
    EXPECT_TRUE(n == 0 || n == 2) << n;  // both dropped or both there
    return n == 2;
  };
  // A source that fails after its first chunk, as a broken upload or disk does.
  class FailingSource : public ByteSource {
   public:
    explicit FailingSource(std::string first) : first_(std::move(first)) {}
    Result<size_t> Read(char* buf, size_t n) override {
      if (done_) return Status::Unavailable("the connection was reset");
      done_ = true;
      n = std::min(n, first_.size());
      std::memcpy(buf, first_.data(), n);
      return n;
    }

   private:
    std::string first_;
    bool done_ = false;
  };
  IngestOptions o;
  o.resource = "GA_HOUSEHOLD";
  o.rows_per_transaction = 1;
  o.file_name = "cut.csv";
  auto failed = ing_->Ingest(std::make_unique<FailingSource>(
                                 "id_number,name,gender,birth_date,household_no,address,mobile\n"
                                 "11010519491231002X,张三,2,1949-12-31,H1,某地,13812345678\n"
                                 "11010519491231003X,李四,1,1949-12-31,H2,某地,13812345679\n"),
                             o);
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(index_exists());
  // During a load into the empty table the index is gone; after it, back.
  o.mode = LoadMode::kReplace;
  o.rows_per_transaction = 500;
  o.file_name.clear();
  int during = 0, absent = 0;
  o.progress = [&](const Progress&) {
    ++during;
    absent += !index_exists();
  };
  auto loaded = ing_->IngestFile(File("GA_HOUSEHOLD").path, o);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_GT(during, 1);
  EXPECT_EQ(absent, during);
  EXPECT_TRUE(index_exists());
  auto plan =
      ValueOrThrow(store_->Query("SELECT COUNT(*) FROM " + Ingester::TableName("GA_HOUSEHOLD") +
                                 " WHERE mobile__bidx IS NOT NULL"));
  EXPECT_GT(plan[0].Int(0), 0);
  // The rebuilt key index guards the keys again.
  auto row = ValueOrThrow(store_->QueryOne("SELECT * FROM " + t + " LIMIT 1"));
  auto copy = store_->Exec(
      "INSERT INTO " + t + " (_id, _batch, _line, id_number__bidx) VALUES (?, 0, 0, ?)",
      {int64_t{1} << 40, row["id_number__bidx"]});
  EXPECT_FALSE(copy.ok());
}

// Batches of one resource run one at a time, across processes: a batch waits while another holds
// the resource's lease (and says so in its progress), then runs.
TEST_P(IngestStoreTest, BatchesOfOneResourceRunOneAtATime) {
  auto other = ValueOrThrow(ResourceLease::Acquire(*store_, "GA_HOUSEHOLD", 999999));
  std::atomic<int64_t> waiting_for{0}, live_waiting_for{0};
  std::atomic<int64_t> batch{0};
  Result<BatchResult> result = Status::Internal("not run");
  std::thread load([&] {
    IngestOptions o;
    o.resource = "GA_HOUSEHOLD";
    o.rows_per_transaction = 500;
    o.lease.on_wait = [&](int64_t holder) {
      waiting_for = holder;
      // The batch row exists and the progress API shows what it waits for.
      auto list = ValueOrThrow(ing_->ListBatches("GA_HOUSEHOLD"))["items"];
      if (!list.empty()) {
        batch = list[0]["id"].get<int64_t>();
        if (auto live = FindRunningBatch(batch)) live_waiting_for = live->progress.waiting_for;
      }
    };
    result = ing_->IngestFile(File("GA_HOUSEHOLD").path, o);
  });
  for (int i = 0; i < 500 && live_waiting_for == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(waiting_for, 999999);
  EXPECT_EQ(live_waiting_for, 999999);
  EXPECT_EQ(
      ValueOrThrow(store_->QueryOne("SELECT COUNT(*) FROM " + Ingester::TableName("GA_HOUSEHOLD")))
          .Int(0),
      0);
  ASSERT_TRUE(other->Release().ok());
  load.join();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->batch_id, batch);
  EXPECT_GT(result->accepted, 0);
  // Two loads of the same file at once: one inserts every record, the other updates them all.
  Result<BatchResult> a = Status::Internal("not run"), b = a;
  ThrowIfError(store_->Exec("DELETE FROM " + Ingester::TableName("GA_HOUSEHOLD")).status());
  auto load_all = [&](Result<BatchResult>* out) {
    IngestOptions o;
    o.resource = "GA_HOUSEHOLD";
    o.rows_per_transaction = 500;
    *out = ing_->IngestFile(File("GA_HOUSEHOLD").path, o);
  };
  std::thread ta(load_all, &a), tb(load_all, &b);
  ta.join();
  tb.join();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(a->inserted + b->inserted, result->accepted);
  EXPECT_EQ(a->updated + b->updated, result->accepted);
  EXPECT_EQ(
      ValueOrThrow(store_->QueryOne("SELECT COUNT(*) FROM " + Ingester::TableName("GA_HOUSEHOLD")))
          .Int(0),
      result->accepted);
  EXPECT_EQ(ValueOrThrow(store_->QueryOne("SELECT COUNT(*) FROM ingest_leases")).Int(0), 0);
}

// A lease whose holder stopped renewing it expires and is taken over; the stalled holder learns
// it lost the lease; a live holder makes a bounded wait give up with its batch named.
TEST_P(IngestStoreTest, LeasesExpireAndAreTakenOver) {
  ThrowIfError(store_
                   ->Exec("INSERT INTO ingest_leases (resource, batch_id, expires_ms) VALUES "
                          "('A', 1, 0)")
                   .status());
  auto taken = ResourceLease::Acquire(*store_, "A", 2, {.ttl_ms = 60});
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_TRUE((*taken)->held());
  LeaseOptions brief;
  brief.wait_ms = 100;
  auto refused = ResourceLease::Acquire(*store_, "A", 3, brief);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.status().Is(ErrorCode::kUnavailable));
  EXPECT_NE(refused.status().message().find("batch 2"), std::string::npos);
  // Another holder took the row (this one stalled past its ttl): the next renewal notices.
  ThrowIfError(store_->Exec("UPDATE ingest_leases SET batch_id = 4 WHERE resource = 'A'").status());
  for (int i = 0; i < 100 && (*taken)->held(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE((*taken)->held());
  // Releasing a lost lease leaves the new holder's row alone.
  ASSERT_TRUE((*taken)->Release().ok());
  EXPECT_EQ(ValueOrThrow(store_->QueryOne("SELECT batch_id FROM ingest_leases")).Int(0), 4);
}

// The store failing in the middle of a first load (a full disk, a lost server) fails the batch
// with the store's error, keeps what was committed accounted for, and leaves the table with its
// indexes and the resource free for the next batch.
TEST_P(IngestStoreTest, AStoreFailureHalfWayFailsTheBatchAndLeavesTheTableWhole) {
  const std::string t = Ingester::TableName("GA_HOUSEHOLD");
  IngestOptions o;
  o.resource = "GA_HOUSEHOLD";
  o.file_name = "one.csv";
  ASSERT_TRUE(ing_->Ingest(MemorySource("id_number,name,gender,birth_date,household_no,address\n"
                                        "11010519491231002X,张三,2,1949-12-31,H1,某地\n"),
                           o)
                  .ok());
  const bool sqlite = store_->dialect() == store::Dialect::kSqlite;
  ThrowIfError(store_->Acquire()->ExecScript(
      sqlite ? "CREATE TRIGGER boom BEFORE INSERT ON " + t +
                   " WHEN NEW._line = 700 BEGIN SELECT RAISE(ABORT, 'disk full (injected)'); END;"
             : "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN IF NEW._line = 700 THEN RAISE "
               "EXCEPTION 'disk full (injected)'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql;\n"
               "CREATE TRIGGER boom BEFORE INSERT ON " +
                   t + " FOR EACH ROW EXECUTE FUNCTION boom();"));
  o.file_name.clear();
  o.mode = LoadMode::kReplace;  // the table is emptied: a first load, indexes deferred
  o.rows_per_transaction = 500;
  auto failed = ing_->IngestFile(File("GA_HOUSEHOLD").path, o);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("disk full (injected)"), std::string::npos)
      << failed.status().ToString();
  auto batch = ValueOrThrow(ing_->ListBatches("GA_HOUSEHOLD"))["items"][0];
  EXPECT_EQ(batch["status"], "failed");
  EXPECT_NE(batch["error"].get<std::string>().find("injected"), std::string::npos);
  // What was committed before the failure is accounted for; the rest was never counted.
  const int64_t stored =
      ValueOrThrow(store_->QueryOne("SELECT COUNT(*) FROM " + t + " WHERE _batch = ?",
                                    {batch["id"].get<int64_t>()}))
          .Int(0);
  EXPECT_GT(batch["read"].get<int64_t>(), 0);
  EXPECT_LT(batch["read"].get<int64_t>(), 700);
  EXPECT_EQ(batch["accepted"].get<int64_t>(), stored);
  EXPECT_EQ(batch["accepted"].get<int64_t>() + batch["quarantined"].get<int64_t>(),
            batch["read"].get<int64_t>());
  // Its reasons are those of the quarantined records it stored, none of those read after.
  std::map<std::string, int64_t> stored_reasons;
  for (const auto& q :
       ValueOrThrow(store_->Query("SELECT reasons FROM ingest_quarantine WHERE batch_id = ?",
                                  {batch["id"].get<int64_t>()})))
    for (const auto& r : nlohmann::json::parse(q.Text(0)))
      ++stored_reasons[r["rule"].get<std::string>()];
  EXPECT_GT(batch["quarantined"].get<int64_t>(), 0);
  EXPECT_EQ(batch["reasons"], nlohmann::json(stored_reasons));
  const std::string count_indexes =
      sqlite ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND lower(name) IN "
               "(lower(?), lower(?))"
             : "SELECT COUNT(*) FROM pg_indexes WHERE indexname IN (lower(?), lower(?))";
  EXPECT_EQ(
      ValueOrThrow(store_->QueryOne(count_indexes, {t + "__mobile__bidx", t + "__key"})).Int(0), 2);
  EXPECT_EQ(ValueOrThrow(store_->QueryOne("SELECT COUNT(*) FROM ingest_leases")).Int(0), 0);
  // Mended, the same delivery loads.
  ThrowIfError(store_->Exec("DROP TRIGGER boom" + std::string(sqlite ? "" : " ON " + t)).status());
  auto loaded = ing_->IngestFile(File("GA_HOUSEHOLD").path, o);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->accepted + loaded->quarantined, loaded->read);
}

// Keys that differ only in what the blind index normalises away are one key: the second is a
// duplicate in quarantine, not a batch failing on the table's unique index.
TEST_P(IngestStoreTest, KeysEqualAfterNormalisationAreDuplicates) {
  IngestOptions o;
  o.resource = "GA_HOUSEHOLD";
  o.file_name = "case.csv";
  auto r = ing_->Ingest(MemorySource("id_number,name,gender,birth_date,household_no,address\n"
                                     "11010519491231002X,张三,2,1949-12-31,H1,某地\n"
                                     "11010519491231002x,张三,2,1949-12-31,H1,某地\n"),
                        o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->read, 2);
  EXPECT_EQ(r->accepted + r->quarantined, 2);
  EXPECT_EQ(r->accepted, 1);
  EXPECT_EQ(r->reasons["duplicate_key"], 1) << ToJson(*r).dump();
}

TEST_P(IngestStoreTest, BadFilesFailTheBatchClearly) {
  IngestOptions o;
  o.resource = "GA_HOUSEHOLD";
  o.file_name = "empty.csv";
  auto r = ing_->Ingest(MemorySource(""), o);
  EXPECT_FALSE(r.ok());
  o.file_name = "wrong.csv";
  r = ing_->Ingest(MemorySource("foo,bar\n1,2\n"), o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown columns [foo, bar]"), std::string::npos);
  EXPECT_NE(r.status().message().find("required fields missing"), std::string::npos);
  auto list = ValueOrThrow(ing_->ListBatches("GA_HOUSEHOLD"));
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["items"][0]["status"], "failed");
  // A mapping file covers other headers.
  std::string head = "证件号码,名字,性别,出生日期,户号,户籍地址\n";
  std::string body = head + "11010519491231002X,张三,2,1949-12-31,H1,某地\n";
  o.file_name = "mapped.csv";
  r = ing_->Ingest(MemorySource(body), o);
  ASSERT_FALSE(r.ok());
  o.mapping = {{"证件号码", "id_number"}, {"名字", "name"}};
  r = ing_->Ingest(MemorySource(body), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->read, 1);
  EXPECT_EQ(r->accepted + r->quarantined, 1);
}

// Thousands of keys grow the batch's key set many times over (it starts small for a source of
// unknown size); a repeat after every growth is still found, and names the line that had it first.
TEST_P(IngestStoreTest, DuplicateKeysAreFoundAcrossManyGrowthsOfTheKeySet) {
  IngestOptions o;
  o.resource = "GA_HOUSEHOLD";
  o.file_name = "many.csv";
  auto id = [](int i) {
    std::string first17 =
        fmt::format("110105{:04}{:02}{:02}001", 1950 + i / 240, 1 + i % 240 / 20, 1 + i % 20);
    return first17 + standards::IdCardCheckChar(first17);
  };
  auto row = [&](int i) {
    std::string d = id(i).substr(6, 8);
    return fmt::format("{},张三,1,{}-{}-{},H{},某地,\n", id(i), d.substr(0, 4), d.substr(4, 2),
                       d.substr(6, 2), i);
  };
  std::string csv = "id_number,name,gender,birth_date,household_no,address,mobile\n";
  constexpr int kKeys = 5000;
  for (int i = 0; i < kKeys; ++i) csv += row(i);
  const std::vector<int> repeated = {0, 511, 512, 1023, 2047, 4999};
  for (int i : repeated) csv += row(i);
  auto r = ing_->Ingest(MemorySource(csv), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->read, kKeys + static_cast<int64_t>(repeated.size()));
  EXPECT_EQ(r->accepted, kKeys);
  ASSERT_EQ(r->quarantined, static_cast<int64_t>(repeated.size()))
      << ValueOrThrow(ing_->Quarantine(r->batch_id))["items"][0].dump();
  auto q = ValueOrThrow(ing_->Quarantine(r->batch_id));
  ASSERT_EQ(q["items"].size(), repeated.size());
  for (size_t n = 0; n < repeated.size(); ++n) {
    const auto& item = q["items"][n];
    EXPECT_EQ(item["line"], kKeys + 2 + static_cast<int>(n));
    ASSERT_EQ(item["reasons"].size(), 1u) << item.dump();
    EXPECT_EQ(item["reasons"][0]["rule"], "duplicate_key");
    EXPECT_NE(item["reasons"][0]["message"].get<std::string>().find(
                  "line " + std::to_string(repeated[n] + 2)),
              std::string::npos)
        << item.dump();
  }
}

TEST_P(IngestStoreTest, ExcelMangledAndCrossFieldReasonsAreAllKept) {
  IngestOptions o;
  o.resource = "GA_HOUSEHOLD";
  o.file_name = "faults.csv";
  std::string csv =
      "id_number,name,gender,birth_date,household_no,address,mobile\n"
      "1.10105E+17,张三,1,1949-12-31,H1,某地,13812345678\n"        // scientific notation
      "11010519491231002X,李四,1,1950-01-01,H2,某地,1381234567\n"  // gender, birth, mobile
      "11010519491231002X,王五,2,1949-12-31,H3,某地,\n"            // fine
      "11010519491231002X,赵六,2,1949-12-31,H4,某地,\n"            // duplicate key
      ",钱七,,1949-12-31,H5,,\n";                                  // not null
  auto r = ing_->Ingest(MemorySource(csv), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->read, 5);
  EXPECT_EQ(r->accepted, 1);
  EXPECT_EQ(r->quarantined, 4);
  auto q = ValueOrThrow(ing_->Quarantine(r->batch_id));
  ASSERT_EQ(q["items"].size(), 4u);
  auto rules = [&](size_t i) {
    std::set<std::string> s;
    for (const auto& x : q["items"][i]["reasons"]) s.insert(x["rule"].get<std::string>());
    return s;
  };
  EXPECT_EQ(q["items"][0]["line"], 2);
  EXPECT_EQ(q["items"][0]["raw"], "1.10105E+17,张三,1,1949-12-31,H1,某地,13812345678");
  // Reasons on sealed fields keep the value masked; the opened raw line above has it in full.
  EXPECT_EQ(q["items"][0]["reasons"][0]["value"], "1.1******17");
  EXPECT_EQ(q["items"][0]["reasons"][0]["masked"], true);
  EXPECT_TRUE(rules(1).count("gender_mismatch"));
  EXPECT_TRUE(rules(1).count("birth_date_mismatch"));
  EXPECT_EQ(rules(1).size(), 3u) << q["items"][1].dump();
  EXPECT_TRUE(rules(2).count("duplicate_key"));
  EXPECT_EQ(q["items"][2]["line"], 5);
  EXPECT_TRUE(rules(3).count("not_null"));
  EXPECT_EQ(q["items"][3]["reasons"].size(), 3u) << q["items"][3].dump();  // id, gender, address
}

// Every file of csv-edge, and hostile inputs made here, through the whole store path: either
// every record read is accounted for (accepted + quarantined = read, each quarantined row with
// its reasons and raw line) or the batch fails with a clear error. Each file gets a resource
// whose fields are its header (labels), so the reader and the structural checks are what is
// tested; identity and phone columns carry their data elements.
TEST_P(IngestStoreTest, EveryEdgeFileIsAccountedForOrRefusedClearly) {
  std::vector<std::pair<std::string, std::string>> files;  // name, bytes
  for (const char* dir : {"csvs", "synthetic"})
    for (const auto& e : fs::directory_iterator(kEdge / dir))
      if (e.path().extension() == ".csv")
        files.emplace_back(std::string(dir) + "/" + e.path().filename().string(), Slurp(e.path()));
  ASSERT_EQ(files.size(), 12u + 16u);
  std::mt19937 rng(11);
  std::string junk(200000, '\0');
  for (auto& c : junk) c = static_cast<char>(rng() % 256);
  std::string big = "a,b\n1,\"" + std::string(10 << 20, 'x') + "\"\n2,3\n";
  std::vector<std::pair<std::string, std::string>> extra = {
      {"hostile/zero.csv", ""},
      {"hostile/junk.csv", junk},
      {"hostile/nul.csv", std::string("a,b\n1,x\0y\n\0\0\0,2\n3,4\n", 20)},
      {"hostile/ten_mb_field.csv", big},
      {"hostile/truncated_quote.csv", "a,b\n1,2\n3,\"unfinished"},
      {"hostile/truncated_gbk.csv", Slurp(kEdge / "synthetic" / "gbk.csv").substr(0, 40)},
  };
  // Every edge file cut in half: a truncated delivery.
  for (const auto& [name, bytes] : files)
    if (bytes.size() > 8)
      extra.emplace_back("truncated/" + name, bytes.substr(0, bytes.size() / 2));
  files.insert(files.end(), extra.begin(), extra.end());

  // Expected outcome per file: "error" or the number of records quarantined (-1: any).
  const std::map<std::string, int> expect = {
      {"synthetic/empty_file.csv", -2},
      {"hostile/zero.csv", -2},
      {"hostile/junk.csv", -2},
      {"synthetic/ragged_rows.csv", 2},
      {"synthetic/nul_byte.csv", 1},
      {"synthetic/unterminated_quote.csv", 1},
      {"synthetic/bare_quote.csv", 1},
      {"synthetic/quote_after_closing.csv", 1},
      {"synthetic/excel_mangled_ids.csv", 2},
      {"synthetic/gbk.csv", 0},
      {"synthetic/gb18030_ext_a.csv", 0},
      {"synthetic/utf8_bom.csv", 0},
      {"synthetic/header_only.csv", 0},
      {"synthetic/long_field.csv", 0},
      {"synthetic/formula_injection.csv", 0},
      {"synthetic/fullwidth_comma.csv", 0},
      {"synthetic/mixed_newlines.csv", 0},
      {"hostile/nul.csv", 2},
      {"hostile/ten_mb_field.csv", 0},
      {"hostile/truncated_quote.csv", 1},
      {"hostile/truncated_gbk.csv", 1},
      {"csvs/location_coordinates.csv", 1},
  };
  int n = 0, refused = 0;
  for (const auto& [name, bytes] : files) {
    SCOPED_TRACE(name);
    std::string code = fmt::format("EDGE_{}", ++n);
    // The resource: one field per header name.
    std::vector<std::string> header = {"a"};
    if (auto r = OpenReader(MemorySource(bytes), name); r.ok() && !(*r)->header().empty())
      header = (*r)->header();
    nlohmann::json fields = nlohmann::json::array();
    std::set<std::string> seen;
    for (size_t i = 0; i < header.size(); ++i) {
      if (Trim(header[i]).empty() || !seen.insert(header[i]).second) continue;
      nlohmann::json f = {{"name", fmt::format("f{}", i)},
                          {"label", std::string(Trim(header[i]))},
                          {"nullable", true}};
      if (header[i].find("身份证") != std::string::npos) f["element"] = "id_card";
      if (header[i].find("手机") != std::string::npos) f["element"] = "mobile";
      fields.push_back(f);
    }
    nlohmann::json doc = {{"departments", {{{"code", "D" + code}, {"name", "边界部门"}}}},
                          {"resources",
                           {{{"code", code},
                             {"name", name},
                             {"department", "D" + code},
                             {"share_type", "无条件共享"},
                             {"fields", fields}}}}};
    ThrowIfError(store_->Transact([&](store::Connection& tx) -> Status {
      return catalogue_->Import(tx, doc, "test").status();
    }));
    IngestOptions o;
    o.resource = code;
    o.file_name = fs::path(name).filename().string();
    o.rows_per_transaction = 2;  // the invariant is checked after every transaction
    auto r = ing_->Ingest(MemorySource(bytes), o);
    auto want = expect.find(name);
    if (!r.ok()) {
      ++refused;
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << r.status().ToString();
      EXPECT_GT(r.status().message().size(), 10u);
      auto list = ValueOrThrow(ing_->ListBatches(code));
      ASSERT_EQ(list["items"].size(), 1u);
      EXPECT_EQ(list["items"][0]["status"], "failed");
      EXPECT_EQ(list["items"][0]["error"], r.status().message());
      if (want != expect.end()) {
        EXPECT_EQ(want->second, -2) << r.status().ToString();
      }
      continue;
    }
    if (want != expect.end()) {
      EXPECT_NE(want->second, -2) << "expected a clear error";
      if (want->second >= 0) {
        EXPECT_EQ(r->quarantined, want->second);
      }
    }
    // The reader's own count of records is what the batch read.
    int64_t records = 0;
    {
      auto reader = ValueOrThrow(OpenReader(MemorySource(bytes), name));
      Record rec;
      while (ValueOrThrow(reader->Next(&rec))) ++records;
    }
    EXPECT_EQ(r->status, "completed");
    EXPECT_EQ(r->read, records);
    EXPECT_EQ(r->accepted + r->quarantined, r->read);
    auto stored =
        ValueOrThrow(store_->QueryOne("SELECT COUNT(*) FROM " + Ingester::TableName(code)));
    EXPECT_EQ(stored.Int(0), r->accepted);
    auto q = ValueOrThrow(ing_->Quarantine(r->batch_id, 1, 1000));
    EXPECT_EQ(static_cast<int64_t>(q["items"].size()), r->quarantined);
    for (const auto& it : q["items"]) {
      EXPECT_FALSE(it["reasons"].empty());
      EXPECT_TRUE(it.contains("raw"));
      EXPECT_GE(it["line"].get<int64_t>(), 2);
    }
    // Nothing stored is mojibake: every stored text is valid UTF-8.
    for (const auto& row :
         ValueOrThrow(store_->Query("SELECT * FROM " + Ingester::TableName(code))))
      for (size_t c = 0; c < row.size(); ++c)
        if (row[c].is_text()) {
          EXPECT_TRUE(Utf8Ok(row[c].AsText()));
        }
  }
  EXPECT_EQ(refused, 3) << "the empty file, the zero-byte file and binary junk";
}

// An XLSX delivery through the whole store path: stored, Excel damage quarantined with its
// row number, accepted + quarantined = read.
TEST_P(IngestStoreTest, XlsxWorkbookIsIngestedLikeCsv) {
  using formats::testing::XCell;
  auto t = [](const char* s) { return XCell::Text(s); };
  formats::testing::XRows rows = {
      {1,
       {t("公民身份号码"), t("姓名"), t("性别"), t("出生日期"), t("户号"), t("户籍地址"),
        t("联系电话")}},
      {2,
       {t("11010519491231002X"), t("张三"), XCell::Number("2"), XCell::Date("18263"), t("H1"),
        t("柯桥街道1号"), XCell::Number("13812345678")}},
      {3,
       {XCell::Number("1.10105194912310E+17"), t("李四"), t("1"), t("1949-12-31"), t("H2"),
        t("柯桥街道2号"), t("")}},
  };
  std::string book = formats::testing::MakeXlsx({{"封面", {{1, {t("户籍人口")}}}}, {"人口", rows}});
  IngestOptions o;
  o.resource = "GA_HOUSEHOLD";
  o.file_name = "户籍.xlsx";
  o.reader.sheet = "人口";
  auto r = ing_->Ingest(MemorySource(book), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->format, "xlsx");
  EXPECT_EQ(r->read, 2);
  EXPECT_EQ(r->accepted, 1);
  EXPECT_EQ(r->quarantined, 1);
  auto q = ValueOrThrow(ing_->Quarantine(r->batch_id));
  ASSERT_EQ(q["items"].size(), 1u);
  EXPECT_EQ(q["items"][0]["line"], 3);
  // The value as read (1.1010519491231e+17), masked like every sealed field's value.
  EXPECT_EQ(q["items"][0]["reasons"][0]["field"], "id_number");
  std::string masked = q["items"][0]["reasons"][0]["value"].get<std::string>();
  EXPECT_EQ(masked.size(), std::string("1.1010519491231e+17").size()) << masked;
  EXPECT_EQ(masked.substr(0, 3), "1.1") << masked;
  // Not a workbook: a clear error and a failed batch.
  o.file_name = "fake.xlsx";
  auto bad = ing_->Ingest(MemorySource("姓名,性别\n张三,1\n"), o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("not a ZIP archive"), std::string::npos);
}

// The live progress of a running batch is what its progress callback sees, and it is gone
// once the batch has finished.
TEST_P(IngestStoreTest, RunningBatchProgressIsLiveAndThenGone) {
  IngestOptions o;
  o.resource = "GA_HOUSEHOLD";
  o.rows_per_transaction = 100;
  int calls = 0;
  int64_t id = 0;
  o.progress = [&](const Progress& p) {
    ++calls;
    id = p.batch_id;
    auto live = FindRunningBatch(p.batch_id);
    ASSERT_TRUE(live.has_value());
    EXPECT_EQ(live->resource, "GA_HOUSEHOLD");
    EXPECT_EQ(live->progress.rows, p.rows);
    EXPECT_EQ(live->progress.bytes, p.bytes);
    auto j = ProgressJson(p.batch_id, "running", live->progress);
    EXPECT_GE(j["rows_per_second"].get<double>(), 0);
  };
  auto b = ValueOrThrow(ing_->IngestFile(File("GA_HOUSEHOLD").path, o));
  EXPECT_GT(calls, 3);
  EXPECT_EQ(id, b.batch_id);
  EXPECT_FALSE(FindRunningBatch(b.batch_id).has_value());
}

// The inbox: a file dropped into DATA/inbox/<DEPT>/<RESOURCE>/ is taken once it stops
// changing, ingested once, and moved to done/ (or failed/) with its result beside it.
TEST_P(IngestStoreTest, InboxIngestsEachCompleteFileOnce) {
  fs::path root = store::testing::TempDir("yishu_inbox_") / "inbox";
  std::vector<std::string> ingested;
  InboxOptions io;
  io.root = root;
  io.settle = std::chrono::milliseconds(300);
  InboxWatcher inbox(io, *catalogue_, [&](const fs::path& f, IngestOptions o) {
    ingested.push_back(o.file_name);
    EXPECT_EQ(o.actor, "inbox:GA");
    return ing_->IngestFile(f, o);
  });
  ASSERT_TRUE(inbox.Prepare().ok());
  fs::path dir = root / "GA" / "GA_HOUSEHOLD";
  ASSERT_TRUE(fs::is_directory(dir)) << "a folder per department and resource";
  ASSERT_TRUE(fs::is_directory(root / "MZ"));
  std::string full = Slurp(File("GA_HOUSEHOLD").path);
  // Being written: half now, the rest later. Not taken while it changes.
  { std::ofstream(dir / "户籍.csv", std::ios::binary) << full.substr(0, full.size() / 2); }
  std::ofstream(dir / ".hidden.csv") << "a,b\n";
  std::ofstream(dir / "upload.csv.part") << "a,b\n";
  EXPECT_EQ(ValueOrThrow(inbox.ScanOnce()), 0);
  {
    std::ofstream out(dir / "户籍.csv", std::ios::binary | std::ios::app);
    out << full.substr(full.size() / 2);
  }
  EXPECT_EQ(ValueOrThrow(inbox.ScanOnce()), 0);
  // A file in the wrong department's folder, and one that cannot be read.
  fs::create_directories(root / "MZ" / "GA_HOUSEHOLD");
  std::ofstream(root / "MZ" / "GA_HOUSEHOLD" / "冒名.csv") << full.substr(0, 200);
  std::ofstream(dir / "空.csv") << "";
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(ValueOrThrow(inbox.ScanOnce()), 1) << "the complete file; first sight of the others";
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(ValueOrThrow(inbox.ScanOnce()), 2);
  EXPECT_EQ(ValueOrThrow(inbox.ScanOnce()), 0) << "each file once";
  EXPECT_EQ(ingested, (std::vector<std::string>{"户籍.csv", "空.csv"}));
  auto only = [](const fs::path& d, const std::string& ext) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(d))
      if (e.path().string().size() > ext.size() &&
          e.path().string().compare(e.path().string().size() - ext.size(), ext.size(), ext) == 0)
        out.push_back(e.path());
    return out;
  };
  auto done = only(dir / "done", ".result.json");
  ASSERT_EQ(done.size(), 1u);
  auto result = nlohmann::json::parse(Slurp(done[0]));
  EXPECT_EQ(result["status"], "completed");
  EXPECT_EQ(result["read"], File("GA_HOUSEHOLD").rows);
  EXPECT_EQ(result["accepted"].get<int64_t>() + result["quarantined"].get<int64_t>(),
            result["read"].get<int64_t>());
  EXPECT_EQ(only(dir / "done", "户籍.csv").size(), 1u) << "the file itself beside its result";
  auto failed = only(dir / "failed", ".result.json");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(Slurp(failed[0]).find("empty"), std::string::npos);
  auto wrong = only(root / "MZ" / "GA_HOUSEHOLD" / "failed", ".result.json");
  ASSERT_EQ(wrong.size(), 1u);
  EXPECT_NE(Slurp(wrong[0]).find("delivered by department GA, not MZ"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir / ".hidden.csv"));
  EXPECT_TRUE(fs::exists(dir / "upload.csv.part"));
  EXPECT_TRUE(fs::is_empty(dir / "processing"));
  // A file left in processing/ by a crash goes to failed/ at the next start, not ingested.
  std::ofstream(dir / "processing" / "half.csv") << "x";
  ASSERT_TRUE(inbox.Prepare().ok());
  EXPECT_EQ(only(dir / "failed", ".result.json").size(), 2u);
  EXPECT_EQ(ingested.size(), 2u);
  // Watching on its own thread.
  std::ofstream(dir / "again.csv", std::ios::binary) << full;
  InboxOptions fast = io;
  fast.poll = std::chrono::milliseconds(50);
  fast.settle = std::chrono::milliseconds(100);
  InboxWatcher watcher(fast, *catalogue_, [&](const fs::path& f, IngestOptions o) {
    ingested.push_back(o.file_name);
    return ing_->IngestFile(f, o);
  });
  watcher.Start();
  for (int i = 0; i < 200 && ingested.size() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  watcher.Stop();
  EXPECT_EQ(ingested.size(), 3u);
}

}  // namespace
}  // namespace yishu::ingest

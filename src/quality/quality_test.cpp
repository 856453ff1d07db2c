// Tests of quality and the closed loop on both backends: profiles (also of sealed fields),
// batch scores and their trend, tickets raised, verified and reopened by batches, the release
// of quarantined rows that pass again (lineage kept), cross-source consistency against the
// authoritative source, and OpenLineage events validated against the official schema.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "common/strings.hpp"
#include "platform/platform.hpp"
#include "quality/quality.hpp"
#include "store/testing.hpp"

namespace yishu::quality {
namespace {

namespace fs = std::filesystem;

// A valid identity number (GB 11643) for a region, birth date and sequence.
std::string IdNumber(const std::string& birth, int seq) {
  std::string body = "110105" + birth + fmt::format("{:03d}", seq);
  static const int w[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * w[i];
  return body + "10X98765432"[sum % 11];
}

constexpr const char* kCatalogue = R"({
 "departments": [{"code": "GA", "name": "公安分局"}, {"code": "MZ", "name": "民政局"}],
 "systems": [{"code": "GA_HJ", "name": "户籍系统", "department": "GA"},
             {"code": "MZ_JZ", "name": "救助系统", "department": "MZ"}],
 "resources": [
  {"code": "GA_PERSON", "name": "户籍人口", "department": "GA", "system": "GA_HJ",
   "subject": "person", "update_cycle": "daily", "share_type": "有条件共享",
   "share_condition": "政务用途",
   "fields": [
     {"name": "id_number", "label": "公民身份号码", "element": "id_card", "key": true,
      "authoritative": true},
     {"name": "name", "label": "姓名", "element": "person_name", "nullable": false},
     {"name": "address", "label": "户籍地址", "element": "address", "authoritative": true},
     {"name": "mobile", "label": "联系电话", "element": "mobile"},
     {"name": "township", "label": "乡镇街道", "type": "string", "sensitivity": "L1"}]},
  {"code": "MZ_AID", "name": "低保对象", "department": "MZ", "system": "MZ_JZ",
   "subject": "person", "update_cycle": "monthly", "share_type": "有条件共享",
   "share_condition": "政务用途",
   "fields": [
     {"name": "case_no", "label": "救助证编号", "type": "string", "key": true,
      "sensitivity": "L2"},
     {"name": "id_number", "label": "身份证号码", "element": "id_card", "nullable": false},
     {"name": "address", "label": "家庭住址", "element": "address"},
     {"name": "amount", "label": "月保障金额", "type": "integer", "sensitivity": "L2"}]}]})";

class QualityTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (store::testing::Unavailable(GetParam())) GTEST_SKIP() << "no PostgreSQL configured";
    dir_ = store::testing::TempDir("yishu_quality_");
    lineage_file_ = dir_ / "openlineage.jsonl";
    {
      std::ofstream cfg(dir_ / "yishu.toml");
      cfg << "[store]\nurl = \"" << store::testing::FreshUrl(GetParam()) << "\"\n"
          << "[auth]\nargon2_memory_kib = 256\nargon2_iterations = 1\n"
          << "[lineage]\nopenlineage_file = \"" << lineage_file_.string() << "\"\n";
    }
    ::setenv("YISHU_ADMIN_PASSWORD", "Test-password-2026", 1);
    ::unsetenv("YISHU_MASTER_KEY");
    ::unsetenv("YISHU_MASTER_KEY_FILE");
    std::vector<std::string> messages;
    p_ = ValueOrThrow(platform::Platform::Init(dir_, &messages));
    ThrowIfError(p_->store().Transact([&](store::Connection& tx) {
      return p_->catalogue().Import(tx, nlohmann::json::parse(kCatalogue), "test").status();
    }));
  }

  ingest::BatchResult Load(const std::string& resource, const std::string& csv,
                           ingest::LoadMode mode = ingest::LoadMode::kUpsert,
                           const std::string& file = "delivery.csv") {
    ingest::Ingester ing(p_->store(), p_->standards(), p_->catalogue(), &p_->keys());
    ing.SetObserver(&p_->quality());
    ingest::IngestOptions o;
    o.resource = resource;
    o.file_name = file;
    o.mode = mode;
    return ValueOrThrow(ing.Ingest(formats::MemorySource(csv), o));
  }

  nlohmann::json Tickets(const std::string& resource) {
    TicketQuery q;
    q.resource = resource;
    return ValueOrThrow(p_->quality().ListTickets(q))["items"];
  }

  nlohmann::json TicketFor(const std::string& resource, const std::string& field) {
    for (const auto& t : Tickets(resource))
      if (t["field"] == field) return t;
    return nullptr;
  }

  void Act(int64_t ticket, TicketAction a) {
    ThrowIfError(p_->store().Transact([&](store::Connection& tx) {
      return p_->quality().Transition(tx, ticket, a, "steward", "").status();
    }));
  }

  fs::path dir_, lineage_file_;
  std::unique_ptr<platform::Platform> p_;
};

INSTANTIATE_TEST_SUITE_P(Backends, QualityTest, ::testing::ValuesIn(store::testing::Backends()));

const std::string kGaHeader = "id_number,name,address,mobile,township\n";

std::string GaRows(int n, int bad_mobiles, int missing_names, int seq0 = 1) {
  std::string csv = kGaHeader;
  for (int i = 0; i < n; ++i) {
    std::string mobile = i < bad_mobiles ? "1380013800" : "1380013" + fmt::format("{:04d}", i);
    std::string name = i >= bad_mobiles && i < bad_mobiles + missing_names ? "" : "张三";
    csv += fmt::format("{},{},浙江省绍兴市柯桥区{}号,{},{}\n", IdNumber("19800101", seq0 + i), name,
                       i, mobile, i % 3 ? "柯桥街道" : "华舍街道");
  }
  return csv;
}

TEST(Pattern, DigitsLettersAndHan) {
  EXPECT_EQ(PatternOf("13800138000"), "99999999999");
  EXPECT_EQ(PatternOf("浙A-12345"), "汉A-99999");
  EXPECT_EQ(PatternOf("1.10105E+17"), "9.99999A+99");
  EXPECT_EQ(PatternOf("䶮"), "汉");  // CJK extension A
  EXPECT_EQ(PatternOf(std::string(50, 'x')), std::string(40, 'A') + "…");
}

// Sealed fields live together in the record's sealed column; a value left empty is still
// counted: by its blind index (mobile), by opening the records (address, no blind index), and
// in the batch's completeness (counted as the ingest stored the records).
TEST_P(QualityTest, EmptySealedFieldsCountInProfileAndCompleteness) {
  std::string csv = kGaHeader;
  for (int i = 0; i < 20; ++i)
    csv += fmt::format("{},张三,{},{},柯桥街道\n", IdNumber("19800101", i + 1),
                       i < 3 ? "" : "浙江省绍兴市柯桥区" + std::to_string(i) + "号",
                       i >= 15 ? "" : "1380013" + fmt::format("{:04d}", i));
  auto b = Load("GA_PERSON", csv);
  ASSERT_EQ(b.status, "completed");
  ASSERT_EQ(b.accepted, 20);
  EXPECT_EQ(b.empty_cells, 3 + 5);
  auto prof = ValueOrThrow(p_->quality().Profile("GA_PERSON"));
  std::map<std::string, nlohmann::json> f;
  for (const auto& x : prof["fields"]) f[x["name"].get<std::string>()] = x;
  EXPECT_EQ(f["address"]["nulls"], 3);
  EXPECT_EQ(f["mobile"]["nulls"], 5);
  EXPECT_EQ(f["mobile"]["distinct"], 15);
  EXPECT_EQ(f["name"]["nulls"], 0);
  auto s = ValueOrThrow(p_->quality().BatchScores(b.batch_id));
  ASSERT_TRUE(s.completeness.has_value());
  EXPECT_NEAR(*s.completeness, 1 - 8 / 100.0, 1e-9);
}

TEST_P(QualityTest, ProfilesScoresAndTrend) {
  auto b1 = Load("GA_PERSON", GaRows(30, 3, 2));
  ASSERT_EQ(b1.status, "completed");
  EXPECT_EQ(b1.accepted, 25);
  EXPECT_EQ(b1.quarantined, 5);

  auto prof = ValueOrThrow(p_->quality().Profile("GA_PERSON"));
  EXPECT_EQ(prof["rows"], 25);
  std::map<std::string, nlohmann::json> f;
  for (const auto& x : prof["fields"]) f[x["name"].get<std::string>()] = x;
  // Sealed: counts and the blind index's distinct count, no values, shapes or lengths.
  EXPECT_TRUE(f["id_number"]["sealed"].get<bool>());
  EXPECT_EQ(f["id_number"]["distinct"], 25);
  EXPECT_EQ(f["id_number"]["nulls"], 0);
  EXPECT_FALSE(f["id_number"].contains("top_values"));
  EXPECT_FALSE(f["address"].contains("patterns"));
  EXPECT_TRUE(f["address"]["distinct"].is_null());
  // Plain: top values, shapes, min/max, lengths in characters.
  const auto& town = f["township"];
  EXPECT_FALSE(town["sealed"].get<bool>());
  EXPECT_EQ(town["distinct"], 2);
  EXPECT_EQ(town["top_values"][0]["value"], "柯桥街道");
  EXPECT_EQ(town["top_values"][0]["count"], 17);
  EXPECT_EQ(town["patterns"][0]["pattern"], "汉汉汉汉");
  EXPECT_EQ(town["patterns"][0]["count"], 25);
  ASSERT_EQ(town["lengths"].size(), 1u);
  EXPECT_EQ(town["lengths"][0]["length"], 4);
  EXPECT_EQ(town["min"], "华舍街道");
  EXPECT_EQ(prof.dump().find("浙江省"), std::string::npos) << "sealed plaintext in a profile";

  // Batch scores: 3 rows broke a standard (mobile length), 2 lacked a required name.
  auto s1 = ValueOrThrow(p_->quality().BatchScores(b1.batch_id));
  EXPECT_NEAR(*s1.conformity, 1 - 3 / 30.0, 1e-9);
  EXPECT_NEAR(*s1.accuracy, 1.0, 1e-9);
  EXPECT_NEAR(*s1.consistency, 1.0, 1e-9);
  EXPECT_NEAR(*s1.completeness, 1 - 2 / 150.0, 1e-9);
  EXPECT_EQ(*s1.timeliness, 1.0);
  EXPECT_EQ(*s1.accessibility, 1.0);
  ASSERT_TRUE(s1.overall.has_value());
  EXPECT_LT(*s1.overall, 1.0);

  // A clean delivery and a failed one: the trend shows all three in order.
  auto b2 = Load("GA_PERSON", GaRows(30, 0, 0));
  ingest::Ingester ing(p_->store(), p_->standards(), p_->catalogue(), &p_->keys());
  ing.SetObserver(&p_->quality());
  ingest::IngestOptions o;
  o.resource = "GA_PERSON";
  o.file_name = "wrong.csv";
  EXPECT_FALSE(ing.Ingest(formats::MemorySource("foo,bar\n1,2\n"), o).ok());
  auto trend = ValueOrThrow(p_->quality().Trend("GA_PERSON"))["items"];
  ASSERT_EQ(trend.size(), 3u);
  EXPECT_EQ(trend[0]["batch_id"], b1.batch_id);
  EXPECT_EQ(trend[1]["batch_id"], b2.batch_id);
  EXPECT_EQ(trend[1]["conformity"], 1.0);
  EXPECT_GT(trend[1]["overall"].get<double>(), trend[0]["overall"].get<double>());
  EXPECT_EQ(trend[2]["accessibility"], 0.0);
  EXPECT_EQ(trend[2]["overall"], 0.0);

  // The batch profile sees only what that batch wrote.
  auto bp = ValueOrThrow(p_->quality().Profile("GA_PERSON", b2.batch_id));
  EXPECT_EQ(bp["rows"], 30);

  auto rs = ValueOrThrow(p_->quality().ResourceScores("GA_PERSON"));
  EXPECT_NEAR(*rs.accessibility, 2 / 3.0, 1e-9);
  ASSERT_TRUE(rs.closed_loop.has_value());
  auto depts = ValueOrThrow(p_->quality().DepartmentScores())["items"];
  ASSERT_EQ(depts.size(), 2u);
  EXPECT_EQ(depts[0]["department"], "GA");
  EXPECT_GE(depts[0]["tickets"]["tickets"].get<int64_t>(), 2);
}

TEST_P(QualityTest, TicketLoopVerifiedByTheNextBatchAndReopened) {
  auto b1 = Load("GA_PERSON", GaRows(10, 2, 0));
  auto t = TicketFor("GA_PERSON", "mobile");
  ASSERT_FALSE(t.is_null()) << Tickets("GA_PERSON").dump();
  EXPECT_EQ(t["status"], "open");
  EXPECT_EQ(t["department"], "GA");
  EXPECT_EQ(t["rule"], "length");
  EXPECT_EQ(t["occurrences"], 2);
  EXPECT_EQ(t["detail"]["example_lines"], nlohmann::json::array({2, 3}));
  const int64_t id = t["id"].get<int64_t>();
  // Strict order: it cannot be fixed before it is acknowledged, nor closed before verified.
  auto premature = p_->store().Transact([&](store::Connection& tx) {
    return p_->quality().Transition(tx, id, TicketAction::kFix, "x", "").status();
  });
  EXPECT_EQ(premature.code(), ErrorCode::kFailedPrecondition);
  Act(id, TicketAction::kAcknowledge);
  Act(id, TicketAction::kFix);
  // The same problem again: reopened, not verified.
  Load("GA_PERSON", GaRows(10, 1, 0));
  EXPECT_EQ(TicketFor("GA_PERSON", "mobile")["status"], "open");
  EXPECT_EQ(Tickets("GA_PERSON").size(), 1u) << "one ticket per problem, not per batch";
  Act(id, TicketAction::kAcknowledge);
  Act(id, TicketAction::kFix);
  // The corrected resubmission verifies it; the quarantined rows it corrected are superseded.
  auto b3 = Load("GA_PERSON", GaRows(10, 0, 0));
  auto v = ValueOrThrow(p_->quality().GetTicket(id));
  EXPECT_EQ(v["status"], "verified");
  EXPECT_EQ(v["verified_batch"], b3.batch_id);
  Act(id, TicketAction::kClose);
  v = ValueOrThrow(p_->quality().GetTicket(id));
  EXPECT_EQ(v["status"], "closed");
  std::vector<std::string> path;
  for (const auto& h : v["history"]) path.push_back(h["to"].get<std::string>());
  EXPECT_EQ(path, (std::vector<std::string>{"open", "acknowledged", "fixed", "open", "acknowledged",
                                            "fixed", "verified", "closed"}));
  auto resolved = ValueOrThrow(p_->store().QueryOne(
      "SELECT COUNT(*) FROM quality_quarantine_resolution WHERE resource = 'GA_PERSON' AND "
      "status = 'superseded'"));
  EXPECT_EQ(resolved.Int(0), 3);  // two rows of batch 1, one of batch 2
  auto rs = ValueOrThrow(p_->quality().ResourceScores("GA_PERSON"));
  EXPECT_EQ(rs.detail["quarantine_unresolved"], 0);
  // System transitions are in the audit trail.
  auto audited = ValueOrThrow(p_->store().QueryOne(
      "SELECT COUNT(*) FROM audit_events WHERE action LIKE 'quality.ticket.%'"));
  EXPECT_GE(audited.Int(0), 3);  // raised, reopened, verified
  (void)b1;
}

TEST_P(QualityTest, QuarantinedRowThatPassesAgainIsReleasedWithItsLineage) {
  // K1, K2 stored; an append delivery repeats K1 (refused: the key is stored) and adds K3.
  const std::string k1 = IdNumber("19800101", 1), k2 = IdNumber("19800101", 2),
                    k3 = IdNumber("19800101", 3);
  auto row = [](const std::string& id, const std::string& town) {
    return id + ",李四,某地," + "13800138000," + town + "\n";
  };
  Load("GA_PERSON", kGaHeader + row(k1, "甲") + row(k2, "甲"));
  auto b2 = Load("GA_PERSON", kGaHeader + row(k3, "乙") + row(k1, "乙"), ingest::LoadMode::kAppend,
                 "append.csv");
  ASSERT_EQ(b2.quarantined, 1);
  // A full load without K1: the refused row of batch 2 now passes and is released.
  auto b3 = Load("GA_PERSON", kGaHeader + row(k2, "丙") + row(k3, "丙"), ingest::LoadMode::kReplace,
                 "full.csv");
  auto rel = ValueOrThrow(p_->store().QueryOne(
      "SELECT r.status, r.record_id, r.by_batch FROM quality_quarantine_resolution r JOIN "
      "ingest_quarantine q ON q.id = r.quarantine_id WHERE q.batch_id = ?",
      {b2.batch_id}));
  EXPECT_EQ(rel.Text(0), "released");
  const int64_t record = rel.Int(1);
  ASSERT_GT(record, 0);
  EXPECT_GT(rel.Int(2), b3.batch_id);  // the release batch
  // Lineage names the provider's file and line, not the release.
  ingest::Ingester ing(p_->store(), p_->standards(), p_->catalogue(), &p_->keys());
  auto lin = ValueOrThrow(ing.TraceRecord("GA_PERSON", record));
  EXPECT_EQ(lin.batch_id, b2.batch_id);
  EXPECT_EQ(lin.file, "append.csv");
  EXPECT_EQ(lin.line, 3);
  auto town = ValueOrThrow(
      p_->store().QueryOne("SELECT township FROM r_ga_person WHERE _id = ?", {record}));
  EXPECT_EQ(town.Text(0), "乙");
  auto count = ValueOrThrow(p_->store().QueryOne("SELECT COUNT(*) FROM r_ga_person"));
  EXPECT_EQ(count.Int(0), 3);
  // The release batch keeps the invariant like any other.
  auto rb = ValueOrThrow(p_->store().QueryOne(
      "SELECT read_count, accepted, quarantined FROM ingest_batches WHERE id = ?", {rel.Int(2)}));
  EXPECT_EQ(rb.Int(0), rb.Int(1) + rb.Int(2));
  // Nothing left to release a second time.
  auto again = ValueOrThrow(p_->quality().Revalidate("GA_PERSON", "test"));
  EXPECT_EQ(again.released, 0);
}

TEST_P(QualityTest, CrossSourceDisagreementNamesTheAuthoritativeSource) {
  const std::string a = IdNumber("19700101", 11), b = IdNumber("19700101", 12),
                    c = IdNumber("19700101", 13), d = IdNumber("19700101", 14);
  Load("GA_PERSON", kGaHeader + a + ",王五,柯桥区笛扬路1号,13800138000,柯桥\n" + b +
                        ",赵六,柯桥区笛扬路2号,13800138001,柯桥\n" + c +
                        ",钱七,柯桥区笛扬路3号,13800138002,柯桥\n");
  // MZ: the same address (full-width digit and a space are not a disagreement), a different
  // one, and a person the register does not hold.
  Load("MZ_AID", "case_no,id_number,address,amount\nC1," + a + ",柯桥区笛扬路１号,400\nC2," + b +
                     ",柯桥区 笛扬路2号,500\nC3," + c + ",越城区解放路9号,600\nC4," + d +
                     ",某地,700\n");
  auto report = ValueOrThrow(p_->quality().CheckConsistency("MZ_AID"));
  nlohmann::json pair;
  for (const auto& x : report["pairs"])
    if (x["element"] == "address") pair = x;
  ASSERT_FALSE(pair.is_null()) << report.dump();
  EXPECT_EQ(pair["compared"], 3);
  EXPECT_EQ(pair["disagreeing"], 1);
  EXPECT_EQ(pair["authoritative"]["resource"], "GA_PERSON");
  EXPECT_EQ(pair["copy"]["department"], "MZ");
  ASSERT_EQ(pair["examples"].size(), 1u);
  EXPECT_EQ(report.dump().find("解放路"), std::string::npos) << "values never in the report";
  auto t = TicketFor("MZ_AID", "address");
  ASSERT_FALSE(t.is_null());
  EXPECT_EQ(t["department"], "MZ");
  EXPECT_EQ(t["kind"], "consistency");
  EXPECT_EQ(t["detail"]["authoritative"]["resource"], "GA_PERSON");
  EXPECT_NE(t["title"].get<std::string>().find("GA_PERSON.address"), std::string::npos);
  auto rs = ValueOrThrow(p_->quality().ResourceScores("MZ_AID"));
  EXPECT_NEAR(rs.detail["cross_source"]["agreement"].get<double>(), 2 / 3.0, 1e-9);
  // MZ corrects its copy: the fixed ticket is verified by the next check.
  const int64_t id = t["id"].get<int64_t>();
  Act(id, TicketAction::kAcknowledge);
  Act(id, TicketAction::kFix);
  Load("MZ_AID", "case_no,id_number,address,amount\nC3," + c + ",柯桥区笛扬路3号,600\n");
  EXPECT_EQ(ValueOrThrow(p_->quality().GetTicket(id))["status"], "verified");
}

// The events of a run of batches (completed, failed) against the official schema.
TEST_P(QualityTest, OpenLineageEventsAreValidAgainstTheSchema) {
  auto good = Load("GA_PERSON", GaRows(5, 1, 0), ingest::LoadMode::kUpsert, "人口_2026.csv");
  ingest::Ingester ing(p_->store(), p_->standards(), p_->catalogue(), &p_->keys());
  ing.SetObserver(&p_->quality());
  ingest::IngestOptions o;
  o.resource = "GA_PERSON";
  o.file_name = "wrong.csv";
  auto failed = ing.Ingest(formats::MemorySource("foo,bar\n1,2\n"), o);
  ASSERT_FALSE(failed.ok());

  auto events = ValueOrThrow(p_->quality().LineageEvents(good.batch_id))["items"];
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["eventType"], "START");
  EXPECT_EQ(events[1]["eventType"], "COMPLETE");
  EXPECT_EQ(events[0]["run"]["runId"], events[1]["run"]["runId"]);
  EXPECT_EQ(events[1]["inputs"][0]["name"], "人口_2026.csv");
  EXPECT_EQ(events[1]["inputs"][0]["inputFacets"]["inputStatistics"]["rowCount"], 5);
  EXPECT_EQ(events[1]["outputs"][0]["name"], "r_ga_person");
  EXPECT_EQ(events[1]["outputs"][0]["outputFacets"]["outputStatistics"]["rowCount"], 4);
  EXPECT_EQ(events[1]["outputs"][1]["outputFacets"]["outputStatistics"]["rowCount"], 1);
  EXPECT_EQ(events[1]["inputs"][0]["facets"]["version"]["datasetVersion"], "sm3:" + good.sm3_hex);

  // The configured file has every event, the failed batch's FAIL among them.
  std::ifstream in(lineage_file_);
  std::string line;
  std::vector<nlohmann::json> lines;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3]["eventType"], "FAIL");
  EXPECT_NE(lines[3]["run"]["facets"]["errorMessage"]["message"].get<std::string>().find(
                "unknown columns"),
            std::string::npos);

  // Validation by the official JSON Schema (Python jsonschema; offline, by $id).
  const fs::path schema = fs::path(YISHU_SHARED_DIR) / "data" / "openlineage";
  const fs::path script =
      fs::path(YISHU_SOURCE_DIR) / "src" / "quality" / "validate_openlineage.py";
  std::string python;
  for (const char* candidate : {"python3", "/usr/bin/python3"})
    if (std::system((std::string(candidate) + " -c 'import jsonschema' 2>/dev/null").c_str()) ==
        0) {
      python = candidate;
      break;
    }
  if (python.empty())
    GTEST_SKIP() << "SKIPPED LOUDLY: no python3 with jsonschema here (apt-get install "
                    "python3-jsonschema) — OpenLineage events were NOT validated";
  // One run for both files (the interpreter's start is most of the cost): our events, and the
  // schema's own invalid example, which shows the validator can fail.
  {
    std::ifstream bad(schema / "examples" / "runevent-invalid.json");
    std::ofstream one(dir_ / "invalid.jsonl");
    one << nlohmann::json::parse(bad).dump() << "\n";
  }
  std::string cmd = python + " " + script.string() + " " + schema.string() + " " +
                    lineage_file_.string() + " " + (dir_ / "invalid.jsonl").string() + " > " +
                    (dir_ / "validation.txt").string() + " 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream out(dir_ / "validation.txt");
  std::string text(std::istreambuf_iterator<char>(out), {});
  EXPECT_EQ(WEXITSTATUS(rc), 1) << text;
  EXPECT_NE(text.find(lineage_file_.string() + ": 4 events, 0 invalid"), std::string::npos) << text;
  EXPECT_NE(text.find("invalid.jsonl: 1 events, 1 invalid"), std::string::npos) << text;
  EXPECT_NE(text.find("runId"), std::string::npos) << text;
}

}  // namespace
}  // namespace yishu::quality

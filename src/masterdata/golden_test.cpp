// Golden records in the store, on both backends: attributes from the authoritative source with
// provenance and sealed identifiers, incremental runs with merge and split history, review
// decisions obeyed by later runs, an interrupted run leaving the previous records intact,
// verification answers and explanations.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>

#include "demo/identifiers.hpp"
#include "masterdata/golden.hpp"
#include "platform/platform.hpp"
#include "store/testing.hpp"

namespace yishu::masterdata {
namespace {

// A valid identity number (GB 11643) for a birth date and sequence.
std::string IdNumber(const std::string& birth, int seq) {
  std::string body = "330603" + birth + fmt::format("{:03d}", seq);
  static const int w[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * w[i];
  return body + "10X98765432"[sum % 11];
}

constexpr const char* kCatalogue = R"({
 "departments": [{"code": "GA", "name": "公安分局"}, {"code": "MZ", "name": "民政局"},
                 {"code": "SC", "name": "市场监管局"}, {"code": "SW", "name": "税务局"}],
 "systems": [{"code": "GA_HJ", "name": "户籍系统", "department": "GA"},
             {"code": "MZ_JZ", "name": "救助系统", "department": "MZ"},
             {"code": "SC_DJ", "name": "登记系统", "department": "SC"},
             {"code": "SW_ZG", "name": "征管系统", "department": "SW"}],
 "resources": [
  {"code": "SC_ENTERPRISE", "name": "市场主体", "department": "SC", "system": "SC_DJ",
   "subject": "legal_entity", "share_type": "无条件共享",
   "fields": [
     {"name": "uscc", "label": "统一社会信用代码", "element": "uscc", "key": true,
      "authoritative": true},
     {"name": "name", "label": "企业名称", "element": "org_name", "authoritative": true},
     {"name": "address", "label": "住所", "element": "address", "authoritative": true}]},
  {"code": "SW_TAXPAYER", "name": "纳税人", "department": "SW", "system": "SW_ZG",
   "subject": "legal_entity", "share_type": "无条件共享",
   "fields": [
     {"name": "taxpayer_id", "label": "纳税人识别号", "element": "uscc", "key": true},
     {"name": "name", "label": "纳税人名称", "element": "org_name"},
     {"name": "address", "label": "生产经营地址", "element": "address"}]},
  {"code": "GA_PERSON", "name": "户籍人口", "department": "GA", "system": "GA_HJ",
   "subject": "person", "update_cycle": "daily", "share_type": "有条件共享",
   "share_condition": "政务用途",
   "fields": [
     {"name": "id_number", "label": "公民身份号码", "element": "id_card", "key": true,
      "authoritative": true},
     {"name": "name", "label": "姓名", "element": "person_name", "nullable": false,
      "authoritative": true},
     {"name": "address", "label": "户籍地址", "element": "address", "authoritative": true},
     {"name": "mobile", "label": "联系电话", "element": "mobile"}]},
  {"code": "MZ_AID", "name": "低保对象", "department": "MZ", "system": "MZ_JZ",
   "subject": "person", "update_cycle": "monthly", "share_type": "有条件共享",
   "share_condition": "政务用途",
   "fields": [
     {"name": "case_no", "label": "救助证编号", "type": "string", "key": true,
      "sensitivity": "L2"},
     {"name": "id_number", "label": "身份证号码", "element": "id_card"},
     {"name": "name", "label": "姓名", "element": "person_name"},
     {"name": "address", "label": "家庭住址", "element": "address"},
     {"name": "mobile", "label": "联系电话", "element": "mobile"}]}]})";

const char* kFamily[] = {"赵", "钱", "孙", "李", "周", "吴", "郑", "王", "冯", "陈"};
const char* kGiven[] = {"建国", "秀英", "志强", "丽华", "海涛", "春梅", "伟东", "晓燕"};

struct Person {
  std::string id, name, address, mobile;
};
Person PersonNo(int i) {
  return {IdNumber(fmt::format("19{:02d}0{}1{}", 50 + i % 40, 1 + i % 9, i % 10), i),
          std::string(kFamily[i % 10]) + kGiven[(i / 10) % 8],
          fmt::format("浙江省绍兴市柯桥区柯桥街道笛扬路{}号", 100 + i),
          fmt::format("1390575{:04d}", i)};
}

class GoldenTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (store::testing::Unavailable(GetParam())) GTEST_SKIP() << "no PostgreSQL configured";
    dir_ = store::testing::TempDir("yishu_golden_");
    {
      std::ofstream cfg(dir_ / "yishu.toml");
      cfg << "[store]\nurl = \"" << store::testing::FreshUrl(GetParam()) << "\"\n"
          << "[auth]\nargon2_memory_kib = 256\nargon2_iterations = 1\n";
    }
    ::setenv("YISHU_ADMIN_PASSWORD", "Test-password-2026", 1);
    ::unsetenv("YISHU_MASTER_KEY");
    ::unsetenv("YISHU_MASTER_KEY_FILE");
    std::vector<std::string> messages;
    p_ = ValueOrThrow(platform::Platform::Init(dir_, &messages));
    ThrowIfError(p_->store().Transact([&](store::Connection& tx) {
      return p_->catalogue().Import(tx, nlohmann::json::parse(kCatalogue), "test").status();
    }));
    lib_ = std::make_unique<BaseLibrary>(p_->store(), p_->catalogue(), p_->standards(), p_->keys());
  }

  ingest::BatchResult Load(const std::string& resource, const std::string& csv) {
    ingest::Ingester ing(p_->store(), p_->standards(), p_->catalogue(), &p_->keys());
    ingest::IngestOptions o;
    o.resource = resource;
    o.file_name = "delivery.csv";
    auto b = ValueOrThrow(ing.Ingest(formats::MemorySource(csv), o));
    EXPECT_EQ(b.quarantined, 0) << resource;
    return b;
  }

  // GA: persons [from, to); MZ: a case for each of `cases` (same identity) and a case with no
  // identity number for person 30 (name, address and mobile agree).
  void LoadGa(int from, int to) {
    std::string csv = "id_number,name,address,mobile\n";
    for (int i = from; i < to; ++i) {
      auto p = PersonNo(i);
      csv += fmt::format("{},{},{},{}\n", p.id, p.name, p.address, p.mobile);
    }
    Load("GA_PERSON", csv);
  }
  void LoadMz(const std::vector<int>& cases, bool unidentified = false) {
    std::string csv = "case_no,id_number,name,address,mobile\n";
    for (int i : cases) {
      auto p = PersonNo(i);
      // A different mobile: the golden mobile is the most recent one.
      csv += fmt::format("M{},{},{},{},1380000{:04d}\n", i, p.id, p.name, p.address, i);
    }
    if (unidentified) {
      auto p = PersonNo(30);
      csv += fmt::format("M900,,{},{},{}\n", p.name, p.address, p.mobile);
    }
    Load("MZ_AID", csv);
  }

  RunOptions Options(bool incremental = false) {
    RunOptions o;
    o.incremental = incremental;
    o.actor = "test";
    // No probabilistic pair is certain enough to match on its own here: such pairs are queued.
    o.match_probability = 0.999999999;
    o.review_probability = 0.001;
    return o;
  }

  int64_t RecordId(const std::string& resource, const std::string& key_column,
                   const std::string& key) {
    auto row = ValueOrThrow(p_->store().QueryOne(
        "SELECT _id FROM r_" + std::string(resource == "GA_PERSON" ? "ga_person" : "mz_aid") +
            " WHERE " + key_column + " = ?",
        {key}));
    return row.Int(0);
  }
  int64_t MzRecord(const std::string& case_no) { return RecordId("MZ_AID", "case_no", case_no); }
  int64_t GoldenOfPerson(int i) {
    return ValueOrThrow(lib_->FindByIdentifier("person", PersonNo(i).id));
  }
  int64_t GoldenOfRecord(const std::string& resource, int64_t id) {
    return ValueOrThrow(p_->store().QueryOne("SELECT golden_id FROM md_members WHERE resource = "
                                             "? AND record_id = ?",
                                             {resource, id}))
        .Int(0);
  }
  int64_t GaRecordOf(int i) {
    auto g = ValueOrThrow(lib_->Get(GoldenOfPerson(i), nullptr));
    for (const auto& m : g["members"])
      if (m["resource"] == "GA_PERSON") return m["record_id"].get<int64_t>();
    return 0;
  }
  nlohmann::json Events(int64_t golden) {
    nlohmann::json events = nlohmann::json::array();
    const auto history = ValueOrThrow(lib_->History(golden));
    for (const auto& e : history["items"]) events.push_back(e["event"]);
    return events;
  }

  std::filesystem::path dir_;
  std::unique_ptr<platform::Platform> p_;
  std::unique_ptr<BaseLibrary> lib_;
};

INSTANTIATE_TEST_SUITE_P(Backends, GoldenTest, ::testing::ValuesIn(store::testing::Backends()));

TEST_P(GoldenTest, GoldenRecordsWithProvenanceAndSealedIdentifiers) {
  LoadGa(0, 50);
  LoadMz({0, 1, 2, 3, 4}, true);
  auto run = ValueOrThrow(lib_->Run(Options()));
  EXPECT_EQ(run["mode"], "full");
  EXPECT_EQ(run["records"], 56);
  EXPECT_EQ(run["clusters"], 51);  // 5 persons in both, M900 on its own until reviewed
  EXPECT_EQ(run["golden"]["created"], 51);

  const auto p0 = PersonNo(0);
  auto g = ValueOrThrow(
      lib_->Get(GoldenOfPerson(0), [](const std::string&, const std::string& v) { return v; }));
  EXPECT_EQ(g["status"], "active");
  EXPECT_EQ(g["members"].size(), 2u);
  const auto& a = g["attributes"];
  // 一数一源: name and address from the household register, which the catalogue names as the
  // authoritative source; the mobile (no authority) from the most recent delivery.
  EXPECT_EQ(a["name"]["value"], p0.name);
  EXPECT_EQ(a["name"]["rule"], "authoritative_source");
  EXPECT_EQ(a["name"]["source"]["resource"], "GA_PERSON");
  EXPECT_EQ(a["name"]["source"]["field"], "name");
  EXPECT_EQ(a["address"]["rule"], "authoritative_source");
  EXPECT_EQ(a["phone"]["rule"], "most_recent");
  EXPECT_EQ(a["phone"]["source"]["resource"], "MZ_AID");
  EXPECT_EQ(a["phone"]["value"], "13800000000");
  EXPECT_EQ(a["id_card"]["value"], p0.id);
  EXPECT_TRUE(a["id_card"]["sealed"].get<bool>());
  EXPECT_GT(a["id_card"]["source"]["batch"].get<int64_t>(), 0);
  EXPECT_GT(a["id_card"]["source"]["record_id"].get<int64_t>(), 0);
  // The birth date comes from the identity number when no source holds it.
  EXPECT_FALSE(a.contains("birth_date"));

  // Without a presenter sealed values are left out.
  auto hidden = ValueOrThrow(lib_->Get(GoldenOfPerson(0), nullptr));
  EXPECT_FALSE(hidden["attributes"]["id_card"].contains("value"));

  // No plaintext identifier, name or address in any masterdata table.
  for (const char* table : {"md_attrs", "md_members", "md_history", "md_review", "md_runs"}) {
    auto rows = ValueOrThrow(p_->store().Query(std::string("SELECT * FROM ") + table));
    for (const auto& r : rows)
      for (size_t c = 0; c < r.size(); ++c) {
        const std::string v = r[c].AsBytes();
        for (int i = 0; i < 50; ++i) {
          const auto p = PersonNo(i);
          ASSERT_EQ(v.find(p.id.substr(0, 17)), std::string::npos) << table;
          ASSERT_EQ(v.find(p.name), std::string::npos) << table;
          ASSERT_EQ(v.find("笛扬路"), std::string::npos) << table;
        }
      }
  }
  // Look-up by a differently written identifier (lower-case check character, spaces).
  EXPECT_EQ(ValueOrThrow(lib_->FindByIdentifier("person", " " + PersonNo(0).id + " ")),
            GoldenOfPerson(0));
  EXPECT_EQ(lib_->FindByIdentifier("person", IdNumber("19000101", 1)).status().code(),
            ErrorCode::kNotFound);

  // A second full run over the same records keeps every golden id.
  auto again = ValueOrThrow(lib_->Run(Options()));
  EXPECT_EQ(again["golden"]["created"], 0);
  EXPECT_EQ(again["golden"]["kept"], 51);
  EXPECT_EQ(again["golden"]["merged"], 0);
}

// The listing of golden records: pages, and q read as a golden id, an identifier (blind index),
// a member record or text in unsealed values — LIKE's wildcards are searched literally.
TEST_P(GoldenTest, SearchPagesAndReadsTheQuery) {
  LoadGa(0, 50);
  LoadMz({0, 1, 2, 3, 4}, true);
  ValueOrThrow(lib_->Run(Options()));
  const auto none = [](const std::string&, const std::string& v) { return v; };
  auto all = ValueOrThrow(lib_->Search("person", "", 1, 20, nullptr));
  EXPECT_EQ(all["match"], "all");
  EXPECT_EQ(all["total"], 51);
  EXPECT_EQ(all["items"].size(), 20u);
  EXPECT_EQ(ValueOrThrow(lib_->Search("person", "", 3, 20, nullptr))["items"].size(), 11u);
  EXPECT_TRUE(ValueOrThrow(lib_->Search("person", "", 4, 20, nullptr))["items"].empty());

  const int64_t g0 = GoldenOfPerson(0);
  auto by_id = ValueOrThrow(lib_->Search("person", PersonNo(0).id, 1, 20, none));
  EXPECT_EQ(by_id["match"], "identifier");
  ASSERT_EQ(by_id["total"], 1);
  EXPECT_EQ(by_id["items"][0]["id"], g0);
  EXPECT_EQ(by_id["items"][0]["attributes"]["id_card"]["value"], PersonNo(0).id);
  auto by_golden = ValueOrThrow(lib_->Search("person", std::to_string(g0), 1, 20, nullptr));
  EXPECT_EQ(by_golden["match"], "id");
  EXPECT_EQ(by_golden["items"][0]["id"], g0);
  auto by_member = ValueOrThrow(
      lib_->Search("person", fmt::format("GA_PERSON:{}", GaRecordOf(0)), 1, 20, nullptr));
  EXPECT_EQ(by_member["match"], "member");
  EXPECT_EQ(by_member["items"][0]["id"], g0);
  // Sealed values (names) are not searched; wildcards match only themselves.
  auto by_name = ValueOrThrow(lib_->Search("person", PersonNo(0).name, 1, 20, nullptr));
  EXPECT_EQ(by_name["match"], "text");
  EXPECT_EQ(by_name["total"], 0);
  for (const char* wild : {"%", "_", "\\"})
    EXPECT_EQ(ValueOrThrow(lib_->Search("person", wild, 1, 20, nullptr))["total"], 0) << wild;
  EXPECT_EQ(ValueOrThrow(lib_->Search("person", "GA_PERSON:999999", 1, 20, nullptr))["total"], 0);
  EXPECT_EQ(lib_->Search("animal", "", 1, 20, nullptr).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_P(GoldenTest, VerificationAnswersWithoutRevealing) {
  LoadGa(0, 20);
  LoadMz({0});
  ValueOrThrow(lib_->Run(Options()));
  const auto p = PersonNo(3);
  auto ok = ValueOrThrow(
      lib_->Verify("person", {{"id_card", p.id}, {"name", p.name}, {"address", p.address}}));
  EXPECT_EQ(ok["result"], "match");
  EXPECT_EQ(ok["fields"]["name"], "match");
  EXPECT_EQ(ok["fields"]["address"], "match");
  EXPECT_EQ(ok["fields"]["id_card"], "match");
  // Full-width digits and spaces are the same address.
  auto fw = ValueOrThrow(lib_->Verify(
      "person", {{"id_card", p.id}, {"address", "浙江省绍兴市柯桥区柯桥街道笛扬路１０３号"}}));
  EXPECT_EQ(fw["fields"]["address"], "match");

  auto bad = ValueOrThrow(
      lib_->Verify("person", {{"id_card", p.id}, {"name", "张三丰"}, {"address", p.address}}));
  EXPECT_EQ(bad["result"], "no_match");
  EXPECT_TRUE(bad["found"].get<bool>());
  EXPECT_EQ(bad["fields"]["name"], "differs");
  EXPECT_EQ(bad["fields"]["address"], "match");
  EXPECT_EQ(bad.dump().find(p.name), std::string::npos) << "a stored value was revealed";

  auto held = ValueOrThrow(lib_->Verify("person", {{"id_card", p.id}, {"gender", "男"}}));
  EXPECT_EQ(held["fields"]["gender"], "not_held");
  EXPECT_EQ(held["result"], "no_match");

  auto unknown = ValueOrThrow(
      lib_->Verify("person", {{"id_card", IdNumber("19000101", 7)}, {"name", p.name}}));
  EXPECT_EQ(unknown["result"], "no_match");
  EXPECT_FALSE(unknown["found"].get<bool>());

  EXPECT_EQ(lib_->Verify("person", {{"name", p.name}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(lib_->Verify("person", {{"id_card", p.id}, {"salary", "1"}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(lib_->Verify("animal", {{"id_card", p.id}}).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_P(GoldenTest, ReviewQueueAndDecisionsRespectedByEveryRun) {
  LoadGa(0, 50);
  LoadMz({0, 1}, true);
  ValueOrThrow(lib_->Run(Options()));
  const int64_t m900 = MzRecord("M900");
  const int64_t ga30 = GaRecordOf(30);
  auto queue = ValueOrThrow(lib_->ListReview("person", "pending", 1, 50));
  ASSERT_EQ(queue["total"], 1) << queue.dump();
  const auto item = queue["items"][0];
  EXPECT_EQ(item["a"], fmt::format("GA_PERSON:{}", ga30));
  EXPECT_EQ(item["b"], fmt::format("MZ_AID:{}", m900));
  EXPECT_GT(item["probability"].get<double>(), 0.001);
  EXPECT_LT(item["probability"].get<double>(), 0.999999999);
  EXPECT_NE(GoldenOfRecord("MZ_AID", m900), GoldenOfRecord("GA_PERSON", ga30));

  // Explain the queued pair: comparison vector, weights, total.
  auto e = ValueOrThrow(lib_->Explain("person", {"GA_PERSON", ga30}, {"MZ_AID", m900}));
  EXPECT_FALSE(e["deterministic"].get<bool>());
  double total = e["prior"].get<double>();
  std::map<std::string, nlohmann::json> by_field;
  for (const auto& c : e["comparisons"]) {
    total += c["weight"].get<double>();
    by_field[c["field"].get<std::string>()] = c;
  }
  EXPECT_NEAR(total, e["total"].get<double>(), 1e-9);
  EXPECT_EQ(by_field["name"]["level"], 1);
  EXPECT_GT(by_field["name"]["weight"].get<double>(), 0);
  EXPECT_EQ(by_field["id_card"]["level"], 0);  // missing on one side: neutral
  EXPECT_EQ(by_field["id_card"]["weight"], 0.0);
  EXPECT_NEAR(e["probability"].get<double>(), item["probability"].get<double>(), 1e-4);
  EXPECT_EQ(e.dump().find(PersonNo(30).name), std::string::npos);
  // A pair agreeing on a valid identity number is decided by it.
  auto det = ValueOrThrow(
      lib_->Explain("person", {"GA_PERSON", GaRecordOf(0)}, {"MZ_AID", MzRecord("M0")}));
  EXPECT_TRUE(det["deterministic"].get<bool>());
  EXPECT_EQ(det["probability"], 1.0);
  EXPECT_EQ(lib_->Explain("person", {"GA_PERSON", 999999}, {"MZ_AID", m900}).status().code(),
            ErrorCode::kNotFound);

  // Match: the next run (full or incremental) joins them and keeps joining them.
  ThrowIfError(p_->store().Transact([&](store::Connection& tx) {
    return lib_->Decide(tx, item["id"].get<int64_t>(), Decision::kMatch, "reviewer", "same person")
        .status();
  }));
  ValueOrThrow(lib_->Run(Options()));
  EXPECT_EQ(GoldenOfRecord("MZ_AID", m900), GoldenOfRecord("GA_PERSON", ga30));
  EXPECT_EQ(ValueOrThrow(lib_->ListReview("person", "pending", 1, 50))["total"], 0);
  auto decided = ValueOrThrow(lib_->ListReview("person", "match", 1, 50));
  ASSERT_EQ(decided["total"], 1);
  EXPECT_EQ(decided["items"][0]["decided_by"], "reviewer");

  // Non-match: reversed by the reviewer; a full run keeps them apart and does not queue them.
  ThrowIfError(p_->store().Transact([&](store::Connection& tx) {
    return lib_->Decide(tx, item["id"].get<int64_t>(), Decision::kNonMatch, "reviewer2", "")
        .status();
  }));
  ValueOrThrow(lib_->Run(Options()));
  EXPECT_NE(GoldenOfRecord("MZ_AID", m900), GoldenOfRecord("GA_PERSON", ga30));
  EXPECT_EQ(ValueOrThrow(lib_->ListReview("person", "pending", 1, 50))["total"], 0);
  // Even under thresholds that would match them outright.
  auto loose = Options();
  loose.match_probability = 0.5;
  loose.review_probability = 0.1;
  auto run = ValueOrThrow(lib_->Run(loose));
  EXPECT_NE(GoldenOfRecord("MZ_AID", m900), GoldenOfRecord("GA_PERSON", ga30));
  if (item["probability"].get<double>() >= 0.5) {
    EXPECT_GE(run["stats"]["kept_apart_by_review"].get<int64_t>(), 1);
  }

  // A decision on any pair, not only queued ones: two records sharing an identity number are
  // cut apart by a non-match, and the next incremental run splits their golden record.
  const int64_t g0 = GoldenOfPerson(0);
  const int64_t ga0 = GaRecordOf(0), m0 = MzRecord("M0");
  ThrowIfError(p_->store().Transact([&](store::Connection& tx) {
    return lib_
        ->DecidePair(tx, "person", {"MZ_AID", m0}, {"GA_PERSON", ga0}, Decision::kNonMatch,
                     "reviewer", "identity number reused")
        .status();
  }));
  auto split = ValueOrThrow(lib_->Run(Options(true)));
  EXPECT_EQ(split["mode"], "incremental");
  EXPECT_EQ(split["golden"]["split"], 1);
  const int64_t ga0_golden = GoldenOfRecord("GA_PERSON", ga0);
  const int64_t m0_golden = GoldenOfRecord("MZ_AID", m0);
  EXPECT_NE(ga0_golden, m0_golden);
  EXPECT_TRUE(ga0_golden == g0 || m0_golden == g0) << "the old id keeps one of its parts";
  const int64_t other = ga0_golden == g0 ? m0_golden : ga0_golden;
  auto g0_events = Events(g0);
  EXPECT_NE(std::find(g0_events.begin(), g0_events.end(), "split"), g0_events.end())
      << g0_events.dump() << " " << split.dump();
  EXPECT_EQ(g0_events.back(), "members_changed");  // what it kept: one record of two
  EXPECT_EQ(Events(other).back(), "split_from");
  auto hist = ValueOrThrow(lib_->History(other))["items"];
  EXPECT_EQ(hist.back()["other_id"], g0);
}

TEST_P(GoldenTest, IncrementalRunsUpdateClustersWithHistory) {
  LoadGa(0, 40);
  LoadMz({0, 1, 2}, true);
  auto first = ValueOrThrow(lib_->Run(Options(true)));
  EXPECT_EQ(first["mode"], "full");  // no previous run to build on
  const int64_t g30 = GoldenOfPerson(30);
  const int64_t gm = GoldenOfRecord("MZ_AID", MzRecord("M900"));
  const int64_t g5 = GoldenOfPerson(5);

  // A new delivery: five new persons, and a case for person 5. Only those records are compared.
  LoadGa(40, 45);
  LoadMz({5});
  auto inc = ValueOrThrow(lib_->Run(Options(true)));
  EXPECT_EQ(inc["mode"], "incremental");
  EXPECT_EQ(inc["records"], 50);
  EXPECT_EQ(inc["compared_records"], 6);
  EXPECT_EQ(inc["golden"]["created"], 5);
  EXPECT_EQ(inc["golden"]["updated"], 1);
  EXPECT_EQ(GoldenOfPerson(5), g5);
  EXPECT_EQ(ValueOrThrow(lib_->Get(g5, nullptr))["members"].size(), 2u);
  EXPECT_EQ(Events(g5).back(), "members_changed");
  EXPECT_LT(inc["stats"]["candidate_pairs"].get<int64_t>(),
            first["stats"]["candidate_pairs"].get<int64_t>());
  EXPECT_EQ(GoldenOfPerson(30), g30);

  // A reviewer joins M900 to person 30: the two golden records merge; the id that goes is
  // marked merged into the one that stays, and both histories say so.
  ThrowIfError(p_->store().Transact([&](store::Connection& tx) {
    return lib_
        ->DecidePair(tx, "person", {"MZ_AID", MzRecord("M900")}, {"GA_PERSON", GaRecordOf(30)},
                     Decision::kMatch, "reviewer", "")
        .status();
  }));
  auto merged = ValueOrThrow(lib_->Run(Options(true)));
  EXPECT_EQ(merged["golden"]["merged"], 1);
  const int64_t survivor = GoldenOfRecord("MZ_AID", MzRecord("M900"));
  EXPECT_EQ(survivor, GoldenOfRecord("GA_PERSON", GaRecordOf(30)));
  const int64_t gone = survivor == g30 ? gm : g30;
  auto old = ValueOrThrow(lib_->Get(gone, nullptr));
  EXPECT_EQ(old["status"], "merged");
  EXPECT_EQ(old["merged_into"], survivor);
  EXPECT_TRUE(old["members"].empty());
  EXPECT_EQ(Events(gone).back(), "merged_into");
  auto survivor_events = Events(survivor);
  EXPECT_NE(std::find(survivor_events.begin(), survivor_events.end(), "absorbed"),
            survivor_events.end());
  // The identifier now finds the survivor.
  EXPECT_EQ(GoldenOfPerson(30), survivor);
}

TEST_P(GoldenTest, InterruptedRunLeavesThePreviousGoldenRecords) {
  LoadGa(0, 20);
  LoadMz({0});
  auto first = ValueOrThrow(lib_->Run(Options()));
  const int64_t g0 = GoldenOfPerson(0);
  auto before = ValueOrThrow(lib_->Get(g0, nullptr));
  auto count = [&](const char* table) {
    return ValueOrThrow(p_->store().QueryOne(std::string("SELECT COUNT(*) FROM ") + table)).Int(0);
  };
  const int64_t golden = count("md_golden"), members = count("md_members"),
                history = count("md_history"), runs = count("md_runs");

  LoadGa(20, 30);
  LoadMz({1, 2});
  auto o = Options(true);
  o.before_commit = [] { return Status::Internal("killed midway"); };
  auto failed = lib_->Run(o);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(count("md_golden"), golden);
  EXPECT_EQ(count("md_members"), members);
  EXPECT_EQ(count("md_history"), history);
  EXPECT_EQ(count("md_runs"), runs);
  EXPECT_EQ(ValueOrThrow(lib_->Get(g0, nullptr)), before);

  // The next run does the work.
  auto next = ValueOrThrow(lib_->Run(Options(true)));
  EXPECT_EQ(next["golden"]["created"], 10);
  EXPECT_EQ(ValueOrThrow(lib_->ListRuns("person"))["items"].size(), 2u);
}

std::string Uscc(int i) {
  std::string org = fmt::format("7{:07d}", 1234 + i * 37);
  org += demo::OrgCodeCheckChar(org);
  std::string first17 = "91330621" + org;
  return first17 + demo::UsccCheckChar(first17);
}

TEST_P(GoldenTest, LegalEntitiesResolveByCreditCode) {
  std::string sc = "uscc,name,address\n", sw = "taxpayer_id,name,address\n";
  for (int i = 0; i < 12; ++i) {
    const std::string name =
        fmt::format("绍兴柯桥{}纺织有限公司", kGiven[i % 8] + std::string(kFamily[i % 10]));
    sc += fmt::format("{},{},浙江省绍兴市柯桥区齐贤街道工业园{}号\n", Uscc(i), name, i + 1);
    // The tax office writes the name with a region prefix and holds another address.
    if (i < 4)
      sw += fmt::format("{},浙江{},浙江省绍兴市柯桥区钱清街道{}号\n", Uscc(i), name, i + 50);
  }
  Load("SC_ENTERPRISE", sc);
  Load("SW_TAXPAYER", sw);
  auto o = Options();
  o.subject = "legal_entity";
  auto run = ValueOrThrow(lib_->Run(o));
  EXPECT_EQ(run["records"], 16);
  EXPECT_EQ(run["clusters"], 12);
  const int64_t g = ValueOrThrow(lib_->FindByIdentifier("legal_entity", Uscc(2)));
  auto rec = ValueOrThrow(lib_->Get(g, nullptr));
  EXPECT_EQ(rec["subject"], "legal_entity");
  EXPECT_EQ(rec["members"].size(), 2u);
  EXPECT_EQ(rec["attributes"]["org_name"]["source"]["resource"], "SC_ENTERPRISE");
  EXPECT_EQ(rec["attributes"]["org_name"]["rule"], "authoritative_source");
  EXPECT_EQ(rec["attributes"]["address"]["source"]["resource"], "SC_ENTERPRISE");
  auto v = ValueOrThrow(lib_->Verify(
      "legal_entity", {{"uscc", Uscc(2)}, {"address", "浙江省绍兴市柯桥区钱清街道52号"}}));
  EXPECT_EQ(v["result"], "no_match");  // the tax office's address is not the registered one
  EXPECT_EQ(v["fields"]["address"], "differs");
  // Organisation names are not sealed: the listing finds them by text; LIKE's wildcards are
  // searched literally.
  auto textile = ValueOrThrow(lib_->Search("legal_entity", "纺织", 1, 5, nullptr));
  EXPECT_EQ(textile["match"], "text");
  EXPECT_EQ(textile["total"], 12);
  EXPECT_EQ(textile["items"].size(), 5u);
  const std::string one = rec["attributes"]["org_name"]["value"].get<std::string>();
  auto exact = ValueOrThrow(lib_->Search("legal_entity", one.substr(12), 1, 5, nullptr));
  ASSERT_GE(exact["total"].get<int64_t>(), 1);
  for (const char* wild : {"%", "_", "纺_", "\\"})
    EXPECT_EQ(ValueOrThrow(lib_->Search("legal_entity", wild, 1, 5, nullptr))["total"], 0) << wild;
  EXPECT_EQ(ValueOrThrow(lib_->Search("legal_entity", Uscc(2), 1, 5, nullptr))["items"][0]["id"],
            g);
  // Person runs do not see legal entities.
  auto persons = ValueOrThrow(lib_->Run(Options()));
  EXPECT_EQ(persons["records"], 0);
}

}  // namespace
}  // namespace yishu::masterdata

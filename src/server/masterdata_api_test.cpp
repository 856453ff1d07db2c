// The base-library routes over real HTTP on both backends: who may run, look up, verify,
// explain and decide; each of those on the audit trail; identifiers masked in look-ups and
// never revealed by verification.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "ingest/ingest.hpp"
#include "server/test_harness.hpp"

namespace yishu::server {
namespace {

using testing::TestPlatform;

constexpr const char* kCatalogue = R"({
 "departments": [{"code": "GA", "name": "公安分局"}, {"code": "MZ", "name": "民政局"}],
 "systems": [{"code": "GA_HJ", "name": "户籍系统", "department": "GA"},
             {"code": "MZ_JZ", "name": "救助系统", "department": "MZ"}],
 "resources": [
  {"code": "GA_PERSON", "name": "户籍人口", "department": "GA", "system": "GA_HJ",
   "subject": "person", "share_type": "有条件共享", "share_condition": "政务用途",
   "fields": [
     {"name": "id_number", "label": "公民身份号码", "element": "id_card", "key": true,
      "authoritative": true},
     {"name": "name", "label": "姓名", "element": "person_name", "authoritative": true},
     {"name": "address", "label": "户籍地址", "element": "address", "authoritative": true}]},
  {"code": "MZ_AID", "name": "低保对象", "department": "MZ", "system": "MZ_JZ",
   "subject": "person", "share_type": "有条件共享", "share_condition": "政务用途",
   "fields": [
     {"name": "case_no", "label": "救助证编号", "type": "string", "key": true,
      "sensitivity": "L2"},
     {"name": "id_number", "label": "身份证号码", "element": "id_card"},
     {"name": "name", "label": "姓名", "element": "person_name"},
     {"name": "address", "label": "家庭住址", "element": "address"}]}]})";

std::string IdNumber(int seq) {
  std::string body = "330603198" + fmt::format("{}0{}1{}", seq % 10, 1 + seq % 9, seq % 10) +
                     fmt::format("{:03d}", seq);
  static const int w[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * w[i];
  return body + "10X98765432"[sum % 11];
}
const char* kNames[] = {"赵建国", "钱秀英", "孙志强", "李丽华", "周海涛",
                        "吴春梅", "郑伟东", "王晓燕", "冯立新", "陈美玲"};

class MasterdataApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (store::testing::Unavailable(GetParam())) GTEST_SKIP() << "no PostgreSQL configured";
    tp_ = std::make_unique<TestPlatform>(GetParam());
    tp_->CreateRoleUsers("GA");
    ASSERT_EQ(c().Send("POST", "/api/v1/catalogue/import", kCatalogue, admin()).status, 200);
    std::string ga = "id_number,name,address\n", mz = "case_no,id_number,name,address\n";
    for (int i = 0; i < 10; ++i) {
      const std::string addr = fmt::format("浙江省绍兴市柯桥区华舍街道蜀阜路{}号", 10 + i);
      ga += fmt::format("{},{},{}\n", IdNumber(i), kNames[i], addr);
      if (i < 3) mz += fmt::format("M{},{},{},{}\n", i, IdNumber(i), kNames[i], addr);
    }
    Load("GA_PERSON", ga);
    Load("MZ_AID", mz);
  }
  void Load(const std::string& resource, const std::string& csv) {
    auto& p = tp_->platform();
    ingest::Ingester ing(p.store(), p.standards(), p.catalogue(), &p.keys());
    ingest::IngestOptions o;
    o.resource = resource;
    o.file_name = "delivery.csv";
    auto b = ValueOrThrow(ing.Ingest(formats::MemorySource(csv), o));
    ASSERT_EQ(b.quarantined, 0);
  }
  std::multiset<std::string> Audited(const std::string& action) {
    auto rows = ValueOrThrow(tp_->platform().store().Query(
        "SELECT actor, result, detail FROM audit_events WHERE action = ? ORDER BY seq", {action}));
    std::multiset<std::string> out;
    for (const auto& r : rows) out.insert(r.Text(0) + ":" + r.Text(1));
    return out;
  }
  testing::Client& c() { return tp_->client(); }
  std::string admin() { return tp_->token("platform_admin"); }
  std::string token(const char* role) { return tp_->token(role); }
  std::unique_ptr<TestPlatform> tp_;
};

INSTANTIATE_TEST_SUITE_P(Backends, MasterdataApiTest,
                         ::testing::ValuesIn(store::testing::Backends()));

TEST_P(MasterdataApiTest, RunLookupVerifyExplainAndReviewAreAuthorizedAndAudited) {
  // Only a platform admin runs resolution.
  EXPECT_EQ(c().Post("/api/v1/masterdata/person/runs", {}, token("dept_steward")).status, 403);
  EXPECT_EQ(c().Post("/api/v1/masterdata/person/runs", {}).status, 401);
  EXPECT_EQ(c().Post("/api/v1/masterdata/animal/runs", {}, admin()).status, 400);
  auto run = c().Post("/api/v1/masterdata/person/runs", {{"incremental", false}}, admin());
  ASSERT_EQ(run.status, 201) << run.body;
  EXPECT_EQ(run.json()["records"], 13);
  EXPECT_EQ(run.json()["clusters"], 10);
  EXPECT_EQ(Audited("masterdata.run").count("admin:ok"), 1u);
  EXPECT_EQ(c().Get("/api/v1/masterdata/person/runs", token("security_auditor")).status, 200);
  EXPECT_EQ(c().Get("/api/v1/masterdata/person/runs", token("dept_user")).status, 403);

  // Look-up by identifier (in the body), masked, audited as a read.
  auto look = c().Post("/api/v1/masterdata/person/lookup", {{"identifier", IdNumber(1)}},
                       token("dept_user"));
  ASSERT_EQ(look.status, 200) << look.body;
  auto g = look.json();
  EXPECT_EQ(g["members"].size(), 2u);
  const std::string shown = g["attributes"]["id_card"]["value"].get<std::string>();
  EXPECT_EQ(shown.substr(0, 6), "330603");
  EXPECT_NE(shown.find('*'), std::string::npos);
  EXPECT_EQ(look.body.find(IdNumber(1)), std::string::npos);
  EXPECT_EQ(look.body.find(kNames[1]), std::string::npos);
  EXPECT_EQ(g["attributes"]["name"]["source"]["resource"], "GA_PERSON");
  EXPECT_EQ(g["attributes"]["name"]["rule"], "authoritative_source");
  EXPECT_EQ(Audited("read").count("u_dept_user:ok"), 1u);
  EXPECT_EQ(c().Post("/api/v1/masterdata/person/lookup", {{"identifier", IdNumber(99)}},
                     token("dept_user"))
                .status,
            404);
  EXPECT_EQ(Audited("read").count("u_dept_user:error"), 1u);
  EXPECT_EQ(
      c().Post("/api/v1/masterdata/person/lookup", {{"identifier", IdNumber(1)}}, token("public"))
          .status,
      403);
  const int64_t gid = g["id"].get<int64_t>();
  auto byid = c().Get(fmt::format("/api/v1/masterdata/golden/{}", gid), token("dept_steward"));
  EXPECT_EQ(byid.status, 200);
  EXPECT_EQ(byid.json()["id"], gid);
  auto hist = c().Get(fmt::format("/api/v1/masterdata/golden/{}/history", gid), admin());
  EXPECT_EQ(hist.status, 200);
  EXPECT_EQ(hist.json()["items"][0]["event"], "created");
  EXPECT_EQ(c().Get("/api/v1/masterdata/golden/999999", admin()).status, 404);

  // Verification: verdicts per field, never a stored value; audited without the values.
  auto ok = c().Post("/api/v1/masterdata/person/verify",
                     {{"id_card", IdNumber(2)},
                      {"name", kNames[2]},
                      {"address", "浙江省绍兴市柯桥区华舍街道蜀阜路12号"}},
                     token("dept_user"));
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["result"], "match");
  auto differs = c().Post("/api/v1/masterdata/person/verify",
                          {{"id_card", IdNumber(2)}, {"name", "王五"}}, token("dept_user"));
  EXPECT_EQ(differs.json()["result"], "no_match");
  EXPECT_EQ(differs.json()["fields"]["name"], "differs");
  EXPECT_EQ(differs.body.find(kNames[2]), std::string::npos);
  EXPECT_EQ(
      c().Post("/api/v1/masterdata/person/verify", {{"name", "王五"}}, token("dept_user")).status,
      400);
  EXPECT_EQ(Audited("masterdata.verify").count("u_dept_user:ok"), 2u);
  auto trail = ValueOrThrow(tp_->platform().store().Query(
      "SELECT detail, fields FROM audit_events WHERE action = 'masterdata.verify'"));
  for (const auto& r : trail) {
    EXPECT_EQ(r.Text(0).find(IdNumber(2)), std::string::npos);
    EXPECT_EQ(r.Text(0).find(kNames[2]), std::string::npos);
  }

  // Explain: the comparison of a GA record and its MZ twin.
  auto members = g["members"];
  std::string a, b;
  for (const auto& m : members)
    (m["resource"] == "GA_PERSON" ? a : b) =
        fmt::format("{}:{}", m["resource"].get<std::string>(), m["record_id"].get<int64_t>());
  auto ex = c().Post("/api/v1/masterdata/person/explain", {{"a", a}, {"b", b}}, admin());
  ASSERT_EQ(ex.status, 200) << ex.body;
  EXPECT_TRUE(ex.json()["deterministic"].get<bool>());
  EXPECT_EQ(ex.json()["comparisons"].size(), 6u);
  EXPECT_EQ(ex.json()["a_golden"], gid);
  EXPECT_EQ(c().Post("/api/v1/masterdata/person/explain", {{"a", a}, {"b", b}}, token("dept_user"))
                .status,
            403);
  EXPECT_EQ(
      c().Post("/api/v1/masterdata/person/explain", {{"a", "nonsense"}, {"b", b}}, admin()).status,
      400);
  EXPECT_EQ(Audited("masterdata.explain").count("admin:ok"), 1u);

  // Review: a decision on any pair by a platform admin, audited; a rerun obeys it.
  EXPECT_EQ(c().Get("/api/v1/masterdata/person/review", admin()).status, 200);
  EXPECT_EQ(c().Get("/api/v1/masterdata/person/review", token("dept_steward")).status, 403);
  EXPECT_EQ(c().Post("/api/v1/masterdata/person/decisions",
                     {{"a", a}, {"b", b}, {"decision", "non_match"}}, token("dept_steward"))
                .status,
            403);
  EXPECT_EQ(c().Post("/api/v1/masterdata/person/decisions",
                     {{"a", a}, {"b", b}, {"decision", "maybe"}}, admin())
                .status,
            400);
  auto dec =
      c().Post("/api/v1/masterdata/person/decisions",
               {{"a", a}, {"b", b}, {"decision", "non_match"}, {"note", "two people"}}, admin());
  ASSERT_EQ(dec.status, 201) << dec.body;
  EXPECT_EQ(dec.json()["status"], "non_match");
  EXPECT_EQ(Audited("masterdata.review").count("admin:ok"), 1u);
  auto decided = c().Get("/api/v1/masterdata/person/review?status=non_match", admin()).json();
  ASSERT_EQ(decided["total"], 1);
  const int64_t review_id = decided["items"][0]["id"].get<int64_t>();
  auto rerun = c().Post("/api/v1/masterdata/person/runs", {{"incremental", true}}, admin());
  ASSERT_EQ(rerun.status, 201) << rerun.body;
  EXPECT_EQ(rerun.json()["golden"]["split"], 1);
  EXPECT_EQ(rerun.json()["clusters"], 11);
  // Reversed through the queue route: the next run joins them again (a merge).
  auto back = c().Post(fmt::format("/api/v1/masterdata/review/{}/decision", review_id),
                       {{"decision", "match"}}, admin());
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(back.json()["decided_by"], "admin");
  auto rejoin = c().Post("/api/v1/masterdata/person/runs", {{"incremental", true}}, admin());
  EXPECT_EQ(rejoin.json()["golden"]["merged"], 1);
  EXPECT_EQ(rejoin.json()["clusters"], 10);
  EXPECT_EQ(c().Post("/api/v1/masterdata/review/999999/decision", {{"decision", "match"}}, admin())
                .status,
            404);
}

// The listing of golden records pages on the server, searches by golden id, identifier (blind
// index) and member record, masks sealed values, and is authorized and audited like a look-up.
TEST_P(MasterdataApiTest, GoldenListingPagesSearchesMasksAndIsAudited) {
  EXPECT_EQ(c().Get("/api/v1/masterdata/person/golden", admin()).json()["total"], 0);
  ASSERT_EQ(c().Post("/api/v1/masterdata/person/runs", nlohmann::json::object(), admin()).status,
            201);

  auto p1 = c().Get("/api/v1/masterdata/person/golden?page_size=4", token("dept_user"));
  ASSERT_EQ(p1.status, 200) << p1.body;
  EXPECT_EQ(p1.json()["total"], 10);
  EXPECT_EQ(p1.json()["match"], "all");
  ASSERT_EQ(p1.json()["items"].size(), 4u);
  auto p3 = c().Get("/api/v1/masterdata/person/golden?page=3&page_size=4", token("dept_user"));
  ASSERT_EQ(p3.json()["items"].size(), 2u);
  const auto j1 = p1.json(), j3 = p3.json();
  std::set<int64_t> seen;
  for (const auto* j : {&j1, &j3})
    for (const auto& g : (*j)["items"]) seen.insert(g["id"].get<int64_t>());
  EXPECT_EQ(seen.size(), 6u);
  // Sealed values are masked; no identifier or name in the answer.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(p1.body.find(IdNumber(i)), std::string::npos);
    EXPECT_EQ(p1.body.find(kNames[i]), std::string::npos);
  }
  const auto& first = j1["items"][0];
  EXPECT_NE(first["attributes"]["id_card"]["value"].get<std::string>().find('*'),
            std::string::npos);
  EXPECT_FALSE(first["attributes"]["name"]["source"]["resource"].get<std::string>().empty());

  // By identifier: the golden record holding it, with both members.
  auto byid = c().Get("/api/v1/masterdata/person/golden?q=" + IdNumber(1), token("dept_steward"));
  ASSERT_EQ(byid.status, 200) << byid.body;
  EXPECT_EQ(byid.json()["match"], "identifier");
  ASSERT_EQ(byid.json()["total"], 1);
  const auto g = byid.json()["items"][0];
  EXPECT_EQ(g["members"].size(), 2u);
  const int64_t gid = g["id"].get<int64_t>();
  // By golden id and by member record.
  auto bynum = c().Get(fmt::format("/api/v1/masterdata/person/golden?q={}", gid), admin()).json();
  EXPECT_EQ(bynum["match"], "id");
  ASSERT_EQ(bynum["total"], 1);
  EXPECT_EQ(bynum["items"][0]["id"], gid);
  const std::string member = fmt::format("{}:{}", g["members"][1]["resource"].get<std::string>(),
                                         g["members"][1]["record_id"].get<int64_t>());
  auto bymember = c().Get("/api/v1/masterdata/person/golden?q=" + member, admin()).json();
  EXPECT_EQ(bymember["match"], "member");
  ASSERT_EQ(bymember["total"], 1);
  EXPECT_EQ(bymember["items"][0]["id"], gid);
  // Unknown identifier, and text: sealed values (names here) are not searched.
  EXPECT_EQ(c().Get("/api/v1/masterdata/person/golden?q=" + IdNumber(77), admin()).json()["total"],
            0);
  auto text = c().Get("/api/v1/masterdata/person/golden?q=%E8%B5%B5", admin()).json();  // 赵
  EXPECT_EQ(text["match"], "text");
  EXPECT_EQ(text["total"], 0);
  EXPECT_EQ(c().Get("/api/v1/masterdata/legal_entity/golden", admin()).json()["total"], 0);

  // Authorization, bounds, the subject.
  EXPECT_EQ(c().Get("/api/v1/masterdata/person/golden", token("public")).status, 403);
  EXPECT_EQ(c().Get("/api/v1/masterdata/person/golden", token("security_auditor")).status, 403);
  EXPECT_EQ(c().Get("/api/v1/masterdata/person/golden").status, 401);
  EXPECT_EQ(c().Get("/api/v1/masterdata/person/golden?page_size=51", admin()).status, 400);
  EXPECT_EQ(c().Get("/api/v1/masterdata/animal/golden", admin()).status, 400);

  // Audited as reads of the base library, without the query (it may be an identifier).
  auto rows = ValueOrThrow(tp_->platform().store().Query(
      "SELECT actor, result, detail FROM audit_events WHERE action = 'read' AND resource = "
      "'MD_PERSON' ORDER BY seq"));
  int searches = 0;
  for (const auto& r : rows) {
    EXPECT_EQ(r.Text(2).find(IdNumber(1)), std::string::npos);
    if (r.Text(2).find("golden search") != std::string::npos) ++searches;
  }
  EXPECT_EQ(searches, 8);
}

// A run may set its own thresholds; they are checked.
TEST_P(MasterdataApiTest, RunThresholdsAreChecked) {
  EXPECT_EQ(
      c().Post("/api/v1/masterdata/person/runs", {{"review_probability", "low"}}, admin()).status,
      400);
  EXPECT_EQ(c().Post("/api/v1/masterdata/person/runs",
                     {{"match_probability", 0.2}, {"review_probability", 0.3}}, admin())
                .status,
            400);
  EXPECT_EQ(c().Post("/api/v1/masterdata/person/runs", {{"match_probability", 1}}, admin()).status,
            400);
  auto run = c().Post("/api/v1/masterdata/person/runs",
                      {{"match_probability", 0.9}, {"review_probability", 0.0001}}, admin());
  ASSERT_EQ(run.status, 201) << run.body;
  EXPECT_EQ(run.json()["clusters"], 10);
}

// The lineage of a person resource names the base library built from it.
TEST_P(MasterdataApiTest, LineageNamesTheBaseLibrary) {
  ASSERT_EQ(c().Post("/api/v1/masterdata/person/runs", nlohmann::json::object(), admin()).status,
            201);
  auto r = c().Get("/api/v1/resources/MZ_AID/lineage", admin());
  ASSERT_EQ(r.status, 200) << r.body;
  auto base = r.json()["consumers"]["base_libraries"];
  ASSERT_EQ(base.size(), 1u);
  EXPECT_EQ(base[0]["subject"], "person");
  EXPECT_EQ(base[0]["records"], 3);
  EXPECT_EQ(base[0]["golden"], 3);
  EXPECT_GT(base[0]["run_id"].get<int64_t>(), 0);
  // GA is the authoritative source of every attribute: none is taken from MZ.
  EXPECT_EQ(base[0]["attributes"], 0);
  auto ga = c().Get("/api/v1/resources/GA_PERSON/lineage", admin()).json();
  EXPECT_EQ(ga["consumers"]["base_libraries"][0]["records"], 10);
  EXPECT_GT(ga["consumers"]["base_libraries"][0]["attributes"].get<int64_t>(), 0);
  EXPECT_EQ(ga["sources"][0]["file"], "delivery.csv");
}

}  // namespace
}  // namespace yishu::server

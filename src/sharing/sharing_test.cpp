// Tests of sharing: masking and signing units, then every flow end to end through the real HTTP
// server on SQLite and PostgreSQL — share types, conditions, masking and row filters on the
// returned data, revocation and expiry with a warm cache, credentials (bearer and SM2, replay
// and tampering), limits (rate, quota, enumeration), hostile parameters, exports, usage.
#include <gtest/gtest.h>

#include <set>

#include "common/strings.hpp"
#include "crypto/sm2.hpp"
#include "crypto/util.hpp"
#include "formats/reader.hpp"
#include "ingest/ingest.hpp"
#include "server/test_harness.hpp"
#include "sharing/masking.hpp"
#include "sharing/signing.hpp"

namespace yishu::sharing {
namespace {

using server::testing::ClientResponse;
using server::testing::TestPlatform;

// ---------------------------------------------------------------------------------------------
// Units

TEST(Masking, PartialKeepsTheEndsPeopleRecognise) {
  EXPECT_EQ(MaskValue(Masking::kPartial, "id_card", "330603201503071234", ""),
            "330603********1234");
  EXPECT_EQ(MaskValue(Masking::kPartial, "mobile", "13812345678", ""), "138****5678");
  EXPECT_EQ(MaskValue(Masking::kPartial, "person_name", "张三丰", ""), "张**");
  EXPECT_EQ(MaskValue(Masking::kPartial, "", "abcdefgh", ""), "ab****gh");
  EXPECT_EQ(MaskValue(Masking::kPartial, "", "a", ""), "*");
  EXPECT_EQ(MaskValue(Masking::kNone, "mobile", "13812345678", ""), "13812345678");
}

TEST(Masking, YearAndHash) {
  EXPECT_EQ(MaskValue(Masking::kYear, "birth_date", "2015-03-07", ""), "2015");
  EXPECT_EQ(MaskValue(Masking::kYear, "id_card", "330603201503071234", ""), "2015");
  EXPECT_EQ(MaskValue(Masking::kYear, "", "not a date", ""), "");
  std::string a = MaskValue(Masking::kHash, "id_card", "330603201503071234", "key-1");
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a, MaskValue(Masking::kHash, "id_card", "330603201503071234", "key-1"));
  EXPECT_NE(a, MaskValue(Masking::kHash, "id_card", "330603201503071234", "key-2"));
  EXPECT_EQ(a.find("1234"), std::string::npos);
  EXPECT_EQ(ParseMasking("partial"), Masking::kPartial);
  EXPECT_FALSE(ParseMasking("PARTIAL"));
}

TEST(Signing, ParsesStrictlyAndCoversEveryPart) {
  auto pair = crypto::Sm2GenerateKey().value();
  std::map<std::string, std::string> q{{"page", "1"}, {"township", "柯桥街道"}};
  auto h = SignRequest("cred_1", pair.private_key_hex, "GET", "/api/v1/share/X/records", q, "",
                       1000, "00112233445566778899")
               .value();
  auto parsed = ParseSignedAuthorization(h).value();
  EXPECT_EQ(parsed.credential, "cred_1");
  EXPECT_EQ(parsed.timestamp_millis, 1000);
  std::string canonical =
      CanonicalRequest("GET", "/api/v1/share/X/records", q, 1000, "00112233445566778899", "");
  EXPECT_TRUE(crypto::Sm2Verify(pair.public_key_hex, canonical, parsed.signature).ok());
  q["page"] = "2";
  EXPECT_FALSE(crypto::Sm2Verify(pair.public_key_hex,
                                 CanonicalRequest("GET", "/api/v1/share/X/records", q, 1000,
                                                  "00112233445566778899", ""),
                                 parsed.signature)
                   .ok());
  for (std::string bad : std::vector<std::string>{
           "YISHU-SM2", "YISHU-SM2 credential=a", "Basic abc",
           "YISHU-SM2 credential=a,timestamp=1,nonce=00112233445566778899,signature=zz",
           "YISHU-SM2 credential=a,credential=b,timestamp=1,nonce=0011223344556677,signature=" +
               std::string(128, '0'),
           "YISHU-SM2 credential=a,timestamp=x,nonce=0011223344556677,signature=" +
               std::string(128, '0'),
           "YISHU-SM2 credential=a,timestamp=1,nonce=short,signature=" + std::string(128, '0'),
           "YISHU-SM2 credential=a,timestamp=1,nonce=0011223344556677,signature=" +
               std::string(128, '0') + ",extra=1"})
    EXPECT_EQ(ParseSignedAuthorization(bad).status().code(), ErrorCode::kUnauthenticated) << bad;
}

// ---------------------------------------------------------------------------------------------
// End to end

constexpr const char* kCatalogue = R"({
 "departments": [{"code": "GA", "name": "公安分局"}, {"code": "MZ", "name": "民政局"},
                 {"code": "WJ", "name": "卫健局"}],
 "systems": [{"code": "GA_HJ", "name": "户籍系统", "department": "GA"}],
 "resources": [
  {"code": "GA_PERSON", "name": "户籍人口", "department": "GA", "system": "GA_HJ",
   "subject": "person", "share_type": "有条件共享", "share_condition": "政务用途,依申请",
   "fields": [
     {"name": "id_number", "label": "公民身份号码", "element": "id_card", "key": true,
      "authoritative": true},
     {"name": "name", "label": "姓名", "element": "person_name"},
     {"name": "mobile", "label": "手机号码", "element": "mobile"},
     {"name": "birth_date", "label": "出生日期", "element": "birth_date"},
     {"name": "township", "label": "乡镇街道", "type": "string"},
     {"name": "household_size", "label": "户人数", "type": "integer"}]},
  {"code": "GA_OPEN", "name": "户籍统计", "department": "GA", "system": "GA_HJ",
   "subject": "person", "share_type": "无条件共享",
   "fields": [
     {"name": "id_number", "label": "公民身份号码", "element": "id_card", "key": true},
     {"name": "township", "label": "乡镇街道", "type": "string"}]},
  {"code": "GA_SECRET", "name": "重点人员", "department": "GA", "system": "GA_HJ",
   "subject": "person", "share_type": "不予共享",
   "share_condition": "《中华人民共和国反恐怖主义法》第四十八条:涉密,不予共享",
   "fields": [
     {"name": "id_number", "label": "公民身份号码", "element": "id_card", "key": true},
     {"name": "note", "label": "备注", "type": "string"}]}]})";

// GB 11643 check character (MOD 11-2) of the first 17 digits.
char IdCheckChar(std::string_view first17) {
  static const int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return "10X98765432"[sum % 11];
}

const char* const kNumerals[] = {"", "一", "二", "三", "四", "五", "六"};

std::string IdNumber(int i) {
  std::string first17 = "330603" + std::string("201503") + (i < 10 ? "0" : "") + std::to_string(i) +
                        "10" + std::to_string(i % 10);
  return first17 + IdCheckChar(first17);
}

struct Cred {
  std::string id, token, private_key;
};

class SharingE2E : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (store::testing::Unavailable(GetParam())) GTEST_SKIP() << "no PostgreSQL configured";
    tp_ = std::make_unique<TestPlatform>(GetParam());
    auto& p = tp_->platform();
    ThrowIfError(p.store().Transact([&](store::Connection& tx) {
      return p.catalogue().Import(tx, nlohmann::json::parse(kCatalogue), "test").status();
    }));
    for (auto [user, role, dept] : {std::tuple{"ga_steward", identity::Role::kDeptSteward, "GA"},
                                    {"mz_user", identity::Role::kDeptUser, "MZ"},
                                    {"mz_steward", identity::Role::kDeptSteward, "MZ"},
                                    {"wj_user", identity::Role::kDeptUser, "WJ"},
                                    {"auditor", identity::Role::kSecurityAuditor, ""},
                                    {"operator", identity::Role::kAuthorizedOperator, "WJ"},
                                    {"citizen", identity::Role::kPublic, ""}}) {
      ThrowIfError(p.identity()
                       .CreateUser({user, user, dept, role, server::testing::kTestPassword})
                       .status());
      tokens_[user] = tp_->Login(user);
    }
    tokens_["admin"] = tp_->token("platform_admin");
    std::string csv = "id_number,name,mobile,birth_date,township,household_size\n";
    for (int i = 1; i <= 6; ++i)
      csv += IdNumber(i) + ",张三" + kNumerals[i] + ",1381234567" + std::to_string(i) +
             ",2015-03-0" + std::to_string(i) + "," + (i <= 4 ? "柯桥街道" : "华舍街道") + "," +
             std::to_string(i + 1) + "\n";
    Ingest("GA_PERSON", csv);
    Ingest("GA_OPEN", "id_number,township\n" + IdNumber(1) + ",柯桥街道\n");
    Ingest("GA_SECRET", "id_number,note\n" + IdNumber(1) + ",x\n");
  }

  void Ingest(const std::string& resource, const std::string& csv) {
    auto& p = tp_->platform();
    ingest::Ingester ing(p.store(), p.standards(), p.catalogue(), &p.keys());
    ingest::IngestOptions o;
    o.resource = resource;
    o.file_name = resource + ".csv";
    auto r = ing.Ingest(formats::MemorySource(csv), o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->quarantined, 0) << nlohmann::json(ingest::ToJson(*r)).dump();
  }

  server::testing::Client& c() { return tp_->client(); }
  const std::string& tok(const std::string& user) { return tokens_[user]; }

  Cred NewCredential(const std::string& user, const std::string& name = "system") {
    auto r = c().Post("/api/v1/sharing/credentials", {{"name", name}}, tok(user));
    EXPECT_EQ(r.status, 201) << r.body;
    auto j = r.json();
    return {j["id"], j["token"], j["private_key"]};
  }

  // Applies as `user`; returns the application JSON (status code checked by the caller).
  ClientResponse Apply(const std::string& user, nlohmann::json body) {
    return c().Post("/api/v1/sharing/applications", body, tok(user));
  }

  ClientResponse Approve(int64_t id, nlohmann::json conditions, const std::string& user) {
    return c().Post("/api/v1/sharing/applications/" + std::to_string(id) + "/approve", conditions,
                    tok(user));
  }

  ClientResponse Data(const std::string& target, const Cred& cred,
                      const std::string& purpose = "") {
    std::map<std::string, std::string> h;
    if (!purpose.empty()) h["X-Purpose"] = purpose;
    return c().Send("GET", target, "", cred.token, h);
  }

  // A granted conditional application for MZ on GA_PERSON with `conditions`.
  int64_t GrantPerson(nlohmann::json conditions) {
    auto a = Apply("mz_user", {{"resource", "GA_PERSON"}, {"purpose", "低保资格核查"}});
    EXPECT_EQ(a.status, 201) << a.body;
    EXPECT_EQ(a.json()["status"], "pending");
    auto ok = Approve(a.json()["id"], conditions, "ga_steward");
    EXPECT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.json()["status"], "granted");
    return ok.json()["grant_id"];
  }

  std::vector<audit::StoredEvent> Audit(const std::string& action, const std::string& actor = "") {
    audit::AuditQuery q;
    q.action = action;
    q.actor = actor;
    return tp_->platform().audit().Search(q).value();
  }

  std::unique_ptr<TestPlatform> tp_;
  std::map<std::string, std::string> tokens_;
};

TEST_P(SharingE2E, ConditionalFlowWithMaskingRowFilterAuditAndRevocation) {
  Cred cred = NewCredential("mz_user");
  std::string path = "/api/v1/share/GA_PERSON/records/" + IdNumber(1);
  // No grant yet.
  EXPECT_EQ(Data(path, cred).status, 403);
  auto a = Apply(
      "mz_user",
      {{"resource", "GA_PERSON"},
       {"fields", {"id_number", "name", "mobile", "birth_date", "township", "household_size"}},
       {"purpose", "低保资格核查"}});
  ASSERT_EQ(a.status, 201) << a.body;
  int64_t app_id = a.json()["id"];
  EXPECT_EQ(a.json()["status"], "pending");
  // Queues: the applicant sees it as theirs, the provider as theirs to decide.
  auto mine = c().Get("/api/v1/sharing/applications?queue=mine", tok("mz_user")).json();
  ASSERT_EQ(mine["total"], 1);
  auto queue =
      c().Get("/api/v1/sharing/applications?queue=provider&status=pending", tok("ga_steward"))
          .json();
  ASSERT_EQ(queue["total"], 1);
  EXPECT_EQ(queue["items"][0]["consumer"], "MZ");
  EXPECT_EQ(c().Get("/api/v1/sharing/applications?queue=provider", tok("wj_user")).json()["total"],
            0);
  // Only the provider's steward (or the admin) decides.
  EXPECT_EQ(Approve(app_id, nlohmann::json::object(), "mz_steward").status, 403);
  EXPECT_EQ(Approve(app_id, nlohmann::json::object(), "mz_user").status, 403);  // route role
  auto ok = Approve(app_id,
                    {{"fields",
                      {{"id_number", "partial"},
                       {"name", "partial"},
                       {"mobile", "partial"},
                       {"birth_date", "year"},
                       {"township", "none"},
                       {"household_size", "none"}}},
                     {"row_filter", {{"township", "柯桥街道"}}},
                     {"daily_quota", 1000},
                     {"rate_per_second", 1000}},
                    "ga_steward");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Approve(app_id, nlohmann::json::object(), "ga_steward").status, 412);  // decided

  auto r = Data(path, cred, "2026年低保复核");
  ASSERT_EQ(r.status, 200) << r.body;
  auto rec = r.json()["record"];
  std::string id1 = IdNumber(1);
  EXPECT_EQ(rec["id_number"], id1.substr(0, 6) + "********" + id1.substr(14));
  EXPECT_EQ(rec["mobile"], "138****5671");
  EXPECT_EQ(rec["name"], "张**");
  EXPECT_EQ(rec["birth_date"], "2015");
  EXPECT_EQ(rec["township"], "柯桥街道");
  EXPECT_EQ(rec["household_size"], 2);
  EXPECT_EQ(r.body.find("13812345671"), std::string::npos);
  // The row filter: 华舍 records do not exist for this grant.
  EXPECT_EQ(Data("/api/v1/share/GA_PERSON/records/" + IdNumber(5), cred).status, 404);
  auto page = Data("/api/v1/share/GA_PERSON/records?page_size=10", cred).json();
  EXPECT_EQ(page["records"].size(), 4u);
  for (const auto& x : page["records"]) EXPECT_EQ(x["township"], "柯桥街道");
  EXPECT_EQ(Data("/api/v1/share/GA_PERSON/records?page_size=3", cred).json()["has_more"], true);
  auto by_id = Data("/api/v1/share/GA_PERSON/records?id_number=" + IdNumber(2), cred).json();
  ASSERT_EQ(by_id["records"].size(), 1u);
  EXPECT_EQ(Data("/api/v1/share/GA_PERSON/records?township=" + PercentEncode("华舍街道"), cred)
                .json()["records"]
                .size(),
            0u);

  // Every call is audited with its record count and purpose.
  auto reads = Audit("share.read", cred.id);
  ASSERT_GE(reads.size(), 2u);
  bool found = false;
  for (const auto& e : reads)
    if (e.event.result == "ok" && e.event.purpose == "2026年低保复核") {
      found = true;
      EXPECT_EQ(e.event.record_count, 1);
      EXPECT_EQ(e.event.department, "MZ");
      EXPECT_EQ(e.event.detail.dump().find(id1), std::string::npos);  // no plaintext ID
    }
  EXPECT_TRUE(found);
  EXPECT_FALSE(Audit("share.approve", "ga_steward").empty());
  EXPECT_FALSE(Audit("share.apply", "mz_user").empty());
  auto queries = Audit("share.query", cred.id);
  ASSERT_FALSE(queries.empty());
  EXPECT_EQ(queries.back().event.record_count, 4);
  EXPECT_EQ(queries.back().event.purpose, "低保资格核查");  // the grant's, when none is sent

  // Usage: the provider sees who, how much and for what; the consumer its quota.
  auto usage = c().Get("/api/v1/sharing/usage?side=provider", tok("ga_steward")).json();
  ASSERT_EQ(usage["items"].size(), 1u);
  EXPECT_EQ(usage["items"][0]["consumer"], "MZ");
  EXPECT_EQ(usage["items"][0]["purpose"], "低保资格核查");
  EXPECT_GE(usage["items"][0]["calls"], 5);
  auto mine_usage = c().Get("/api/v1/sharing/usage?side=consumer", tok("mz_user")).json();
  EXPECT_LT(mine_usage["items"][0]["quota_left_today"], 1000);

  // Revocation takes effect on the next call, with the grant cached.
  int64_t grant_id = ok.json()["grant_id"];
  EXPECT_EQ(c().Post("/api/v1/sharing/grants/" + std::to_string(grant_id) + "/revoke",
                     {{"reason", "x"}}, tok("mz_steward"))
                .status,
            403);
  auto rv = c().Post("/api/v1/sharing/grants/" + std::to_string(grant_id) + "/revoke",
                     {{"reason", "用途已结束"}}, tok("ga_steward"));
  ASSERT_EQ(rv.status, 200) << rv.body;
  EXPECT_EQ(rv.json()["status"], "revoked");
  EXPECT_EQ(Data(path, cred).status, 403);
  EXPECT_FALSE(Audit("share.revoke").empty());
}

TEST_P(SharingE2E, RevocationInTheStoreBeatsAWarmCache) {
  int64_t grant = GrantPerson({{"rate_per_second", 1000}});
  Cred cred = NewCredential("mz_user");
  std::string path = "/api/v1/share/GA_PERSON/records/" + IdNumber(1);
  ASSERT_EQ(Data(path, cred).status, 200);
  // Another process (the CLI, a second server) revokes: only the store knows.
  ASSERT_TRUE(tp_->platform()
                  .store()
                  .Exec("UPDATE share_grants SET status = 'revoked' WHERE id = ?", {grant})
                  .ok());
  EXPECT_EQ(Data(path, cred).status, 403);
}

TEST_P(SharingE2E, ExpiredGrantIsRefusedAndRecorded) {
  int64_t grant = GrantPerson({{"validity_days", 1}});
  Cred cred = NewCredential("mz_user");
  std::string path = "/api/v1/share/GA_PERSON/records/" + IdNumber(2);
  ASSERT_EQ(Data(path, cred).status, 200);
  ASSERT_TRUE(
      tp_->platform()
          .store()
          .Exec("UPDATE share_grants SET expires_at = ? WHERE id = ?", {NowMillis() - 1000, grant})
          .ok());
  auto r = Data(path, cred);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("expired"), std::string::npos) << r.body;
  auto ex = c().Post("/api/v1/sharing/grants/expire", nlohmann::json::object(), tok("admin"));
  EXPECT_EQ(ex.json()["expired"], 1);
  EXPECT_FALSE(Audit("share.expire").empty());
  auto grants = c().Get("/api/v1/sharing/grants?side=consumer", tok("mz_user")).json();
  EXPECT_EQ(grants["items"][0]["status"], "expired");
}

TEST_P(SharingE2E, UnconditionalIsGrantedOnApplication) {
  auto a = Apply("wj_user", {{"resource", "GA_OPEN"}, {"purpose", "统计"}});
  ASSERT_EQ(a.status, 201) << a.body;
  EXPECT_EQ(a.json()["status"], "granted");
  EXPECT_GT(a.json()["grant_id"], 0);
  Cred cred = NewCredential("wj_user");
  auto r = Data("/api/v1/share/GA_OPEN/records/" + IdNumber(1), cred);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["record"]["township"], "柯桥街道");
  // Sensitive fields are masked by default.
  EXPECT_NE(r.json()["record"]["id_number"], IdNumber(1));
  EXPECT_FALSE(Audit("share.grant").empty());
  // A department does not apply for its own data.
  EXPECT_EQ(Apply("ga_steward", {{"resource", "GA_OPEN"}, {"purpose", "x"}}).status, 400);
}

// The management lists page on the server when asked (page, page_size, total), and answer the
// whole list as before when not.
TEST_P(SharingE2E, ManagementListsPageOnTheServer) {
  for (int i = 0; i < 3; ++i) GrantPerson(nlohmann::json::object());
  for (int i = 0; i < 3; ++i) NewCredential("mz_user", "system " + std::to_string(i));
  for (const std::string list :
       {"applications?queue=mine", "grants?side=consumer", "credentials", "usage?side=consumer"}) {
    const std::string sep = list.find('?') == std::string::npos ? "?" : "&";
    auto all = c().Get("/api/v1/sharing/" + list, tok("mz_user"));
    ASSERT_EQ(all.status, 200) << list << " " << all.body;
    EXPECT_EQ(all.json()["items"].size(), 3u) << list;
    EXPECT_EQ(all.json()["total"], 3) << list;
    EXPECT_FALSE(all.json().contains("page")) << list;
    auto p1 = c().Get("/api/v1/sharing/" + list + sep + "page_size=2", tok("mz_user"));
    ASSERT_EQ(p1.status, 200) << list << " " << p1.body;
    EXPECT_EQ(p1.json()["items"].size(), 2u) << list;
    EXPECT_EQ(p1.json()["total"], 3) << list;
    EXPECT_EQ(p1.json()["page"], 1) << list;
    auto p2 = c().Get("/api/v1/sharing/" + list + sep + "page=2&page_size=2", tok("mz_user"));
    ASSERT_EQ(p2.status, 200) << list;
    ASSERT_EQ(p2.json()["items"].size(), 1u) << list;
    EXPECT_EQ(p2.json()["items"][0], all.json()["items"][2]) << list;
    EXPECT_EQ(c().Get("/api/v1/sharing/" + list + sep + "page_size=201", tok("mz_user")).status,
              400)
        << list;
    EXPECT_EQ(c().Get("/api/v1/sharing/" + list + sep + "page=0", tok("mz_user")).status, 400)
        << list;
  }
  // Usage keeps its own fields beside the page.
  auto usage = c().Get("/api/v1/sharing/usage?side=consumer&page=1", tok("mz_user")).json();
  EXPECT_EQ(usage["side"], "consumer");
  EXPECT_EQ(usage["days"], 30);
}

// A resource's lineage: its delivered files, and the grants on it with their calls; for the
// providing department's readers, audited.
TEST_P(SharingE2E, ResourceLineageNamesSourcesAndConsumers) {
  const int64_t grant = GrantPerson(nlohmann::json::object());
  Cred cred = NewCredential("mz_user");
  ASSERT_EQ(Data("/api/v1/share/GA_PERSON/records/" + IdNumber(1), cred, "低保资格核查").status,
            200);
  auto r = c().Get("/api/v1/resources/GA_PERSON/lineage", tok("ga_steward"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  EXPECT_EQ(j["resource"]["code"], "GA_PERSON");
  ASSERT_EQ(j["sources"].size(), 1u);
  EXPECT_EQ(j["sources"][0]["file"], "GA_PERSON.csv");
  EXPECT_EQ(j["sources"][0]["accepted"], 6);
  EXPECT_EQ(j["batches"], 1);
  EXPECT_EQ(j["records"], 6);
  ASSERT_EQ(j["consumers"]["grants"].size(), 1u);
  EXPECT_EQ(j["consumers"]["grants"][0]["grant"], grant);
  EXPECT_EQ(j["consumers"]["grants"][0]["consumer"], "MZ");
  EXPECT_EQ(j["consumers"]["grants"][0]["calls"], 1);
  EXPECT_TRUE(j["consumers"]["base_libraries"].empty());  // no run yet
  // Another department's user may not read GA's lineage; the auditor may.
  EXPECT_EQ(c().Get("/api/v1/resources/GA_PERSON/lineage", tok("mz_user")).status, 403);
  EXPECT_EQ(c().Get("/api/v1/resources/GA_PERSON/lineage", tok("auditor")).status, 200);
  EXPECT_EQ(c().Get("/api/v1/resources/GA_PERSON/lineage?batches=0", tok("auditor")).status, 400);
  EXPECT_EQ(c().Get("/api/v1/resources/NOPE/lineage", tok("auditor")).status, 404);
  bool audited = false;
  for (const auto& e : Audit("read", "ga_steward"))
    if (e.event.resource == "GA_PERSON" && e.event.detail.value("view", "") == "lineage")
      audited = true;
  EXPECT_TRUE(audited);
}

TEST_P(SharingE2E, NotSharedIsRefusedCitingTheBasisExceptByThePlatformAuthority) {
  auto refused = Apply("mz_user", {{"resource", "GA_SECRET"}, {"purpose", "核查"}});
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("反恐怖主义法"), std::string::npos) << refused.body;
  EXPECT_NE(refused.json()["error"]["details"]["basis"], nullptr);
  auto denied = Audit("share.apply", "mz_user");
  ASSERT_FALSE(denied.empty());
  EXPECT_EQ(denied.front().event.result, "denied");

  auto ex = Apply(
      "mz_user",
      {{"resource", "GA_SECRET"}, {"purpose", "核查"}, {"exception_reason", "区政府专项工作需要"}});
  ASSERT_EQ(ex.status, 201) << ex.body;
  EXPECT_EQ(ex.json()["status"], "pending_exception");
  int64_t id = ex.json()["id"];
  EXPECT_EQ(Approve(id, nlohmann::json::object(), "ga_steward").status, 403);
  auto q = c().Get("/api/v1/sharing/applications?queue=exceptions", tok("admin")).json();
  EXPECT_EQ(q["total"], 1);
  EXPECT_EQ(c().Get("/api/v1/sharing/applications?queue=exceptions", tok("ga_steward")).status,
            403);
  auto ok = Approve(id, {{"validity_days", 7}}, "admin");
  ASSERT_EQ(ok.status, 200) << ok.body;
  Cred cred = NewCredential("mz_user");
  EXPECT_EQ(Data("/api/v1/share/GA_SECRET/records/" + IdNumber(1), cred).status, 200);
}

TEST_P(SharingE2E, RejectionIsRecorded) {
  auto a = Apply("mz_user", {{"resource", "GA_PERSON"}, {"purpose", "x"}});
  int64_t id = a.json()["id"];
  std::string url = "/api/v1/sharing/applications/" + std::to_string(id) + "/reject";
  EXPECT_EQ(c().Post(url, {{"reason", ""}}, tok("ga_steward")).status, 400);
  auto r = c().Post(url, {{"reason", "用途不明确"}}, tok("ga_steward"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["status"], "rejected");
  EXPECT_EQ(r.json()["decision_note"], "用途不明确");
  EXPECT_FALSE(Audit("share.reject").empty());
  EXPECT_EQ(c().Get("/api/v1/sharing/applications/" + std::to_string(id), tok("wj_user")).status,
            403);
}

// The data routes × callers: nobody, every user role (login tokens), a credential without a
// grant, a credential of another department, a credential with the grant.
TEST_P(SharingE2E, DataRouteCallerGrantMatrix) {
  GrantPerson({{"rate_per_second", 1000}});
  Cred granted = NewCredential("mz_user");
  Cred other = NewCredential("wj_user");
  std::string key = IdNumber(1);
  std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/api/v1/share/GA_PERSON/records/" + key},
      {"GET", "/api/v1/share/GA_PERSON/records"},
      {"POST", "/api/v1/share/GA_PERSON/exports"},
      {"GET", "/api/v1/share/GA_PERSON/exports/1"},
      {"GET", "/api/v1/share/GA_PERSON/exports/1/file"}};
  int checked = 0;
  for (const auto& [method, target] : routes) {
    auto anon = c().Send(method, target, method == "POST" ? "{}" : "");
    EXPECT_EQ(anon.status, 401) << target;
    EXPECT_EQ(anon.json()["error"]["code"], "UNAUTHENTICATED");
    for (const char* user :
         {"admin", "ga_steward", "mz_user", "mz_steward", "auditor", "operator", "citizen"}) {
      auto r = c().Send(method, target, method == "POST" ? "{}" : "", tok(user));
      EXPECT_EQ(r.status, 403) << user << " " << target << " " << r.body;
      ++checked;
    }
    EXPECT_EQ(c().Send(method, target, "", "ysc_" + std::string(64, '0')).status, 401);
    EXPECT_EQ(c().Send(method, target, "", "not-a-token").status, 401);
    auto no_grant = c().Send(method, target, method == "POST" ? "{}" : "", other.token);
    EXPECT_EQ(no_grant.status, 403) << target << " " << no_grant.body;
    auto ok = c().Send(method, target, method == "POST" ? "{}" : "", granted.token);
    // Allowed: the answer is data, an accepted job, or "no such export" — never 401/403.
    EXPECT_TRUE(ok.status == 200 || ok.status == 202 || ok.status == 404 || ok.status == 412)
        << target << " " << ok.status << " " << ok.body;
    checked += 3;
  }
  EXPECT_GT(checked, 40);
  // Credentials stop working at once when revoked.
  ASSERT_EQ(c().Post("/api/v1/sharing/credentials/" + granted.id + "/revoke",
                     nlohmann::json::object(), tok("mz_user"))
                .status,
            200);
  EXPECT_EQ(Data("/api/v1/share/GA_PERSON/records/" + key, granted).status, 401);
  // And another department cannot revoke them.
  Cred again = NewCredential("mz_user");
  EXPECT_EQ(c().Post("/api/v1/sharing/credentials/" + again.id + "/revoke",
                     nlohmann::json::object(), tok("wj_user"))
                .status,
            403);
}

TEST_P(SharingE2E, Sm2SignedRequestsReplaysAndTampering) {
  GrantPerson({{"allow_bearer", false}, {"rate_per_second", 1000}});
  Cred cred = NewCredential("mz_user");
  std::string path = "/api/v1/share/GA_PERSON/records/" + IdNumber(3);
  // This grant takes signed requests only.
  auto bearer = Data(path, cred);
  EXPECT_EQ(bearer.status, 403);
  EXPECT_NE(bearer.body.find("SM2"), std::string::npos);
  auto sign = [&](const std::string& method, const std::string& p,
                  const std::map<std::string, std::string>& q, int64_t ts,
                  const std::string& nonce) {
    return SignRequest(cred.id, cred.private_key, method, p, q, "", ts, nonce).value();
  };
  std::string nonce = crypto::ToHex(crypto::RandomBytes(16));
  std::string auth = sign("GET", path, {}, NowMillis(), nonce);
  auto ok = c().Send("GET", path, "", "", {{"Authorization", auth}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  // The same request again: a replay.
  auto replay = c().Send("GET", path, "", "", {{"Authorization", auth}});
  EXPECT_EQ(replay.status, 401);
  EXPECT_NE(replay.body.find("replay"), std::string::npos) << replay.body;
  // Tampered: the signature of one record's path used for another's.
  std::string other = "/api/v1/share/GA_PERSON/records/" + IdNumber(4);
  auto tampered = c().Send("GET", other, "", "",
                           {{"Authorization", sign("GET", path, {}, NowMillis(),
                                                   crypto::ToHex(crypto::RandomBytes(16)))}});
  EXPECT_EQ(tampered.status, 401);
  // Tampered query.
  std::string list = "/api/v1/share/GA_PERSON/records";
  auto q_auth =
      sign("GET", list, {{"page_size", "1"}}, NowMillis(), crypto::ToHex(crypto::RandomBytes(16)));
  EXPECT_EQ(c().Send("GET", list + "?page_size=2", "", "", {{"Authorization", q_auth}}).status,
            401);
  EXPECT_EQ(c().Send("GET", list + "?page_size=1", "", "", {{"Authorization", q_auth}}).status,
            200);
  // A flipped bit in the signature.
  std::string flipped = sign("GET", path, {}, NowMillis(), crypto::ToHex(crypto::RandomBytes(16)));
  flipped[flipped.size() - 1] = flipped.back() == '0' ? '1' : '0';
  EXPECT_EQ(c().Send("GET", path, "", "", {{"Authorization", flipped}}).status, 401);
  // Stale timestamp.
  EXPECT_EQ(c().Send("GET", path, "", "",
                     {{"Authorization", sign("GET", path, {}, NowMillis() - 3600000,
                                             crypto::ToHex(crypto::RandomBytes(16)))}})
                .status,
            401);
  // Another credential's key.
  Cred stranger = NewCredential("mz_user", "other");
  auto wrong_key = SignRequest(cred.id, stranger.private_key, "GET", path, {}, "", NowMillis(),
                               crypto::ToHex(crypto::RandomBytes(16)))
                       .value();
  EXPECT_EQ(c().Send("GET", path, "", "", {{"Authorization", wrong_key}}).status, 401);
}

TEST_P(SharingE2E, HostileParametersAreRefusedNotExecuted) {
  GrantPerson({{"rate_per_second", 100000}, {"daily_quota", 100000}});
  Cred cred = NewCredential("mz_user");
  const std::vector<std::string> attacks = {
      "' OR '1'='1",      "1; DROP TABLE r_ga_person; --",
      "\" OR 1=1 --",     "330603' UNION SELECT token_sm3 FROM share_credentials --",
      "%27%20OR%201%3D1", std::string(300, 'A'),
      "\xff\xfe",         "GA_PERSON/../share_credentials"};
  for (const auto& s : attacks) {
    auto key = Data("/api/v1/share/GA_PERSON/records/" + PercentEncode(s), cred);
    EXPECT_TRUE(key.status == 400 || key.status == 404) << s << " " << key.status << key.body;
    auto res = Data("/api/v1/share/" + PercentEncode(s) + "/records/" + IdNumber(1), cred);
    EXPECT_TRUE(res.status == 400 || res.status == 403 || res.status == 404)
        << s << " " << res.status << res.body;
    auto filter = Data("/api/v1/share/GA_PERSON/records?township=" + PercentEncode(s), cred);
    EXPECT_TRUE(filter.status == 400 || (filter.status == 200 && filter.json()["records"].empty()))
        << s << " " << filter.status << filter.body;
    auto name = Data("/api/v1/share/GA_PERSON/records?" + PercentEncode(s) + "=1", cred);
    EXPECT_EQ(name.status, 400) << s << name.body;
    for (const char* param : {"page", "page_size"}) {
      auto pg = Data(
          "/api/v1/share/GA_PERSON/records?" + std::string(param) + "=" + PercentEncode(s), cred);
      EXPECT_EQ(pg.status, 400) << s << pg.body;
    }
    auto exp = c().Send("POST", "/api/v1/share/GA_PERSON/exports",
                        nlohmann::json{{"format", "csv"}, {"filter", {{"township", s}}}}.dump(
                            -1, ' ', false, nlohmann::json::error_handler_t::replace),
                        cred.token);
    EXPECT_TRUE(exp.status == 202 || exp.status == 400) << s << exp.body;
    // JSON bodies carry the bytes as sent (invalid UTF-8 included).
    std::string raw;
    for (char ch : s) {
      if (ch == '"' || ch == '\\') raw += '\\';
      raw += ch;
    }
    auto app = c().Send("POST", "/api/v1/sharing/applications",
                        "{\"resource\": \"" + raw + "\", \"purpose\": \"x\"}", tok("mz_user"));
    EXPECT_TRUE(app.status == 400 || app.status == 404) << s << app.body;
    auto app2 =
        c().Send("POST", "/api/v1/sharing/applications",
                 "{\"resource\": \"GA_PERSON\", \"purpose\": \"x\", \"fields\": [\"" + raw + "\"]}",
                 tok("mz_user"));
    EXPECT_EQ(app2.status, 400) << s << app2.body;
    auto app3 = c().Get("/api/v1/sharing/applications?queue=" + PercentEncode(s), tok("mz_user"));
    EXPECT_EQ(app3.status, 400) << s;
    auto app4 = c().Get("/api/v1/sharing/applications?queue=mine&status=" + PercentEncode(s),
                        tok("mz_user"));
    EXPECT_EQ(app4.status, 400) << s;
    auto app5 = c().Post("/api/v1/sharing/applications/" + PercentEncode(s) + "/approve",
                         nlohmann::json::object(), tok("ga_steward"));
    EXPECT_TRUE(app5.status == 400 || app5.status == 404) << s << app5.body;
  }
  tp_->platform().sharing().WaitForExports();
  // Nothing was dropped or leaked; the table is whole.
  auto count = tp_->platform().store().QueryOne("SELECT COUNT(*) FROM r_ga_person");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->Int(0), 6);
  // Oversize pages.
  EXPECT_EQ(Data("/api/v1/share/GA_PERSON/records?page_size=101", cred).status, 400);
  EXPECT_EQ(Data("/api/v1/share/GA_PERSON/records?page_size=100000000", cred).status, 400);
  EXPECT_EQ(Data("/api/v1/share/GA_PERSON/records?page=0", cred).status, 400);
  EXPECT_EQ(Data("/api/v1/share/GA_PERSON/records?page_size=100", cred).status, 200);
  // Strict application bodies.
  EXPECT_EQ(
      Apply("mz_user", {{"resource", "GA_PERSON"}, {"purpose", "x"}, {"sharetype", 1}}).status,
      400);
}

TEST_P(SharingE2E, SequentialEnumerationTripsTheLimitAndIsAudited) {
  GrantPerson({{"rate_per_second", 100000}, {"daily_quota", 100000}});
  Cred cred = NewCredential("mz_user");
  int limited = 0;
  std::string retry_after;
  for (int i = 7; i < 60; ++i) {  // sequential identity numbers, almost none of them stored
    auto r = Data("/api/v1/share/GA_PERSON/records/" + IdNumber(i), cred);
    if (r.status == 429) {
      ++limited;
      retry_after = r.headers["Retry-After"];
    }
  }
  EXPECT_GT(limited, 0);
  EXPECT_FALSE(retry_after.empty());
  auto events = Audit("share.enumeration_suspected", cred.id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event.result, "denied");
  // Even an existing record is refused while suspended.
  EXPECT_EQ(Data("/api/v1/share/GA_PERSON/records/" + IdNumber(1), cred).status, 429);
}

TEST_P(SharingE2E, DailyQuotaAndRateLimitAnswer429WithRetryAfter) {
  GrantPerson({{"daily_quota", 3}, {"rate_per_second", 1000}});
  Cred cred = NewCredential("mz_user");
  std::string path = "/api/v1/share/GA_PERSON/records/" + IdNumber(1);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Data(path, cred).status, 200);
  auto r = Data(path, cred);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.json()["error"]["code"], "RESOURCE_EXHAUSTED");
  int64_t after = 0;
  ASSERT_TRUE(ParseInt64(r.headers["Retry-After"], &after)) << r.body;
  EXPECT_GT(after, 0);
  EXPECT_LE(after, 86400);
  EXPECT_EQ(Audit("share.quota_exceeded", cred.id).size(), 1u);
  EXPECT_EQ(Data(path, cred).status, 429);
  EXPECT_EQ(Audit("share.quota_exceeded", cred.id).size(), 1u);  // raised once

  // Rate: 2 per second for a fresh grant (another department).
  auto a = Apply("wj_user", {{"resource", "GA_PERSON"}, {"purpose", "x"}});
  ASSERT_EQ(Approve(a.json()["id"], {{"rate_per_second", 2}}, "ga_steward").status, 200);
  Cred wj = NewCredential("wj_user");
  int limited = 0;
  std::string retry;
  for (int i = 0; i < 8; ++i) {
    auto x = Data(path, wj);
    if (x.status == 429) {
      ++limited;
      retry = x.headers["Retry-After"];
    }
  }
  EXPECT_GT(limited, 0);
  EXPECT_EQ(retry, "1");
}

TEST_P(SharingE2E, ExportsAreAsynchronousMaskedAndWatermarked) {
  GrantPerson({{"fields", {{"id_number", "hash"}, {"mobile", "partial"}, {"township", "none"}}},
               {"rate_per_second", 1000}});
  Cred cred = NewCredential("mz_user");
  for (std::string format : {"csv", "json"}) {
    auto start =
        c().Send("POST", "/api/v1/share/GA_PERSON/exports",
                 nlohmann::json{{"format", format}, {"filter", {{"township", "柯桥街道"}}}}.dump(),
                 cred.token);
    ASSERT_EQ(start.status, 202) << start.body;
    int64_t id = start.json()["id"];
    tp_->platform().sharing().WaitForExports();
    std::string base = "/api/v1/share/GA_PERSON/exports/" + std::to_string(id);
    auto status = Data(base, cred).json();
    ASSERT_EQ(status["status"], "done") << status.dump();
    EXPECT_EQ(status["records"], 4);
    auto file = Data(base + "/file", cred);
    ASSERT_EQ(file.status, 200);
    EXPECT_NE(file.body.find(cred.id), std::string::npos);  // watermark
    EXPECT_NE(file.body.find("_trace"), std::string::npos);
    EXPECT_NE(file.body.find("138****5671"), std::string::npos);
    EXPECT_EQ(file.body.find(IdNumber(1)), std::string::npos);
    EXPECT_EQ(file.body.find("张三"), std::string::npos);  // not granted
    // Another department's credential cannot fetch it.
    auto a = Apply("wj_user", {{"resource", "GA_PERSON"}, {"purpose", "x"}});
    (void)Approve(a.json()["id"], nlohmann::json::object(), "ga_steward");
    Cred wj = NewCredential("wj_user");
    EXPECT_EQ(Data(base + "/file", wj).status, 404);
  }
  auto exports = Audit("share.export", cred.id);
  ASSERT_EQ(exports.size(), 2u);
  EXPECT_EQ(exports[0].event.record_count, 4);
  EXPECT_FALSE(Audit("share.export_download", cred.id).empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, SharingE2E, ::testing::ValuesIn(store::testing::Backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace yishu::sharing

// End-to-end tests through the real HTTP server: authorization matrix, OpenAPI completeness,
// catalogue authority and versioning, the error shape, metrics.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "common/strings.hpp"
#include "server/test_harness.hpp"

namespace yishu::server {
namespace {

using testing::TestPlatform;

constexpr const char* kCatalogue = R"({
 "departments": [{"code": "GA", "name": "公安分局"}, {"code": "MZ", "name": "民政局"}],
 "systems": [{"code": "GA_HJ", "name": "户籍系统", "department": "GA"}],
 "resources": [{
   "code": "GA_HOUSEHOLD", "name": "户籍人口", "department": "GA", "system": "GA_HJ",
   "subject": "person", "share_type": "有条件共享", "share_condition": "政务用途",
   "fields": [
     {"name": "id_number", "label": "公民身份号码", "element": "id_card", "key": true,
      "authoritative": true},
     {"name": "name", "label": "姓名", "element": "person_name", "authoritative": true}]}]})";

class ServerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (store::testing::Unavailable(GetParam())) GTEST_SKIP() << "no PostgreSQL configured";
    tp_ = std::make_unique<TestPlatform>(GetParam());
    tp_->CreateRoleUsers("GA");
  }
  testing::Client& c() { return tp_->client(); }
  std::string admin() { return tp_->token("platform_admin"); }
  std::unique_ptr<TestPlatform> tp_;
};

TEST_P(ServerTest, HealthAndLogin) {
  auto h = c().Get("/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.json()["status"], "ok");
  auto bad = c().Post("/api/v1/auth/login", {{"username", "admin"}, {"password", "nope-nope"}});
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.json()["error"]["code"], "UNAUTHENTICATED");
  auto me = c().Get("/api/v1/me", admin());
  EXPECT_EQ(me.json()["role"], "platform_admin");
  // Logout revokes the token at once.
  std::string t = tp_->Login("admin");
  EXPECT_EQ(c().Post("/api/v1/auth/logout", nlohmann::json::object(), t).status, 200);
  EXPECT_EQ(c().Get("/api/v1/me", t).status, 401);
}

// The server's threads carry names (a profile or `top -H` tells them apart): the handler that
// answered a request is among them.
TEST_P(ServerTest, HandlerThreadsAreNamed) {
  ASSERT_EQ(c().Get("/api/v1/me", admin()).status, 200);
  std::set<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    names.insert(name);
  }
  EXPECT_TRUE(names.count("yishu-handler")) << ::testing::PrintToString(names);
  EXPECT_TRUE(names.count("yishu-http")) << ::testing::PrintToString(names);
}

// Every route, every role: allowed, or 401 without a token, or 403 without the role.
TEST_P(ServerTest, RoleRouteMatrix) {
  std::vector<std::string> roles;
  for (auto r : identity::kAllRoles) roles.emplace_back(identity::RoleName(r));
  int checked = 0;
  for (const auto& route : tp_->router().routes()) {
    if (route.pattern == "/api/v1/auth/logout") continue;  // would revoke the tokens under test
    std::string path = route.pattern;
    for (const auto& seg : route.segments)
      if (seg.front() == '{') path.replace(path.find(seg), seg.size(), "X1");
    // No credentials.
    auto anon = c().Send(route.method, path);
    if (route.public_route) {
      EXPECT_NE(anon.status, 401) << route.method << " " << path;
      EXPECT_NE(anon.status, 403) << route.method << " " << path;
    } else {
      EXPECT_EQ(anon.status, 401) << route.method << " " << path;
      EXPECT_EQ(anon.json()["error"]["code"], "UNAUTHENTICATED");
    }
    for (const auto& role : roles) {
      auto r = c().Send(route.method, path, "", tp_->token(role));
      bool allowed = route.public_route || route.roles.count(*identity::ParseRole(role)) > 0;
      if (allowed) {
        EXPECT_NE(r.status, 401) << role << " " << route.method << " " << path << " " << r.body;
        EXPECT_NE(r.status, 403) << role << " " << route.method << " " << path << " " << r.body;
      } else {
        EXPECT_EQ(r.status, 403) << role << " " << route.method << " " << path << " " << r.body;
        EXPECT_EQ(r.json()["error"]["code"], "PERMISSION_DENIED");
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST_P(ServerTest, OpenApiDocumentsEveryRouteAndOnlyRoutes) {
  auto doc = c().Get("/api/v1/openapi.json").json();
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["openapi"], "3.0.3");
  std::set<std::string> documented;
  for (const auto& [path, ops] : doc["paths"].items())
    for (const auto& [method, op] : ops.items())
      documented.insert(ToUpperAscii(method) + " " + path);
  std::set<std::string> routed;
  for (const auto& r : tp_->router().routes()) routed.insert(r.method + " " + r.pattern);
  EXPECT_EQ(documented, routed);
  // Every documented route answers as a route (not "no route" 404 nor 405) over HTTP.
  for (const auto& entry : documented) {
    auto sp = entry.find(' ');
    std::string method = entry.substr(0, sp), path = entry.substr(sp + 1);
    for (size_t b; (b = path.find('{')) != std::string::npos;)
      path.replace(b, path.find('}', b) - b + 1, "X1");
    if (path == "/api/v1/auth/logout") continue;
    auto r = c().Send(method, path, "", admin());
    EXPECT_NE(r.status, 405) << entry;
    if (r.status == 404) {
      EXPECT_EQ(r.body.find("no route"), std::string::npos) << entry;
    }
  }
  // And an undocumented path is not routed.
  auto none = c().Get("/api/v1/nothing-here", admin());
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.json()["error"]["code"], "NOT_FOUND");
}

TEST_P(ServerTest, AuthorityConflictOverHttp) {
  auto imp = c().Send("POST", "/api/v1/catalogue/import", kCatalogue, admin());
  ASSERT_EQ(imp.status, 200) << imp.body;
  EXPECT_EQ(imp.json()["created"], 1);
  nlohmann::json second = {
      {"code", "MZ_MARRIAGE"},
      {"name", "婚姻登记"},
      {"department", "MZ"},
      {"subject", "person"},
      {"share_type", "有条件共享"},
      {"share_condition", "依申请"},
      {"fields",
       {{{"name", "id_number"}, {"element", "id_card"}, {"key", true}, {"authoritative", true}}}}};
  auto r = c().Post("/api/v1/resources", second, admin());
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.json()["error"]["code"], "CONFLICT");
  EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("GA_HOUSEHOLD.id_number"),
            std::string::npos);
  // As a copy it is accepted and listed as one.
  second["fields"][0]["authoritative"] = false;
  EXPECT_EQ(c().Post("/api/v1/resources", second, admin()).status, 201);
  auto sources = c().Get("/api/v1/sources?element=id_card", admin()).json();
  ASSERT_EQ(sources["items"].size(), 1u);
  EXPECT_EQ(sources["items"][0]["source"]["resource"], "GA_HOUSEHOLD");
  EXPECT_EQ(sources["items"][0]["copies"][0]["resource"], "MZ_MARRIAGE");
}

TEST_P(ServerTest, ResourceVersioningOverHttp) {
  ASSERT_EQ(c().Send("POST", "/api/v1/catalogue/import", kCatalogue, admin()).status, 200);
  auto cur = c().Get("/api/v1/resources/GA_HOUSEHOLD", admin());
  ASSERT_EQ(cur.status, 200);
  auto def = cur.json();
  for (auto key : {"version", "updated_by", "updated_at", "effective_level"}) def.erase(key);
  def["description"] = "全区户籍人口";
  // The steward of the providing department may change it.
  auto put = c().Send("PUT", "/api/v1/resources/GA_HOUSEHOLD", def.dump(),
                      tp_->token("dept_steward"), {{"If-Match", "\"1\""}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json()["version"], 2);
  // A stale If-Match is refused.
  def["description"] = "again";
  auto stale =
      c().Send("PUT", "/api/v1/resources/GA_HOUSEHOLD", def.dump(), admin(), {{"If-Match", "1"}});
  EXPECT_EQ(stale.status, 412);
  auto versions = c().Get("/api/v1/resources/GA_HOUSEHOLD/versions", admin()).json();
  ASSERT_EQ(versions["items"].size(), 2u);
  EXPECT_EQ(versions["items"][0]["version"], 2);
  EXPECT_EQ(versions["items"][0]["changed_by"], "u_dept_steward");
  auto v1 = c().Get("/api/v1/resources/GA_HOUSEHOLD/versions/1", admin()).json();
  EXPECT_EQ(v1["description"], "");
  // A steward of another department may not.
  ASSERT_EQ(c().Post("/api/v1/users",
                     {{"username", "mz_steward"},
                      {"role", "dept_steward"},
                      {"department", "MZ"},
                      {"password", testing::kTestPassword}},
                     admin())
                .status,
            201);
  auto other =
      c().Send("PUT", "/api/v1/resources/GA_HOUSEHOLD", def.dump(), tp_->Login("mz_steward"));
  EXPECT_EQ(other.status, 403);
}

TEST_P(ServerTest, BadInputGetsOneErrorShape) {
  auto check = [](const testing::ClientResponse& r, int status, const char* code) {
    EXPECT_EQ(r.status, status) << r.body;
    auto j = r.json();
    ASSERT_TRUE(j.is_object()) << r.body;
    EXPECT_EQ(j["error"]["code"], code) << r.body;
    EXPECT_TRUE(j["error"]["message"].is_string());
    EXPECT_TRUE(j["error"].contains("details"));
  };
  check(c().Send("POST", "/api/v1/resources", "{not json", admin()), 400, "INVALID_ARGUMENT");
  check(c().Send("POST", "/api/v1/resources", "[1,2]", admin()), 400, "INVALID_ARGUMENT");
  check(c().Send("POST", "/api/v1/departments", R"({"code":"X1","name":"x","colour":"red"})",
                 admin()),
        400, "INVALID_ARGUMENT");
  check(c().Send("POST", "/api/v1/departments", R"({"code":5,"name":"x"})", admin()), 400,
        "INVALID_ARGUMENT");
  check(c().Send("POST", "/api/v1/departments", std::string(70000, 'x'), admin()), 413,
        "PAYLOAD_TOO_LARGE");
  check(c().Get("/api/v1/resources?page_size=100000", admin()), 400, "INVALID_ARGUMENT");
  check(c().Get("/api/v1/resources/NOPE", admin()), 404, "NOT_FOUND");
  check(c().Send("DELETE", "/api/v1/resources", "", admin()), 405, "UNSUPPORTED");
  check(c().Get("/api/v1/me", "not-a-token"), 401, "UNAUTHENTICATED");
  // Duplicate codes: the second create of a resource is a 409, nothing half-written.
  ASSERT_EQ(c().Send("POST", "/api/v1/catalogue/import", kCatalogue, admin()).status, 200);
  auto dup = c().Get("/api/v1/resources/GA_HOUSEHOLD", admin()).json();
  for (auto key : {"version", "updated_by", "updated_at", "effective_level"}) dup.erase(key);
  check(c().Post("/api/v1/resources", dup, admin()), 409, "ALREADY_EXISTS");
  // A bad import writes nothing.
  std::string bad = kCatalogue;
  bad.replace(bad.find("\"GA_HOUSEHOLD\""), 14, "\"NEW_ONE\"");
  bad.replace(bad.find("\"fields\": ["), 11, "\"fields\": [{\"name\": \"Bad Name\"},");
  check(c().Send("POST", "/api/v1/catalogue/import", bad, admin()), 400, "INVALID_ARGUMENT");
  EXPECT_EQ(c().Get("/api/v1/resources/NEW_ONE", admin()).status, 404);
  // SQL injection strings are plain values.
  auto inj = c().Get("/api/v1/resources?q=%27%3B%20DROP%20TABLE%20resources%3B--", admin());
  EXPECT_EQ(inj.status, 200);
  EXPECT_EQ(c().Get("/api/v1/resources/GA_HOUSEHOLD", admin()).status, 200);
}

TEST_P(ServerTest, PublicSeesOnlyOpenableResources) {
  ASSERT_EQ(c().Send("POST", "/api/v1/catalogue/import", kCatalogue, admin()).status, 200);
  auto pub = c().Get("/api/v1/resources", tp_->token("public")).json();
  EXPECT_EQ(pub["total"], 0);
  EXPECT_EQ(c().Get("/api/v1/resources/GA_HOUSEHOLD", tp_->token("public")).status, 404);
  EXPECT_EQ(c().Get("/api/v1/resources", tp_->token("dept_user")).json()["total"], 1);
}

TEST_P(ServerTest, MetricsPassPromtool) {
  c().Get("/healthz");
  c().Get("/api/v1/resources", admin());
  auto m = c().Get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("yishu_http_requests_total"), std::string::npos);
  EXPECT_NE(m.body.find("yishu_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(m.body.find("yishu_store_operation_seconds"), std::string::npos);
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    if (std::getenv("CI")) FAIL() << "promtool is missing (apt-get install prometheus)";
    GTEST_SKIP() << "promtool not installed";
  }
  auto file = tp_->dir() / "metrics.prom";
  std::ofstream(file) << m.body;
  std::string cmd = "promtool check metrics < " + file.string() + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, pipe)) out += buf;
  int rc = pclose(pipe);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(out.empty()) << "promtool lint: " << out;
}

TEST_P(ServerTest, LoginAndChangesAreAudited) {
  c().Post("/api/v1/auth/login", {{"username", "admin"}, {"password", "wrong-password"}});
  ASSERT_EQ(c().Send("POST", "/api/v1/catalogue/import", kCatalogue, admin()).status, 200);
  auto rows = tp_->platform().store().Query("SELECT action, result FROM audit_events ORDER BY seq");
  ASSERT_TRUE(rows.ok());
  std::multiset<std::string> seen;
  for (const auto& r : *rows) seen.insert(r.Text(0) + ":" + r.Text(1));
  EXPECT_TRUE(seen.count("login:ok"));
  EXPECT_TRUE(seen.count("login_failed:denied"));
  EXPECT_TRUE(seen.count("catalogue.import:ok"));
  EXPECT_TRUE(seen.count("user.create:ok"));
}

// The closed loop through HTTP: a delivery with a bad mobile number raises a ticket for the
// providing department; its steward acknowledges and fixes it; the corrected delivery verifies
// it; a platform admin closes it. Each step is audited; roles and departments are enforced.
TEST_P(ServerTest, QualityTicketLoopOverHttp) {
  constexpr const char* kPeople = R"({
   "systems": [{"code": "GA_HJ", "name": "户籍系统", "department": "GA"}],
   "resources": [{
     "code": "GA_PEOPLE", "name": "户籍人口", "department": "GA", "system": "GA_HJ",
     "subject": "person", "update_cycle": "daily", "share_type": "有条件共享",
     "share_condition": "政务用途",
     "fields": [
       {"name": "id_number", "label": "公民身份号码", "element": "id_card", "key": true,
        "authoritative": true},
       {"name": "name", "label": "姓名", "element": "person_name"},
       {"name": "mobile", "label": "联系电话", "element": "mobile"}]}]})";
  ASSERT_EQ(c().Send("POST", "/api/v1/catalogue/import", kPeople, admin()).status, 200);
  auto id_number = [](int seq) {
    std::string body = "11010519800101" + std::string(seq < 10 ? "00" : "0") + std::to_string(seq);
    static const int w[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * w[i];
    return body + "10X98765432"[sum % 11];
  };
  auto file = [&](const std::string& bad_mobile) {
    return "id_number,name,mobile\n" + id_number(1) + ",张三,13800138000\n" + id_number(2) +
           ",李四," + bad_mobile + "\n" + id_number(3) + ",王五,13800138002\n";
  };
  const std::string steward = tp_->token("dept_steward"), user = tp_->token("dept_user");
  auto up = c().Send("POST", "/api/v1/resources/GA_PEOPLE/batches?file_name=people.csv",
                     file("1380013800"), steward);
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_EQ(up.json()["quarantined"], 1);
  const int64_t first_batch = up.json()["batch_id"].get<int64_t>();

  // The department's user sees its ticket.
  auto list = c().Get("/api/v1/quality/tickets?resource=GA_PEOPLE", user);
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json()["items"].size(), 1u) << list.body;
  auto ticket = list.json()["items"][0];
  EXPECT_EQ(ticket["department"], "GA");
  EXPECT_EQ(ticket["field"], "mobile");
  EXPECT_EQ(ticket["status"], "open");
  const std::string base = "/api/v1/quality/tickets/" + std::to_string(ticket["id"].get<int64_t>());

  // Order is enforced, bodies are strict, roles are enforced.
  auto early = c().Send("POST", base + "/fix", "", steward);
  EXPECT_EQ(early.status, 412) << early.body;
  EXPECT_EQ(early.json()["error"]["code"], "FAILED_PRECONDITION");
  EXPECT_EQ(c().Send("POST", base + "/acknowledge", R"({"nope": 1})", steward).status, 400);
  EXPECT_EQ(c().Send("POST", base + "/acknowledge", "", user).status, 403);
  auto ack = c().Send("POST", base + "/acknowledge", R"({"note": "已收到，核查中"})", steward);
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(ack.json()["status"], "acknowledged");
  auto fix = c().Send("POST", base + "/fix", R"({"note": "源系统已更正"})", steward);
  ASSERT_EQ(fix.status, 200) << fix.body;
  EXPECT_EQ(fix.json()["status"], "fixed");

  // The corrected delivery verifies it.
  up = c().Send("POST", "/api/v1/resources/GA_PEOPLE/batches?file_name=people-fixed.csv",
                file("13800138001"), steward);
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_EQ(up.json()["quarantined"], 0);
  auto got = c().Get(base, user);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json()["status"], "verified");
  EXPECT_EQ(got.json()["verified_batch"], up.json()["batch_id"]);

  // Only the platform closes.
  EXPECT_EQ(c().Send("POST", base + "/close", "", steward).status, 403);
  auto closed = c().Send("POST", base + "/close", "", admin());
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(closed.json()["status"], "closed");
  std::vector<std::string> path;
  auto history = c().Get(base, admin()).json()["history"];
  for (const auto& h : history) path.push_back(h["to"].get<std::string>());
  EXPECT_EQ(path,
            (std::vector<std::string>{"open", "acknowledged", "fixed", "verified", "closed"}));

  // Every transition is in the audit trail, the steward's with the note.
  auto audited = c().Get("/api/v1/audit/events?action=quality.ticket.acknowledge",
                         tp_->token("security_auditor"));
  ASSERT_EQ(audited.status, 200) << audited.body;
  ASSERT_EQ(audited.json()["items"].size(), 1u) << audited.body;
  EXPECT_EQ(audited.json()["items"][0]["actor"], "u_dept_steward");
  // One successful event per transition; the premature fix is there too, as an error.
  for (const char* action : {"quality.ticket.open", "quality.ticket.fix", "quality.ticket.verified",
                             "quality.ticket.close"}) {
    auto items =
        c().Get(std::string("/api/v1/audit/events?action=") + action, admin()).json()["items"];
    int ok = 0, failed = 0;
    for (const auto& it : items) (it["result"] == "ok" ? ok : failed)++;
    EXPECT_EQ(ok, 1) << action << " " << items.dump();
    EXPECT_EQ(failed, std::string(action) == "quality.ticket.fix" ? 1 : 0) << action;
  }

  // Scores and their trend, lineage events, the department view.
  auto q = c().Get("/api/v1/resources/GA_PEOPLE/quality", user);
  ASSERT_EQ(q.status, 200) << q.body;
  ASSERT_EQ(q.json()["trend"].size(), 2u);
  EXPECT_LT(q.json()["trend"][0]["conformity"].get<double>(), 1.0);
  EXPECT_EQ(q.json()["trend"][1]["conformity"], 1.0);
  auto ev = c().Get("/api/v1/batches/" + std::to_string(first_batch) + "/lineage-events", user);
  ASSERT_EQ(ev.status, 200);
  ASSERT_EQ(ev.json()["items"].size(), 2u);
  EXPECT_EQ(ev.json()["items"][1]["eventType"], "COMPLETE");
  auto depts = c().Get("/api/v1/quality/departments", steward).json()["items"];
  ASSERT_EQ(depts.size(), 1u);
  EXPECT_EQ(depts[0]["department"], "GA");
  EXPECT_EQ(depts[0]["tickets"]["by_status"]["closed"], 1);
  // Another department's steward cannot act on GA's tickets or read them.
  auto other = c().Get("/api/v1/quality/tickets?department=MZ", steward);
  EXPECT_EQ(other.status, 403);
}

// 分类分级 over HTTP: a steward proposes for their own department's resource, confirms and
// overrides; another department's steward is refused; the resource's level follows its most
// sensitive decided field; every step is in the audit trail.
TEST_P(ServerTest, ClassificationProposeDecideOverHttp) {
  ASSERT_EQ(c().Send("POST", "/api/v1/catalogue/import", kCatalogue, admin()).status, 200);
  const std::string steward = tp_->token("dept_steward");
  const std::string base = "/api/v1/resources/GA_HOUSEHOLD/classification";
  auto proposed = c().Post(base, nlohmann::json::object(), steward);
  ASSERT_EQ(proposed.status, 200) << proposed.body;
  std::map<std::string, nlohmann::json> by_field;
  const nlohmann::json proposal = proposed.json();  // range-for over a temporary's member dangles
  for (const auto& f : proposal["fields"]) by_field[f["field"].get<std::string>()] = f;
  ASSERT_EQ(by_field.size(), 2u);
  EXPECT_EQ(by_field["id_number"]["proposal"]["detected_type"], "id_card");
  EXPECT_EQ(by_field["id_number"]["proposal"]["level"], "L4");
  EXPECT_TRUE(by_field["id_number"]["decision"].is_null());
  EXPECT_TRUE(proposal["level"].is_null()) << "no decision yet";

  // A steward of another department may neither propose nor decide.
  auto other = c().Post("/api/v1/users",
                        {{"username", "mz_steward"},
                         {"role", "dept_steward"},
                         {"department", "MZ"},
                         {"password", testing::kTestPassword}},
                        admin());
  ASSERT_EQ(other.status, 201) << other.body;
  std::string mz = tp_->Login("mz_steward");
  EXPECT_EQ(c().Post(base, nlohmann::json::object(), mz).status, 403);
  EXPECT_EQ(c().Post(base + "/name", {{"decision", "confirm"}}, mz).status, 403);

  auto name = c().Post(base + "/name", {{"decision", "override"}, {"level", "L3"}}, steward);
  ASSERT_EQ(name.status, 200) << name.body;
  EXPECT_EQ(name.json()["level"], "L3");
  auto id = c().Post(base + "/id_number", {{"decision", "confirm"}}, steward);
  ASSERT_EQ(id.status, 200) << id.body;
  EXPECT_EQ(id.json()["level"], "L4");
  const nlohmann::json decided = id.json();
  for (const auto& f : decided["fields"])
    if (f["field"] == "id_number") {
      EXPECT_EQ(f["decision"]["decided_by"], "u_dept_steward");
    }

  // Bad decisions: unknown field, bad level, unknown key, wrong type.
  EXPECT_EQ(c().Post(base + "/nope", {{"decision", "confirm"}}, steward).status, 404);
  EXPECT_EQ(c().Post(base + "/name", {{"decision", "override"}, {"level", "L9"}}, steward).status,
            400);
  EXPECT_EQ(c().Post(base + "/name", {{"decison", "confirm"}}, steward).status, 400);
  EXPECT_EQ(c().Post(base + "/name", {{"decision", 3}}, steward).status, 400);

  // Auditors read; the trail has the proposal and both decisions.
  auto read = c().Get(base, tp_->token("security_auditor"));
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.json()["level"], "L4");
  auto rows = tp_->platform().store().Query(
      "SELECT action, result FROM audit_events WHERE resource = 'GA_HOUSEHOLD' ORDER BY seq");
  ASSERT_TRUE(rows.ok());
  std::multiset<std::string> seen;
  for (const auto& r : *rows) seen.insert(r.Text(0) + ":" + r.Text(1));
  EXPECT_EQ(seen.count("classification.propose:ok"), 1u);
  EXPECT_EQ(seen.count("classification.decide:ok"), 2u);
}

// Key states are visible to auditors and admins, never the keys themselves.
TEST_P(ServerTest, KeyStatusShowsVersionsNotKeys) {
  ASSERT_TRUE(tp_->platform().keys().ForResource("GA_HOUSEHOLD").ok());
  ASSERT_TRUE(tp_->platform().keys().NewVersion("GA_HOUSEHOLD").ok());
  auto r = c().Get("/api/v1/security/keys", tp_->token("security_auditor"));
  ASSERT_EQ(r.status, 200) << r.body;
  std::map<std::string, std::string> states;
  const nlohmann::json listed = r.json();
  for (const auto& k : listed["keys"])
    states[k["name"].get<std::string>() + "/" + std::to_string(k["version"].get<int64_t>())] =
        k["state"];
  EXPECT_EQ(states["GA_HOUSEHOLD/1"], "previous");
  EXPECT_EQ(states["GA_HOUSEHOLD/2"], "active");
  EXPECT_EQ(states["blind-index/1"], "active");
  EXPECT_EQ(r.body.find("wrapped"), std::string::npos);
  EXPECT_EQ(c().Get("/api/v1/security/keys", tp_->token("dept_steward")).status, 403);
}

// One event loop, two connections on it: a handler that takes long must not hold up the other
// connection's answer (synchronous routes run on the dispatcher's handler threads).
TEST_P(ServerTest, ASlowHandlerDoesNotStallItsEventLoop) {
  Router router;
  for (const char* name : {"slow", "fast"}) {
    Route r;
    r.method = "GET";
    r.pattern = std::string("/api/v1/test/") + name;
    r.public_route = true;
    const bool slow = std::string(name) == "slow";
    r.handler = [slow](Call&) {
      if (slow) std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      return Response::Text(slow ? "slow" : "fast", "text/plain");
    };
    router.Add(std::move(r));
  }
  Dispatcher dispatcher(router, tp_->platform(), 2);
  HttpServerOptions so;
  so.port = 0;
  so.threads = 1;
  HttpServer http(so, HttpServer::AsyncHandlerFn([&](Request& r, Responder done) {
                    dispatcher.HandleAsync(r, std::move(done));
                  }));
  ASSERT_TRUE(http.Listen().ok());
  std::thread loop([&] { http.Run(false); });
  std::string slow_body;
  std::thread slow_client(
      [&] { slow_body = testing::Client(http.port()).Get("/api/v1/test/slow").body; });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the slow one is running
  const auto t0 = std::chrono::steady_clock::now();
  auto fast = testing::Client(http.port()).Get("/api/v1/test/fast");
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(fast.body, "fast");
  EXPECT_LT(waited, std::chrono::milliseconds(1000)) << "the fast answer waited for the slow one";
  slow_client.join();
  EXPECT_EQ(slow_body, "slow");
  http.Stop();
  loop.join();
}

INSTANTIATE_TEST_SUITE_P(Backends, ServerTest, ::testing::ValuesIn(store::testing::Backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace yishu::server

// Uploads of delivered files over HTTP: bodies far over server.max_body_bytes stream to disk
// (never whole into memory) and become batches; a batch's progress is readable while it runs
// and after; refusals happen before a body is read.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <atomic>
#include <thread>

#include "formats/testing_xlsx.hpp"
#include "server/test_harness.hpp"

namespace yishu::server {
namespace {

using testing::TestPlatform;

constexpr const char* kCatalogue = R"({
 "departments": [{"code": "GA", "name": "公安分局"}],
 "resources": [{
   "code": "GA_PEOPLE", "name": "人口", "department": "GA", "subject": "person",
   "share_type": "有条件共享", "share_condition": "政务用途",
   "fields": [
     {"name": "id_number", "label": "公民身份号码", "element": "id_card", "key": true},
     {"name": "name", "label": "姓名", "type": "string"}]}]})";

// A valid GB 11643 identity number for a person born `day` days after 1950-01-01.
std::string IdNumber(int day, int seq) {
  int y = 1950, m = 1, d = 1;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int i = 0; i < day; ++i) {
    int dim = kDays[m - 1] + (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
    if (++d > dim) d = 1, ++m;
    if (m > 12) m = 1, ++y;
  }
  std::string s = fmt::format("110105{:04}{:02}{:02}{:03}", y, m, d, seq);
  static const int kW[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (s[i] - '0') * kW[i];
  return s + "10X98765432"[sum % 11];
}

std::string PeopleCsv(int rows) {
  std::string csv = "公民身份号码,姓名\n";
  for (int i = 0; i < rows; ++i) csv += IdNumber(i / 500, i % 500 + 1) + ",张三\n";
  return csv;
}

class UploadTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (store::testing::Unavailable(GetParam())) GTEST_SKIP() << "no PostgreSQL configured";
    tp_ = std::make_unique<TestPlatform>(GetParam());
    tp_->CreateRoleUsers("GA");
    auto imp =
        c().Send("POST", "/api/v1/catalogue/import", kCatalogue, tp_->token("platform_admin"));
    ASSERT_EQ(imp.status, 200) << imp.body;
  }
  testing::Client& c() { return tp_->client(); }
  std::string steward() { return tp_->token("dept_steward"); }
  std::unique_ptr<TestPlatform> tp_;
};

TEST_P(UploadTest, LargeBodyStreamsToDiskAndBecomesABatch) {
  std::string csv = PeopleCsv(6000);
  ASSERT_GT(csv.size(), 65536u * 2) << "well over server.max_body_bytes (64 KiB here)";
  auto r =
      c().Send("POST", "/api/v1/resources/GA_PEOPLE/batches?file_name=people.csv", csv, steward());
  ASSERT_EQ(r.status, 201) << r.body;
  auto j = r.json();
  EXPECT_EQ(j["read"], 6000);
  EXPECT_EQ(j["accepted"], 6000);
  EXPECT_EQ(j["bytes"], csv.size());
  int64_t id = j["batch_id"].get<int64_t>();
  // Finished: the progress route gives the final figures.
  auto p = c().Get(fmt::format("/api/v1/batches/{}/progress", id), steward());
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.json()["status"], "completed");
  EXPECT_EQ(p.json()["rows"], 6000);
  EXPECT_EQ(p.json()["bytes"], csv.size());
  EXPECT_EQ(p.json()["eta_seconds"], 0);
  // The spooled body is gone.
  EXPECT_TRUE(std::filesystem::is_empty(tp_->dir() / "tmp" / "uploads"));
  // Other routes keep the memory limit.
  auto big = c().Send("POST", "/api/v1/catalogue/import", std::string(100000, ' '),
                      tp_->token("platform_admin"));
  EXPECT_EQ(big.status, 413) << big.body;
  // Without a token the upload is refused before its body is read; a reader role may not.
  auto anon = c().Send("POST", "/api/v1/resources/GA_PEOPLE/batches", csv);
  EXPECT_EQ(anon.status, 401);
  EXPECT_EQ(anon.json()["error"]["code"], "UNAUTHENTICATED");
  auto user = c().Send("POST", "/api/v1/resources/GA_PEOPLE/batches", csv, tp_->token("dept_user"));
  EXPECT_EQ(user.status, 403);
  EXPECT_TRUE(std::filesystem::is_empty(tp_->dir() / "tmp" / "uploads"));
}

TEST_P(UploadTest, XlsxUploadAndBadWorkbook) {
  using formats::testing::XCell;
  formats::testing::XRows rows = {{1, {XCell::Text("公民身份号码"), XCell::Text("姓名")}}};
  for (int i = 0; i < 50; ++i)
    rows.push_back({i + 2, {XCell::Text(IdNumber(i, 7)), XCell::Text("李四")}});
  rows.push_back({60, {XCell::Number("1.10105194912310E+17"), XCell::Text("王五")}});
  std::string book = formats::testing::MakeXlsx({{"人口", rows}});
  auto r =
      c().Send("POST", "/api/v1/resources/GA_PEOPLE/batches?file_name=p.xlsx", book, steward());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["format"], "xlsx");
  EXPECT_EQ(r.json()["read"], 51);
  EXPECT_EQ(r.json()["quarantined"], 1);
  auto q = c().Get(
      fmt::format("/api/v1/batches/{}/quarantine", r.json()["batch_id"].get<int64_t>()), steward());
  EXPECT_EQ(q.json()["items"][0]["line"], 60);
  auto bad = c().Send("POST", "/api/v1/resources/GA_PEOPLE/batches?file_name=x.xlsx",
                      "not a workbook at all", steward());
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.json()["error"]["message"].get<std::string>().find("not a ZIP"), std::string::npos);
}

// While a large upload is being ingested, another connection reads its live progress.
TEST_P(UploadTest, ProgressIsReadableWhileTheBatchRuns) {
  std::string csv = PeopleCsv(120000);
  std::atomic<bool> done{false};
  int status = 0;
  std::thread upload([&] {
    testing::Client other(tp_->client_port());
    status =
        other.Send("POST", "/api/v1/resources/GA_PEOPLE/batches?file_name=big.csv", csv, steward())
            .status;
    done = true;
  });
  nlohmann::json live;
  while (!done && live.is_null()) {
    auto list = c().Get("/api/v1/resources/GA_PEOPLE/batches", steward()).json();
    if (list.is_object() && !list["items"].empty() && list["items"][0]["status"] == "running") {
      int64_t id = list["items"][0]["id"].get<int64_t>();
      auto p = c().Get(fmt::format("/api/v1/batches/{}/progress", id), steward()).json();
      if (p.is_object() && p["status"] == "running" && p["rows"].get<int64_t>() > 0) live = p;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  upload.join();
  EXPECT_EQ(status, 201);
  ASSERT_FALSE(live.is_null()) << "never saw the batch running";
  EXPECT_GT(live["rows_per_second"].get<double>(), 0);
  EXPECT_EQ(live["total_bytes"], csv.size());
  EXPECT_LE(live["bytes"].get<int64_t>(), static_cast<int64_t>(csv.size()));
  EXPECT_TRUE(live["eta_seconds"].is_number());
}

INSTANTIATE_TEST_SUITE_P(Backends, UploadTest, ::testing::ValuesIn(store::testing::Backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace yishu::server

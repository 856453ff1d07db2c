// The CLI's fixed interface points, run as outside scripts run them: the built `yishu` binary in a
// child process, its exit status and its --json output. The modules' own tests cover what these
// commands do; these tests hold the contracts (flags, exit codes, JSON keys) still.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/store.hpp"
#include "store/testing.hpp"

namespace yishu::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout; stderr goes to `err`
  std::string err;
};

std::string Quote(const std::string& arg) {
  std::string q = "'";
  for (char c : arg) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

class CliContract : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(store::testing::TempDir("yishu_cli_"));
    // A tiny demo district: a catalogue, delivered files in the inbox, batches, an audit trail.
    CliRun demo = Yishu({"--data-dir", dir_->string(), "demo", "--scale", "0.002", "--no-serve"});
    ASSERT_EQ(demo.exit_code, 0) << demo.out << demo.err;
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
  }

  static CliRun Yishu(const std::vector<std::string>& args, const std::string& env = "") {
    std::string cmd = env + (env.empty() ? "" : " ") + Quote(YISHU_CLI_PATH);
    for (const auto& a : args) cmd += " " + Quote(a);
    const fs::path err_file = fs::path(::testing::TempDir()) / "yishu_cli_stderr.txt";
    cmd += " 2>" + Quote(err_file.string()) + " </dev/null";
    CliRun r;
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) return r;
    char buf[65536];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) r.out.append(buf, n);
    const int status = ::pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::ifstream in(err_file);
    r.err.assign(std::istreambuf_iterator<char>(in), {});
    return r;
  }

  static json ParseJson(const CliRun& r) {
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not one JSON document:\n" << r.out << r.err;
    return j;
  }

  static fs::path DeliveredFile(const std::string& department, const std::string& resource) {
    for (const auto& e :
         fs::recursive_directory_iterator(*dir_ / "demo-district" / "inbox" / department))
      if (e.is_regular_file() && e.path().filename().string().starts_with(resource + "_"))
        return e.path();
    ADD_FAILURE() << "no delivered file for " << resource;
    return {};
  }

  static fs::path* dir_;
};

fs::path* CliContract::dir_ = nullptr;

TEST_F(CliContract, IngestJsonCountsAndQuarantineListsEveryRejectedLine) {
  // The delivered household file plus two lines that must be quarantined.
  const fs::path delivered = DeliveredFile("GA", "GA_HOUSEHOLD");
  std::ifstream in(delivered, std::ios::binary);
  std::string text(std::istreambuf_iterator<char>(in), {});
  ASSERT_FALSE(text.empty());
  if (text.back() != '\n') text += '\n';
  text +=
      "3.30621E+17,科学计数,1,01,1990-01-01,0099999999,户主,浙江省绍兴市柯桥区,330603001,,"
      ",,,,1990-01-02,正常\n";
  text += "too,few,columns\n";
  const fs::path file = *dir_ / "GA_HOUSEHOLD_cli.csv";
  std::ofstream(file, std::ios::binary) << text;

  CliRun r = Yishu({"ingest", "--data-dir", dir_->string(), "--resource", "GA_HOUSEHOLD",
                    file.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json batch = ParseJson(r);
  for (const char* key : {"read", "accepted", "quarantined", "batch_id"})
    ASSERT_TRUE(batch.contains(key)) << key << " missing in " << r.out;
  EXPECT_EQ(batch["accepted"].get<int64_t>() + batch["quarantined"].get<int64_t>(),
            batch["read"].get<int64_t>());
  EXPECT_GE(batch["quarantined"].get<int64_t>(), 2);

  CliRun q = Yishu({"quarantine", "--data-dir", dir_->string(), "--batch",
                    std::to_string(batch["batch_id"].get<int64_t>()), "--json"});
  ASSERT_EQ(q.exit_code, 0) << q.out << q.err;
  json rows = ParseJson(q);
  ASSERT_TRUE(rows.contains("items")) << q.out;
  EXPECT_EQ(static_cast<int64_t>(rows["items"].size()), batch["quarantined"].get<int64_t>());
  bool saw_scientific = false, saw_ragged = false;
  for (const json& item : rows["items"]) {
    ASSERT_TRUE(item.contains("line"));
    ASSERT_FALSE(item["reasons"].empty()) << item.dump();
    const std::string raw = item.value("raw", "");
    saw_scientific |= raw.starts_with("3.30621E+17");
    saw_ragged |= raw == "too,few,columns";
  }
  EXPECT_TRUE(saw_scientific) << "the ID in scientific notation is flagged, not repaired";
  EXPECT_TRUE(saw_ragged);
}

TEST_F(CliContract, IngestOfAnUnreadableFileExitsNonZeroWithAnError) {
  CliRun r = Yishu({"ingest", "--data-dir", dir_->string(), "--resource", "GA_HOUSEHOLD",
                    (*dir_ / "no-such-file.csv").string(), "--json"});
  EXPECT_NE(r.exit_code, 0);
  json j = ParseJson(r);
  EXPECT_TRUE(j.contains("error")) << r.out;
  EXPECT_NE(r.err.find("no-such-file.csv"), std::string::npos) << r.err;
}

TEST_F(CliContract, ClassifyJsonProposesPerField) {
  CliRun r =
      Yishu({"classify", "--data-dir", dir_->string(), "--resource", "GA_HOUSEHOLD", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json j = ParseJson(r);
  ASSERT_TRUE(j.contains("fields")) << r.out;
  bool id_card = false;
  for (const json& f : j["fields"]) {
    EXPECT_TRUE(f.contains("field") && f.contains("level") && f.contains("category")) << f.dump();
    if (f["detected_type"] == "id_card") {  // null where nothing was detected
      id_card = true;
      EXPECT_EQ(f.value("level", ""), "L4");
    }
  }
  EXPECT_TRUE(id_card) << r.out;
}

TEST_F(CliContract, CredentialCreateJsonPrintsIdTokenAndPublicKey) {
  // $USER is the caller's to set: the recorded creator comes from the effective user id.
  CliRun r = Yishu({"credential", "create", "--data-dir", dir_->string(), "--department", "MZ",
                    "--name", "低保核验系统", "--json"},
                   "USER=spoofed-user");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json j = ParseJson(r);
  for (const char* key : {"id", "token", "public_key"}) {
    ASSERT_TRUE(j.contains(key)) << key << " missing in " << r.out;
    EXPECT_FALSE(j[key].get<std::string>().empty()) << key;
  }
  EXPECT_TRUE(j.value("created_by", "").starts_with("cli:")) << r.out;
  EXPECT_NE(j.value("created_by", ""), "cli:spoofed-user");
  CliRun bad = Yishu({"credential", "create", "--data-dir", dir_->string(), "--department",
                      "NO_SUCH_DEPT", "--name", "x", "--json"});
  EXPECT_NE(bad.exit_code, 0);
}

// Last in the file, since it tampers with the trail: a run of the whole binary shares one district
// (ctest runs each test in a process of its own).
TEST_F(CliContract, AuditVerifyExitsZeroWhenIntactAndNamesTheFirstBadEntry) {
  CliRun ok = Yishu({"audit", "verify", "--data-dir", dir_->string()});
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  {
    auto store = store::Store::Open({"sqlite:" + (*dir_ / "yishu.db").string(), 1});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->Exec("UPDATE audit_events SET actor = 'mallory' WHERE seq = 5").ok());
  }
  CliRun bad = Yishu({"audit", "verify", "--data-dir", dir_->string()});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE((bad.out + bad.err).find("entry 5"), std::string::npos) << bad.out << bad.err;
}

}  // namespace
}  // namespace yishu::cli

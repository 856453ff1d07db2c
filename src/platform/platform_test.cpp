// Start-up behaviour users meet first: configuration errors and the master key.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "platform/platform.hpp"
#include "store/testing.hpp"

namespace yishu::platform {
namespace {

class PlatformStartup : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = store::testing::TempDir("yishu_plat_");
    ::unsetenv("YISHU_MASTER_KEY");
    ::unsetenv("YISHU_MASTER_KEY_FILE");
    ::unsetenv("YISHU_SERVER_LISTEN");
    ::setenv("YISHU_ADMIN_PASSWORD", "Platform-test-2026", 1);
  }
  void WriteConfig(const std::string& text) { std::ofstream(dir_ / "yishu.toml") << text; }
  std::filesystem::path dir_;
};

TEST_F(PlatformStartup, UnknownConfigKeyNamesFileAndKey) {
  WriteConfig("[server]\nlisten = \"127.0.0.1:9000\"\nthreds = 4\n");
  auto c = LoadConfig(dir_);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("yishu.toml"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("server.threds"), std::string::npos);
}

TEST_F(PlatformStartup, BadValueNamesKeyAndProblem) {
  WriteConfig("[server]\nlisten = \"nowhere\"\n");
  auto c = LoadConfig(dir_);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("server.listen"), std::string::npos);
  EXPECT_NE(c.status().message().find("HOST:PORT"), std::string::npos);
  WriteConfig("[store]\npool_size = \"eight\"\n");
  EXPECT_NE(LoadConfig(dir_).status().message().find("must be an integer"), std::string::npos);
  WriteConfig("[store\n");
  EXPECT_NE(LoadConfig(dir_).status().message().find("line"), std::string::npos);
}

TEST_F(PlatformStartup, EnvironmentOverridesAndIsChecked) {
  WriteConfig("[server]\nlisten = \"127.0.0.1:9000\"\n");
  ::setenv("YISHU_SERVER_LISTEN", "0.0.0.0:9100", 1);
  EXPECT_EQ(LoadConfig(dir_)->listen, "0.0.0.0:9100");
  ::setenv("YISHU_SERVER_LISTEN", "bad", 1);
  EXPECT_NE(LoadConfig(dir_).status().message().find("YISHU_SERVER_LISTEN"), std::string::npos);
  ::unsetenv("YISHU_SERVER_LISTEN");
}

TEST_F(PlatformStartup, RefusesToStartWithoutOrWithTheWrongMasterKey) {
  std::vector<std::string> messages;
  ASSERT_TRUE(Platform::Init(dir_, &messages).ok());
  // Missing key file.
  std::filesystem::rename(dir_ / "master.key", dir_ / "master.key.bak");
  auto p = Platform::Open(dir_);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("master key"), std::string::npos) << p.status().message();
  std::filesystem::rename(dir_ / "master.key.bak", dir_ / "master.key");
  // Readable by others.
  std::filesystem::permissions(dir_ / "master.key", std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  EXPECT_NE(Platform::Open(dir_).status().message().find("chmod 600"), std::string::npos);
  std::filesystem::permissions(dir_ / "master.key", std::filesystem::perms::others_read,
                               std::filesystem::perm_options::remove);
  ASSERT_TRUE(Platform::Open(dir_).ok());
  // Another key.
  ::setenv("YISHU_MASTER_KEY", std::string(64, 'a').c_str(), 1);
  auto wrong = Platform::Open(dir_);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("not the key this store was created with"),
            std::string::npos)
      << wrong.status().message();
  ::setenv("YISHU_MASTER_KEY", "abc", 1);
  EXPECT_NE(Platform::Open(dir_).status().message().find("64 hex digits"), std::string::npos);
  ::unsetenv("YISHU_MASTER_KEY");
}

TEST_F(PlatformStartup, OpenWithoutInitSaysWhatToDo) {
  auto p = Platform::Open(dir_ / "nope");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("yishu init"), std::string::npos);
}

// A sealed value that fails to open is an error for that value and an audit event, even when
// the read happens inside an open write transaction (SQLite: the event must not wait on it).
TEST_F(PlatformStartup, TamperedCiphertextIsAnErrorAndAnAuditEvent) {
  std::vector<std::string> messages;
  auto p = Platform::Init(dir_, &messages);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  auto fp = (*p)->keys().ForResource("GA_HOUSEHOLD");
  ASSERT_TRUE(fp.ok());
  std::string sealed, plain;
  ASSERT_TRUE((*fp)->Seal(7, "id_number", "330621198001011234", &sealed).ok());
  sealed[sealed.size() / 2] ^= 0x01;
  Status inside = (*p)->store().Transact(
      [&](store::Connection& c) -> Status {
        YISHU_RETURN_IF_ERROR(c.Exec("CREATE TABLE scratch (x BIGINT)").status());
        Status opened = (*fp)->Open(7, "id_number", sealed, &plain);
        EXPECT_TRUE(opened.Is(ErrorCode::kCorruption)) << opened.ToString();
        EXPECT_TRUE(plain.empty()) << "no garbage returned";
        return Status::Ok();
      },
      /*write=*/true);
  ASSERT_TRUE(inside.ok()) << inside.ToString();
  (*p)->audit_appender().Flush();
  auto rows = (*p)->store().Query(
      "SELECT resource, result, detail FROM audit_events WHERE action = 'integrity_failure'");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Text(0), "GA_HOUSEHOLD");
  EXPECT_EQ((*rows)[0].Text(1), "error");
  EXPECT_NE((*rows)[0].Text(2).find("\"record_id\":7"), std::string::npos) << (*rows)[0].Text(2);
  EXPECT_TRUE((*p)->audit().Verify().ok());
}

}  // namespace
}  // namespace yishu::platform

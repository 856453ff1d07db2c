#include "identity/identity.hpp"

#include <gtest/gtest.h>

#include "common/strings.hpp"
#include "store/testing.hpp"

namespace yishu::identity {
namespace {

class IdentityTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (store::testing::Unavailable(GetParam())) GTEST_SKIP() << "no PostgreSQL configured";
    store_ = store::Store::Open({store::testing::FreshUrl(GetParam()), 4}).value();
    ASSERT_TRUE(store::ApplyMigrations(*store_, IdentityMigrations()).ok());
    IdentityOptions o;
    o.argon2_m_cost_kib = 1024;  // keep the suite fast; production uses 19 MiB
    o.argon2_t_cost = 1;
    id_ = std::make_unique<Identity>(*store_, o);
    ASSERT_TRUE(
        id_->CreateUser({"steward1", "张三", "GA", Role::kDeptSteward, "correct-horse-1"}).ok());
  }
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Identity> id_;
};

TEST_P(IdentityTest, LoginAuthenticateRevoke) {
  auto login = id_->Login("steward1", "correct-horse-1");
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  EXPECT_EQ(login->token.size(), 64u);
  auto p = id_->Authenticate(login->token);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->department, "GA");
  EXPECT_EQ(p->role, Role::kDeptSteward);
  ASSERT_TRUE(id_->Revoke(login->token).ok());
  EXPECT_EQ(id_->Authenticate(login->token).status().code(), ErrorCode::kUnauthenticated);
}

TEST_P(IdentityTest, WrongPasswordAndUnknownUserLookAlike) {
  auto a = id_->Login("steward1", "wrong-password!");
  auto b = id_->Login("nobody", "wrong-password!");
  EXPECT_EQ(a.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(a.status().message(), b.status().message());
}

TEST_P(IdentityTest, DisabledUserCannotLoginAndLosesTokens) {
  auto login = id_->Login("steward1", "correct-horse-1");
  ASSERT_TRUE(login.ok());
  ASSERT_TRUE(id_->Authenticate(login->token).ok());  // now cached
  ASSERT_TRUE(id_->SetDisabled("steward1", true).ok());
  EXPECT_FALSE(id_->Authenticate(login->token).ok());
  EXPECT_FALSE(id_->Login("steward1", "correct-horse-1").ok());
}

TEST_P(IdentityTest, StoresOnlyHashes) {
  auto login = id_->Login("steward1", "correct-horse-1");
  auto hash = store_->QueryOne("SELECT password_hash FROM users WHERE username='steward1'");
  EXPECT_TRUE(StartsWith(hash->Text(0), "$argon2id$"));
  auto n = store_->QueryOne("SELECT count(*) FROM sessions");
  EXPECT_EQ(n->Int(0), 1);
  auto any = store_->Query("SELECT token_hash FROM sessions");
  EXPECT_NE((*any)[0][0].AsBytes(), login->token);
}

TEST_P(IdentityTest, RejectsBadInput) {
  EXPECT_EQ(
      id_->CreateUser({"steward1", "", "GA", Role::kDeptUser, "another-pass-1"}).status().code(),
      ErrorCode::kAlreadyExists);
  EXPECT_EQ(id_->CreateUser({"x", "", "GA", Role::kDeptUser, "another-pass-1"}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(
      id_->CreateUser({"bob'--", "", "GA", Role::kDeptUser, "another-pass-1"}).status().code(),
      ErrorCode::kInvalidArgument);
  EXPECT_EQ(id_->CreateUser({"weak", "", "GA", Role::kDeptUser, "short"}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(id_->CreateUser({"nodept", "", "", Role::kDeptUser, "another-pass-1"}).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_P(IdentityTest, ExpiredTokenRefused) {
  auto login = id_->Login("steward1", "correct-horse-1");
  ASSERT_TRUE(store_->Exec("UPDATE sessions SET expires_at = 1").ok());
  EXPECT_FALSE(id_->Authenticate(login->token).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, IdentityTest, ::testing::ValuesIn(store::testing::Backends()),
                         [](const auto& info) { return info.param; });

TEST(Roles, NamesRoundTrip) {
  for (Role r : kAllRoles) EXPECT_EQ(ParseRole(RoleName(r)), r);
  EXPECT_FALSE(ParseRole("root"));
}

}  // namespace
}  // namespace yishu::identity

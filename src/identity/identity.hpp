// Identity and access: users, departments' roles, password login, bearer tokens.
//
// Passwords are hashed with Argon2id (RFC 9106 second recommended profile: t=2, m=19 MiB, p=1).
// A login returns a random 256-bit bearer token; only its SM3 digest is stored, so a copy of the
// store does not yield live tokens. Tokens expire (configurable TTL) and can be revoked.
//
// Thread-safety: Identity is thread-safe; it holds no mutable state outside the store except a
// small cache of validated tokens, which revocation clears.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace yishu::identity {

// The platform's roles (MISSION.md: who uses it). Stable names: they appear in the API.
enum class Role {
  kPlatformAdmin,       // Big Data Center operator
  kDeptSteward,         // department data steward (providing side)
  kDeptUser,            // department user (consuming side)
  kSecurityAuditor,     // security operator
  kAuthorizedOperator,  // 授权运营方
  kPublic,              // the public, enterprises
};
inline constexpr Role kAllRoles[] = {Role::kPlatformAdmin,      Role::kDeptSteward,
                                     Role::kDeptUser,           Role::kSecurityAuditor,
                                     Role::kAuthorizedOperator, Role::kPublic};
std::string_view RoleName(Role r);
std::optional<Role> ParseRole(std::string_view name);

// Who is making a request, once authenticated.
struct Principal {
  int64_t user_id = 0;
  std::string username;
  std::string display_name;
  std::string department;  // department code; empty for platform-wide accounts
  Role role = Role::kPublic;
};

struct User {
  int64_t id = 0;
  std::string username;
  std::string display_name;
  std::string department;
  Role role = Role::kPublic;
  bool disabled = false;
  int64_t created_at = 0;
};

struct NewUser {
  std::string username;
  std::string display_name;
  std::string department;
  Role role = Role::kDeptUser;
  std::string password;
};

struct LoginResult {
  std::string token;
  int64_t expires_at = 0;
  Principal principal;
};

struct IdentityOptions {
  int64_t token_ttl_seconds = 8 * 3600;
  // Argon2id cost; tests lower it to keep the suite fast.
  uint32_t argon2_t_cost = 2;
  uint32_t argon2_m_cost_kib = 19 * 1024;
};

std::vector<store::Migration> IdentityMigrations();

// Argon2id helpers (exposed for tests and password changes).
Result<std::string> HashPassword(std::string_view password, const IdentityOptions& options);
bool VerifyPassword(std::string_view encoded_hash, std::string_view password);
// Passwords need at least 10 characters, or 8 with at least three character classes.
Status CheckPasswordPolicy(std::string_view password);
// A random password that passes the policy (for the first admin).
std::string GeneratePassword();

class Identity {
 public:
  Identity(store::Store& store, IdentityOptions options = {});

  // Creates a user inside the caller's transaction. Username: 3-64 of [A-Za-z0-9._-].
  Result<User> CreateUser(store::Connection& tx, const NewUser& user);
  Result<User> CreateUser(const NewUser& user);
  Result<User> FindUser(std::string_view username);
  Result<std::vector<User>> ListUsers(std::string_view department = {});
  Status SetDisabled(std::string_view username, bool disabled);
  Status SetPassword(std::string_view username, std::string_view password);

  // Checks the password and issues a token. Unauthenticated for an unknown user, a wrong
  // password or a disabled account (one message for all, so usernames cannot be probed).
  Result<LoginResult> Login(std::string_view username, std::string_view password);
  // Resolves a bearer token to its principal; Unauthenticated when unknown, expired or revoked.
  Result<Principal> Authenticate(std::string_view token);
  Status Revoke(std::string_view token);
  // Revokes every live token of a user (on disable or password change).
  Status RevokeAll(std::string_view username);

  bool HasAnyUser();
  const IdentityOptions& options() const { return options_; }

 private:
  struct CachedToken {
    Principal principal;
    int64_t expires_at;
  };
  store::Store& store_;
  IdentityOptions options_;
  std::mutex cache_mu_;
  std::unordered_map<std::string, CachedToken> cache_;  // key: SM3(token)
};

}  // namespace yishu::identity

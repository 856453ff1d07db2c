#include "identity/identity.hpp"

#include <argon2.h>

#include "common/time.hpp"
#include "crypto/sm3.hpp"
#include "crypto/util.hpp"

namespace yishu::identity {

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kPlatformAdmin:
      return "platform_admin";
    case Role::kDeptSteward:
      return "dept_steward";
    case Role::kDeptUser:
      return "dept_user";
    case Role::kSecurityAuditor:
      return "security_auditor";
    case Role::kAuthorizedOperator:
      return "authorized_operator";
    case Role::kPublic:
      return "public";
  }
  return "public";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : kAllRoles)
    if (RoleName(r) == name) return r;
  return std::nullopt;
}

std::vector<store::Migration> IdentityMigrations() {
  return {{"identity", 1, "users and sessions", R"sql(
CREATE TABLE users (
  id {{pk}},
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  department TEXT NOT NULL,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  password_changed_at BIGINT NOT NULL
);
CREATE INDEX users_department ON users(department);
CREATE TABLE sessions (
  token_hash {{blob}} PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE INDEX sessions_user ON sessions(user_id);
)sql"}};
}

Result<std::string> HashPassword(std::string_view password, const IdentityOptions& options) {
  std::string salt = crypto::RandomBytes(16);
  constexpr size_t kHashLen = 32;
  size_t encoded_len = argon2_encodedlen(options.argon2_t_cost, options.argon2_m_cost_kib, 1,
                                         salt.size(), kHashLen, Argon2_id);
  std::string encoded(encoded_len, '\0');
  int rc = argon2id_hash_encoded(options.argon2_t_cost, options.argon2_m_cost_kib, 1,
                                 password.data(), password.size(), salt.data(), salt.size(),
                                 kHashLen, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return Status::Internal(std::string("argon2: ") + argon2_error_message(rc));
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool VerifyPassword(std::string_view encoded_hash, std::string_view password) {
  std::string enc(encoded_hash);
  return argon2id_verify(enc.c_str(), password.data(), password.size()) == ARGON2_OK;
}

Status CheckPasswordPolicy(std::string_view password) {
  int classes = 0;
  bool lower = false, upper = false, digit = false, other = false;
  for (char c : password) {
    if (c >= 'a' && c <= 'z')
      lower = true;
    else if (c >= 'A' && c <= 'Z')
      upper = true;
    else if (c >= '0' && c <= '9')
      digit = true;
    else
      other = true;
  }
  classes = lower + upper + digit + other;
  if (password.size() > 256) return Status::InvalidArgument("password is longer than 256 bytes");
  if (password.size() >= 10 || (password.size() >= 8 && classes >= 3)) return Status::Ok();
  return Status::InvalidArgument(
      "password too weak: use at least 10 characters, or 8 with three of lower case, upper "
      "case, digits and symbols");
}

std::string GeneratePassword() {
  static constexpr char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
  std::string bytes = crypto::RandomBytes(20);
  std::string out;
  for (unsigned char b : bytes) out += kAlphabet[b % (sizeof(kAlphabet) - 1)];
  return out;
}

namespace {

Status CheckUsername(std::string_view u) {
  if (u.size() < 3 || u.size() > 64)
    return Status::InvalidArgument("username must be 3 to 64 characters");
  for (char c : u) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return Status::InvalidArgument("username may only use letters, digits, '.', '_', '-'");
  }
  return Status::Ok();
}

User UserFromRow(const store::Row& r) {
  User u;
  u.id = r["id"].AsInt();
  u.username = r["username"].AsText();
  u.display_name = r["display_name"].AsText();
  u.department = r["department"].AsText();
  u.role = ParseRole(r["role"].AsText()).value_or(Role::kPublic);
  u.disabled = r["disabled"].AsInt() != 0;
  u.created_at = r["created_at"].AsInt();
  return u;
}

constexpr const char* kUserColumns =
    "id, username, display_name, department, role, disabled, created_at";

}  // namespace

Identity::Identity(store::Store& store, IdentityOptions options)
    : store_(store), options_(options) {}

Result<User> Identity::CreateUser(store::Connection& tx, const NewUser& nu) {
  YISHU_RETURN_IF_ERROR(CheckUsername(nu.username));
  YISHU_RETURN_IF_ERROR(CheckPasswordPolicy(nu.password));
  if (nu.role != Role::kPlatformAdmin && nu.role != Role::kSecurityAuditor &&
      nu.role != Role::kPublic && nu.department.empty())
    return Status::InvalidArgument("a " + std::string(RoleName(nu.role)) +
                                   " must belong to a department");
  YISHU_ASSIGN_OR_RETURN(std::string hash, HashPassword(nu.password, options_));
  int64_t now = NowMillis();
  auto id = tx.InsertReturningId(
      "INSERT INTO users (username, display_name, department, role, password_hash, disabled, "
      "created_at, password_changed_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?) RETURNING id",
      {nu.username, nu.display_name.empty() ? nu.username : nu.display_name, nu.department,
       std::string(RoleName(nu.role)), hash, now, now});
  if (!id.ok()) {
    if (id.status().code() == ErrorCode::kAlreadyExists)
      return Status::AlreadyExists("user '" + nu.username + "' already exists");
    return id.status();
  }
  User u{*id,
         nu.username,
         nu.display_name.empty() ? nu.username : nu.display_name,
         nu.department,
         nu.role,
         false,
         now};
  return u;
}

Result<User> Identity::CreateUser(const NewUser& nu) {
  Result<User> out = Status::Internal("not run");
  Status s = store_.Transact([&](store::Connection& tx) {
    out = CreateUser(tx, nu);
    return out.status();
  });
  if (!s.ok()) return s;
  return out;
}

Result<User> Identity::FindUser(std::string_view username) {
  auto row = store_.QueryOne(
      std::string("SELECT ") + kUserColumns + " FROM users WHERE username = ?", {username});
  if (!row.ok()) {
    if (row.status().code() == ErrorCode::kNotFound)
      return Status::NotFound("no user named '" + std::string(username) + "'");
    return row.status();
  }
  return UserFromRow(*row);
}

Result<std::vector<User>> Identity::ListUsers(std::string_view department) {
  std::string sql = std::string("SELECT ") + kUserColumns + " FROM users";
  store::Params params;
  if (!department.empty()) {
    sql += " WHERE department = ?";
    params.push_back(department);
  }
  sql += " ORDER BY username";
  YISHU_ASSIGN_OR_RETURN(store::Rows rows, store_.Query(sql, params));
  std::vector<User> out;
  for (const auto& r : rows) out.push_back(UserFromRow(r));
  return out;
}

Status Identity::SetDisabled(std::string_view username, bool disabled) {
  YISHU_ASSIGN_OR_RETURN(int64_t n, store_.Exec("UPDATE users SET disabled = ? WHERE username = ?",
                                                {disabled, username}));
  if (n == 0) return Status::NotFound("no user named '" + std::string(username) + "'");
  if (disabled) return RevokeAll(username);
  return Status::Ok();
}

Status Identity::SetPassword(std::string_view username, std::string_view password) {
  YISHU_RETURN_IF_ERROR(CheckPasswordPolicy(password));
  YISHU_ASSIGN_OR_RETURN(std::string hash, HashPassword(password, options_));
  YISHU_ASSIGN_OR_RETURN(
      int64_t n, store_.Exec("UPDATE users SET password_hash = ?, password_changed_at = ? WHERE "
                             "username = ?",
                             {hash, NowMillis(), username}));
  if (n == 0) return Status::NotFound("no user named '" + std::string(username) + "'");
  return RevokeAll(username);
}

Result<LoginResult> Identity::Login(std::string_view username, std::string_view password) {
  static const Status kBad = Status::Unauthenticated("wrong username or password");
  auto row = store_.QueryOne(
      std::string("SELECT ") + kUserColumns + ", password_hash FROM users WHERE username = ?",
      {username});
  if (!row.ok()) {
    if (row.status().code() != ErrorCode::kNotFound) return row.status();
    // Spend the same time as a real check so that unknown usernames are not revealed by timing.
    static const std::string kDummy = HashPassword("dummy-password", options_).value();
    (void)VerifyPassword(kDummy, password);
    return kBad;
  }
  if (!VerifyPassword((*row)["password_hash"].AsText(), password)) return kBad;
  User u = UserFromRow(*row);
  if (u.disabled) return kBad;
  std::string token = crypto::ToHex(crypto::RandomBytes(32));
  int64_t now = NowMillis();
  int64_t expires = now + options_.token_ttl_seconds * 1000;
  YISHU_RETURN_IF_ERROR(
      store_
          .Exec("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES "
                "(?, ?, ?, ?)",
                {store::Blob{crypto::Sm3(token)}, u.id, now, expires})
          .status());
  return LoginResult{token, expires,
                     Principal{u.id, u.username, u.display_name, u.department, u.role}};
}

Result<Principal> Identity::Authenticate(std::string_view token) {
  static const Status kBad = Status::Unauthenticated("invalid or expired token");
  if (token.size() != 64) return kBad;
  std::string key = crypto::Sm3(token);
  int64_t now = NowMillis();
  {
    std::lock_guard lock(cache_mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      if (it->second.expires_at > now) return it->second.principal;
      cache_.erase(it);
    }
  }
  auto row = store_.QueryOne(
      "SELECT u.id, u.username, u.display_name, u.department, u.role, u.disabled, "
      "s.expires_at, s.revoked_at FROM sessions s JOIN users u ON u.id = s.user_id "
      "WHERE s.token_hash = ?",
      {store::Blob{key}});
  if (!row.ok()) {
    if (row.status().code() == ErrorCode::kNotFound) return kBad;
    return row.status();
  }
  if (!row->IsNull(7) || row->Int(6) <= now || row->Int(5) != 0) return kBad;
  Principal p{row->Int(0), row->Text(1), row->Text(2), row->Text(3),
              ParseRole(row->Text(4)).value_or(Role::kPublic)};
  std::lock_guard lock(cache_mu_);
  if (cache_.size() > 100000) cache_.clear();
  cache_[key] = CachedToken{p, row->Int(6)};
  return p;
}

Status Identity::Revoke(std::string_view token) {
  std::string key = crypto::Sm3(token);
  {
    std::lock_guard lock(cache_mu_);
    cache_.erase(key);
  }
  return store_
      .Exec("UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
            {NowMillis(), store::Blob{key}})
      .status();
}

Status Identity::RevokeAll(std::string_view username) {
  {
    std::lock_guard lock(cache_mu_);
    for (auto it = cache_.begin(); it != cache_.end();)
      it = it->second.principal.username == username ? cache_.erase(it) : std::next(it);
  }
  return store_
      .Exec(
          "UPDATE sessions SET revoked_at = ? WHERE revoked_at IS NULL AND user_id = (SELECT id "
          "FROM users WHERE username = ?)",
          {NowMillis(), username})
      .status();
}

bool Identity::HasAnyUser() {
  auto r = store_.QueryOne("SELECT count(*) FROM users");
  return r.ok() && r->Int(0) > 0;
}

}  // namespace yishu::identity

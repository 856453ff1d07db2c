// A whole platform behind a real HTTP server on a free loopback port, for end-to-end tests:
// a fresh data directory, the store on the requested backend, one signed-in user per role.
#pragma once

#include <cstdlib>
#include <fstream>
#include <thread>

#include "server/api.hpp"
#include "server/http_server.hpp"
#include "server/test_client.hpp"
#include "store/testing.hpp"

namespace yishu::server::testing {

constexpr const char* kTestPassword = "Test-password-2026";

class TestPlatform {
 public:
  // backend: "sqlite" or "postgresql".
  explicit TestPlatform(const std::string& backend) {
    dir_ = store::testing::TempDir("yishu_srv_");
    {
      std::ofstream cfg(dir_ / "yishu.toml");
      cfg << "[store]\nurl = \"" << store::testing::FreshUrl(backend) << "\"\n"
          << "[auth]\nargon2_memory_kib = 256\nargon2_iterations = 1\n"
          << "[server]\nmax_body_bytes = 65536\n";
    }
    ::setenv("YISHU_ADMIN_PASSWORD", kTestPassword, 1);
    ::unsetenv("YISHU_MASTER_KEY");
    ::unsetenv("YISHU_MASTER_KEY_FILE");
    std::vector<std::string> messages;
    platform_ = ValueOrThrow(platform::Platform::Init(dir_, &messages));
    RegisterAllRoutes(router_, *platform_);
    dispatcher_ = std::make_unique<Dispatcher>(router_, *platform_);
    HttpServerOptions so;
    so.port = 0;
    so.threads = 2;
    so.max_body_bytes = 65536;
    ConfigureUploads(so, router_, dir_ / "tmp" / "uploads", uint64_t{256} << 20);
    http_ = std::make_unique<HttpServer>(
        so, HttpServer::AsyncHandlerFn([this](Request& r, Responder done) {
          dispatcher_->HandleAsync(r, std::move(done));
        }));
    ThrowIfError(http_->Listen());
    thread_ = std::thread([this] { http_->Run(false); });
    client_ = std::make_unique<Client>(http_->port());
    tokens_["platform_admin"] = Login("admin");
  }
  ~TestPlatform() {
    http_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  std::string Login(const std::string& user, const std::string& password = kTestPassword) {
    auto r = client_->Post("/api/v1/auth/login", {{"username", user}, {"password", password}});
    if (r.status != 200) throw Error(Status::Unauthenticated("login " + user + ": " + r.body));
    return r.json()["token"].get<std::string>();
  }

  // Creates a department and one user per role (stewards and users in `department`).
  void CreateRoleUsers(const std::string& department) {
    client_->Post("/api/v1/departments", {{"code", department}, {"name", "测试部门"}},
                  tokens_["platform_admin"]);
    for (auto role : identity::kAllRoles) {
      std::string name(identity::RoleName(role));
      if (role == identity::Role::kPlatformAdmin) continue;
      std::string username = "u_" + name;
      auto r = client_->Post("/api/v1/users",
                             {{"username", username},
                              {"role", name},
                              {"department", department},
                              {"password", kTestPassword}},
                             tokens_["platform_admin"]);
      if (r.status != 201) throw Error(Status::Internal("create " + username + ": " + r.body));
      tokens_[name] = Login(username);
    }
  }

  Client& client() { return *client_; }
  int client_port() const { return http_->port(); }
  platform::Platform& platform() { return *platform_; }
  const Router& router() const { return router_; }
  const std::string& token(const std::string& role) { return tokens_[role]; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<platform::Platform> platform_;
  Router router_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<HttpServer> http_;
  std::thread thread_;
  std::unique_ptr<Client> client_;
  std::map<std::string, std::string> tokens_;
};

}  // namespace yishu::server::testing

#include <fmt/format.h>

#include <cstdlib>

#include "cli/cli.hpp"
#include "common/time.hpp"

namespace yishu::cli {

void AddUserCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* user = app.add_subcommand("user", "Users and roles");
  user->require_subcommand(1);
  auto* add = user->add_subcommand("add",
                                   "Create a user (password from YISHU_USER_PASSWORD or "
                                   "generated and printed once)");
  auto nu = std::make_shared<identity::NewUser>();
  auto role = std::make_shared<std::string>();
  add->add_option("USERNAME", nu->username)->required();
  add->add_option("--role", *role,
                  "platform_admin | dept_steward | dept_user | security_auditor | "
                  "authorized_operator | public")
      ->required();
  add->add_option("--department", nu->department, "department code");
  add->add_option("--name", nu->display_name, "display name");
  add->callback([&g, exit_code, nu, role] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      auto r = identity::ParseRole(*role);
      if (!r) throw Error(Status::InvalidArgument("unknown role '" + *role + "'"));
      nu->role = *r;
      const char* env = std::getenv("YISHU_USER_PASSWORD");
      bool generated = !(env && *env);
      nu->password = generated ? identity::GeneratePassword() : env;
      if (!nu->department.empty())
        ThrowIfError(p->catalogue().GetDepartment(nu->department).status());
      audit::AuditEvent ev;
      ev.actor = "cli";
      ev.action = "user.create";
      ev.resource = "user:" + nu->username;
      ThrowIfError(p->AuditedTransact(
          ev, [&](store::Connection& tx) { return p->identity().CreateUser(tx, *nu).status(); }));
      nlohmann::json j = {
          {"username", nu->username}, {"role", *role}, {"department", nu->department}};
      if (generated) j["password"] = nu->password;
      Emit(g, j,
           "created " + nu->username + " (" + *role + ")" +
               (generated ? "; password: " + nu->password + " (shown once)" : ""));
    });
  });
  auto* list = user->add_subcommand("list", "List users");
  list->callback([&g, exit_code] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      nlohmann::json items = nlohmann::json::array();
      std::string human;
      for (const auto& u : ValueOrThrow(p->identity().ListUsers())) {
        items.push_back({{"username", u.username},
                         {"role", identity::RoleName(u.role)},
                         {"department", u.department},
                         {"disabled", u.disabled}});
        human += fmt::format("{:<20} {:<20} {:<8} {}\n", u.username, identity::RoleName(u.role),
                             u.department, u.disabled ? "disabled" : "");
      }
      Emit(g, {{"items", items}}, human);
    });
  });
}

}  // namespace yishu::cli

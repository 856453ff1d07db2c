// `yishu credential`: application credentials for the sharing API (issue 6).
#include <fmt/format.h>

#include "cli/cli.hpp"

namespace yishu::cli {

void AddCredentialCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* cred = app.add_subcommand("credential", "Application credentials for the sharing API");
  cred->require_subcommand(1);
  auto* create = cred->add_subcommand(
      "create",
      "Create a credential for a department: prints its id, bearer token and SM2 key pair "
      "(the token and private key are shown once and not stored)");
  auto department = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  create->add_option("--department", *department, "the consuming department's code")->required();
  create->add_option("--name", *name, "what system uses it")->required();
  create->callback([&g, exit_code, department, name] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      auto c = ValueOrThrow(p->sharing().CreateCredential(CliActor(), *department, *name));
      nlohmann::json j = sharing::ToJson(c.credential);
      j["token"] = c.token;
      j["public_key"] = c.credential.public_key_hex;
      j["private_key"] = c.private_key_hex;
      Emit(g, j,
           fmt::format("credential {} for {} ({})\n  token:       {}\n  public key:  {}\n"
                       "  private key: {}\n(the token and private key are shown once)",
                       c.credential.id, c.credential.department, c.credential.name, c.token,
                       c.credential.public_key_hex, c.private_key_hex));
    });
  });
  auto* list = cred->add_subcommand("list", "List credentials");
  list->callback([&g, exit_code] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      sharing::Actor admin;
      admin.principal.username = CliActor();
      admin.principal.role = identity::Role::kPlatformAdmin;
      nlohmann::json items = nlohmann::json::array();
      std::string human;
      for (const auto& c : ValueOrThrow(p->sharing().ListCredentials(admin))) {
        items.push_back(sharing::ToJson(c));
        human += fmt::format("{:<22} {:<8} {:<8} {}\n", c.id, c.department, c.status, c.name);
      }
      Emit(g, {{"items", items}}, human);
    });
  });
  auto* revoke = cred->add_subcommand("revoke", "Revoke a credential (takes effect at once)");
  auto id = std::make_shared<std::string>();
  revoke->add_option("ID", *id)->required();
  revoke->callback([&g, exit_code, id] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      sharing::Actor admin;
      admin.principal.username = CliActor();
      admin.principal.role = identity::Role::kPlatformAdmin;
      ThrowIfError(p->sharing().RevokeCredential(admin, *id));
      Emit(g, {{"id", *id}, {"status", "revoked"}}, "revoked " + *id);
    });
  });
}

}  // namespace yishu::cli

#include <fmt/format.h>

#include "cli/cli.hpp"

namespace yishu::cli {

void AddStandardsCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* std_cmd = app.add_subcommand("standards", "Data element standards (数据元) and code lists");
  std_cmd->require_subcommand(1);

  auto* list = std_cmd->add_subcommand("list", "List data elements");
  list->callback([&g, exit_code] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      nlohmann::json items = nlohmann::json::array();
      std::string human;
      for (const auto* e : p->standards().Elements()) {
        items.push_back(standards::ToJson(*e));
        human += fmt::format("{:<20} {:<10} {:<4} {}\n", e->code, standards::ValueTypeName(e->type),
                             standards::SensitivityName(e->default_sensitivity), e->name_zh);
      }
      Emit(g, {{"items", items}}, human);
    });
  });

  auto* imp = std_cmd->add_subcommand("import", "Add elements and code lists from a YAML file");
  auto file = std::make_shared<std::string>();
  imp->add_option("FILE", *file)->required();
  imp->callback([&g, exit_code, file] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      auto before = p->standards().Elements().size();
      ThrowIfError(p->standards().ImportFileToStore(p->store(), *file));
      audit::AuditEvent ev;
      ev.actor = "cli";
      ev.action = "standards.import";
      ev.resource = *file;
      (void)p->audit().Append(ev);
      auto added = p->standards().Elements().size() - before;
      Emit(g, {{"elements_added", added}},
           fmt::format("imported {}: {} data elements added", *file, added));
    });
  });

  auto* val = std_cmd->add_subcommand("validate", "Check values against a data element");
  auto element = std::make_shared<std::string>();
  auto values = std::make_shared<std::vector<std::string>>();
  val->add_option("ELEMENT", *element)->required();
  val->add_option("VALUES", *values)->required();
  val->callback([&g, exit_code, element, values] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      const auto* e = p->standards().FindElement(*element);
      if (!e) throw Error(Status::NotFound("no data element '" + *element + "'"));
      nlohmann::json items = nlohmann::json::array();
      std::string human;
      bool all_valid = true;
      for (const auto& v : *values) {
        auto violation = p->standards().Validate(*e, v);
        all_valid &= !violation.has_value();
        items.push_back({{"value", v},
                         {"valid", !violation},
                         {"violation", violation ? standards::ToJson(*violation) : nullptr}});
        human += violation
                     ? fmt::format("{}: INVALID ({}) {}\n", v, violation->rule, violation->message)
                     : fmt::format("{}: valid\n", v);
      }
      Emit(g, {{"items", items}}, human);
      if (!all_valid) *exit_code = 3;
    });
  });
}

}  // namespace yishu::cli

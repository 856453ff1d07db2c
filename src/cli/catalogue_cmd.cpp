#include <fmt/format.h>

#include <iostream>

#include "cli/cli.hpp"
#include "common/time.hpp"
#include "common/yaml_json.hpp"

namespace yishu::cli {

namespace {

audit::AuditEvent CliEvent(std::string action, std::string resource = {}) {
  audit::AuditEvent e;
  e.actor = CliActor();
  e.role = "platform_admin";
  e.action = std::move(action);
  e.resource = std::move(resource);
  e.client = "local";
  return e;
}

}  // namespace

void AddCatalogueCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* cat = app.add_subcommand("catalogue", "The data resource catalogue (数据资源目录)");
  cat->require_subcommand(1);

  auto* imp = cat->add_subcommand("import",
                                  "Import departments, systems and resources from a "
                                  "YAML or JSON file (all or nothing)");
  auto file = std::make_shared<std::string>();
  imp->add_option("FILE", *file, "catalogue file")->required();
  imp->callback([&g, exit_code, file] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      auto doc = ValueOrThrow(ReadYamlFile(*file));
      catalogue::ImportSummary sum;
      auto ev = CliEvent("catalogue.import", *file);
      ThrowIfError(p->AuditedTransact(ev, [&](store::Connection& tx) -> Status {
        YISHU_ASSIGN_OR_RETURN(sum, p->catalogue().Import(tx, doc, ev.actor));
        return Status::Ok();
      }));
      Emit(g,
           {{"departments", sum.departments},
            {"systems", sum.systems},
            {"created", sum.created},
            {"updated", sum.updated},
            {"unchanged", sum.unchanged}},
           fmt::format("imported {}: {} departments, {} systems; resources: {} created, {} "
                       "updated, {} unchanged",
                       *file, sum.departments, sum.systems, sum.created, sum.updated,
                       sum.unchanged));
    });
  });

  auto* list = cat->add_subcommand("list", "List resources");
  auto q = std::make_shared<catalogue::ResourceQuery>();
  list->add_option("--q", q->text, "text search");
  list->add_option("--department", q->department, "provider department");
  list->add_option("--page", q->page, "page (from 1)");
  list->add_option("--page-size", q->page_size, "rows per page (max 200)");
  list->callback([&g, exit_code, q] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      auto page = ValueOrThrow(p->catalogue().ListResources(*q));
      nlohmann::json items = nlohmann::json::array();
      std::string human = fmt::format("{:<24} {:<8} {:<10} {:<6} {:>3}  {}\n", "CODE", "DEPT",
                                      "SHARE", "LEVEL", "VER", "NAME");
      for (const auto& s : page.items) {
        items.push_back(catalogue::ToJson(s));
        human += fmt::format("{:<24} {:<8} {:<10} {:<6} {:>3}  {}\n", s.code, s.department,
                             s.share_type, s.effective_level, s.version, s.name);
      }
      human +=
          fmt::format("{} of {} resources (page {})", page.items.size(), page.total, page.page);
      Emit(g, {{"items", items}, {"total", page.total}, {"page", page.page}}, human);
    });
  });

  auto* show = cat->add_subcommand("show", "Show a resource (optionally at a version)");
  auto code = std::make_shared<std::string>();
  auto version = std::make_shared<int64_t>(0);
  show->add_option("CODE", *code)->required();
  show->add_option("--version", *version, "a version from history");
  show->callback([&g, exit_code, code, version] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      auto r = ValueOrThrow(p->catalogue().GetResource(
          *code, *version > 0 ? std::optional<int64_t>(*version) : std::nullopt));
      std::string human = fmt::format("{} {} (version {}, {}, {}, level {})\n", r.code, r.name,
                                      r.version, catalogue::ShareTypeName(r.share_type),
                                      catalogue::OpenTypeName(r.open_type), r.EffectiveLevel());
      for (const auto& f : r.fields)
        human += fmt::format("  {:<20} {:<14} {:<8} {:<14} {}{}{}\n", f.name, f.label, f.type,
                             f.element, f.sensitivity, f.key ? " key" : "",
                             f.authoritative ? " authoritative" : "");
      Emit(g, catalogue::ToJson(r), human);
    });
  });

  auto* hist = cat->add_subcommand("history", "A resource's versions");
  auto hcode = std::make_shared<std::string>();
  hist->add_option("CODE", *hcode)->required();
  hist->callback([&g, exit_code, hcode] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      nlohmann::json items = nlohmann::json::array();
      std::string human;
      for (const auto& v : ValueOrThrow(p->catalogue().History(*hcode))) {
        items.push_back(catalogue::ToJson(v));
        human += fmt::format("v{:<4} {}  {:<16} {}\n", v.version, FormatRfc3339(v.changed_at),
                             v.changed_by, v.change);
      }
      Emit(g, {{"items", items}}, human);
    });
  });

  auto* sources = cat->add_subcommand("sources",
                                      "一数一源: each data element's authoritative "
                                      "source and its copies");
  auto element = std::make_shared<std::string>();
  sources->add_option("--element", *element, "only this data element");
  sources->callback([&g, exit_code, element] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      nlohmann::json items = nlohmann::json::array();
      std::string human;
      for (const auto& s : ValueOrThrow(p->catalogue().Sources(*element))) {
        items.push_back(catalogue::ToJson(s));
        human += fmt::format("{} ({}): source {}\n", s.element, s.subject,
                             s.resource.empty() ? "(none declared)" : s.resource + "." + s.field);
        for (const auto& c : s.copies)
          human += fmt::format("    copy {}.{}\n", c.resource, c.field);
      }
      Emit(g, {{"items", items}}, human);
    });
  });
}

}  // namespace yishu::cli

#include <cstdlib>
#include <iostream>

#include "cli/cli.hpp"
#include "common/allocator.hpp"

int main(int argc, char** argv) {
  yishu::TuneAllocator();
  using namespace yishu::cli;
  CLI::App app{"一数 Yishu — integrated public data platform for county-level digital government"};
  app.require_subcommand(1);
  // Global options (--data-dir, --json) may come after the subcommand too.
  app.fallthrough();
  app.set_version_flag("--version", "yishu 0.1.0");
  GlobalOptions g;
  const char* env_dir = std::getenv("YISHU_DATA_DIR");
  g.data_dir = env_dir ? env_dir : "./data";
  app.add_option("--data-dir", g.data_dir, "Data directory (env YISHU_DATA_DIR; default ./data)")
      ->capture_default_str();
  app.add_flag("--json", g.json, "Print one JSON document instead of text");
  int exit_code = 0;
  AddInitAndServe(app, g, &exit_code);
  AddCatalogueCommands(app, g, &exit_code);
  AddStandardsCommands(app, g, &exit_code);
  AddUserCommands(app, g, &exit_code);
  AddAuditCommands(app, g, &exit_code);
  AddDemoCommand(app, g, &exit_code);
  AddClassifyCommands(app, g, &exit_code);
  AddIngestCommands(app, g, &exit_code);
  AddMasterdataCommands(app, g, &exit_code);
  AddQualityCommands(app, g, &exit_code);
  AddCredentialCommands(app, g, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  return exit_code;
}

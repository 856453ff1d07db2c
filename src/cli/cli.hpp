// The `yishu` command line: a thin layer over the platform. Each command family registers
// itself on the CLI11 app; output is human text by default and one JSON document with --json.
//
// Exit codes (stable; scripts depend on them):
//   0 success            2 usage error           3 invalid input
//   4 not found          5 conflict / exists      6 not allowed
//   7 integrity failure (e.g. the audit trail)    1 any other failure
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.hpp"
#include "ingest/ingest.hpp"
#include "platform/platform.hpp"

namespace yishu::cli {

struct GlobalOptions {
  std::string data_dir;
  bool json = false;
};

int ExitCodeFor(const Status& s);

// Who acts, for the audit trail and the records a command writes: "cli:" and the login name of
// the effective user id (from the password database, not $USER, which anyone can set), or
// "cli:uid:N" when the id has no name.
std::string CliActor();

// Opens the platform in the data dir or throws Error.
std::unique_ptr<platform::Platform> OpenPlatform(const GlobalOptions& g);

// Prints either the JSON or the human text.
void Emit(const GlobalOptions& g, const nlohmann::json& j, const std::string& human);

// Wraps a command body: catches Error and exceptions, prints the error (as JSON with --json),
// and records the exit code.
void Run(const GlobalOptions& g, int* exit_code, const std::function<void()>& body);

// Command families.
void AddInitAndServe(CLI::App& app, GlobalOptions& g, int* exit_code);
void AddCatalogueCommands(CLI::App& app, GlobalOptions& g, int* exit_code);
void AddStandardsCommands(CLI::App& app, GlobalOptions& g, int* exit_code);
void AddUserCommands(CLI::App& app, GlobalOptions& g, int* exit_code);
void AddAuditCommands(CLI::App& app, GlobalOptions& g, int* exit_code);
void AddDemoCommand(CLI::App& app, GlobalOptions& g, int* exit_code);
void AddClassifyCommands(CLI::App&, GlobalOptions&, int*);
void AddIngestCommands(CLI::App& app, GlobalOptions& g, int* exit_code);
// Entity resolution on CSV files (standalone mode): `dedup` and `link`.
void AddMasterdataCommands(CLI::App& app, GlobalOptions& g, int* exit_code);
void AddQualityCommands(CLI::App& app, GlobalOptions& g, int* exit_code);
void AddCredentialCommands(CLI::App& app, GlobalOptions& g, int* exit_code);

// Ingests one file as one batch and audits it (record_count = accepted; a failure is audited
// with its error). The error Status when the file could not be read.
Result<ingest::BatchResult> IngestAudited(platform::Platform& p, const std::filesystem::path& file,
                                          ingest::IngestOptions options);

// Serves the platform until SIGTERM/SIGINT. Prints where it listens. Watches the inbox
// (DATA/inbox/<DEPT>/<RESOURCE>/, ingest/inbox.hpp) every `inbox_poll_ms` (0: not at all).
Status Serve(platform::Platform& p, const std::string& listen, const GlobalOptions& g,
             int inbox_poll_ms = 2000);

}  // namespace yishu::cli

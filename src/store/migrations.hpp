// Versioned schema migrations. Each module owns its tables and contributes an ordered list of
// migrations under its own name; the platform applies every pending one at start, each in its
// own transaction, and records it in `schema_migrations`. Applied migrations are never edited:
// a change is a new version.
#pragma once

#include <string>
#include <vector>

#include "store/store.hpp"

namespace yishu::store {

struct Migration {
  std::string module;  // "catalogue"
  int version;         // 1, 2, ... within the module
  std::string name;    // "create resources"
  std::string sql;     // may use {{pk}}, {{id}} and {{blob}} (see RenderDdl)
};

// Replaces the dialect tokens in DDL.
std::string RenderDdl(std::string_view sql, Dialect dialect);

// Applies the migrations not yet recorded. Fails (and applies nothing more) if a module's
// recorded version is newer than the code knows: an older binary must not run on a newer store.
Status ApplyMigrations(Store& store, const std::vector<Migration>& migrations);

}  // namespace yishu::store

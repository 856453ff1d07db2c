#include "store/migrations.hpp"

#include <map>

#include "common/time.hpp"

namespace yishu::store {

std::string RenderDdl(std::string_view sql, Dialect dialect) {
  std::string out(sql);
  auto replace = [&](std::string_view token, std::string_view with) {
    for (size_t pos; (pos = out.find(token)) != std::string::npos;)
      out.replace(pos, token.size(), with);
  };
  bool pg = dialect == Dialect::kPostgres;
  replace("{{pk}}", pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT");
  // A 64-bit key the writer assigns. In SQLite an INTEGER PRIMARY KEY is the rowid itself;
  // BIGINT PRIMARY KEY would keep a second B-tree beside the table, one more insert per row.
  replace("{{id}}", pg ? "BIGINT PRIMARY KEY" : "INTEGER PRIMARY KEY");
  replace("{{blob}}", pg ? "BYTEA" : "BLOB");
  return out;
}

Status ApplyMigrations(Store& store, const std::vector<Migration>& migrations) {
  auto lease = store.Acquire();
  YISHU_RETURN_IF_ERROR(lease->ExecScript(
      "CREATE TABLE IF NOT EXISTS schema_migrations (module TEXT NOT NULL, version BIGINT NOT "
      "NULL, name TEXT NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (module, version))"));
  std::map<std::string, int> applied;
  {
    YISHU_ASSIGN_OR_RETURN(Rows rows,
                           lease->Query("SELECT module, max(version) FROM schema_migrations "
                                        "GROUP BY module"));
    for (const auto& r : rows) applied[r.Text(0)] = static_cast<int>(r.Int(1));
  }
  std::map<std::string, int> known;
  for (const auto& m : migrations) known[m.module] = std::max(known[m.module], m.version);
  for (const auto& [module, version] : applied) {
    auto it = known.find(module);
    if (it != known.end() && version > it->second)
      return Status::FailedPrecondition("store schema of module '" + module + "' is at version " +
                                        std::to_string(version) + " but this build knows only " +
                                        std::to_string(it->second) + ": upgrade yishu");
  }
  for (const auto& m : migrations) {
    auto it = applied.find(m.module);
    if (it != applied.end() && m.version <= it->second) continue;
    YISHU_RETURN_IF_ERROR(lease->Begin(true));
    Status s = lease->ExecScript(RenderDdl(m.sql, store.dialect()));
    if (s.ok()) {
      auto r = lease->Exec(
          "INSERT INTO schema_migrations (module, version, name, applied_at) VALUES (?, ?, ?, ?)",
          {m.module, m.version, m.name, NowMillis()});
      if (!r.ok()) s = r.status();
    }
    if (!s.ok()) {
      (void)lease->Rollback();
      return s.WithContext("migration " + m.module + "/" + std::to_string(m.version) + " (" +
                           m.name + ")");
    }
    YISHU_RETURN_IF_ERROR(lease->Commit());
    applied[m.module] = m.version;
  }
  return Status::Ok();
}

}  // namespace yishu::store

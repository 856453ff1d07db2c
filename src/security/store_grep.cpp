#include "security/store_grep.hpp"

#include <fstream>
#include <iterator>

#include "crypto/util.hpp"

namespace yishu::security {

namespace {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

bool StoreFileContains(const std::filesystem::path& path, std::string_view needle) {
  if (needle.empty()) return false;
  return ReadAll(path).find(needle) != std::string::npos;
}

Result<std::vector<std::string>> FindPlaintext(store::Store& store,
                                               const std::vector<std::string>& needles) {
  std::vector<bool> found(needles.size(), false);
  auto scan = [&](std::string_view text) {
    for (size_t i = 0; i < needles.size(); ++i)
      if (!found[i] && !needles[i].empty() && text.find(needles[i]) != std::string_view::npos)
        found[i] = true;
  };
  if (store.dialect() == store::Dialect::kSqlite) {
    std::string desc = store.description();
    if (desc.rfind("sqlite:", 0) != 0)
      return Status::InvalidArgument("not a SQLite store: " + desc);
    std::filesystem::path db = desc.substr(7);
    // Make the WAL reach the main file too, so both layouts are scanned.
    (void)store.Exec("PRAGMA wal_checkpoint(FULL)");
    for (const auto& p : {db, std::filesystem::path(db.string() + "-wal"),
                          std::filesystem::path(db.string() + "-journal")}) {
      std::error_code ec;
      if (std::filesystem::exists(p, ec)) scan(ReadAll(p));
    }
  } else {
    YISHU_ASSIGN_OR_RETURN(
        store::Rows tables,
        store.Query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"));
    std::vector<std::string> hex;
    for (const auto& n : needles) hex.push_back(crypto::ToHex(n));
    for (const auto& t : tables) {
      auto lease = store.Acquire();
      std::string sql = "SELECT t::text FROM \"" + t.Text(0) + "\" t";
      Status s = lease->QueryEach(sql, {}, [&](const store::Row& r) {
        std::string text = r.Text(0);
        scan(text);
        for (size_t i = 0; i < hex.size(); ++i)
          if (!found[i] && text.find(hex[i]) != std::string::npos) found[i] = true;
        return true;
      });
      YISHU_RETURN_IF_ERROR(s);
    }
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < needles.size(); ++i)
    if (found[i]) out.push_back(needles[i]);
  return out;
}

}  // namespace yishu::security

#include "security/store_grep.hpp"

#include <fstream>
#include <iterator>
#include <set>
#include <unordered_map>

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
  // Thousands of needles over hundreds of megabytes: one pass over the text per distinct needle
  // length, each window looked up in a hash set, instead of one search per needle.
  struct NeedleSet {
    std::unordered_map<std::string_view, size_t> index;  // needle -> position in `needles`
    std::set<size_t> lengths;
  };
  auto build = [](const std::vector<std::string>& list) {
    NeedleSet set;
    for (size_t i = 0; i < list.size(); ++i)
      if (!list[i].empty()) {
        set.index.emplace(list[i], i);
        set.lengths.insert(list[i].size());
      }
    return set;
  };
  std::vector<bool> found(needles.size(), false);
  auto scan_with = [&found](const NeedleSet& set, std::string_view text) {
    for (size_t len : set.lengths) {
      if (text.size() < len) continue;
      for (size_t i = 0; i + len <= text.size(); ++i) {
        auto it = set.index.find(text.substr(i, len));
        if (it != set.index.end()) found[it->second] = true;
      }
    }
  };
  const NeedleSet plain = build(needles);
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
      if (std::filesystem::exists(p, ec)) scan_with(plain, ReadAll(p));
    }
  } else {
    YISHU_ASSIGN_OR_RETURN(
        store::Rows tables,
        store.Query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"));
    // bytea renders as hex: a needle stored as raw bytes shows up as its hex.
    std::vector<std::string> hex;
    for (const auto& n : needles) hex.push_back(crypto::ToHex(n));
    const NeedleSet hexed = build(hex);
    for (const auto& t : tables) {
      auto lease = store.Acquire();
      std::string sql = "SELECT t::text FROM \"" + t.Text(0) + "\" t";
      Status s = lease->QueryEach(sql, {}, [&](const store::Row& r) {
        const std::string& text = r.Text(0);
        scan_with(plain, text);
        scan_with(hexed, text);
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

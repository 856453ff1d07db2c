// Plaintext grep over what the store keeps on disk, for the "no plaintext at rest" tests: after
// ingesting generated data, none of its ID or phone numbers may appear in the raw SQLite file
// (and its WAL) nor in any PostgreSQL table rendered as text.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "store/store.hpp"

namespace yishu::security {

// True when the file contains `needle` as raw bytes.
bool StoreFileContains(const std::filesystem::path& path, std::string_view needle);

// Which of `needles` occur in the store. SQLite: the database file plus its -wal and -journal
// (`sqlite_path` is the file of a "sqlite:" URL). PostgreSQL: every table of the public schema,
// each row rendered with `SELECT t::text FROM t` (also scans bytea as its hex text, so needles
// are additionally searched hex-encoded). Returns the needles found (empty: none).
Result<std::vector<std::string>> FindPlaintext(store::Store& store,
                                               const std::vector<std::string>& needles);

}  // namespace yishu::security

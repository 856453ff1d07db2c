// Administrative division codes (行政区划代码, GB/T 2260) with their history, for checking the
// address code of identity numbers and credit codes and for naming places.
//
// Loaded from two kinds of trusted reference files (reference/admin-divisions/, see
// reference/README.md):
//  - the MCA history (gbt2260-history.csv): every county-level-and-above code used since 1980,
//    in use or abolished, with the years it was used and its successors. A code can appear on
//    several rows when it was reused (东郊区 120110 1981-1992, then 东丽区 120110 since 1992).
//  - optional NBS township lists (*-streets.csv: code,name,areaCode,...): 9-digit 乡级 codes.
//
// Lookups of 6-digit codes go through a flat table indexed by the code's number, so the hot-path
// checks (Exists, IsValidAtBirth) are one array read. Immutable after loading; safe to share
// between threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.hpp"

namespace yishu::standards {

enum class DivisionLevel { kProvince, kPrefecture, kCounty, kTownship };
// 省级 / 地级 / 县级 / 乡级
std::string_view DivisionLevelName(DivisionLevel level);

struct Successor {
  std::string code;
  // For a partial transfer recorded before the change ("330602[2001]"): its year; 0 when the
  // successor took over at the change itself.
  int year = 0;
};

struct Division {
  std::string code;      // "330621", or 9 digits for a township
  std::string name;      // 绍兴县
  std::string province;  // 一级行政区: 浙江省 ("" for townships)
  std::string prefecture;  // 二级行政区: 绍兴市 ("直辖" under municipalities; "" for townships)
  DivisionLevel level = DivisionLevel::kCounty;
  bool in_use = true;
  int start_year = 0;  // year the code came into use (0 when unknown, e.g. townships)
  int end_year = 0;    // year it was changed or abolished; 0 while in use
  std::vector<Successor> successors;
};

class AdminDivisions {
 public:
  // Loads the MCA history CSV (UTF-8, BOM allowed; header
  // 代码,一级行政区,二级行政区,名称,级别,状态, 启用时间,变更/弃用时间,新代码). A malformed line
  // fails with "FILE:LINE: problem".
  static Result<std::unique_ptr<AdminDivisions>> LoadHistory(const std::filesystem::path& csv);
  // Loads the history and every *-streets.csv from a reference directory's admin-divisions/.
  static Result<std::unique_ptr<AdminDivisions>> LoadDirectory(const std::filesystem::path& dir);

  // Adds townships from an NBS streets CSV (header code,name,areaCode,...; 9-digit codes whose
  // first 6 digits must be a known county code).
  Status LoadTownships(const std::filesystem::path& csv);

  // The record of a 6-digit or 9-digit code; for a reused 6-digit code, the current (or the
  // latest) use. nullptr when unknown.
  const Division* Find(std::string_view code) const;
  // Every record of a 6-digit code, oldest first (empty when unknown).
  std::vector<const Division*> History(std::string_view code) const;

  // True when the 6-digit code appears in the MCA list at all (in use or abolished).
  bool Exists(std::string_view code6) const;
  bool Exists(int code6) const;
  // Whether an identity number issued to a person born in `birth_year` can carry this address
  // code. The code on an ID is the one in force when it was issued, which is at or after birth,
  // and stays on the ID after the county is abolished: so the code must exist, and if it was
  // abolished in year Y, the birth year must be <= Y (330621 绍兴县, abolished 2013, is valid for
  // people born up to 2013).
  bool IsValidAtBirth(std::string_view code6, int birth_year) const;
  bool IsValidAtBirth(int code6, int birth_year) const;

  // Townships (9-digit) under a county code, in code order; empty when none loaded.
  std::vector<const Division*> Townships(std::string_view county_code) const;
  // True when a township list was loaded for this county (so its 9-digit codes can be checked).
  bool HasTownships(int county_code6) const;
  bool TownshipExists(std::string_view code9) const;

  // Number of distinct 6-digit codes, and of records.
  size_t code_count() const { return code_count_; }
  size_t record_count() const { return records_.size(); }

 private:
  AdminDivisions();
  Status AddRecord(Division d, const std::string& where);

  // Latest end year per 6-digit code number: 0 = unknown code, kInUse = in use.
  static constexpr uint16_t kInUse = 0xFFFF;
  std::vector<uint16_t> last_year_;
  std::vector<Division> records_;                               // history rows, file order
  std::unordered_map<int, std::vector<size_t>> by_code_;        // code -> indexes into records_
  std::unordered_map<int, Division> townships_;                 // 9-digit number -> township
  std::unordered_map<int, std::vector<int>> county_townships_;  // county -> township numbers
  size_t code_count_ = 0;
};

}  // namespace yishu::standards

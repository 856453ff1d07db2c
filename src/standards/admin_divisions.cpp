#include "standards/admin_divisions.hpp"

#include <algorithm>

#include "common/strings.hpp"
#include "formats/reader.hpp"

namespace yishu::standards {

namespace {

constexpr int kCodeSpace = 1000000;  // 6-digit codes

// The reference tables are UTF-8 and comma-separated, whatever a detector would guess.
const formats::ReaderOptions kReferenceCsv = [] {
  formats::ReaderOptions o;
  o.format = "csv";
  o.encoding = "UTF-8";
  o.delimiter = ',';
  return o;
}();

bool ParseDigits(std::string_view s, size_t len, int* out) {
  if (s.size() != len) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// -1 when not 6 digits.
int Code6(std::string_view s) {
  int v;
  return ParseDigits(s, 6, &v) ? v : -1;
}

bool ParseYear(std::string_view s, int* out) {
  return ParseDigits(s, 4, out) && *out >= 1900 && *out <= 2999;
}

}  // namespace

std::string_view DivisionLevelName(DivisionLevel level) {
  switch (level) {
    case DivisionLevel::kProvince:
      return "省级";
    case DivisionLevel::kPrefecture:
      return "地级";
    case DivisionLevel::kCounty:
      return "县级";
    case DivisionLevel::kTownship:
      return "乡级";
  }
  return "县级";
}

AdminDivisions::AdminDivisions() : last_year_(kCodeSpace, 0) {}

Result<std::unique_ptr<AdminDivisions>> AdminDivisions::LoadHistory(
    const std::filesystem::path& csv) {
  YISHU_ASSIGN_OR_RETURN(auto records, formats::ReadRows(csv, kReferenceCsv));
  const std::string file = csv.string();
  static const std::vector<std::string> kHeader = {"代码",     "一级行政区",    "二级行政区",
                                                   "名称",     "级别",          "状态",
                                                   "启用时间", "变更/弃用时间", "新代码"};
  if (records.empty() || records[0].fields != kHeader)
    return Status::InvalidArgument(file +
                                   ":1: expected the header 代码,一级行政区,二级行政区,名称,级别,"
                                   "状态,启用时间,变更/弃用时间,新代码");
  std::unique_ptr<AdminDivisions> ad(new AdminDivisions());
  for (size_t r = 1; r < records.size(); ++r) {
    const auto& rec = records[r];
    const std::string where = file + ":" + std::to_string(rec.line);
    const auto& f = rec.fields;
    Division d;
    d.code = f[0];
    if (Code6(d.code) < 0)
      return Status::InvalidArgument(where + ": code '" + d.code + "' is not 6 digits");
    d.province = f[1];
    d.prefecture = f[2];
    d.name = f[3];
    if (d.name.empty()) return Status::InvalidArgument(where + ": empty name");
    if (f[4] == "省级") {
      d.level = DivisionLevel::kProvince;
    } else if (f[4] == "地级") {
      d.level = DivisionLevel::kPrefecture;
    } else if (f[4] == "县级") {
      d.level = DivisionLevel::kCounty;
    } else {
      return Status::InvalidArgument(where + ": unknown level '" + f[4] + "'");
    }
    if (f[5] == "在用") {
      d.in_use = true;
    } else if (f[5] == "弃用" || f[5] == "变更") {
      d.in_use = false;
    } else {
      return Status::InvalidArgument(where + ": unknown status '" + f[5] + "'");
    }
    if (!ParseYear(f[6], &d.start_year))
      return Status::InvalidArgument(where + ": start year '" + f[6] + "' is not a year");
    if (!f[7].empty() && !ParseYear(f[7], &d.end_year))
      return Status::InvalidArgument(where + ": end year '" + f[7] + "' is not a year");
    if (!d.in_use && d.end_year == 0)
      return Status::InvalidArgument(where + ": an abolished code needs an end year");
    if (d.in_use && d.end_year != 0)
      return Status::InvalidArgument(where + ": a code in use has an end year");
    if (!f[8].empty()) {
      for (std::string_view part : Split(f[8], ';')) {
        Successor s;
        auto bracket = part.find('[');
        if (bracket != std::string_view::npos) {
          if (part.back() != ']' ||
              !ParseYear(part.substr(bracket + 1, part.size() - bracket - 2), &s.year))
            return Status::InvalidArgument(where + ": malformed successor '" + std::string(part) +
                                           "'");
          part = part.substr(0, bracket);
        }
        if (Code6(part) < 0)
          return Status::InvalidArgument(where + ": successor '" + std::string(part) +
                                         "' is not 6 digits");
        s.code = std::string(part);
        d.successors.push_back(std::move(s));
      }
    }
    YISHU_RETURN_IF_ERROR(ad->AddRecord(std::move(d), where));
  }
  if (ad->records_.empty()) return Status::InvalidArgument(file + ": no division codes");
  return ad;
}

Status AdminDivisions::AddRecord(Division d, const std::string& where) {
  int n = Code6(d.code);
  uint16_t& slot = last_year_[n];
  if (slot == 0) ++code_count_;
  if (d.in_use) {
    slot = kInUse;
  } else if (slot != kInUse) {
    slot = std::max<uint16_t>(slot, static_cast<uint16_t>(d.end_year));
  }
  by_code_[n].push_back(records_.size());
  records_.push_back(std::move(d));
  return Status::Ok();
}

Result<std::unique_ptr<AdminDivisions>> AdminDivisions::LoadDirectory(
    const std::filesystem::path& dir) {
  auto sub = dir / "admin-divisions";
  YISHU_ASSIGN_OR_RETURN(auto ad, LoadHistory(sub / "gbt2260-history.csv"));
  std::vector<std::filesystem::path> streets;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(sub, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 12 && name.ends_with("-streets.csv")) streets.push_back(entry.path());
  }
  if (ec) return Status::IoError("cannot list " + sub.string() + ": " + ec.message());
  std::sort(streets.begin(), streets.end());
  for (const auto& p : streets) YISHU_RETURN_IF_ERROR(ad->LoadTownships(p));
  return ad;
}

Status AdminDivisions::LoadTownships(const std::filesystem::path& csv) {
  YISHU_ASSIGN_OR_RETURN(auto records, formats::ReadRows(csv, kReferenceCsv));
  const std::string file = csv.string();
  if (records.empty() || records[0].fields.size() < 2 || records[0].fields[0] != "code" ||
      records[0].fields[1] != "name")
    return Status::InvalidArgument(file + ":1: expected a header starting with code,name");
  // Validate everything before adding anything, so a bad file leaves no partial list.
  std::vector<Division> batch;
  for (size_t r = 1; r < records.size(); ++r) {
    const auto& rec = records[r];
    const std::string where = file + ":" + std::to_string(rec.line);
    int n;
    if (!ParseDigits(rec.fields[0], 9, &n))
      return Status::InvalidArgument(where + ": township code '" + rec.fields[0] +
                                     "' is not 9 digits");
    if (!Exists(n / 1000))
      return Status::InvalidArgument(where + ": county code " + rec.fields[0].substr(0, 6) +
                                     " of township " + rec.fields[0] +
                                     " is not in the GB/T 2260 list");
    if (rec.fields[1].empty()) return Status::InvalidArgument(where + ": empty name");
    if (townships_.count(n))
      return Status::AlreadyExists(where + ": township " + rec.fields[0] + " is already loaded");
    for (const auto& b : batch)
      if (b.code == rec.fields[0])
        return Status::AlreadyExists(where + ": township " + rec.fields[0] + " appears twice");
    Division d;
    d.code = rec.fields[0];
    d.name = rec.fields[1];
    d.level = DivisionLevel::kTownship;
    batch.push_back(std::move(d));
  }
  for (auto& d : batch) {
    int n = std::stoi(d.code);
    auto& list = county_townships_[n / 1000];
    list.insert(std::upper_bound(list.begin(), list.end(), n), n);
    townships_.emplace(n, std::move(d));
  }
  return Status::Ok();
}

const Division* AdminDivisions::Find(std::string_view code) const {
  int n;
  if (ParseDigits(code, 9, &n)) {
    auto it = townships_.find(n);
    return it == townships_.end() ? nullptr : &it->second;
  }
  n = Code6(code);
  if (n < 0) return nullptr;
  auto it = by_code_.find(n);
  if (it == by_code_.end()) return nullptr;
  const Division* best = nullptr;
  for (size_t idx : it->second) {
    const Division& d = records_[idx];
    if (d.in_use) return &d;
    if (!best || d.end_year >= best->end_year) best = &d;
  }
  return best;
}

std::vector<const Division*> AdminDivisions::History(std::string_view code) const {
  std::vector<const Division*> out;
  int n = Code6(code);
  if (n < 0) return out;
  auto it = by_code_.find(n);
  if (it == by_code_.end()) return out;
  for (size_t idx : it->second) out.push_back(&records_[idx]);
  std::stable_sort(out.begin(), out.end(), [](const Division* a, const Division* b) {
    return a->start_year < b->start_year;
  });
  return out;
}

bool AdminDivisions::Exists(std::string_view code6) const {
  return Exists(Code6(code6));
}

bool AdminDivisions::Exists(int code6) const {
  return code6 >= 0 && code6 < kCodeSpace && last_year_[code6] != 0;
}

bool AdminDivisions::IsValidAtBirth(std::string_view code6, int birth_year) const {
  return IsValidAtBirth(Code6(code6), birth_year);
}

bool AdminDivisions::IsValidAtBirth(int code6, int birth_year) const {
  if (code6 < 0 || code6 >= kCodeSpace) return false;
  uint16_t last = last_year_[code6];
  return last != 0 && birth_year <= static_cast<int>(last);
}

std::vector<const Division*> AdminDivisions::Townships(std::string_view county_code) const {
  std::vector<const Division*> out;
  int n = Code6(county_code);
  auto it = county_townships_.find(n);
  if (n < 0 || it == county_townships_.end()) return out;
  for (int t : it->second) out.push_back(&townships_.at(t));
  return out;
}

bool AdminDivisions::HasTownships(int county_code6) const {
  return county_townships_.count(county_code6) > 0;
}

bool AdminDivisions::TownshipExists(std::string_view code9) const {
  int n;
  return ParseDigits(code9, 9, &n) && townships_.count(n) > 0;
}

}  // namespace yishu::standards

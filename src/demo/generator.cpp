// GenerateDistrict: builds the district in memory (compact structs), then writes each
// department's delivery row by row, injecting faults and recording the truth as it goes.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "common/strings.hpp"
#include "common/time.hpp"
#include "demo/csv_sink.hpp"
#include "demo/demo.hpp"
#include "demo/faults.hpp"
#include "demo/identifiers.hpp"
#include "demo/model.hpp"
#include "demo/resources.hpp"
#include "demo/tables.hpp"

namespace yishu::demo {
namespace {

namespace fs = std::filesystem;

// Everything the resource writers share: the district, the truth sinks, the options.
struct Shared {
  const District& d;
  const DemoOptions& options;
  fs::path out_dir;
  std::unique_ptr<CsvSink> faults, links;
  std::vector<uint16_t> household_size;
  DemoSummary* summary;
};

void AppendPersonId(std::string& out, uint32_t i) {
  fmt::format_to(std::back_inserter(out), "P{:07d}", i + 1);
}
void AppendEnterpriseId(std::string& out, uint32_t i) {
  fmt::format_to(std::back_inserter(out), "E{:07d}", i + 1);
}

std::string_view ShortTownship(uint8_t t) {
  std::string_view n = Townships()[t].name;
  if (n.ends_with("街道")) return n.substr(0, n.size() - 6);
  if (n.ends_with("镇")) return n.substr(0, n.size() - 3);
  return n;
}

bool IsTown(uint8_t t) {
  return Townships()[t].name.ends_with("镇");
}

// The enterprise's address before its last move (for stale-address faults).
Address PreviousEnterpriseAddress(uint64_t seed, uint32_t e, const Address& now) {
  Rng rng(seed ^ (0xD1B54A32D192ED03ULL * (e + 1)), "previous-enterprise-address");
  Address prev = RandomAddress(rng, now.township);
  if (prev.kind == now.kind && prev.place == now.place && prev.number == now.number) {
    prev.number = static_cast<uint16_t>(now.number + 3);
  }
  return prev;
}

// One resource's delivered file: cells of the current row, the faults applied to it and the
// entities it is about, written out (with the truth) at EndRow.
class ResourceOut {
 public:
  ResourceOut(Shared& s, std::string_view code)
      : s_(s),
        spec_(ResourceByCode(code)),
        fault_rng_(s.options.seed, fmt::format("faults/{}", code)),
        data_rng_(s.options.seed, fmt::format("data/{}", code)),
        m_(spec_.fault_scale),
        cells_(spec_.fields.size()),
        faulted_(spec_.fields.size(), false) {}

  Status Open() {
    fs::path dir = s_.out_dir / "inbox" / std::string(spec_.department);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Status::IoError(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
    rel_ = fmt::format("inbox/{}/{}", spec_.department, spec_.delivery.file_name);
    path_ = dir / std::string(spec_.delivery.file_name);
    YISHU_ASSIGN_OR_RETURN(sink_, CsvSink::Open(path_, spec_.delivery.encoding, spec_.delivery.bom,
                                                spec_.delivery.crlf));
    std::vector<std::string> header;
    for (const FieldSpec& f : spec_.fields) {
      header.emplace_back(spec_.delivery.chinese_header ? f.label : f.name);
    }
    sink_->WriteRow(header);
    Progress(0.0);
    return Status::Ok();
  }

  int Col(std::string_view name) const { return spec_.Col(name); }
  std::string& operator[](int col) { return cells_[col]; }
  Rng& rng() { return data_rng_; }
  const District& d() const { return s_.d; }
  int64_t rows() const { return sink_->lines() - 1; }

  void BeginRow() {
    for (auto& c : cells_) c.clear();
    std::fill(faulted_.begin(), faulted_.end(), false);
    pending_.clear();
    links_.clear();
  }

  void LinkPerson(std::string_view role, uint32_t p) { links_.push_back({role, p, kNone}); }
  void LinkEnterprise(std::string_view role, uint32_t e) { links_.push_back({role, kNone, e}); }

  // Fault families, at base rates for a non-authoritative source (times fault_scale).
  void Name(int col) {
    Try(col, FaultKind::kNameHomophone, 0.012,
        [&](const std::string& v, std::string* o) { return ApplyHomophone(v, fault_rng_, o); });
    Try(col, FaultKind::kNameTraditional, 0.004,
        [&](const std::string& v, std::string* o) { return ApplyTraditional(v, o); });
    Try(col, FaultKind::kNameCharDropped, 0.003,
        [&](const std::string& v, std::string* o) { return ApplyCharDropped(v, fault_rng_, o); });
    Try(col, FaultKind::kNameCharsSwapped, 0.003,
        [&](const std::string& v, std::string* o) { return ApplyCharsSwapped(v, fault_rng_, o); });
    Missing(col, 0.002);
  }
  void Id(int col, bool excel_damage, bool legacy) {
    Try(col, FaultKind::kIdDigitTypo, 0.008,
        [&](const std::string& v, std::string* o) { return ApplyIdDigitTypo(v, fault_rng_, o); });
    Try(col, FaultKind::kIdTransposed, 0.004,
        [&](const std::string& v, std::string* o) { return ApplyIdTransposed(v, fault_rng_, o); });
    if (excel_damage) {
      Try(col, FaultKind::kIdExcelScientific, 0.006,
          [&](const std::string& v, std::string* o) { return ApplyIdExcel(v, o); });
    }
    if (legacy) {
      Try(col, FaultKind::kIdLegacy15, 0.003,
          [&](const std::string& v, std::string* o) { return ApplyIdLegacy15(v, o); });
    }
    Missing(col, 0.004);
  }
  void Mobile(int col) {
    Try(col, FaultKind::kMobileDigitMissing, 0.01, [&](const std::string& v, std::string* o) {
      return ApplyMobileDigitMissing(v, fault_rng_, o);
    });
    Missing(col, 0.015);
  }
  // `prev` (may be null) is the stale address a careless clerk copies from an old record.
  void Addr(int col, const Address* prev, AddressStyle style) {
    if (prev) {
      Try(col, FaultKind::kAddressStale, 0.03, [&](const std::string&, std::string* o) {
        o->clear();
        AppendAddress(*o, *prev, style);
        return true;
      });
    }
    Try(col, FaultKind::kAddressFullWidth, 0.01,
        [&](const std::string& v, std::string* o) { return ApplyFullWidthDigits(v, o); });
    Missing(col, 0.005);
  }
  void Birth(int col) {
    Try(col, FaultKind::kBirthDateMismatch, 0.005, [&](const std::string& v, std::string* o) {
      return ApplyBirthDateMismatch(v, fault_rng_, o);
    });
    Date(col, 0.012);
    Missing(col, 0.003);
  }
  void Date(int col, double rate = 0.01) {
    Try(col, FaultKind::kDateFormat, rate,
        [&](const std::string& v, std::string* o) { return ApplyDateFormat(v, fault_rng_, o); });
  }
  void Gender(int col) {
    Try(col, FaultKind::kGenderMismatch, 0.004,
        [&](const std::string& v, std::string* o) { return ApplyGenderMismatch(v, o); });
  }
  void Uscc(int col) {
    Try(col, FaultKind::kUsccTypo, 0.006,
        [&](const std::string& v, std::string* o) { return ApplyUsccTypo(v, fault_rng_, o); });
    Missing(col, 0.003);
  }
  void OrgName(int col) {
    Try(col, FaultKind::kOrgNameVariant, 0.02, [&](const std::string& v, std::string* o) {
      return ApplyOrgNameVariant(v, fault_rng_, o);
    });
  }
  void Missing(int col, double rate) {
    Try(col, FaultKind::kMissing, rate, [](const std::string&, std::string* o) {
      o->clear();
      return true;
    });
  }

  void EndRow() {
    sink_->WriteRow(cells_);
    const int64_t line = sink_->lines();
    Record(line);
    if (fault_rng_.Chance(0.004 * m_)) {
      sink_->RepeatLastRow();
      pending_.clear();
      pending_.push_back(
          {-1, FaultKind::kDuplicateRow, "", fmt::format("duplicate of line {}", line)});
      Record(sink_->lines());
    }
  }

  Status Finish() {
    const int64_t data_rows = rows();
    YISHU_RETURN_IF_ERROR(sink_->Close());
    DeliveredFile f;
    f.path = path_;
    f.department = spec_.department;
    f.resource = spec_.code;
    f.encoding = spec_.delivery.encoding == Encoding::kGbk ? "GBK" : "UTF-8";
    f.rows = data_rows;
    std::error_code ec;
    f.bytes = static_cast<int64_t>(fs::file_size(path_, ec));
    s_.summary->files.push_back(std::move(f));
    Progress(1.0);
    return Status::Ok();
  }

  void Progress(double fraction) {
    if (s_.options.progress) s_.options.progress(spec_.code, fraction);
  }

 private:
  struct PendingFault {
    int col;
    FaultKind kind;
    std::string true_value, delivered;
  };
  struct PendingLink {
    std::string_view role;
    uint32_t person, enterprise;
  };

  template <typename Fn>
  void Try(int col, FaultKind kind, double rate, Fn&& fn) {
    // Draw first, so whether a fault applies never shifts the stream of later draws.
    const bool hit = fault_rng_.Chance(rate * m_);
    if (!hit || faulted_[col] || cells_[col].empty()) return;
    std::string out;
    if (!fn(cells_[col], &out) || out == cells_[col]) return;
    pending_.push_back({col, kind, cells_[col], out});
    cells_[col] = std::move(out);
    faulted_[col] = true;
  }

  void Record(int64_t line) {
    for (const PendingFault& f : pending_) {
      truth_row_.assign(7, std::string());
      truth_row_[0] = spec_.code;
      truth_row_[1] = rel_;
      truth_row_[2] = fmt::format("{}", line);
      truth_row_[3] = f.col >= 0 ? std::string(spec_.fields[f.col].name) : std::string("*");
      truth_row_[4] = FaultKindName(f.kind);
      truth_row_[5] = f.true_value;
      truth_row_[6] = f.delivered;
      s_.faults->WriteRow(truth_row_);
    }
    for (const PendingLink& l : links_) {
      truth_row_.assign(6, std::string());
      truth_row_[0] = spec_.department;
      truth_row_[1] = spec_.code;
      truth_row_[2] = fmt::format("{}", line);
      truth_row_[3] = l.role;
      if (l.person != kNone) AppendPersonId(truth_row_[4], l.person);
      if (l.enterprise != kNone) AppendEnterpriseId(truth_row_[5], l.enterprise);
      s_.links->WriteRow(truth_row_);
    }
  }

  Shared& s_;
  const ResourceSpec& spec_;
  Rng fault_rng_, data_rng_;
  double m_;
  std::vector<std::string> cells_;
  std::vector<bool> faulted_;
  std::vector<PendingFault> pending_;
  std::vector<PendingLink> links_;
  std::vector<std::string> truth_row_;
  std::unique_ptr<CsvSink> sink_;
  fs::path path_;
  std::string rel_;
};

void SetGender(std::string& c, const Person& p) {
  c = p.gender == 1 ? "1" : "2";
}
void SetMobile(std::string& c, uint64_t mobile) {
  if (mobile) fmt::format_to(std::back_inserter(c), "{}", mobile);
}
// Families share one fixed line: the same number on parents, children and grandparents.
void SetLandline(std::string& c, uint32_t landline) {
  if (landline) fmt::format_to(std::back_inserter(c), "0575-{}", landline);
}
void SetMoney(std::string& c, double v) {
  fmt::format_to(std::back_inserter(c), "{:.2f}", v);
}
void SetCapital(std::string& c, uint32_t hundreds) {
  fmt::format_to(std::back_inserter(c), "{}.{:02d}", hundreds / 100, hundreds % 100);
}

int32_t RefDays() {
  return DaysOf(kRefYear, kRefMonth, kRefDay);
}

bool Alive(const Person& p) {
  return !p.deceased;
}

// ---------------------------------------------------------------------------------------------
// 公安 户籍人口

Status WriteHousehold(Shared& s) {
  ResourceOut r(s, "GA_HOUSEHOLD");
  YISHU_RETURN_IF_ERROR(r.Open());
  const int c_id = r.Col("id_number"), c_name = r.Col("name"), c_gender = r.Col("gender"),
            c_eth = r.Col("ethnicity"), c_birth = r.Col("birth_date"), c_hh = r.Col("household_no"),
            c_rel = r.Col("relation"), c_addr = r.Col("address"), c_town = r.Col("township_code"),
            c_mobile = r.Col("mobile"), c_origin = r.Col("origin"), c_edu = r.Col("education"),
            c_mar = r.Col("marital_status"), c_type = r.Col("hukou_type"),
            c_reg = r.Col("registered_on"), c_status = r.Col("status");
  const District& d = s.d;
  const uint32_t n = static_cast<uint32_t>(d.persons.size());
  for (uint32_t i = 0; i < n; ++i) {
    const Person& p = d.persons[i];
    const Household& h = d.households[p.household];
    const Township& t = Townships()[h.address.township];
    r.BeginRow();
    r[c_id].assign(p.id, 18);
    r.Id(c_id, false, false);
    AppendName(r[c_name], p);
    r.Name(c_name);
    SetGender(r[c_gender], p);
    r.Gender(c_gender);
    r[c_eth].assign(p.ethnicity, 2);
    AppendIsoDate(r[c_birth], p.birth_days);
    r.Birth(c_birth);
    fmt::format_to(std::back_inserter(r[c_hh]), "{}{:07d}", t.code.substr(6, 3), p.household + 1);
    r[c_rel] = RelationName(static_cast<Relation>(p.relation));
    AppendAddress(r[c_addr], h.address, AddressStyle::kFull);
    r.Addr(c_addr, nullptr, AddressStyle::kFull);
    r[c_town] = t.code;
    SetMobile(r[c_mobile], p.mobile);
    r.Mobile(c_mobile);
    r[c_origin] =
        h.origin == 0xFF ? std::string_view("浙江绍兴") : MigrantOrigins()[h.origin].province_short;
    r[c_edu] = EducationName(p.education);
    r[c_mar] = MaritalName(p.marital);
    r[c_type] =
        h.origin != 0xFF && s.household_size[p.household] == 1 && (i % 5) < 2 ? "集体户" : "家庭户";
    int32_t reg;
    if (h.origin != 0xFF && p.birth_year < h.settled_year) {
      reg = DaysOf(h.settled_year, 1, 1) + static_cast<int32_t>(r.rng().Below(365));
    } else if (p.birth_year >= 1986) {
      reg = p.birth_days + static_cast<int32_t>(r.rng().Range(7, 90));
    } else {
      reg = DaysOf(1985, 1, 1) + static_cast<int32_t>(r.rng().Below(5 * 365));
    }
    AppendIsoDate(r[c_reg], std::min(reg, RefDays() - 1));
    r.Date(c_reg);
    r[c_status] = p.deceased ? "死亡" : "正常";
    r.LinkPerson("subject", i);
    r.EndRow();
    if ((i & 0xFFFF) == 0) r.Progress(static_cast<double>(i) / n);
  }
  return r.Finish();
}

// ---------------------------------------------------------------------------------------------
// 民政 低保, 婚姻登记

Status WriteAssistance(Shared& s) {
  ResourceOut r(s, "MZ_ASSISTANCE");
  YISHU_RETURN_IF_ERROR(r.Open());
  const int c_case = r.Col("case_no"), c_id = r.Col("id_number"), c_name = r.Col("name"),
            c_gender = r.Col("gender"), c_birth = r.Col("birth_date"), c_town = r.Col("township"),
            c_addr = r.Col("address"), c_mobile = r.Col("mobile"), c_size = r.Col("family_size"),
            c_amount = r.Col("monthly_amount"), c_start = r.Col("start_date"),
            c_status = r.Col("status");
  const District& d = s.d;
  int serial = 0;
  for (uint32_t hid = 0; hid < d.households.size(); ++hid) {
    const Household& h = d.households[hid];
    if (h.head >= d.persons.size()) continue;
    const Person& p = d.persons[h.head];
    const int size = s.household_size[hid];
    const double share = (size == 1 && RefAge(p) >= 60) ? 0.12 : 0.012;
    if (!r.rng().Chance(share) || !Alive(p)) continue;
    r.BeginRow();
    fmt::format_to(std::back_inserter(r[c_case]), "DB330603{:06d}", ++serial);
    r[c_id].assign(p.id, 18);
    r.Id(c_id, true, true);
    AppendName(r[c_name], p);
    r.Name(c_name);
    SetGender(r[c_gender], p);
    r.Gender(c_gender);
    AppendIsoDate(r[c_birth], p.birth_days);
    r.Birth(c_birth);
    r[c_town] = Townships()[h.address.township].name;
    AppendAddress(r[c_addr], h.address, AddressStyle::kFull);
    const Address prev = PreviousAddress(d, hid, s.options.seed);
    r.Addr(c_addr, &prev, AddressStyle::kFull);
    SetMobile(r[c_mobile], p.mobile);
    r.Mobile(c_mobile);
    fmt::format_to(std::back_inserter(r[c_size]), "{}", size);
    SetMoney(r[c_amount], size * (400 + static_cast<double>(r.rng().Below(790))));
    AppendIsoDate(r[c_start], DaysOf(2015, 1, 1) + static_cast<int32_t>(r.rng().Below(11 * 365)));
    r.Date(c_start);
    r[c_status] = r.rng().Chance(0.9) ? "在保" : "停保";
    r.LinkPerson("subject", h.head);
    r.EndRow();
  }
  return r.Finish();
}

Status WriteMarriage(Shared& s) {
  ResourceOut r(s, "MZ_MARRIAGE");
  YISHU_RETURN_IF_ERROR(r.Open());
  const int c_cert = r.Col("cert_no"), c_type = r.Col("reg_type"), c_date = r.Col("reg_date"),
            c_mname = r.Col("male_name"), c_mid = r.Col("male_id"), c_mbirth = r.Col("male_birth"),
            c_fname = r.Col("female_name"), c_fid = r.Col("female_id"),
            c_fbirth = r.Col("female_birth"), c_office = r.Col("office");
  const District& d = s.d;
  std::map<int, int> serial_by_year;
  const uint32_t n = static_cast<uint32_t>(d.persons.size());
  for (uint32_t i = 0; i < n; ++i) {
    const Person& husband = d.persons[i];
    if (husband.gender != 1 || husband.spouse == kNone || husband.spouse < i) continue;
    const Person& wife = d.persons[husband.spouse];
    const int year =
        std::max(husband.birth_year, wife.birth_year) + static_cast<int>(r.rng().Range(22, 30));
    if (year < 2000) continue;  // paper-era records were not digitised
    int32_t date =
        DaysOf(std::min(year, kRefYear), 1, 1) + static_cast<int32_t>(r.rng().Below(365));
    if (date >= RefDays()) continue;
    // Some couples come back for a replacement certificate (补领): a second, later record.
    const int records = r.rng().Chance(0.03) ? 2 : 1;
    for (int k = 0; k < records; ++k) {
      if (k == 1) {
        date += static_cast<int32_t>(r.rng().Range(200, 3000));
        if (date >= RefDays()) break;
      }
      int y, m, dd;
      CivilFromDays(date, &y, &m, &dd);
      r.BeginRow();
      fmt::format_to(std::back_inserter(r[c_cert]), "J330603-{}-{:06d}", y, ++serial_by_year[y]);
      r[c_type] = k == 0 ? "结婚登记" : "补领结婚证";
      AppendIsoDate(r[c_date], date);
      r.Date(c_date);
      AppendName(r[c_mname], husband);
      r.Name(c_mname);
      r[c_mid].assign(husband.id, 18);
      r.Id(c_mid, true, true);
      AppendIsoDate(r[c_mbirth], husband.birth_days);
      r.Birth(c_mbirth);
      AppendName(r[c_fname], wife);
      r.Name(c_fname);
      r[c_fid].assign(wife.id, 18);
      r.Id(c_fid, true, true);
      AppendIsoDate(r[c_fbirth], wife.birth_days);
      r.Birth(c_fbirth);
      // 绍兴县 became 柯桥区 in 2013; the registry office's name changed with it.
      r[c_office] = y < 2013 ? "绍兴县民政局婚姻登记处" : "绍兴市柯桥区民政局婚姻登记处";
      r.LinkPerson("husband", i);
      r.LinkPerson("wife", husband.spouse);
      r.EndRow();
    }
  }
  return r.Finish();
}

// ---------------------------------------------------------------------------------------------
// 人社 社会保险参保

Status WriteInsurance(Shared& s) {
  ResourceOut r(s, "RS_INSURANCE");
  YISHU_RETURN_IF_ERROR(r.Open());
  const int c_id = r.Col("id_number"), c_name = r.Col("name"), c_gender = r.Col("gender"),
            c_birth = r.Col("birth_date"), c_type = r.Col("insurance_type"),
            c_uscc = r.Col("employer_uscc"), c_ename = r.Col("employer_name"),
            c_start = r.Col("start_date"), c_base = r.Col("contribution_base"),
            c_status = r.Col("status"), c_mobile = r.Col("mobile");
  const District& d = s.d;
  // Employers: active firms, bigger ones employing more (weight ~ sqrt of capital).
  std::vector<uint32_t> companies, shops;
  std::vector<double> weights;
  for (uint32_t e = 0; e < d.enterprises.size(); ++e) {
    const Enterprise& en = d.enterprises[e];
    if (en.status != 0) continue;
    if (en.individual) {
      shops.push_back(e);
    } else {
      companies.push_back(e);
      weights.push_back(std::sqrt(static_cast<double>(en.capital)));
    }
  }
  const WeightedPicker company_picker(weights);
  std::string ename;
  const uint32_t n = static_cast<uint32_t>(d.persons.size());
  for (uint32_t i = 0; i < n; ++i) {
    const Person& p = d.persons[i];
    const int age = RefAge(p);
    if (age < 18 || !Alive(p)) continue;
    uint32_t employer = kNone;
    std::string_view type, status;
    if (age < 60) {
      if (r.rng().Chance(0.72) && !companies.empty()) {
        employer = (r.rng().Chance(0.88) || shops.empty()) ? companies[company_picker.Pick(r.rng())]
                                                           : shops[r.rng().Below(shops.size())];
        type = "企业职工基本养老保险";
        status = r.rng().Chance(0.95) ? "正常参保" : "暂停缴费";
      } else if (r.rng().Chance(0.4)) {
        type = "城乡居民基本养老保险";
        status = "正常参保";
      } else {
        continue;
      }
    } else {
      if (!r.rng().Chance(0.85)) continue;
      const bool worker = r.rng().Chance(0.5);
      type = worker ? "企业职工基本养老保险" : "城乡居民基本养老保险";
      status = worker ? "退休" : "领取待遇";
    }
    r.BeginRow();
    r[c_id].assign(p.id, 18);
    r.Id(c_id, false, true);
    AppendName(r[c_name], p);
    r.Name(c_name);
    SetGender(r[c_gender], p);
    r.Gender(c_gender);
    AppendIsoDate(r[c_birth], p.birth_days);
    r.Birth(c_birth);
    r[c_type] = type;
    int32_t start = std::max(p.birth_days + static_cast<int32_t>(18 * 365.25), DaysOf(1995, 1, 1));
    if (employer != kNone) {
      const Enterprise& e = d.enterprises[employer];
      r[c_uscc].assign(e.uscc, 18);
      r.Uscc(c_uscc);
      AppendEnterpriseName(r[c_ename], e);
      r.OrgName(c_ename);
      start = std::max(start, e.established);
    }
    start += static_cast<int32_t>(
        r.rng().Below(std::max<int32_t>(1, std::min<int32_t>(3000, RefDays() - start))));
    AppendIsoDate(r[c_start], std::min(start, RefDays() - 1));
    r.Date(c_start);
    if (status == "正常参保" || status == "暂停缴费") {
      SetMoney(r[c_base], 4462 + static_cast<double>(r.rng().Below(12000)));
    }
    r[c_status] = status;
    SetMobile(r[c_mobile], p.mobile);
    r.Mobile(c_mobile);
    r.LinkPerson("insured", i);
    if (employer != kNone) r.LinkEnterprise("employer", employer);
    r.EndRow();
    if ((i & 0xFFFF) == 0) r.Progress(static_cast<double>(i) / n);
  }
  return r.Finish();
}

// ---------------------------------------------------------------------------------------------
// 卫健 出生医学证明, 家庭医生签约

Status WriteBirths(Shared& s) {
  ResourceOut r(s, "WJ_BIRTH");
  YISHU_RETURN_IF_ERROR(r.Open());
  const int c_cert = r.Col("cert_no"), c_name = r.Col("child_name"),
            c_gender = r.Col("child_gender"), c_birth = r.Col("birth_date"),
            c_weight = r.Col("birth_weight"), c_inst = r.Col("institution"),
            c_mname = r.Col("mother_name"), c_mid = r.Col("mother_id"),
            c_fname = r.Col("father_name"), c_fid = r.Col("father_id"), c_addr = r.Col("address");
  static constexpr std::string_view kHospitals[] = {"绍兴市柯桥区妇幼保健院", "绍兴市中心医院",
                                                    "绍兴市柯桥区中医医院", "绍兴市柯桥区人民医院"};
  const District& d = s.d;
  std::vector<uint32_t> children;
  for (uint32_t i = 0; i < d.persons.size(); ++i) {
    if (d.persons[i].birth_year >= 2013) children.push_back(i);
  }
  // Certificates are issued in order of birth.
  std::stable_sort(children.begin(), children.end(), [&](uint32_t a, uint32_t b) {
    return d.persons[a].birth_days < d.persons[b].birth_days;
  });
  uint64_t serial = 100000000 + r.rng().Below(200000000);
  for (uint32_t c : children) {
    const Person& p = d.persons[c];
    const Household& h = d.households[p.household];
    r.BeginRow();
    fmt::format_to(std::back_inserter(r[c_cert]), "{}{:09d}", p.birth_year < 2019 ? 'P' : 'Q',
                   ++serial);
    AppendName(r[c_name], p);
    r.Name(c_name);
    SetGender(r[c_gender], p);
    AppendIsoDate(r[c_birth], p.birth_days);
    r.Date(c_birth);
    fmt::format_to(std::back_inserter(r[c_weight]), "{}",
                   p.twin ? r.rng().Range(1900, 2900) : r.rng().Range(2600, 4200));
    r[c_inst] = kHospitals[r.rng().Below(std::size(kHospitals))];
    if (p.mother != kNone) {
      const Person& m = d.persons[p.mother];
      AppendName(r[c_mname], m);
      r.Name(c_mname);
      r[c_mid].assign(m.id, 18);
      r.Id(c_mid, true, false);
      r.LinkPerson("mother", p.mother);
    }
    if (p.father != kNone) {
      const Person& f = d.persons[p.father];
      AppendName(r[c_fname], f);
      r.Name(c_fname);
      r[c_fid].assign(f.id, 18);
      r.Id(c_fid, true, false);
      r.LinkPerson("father", p.father);
    }
    AppendAddress(r[c_addr], h.address, AddressStyle::kCity);
    const Address prev = PreviousAddress(d, p.household, s.options.seed);
    r.Addr(c_addr, &prev, AddressStyle::kCity);
    r.LinkPerson("child", c);
    r.EndRow();
  }
  return r.Finish();
}

Status WriteFamilyDoctor(Shared& s) {
  ResourceOut r(s, "WJ_FAMILY_DOCTOR");
  YISHU_RETURN_IF_ERROR(r.Open());
  const int c_no = r.Col("sign_no"), c_id = r.Col("id_number"), c_name = r.Col("name"),
            c_gender = r.Col("gender"), c_birth = r.Col("birth_date"), c_mobile = r.Col("mobile"),
            c_landline = r.Col("landline"), c_addr = r.Col("address"),
            c_inst = r.Col("institution"), c_doc = r.Col("doctor"), c_date = r.Col("sign_date"),
            c_group = r.Col("key_group");
  const District& d = s.d;
  // Each institution has a small team of doctors (names drawn like everyone else's).
  std::vector<std::vector<std::string>> doctors(Townships().size());
  for (auto& team : doctors) {
    for (int k = 0; k < 24; ++k) {
      const auto& pool = GivenNameChars(r.rng().Chance(0.5));
      std::string name(Surnames()[r.rng().Below(40)].text);
      const size_t a = r.rng().Below(pool.size());
      name += pool[a];
      name += pool[(a + 1 + r.rng().Below(pool.size() - 1)) % pool.size()];
      team.push_back(std::move(name));
    }
  }
  uint32_t serial = 0;
  const uint32_t n = static_cast<uint32_t>(d.persons.size());
  for (uint32_t i = 0; i < n; ++i) {
    const Person& p = d.persons[i];
    if (!Alive(p)) continue;
    const int age = RefAge(p);
    const double share = age >= 65 ? 0.7 : age < 7 ? 0.45 : 0.22;
    if (!r.rng().Chance(share)) continue;
    const Household& h = d.households[p.household];
    r.BeginRow();
    fmt::format_to(std::back_inserter(r[c_no]), "QY{:08d}", ++serial);
    r[c_id].assign(p.id, 18);
    r.Id(c_id, true, true);
    AppendName(r[c_name], p);
    r.Name(c_name);
    SetGender(r[c_gender], p);
    r.Gender(c_gender);
    AppendIsoDate(r[c_birth], p.birth_days);
    r.Birth(c_birth);
    // Children are reached through a parent's phone: the same number on several people.
    uint64_t mobile = p.mobile;
    if (!mobile && p.mother != kNone) mobile = d.persons[p.mother].mobile;
    if (!mobile && p.father != kNone) mobile = d.persons[p.father].mobile;
    SetMobile(r[c_mobile], mobile);
    r.Mobile(c_mobile);
    SetLandline(r[c_landline], h.landline);
    AppendAddress(r[c_addr], h.address, AddressStyle::kCity);
    const Address prev = PreviousAddress(d, p.household, s.options.seed);
    r.Addr(c_addr, &prev, AddressStyle::kCity);
    const uint8_t t = h.address.township;
    r[c_inst] = fmt::format("绍兴市柯桥区{}{}", ShortTownship(t),
                            IsTown(t) ? "镇卫生院" : "街道社区卫生服务中心");
    r[c_doc] = doctors[t][r.rng().Below(doctors[t].size())];
    AppendIsoDate(r[c_date],
                  DaysOf(2018, 1, 1) + static_cast<int32_t>(r.rng().Below(8 * 365 + 300)));
    r.Date(c_date);
    std::string& g = r[c_group];
    if (age >= 65) {
      g = "老年人";
      if (r.rng().Chance(0.45)) g += ";高血压";
      if (r.rng().Chance(0.18)) g += ";糖尿病";
    } else if (age < 7) {
      g = "0-6岁儿童";
    } else if (age >= 40 && r.rng().Chance(0.2)) {
      g = r.rng().Chance(0.7) ? "高血压" : "糖尿病";
    } else if (p.gender == 2 && age >= 22 && age <= 40 && r.rng().Chance(0.06)) {
      g = "孕产妇";
    } else if (r.rng().Chance(0.015)) {
      g = "残疾人";
    } else {
      g = "一般人群";
    }
    r.LinkPerson("subject", i);
    r.EndRow();
    if ((i & 0xFFFF) == 0) r.Progress(static_cast<double>(i) / n);
  }
  return r.Finish();
}

// ---------------------------------------------------------------------------------------------
// 市场监管 市场主体登记

std::string_view ScopeOf(const Industry& ind) {
  const std::string_view w = ind.word;
  if (w == "印染" || w == "染整") {
    return "一般项目：面料印染加工；针纺织品及原料销售；货物进出口（除依法须经批准的项目外，凭营业"
           "执照依法自主开展经营活动）";
  }
  if (w == "化纤" || w == "化工")
    return "许可项目：危险化学品经营；一般项目：合成纤维制造；化工产品销售（不含许可类化工产品）";
  if (w == "布行" || w == "纺织品") return "一般项目：针纺织品及原料销售,服装服饰批发,面料纺织加工";
  if (w == "服装" || w == "服饰" || w == "服装店" || w == "服饰贸易")
    return "一般项目：服装制造；服装服饰零售；服饰制造";
  if (w == "饭店" || w == "面馆" || w == "餐饮管理") return "许可项目：餐饮服务；食品销售";
  return "一般项目：纺织品、针织品及原料销售；技术服务、技术开发、技术咨询；货物进出口";
}

Status WriteEnterprises(Shared& s) {
  ResourceOut r(s, "SJ_ENTERPRISE");
  YISHU_RETURN_IF_ERROR(r.Open());
  const int c_uscc = r.Col("uscc"), c_name = r.Col("name"), c_reg = r.Col("reg_no"),
            c_type = r.Col("entity_type"), c_rep = r.Col("legal_rep"),
            c_repid = r.Col("legal_rep_id"), c_cap = r.Col("registered_capital"),
            c_est = r.Col("established"), c_icode = r.Col("industry_code"),
            c_ind = r.Col("industry"), c_addr = r.Col("address"), c_town = r.Col("township"),
            c_status = r.Col("status"), c_sdate = r.Col("status_date"), c_scope = r.Col("scope");
  const District& d = s.d;
  const uint32_t n = static_cast<uint32_t>(d.enterprises.size());
  for (uint32_t i = 0; i < n; ++i) {
    const Enterprise& e = d.enterprises[i];
    const Person& rep = d.persons[e.legal_rep];
    const Industry& ind = Industries()[e.industry];
    r.BeginRow();
    r[c_uscc].assign(e.uscc, 18);
    AppendEnterpriseName(r[c_name], e);
    if (e.reg_no[0]) r[c_reg].assign(e.reg_no, 15);
    r[c_type] = EnterpriseTypeName(e);
    AppendName(r[c_rep], rep);
    r.Name(c_rep);
    r[c_repid].assign(rep.id, 18);
    r.Id(c_repid, false, false);
    SetCapital(r[c_cap], e.capital);
    AppendIsoDate(r[c_est], e.established);
    r.Date(c_est);
    r[c_icode] = ind.code;
    r[c_ind] = ind.name;
    AppendAddress(r[c_addr], e.address, AddressStyle::kFull);
    r.Addr(c_addr, nullptr, AddressStyle::kFull);
    r[c_town] = Townships()[e.address.township].name;
    r[c_status] = EnterpriseStatusName(e.status);
    if (e.status != 0) AppendIsoDate(r[c_sdate], e.closed);
    r[c_scope] = ScopeOf(ind);
    r.LinkEnterprise("subject", i);
    r.LinkPerson("legal_rep", e.legal_rep);
    r.EndRow();
    if ((i & 0xFFFF) == 0) r.Progress(static_cast<double>(i) / n);
  }
  return r.Finish();
}

// ---------------------------------------------------------------------------------------------
// 税务 纳税人

Status WriteTaxpayers(Shared& s) {
  ResourceOut r(s, "SW_TAXPAYER");
  YISHU_RETURN_IF_ERROR(r.Open());
  const int c_id = r.Col("taxpayer_id"), c_name = r.Col("name"), c_rep = r.Col("legal_rep"),
            c_repid = r.Col("legal_rep_id"), c_reg = r.Col("reg_date"),
            c_type = r.Col("taxpayer_type"), c_rating = r.Col("credit_rating"),
            c_office = r.Col("tax_office"), c_ind = r.Col("industry"), c_addr = r.Col("address"),
            c_mobile = r.Col("contact_mobile"), c_status = r.Col("status");
  // Tax offices by area (township index -> office).
  static constexpr std::string_view kOffices[] = {"柯桥", "齐贤", "钱清", "平水", "马鞍"};
  static constexpr int kOfficeOf[] = {0, 0, 1, 0, 1, 0, 1, 3, 2, 2, 4, 3, 3, 3, 3, 2};
  const District& d = s.d;
  const uint32_t n = static_cast<uint32_t>(d.enterprises.size());
  for (uint32_t i = 0; i < n; ++i) {
    const Enterprise& e = d.enterprises[i];
    if (!r.rng().Chance(0.95)) continue;
    const Person& rep = d.persons[e.legal_rep];
    r.BeginRow();
    r[c_id].assign(e.uscc, 18);
    r.Uscc(c_id);
    AppendEnterpriseName(r[c_name], e);
    r.OrgName(c_name);
    AppendName(r[c_rep], rep);
    r.Name(c_rep);
    r[c_repid].assign(rep.id, 18);
    r.Id(c_repid, true, true);
    AppendIsoDate(r[c_reg],
                  std::min(e.established + static_cast<int32_t>(r.rng().Below(30)), RefDays() - 1));
    r.Date(c_reg);
    const bool general = !e.individual && (e.capital >= 50000 || r.rng().Chance(0.3));
    r[c_type] = general ? "增值税一般纳税人" : "小规模纳税人";
    if (!e.individual || r.rng().Chance(0.3)) {
      const double x = r.rng().Uniform();
      r[c_rating] = x < 0.15 ? "A" : x < 0.65 ? "B" : x < 0.88 ? "M" : x < 0.96 ? "C" : "D";
    }
    r[c_office] = fmt::format("国家税务总局绍兴市柯桥区税务局{}税务所",
                              kOffices[kOfficeOf[e.address.township]]);
    r[c_ind] = Industries()[e.industry].name;
    AppendAddress(r[c_addr], e.address, AddressStyle::kCity);
    const Address prev = PreviousEnterpriseAddress(s.options.seed, i, e.address);
    r.Addr(c_addr, &prev, AddressStyle::kCity);
    SetMobile(r[c_mobile], rep.mobile);
    r.Mobile(c_mobile);
    r[c_status] = e.status == 1                           ? "注销"
                  : e.status == 2 || r.rng().Chance(0.03) ? "非正常"
                                                          : "正常";
    r.LinkEnterprise("taxpayer", i);
    r.LinkPerson("legal_rep", e.legal_rep);
    r.EndRow();
    if ((i & 0xFFFF) == 0) r.Progress(static_cast<double>(i) / n);
  }
  return r.Finish();
}

// ---------------------------------------------------------------------------------------------
// 生态环境 排污许可

Status WritePermits(Shared& s) {
  ResourceOut r(s, "HB_DISCHARGE_PERMIT");
  YISHU_RETURN_IF_ERROR(r.Open());
  const int c_no = r.Col("permit_no"), c_uscc = r.Col("uscc"), c_name = r.Col("name"),
            c_ind = r.Col("industry"), c_addr = r.Col("address"), c_loc = r.Col("location"),
            c_mgmt = r.Col("management"), c_poll = r.Col("pollutants"), c_cod = r.Col("cod_tpy"),
            c_nh3 = r.Col("nh3n_tpy"), c_from = r.Col("valid_from"), c_to = r.Col("valid_to");
  const District& d = s.d;
  for (uint32_t i = 0; i < d.enterprises.size(); ++i) {
    const Enterprise& e = d.enterprises[i];
    if (e.status != 0 || e.individual) continue;
    const Industry& ind = Industries()[e.industry];
    const bool weaving = ind.code == "1751" || ind.code == "1712" || ind.code == "1761";
    if (!ind.polluting && !(weaving && r.rng().Chance(0.08))) continue;
    const bool dyeing = ind.word == "印染" || ind.word == "染整";
    r.BeginRow();
    fmt::format_to(std::back_inserter(r[c_no]), "{}001{}", std::string_view(e.uscc, 18),
                   ind.polluting ? 'P' : 'W');
    r[c_uscc].assign(e.uscc, 18);
    r.Uscc(c_uscc);
    AppendEnterpriseName(r[c_name], e);
    r.OrgName(c_name);
    r[c_ind] = ind.name;
    AppendAddress(r[c_addr], e.address, AddressStyle::kFull);
    r.Addr(c_addr, nullptr, AddressStyle::kFull);
    const Township& t = Townships()[e.address.township];
    fmt::format_to(std::back_inserter(r[c_loc]), "{:.6f},{:.6f}",
                   t.lon + (r.rng().Uniform() - 0.5) * 0.04,
                   t.lat + (r.rng().Uniform() - 0.5) * 0.03);
    r[c_mgmt] = dyeing ? "重点管理" : ind.polluting ? "简化管理" : "登记管理";
    r[c_poll] = dyeing               ? "化学需氧量,氨氮,总氮,总磷,苯胺类,硫化物"
                : ind.word == "化纤" ? "化学需氧量,氨氮,颗粒物,非甲烷总烃"
                : ind.word == "化工" ? "化学需氧量,氨氮,挥发性有机物"
                                     : "化学需氧量";
    if (ind.polluting) {
      const double cod = dyeing ? 20 + r.rng().Uniform() * 380 : 5 + r.rng().Uniform() * 75;
      SetMoney(r[c_cod], cod);
      SetMoney(r[c_nh3], cod * (0.06 + r.rng().Uniform() * 0.06));
    }
    const int32_t from = DaysOf(2020, 1, 1) + static_cast<int32_t>(r.rng().Below(6 * 365));
    int y, m, dd;
    CivilFromDays(from, &y, &m, &dd);
    AppendIsoDate(r[c_from], from);
    r.Date(c_from);
    AppendIsoDate(r[c_to], DaysOf(y + 5, m, std::min(dd, 28)) - 1);
    r.Date(c_to);
    r.LinkEnterprise("subject", i);
    r.EndRow();
  }
  return r.Finish();
}

// ---------------------------------------------------------------------------------------------
// 教育 学籍

Status WriteStudents(Shared& s) {
  ResourceOut r(s, "JY_STUDENT");
  YISHU_RETURN_IF_ERROR(r.Open());
  const int c_no = r.Col("student_no"), c_name = r.Col("name"), c_id = r.Col("id_number"),
            c_gender = r.Col("gender"), c_birth = r.Col("birth_date"), c_eth = r.Col("ethnicity"),
            c_school = r.Col("school"), c_grade = r.Col("grade"), c_class = r.Col("class_name"),
            c_gname = r.Col("guardian_name"), c_gid = r.Col("guardian_id"),
            c_gmobile = r.Col("guardian_mobile"), c_phone = r.Col("home_phone"),
            c_addr = r.Col("address");
  static constexpr std::string_view kGrades[] = {"一年级", "二年级", "三年级", "四年级",
                                                 "五年级", "六年级", "七年级", "八年级",
                                                 "九年级", "高一",   "高二",   "高三"};
  static constexpr std::string_view kHighSchools[] = {
      "浙江省柯桥中学", "绍兴市柯桥区鲁迅中学", "绍兴市柯桥区越崎中学", "绍兴市柯桥区钱清中学",
      "绍兴市柯桥区职业教育中心"};
  const District& d = s.d;
  const uint32_t n = static_cast<uint32_t>(d.persons.size());
  for (uint32_t i = 0; i < n; ++i) {
    const Person& p = d.persons[i];
    // School age on 31 August of the school year that started in 2026.
    const int age = AgeOn(p, 2026, 8, 31);
    if (age < 6 || age > 17 || !r.rng().Chance(0.97)) continue;
    const int grade = age - 6;
    const Household& h = d.households[p.household];
    const uint8_t t = h.address.township;
    uint32_t guardian = r.rng().Chance(0.55) ? p.mother : p.father;
    if (guardian == kNone) guardian = p.mother != kNone ? p.mother : p.father;
    if (guardian == kNone && h.head != i) guardian = h.head;
    r.BeginRow();
    r[c_no] = "G";
    r[c_no].append(p.id, 18);
    AppendName(r[c_name], p);
    r.Name(c_name);
    r[c_id].assign(p.id, 18);
    r.Id(c_id, true, false);
    SetGender(r[c_gender], p);
    r.Gender(c_gender);
    AppendIsoDate(r[c_birth], p.birth_days);
    r.Birth(c_birth);
    r[c_eth].assign(p.ethnicity, 2);
    if (grade < 6) {
      r[c_school] =
          fmt::format("绍兴市柯桥区{}{}", ShortTownship(t), (i % 3) == 0 ? "实验小学" : "中心小学");
    } else if (grade < 9) {
      r[c_school] = fmt::format("绍兴市柯桥区{}中学", ShortTownship(t));
    } else {
      r[c_school] = kHighSchools[r.rng().Below(std::size(kHighSchools))];
    }
    r[c_grade] = kGrades[grade];
    fmt::format_to(std::back_inserter(r[c_class]), "{}班", r.rng().Range(1, 12));
    if (guardian != kNone) {
      const Person& g = d.persons[guardian];
      AppendName(r[c_gname], g);
      r.Name(c_gname);
      r[c_gid].assign(g.id, 18);
      r.Id(c_gid, true, true);
      uint64_t mobile = g.mobile;
      if (!mobile && p.mother != kNone) mobile = d.persons[p.mother].mobile;
      if (!mobile && p.father != kNone) mobile = d.persons[p.father].mobile;
      SetMobile(r[c_gmobile], mobile);
      r.Mobile(c_gmobile);
      r.LinkPerson("guardian", guardian);
    }
    SetLandline(r[c_phone], h.landline);
    AppendAddress(r[c_addr], h.address, AddressStyle::kDistrict);
    const Address prev = PreviousAddress(d, p.household, s.options.seed);
    r.Addr(c_addr, &prev, AddressStyle::kDistrict);
    r.LinkPerson("student", i);
    r.EndRow();
  }
  return r.Finish();
}

// ---------------------------------------------------------------------------------------------
// 住建 房屋租赁备案

Status WriteRentals(Shared& s) {
  ResourceOut r(s, "ZJ_RENTAL");
  YISHU_RETURN_IF_ERROR(r.Open());
  const int c_no = r.Col("record_no"), c_addr = r.Col("address"), c_area = r.Col("area"),
            c_purpose = r.Col("purpose"), c_lname = r.Col("landlord_name"),
            c_lid = r.Col("landlord_id"), c_lmobile = r.Col("landlord_mobile"),
            c_tname = r.Col("tenant_name"), c_tid = r.Col("tenant_id"),
            c_tmobile = r.Col("tenant_mobile"), c_rent = r.Col("monthly_rent"),
            c_start = r.Col("start_date"), c_end = r.Col("end_date");
  const District& d = s.d;
  // Landlords: local household heads of 35-80, by township.
  std::vector<std::vector<uint32_t>> landlords(Townships().size());
  for (const Household& h : d.households) {
    if (h.origin != 0xFF || h.head >= d.persons.size()) continue;
    const Person& p = d.persons[h.head];
    const int age = RefAge(p);
    if (age >= 35 && age <= 80 && Alive(p)) landlords[h.address.township].push_back(h.head);
  }
  std::map<int, int> serial_by_year;
  for (uint32_t hid = 0; hid < d.households.size(); ++hid) {
    const Household& h = d.households[hid];
    if (h.head >= d.persons.size()) continue;
    const Person& tenant = d.persons[h.head];
    const int age = RefAge(tenant);
    const double share = h.origin != 0xFF ? 0.35 : 0.03;
    if (age < 18 || age > 62 || !Alive(tenant) || !r.rng().Chance(share)) continue;
    // Most rent near where they work and are registered; some across the district.
    uint8_t t = r.rng().Chance(0.7) ? h.address.township
                                    : static_cast<uint8_t>(r.rng().Below(Townships().size()));
    if (landlords[t].empty()) t = h.address.township;
    if (landlords[t].empty()) continue;
    const uint32_t lid = landlords[t][r.rng().Below(landlords[t].size())];
    if (lid == h.head) continue;
    const Person& landlord = d.persons[lid];
    Address unit = d.households[landlord.household].address;
    if (unit.kind == 0 && unit.room) {
      unit.room = static_cast<uint16_t>(unit.room % 100 == 4 ? unit.room - 3 : unit.room + 1);
    } else if (unit.kind == 1) {
      unit.room = 0;
    }
    const int32_t start = DaysOf(2023, 1, 1) + static_cast<int32_t>(r.rng().Below(3 * 365 + 300));
    int y, m, dd;
    CivilFromDays(start, &y, &m, &dd);
    r.BeginRow();
    fmt::format_to(std::back_inserter(r[c_no]), "ZL{}{:06d}", y, ++serial_by_year[y]);
    AppendAddress(r[c_addr], unit, AddressStyle::kFull);
    r.Addr(c_addr, nullptr, AddressStyle::kFull);
    const bool business = r.rng().Chance(0.1);
    SetMoney(r[c_area], business ? 60 + r.rng().Uniform() * 240 : 15 + r.rng().Uniform() * 90);
    r[c_purpose] = business ? "生产经营" : "居住";
    AppendName(r[c_lname], landlord);
    r.Name(c_lname);
    r[c_lid].assign(landlord.id, 18);
    r.Id(c_lid, true, true);
    SetMobile(r[c_lmobile], landlord.mobile);
    r.Mobile(c_lmobile);
    AppendName(r[c_tname], tenant);
    r.Name(c_tname);
    r[c_tid].assign(tenant.id, 18);
    r.Id(c_tid, true, true);
    SetMobile(r[c_tmobile], tenant.mobile);
    r.Mobile(c_tmobile);
    SetMoney(r[c_rent], std::round((business ? 1500 : 500) + r.rng().Uniform() * 2500));
    AppendIsoDate(r[c_start], start);
    r.Date(c_start);
    AppendIsoDate(r[c_end], DaysOf(y + (r.rng().Chance(0.7) ? 1 : 2), m, std::min(dd, 28)) - 1);
    r.Date(c_end);
    r.LinkPerson("landlord", lid);
    r.LinkPerson("tenant", h.head);
    r.EndRow();
  }
  return r.Finish();
}

// ---------------------------------------------------------------------------------------------
// 自然资源 土地供应地块

Status WritePlots(Shared& s) {
  ResourceOut r(s, "ZR_LAND_PLOT");
  YISHU_RETURN_IF_ERROR(r.Open());
  const int c_no = r.Col("plot_no"), c_pname = r.Col("plot_name"), c_town = r.Col("township"),
            c_loc = r.Col("location_desc"), c_area = r.Col("area_sqm"), c_use = r.Col("land_use"),
            c_mode = r.Col("supply_mode"), c_hname = r.Col("holder_name"),
            c_huscc = r.Col("holder_uscc"), c_cent = r.Col("centroid"),
            c_idle = r.Col("idle_status"), c_date = r.Col("contract_date");
  static constexpr std::string_view kSides[] = {"东侧", "西侧", "南侧", "北侧"};
  const District& d = s.d;
  std::vector<uint32_t> factories, developers;
  for (uint32_t i = 0; i < d.enterprises.size(); ++i) {
    const Enterprise& e = d.enterprises[i];
    if (e.individual || e.status != 0) continue;
    const std::string_view code = Industries()[e.industry].code;
    if (code[0] == '1' || code[0] == '2' || code[0] == '3') factories.push_back(i);
    if (code == "4790" || code == "7020") developers.push_back(i);
  }
  const int n = std::max(20, static_cast<int>(std::lround(20000 * s.options.scale)));
  std::map<int, int> serial_by_year;
  for (int k = 0; k < n; ++k) {
    const double u = r.rng().Uniform();
    const int use = u < 0.68 ? 0 : u < 0.82 ? 1 : u < 0.9 ? 2 : u < 0.95 ? 3 : 4;
    static constexpr std::string_view kUses[] = {"工业用地", "住宅用地", "商服用地", "仓储用地",
                                                 "公共管理与公共服务用地"};
    uint32_t holder = kNone;
    if (use == 0 || use == 3) {
      if (!factories.empty()) holder = factories[r.rng().Below(factories.size())];
    } else if (use == 1 || use == 2) {
      if (!developers.empty()) holder = developers[r.rng().Below(developers.size())];
    }
    const bool unsupplied = r.rng().Chance(0.08);
    if (unsupplied) holder = kNone;
    const uint8_t t = holder != kNone ? d.enterprises[holder].address.township
                                      : static_cast<uint8_t>(r.rng().Below(Townships().size()));
    const Township& tw = Townships()[t];
    const int year = static_cast<int>(r.rng().Range(2003, 2026));
    r.BeginRow();
    fmt::format_to(std::back_inserter(r[c_no]), "330603-{}-{}{:04d}", year,
                   use == 0 || use == 3 ? 'G'
                   : use == 4           ? 'H'
                                        : 'J',
                   ++serial_by_year[year]);
    const std::string_view road = tw.roads[r.rng().Below(tw.roads.size())];
    const std::string_view side = kSides[r.rng().Below(4)];
    r[c_pname] = fmt::format("{}{}{}地块", tw.name, road, side);
    r[c_town] = tw.name;
    r[c_loc] = fmt::format("柯桥区{}{}{}", tw.name, road, side);
    SetMoney(r[c_area], use == 0   ? 5000 + r.rng().Uniform() * 75000
                        : use == 1 ? 20000 + r.rng().Uniform() * 130000
                                   : 3000 + r.rng().Uniform() * 40000);
    r[c_use] = kUses[use];
    r[c_mode] = use == 4 ? "划拨" : r.rng().Chance(0.94) ? "出让" : "租赁";
    if (holder != kNone) {
      const Enterprise& e = d.enterprises[holder];
      AppendEnterpriseName(r[c_hname], e);
      r.OrgName(c_hname);
      r[c_huscc].assign(e.uscc, 18);
      r.Uscc(c_huscc);
      r.LinkEnterprise("holder", holder);
    } else if (use == 4 && !unsupplied) {
      r[c_hname] = fmt::format("绍兴市柯桥区人民政府{}{}", ShortTownship(t),
                               IsTown(t) ? "镇人民政府" : "街道办事处");
    }
    fmt::format_to(std::back_inserter(r[c_cent]), "{:.6f},{:.6f}",
                   tw.lon + (r.rng().Uniform() - 0.5) * 0.05,
                   tw.lat + (r.rng().Uniform() - 0.5) * 0.04);
    const double x = r.rng().Uniform();
    r[c_idle] = unsupplied ? "未供应"
                : x < 0.8  ? "在用"
                : x < 0.9  ? "在建"
                : x < 0.95 ? "部分闲置"
                           : "闲置";
    if (!unsupplied) {
      AppendIsoDate(r[c_date], DaysOf(year, 1, 1) + static_cast<int32_t>(r.rng().Below(330)));
      r.Date(c_date);
    }
    r.EndRow();
  }
  return r.Finish();
}

// ---------------------------------------------------------------------------------------------
// 综合执法 行政处罚

Status WritePenalties(Shared& s) {
  ResourceOut r(s, "ZF_PENALTY");
  YISHU_RETURN_IF_ERROR(r.Open());
  const int c_no = r.Col("case_no"), c_type = r.Col("party_type"), c_name = r.Col("party_name"),
            c_uscc = r.Col("party_uscc"), c_idc = r.Col("party_id_card"),
            c_rep = r.Col("legal_rep"), c_viol = r.Col("violation"), c_basis = r.Col("basis"),
            c_pen = r.Col("penalty"), c_fine = r.Col("fine_amount"),
            c_date = r.Col("decision_date"), c_agency = r.Col("agency"), c_status = r.Col("status");
  struct Case {
    std::string_view violation, basis;
    int min_fine, max_fine;
  };
  // Texts as case officers write them, ASCII commas and quotes included.
  static constexpr Case kCompanyCases[] = {
      {"未按规定运行污染防治设施,超标排放水污染物", "《中华人民共和国水污染防治法》第八十三条",
       100000, 1000000},
      {"擅自占用城市道路堆放物料，影响通行", "《城市道路管理条例》第四十二条", 500, 20000},
      {"未经批准擅自设置大型户外广告设施", "《浙江省城市市容和环境卫生管理条例》第四十二条", 1000,
       10000},
      {"未按规定处置建筑垃圾,随意倾倒", "《城市建筑垃圾管理规定》第二十六条", 5000, 100000},
      {"未取得建设工程规划许可证进行建设", "《中华人民共和国城乡规划法》第六十四条", 10000, 500000},
  };
  static constexpr Case kShopCases[] = {
      {"超出门窗进行店外经营", "《浙江省城市市容和环境卫生管理条例》第四十一条", 100, 2000},
      {"未落实\"门前三包\"责任制,门前堆放杂物", "《浙江省城市市容和环境卫生管理条例》第四十六条",
       100, 1000},
      {"餐饮油烟未经净化处理直接排放", "《中华人民共和国大气污染防治法》第一百一十八条", 5000,
       50000},
      {"擅自设置户外招牌", "《浙江省城市市容和环境卫生管理条例》第四十二条", 200, 5000},
  };
  static constexpr Case kPersonCases[] = {
      {"未经批准擅自搭建建筑物、构筑物", "《浙江省城市市容和环境卫生管理条例》第四十条", 500,
       20000},
      {"随意倾倒建筑垃圾", "《城市建筑垃圾管理规定》第二十六条", 200, 5000},
      {"在禁止区域露天焚烧垃圾", "《中华人民共和国大气污染防治法》第一百一十九条", 500, 2000},
  };
  const District& d = s.d;
  std::vector<uint32_t> companies, shops;
  for (uint32_t i = 0; i < d.enterprises.size(); ++i) {
    if (d.enterprises[i].status == 1) continue;
    (d.enterprises[i].individual ? shops : companies).push_back(i);
  }
  const int n = std::max(20, static_cast<int>(std::lround(15000 * s.options.scale)));
  std::map<int, int> serial_by_year;
  for (int k = 0; k < n; ++k) {
    const double u = r.rng().Uniform();
    const int kind = (u < 0.55 && !companies.empty()) ? 0 : (u < 0.85 && !shops.empty()) ? 1 : 2;
    const Case* c;
    uint32_t enterprise = kNone, person = kNone;
    if (kind == 0) {
      enterprise = companies[r.rng().Below(companies.size())];
      c = &kCompanyCases[r.rng().Below(std::size(kCompanyCases))];
    } else if (kind == 1) {
      enterprise = shops[r.rng().Below(shops.size())];
      person = d.enterprises[enterprise].legal_rep;
      c = &kShopCases[r.rng().Below(std::size(kShopCases))];
    } else {
      for (;;) {
        person = static_cast<uint32_t>(r.rng().Below(d.persons.size()));
        const int age = RefAge(d.persons[person]);
        if (age >= 18 && age < 80 && Alive(d.persons[person])) break;
      }
      c = &kPersonCases[r.rng().Below(std::size(kPersonCases))];
    }
    const int year = static_cast<int>(r.rng().Range(2019, 2026));
    const int32_t date =
        std::min(DaysOf(year, 1, 1) + static_cast<int32_t>(r.rng().Below(365)), RefDays() - 1);
    int y, m, dd;
    CivilFromDays(date, &y, &m, &dd);
    r.BeginRow();
    fmt::format_to(std::back_inserter(r[c_no]), "柯综执罚决字〔{}〕第{:05d}号", y,
                   ++serial_by_year[y]);
    r[c_type] = kind == 0 ? "法人" : kind == 1 ? "个体工商户" : "自然人";
    if (enterprise != kNone) {
      const Enterprise& e = d.enterprises[enterprise];
      AppendEnterpriseName(r[c_name], e);
      r.OrgName(c_name);
      r[c_uscc].assign(e.uscc, 18);
      r.Uscc(c_uscc);
      r.LinkEnterprise("party", enterprise);
      if (kind == 0) {
        AppendName(r[c_rep], d.persons[e.legal_rep]);
        r.Name(c_rep);
        r.LinkPerson("legal_rep", e.legal_rep);
      }
    } else {
      AppendName(r[c_name], d.persons[person]);
      r.Name(c_name);
    }
    if (person != kNone) {
      r[c_idc].assign(d.persons[person].id, 18);
      r.Id(c_idc, false, false);
      r.LinkPerson(kind == 1 ? "operator" : "party", person);
    }
    r[c_viol] = c->violation;
    r[c_basis] = c->basis;
    const bool warning = c->min_fine < 1000 && r.rng().Chance(0.2);
    r[c_pen] = warning ? "警告" : r.rng().Chance(0.1) ? "罚款、没收违法所得" : "罚款";
    if (!warning) {
      const double fine = c->min_fine + r.rng().Uniform() * (c->max_fine - c->min_fine);
      SetMoney(r[c_fine], std::round(fine / 100) * 100);
    }
    AppendIsoDate(r[c_date], date);
    r.Date(c_date);
    const uint8_t t = enterprise != kNone
                          ? d.enterprises[enterprise].address.township
                          : d.households[d.persons[person].household].address.township;
    r[c_agency] = fmt::format("柯桥区综合行政执法局{}中队", ShortTownship(t));
    const double x = r.rng().Uniform();
    r[c_status] = x < 0.85 ? "已执行" : x < 0.95 ? "未执行" : "分期执行";
    r.EndRow();
  }
  return r.Finish();
}

// ---------------------------------------------------------------------------------------------
// Truth

Status WriteTruthPersons(Shared& s) {
  YISHU_ASSIGN_OR_RETURN(
      auto sink, CsvSink::Open(s.out_dir / "truth" / "persons.csv", Encoding::kUtf8, false, false));
  sink->WriteRow({"person_id", "name", "id_card", "birth_date", "gender", "ethnicity",
                  "township_code", "address", "mobile", "household_id", "relation", "father_id",
                  "mother_id", "spouse_id", "twin", "landline", "previous_address", "deceased"});
  const District& d = s.d;
  std::vector<std::string> row(18);
  for (uint32_t i = 0; i < d.persons.size(); ++i) {
    const Person& p = d.persons[i];
    const Household& h = d.households[p.household];
    for (auto& c : row) c.clear();
    AppendPersonId(row[0], i);
    AppendName(row[1], p);
    row[2].assign(p.id, 18);
    AppendIsoDate(row[3], p.birth_days);
    SetGender(row[4], p);
    row[5].assign(p.ethnicity, 2);
    row[6] = Townships()[h.address.township].code;
    AppendAddress(row[7], h.address, AddressStyle::kFull);
    SetMobile(row[8], p.mobile);
    fmt::format_to(std::back_inserter(row[9]), "H{:07d}", p.household + 1);
    row[10] = RelationName(static_cast<Relation>(p.relation));
    if (p.father != kNone) AppendPersonId(row[11], p.father);
    if (p.mother != kNone) AppendPersonId(row[12], p.mother);
    if (p.spouse != kNone) AppendPersonId(row[13], p.spouse);
    row[14] = p.twin ? "1" : "0";
    if (h.landline) fmt::format_to(std::back_inserter(row[15]), "0575-{}", h.landline);
    AppendAddress(row[16], PreviousAddress(d, p.household, s.options.seed), AddressStyle::kFull);
    row[17] = p.deceased ? "1" : "0";
    sink->WriteRow(row);
    if (s.options.progress && (i & 0x3FFFF) == 0) {
      s.options.progress("truth", 0.5 * i / d.persons.size());
    }
  }
  return sink->Close();
}

Status WriteTruthEnterprises(Shared& s) {
  YISHU_ASSIGN_OR_RETURN(auto sink, CsvSink::Open(s.out_dir / "truth" / "enterprises.csv",
                                                  Encoding::kUtf8, false, false));
  sink->WriteRow({"enterprise_id", "uscc", "name", "reg_no", "individual", "legal_rep_person_id",
                  "registered_capital_wan", "established", "industry_code", "township_code",
                  "address", "previous_address", "status"});
  const District& d = s.d;
  std::vector<std::string> row(13);
  for (uint32_t i = 0; i < d.enterprises.size(); ++i) {
    const Enterprise& e = d.enterprises[i];
    for (auto& c : row) c.clear();
    AppendEnterpriseId(row[0], i);
    row[1].assign(e.uscc, 18);
    AppendEnterpriseName(row[2], e);
    if (e.reg_no[0]) row[3].assign(e.reg_no, 15);
    row[4] = e.individual ? "1" : "0";
    AppendPersonId(row[5], e.legal_rep);
    SetCapital(row[6], e.capital);
    AppendIsoDate(row[7], e.established);
    row[8] = Industries()[e.industry].code;
    row[9] = Townships()[e.address.township].code;
    AppendAddress(row[10], e.address, AddressStyle::kFull);
    AppendAddress(row[11], PreviousEnterpriseAddress(s.options.seed, i, e.address),
                  AddressStyle::kFull);
    row[12] = EnterpriseStatusName(e.status);
    sink->WriteRow(row);
  }
  return sink->Close();
}

constexpr std::string_view kTruthReadme = R"(# Demo district truth

Written by `yishu demo` beside the delivered files; what the data really is.

- `persons.csv`: every person (person_id P0000001..). `id_card`, `name`, `birth_date`, `gender`
  (GB/T 2261.1 code), `ethnicity` (GB/T 3304 code) and `address` are the true values (the 公安
  register holds them, apart from its own few faults). `household_id`, `relation`, `father_id`,
  `mother_id`, `spouse_id`, `twin` and `landline` describe families (hard negatives for entity
  resolution: twins, parents and children at one address and phone). `previous_address` is the
  household's address before its last move (what stale-address faults deliver).
- `enterprises.csv`: every enterprise and 个体工商户 (enterprise_id E0000001..), with its credit
  code, name, pre-2016 registration number and its legal representative (a person_id).
- `links.csv`: `department,resource,line,role,person_id,enterprise_id` - delivered row `line`
  (1-based physical line in the delivered file; the header is line 1) is about this person or
  enterprise in this role. A row about several entities (a marriage, a birth) has several links;
  a duplicated row is linked like its original.
- `faults.csv`: `resource,file,line,field,kind,true_value,delivered_value` - every injected fault.
  `field` is the catalogue field name (`*` for a duplicated row). Kinds: name_homophone,
  name_traditional, name_char_dropped, name_chars_swapped, id_digit_typo, id_transposed,
  id_excel_scientific, id_legacy_15, uscc_typo, org_name_variant, missing, gender_mismatch,
  birth_date_mismatch, mobile_digit_missing, address_stale, address_full_width, date_format,
  duplicate_row.
)";

Status CheckReference(const fs::path& dir) {
  if (dir.empty()) return Status::Ok();
  const fs::path streets = dir / "admin-divisions" / "keqiao-330603-streets.csv";
  std::ifstream in(streets);
  if (!in) return Status::NotFound(fmt::format("reference file {} is missing", streets.string()));
  std::map<std::string, std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    auto parts = Split(line, ',');
    if (parts.size() < 2) continue;
    std::string name(Trim(parts[1]));
    if (name.size() >= 2 && name.front() == '"') name = name.substr(1, name.size() - 2);
    names[std::string(Trim(parts[0]))] = name;
  }
  for (const Township& t : Townships()) {
    auto it = names.find(std::string(t.code));
    if (it == names.end() || it->second != t.name) {
      return Status::FailedPrecondition(fmt::format(
          "{}: township {} {} not found as in the demo's table", streets.string(), t.code, t.name));
    }
  }
  // The history of division codes is optional; when present, every region code the demo puts
  // into ID numbers must be in it.
  const fs::path history = dir / "admin-divisions" / "gbt2260-history.csv";
  std::ifstream hin(history);
  if (!hin) return Status::Ok();
  std::set<std::string> codes;
  while (std::getline(hin, line)) {
    size_t start = line.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
    codes.insert(line.substr(start, 6));
  }
  std::vector<std::string_view> used = {"330603", "330621"};
  for (const Origin& o : MigrantOrigins()) {
    for (const CodePeriod& p : o.codes) used.push_back(p.code);
  }
  for (std::string_view c : used) {
    if (!codes.count(std::string(c))) {
      return Status::FailedPrecondition(
          fmt::format("{}: region code {} is not in the division history", history.string(), c));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<DemoSummary> GenerateDistrict(const DemoOptions& options) {
  if (!(options.scale > 0) || options.scale > 20) {
    return Status::InvalidArgument(fmt::format("scale must be in (0, 20], got {}", options.scale));
  }
  if (options.out_dir.empty()) return Status::InvalidArgument("no output directory given");
  YISHU_RETURN_IF_ERROR(CheckReference(options.reference_dir));

  std::error_code ec;
  fs::create_directories(options.out_dir / "truth", ec);
  if (ec) {
    return Status::IoError(
        fmt::format("cannot create {}: {}", options.out_dir.string(), ec.message()));
  }
  const fs::path out_dir = fs::absolute(options.out_dir, ec);

  District d;
  auto stage = [&](std::string_view name) {
    return [&options, name](double f) {
      if (options.progress) options.progress(name, f);
    };
  };
  GeneratePopulation(d, options.scale, options.seed, stage("persons"));
  GenerateEnterprises(d, options.scale, options.seed, stage("enterprises"));

  DemoSummary summary;
  summary.persons = static_cast<int64_t>(d.persons.size());
  summary.enterprises = static_cast<int64_t>(d.enterprises.size());
  summary.truth_dir = out_dir / "truth";
  summary.catalogue_file = out_dir / "catalogue.yaml";

  Shared s{d, options, out_dir, nullptr, nullptr, {}, &summary};
  s.household_size.assign(d.households.size(), 0);
  for (const Person& p : d.persons) ++s.household_size[p.household];
  YISHU_ASSIGN_OR_RETURN(
      s.faults, CsvSink::Open(summary.truth_dir / "faults.csv", Encoding::kUtf8, false, false));
  YISHU_ASSIGN_OR_RETURN(
      s.links, CsvSink::Open(summary.truth_dir / "links.csv", Encoding::kUtf8, false, false));
  s.faults->WriteRow(
      {"resource", "file", "line", "field", "kind", "true_value", "delivered_value"});
  s.links->WriteRow({"department", "resource", "line", "role", "person_id", "enterprise_id"});

  {
    std::ofstream cat(summary.catalogue_file, std::ios::binary);
    cat << CatalogueYaml();
    if (!cat) return Status::IoError("cannot write " + summary.catalogue_file.string());
  }

  YISHU_RETURN_IF_ERROR(WriteHousehold(s));
  YISHU_RETURN_IF_ERROR(WriteAssistance(s));
  YISHU_RETURN_IF_ERROR(WriteMarriage(s));
  YISHU_RETURN_IF_ERROR(WriteInsurance(s));
  YISHU_RETURN_IF_ERROR(WriteBirths(s));
  YISHU_RETURN_IF_ERROR(WriteFamilyDoctor(s));
  YISHU_RETURN_IF_ERROR(WriteEnterprises(s));
  YISHU_RETURN_IF_ERROR(WriteTaxpayers(s));
  YISHU_RETURN_IF_ERROR(WritePermits(s));
  YISHU_RETURN_IF_ERROR(WriteStudents(s));
  YISHU_RETURN_IF_ERROR(WriteRentals(s));
  YISHU_RETURN_IF_ERROR(WritePlots(s));
  YISHU_RETURN_IF_ERROR(WritePenalties(s));

  YISHU_RETURN_IF_ERROR(WriteTruthPersons(s));
  YISHU_RETURN_IF_ERROR(WriteTruthEnterprises(s));
  summary.faults = s.faults->lines() - 1;
  summary.links = s.links->lines() - 1;
  YISHU_RETURN_IF_ERROR(s.faults->Close());
  YISHU_RETURN_IF_ERROR(s.links->Close());
  {
    std::ofstream readme(summary.truth_dir / "README.md", std::ios::binary);
    readme << kTruthReadme;
  }
  if (options.progress) options.progress("truth", 1.0);
  return summary;
}

}  // namespace yishu::demo

#include "demo/model.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "common/time.hpp"
#include "demo/identifiers.hpp"
#include "demo/tables.hpp"

namespace yishu::demo {
namespace {

constexpr std::string_view kMarkets[] = {"中国轻纺城北市场", "中国轻纺城东市场",
                                         "中国轻纺城联合市场", "中国轻纺城东升路市场",
                                         "中国轻纺城天汇市场"};

// Given-name characters, interned once so a Person holds two small indexes.
struct CharTable {
  std::vector<std::string_view> chars;
  std::unordered_map<std::string_view, uint16_t> index;

  uint16_t Intern(std::string_view c) {
    auto [it, inserted] = index.emplace(c, static_cast<uint16_t>(chars.size()));
    if (inserted) chars.push_back(c);
    return it->second;
  }
  CharTable() {
    Intern("一");  // the fallback that keeps twins' names apart
    for (bool male : {true, false}) {
      for (int era = 0; era < 3; ++era) {
        for (const Weighted& w : GivenNames(male, era)) {
          for (size_t i = 0; i < w.text.size(); i += 3) Intern(w.text.substr(i, 3));
        }
      }
      for (std::string_view c : GivenNameChars(male)) Intern(c);
    }
  }
};

const CharTable& Chars() {
  static const CharTable table;
  return table;
}

int32_t RefDays() {
  return DaysOf(kRefYear, kRefMonth, kRefDay);
}

// Share of the population at each age (0..100): a 2020s Zhejiang pyramid, broad in the 30s and
// 50s, narrowing below 20 and above 65.
double AgeWeight(int age) {
  static constexpr double kBands[] = {4.2, 5.2, 5.3, 4.8, 5.4, 7.2, 9.0, 8.0, 7.0, 8.0, 9.0,
                                      8.5, 6.5, 6.0, 4.5, 2.8, 1.8, 1.0, 0.4, 0.1, 0.02};
  return kBands[std::min(age / 5, 20)];
}

// `older` boosts ages of 55 and over: singles and couples without children at home are
// mostly empty-nest elderly, who make the district's 60+ share (about a fifth) come out right.
WeightedPicker AgePicker(int lo, int hi, double older = 1.0) {
  std::vector<double> w(101, 0.0);
  for (int a = lo; a <= hi; ++a) w[a] = AgeWeight(a) * (a >= 55 ? older : 1.0);
  return WeightedPicker(w);
}

WeightedPicker PickerOf(std::span<const Weighted> items) {
  std::vector<double> w;
  for (const Weighted& i : items) w.push_back(i.weight);
  return WeightedPicker(w);
}

uint64_t MakeMobile(Rng& rng) {
  static constexpr int kPrefixes[] = {130, 131, 132, 133, 134, 135, 136, 137, 138, 139,
                                      150, 151, 152, 153, 155, 156, 157, 158, 159, 180,
                                      181, 182, 183, 184, 185, 186, 187, 188, 189, 173,
                                      175, 176, 177, 178, 191, 193, 195, 198, 199, 166};
  static constexpr double kWeights[] = {3, 3, 3, 3, 4, 5, 5, 5, 5, 5, 4, 3, 2, 2, 2, 2, 2, 3, 3, 2,
                                        2, 2, 2, 1, 2, 2, 2, 2, 2, 1, 1, 1, 2, 1, 1, 1, 1, 2, 2, 1};
  static const WeightedPicker picker(std::vector<double>(std::begin(kWeights), std::end(kWeights)));
  return static_cast<uint64_t>(kPrefixes[picker.Pick(rng)]) * 100000000ULL + rng.Below(100000000);
}

// Chooses the 17-digit body of an ID that no one else has, with the sequence's parity giving
// the sex (odd male, even female), as GB 11643 prescribes.
class IdAllocator {
 public:
  explicit IdAllocator(size_t n) { used_.reserve(n * 2); }
  void Assign(Person& p, std::string_view region, Rng& rng, int prefer_seq = -1) {
    char body[18];
    std::memcpy(body, region.data(), 6);
    fmt::format_to(body + 6, "{:04d}{:02d}{:02d}", p.birth_year, p.birth_month, p.birth_day);
    int seq = prefer_seq >= 0 ? prefer_seq : static_cast<int>(rng.Below(1000));
    for (int attempt = 0;; ++attempt) {
      if ((seq % 2 == 1) != (p.gender == 1)) seq = (seq + 1) % 1000;
      fmt::format_to(body + 14, "{:03d}", seq);
      uint64_t key = 0;
      for (int i = 0; i < 17; ++i) key = key * 10 + (body[i] - '0');
      if (used_.insert(key).second) break;
      seq = attempt < 4 ? (seq + 2) % 1000 : static_cast<int>(rng.Below(1000));
    }
    body[17] = IdCardCheckChar(std::string_view(body, 17));
    std::memcpy(p.id, body, 18);
  }

 private:
  std::unordered_set<uint64_t> used_;
};

}  // namespace

int32_t DaysOf(int y, int m, int d) {
  return static_cast<int32_t>(DaysFromCivil(y, m, d));
}

void AppendIsoDate(std::string& out, int32_t days) {
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  fmt::format_to(std::back_inserter(out), "{:04d}-{:02d}-{:02d}", y, m, d);
}

int AgeOn(const Person& p, int year, int month, int day) {
  int age = year - p.birth_year;
  if (month < p.birth_month || (month == p.birth_month && day < p.birth_day)) --age;
  return age;
}
int RefAge(const Person& p) {
  return AgeOn(p, kRefYear, kRefMonth, kRefDay);
}

void AppendAddress(std::string& out, const Address& a, AddressStyle style) {
  const Township& t = Townships()[a.township];
  switch (style) {
    case AddressStyle::kFull:
      out += "浙江省";
      [[fallthrough]];
    case AddressStyle::kCity:
      out += "绍兴市";
      [[fallthrough]];
    case AddressStyle::kDistrict:
      out += "柯桥区";
      [[fallthrough]];
    case AddressStyle::kTownship:
      out += t.name;
  }
  auto it = std::back_inserter(out);
  switch (a.kind) {
    case 1:
      out += t.villages[a.place];
      fmt::format_to(it, "{}号", a.number);
      break;
    case 2:
      out += kMarkets[a.place % std::size(kMarkets)];
      fmt::format_to(it, "{}区{}号", a.building, a.number);
      break;
    default:
      out += t.roads[a.place];
      fmt::format_to(it, "{}号", a.number);
      if (a.building) fmt::format_to(it, "{}幢", a.building);
      if (a.room) fmt::format_to(it, "{}室", a.room);
  }
}

Address RandomAddress(Rng& rng, uint8_t township) {
  const Township& t = Townships()[township];
  Address a;
  a.township = township;
  if (!t.villages.empty() && rng.Chance(0.55)) {
    a.kind = 1;
    a.place = static_cast<uint16_t>(rng.Below(t.villages.size()));
    a.number = static_cast<uint16_t>(rng.Range(1, 420));
    return a;
  }
  a.kind = 0;
  a.place = static_cast<uint16_t>(rng.Below(t.roads.size()));
  a.number = static_cast<uint16_t>(1 + rng.Below(rng.Chance(0.7) ? 300 : 1200));
  if (t.villages.empty() ? rng.Chance(0.68) : rng.Chance(0.3)) {
    a.building = static_cast<uint8_t>(rng.Range(1, 32));
    a.room = static_cast<uint16_t>(rng.Range(1, 26) * 100 + rng.Range(1, 4));
  }
  return a;
}

std::string_view RelationName(Relation r) {
  static constexpr std::string_view kNames[] = {"户主", "配偶", "子",   "女",
                                                "父亲", "母亲", "孙子", "孙女"};
  return kNames[r];
}

const std::vector<std::string_view>& GivenChars() {
  return Chars().chars;
}

void AppendName(std::string& out, const Person& p) {
  out += Surnames()[p.surname].text;
  const auto& chars = Chars().chars;
  for (uint16_t g : p.given) {
    if (g != 0xFFFF) out += chars[g];
  }
}

std::string_view EducationName(uint8_t e) {
  static constexpr std::string_view kNames[] = {"学龄前",   "小学",     "初中",     "高中",
                                                "中等专科", "大学专科", "大学本科", "研究生"};
  return kNames[e];
}

std::string_view MaritalName(uint8_t m) {
  static constexpr std::string_view kNames[] = {"未婚", "已婚", "丧偶", "离婚"};
  return kNames[m];
}

void AppendEnterpriseName(std::string& out, const Enterprise& e) {
  static constexpr std::string_view kPrefixes[] = {"绍兴柯桥",     "绍兴",         "浙江",
                                                   "绍兴市柯桥区", "绍兴市柯桥区", "柯桥区"};
  static constexpr std::string_view kSuffixes[] = {"有限公司", "股份有限公司", "有限责任公司"};
  out += kPrefixes[e.prefix];
  for (int i = 0; i < e.trade_len; ++i) out += TradeNameChars()[e.trade[i]];
  out += Industries()[e.industry].word;
  if (!e.individual) out += kSuffixes[e.suffix];
}

std::string_view EnterpriseStatusName(uint8_t s) {
  static constexpr std::string_view kNames[] = {"存续", "注销", "吊销"};
  return kNames[s];
}

std::string_view EnterpriseTypeName(const Enterprise& e) {
  if (e.individual) return "个体工商户";
  if (e.suffix == 1) return "股份有限公司(非上市、自然人投资或控股)";
  return e.trade_len == 3 ? "有限责任公司(自然人独资)" : "有限责任公司(自然人投资或控股)";
}

Address PreviousAddress(const District& d, uint32_t household, uint64_t seed) {
  Rng rng(seed ^ (0x9E3779B97F4A7C15ULL * (household + 1)), "previous-address");
  const Address& now = d.households[household].address;
  uint8_t township = now.township;
  if (rng.Chance(0.3)) township = static_cast<uint8_t>(rng.Below(Townships().size()));
  Address prev = RandomAddress(rng, township);
  if (prev.kind == now.kind && prev.place == now.place && prev.number == now.number) {
    prev.number = static_cast<uint16_t>(now.number + 7);
  }
  return prev;
}

void GeneratePopulation(District& d, double scale, uint64_t seed,
                        const std::function<void(double)>& progress) {
  Rng rng(seed, "population");
  const size_t target = static_cast<size_t>(std::llround(1'100'000.0 * scale));
  d.persons.clear();
  d.households.clear();
  d.persons.reserve(target + 8);
  d.households.reserve(target / 2);

  std::vector<double> tw;
  for (const Township& t : Townships()) tw.push_back(t.weight);
  const WeightedPicker township_picker(tw);
  const WeightedPicker surname_picker = PickerOf(Surnames());
  WeightedPicker given_pickers[2][3];
  for (int male = 0; male < 2; ++male) {
    for (int era = 0; era < 3; ++era) given_pickers[male][era] = PickerOf(GivenNames(male, era));
  }
  std::vector<double> ow;
  for (const Origin& o : MigrantOrigins()) ow.push_back(o.weight);
  const WeightedPicker origin_picker(ow);
  const WeightedPicker single_age = AgePicker(20, 95, 2.5), couple_age = AgePicker(22, 92, 3.0),
                       parent_age = AgePicker(24, 58), middle_age = AgePicker(30, 56);
  const auto& chars = Chars();
  IdAllocator ids(target);
  const int32_t ref_days = RefDays();

  auto name_person = [&](Person& p) {
    const bool male = p.gender == 1;
    const int era = p.birth_year < 1980 ? 0 : (p.birth_year < 2005 ? 1 : 2);
    // Mostly free combinations of name characters; a quarter or so from the lists of very
    // common names, which gives the district its realistic crowd of 王伟 and 李娜.
    if (rng.Chance(era == 2 ? 0.6 : 0.72)) {
      auto pool = GivenNameChars(male);
      p.given[0] = chars.index.at(pool[rng.Below(pool.size())]);
      p.given[1] = chars.index.at(pool[rng.Below(pool.size())]);
      if (p.given[1] == p.given[0] && rng.Chance(0.7)) p.given[1] = 0xFFFF;
    } else {
      std::string_view g = GivenNames(male, era)[given_pickers[male][era].Pick(rng)].text;
      p.given[0] = chars.index.at(g.substr(0, 3));
      p.given[1] = g.size() > 3 ? chars.index.at(g.substr(3, 3)) : 0xFFFF;
    }
  };
  auto set_birth = [&](Person& p, int32_t days) {
    days = std::min(days, ref_days - 1);
    p.birth_days = days;
    int y, m, dd;
    CivilFromDays(days, &y, &m, &dd);
    p.birth_year = static_cast<int16_t>(y);
    p.birth_month = static_cast<uint8_t>(m);
    p.birth_day = static_cast<uint8_t>(dd);
  };
  auto birth_for_age = [&](int age) {
    return ref_days - static_cast<int32_t>(age * 365.2425) - static_cast<int32_t>(rng.Below(365));
  };
  auto region_for = [&](const Household& h, const Person& p) -> std::string_view {
    if (h.origin != 0xFF && p.birth_year < h.settled_year) {
      return OriginCodeAt(MigrantOrigins()[h.origin], std::max<int>(p.birth_year, 1985));
    }
    return p.birth_year >= 2013 ? "330603" : "330621";
  };
  auto finish_person = [&](Person& p, const Household& h) {
    const int age = RefAge(p);
    double mobile_share = age < 14   ? 0.0
                          : age < 18 ? 0.45
                          : age < 70 ? 0.96
                          : age < 80 ? 0.75
                                     : 0.4;
    if (rng.Chance(mobile_share)) p.mobile = MakeMobile(rng);
    if (age < 6) {
      p.education = 0;
    } else if (age < 12) {
      p.education = 1;
    } else if (age < 15) {
      p.education = 2;
    } else if (age < 18) {
      p.education = 3;
    } else {
      // Older generations left school earlier.
      static constexpr double kOld[] = {0, 35, 40, 15, 5, 3, 2, 0};
      static constexpr double kMid[] = {0, 5, 30, 20, 12, 15, 15, 3};
      static constexpr double kYoung[] = {0, 1, 15, 18, 14, 22, 25, 5};
      static const WeightedPicker old_p({std::begin(kOld), std::end(kOld)}),
          mid_p({std::begin(kMid), std::end(kMid)}),
          young_p({std::begin(kYoung), std::end(kYoung)});
      p.education = static_cast<uint8_t>(age >= 55   ? old_p.Pick(rng)
                                         : age >= 35 ? mid_p.Pick(rng)
                                                     : young_p.Pick(rng));
    }
    if (h.origin != 0xFF) {
      for (const Weighted& m : MigrantOrigins()[h.origin].minorities) {
        if (rng.Chance(m.weight)) {
          p.ethnicity[0] = m.text[0];
          p.ethnicity[1] = m.text[1];
          break;
        }
      }
    } else if (rng.Chance(0.003)) {
      p.ethnicity[0] = '0';
      p.ethnicity[1] = rng.Chance(0.5) ? '3' : '8';
    }
  };

  auto add = [&](Person p) -> uint32_t {
    d.persons.push_back(p);
    return static_cast<uint32_t>(d.persons.size() - 1);
  };

  size_t next_report = 0;
  while (d.persons.size() < target) {
    if (progress && d.persons.size() >= next_report) {
      progress(static_cast<double>(d.persons.size()) / target);
      next_report += 65536;
    }
    const uint32_t hid = static_cast<uint32_t>(d.households.size());
    Household h;
    h.address = RandomAddress(rng, static_cast<uint8_t>(township_picker.Pick(rng)));
    if (rng.Chance(0.17)) {
      h.origin = static_cast<uint8_t>(origin_picker.Pick(rng));
      h.settled_year = static_cast<uint16_t>(rng.Range(1995, 2024));
    }
    if (rng.Chance(0.55)) {
      static constexpr int kExchanges[] = {81, 84, 85, 88, 89};
      h.landline = static_cast<uint32_t>(kExchanges[rng.Below(5)] * 1000000 + rng.Below(1000000));
    }
    h.head = static_cast<uint32_t>(d.persons.size());
    d.households.push_back(h);

    const double kind = rng.Uniform();
    const int type = kind < 0.18 ? 0 : kind < 0.38 ? 1 : kind < 0.80 ? 2 : kind < 0.95 ? 3 : 4;
    int head_age = type == 0   ? static_cast<int>(single_age.Pick(rng))
                   : type == 1 ? static_cast<int>(couple_age.Pick(rng))
                   : type == 3 ? static_cast<int>(middle_age.Pick(rng))
                               : static_cast<int>(parent_age.Pick(rng));
    Person head;
    head.household = hid;
    head.relation = kHead;
    head.gender = (type == 0 || type == 4) ? (rng.Chance(0.55) ? 1 : 2) : (rng.Chance(0.8) ? 1 : 2);
    head.surname = static_cast<uint8_t>(surname_picker.Pick(rng));
    set_birth(head, birth_for_age(head_age));
    name_person(head);
    if (type == 0) {
      head.marital = head_age < 30 ? 0 : static_cast<uint8_t>(rng.Chance(0.5) ? 2 : 3);
      if (head_age < 55 && rng.Chance(0.5)) head.marital = 0;
    } else {
      head.marital = type == 4 ? static_cast<uint8_t>(rng.Chance(0.6) ? 3 : 2) : 1;
    }
    finish_person(head, h);
    ids.Assign(head, region_for(h, head), rng);
    const uint32_t head_idx = add(head);

    uint32_t spouse_idx = kNone;
    if (type == 1 || type == 2 || type == 3) {
      Person s;
      s.household = hid;
      s.relation = kSpouse;
      s.gender = head.gender == 1 ? 2 : 1;
      s.surname = static_cast<uint8_t>(surname_picker.Pick(rng));
      int age = std::clamp(
          head_age + static_cast<int>(rng.Range(-4, 4)) + (head.gender == 1 ? -1 : 1), 20, 99);
      set_birth(s, birth_for_age(age));
      name_person(s);
      s.marital = 1;
      s.spouse = head_idx;
      finish_person(s, h);
      ids.Assign(s, region_for(h, s), rng);
      spouse_idx = add(s);
      d.persons[head_idx].spouse = spouse_idx;
    }

    if (type >= 2) {
      const Person& hp = d.persons[head_idx];
      const uint32_t father = hp.gender == 1 ? head_idx : spouse_idx;
      const uint32_t mother = hp.gender == 2 ? head_idx : spouse_idx;
      const uint8_t child_surname =
          father != kNone && rng.Chance(0.95) ? d.persons[father].surname : hp.surname;
      const double r = rng.Uniform();
      int kids = r < 0.5 ? 1 : r < 0.92 ? 2 : 3;
      int parent_age = head_age;
      for (int k = 0; k < kids; ++k) {
        const int age = parent_age - static_cast<int>(rng.Range(22, 36));
        if (age < 0) continue;
        const bool twins = rng.Chance(0.012);
        const int32_t birth = birth_for_age(age);
        int first_seq = -1;
        for (int t = 0; t < (twins ? 2 : 1); ++t) {
          Person c;
          c.household = hid;
          c.gender = rng.Chance(0.52) ? 1 : 2;
          c.relation = c.gender == 1 ? kSon : kDaughter;
          c.surname = child_surname;
          c.father = father;
          c.mother = mother;
          c.twin = twins;
          set_birth(c, birth);
          name_person(c);
          // Twins get different names but never the same given name.
          if (t == 1 && c.given[0] == d.persons.back().given[0] &&
              c.given[1] == d.persons.back().given[1]) {
            c.given[1] = c.given[1] == 0xFFFF ? c.given[0] : 0xFFFF;
            if (c.given[1] == c.given[0]) c.given[1] = chars.index.at("一");
          }
          c.marital = age >= 28 && rng.Chance(0.3) ? 1 : 0;
          finish_person(c, h);
          // Twins are registered together: consecutive sequence numbers.
          ids.Assign(c, region_for(h, c), rng, t == 1 ? first_seq + 1 : -1);
          if (t == 0) first_seq = (c.id[14] - '0') * 100 + (c.id[15] - '0') * 10 + (c.id[16] - '0');
          add(c);
        }
      }
      if (type == 3) {
        // The head's parents live with the family.
        const int n = rng.Chance(0.6) ? 2 : 1;
        const int gp_age = std::min(head_age + static_cast<int>(rng.Range(24, 34)), 98);
        for (int g = 0; g < n; ++g) {
          Person gp;
          gp.household = hid;
          gp.gender = n == 2 ? (g == 0 ? 1 : 2) : (rng.Chance(0.35) ? 1 : 2);
          gp.relation = gp.gender == 1 ? kFather : kMother;
          gp.surname = gp.gender == 1 && hp.gender == 1
                           ? hp.surname
                           : static_cast<uint8_t>(surname_picker.Pick(rng));
          if (gp.gender == 1 && hp.gender == 2) gp.surname = hp.surname;
          set_birth(gp,
                    birth_for_age(std::clamp(gp_age + static_cast<int>(rng.Range(-3, 3)), 44, 99)));
          name_person(gp);
          gp.marital = n == 2 ? 1 : 2;
          finish_person(gp, h);
          ids.Assign(gp, region_for(h, gp), rng);
          const uint32_t gi = add(gp);
          if (gp.gender == 1) {
            d.persons[head_idx].father = gi;
          } else {
            d.persons[head_idx].mother = gi;
          }
        }
        if (n == 2) {
          d.persons[d.persons.size() - 1].spouse = static_cast<uint32_t>(d.persons.size() - 2);
          d.persons[d.persons.size() - 2].spouse = static_cast<uint32_t>(d.persons.size() - 1);
        }
      }
    }
  }
  d.persons.resize(std::min(d.persons.size(), target));
  // A household cut off by the target keeps only the members that made it in; links to
  // removed members are cleared.
  const uint32_t n = static_cast<uint32_t>(d.persons.size());
  for (Person& p : d.persons) {
    if (p.father >= n) p.father = kNone;
    if (p.mother >= n) p.mother = kNone;
    if (p.spouse >= n) p.spouse = kNone;
  }
  // Keep a sliver of deaths: the register still lists them (status 死亡), and the other
  // departments stop mentioning them.
  for (Person& p : d.persons) {
    if (RefAge(p) >= 80 && rng.Chance(0.02)) p.deceased = true;
  }
  if (progress) progress(1.0);
}

void GenerateEnterprises(District& d, double scale, uint64_t seed,
                         const std::function<void(double)>& progress) {
  Rng rng(seed, "enterprises");
  const size_t target = static_cast<size_t>(std::llround(300'000.0 * scale));
  d.enterprises.clear();
  d.enterprises.reserve(target);
  std::vector<double> iw;
  for (const Industry& i : Industries()) iw.push_back(i.weight);
  const WeightedPicker industry_picker(iw);
  // Firms concentrate in the market (柯桥), the weaving towns and the 滨海 dyeing cluster (马鞍).
  std::vector<double> company_tw = {20, 7, 12, 3, 12, 5, 7, 2, 8, 7, 10, 3, 0.5, 0.5, 1.5, 1.5};
  std::vector<double> polluting_tw = {1, 1,   2,  0.2, 3, 0.5, 1,   0.2,
                                      2, 1.5, 14, 0.3, 0, 0,   0.2, 0.3};
  const WeightedPicker company_township(company_tw), polluting_township(polluting_tw);
  const auto trade_chars = TradeNameChars();
  std::unordered_set<uint64_t> names, codes;
  names.reserve(target * 2);
  codes.reserve(target * 2);
  const int32_t ref_days = RefDays();
  const size_t persons = d.persons.size();
  std::string name;
  int reg_seq = 0;

  for (size_t i = 0; i < target; ++i) {
    if (progress && i % 32768 == 0) progress(static_cast<double>(i) / target);
    Enterprise e;
    e.industry = static_cast<uint8_t>(industry_picker.Pick(rng));
    const Industry& ind = Industries()[e.industry];
    e.individual = ind.individual;
    // Establishment: more firms each year, individuals younger on average.
    int year = e.individual
                   ? static_cast<int>(2026 - std::floor(std::pow(rng.Uniform(), 1.6) * 24))
                   : static_cast<int>(2026 - std::floor(std::pow(rng.Uniform(), 1.3) * 34));
    e.established =
        std::min(DaysOf(year, 1, 1) + static_cast<int32_t>(rng.Below(365)), ref_days - 1);
    const double s = rng.Uniform();
    e.status = s < 0.82 ? 0 : s < 0.95 ? 1 : 2;
    if (e.status != 0) {
      e.closed =
          e.established + static_cast<int32_t>(rng.Below(std::max(1, ref_days - e.established)));
    }
    if (e.individual) {
      e.prefix = rng.Chance(0.85) ? 4 : 5;
      e.capital = static_cast<uint32_t>(std::exp(std::log(100.0) + rng.Uniform() * std::log(50.0)));
    } else {
      const double c = rng.Uniform();
      e.prefix = c < 0.4 ? 0 : c < 0.6 ? 1 : c < 0.72 ? 2 : 3;
      // Log-normal-ish between 10万 and 1亿, median near 100万.
      double wan = std::exp(std::log(10.0) + std::pow(rng.Uniform(), 1.4) * std::log(1000.0));
      if (ind.polluting) wan *= 5;
      wan = std::round(wan);
      e.capital = static_cast<uint32_t>(std::min(wan, 100000.0) * 100);
      const double sf = rng.Uniform();
      e.suffix = (wan >= 500 && sf < 0.08) ? 1 : sf < 0.92 ? 0 : 2;
    }
    for (int attempt = 0;; ++attempt) {
      e.trade_len = attempt >= 6 || rng.Chance(0.12) ? 3 : 2;
      for (int k = 0; k < e.trade_len; ++k) {
        e.trade[k] = static_cast<uint16_t>(rng.Below(trade_chars.size()));
      }
      if (e.trade[0] == e.trade[1]) continue;
      name.clear();
      AppendEnterpriseName(name, e);
      if (names.insert(Rng::Fnv1a(name)).second) break;
    }
    // Legal representative / operator: alive, 20-70 when the firm was founded, under 80 now.
    int est_y, est_m, est_d;
    CivilFromDays(e.established, &est_y, &est_m, &est_d);
    for (int attempt = 0;; ++attempt) {
      uint32_t p = static_cast<uint32_t>(rng.Below(persons));
      const Person& rep = d.persons[p];
      const int age_then = AgeOn(rep, est_y, est_m, est_d), age_now = RefAge(rep);
      if ((age_then >= 20 && age_then <= 70 && age_now < 80 && !rep.deceased) || attempt > 1000) {
        e.legal_rep = p;
        break;
      }
    }
    // Address.
    if (e.individual && (ind.word == "布行" || ind.word == "服装店") && rng.Chance(0.7)) {
      e.address.township = 0;
      e.address.kind = 2;
      e.address.place = static_cast<uint16_t>(rng.Below(5));
      e.address.building = static_cast<uint8_t>(rng.Range(1, 9));
      e.address.number = static_cast<uint16_t>(rng.Range(1, 2400));
    } else {
      uint8_t t =
          static_cast<uint8_t>((ind.polluting ? polluting_township : company_township).Pick(rng));
      e.address = RandomAddress(rng, t);
      if (e.address.kind == 0 && !e.individual) e.address.room = 0;
    }
    // 统一社会信用代码: 9 (工商) + 1 企业 / 2 个体工商户 + registering authority's division
    // + GB 11714 organisation code + check.
    for (;;) {
      char code[18];
      code[0] = '9';
      code[1] = e.individual ? '2' : '1';
      std::string_view region = est_y >= 2013 || rng.Chance(0.7) ? "330603" : "330621";
      std::memcpy(code + 2, region.data(), 6);
      if (est_y >= 2015) {
        code[8] = 'M';
        code[9] = 'A';
        code[10] = '2';
        for (int k = 11; k < 16; ++k) code[k] = kUsccAlphabet[rng.Below(kUsccAlphabet.size())];
      } else {
        static constexpr char kLeads[] = {'1', '5', '6', '7', '3'};
        code[8] = kLeads[rng.Below(5)];
        for (int k = 9; k < 16; ++k) code[k] = static_cast<char>('0' + rng.Below(10));
      }
      code[16] = OrgCodeCheckChar(std::string_view(code + 8, 8));
      code[17] = UsccCheckChar(std::string_view(code, 17));
      uint64_t key = Rng::Fnv1a(std::string_view(code, 18));
      if (codes.insert(key).second) {
        std::memcpy(e.uscc, code, 18);
        break;
      }
    }
    // The 15-digit registration number of firms registered before the 2016 reform.
    std::memset(e.reg_no, 0, sizeof(e.reg_no));
    if (est_y < 2016) {
      char reg[15];
      std::string_view authority = est_y < 2013 ? "330621" : "330603";
      std::memcpy(reg, authority.data(), 6);
      fmt::format_to(reg + 6, "{}{:07d}", e.individual ? 6 : 0, ++reg_seq);
      reg[14] = RegNoCheckDigit(std::string_view(reg, 14));
      std::memcpy(e.reg_no, reg, 15);
    }
    d.enterprises.push_back(e);
  }
  if (progress) progress(1.0);
}

}  // namespace yishu::demo

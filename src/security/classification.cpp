#include "security/classification.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "common/time.hpp"
#include "security/field_protection.hpp"
#include "standards/checks.hpp"

namespace yishu::security {

namespace {

// At most this many values per field are examined: enough for a stable fraction.
constexpr size_t kMaxExamined = 300;
// A value rule fires when at least this share of the examined values pass it; below 1 because
// delivered data carries faults (typos, spreadsheet damage) the validators rightly reject.
constexpr double kValueThreshold = 0.75;

std::vector<uint32_t> CodePoints(std::string_view s) {
  std::vector<uint32_t> out;
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<uint8_t>(s[i]);
    size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
    uint32_t c = n == 1 ? b : b & (0x7F >> n);
    for (size_t k = 1; k < n && i + k < s.size(); ++k)
      c = (c << 6) | (static_cast<uint8_t>(s[i + k]) & 0x3F);
    out.push_back(c);
    i += n;
  }
  return out;
}

bool IsHan(uint32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

bool Contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}
bool ContainsAny(std::string_view s, std::initializer_list<std::string_view> parts) {
  for (auto p : parts)
    if (Contains(s, p)) return true;
  return false;
}

std::string Compact(std::string_view v) {
  std::string out = NormalizeForIndex("", v);
  out.erase(std::remove_if(out.begin(), out.end(), [](char c) { return c == ' ' || c == '-'; }),
            out.end());
  return out;
}
bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

const std::set<std::string>& Surnames() {
  // The ~120 most common single surnames and the common compound ones (together >90% of the
  // population); a name is 2-4 Han characters starting with one of them.
  static const std::set<std::string> s = [] {
    std::set<std::string> out;
    const char* kSingle =
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
        "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
        "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
        "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
        "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
        "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝";
    for (uint32_t c : CodePoints(kSingle)) {
      std::string u;
      u.push_back(static_cast<char>(0xE0 | (c >> 12)));
      u.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      u.push_back(static_cast<char>(0x80 | (c & 0x3F)));
      out.insert(u);
    }
    for (const char* c : {"欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟",
                          "长孙", "宇文", "司徒", "夏侯", "公孙", "端木"})
      out.insert(c);
    return out;
  }();
  return s;
}

bool LooksLikePersonName(std::string_view v) {
  auto cps = CodePoints(v);
  if (cps.size() < 2 || cps.size() > 4) return false;
  for (uint32_t c : cps)
    if (!IsHan(c) && c != 0xB7) return false;  // U+00B7 middle dot in transcribed names
  // Place names have the same shape (柯桥街道, 钱清镇): their administrative suffix rules them out.
  for (auto suffix : {"街道", "镇", "乡", "村", "区", "县", "市", "社区", "路", "街"})
    if (v.size() > std::strlen(suffix) && v.substr(v.size() - std::strlen(suffix)) == suffix)
      return false;
  const auto& s = Surnames();
  return s.count(std::string(v.substr(0, 3))) ||
         (cps.size() >= 3 && s.count(std::string(v.substr(0, 6))));
}

bool LooksLikeAddress(std::string_view v) {
  auto cps = CodePoints(v);
  if (cps.size() < 6) return false;
  size_t han = std::count_if(cps.begin(), cps.end(), IsHan);
  if (han * 2 < cps.size()) return false;
  if (ContainsAny(v, {"公司", "有限", "厂", "合作社", "中心", "卫生院", "医院", "学校", "小学",
                      "中学", "地块"}))
    return false;
  int markers = 0;
  for (auto m : {"省", "市", "区", "县", "镇", "乡", "街道", "路", "街", "号", "村", "弄", "幢",
                 "室", "社区", "小区", "大道", "巷", "组"})
    if (Contains(v, m)) ++markers;
  return markers >= 3;
}

bool LooksLikeMobile(std::string_view v) {
  std::string c = Compact(v);
  std::string_view n = standards::StripChinaCountryCode(c);
  return n.size() == 11 && AllDigits(n) && standards::IsMobileSegment(n);
}

bool LooksLikeLandline(std::string_view v) {
  std::string c = Compact(v);
  c.erase(std::remove_if(c.begin(), c.end(), [](char ch) { return ch == '(' || ch == ')'; }),
          c.end());
  if (!AllDigits(c)) return false;
  // Area code 0XX(X) + 7-8 digit local number.
  return c[0] == '0' && c[1] != '0' && c.size() >= 10 && c.size() <= 12;
}

bool LooksLikeEmail(std::string_view v) {
  auto at = v.find('@');
  if (at == std::string_view::npos || at == 0 || v.find('@', at + 1) != std::string_view::npos)
    return false;
  auto dot = v.find('.', at);
  return dot != std::string_view::npos && dot > at + 1 && dot + 1 < v.size() &&
         v.find(' ') == std::string_view::npos;
}

bool LooksLikePlate(std::string_view v) {
  static const std::string kProvinces =
      "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
  std::string c = Compact(v);
  if (c.size() < 3 + 6 || c.size() > 3 + 7) return false;
  if (kProvinces.find(c.substr(0, 3)) == std::string::npos) return false;
  if (!(c[3] >= 'A' && c[3] <= 'Z')) return false;
  for (size_t i = 4; i < c.size(); ++i)
    if (!((c[i] >= 'A' && c[i] <= 'Z') || (c[i] >= '0' && c[i] <= '9'))) return false;
  return true;
}

bool LooksLikeCoordinates(std::string_view v) {
  std::string s(v);
  for (char& ch : s)
    if (ch == ',' || ch == ';' || ch == '(' || ch == ')') ch = ' ';
  if (s.rfind("POINT", 0) == 0) s = s.substr(5);
  double a, b;
  char rest;
  if (std::sscanf(s.c_str(), "%lf %lf %c", &a, &b, &rest) != 2) return false;
  auto lonlat = [](double lon, double lat) {
    return lon >= 73 && lon <= 136 && lat >= 3 && lat <= 54;
  };
  return lonlat(a, b) || lonlat(b, a);
}

bool LooksLikeBankCard(std::string_view v) {
  std::string c = Compact(v);
  return c.size() >= 16 && c.size() <= 19 && AllDigits(c) && standards::LuhnOk(c) &&
         !standards::IdCardChecksumOk(c);
}

bool LooksLikeEthnicity(std::string_view v) {
  auto cps = CodePoints(v);
  return cps.size() >= 2 && cps.size() <= 6 && v.size() >= 3 && v.substr(v.size() - 3) == "族";
}

bool LooksLikeHealth(std::string_view v) {
  return ContainsAny(v, {"高血压", "糖尿病", "慢性", "精神", "残疾", "孕产妇", "肿瘤", "结核", "病",
                         "诊断", "症", "阳性", "阴性"});
}

// Age in whole years at the reference date from an ID number's birth date, or -1.
int AgeFromId(std::string_view id, int ref_year, int ref_month, int ref_day) {
  auto info = standards::ParseIdCard(Compact(id));
  if (!info) return -1;
  int age = ref_year - info->year;
  if (ref_month < info->month || (ref_month == info->month && ref_day < info->day)) --age;
  return age;
}
int AgeFromDate(std::string_view d, int ry, int rm, int rd) {
  int y, m, day;
  if (std::sscanf(std::string(d).c_str(), "%d-%d-%d", &y, &m, &day) != 3 &&
      std::sscanf(std::string(d).c_str(), "%d/%d/%d", &y, &m, &day) != 3)
    return -1;
  if (!IsValidDate(y, m, day)) return -1;
  int age = ry - y;
  if (rm < m || (rm == m && rd < day)) --age;
  return age;
}

struct ValueRule {
  const char* type;
  bool (*test)(std::string_view);
  const char* what;  // for the evidence sentence
};

bool IdCardOk(std::string_view v) {
  return standards::IdCardChecksumOk(Compact(v));
}
bool UsccOk(std::string_view v) {
  return standards::UsccChecksumOk(Compact(v));
}

// In priority order: when two rules pass the same share, the earlier (more specific) wins.
const ValueRule kValueRules[] = {
    {"id_card", IdCardOk, "pass GB 11643 (公民身份号码 check character)"},
    {"uscc", UsccOk, "pass GB 32100 (统一社会信用代码 check character)"},
    {"mobile", LooksLikeMobile, "are 11-digit numbers in allocated mobile segments"},
    {"bank_card", LooksLikeBankCard, "are 16-19 digit numbers passing the Luhn check"},
    {"landline", LooksLikeLandline, "are area code + local number"},
    {"email", LooksLikeEmail, "are e-mail addresses"},
    {"plate_number", LooksLikePlate, "are licence plates (province + letter + 5-6)"},
    {"coordinates", LooksLikeCoordinates, "are longitude/latitude pairs inside China"},
    {"ethnicity", LooksLikeEthnicity, "are ethnic group names (…族)"},
    {"person_name", LooksLikePersonName, "are 2-4 Han characters starting with a common surname"},
    {"address", LooksLikeAddress, "are addresses (administrative and street markers)"},
};

struct LabelRule {
  const char* type;
  std::initializer_list<std::string_view> words;
};

const LabelRule kLabelRules[] = {
    {"id_card", {"身份证", "公民身份号码", "身份号码", "证件号码", "身份证件"}},
    {"uscc", {"统一社会信用代码", "信用代码", "纳税人识别号"}},
    {"mobile", {"手机", "移动电话", "联系电话"}},
    {"landline", {"固定电话", "座机", "家庭电话", "办公电话"}},
    {"bank_card", {"银行卡", "银行账号", "卡号", "开户账号"}},
    {"email", {"邮箱", "电子邮件", "email"}},
    {"plate_number", {"车牌", "号牌"}},
    {"coordinates", {"经纬度", "坐标", "经度", "纬度"}},
    {"ethnicity", {"民族"}},
    {"person_name", {"姓名"}},
    {"address", {"地址", "住址", "住所", "坐落"}},
};

struct SensitiveRule {
  const char* category;
  std::initializer_list<std::string_view> words;
};
const SensitiveRule kSensitiveLabels[] = {
    {"health",
     {"健康", "疾病", "病史", "诊断", "病情", "体检", "残疾", "重点人群", "体重", "身高", "血型",
      "过敏", "病"}},
    {"religion", {"宗教", "信仰"}},
    {"biometrics", {"指纹", "人脸", "虹膜", "声纹", "掌纹", "面部", "照片", "基因"}},
    {"minors", {"学生", "儿童", "新生儿", "未成年", "学籍", "婴儿", "幼儿"}},
    {"financial_account", {"银行卡", "银行账号", "账户", "开户行", "存款", "征信"}},
    {"precise_location", {"定位", "轨迹", "行踪"}},
};

// Labels naming another adult than the record's subject: their fields are not the minor's.
bool NamesOtherAdult(std::string_view label) {
  return ContainsAny(label, {"父亲", "母亲", "监护人", "出租人", "承租人", "法定代表人", "女方",
                             "男方", "医生", "户主", "联系人"});
}
// Labels of organisations and institutions, not of a person.
bool NamesOrganisation(std::string_view label) {
  return ContainsAny(label, {"机构", "学校", "单位", "医院", "企业", "机关", "税务所"});
}

std::string Pct(double f) {
  return fmt::format("{:.0f}%", f * 100);
}

int LevelNum(std::string_view l) {
  return l.size() == 2 && l[0] == 'L' ? l[1] - '0' : 0;
}

}  // namespace

nlohmann::json ToJson(const FieldProposal& p) {
  return {{"field", p.field},
          {"label", p.label},
          {"detected_type",
           p.detected_type.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.detected_type)},
          {"sensitive", p.sensitive},
          {"level", p.level},
          {"category", p.category},
          {"personal", p.personal.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.personal)},
          {"confidence", std::round(p.confidence * 100) / 100},
          {"evidence", p.evidence}};
}

Result<std::vector<FieldProposal>> ClassifyFields(const catalogue::Resource& resource,
                                                  const SampleValues& samples) {
  // Ages are computed at today's date: "minor" is about now.
  int64_t days = NowMillis() / 86400000;
  int ry, rm, rd;
  CivilFromDays(days, &ry, &rm, &rd);
  const bool person_subject = resource.subject == "person";
  std::string resource_text = resource.name + " " + resource.description;
  // Resource-level minors: a resource about students or newborns, or whose subjects' ID
  // numbers / birth dates are mostly of children under 14.
  std::string minors_reason;
  for (auto w : {"学生", "学籍", "儿童", "新生儿", "出生医学", "未成年", "幼儿园"})
    if (Contains(resource.name, w)) {
      minors_reason = fmt::format("resource name {} mentions {}", resource.name, w);
      break;
    }

  std::vector<FieldProposal> out;
  for (const auto& f : resource.fields) {
    FieldProposal p;
    p.field = f.name;
    p.label = f.label;
    const std::string label = f.label + " " + f.name;
    static const std::vector<std::string> kEmpty;
    auto it = samples.by_field.find(f.name);
    const auto& values = it == samples.by_field.end() ? kEmpty : it->second;
    size_t n = std::min(values.size(), kMaxExamined);

    // Value rules.
    std::string value_type;
    double value_share = 0;
    if (n > 0) {
      for (const auto& rule : kValueRules) {
        size_t pass = 0;
        for (size_t i = 0; i < n; ++i)
          if (rule.test(values[i])) ++pass;
        double share = static_cast<double>(pass) / static_cast<double>(n);
        if (share >= kValueThreshold && share > value_share + 1e-9) {
          value_type = rule.type;
          value_share = share;
          p.evidence.push_back(fmt::format("{} of {} sampled values {}", Pct(share), n, rule.what));
        }
      }
    }
    // Label rules.
    std::string label_type;
    for (const auto& rule : kLabelRules) {
      for (auto w : rule.words)
        if (Contains(label, w)) {
          label_type = rule.type;
          p.evidence.push_back(fmt::format("label {} contains {}", f.label, w));
          break;
        }
      if (!label_type.empty()) break;
    }
    // Ethnicity is often delivered as GB 3304 codes (01 汉族 … 56 基诺族, 97/98): two digits
    // prove nothing alone, so the codes count only under a 民族 label.
    if (label_type == "ethnicity" && value_type.empty() && n > 0) {
      size_t codes = 0;
      for (size_t i = 0; i < n; ++i) {
        std::string c = Compact(values[i]);
        if (c.size() == 2 && AllDigits(c)) {
          int k = std::stoi(c);
          if ((k >= 1 && k <= 56) || k == 97 || k == 98) ++codes;
        }
      }
      double share = static_cast<double>(codes) / static_cast<double>(n);
      if (share >= kValueThreshold) {
        value_type = "ethnicity";
        value_share = share;
        p.evidence.push_back(
            fmt::format("{} of {} sampled values are GB 3304 ethnic group codes", Pct(share), n));
      }
    }
    if (f.type == "geo_point" && label_type.empty()) {
      label_type = "coordinates";
      p.evidence.push_back("catalogue type geo_point");
    }

    if (!value_type.empty()) {
      p.detected_type = value_type;
      p.confidence = value_share * (label_type == value_type ? 1.0 : 0.9);
    } else if (!label_type.empty() && n == 0) {
      // No values to look at: the label alone, with less confidence.
      p.detected_type = label_type;
      p.confidence = 0.6;
    } else if (!label_type.empty() && label_type == "coordinates" && f.type == "geo_point") {
      p.detected_type = label_type;
      p.confidence = 0.8;
    } else {
      p.confidence = label_type.empty() ? 0.7 : 0.4;  // a label that the values contradict
      if (!label_type.empty())
        p.evidence.push_back(fmt::format("but the sampled values do not look like {}", label_type));
    }

    // Sensitive personal information.
    std::set<std::string> sensitive;
    for (const auto& rule : kSensitiveLabels)
      for (auto w : rule.words)
        if (Contains(f.label, w)) {
          if (std::string(rule.category) == "minors" && NamesOtherAdult(f.label)) continue;
          if (std::string(rule.category) == "precise_location" && !person_subject) continue;
          if (sensitive.insert(rule.category).second)
            p.evidence.push_back(
                fmt::format("label {} contains {} ({})", f.label, w, rule.category));
          break;
        }
    if (n > 0) {
      size_t health = 0, minors = 0, aged = 0;
      for (size_t i = 0; i < n; ++i) {
        if (LooksLikeHealth(values[i])) ++health;
        int age = p.detected_type == "id_card"    ? AgeFromId(values[i], ry, rm, rd)
                  : Contains(f.label, "出生日期") ? AgeFromDate(values[i], ry, rm, rd)
                                                  : -1;
        if (age >= 0) {
          ++aged;
          if (age < 14) ++minors;
        }
      }
      if (health * 10 >= n * 3 && !sensitive.count("health")) {
        sensitive.insert("health");
        p.evidence.push_back(fmt::format("{} of sampled values name health conditions",
                                         Pct(static_cast<double>(health) / n)));
      }
      if (aged > 0 && minors * 2 >= aged && !NamesOtherAdult(f.label)) {
        if (sensitive.insert("minors").second)
          p.evidence.push_back(fmt::format("{} of sampled birth dates are of children under 14",
                                           Pct(static_cast<double>(minors) / aged)));
        if (minors_reason.empty())
          minors_reason = fmt::format("field {}: most subjects are under 14", f.label);
      }
    }
    if (p.detected_type == "ethnicity") sensitive.insert("ethnicity");
    if (p.detected_type == "bank_card") sensitive.insert("financial_account");
    if (p.detected_type == "coordinates" && person_subject) sensitive.insert("precise_location");
    p.sensitive.assign(sensitive.begin(), sensitive.end());
    out.push_back(std::move(p));
  }

  // Minors across the resource: every personal field about the subject (not about a guardian,
  // not an institution) of a resource about children is minors' information.
  if (!minors_reason.empty() && person_subject) {
    for (size_t i = 0; i < out.size(); ++i) {
      auto& p = out[i];
      if (NamesOtherAdult(p.label) || NamesOrganisation(p.label)) continue;
      if (std::find(p.sensitive.begin(), p.sensitive.end(), "minors") != p.sensitive.end())
        continue;
      p.sensitive.push_back("minors");
      std::sort(p.sensitive.begin(), p.sensitive.end());
      p.evidence.push_back("minors' information: " + minors_reason);
    }
  }

  // Levels and categories.
  for (size_t i = 0; i < out.size(); ++i) {
    auto& p = out[i];
    const auto& f = resource.fields[i];
    const std::string& t = p.detected_type;
    bool organisation = NamesOrganisation(p.label);
    int level = 1;
    std::string why;
    std::string personal;
    if (!p.sensitive.empty()) {
      bool only_ethnicity = p.sensitive.size() == 1 && p.sensitive[0] == "ethnicity";
      level = only_ethnicity ? 3 : 4;
      personal = "敏感个人信息";
      why = "sensitive personal information (" + p.sensitive[0] + ")";
    } else if (t == "id_card" || t == "bank_card") {
      level = 4;
      personal = "敏感个人信息";
      why = t + " identifies a person uniquely (GB/T 35273 个人敏感信息)";
    } else if (t == "mobile" || t == "landline" || t == "email" || t == "plate_number") {
      level = 3;
      personal = "个人信息";
      why = t + " is contact or identifying information of a person";
    } else if (t == "person_name" || (t == "address" && person_subject && !organisation)) {
      level = person_subject ? 3 : 2;
      personal = "个人信息";
      why =
          t + (person_subject ? " of the record's person" : " of a legal entity's representative");
    } else if (person_subject && !organisation && t != "uscc") {
      level = 2;
      personal = "个人信息";
      why = "an attribute of a person (resource subject person)";
    } else {
      level = 1;
      why =
          t.empty() ? "no personal or sensitive content found" : t + " is public registration data";
    }
    (void)f;
    p.level = "L" + std::to_string(level);
    p.personal = personal;
    // GB/T 43697-2024: 重要数据 and 核心数据 are identified by catalogues of the sector and region
    // (scale, national security impact), not by a field's content; field scanning proposes 一般
    // 数据 and leaves the escalation to the steward's override.
    p.category = "一般数据";
    p.evidence.push_back("level " + p.level + ": " + why);
  }
  return out;
}

// --- persistence -------------------------------------------------------------------------------

std::vector<store::Migration> ClassificationMigrations() {
  return {{"classification", 1, "field classification proposals and decisions", R"sql(
CREATE TABLE field_classifications (
  resource TEXT NOT NULL,
  field TEXT NOT NULL,
  proposal TEXT NOT NULL,
  proposed_level TEXT NOT NULL,
  proposed_at BIGINT NOT NULL,
  decision TEXT NOT NULL,
  level TEXT NOT NULL,
  category TEXT NOT NULL,
  decided_by TEXT NOT NULL,
  decided_at BIGINT NOT NULL,
  PRIMARY KEY (resource, field)
);
)sql"}};
}

Status SaveProposals(store::Connection& c, const std::string& resource,
                     const std::vector<FieldProposal>& proposals, int64_t now_millis) {
  for (const auto& p : proposals) {
    YISHU_RETURN_IF_ERROR(
        c.Exec("INSERT INTO field_classifications (resource, field, proposal, proposed_level, "
               "proposed_at, decision, level, category, decided_by, decided_at) "
               "VALUES (?, ?, ?, ?, ?, '', '', '', '', 0) ON CONFLICT (resource, field) DO "
               "UPDATE SET proposal = excluded.proposal, proposed_level = excluded.proposed_level, "
               "proposed_at = excluded.proposed_at",
               {resource, p.field, ToJson(p).dump(), p.level, now_millis})
            .status());
  }
  return Status::Ok();
}

Result<std::vector<FieldClassification>> LoadClassification(store::Connection& c,
                                                            const std::string& resource) {
  YISHU_ASSIGN_OR_RETURN(
      store::Rows rows,
      c.Query("SELECT proposal, decision, level, category, decided_by, decided_at FROM "
              "field_classifications WHERE resource = ? ORDER BY field",
              {resource}));
  std::vector<FieldClassification> out;
  for (const auto& r : rows) {
    FieldClassification fc;
    auto j = nlohmann::json::parse(r.Text(0), nullptr, false);
    if (j.is_object()) {
      auto& p = fc.proposal;
      p.field = j.value("field", "");
      p.label = j.value("label", "");
      if (j["detected_type"].is_string()) p.detected_type = j["detected_type"];
      p.sensitive = j.value("sensitive", std::vector<std::string>{});
      p.level = j.value("level", "");
      p.category = j.value("category", "");
      if (j["personal"].is_string()) p.personal = j["personal"];
      p.confidence = j.value("confidence", 0.0);
      p.evidence = j.value("evidence", std::vector<std::string>{});
    }
    fc.decision = r.Text(1);
    fc.level = r.Text(2);
    fc.category = r.Text(3);
    fc.decided_by = r.Text(4);
    fc.decided_at = r.Int(5);
    out.push_back(std::move(fc));
  }
  return out;
}

Status DecideField(store::Connection& c, const std::string& resource, const std::string& field,
                   const std::string& decision, const std::string& level,
                   const std::string& category, const std::string& who, int64_t now_millis) {
  if (decision != "confirm" && decision != "override")
    return Status::InvalidArgument("decision must be confirm or override, got '" + decision + "'");
  if (!level.empty() && LevelNum(level) < 1)
    return Status::InvalidArgument("level must be L1..L4, got '" + level + "'");
  if (LevelNum(level) > 4) return Status::InvalidArgument("level must be L1..L4, got " + level);
  static const std::set<std::string> kCategories = {"一般数据", "重要数据", "核心数据"};
  if (!category.empty() && !kCategories.count(category))
    return Status::InvalidArgument("category must be 一般数据, 重要数据 or 核心数据, got '" +
                                   category + "'");
  if (decision == "override" && level.empty())
    return Status::InvalidArgument("an override needs a level");
  auto row =
      c.QueryOne("SELECT proposal FROM field_classifications WHERE resource = ? AND field = ?",
                 {resource, field});
  if (!row.ok()) {
    if (row.status().Is(ErrorCode::kNotFound))
      return Status::NotFound("no classification proposal for " + resource + "." + field +
                              ": classify the resource first");
    return row.status();
  }
  auto j = nlohmann::json::parse(row->Text(0), nullptr, false);
  std::string lv = level.empty() ? j.value("level", "") : level;
  std::string cat = category.empty() ? j.value("category", "一般数据") : category;
  return c
      .Exec(
          "UPDATE field_classifications SET decision = ?, level = ?, category = ?, "
          "decided_by = ?, decided_at = ? WHERE resource = ? AND field = ?",
          {decision, lv, cat, who, now_millis, resource, field})
      .status();
}

std::string ResourceLevel(const std::vector<FieldClassification>& fields) {
  int best = 0;
  for (const auto& f : fields)
    if (!f.decision.empty()) best = std::max(best, LevelNum(f.level));
  return best == 0 ? "" : "L" + std::to_string(best);
}

}  // namespace yishu::security

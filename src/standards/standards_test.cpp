// Tests of the data element standards: check algorithms against every worked example in
// ../shared/data/identifiers (read at test time), the GB/T 2260 history, every built-in
// validator, YAML import and its errors, and persistence on every store backend.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "common/strings.hpp"
#include "standards/admin_divisions.hpp"
#include "standards/checks.hpp"
#include "standards/registry.hpp"
#include "standards/validators.hpp"
#include "store/migrations.hpp"
#include "store/testing.hpp"

namespace yishu::standards {
namespace {

const std::filesystem::path kReferenceDir = YISHU_SOURCE_DIR "/reference";

nlohmann::json Examples() {
  std::ifstream in(YISHU_SHARED_DIR "/data/identifiers/examples.json");
  EXPECT_TRUE(in) << "cannot open examples.json under " << YISHU_SHARED_DIR;
  return nlohmann::json::parse(in);
}

// One registry for the whole binary: loading the reference data once keeps the suite fast.
const Registry& Shared() {
  static std::unique_ptr<Registry> registry = [] {
    auto r = Registry::Create(kReferenceDir);
    if (!r.ok()) throw Error(r.status());
    return std::move(r).value();
  }();
  return *registry;
}

std::unique_ptr<Registry> Fresh() {
  auto r = Registry::Create(kReferenceDir);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

// The rule of the violation, or "" when the value passes.
std::string Rule(const Registry& reg, std::string_view element, std::string_view value,
                 const ValidateOptions* options = nullptr) {
  const DataElement* e = reg.FindElement(element);
  EXPECT_NE(e, nullptr) << element;
  if (!e) return "no such element";
  auto v = options ? reg.Validate(*e, value, *options) : reg.Validate(*e, value);
  return v ? v->rule : "";
}
std::string Rule(std::string_view element, std::string_view value) {
  return Rule(Shared(), element, value);
}
std::string Message(std::string_view element, std::string_view value) {
  auto v = Shared().Validate(*Shared().FindElement(element), value);
  return v ? v->message : "";
}

// 17 digits + the right check character.
std::string Id(const std::string& first17) {
  return first17 + IdCardCheckChar(first17);
}
std::string Uscc(const std::string& first17) {
  return first17 + UsccCheckChar(first17);
}

// --- Worked examples from ../shared/data/identifiers/examples.json ----------------------------

TEST(Examples, ResidentIdCheckDigits) {
  auto ex = Examples()["resident_id_gb11643_1999"]["examples"];
  ASSERT_GE(ex.size(), 6u);
  for (const auto& e : ex) {
    std::string id = e["id"];
    bool valid = e["valid"];
    EXPECT_EQ(IdCardChecksumOk(id), valid) << id;
    EXPECT_EQ(IdCardCheckChar(id.substr(0, 17)) == id[17], valid) << id;
  }
}

TEST(Examples, ResidentIdFullValidation) {
  // 340524 (in "34052419800101001X", a web page's worked example of the check digit) has never
  // been a GB/T 2260 code in the MCA history (马鞍山市 ran 340521-340523), so the region check
  // must reject it even though its check digit is right.
  const std::set<std::string> kRegionNotInMca = {"34052419800101001X"};
  for (const auto& e : Examples()["resident_id_gb11643_1999"]["examples"]) {
    std::string id = e["id"];
    bool valid = e["valid"];
    std::string rule = Rule("id_card", id);
    if (kRegionNotInMca.count(id)) {
      EXPECT_TRUE(valid);
      EXPECT_FALSE(Shared().divisions().Exists(id.substr(0, 6)));
      EXPECT_EQ(rule, "region_code") << id;
    } else if (valid) {
      EXPECT_EQ(rule, "") << id << ": " << Message("id_card", id);
    } else {
      EXPECT_NE(rule, "") << id;
    }
  }
  EXPECT_EQ(Rule("id_card", "110105194912310020"), "check_digit");
  EXPECT_EQ(Message("id_card", "110105194912310020"), "校验码应为 X / check digit should be X");
  // The Excel-zeroed example is recognised as such.
  EXPECT_EQ(Rule("id_card", "110105194912310000"), "excel_damage");
}

TEST(Examples, OldRegionCodesUseTheMcaHistory) {
  // 440524 潮阳县 was abolished in 1993: valid for the 1880 birth of the GB 11643 example.
  const Division* d = Shared().divisions().Find("440524");
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->in_use);
  EXPECT_EQ(d->end_year, 1993);
  EXPECT_EQ(Rule("id_card", "440524188001010014"), "");
  EXPECT_EQ(Rule("id_card", Id("44052419940101001")), "region_code");
  // 513101 雅安市 (雅安地区) abolished 2000; 1982 birth fine.
  EXPECT_EQ(Rule("id_card", "513101198201130014"), "");
  auto info = ParseIdCard("440524188001010014");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->year, 1880);
  EXPECT_EQ(info->gender, 1);
  EXPECT_TRUE(info->checksum_ok);
}

TEST(Examples, UsccBothWays) {
  for (const auto& e : Examples()["uscc_gb32100_2015"]["examples"]) {
    std::string code = e["code"];
    bool valid = e["valid"];
    EXPECT_EQ(UsccChecksumOk(code), valid) << code;
    EXPECT_EQ(Rule("uscc", code) == "", valid) << code << ": " << Message("uscc", code);
    if (valid) {
      EXPECT_TRUE(OrgCodeOk(code.substr(8, 9))) << code;
      EXPECT_EQ(UsccCheckChar(code.substr(0, 17)), code[17]) << code;
    }
  }
  EXPECT_EQ(UsccCheckChar("91350100M000100Y4"), '3');
  EXPECT_EQ(UsccCheckChar("91512081MA62K0260"), 'E');
  EXPECT_EQ(UsccCheckChar("91310115MA1H8R7C6"), '7');
  EXPECT_EQ(Rule("uscc", "91350100M000100Y4Z"), "format");  // Z is not in the charset
  EXPECT_EQ(Rule("uscc", "91310115MA1H8R7C6D"), "check_digit");
  EXPECT_EQ(Message("uscc", "91310115MA1H8R7C6D"), "校验码应为 7 / check character should be 7");
}

TEST(Examples, BankCardLuhnBothWays) {
  for (const auto& e : Examples()["bank_card_luhn"]["examples"]) {
    std::string pan = e["pan"];
    bool valid = e["valid"];
    EXPECT_EQ(LuhnOk(pan), valid) << pan;
    if (valid) {
      EXPECT_EQ(LuhnCheckDigit(pan.substr(0, pan.size() - 1)), pan.back()) << pan;
    }
    // The bank_card element also wants 12-19 digits: the 11-digit Wikipedia example is a Luhn
    // example, not a card number.
    if (pan.size() >= 12) {
      EXPECT_EQ(Rule("bank_card", pan) == "", valid) << pan;
    }
  }
  EXPECT_EQ(Rule("bank_card", "79927398713"), "length");
  EXPECT_EQ(Rule("bank_card", "6212345678901266"), "check_digit");
  EXPECT_EQ(Rule("bank_card", "6212 3456 7890 1265"), "format");
  EXPECT_EQ(Rule("bank_card", "6.21234567890127E+15"), "excel_damage");
  EXPECT_EQ(Rule("bank_card", "6212345678901260"), "excel_damage");  // 16th digit zeroed
}

TEST(Examples, MobileBothWays) {
  for (const auto& e : Examples()["mobile_cn"]["examples"]) {
    std::string n = e["msisdn"];
    bool valid = e["valid"];
    EXPECT_EQ(Rule("mobile", n) == "", valid) << n;
  }
  EXPECT_EQ(Rule("mobile", "15412345678"), "segment");
  EXPECT_EQ(Rule("mobile", "1380013800"), "length");
}

// --- 公民身份号码 -------------------------------------------------------------------------------

TEST(IdCard, AbolishedRegionCodeDependsOnBirthYear) {
  // 330621 绍兴县, abolished 2013 (now 柯桥区 330603).
  EXPECT_TRUE(Shared().divisions().IsValidAtBirth("330621", 1980));
  EXPECT_TRUE(Shared().divisions().IsValidAtBirth("330621", 2013));
  EXPECT_FALSE(Shared().divisions().IsValidAtBirth("330621", 2014));
  EXPECT_EQ(Rule("id_card", Id("33062119800101123")), "");
  EXPECT_EQ(Rule("id_card", Id("33062120150101123")), "region_code");
  EXPECT_NE(Message("id_card", Id("33062120150101123")).find("330621(绍兴县)已于 2013 年撤销"),
            std::string::npos)
      << Message("id_card", Id("33062120150101123"));
  EXPECT_EQ(Rule("id_card", Id("33060320150101123")), "");  // 柯桥区
}

TEST(IdCard, UnknownRegionCode) {
  EXPECT_EQ(Rule("id_card", Id("99999919800101123")), "region_code");
  EXPECT_EQ(Rule("id_card", Id("33069919800101123")), "region_code");
  // 港澳台居民居住证 address codes follow GB 11643 but are not in the MCA list.
  EXPECT_EQ(Rule("id_card", Id("81000019800101123")), "");
}

TEST(IdCard, BirthDate) {
  EXPECT_EQ(Rule("id_card", Id("33060319800230123")), "birth_date");  // Feb 30
  EXPECT_EQ(Rule("id_card", Id("33060319000229123")), "birth_date");  // 1900 not a leap year
  EXPECT_EQ(Rule("id_card", Id("33060320000229123")), "");            // 2000 is
  EXPECT_EQ(Rule("id_card", Id("33060319801301123")), "birth_date");  // month 13
  EXPECT_EQ(Rule("id_card", Id("11010517991231123")), "birth_date");  // before 1800
  ValidateOptions opts;
  opts.today_yyyymmdd = 20200101;
  EXPECT_EQ(Rule(Shared(), "id_card", Id("33060320200102123"), &opts), "birth_date");
  EXPECT_EQ(Rule(Shared(), "id_card", Id("33060320200101123"), &opts), "");
  EXPECT_EQ(Rule("id_card", Id("33060399990101123")), "birth_date");  // far future
}

TEST(IdCard, FormatLengthAndCase) {
  std::string upper = "11010519491231002X";
  std::string lower = "11010519491231002x";
  EXPECT_EQ(Rule("id_card", upper), "");
  EXPECT_EQ(Rule("id_card", lower), "format");
  EXPECT_EQ(Message("id_card", lower),
            "校验码应为大写 X / the check character must be an uppercase X");
  EXPECT_EQ(Rule("id_card", "11010519491231002"), "length");
  EXPECT_EQ(Rule("id_card", "11010519491231002XX"), "length");
  EXPECT_EQ(Rule("id_card", "1101051949123100AX"), "format");
  EXPECT_EQ(Rule("id_card", "11010519491231002Y"), "format");
  EXPECT_EQ(Rule("id_card", "11010519491231002 "), "format");
  EXPECT_EQ(Rule("id_card", "一二三"), "length");
  EXPECT_EQ(Rule("id_card", ""), "");  // empty: nullability is the caller's business
}

TEST(IdCard, ExcelDamage) {
  EXPECT_EQ(Rule("id_card", "3.30621E+17"), "excel_damage");
  EXPECT_EQ(Rule("id_card", "3.30621198001011E+17"), "excel_damage");
  EXPECT_EQ(Rule("id_card", "3.30621e17"), "excel_damage");
  EXPECT_TRUE(LooksLikeScientificNotation("1E+17"));
  EXPECT_FALSE(LooksLikeScientificNotation("330621198001011234"));
  EXPECT_FALSE(LooksLikeScientificNotation("E+17"));
  EXPECT_FALSE(LooksLikeScientificNotation("3.E+17"));
}

TEST(IdCard, Legacy15Digit) {
  std::string legacy = "330621800101123";  // 330621 1980-01-01 seq 123
  EXPECT_EQ(Rule("id_card", legacy), "legacy_15_digit");
  auto reg = Registry::Create(kReferenceDir, ValidateOptions{.accept_legacy_15_digit_id = true});
  ASSERT_TRUE(reg.ok());
  EXPECT_EQ(Rule(**reg, "id_card", legacy), "");
  EXPECT_EQ(Rule(**reg, "id_card", "330621800230123"), "birth_date");
  EXPECT_EQ(Rule(**reg, "id_card", "999999800101123"), "region_code");
  auto info = ParseIdCard(legacy);
  ASSERT_TRUE(info.has_value());
  EXPECT_TRUE(info->legacy_15);
  EXPECT_EQ(info->year, 1980);
  EXPECT_EQ(info->gender, 1);
}

TEST(IdCard, ParseForCrossFieldRules) {
  auto info = ParseIdCard("11010519491231002X");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->region_code, 110105);
  EXPECT_EQ(info->year, 1949);
  EXPECT_EQ(info->month, 12);
  EXPECT_EQ(info->day, 31);
  EXPECT_EQ(info->gender, 2);  // sequence 002 is even
  EXPECT_TRUE(info->checksum_ok);
  auto bad_check = ParseIdCard("110105194912310020");
  ASSERT_TRUE(bad_check.has_value());
  EXPECT_FALSE(bad_check->checksum_ok);
  EXPECT_FALSE(ParseIdCard("110105194902300020").has_value());  // Feb 30
  EXPECT_FALSE(ParseIdCard("11010519491231002").has_value());
  EXPECT_FALSE(ParseIdCard("1101051949123100AX").has_value());
}

// --- 统一社会信用代码 ---------------------------------------------------------------------------

TEST(Uscc, RegionAndOrganisationCode) {
  // A valid Keqiao code: org code body 12345678 -> check, then the USCC check.
  std::string body = "12345678";
  std::string org = body + OrgCodeCheckChar(body);
  EXPECT_TRUE(OrgCodeOk(org));
  std::string keqiao = Uscc("91330603" + org);
  EXPECT_EQ(Rule("uscc", keqiao), "");
  // Abolished region codes stay valid on codes issued before the change.
  EXPECT_EQ(Rule("uscc", Uscc("91330621" + org)), "");
  // National-level registration authority.
  EXPECT_EQ(Rule("uscc", Uscc("91100000" + org)), "");
  EXPECT_EQ(Rule("uscc", Uscc("91999999" + org)), "region_code");
  // Wrong organisation-code check character, USCC check recomputed so only that fails.
  char wrong = org[8] == '0' ? '1' : '0';
  std::string bad_org = Uscc("91330603" + body + wrong);
  EXPECT_EQ(Rule("uscc", bad_org), "org_code");
  EXPECT_EQ(Rule("uscc", "91350100m000100Y43"), "format");  // lowercase
  EXPECT_EQ(Rule("uscc", "91350100I000100Y43"), "format");  // I not in the charset
  EXPECT_EQ(Rule("uscc", "91350100M000100Y4"), "length");
  EXPECT_EQ(UsccCharValue('Y'), 30);
  EXPECT_EQ(UsccCharValue('I'), -1);
  EXPECT_EQ(UsccCharValue('a'), -1);
}

// --- Other built-in validators ----------------------------------------------------------------

TEST(Validators, MobilePrefixesAndSegments) {
  EXPECT_EQ(Rule("mobile", "+8613800138000"), "");
  EXPECT_EQ(Rule("mobile", "+86 13800138000"), "");
  EXPECT_EQ(Rule("mobile", "+86-13800138000"), "");
  EXPECT_EQ(Rule("mobile", "8613800138000"), "");
  EXPECT_EQ(Rule("mobile", "008613800138000"), "");
  EXPECT_EQ(Rule("mobile", "19912345678"), "");
  EXPECT_EQ(Rule("mobile", "17400123456"), "");
  EXPECT_EQ(Rule("mobile", "17491234567"), "");
  EXPECT_EQ(Rule("mobile", "17450123456"), "segment");
  EXPECT_EQ(Rule("mobile", "19412345678"), "segment");
  EXPECT_EQ(Rule("mobile", "12012345678"), "segment");
  EXPECT_EQ(Rule("mobile", "23800138000"), "format");
  EXPECT_EQ(Rule("mobile", "138-0013-8000"), "format");
  EXPECT_EQ(Rule("mobile", "138001380001"), "length");
}

TEST(Validators, Landline) {
  for (const char* ok :
       {"0575-84123456", "057584123456", "010-62345678", "01062345678", "(0575)84123456",
        "0575 84123456", "0575-8412345", "0575-84123456-8012", "0575-84123456转8012",
        "0575-84123456ext.12", "+86-575-84123456", "+86 10 62345678"})
    EXPECT_EQ(Rule("landline", ok), "") << ok;
  for (const char* bad : {"84123456", "13800138000", "0575-0123456", "0575-841234567", "0575-84123",
                          "575-84123456", "010-12345678", "0575--84123456", "0575-84123456-",
                          "0575-84123456-1234567", "(0575-84123456", "0075-84123456"})
    EXPECT_EQ(Rule("landline", bad), "format") << bad;
  EXPECT_EQ(Message("landline", "84123456"), "缺少区号 / the area code is missing");
}

TEST(Validators, Email) {
  for (const char* ok : {"zhang.san@keqiao.gov.cn", "a+b@example.com", "x_y-z@sub.example.org"})
    EXPECT_EQ(Rule("email", ok), "") << ok;
  for (const char* bad : {"zhangsan", "a@b", "a@@b.cn", "a@b.c", ".a@b.cn", "a..b@b.cn", "a@-b.cn",
                          "a@b..cn", "张三@qq.com", "a b@qq.com", "a@qq.c0m"})
    EXPECT_EQ(Rule("email", bad), "format") << bad;
}

TEST(Validators, CodeLists) {
  const CodeList* gender = Shared().FindCodeList("gender");
  ASSERT_NE(gender, nullptr);
  ASSERT_EQ(gender->entries.size(), 4u);
  EXPECT_EQ(*gender->LabelOf("0"), "未知的性别");
  EXPECT_EQ(*gender->LabelOf("1"), "男");
  EXPECT_EQ(*gender->LabelOf("2"), "女");
  EXPECT_EQ(*gender->LabelOf("9"), "未说明的性别");
  for (const char* ok : {"0", "1", "2", "9"}) EXPECT_EQ(Rule("gender", ok), "") << ok;
  for (const char* bad : {"3", "01", "M", "男"}) EXPECT_EQ(Rule("gender", bad), "code_list") << bad;
  EXPECT_EQ(Message("gender", "男"), "应填代码 1 而不是名称 男 / use the code 1, not the label");

  const CodeList* eth = Shared().FindCodeList("ethnicity");
  ASSERT_NE(eth, nullptr);
  ASSERT_EQ(eth->entries.size(), 58u);
  const std::vector<std::pair<std::string, std::string>> spot = {{"01", "汉族"},
                                                                 {"02", "蒙古族"},
                                                                 {"05", "维吾尔族"},
                                                                 {"10", "朝鲜族"},
                                                                 {"15", "土家族"},
                                                                 {"22", "畲族"},
                                                                 {"23", "高山族"},
                                                                 {"29", "柯尔克孜族"},
                                                                 {"30", "土族"},
                                                                 {"37", "仡佬族"},
                                                                 {"43", "乌孜别克族"},
                                                                 {"44", "俄罗斯族"},
                                                                 {"49", "京族"},
                                                                 {"55", "珞巴族"},
                                                                 {"56", "基诺族"},
                                                                 {"97", "其他"},
                                                                 {"98", "外国血统中国籍人士"}};
  for (const auto& [code, label] : spot) {
    ASSERT_NE(eth->LabelOf(code), nullptr) << code;
    EXPECT_EQ(*eth->LabelOf(code), label) << code;
    EXPECT_EQ(Rule("ethnicity", code), "") << code;
  }
  for (int i = 1; i <= 56; ++i) {
    char code[3];
    std::snprintf(code, sizeof code, "%02d", i);
    EXPECT_EQ(eth->entries[i - 1].code, code);
  }
  for (const char* bad : {"00", "57", "96", "99", "1", "汉族"})
    EXPECT_EQ(Rule("ethnicity", bad), "code_list") << bad;
  EXPECT_EQ(Message("ethnicity", "1"), "代码应为 01(位数不符) / the code should be written 01");
  EXPECT_EQ(Message("ethnicity", "57"),
            "代码 57 不在代码表 ethnicity(民族)中 / code 57 is not in the code list ethnicity");
}

TEST(Validators, AdminDivision) {
  EXPECT_EQ(Rule("admin_division", "330603"), "");
  EXPECT_EQ(Rule("admin_division", "330621"), "");  // abolished but a real code
  EXPECT_EQ(Rule("admin_division", "330000"), "");
  EXPECT_EQ(Rule("admin_division", "999999"), "region_code");
  EXPECT_EQ(Rule("admin_division", "330603001"), "");  // 柯桥街道
  EXPECT_EQ(Rule("admin_division", "330603114"), "");  // 夏履镇
  EXPECT_EQ(Rule("admin_division", "330603999"), "region_code");
  EXPECT_EQ(Rule("admin_division", "110105001"), "");  // no township list loaded for 110105
  EXPECT_EQ(Rule("admin_division", "999999001"), "region_code");
  EXPECT_EQ(Rule("admin_division", "33060"), "format");
  EXPECT_EQ(Rule("admin_division", "330603001001"), "format");
}

TEST(Validators, PostalCode) {
  EXPECT_EQ(Rule("postal_code", "312030"), "");
  EXPECT_EQ(Rule("postal_code", "31203"), "format");
  EXPECT_EQ(Rule("postal_code", "31203A"), "format");
}

TEST(Validators, PlateNumbers) {
  for (const char* ok : {"浙D12345", "浙DA1234", "京A00001", "琼B9999Z", "浙DD12345", "浙DF1234A",
                         "浙D12345F", "浙D·12345", "浙A1234学", "粤B1234港", "浙D1234挂"})
    EXPECT_EQ(Rule("plate_number", ok), "") << ok;
  for (const char* bad : {"浙d12345", "港D12345", "ZD12345", "浙I12345", "浙D1234", "浙D1234567",
                          "浙D123456", "浙D12O45", "浙D1234字", "浙", "D12345浙", "浙·D12345"})
    EXPECT_EQ(Rule("plate_number", bad), "format") << bad;
  EXPECT_EQ(Rule("plate_number", "\xE6\xB5"), "encoding");  // truncated UTF-8
}

TEST(Validators, DatesAndTimes) {
  EXPECT_EQ(Rule("date", "2024-02-29"), "");
  EXPECT_EQ(Rule("date", "20240229"), "");
  EXPECT_EQ(Rule("date", "2023-02-29"), "type");
  EXPECT_EQ(Rule("date", "2024/02/29"), "type");
  EXPECT_EQ(Rule("date", "2024-2-9"), "type");
  EXPECT_EQ(Rule("birth_date", "19800230"), "type");
  for (const char* ok : {"2024-02-29 08:30", "2024-02-29T08:30:15", "2024-02-29 08:30:15.123",
                         "2024-02-29T08:30:15Z", "2024-02-29T08:30:15+08:00"})
    EXPECT_EQ(Rule("datetime", ok), "") << ok;
  for (const char* bad : {"2024-02-30 08:30", "2024-02-29", "2024-02-29 24:00", "2024-02-29 08:60",
                          "2024-02-29T08:30:15+8", "2024-02-29 08:30:15.", "20240229 0830"})
    EXPECT_EQ(Rule("datetime", bad), "type") << bad;
}

TEST(Validators, AddressesAndNames) {
  EXPECT_EQ(Rule("address", "浙江省绍兴市柯桥区柯桥街道笛扬路1号"), "");
  EXPECT_EQ(Rule("address", "柯桥"), "");
  EXPECT_EQ(Rule("address", "桥"), "length");
  EXPECT_EQ(Rule("address", "1 Main Street"), "format");
  EXPECT_EQ(Rule("address", std::string(201, 'a')), "length");
  EXPECT_EQ(Rule("address", "柯桥\xff"), "encoding");

  for (const char* ok : {"张三", "欧阳娜娜", "阿依古丽·买买提", "爱新觉罗·溥仪", "王𠈌",
                         "John Smith", "Jean-Luc O'Neil", "李〇"})
    EXPECT_EQ(Rule("person_name", ok), "") << ok;
  for (const char* bad : {"张三3", "阿依古丽•买买提", "阿依古丽・买买提", "·张三", "张三·",
                          "张··三", "张 三", " 张三", "John  Smith", "张三John", "!!"})
    EXPECT_EQ(Rule("person_name", bad), "format") << bad;
  EXPECT_EQ(Message("person_name", "阿依古丽•买买提"),
            "少数民族姓名的间隔号应为 ·(U+00B7) / the separator in a name must be the middle dot · "
            "(U+00B7)");
  EXPECT_EQ(Rule("person_name", "张三丰张三丰张三丰张三丰张三丰张三丰张三丰张三丰张三丰张三丰张"),
            "length");
  EXPECT_EQ(Rule("person_name", "\xC0\x80"), "encoding");

  EXPECT_EQ(Rule("org_name", "绍兴市柯桥区某某纺织印染有限公司"), "");
  EXPECT_EQ(Rule("org_name", "Keqiao Textile Co., Ltd."), "");
  EXPECT_EQ(Rule("org_name", "公"), "length");
  EXPECT_EQ(Rule("org_name", "123"), "format");
  EXPECT_EQ(Rule("org_name", "某公司 "), "format");
}

TEST(Validators, NumbersAndPoints) {
  for (const char* ok : {"0", "-12", "+7", "9223372036854775807", "0009"})
    EXPECT_EQ(Rule("integer", ok), "") << ok;
  for (const char* bad : {"1.5", "1e3", "9223372036854775808", "12a", "-", " 1"})
    EXPECT_EQ(Rule("integer", bad), "type") << bad;
  for (const char* ok : {"0", "-12.50", "3.14159", "+2"}) EXPECT_EQ(Rule("decimal", ok), "") << ok;
  for (const char* bad : {"1.", ".5", "1,000", "1e3", "NaN"})
    EXPECT_EQ(Rule("decimal", bad), "type") << bad;
  for (const char* ok :
       {"120.4912,30.0811", "120.4912, 30.0811", "POINT(120.4912 30.0811)", "-180,-90"})
    EXPECT_EQ(Rule("geo_point", ok), "") << ok;
  for (const char* bad : {"120.4912", "181,30", "120,91", "POINT(120.49)", "a,b", "120;30"})
    EXPECT_EQ(Rule("geo_point", bad), "type") << bad;
}

// --- The registry -----------------------------------------------------------------------------

TEST(Registry, BuiltinsAreThereWithTheirGrades) {
  const std::map<std::string, Sensitivity> expected = {
      {"id_card", Sensitivity::L4},        {"uscc", Sensitivity::L1},
      {"mobile", Sensitivity::L3},         {"landline", Sensitivity::L3},
      {"email", Sensitivity::L3},          {"bank_card", Sensitivity::L4},
      {"gender", Sensitivity::L2},         {"ethnicity", Sensitivity::L4},
      {"admin_division", Sensitivity::L1}, {"postal_code", Sensitivity::L1},
      {"plate_number", Sensitivity::L3},   {"date", Sensitivity::L1},
      {"datetime", Sensitivity::L1},       {"address", Sensitivity::L3},
      {"person_name", Sensitivity::L3},    {"org_name", Sensitivity::L1},
      {"integer", Sensitivity::L1},        {"decimal", Sensitivity::L1}};
  for (const auto& [code, grade] : expected) {
    const DataElement* e = Shared().FindElement(code);
    ASSERT_NE(e, nullptr) << code;
    EXPECT_TRUE(e->builtin);
    EXPECT_EQ(e->default_sensitivity, grade) << code;
    EXPECT_FALSE(e->name_zh.empty());
    EXPECT_FALSE(e->name_en.empty());
  }
  EXPECT_EQ(Shared().FindElement("id_card")->name_zh, "公民身份号码");
  EXPECT_EQ(Shared().FindElement("gender")->type, ValueType::kEnum);
  EXPECT_EQ(Shared().FindElement("nope"), nullptr);
  EXPECT_GE(Shared().Elements().size(), expected.size());
  EXPECT_EQ(Shared().Elements().front()->code, "id_card");
}

TEST(Registry, NamesRoundTrip) {
  for (auto t : {ValueType::kString, ValueType::kInteger, ValueType::kDecimal, ValueType::kDate,
                 ValueType::kDatetime, ValueType::kEnum, ValueType::kGeoPoint})
    EXPECT_EQ(ParseValueType(ValueTypeName(t)), t);
  EXPECT_EQ(ValueTypeName(ValueType::kGeoPoint), "geo_point");
  EXPECT_FALSE(ParseValueType("String").has_value());
  for (auto s : {Sensitivity::L1, Sensitivity::L2, Sensitivity::L3, Sensitivity::L4})
    EXPECT_EQ(ParseSensitivity(SensitivityName(s)), s);
  EXPECT_FALSE(ParseSensitivity("L5").has_value());
  EXPECT_EQ(SensitivityLabel(Sensitivity::L4), "敏感");
  for (auto name : BuiltinValidatorNames())
    EXPECT_EQ(BuiltinValidatorName(*ParseBuiltinValidator(name)), name);
}

TEST(Registry, Json) {
  auto j = ToJson(*Shared().FindElement("id_card"));
  EXPECT_EQ(j["code"], "id_card");
  EXPECT_EQ(j["name"], "公民身份号码");
  EXPECT_EQ(j["type"], "string");
  EXPECT_EQ(j["sensitivity"], "L4");
  EXPECT_EQ(j["builtin"], true);
  auto c = ToJson(*Shared().FindCodeList("gender"));
  EXPECT_EQ(c["entries"].size(), 4u);
  EXPECT_EQ(c["entries"][1]["label"], "男");
  EXPECT_EQ(ToJson(Violation{"format", "x"})["rule"], "format");
}

TEST(Registry, AddElementAndValidateOperatorRules) {
  auto reg = Fresh();
  DataElement e;
  e.code = "license_no";
  e.name_zh = "许可证编号";
  e.type = ValueType::kString;
  e.pattern = "[A-Z]{2}[0-9]{6}";
  e.max_length = 8;
  e.default_sensitivity = Sensitivity::L1;
  ASSERT_TRUE(reg->AddElement(e).ok());
  EXPECT_EQ(Rule(*reg, "license_no", "ZJ123456"), "");
  EXPECT_EQ(Rule(*reg, "license_no", "ZJ12345"), "format");
  EXPECT_EQ(Rule(*reg, "license_no", "ZJ1234567"), "length");
  EXPECT_EQ(Rule(*reg, "license_no", "xZJ123456"), "length");
  EXPECT_EQ(reg->AddElement(e).code(), ErrorCode::kAlreadyExists);
  // An element built outside the registry is compiled on the fly.
  e.code = "ad_hoc";
  EXPECT_EQ(reg->Validate(e, "ZJ123456"), std::nullopt);
  EXPECT_EQ(reg->Validate(e, "zj123456")->rule, "format");
  DataElement redefine = *reg->FindElement("id_card");
  redefine.compiled = nullptr;
  Status s = reg->AddElement(redefine);
  EXPECT_EQ(s.code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(s.message().find("built-in element 'id_card'"), std::string::npos) << s.message();
}

TEST(Registry, ImportExampleFile) {
  auto reg = Fresh();
  Status s = reg->ImportFile(YISHU_SOURCE_DIR "/src/standards/examples/township-standards.yaml");
  ASSERT_TRUE(s.ok()) << s.ToString();
  const DataElement* marital = reg->FindElement("marital_status");
  ASSERT_NE(marital, nullptr);
  EXPECT_FALSE(marital->builtin);
  EXPECT_EQ(marital->type, ValueType::kEnum);
  EXPECT_EQ(marital->default_sensitivity, Sensitivity::L3);
  EXPECT_EQ(marital->name_en, "Marital status");
  EXPECT_EQ(Rule(*reg, "marital_status", "20"), "");
  EXPECT_EQ(Rule(*reg, "marital_status", "50"), "code_list");
  EXPECT_EQ(Rule(*reg, "marital_status", "已婚"), "code_list");
  EXPECT_EQ(Rule(*reg, "social_security_no", "33062119800101123X"), "");
  EXPECT_EQ(Rule(*reg, "social_security_no", "33062119800101123x"), "format");
  EXPECT_EQ(Rule(*reg, "contact_phone", "15412345678"), "segment");
  EXPECT_EQ(Rule(*reg, "contact_phone", "13800138000"), "");
  EXPECT_EQ(Rule(*reg, "village_name", "齐贤村"), "");
  EXPECT_EQ(Rule(*reg, "monthly_income", "5000.50"), "");
  EXPECT_EQ(Rule(*reg, "monthly_income", "五千"), "type");
  EXPECT_EQ(reg->FindCodeList("household_type")->entries.size(), 2u);
  // The shared registry is untouched.
  EXPECT_EQ(Shared().FindElement("marital_status"), nullptr);
  // Importing the same file again is a duplicate.
  EXPECT_EQ(
      reg->ImportFile(YISHU_SOURCE_DIR "/src/standards/examples/township-standards.yaml").code(),
      ErrorCode::kAlreadyExists);
}

TEST(Registry, CodeListMembershipIsExactForShortAndLongCodes) {
  // Codes of up to 7 bytes are looked up as integers, longer ones as strings: both must tell
  // "1" from "01", a prefix from the code and a code from the same bytes plus more.
  auto reg = Fresh();
  const char* yaml = R"(
code_lists:
  - code: short_codes
    name: 短代码
    entries: [{code: "1", label: a}, {code: "01", label: b}, {code: "abcdefg", label: c},
              {code: "浙", label: d}]
  - code: long_codes
    name: 长代码
    entries: [{code: "1", label: a}, {code: "abcdefgh", label: b}]
elements:
  - {code: short_codes, name: 短代码, type: enum, code_list: short_codes, sensitivity: L1}
  - {code: long_codes, name: 长代码, type: enum, code_list: long_codes, sensitivity: L1}
)";
  Status s = reg->ImportYaml(yaml, "codes.yaml");
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (const char* ok : {"1", "01", "abcdefg", "浙"}) EXPECT_EQ(Rule(*reg, "short_codes", ok), "");
  for (const char* bad : {"001", "10", "0", "abcdef", "abcdefgh", "abcdefg ", "浙江", "\xE6\xB5"})
    EXPECT_EQ(Rule(*reg, "short_codes", bad), "code_list") << bad;
  for (const char* ok : {"1", "abcdefgh"}) EXPECT_EQ(Rule(*reg, "long_codes", ok), "");
  for (const char* bad : {"01", "abcdefg", "abcdefghi", "abcdefgH"})
    EXPECT_EQ(Rule(*reg, "long_codes", bad), "code_list") << bad;
}

TEST(Registry, ImportErrorMessageNamesFileEntryAndProblem) {
  auto reg = Fresh();
  const char* yaml = R"(
code_lists:
  - code: marital_status
    name: 婚姻状况
    entries: [{code: "10", label: 未婚}, {code: "20", label: 已婚}]
elements:
  - code: marital_status
    name: 婚姻状况
    type: enum
    code_list: marital_status
    sensitivity: L3
  - code: social_security_no
    name: 社会保障号码
    type: string
    pattern: "[0-9]{18"
    sensitivity: L4
)";
  Status s = reg->ImportYaml(yaml, "township-standards.yaml");
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(StartsWith(s.message(),
                         "township-standards.yaml: elements[1] (social_security_no): pattern is "
                         "not a valid regular expression: "))
      << s.message();
  // All or nothing: the valid code list and element of the same file were not added.
  EXPECT_EQ(reg->FindCodeList("marital_status"), nullptr);
  EXPECT_EQ(reg->FindElement("marital_status"), nullptr);
}

// Imports `yaml` into a fresh registry and returns the status.
Status TryImport(const std::string& yaml) {
  auto reg = Fresh();
  Status s = reg->ImportYaml(yaml, "bad.yaml");
  if (!s.ok()) {
    // Nothing from a failed file may remain.
    EXPECT_EQ(reg->FindElement("x"), nullptr);
    EXPECT_EQ(reg->FindCodeList("l"), nullptr);
  }
  return s;
}

std::string Element(const std::string& fields) {
  return "elements:\n  - code: x\n    name: 某\n" + fields;
}

TEST(Registry, EachBadDefinitionIsRefused) {
  struct Case {
    std::string yaml;
    ErrorCode code;
    std::string message;
  };
  const std::string list =
      "code_lists:\n  - code: l\n    name: 表\n    entries: [{code: a, label: A}]\n";
  const std::vector<Case> cases = {
      {Element("    type: text\n    sensitivity: L1\n"), ErrorCode::kInvalidArgument,
       "bad.yaml: elements[0] (x): unknown type 'text'"},
      {Element("    sensitivity: L1\n"), ErrorCode::kInvalidArgument,
       "bad.yaml: elements[0] (x): type is required"},
      {Element("    type: string\n    pattern: \"(ab\"\n    sensitivity: L1\n"),
       ErrorCode::kInvalidArgument,
       "bad.yaml: elements[0] (x): pattern is not a valid regular expression"},
      {Element("    type: enum\n    code_list: nope\n    sensitivity: L1\n"),
       ErrorCode::kInvalidArgument, "bad.yaml: elements[0] (x): unknown code list 'nope'"},
      {Element("    type: enum\n    sensitivity: L1\n"), ErrorCode::kInvalidArgument,
       "bad.yaml: elements[0] (x): type enum needs a code_list"},
      {Element("    type: string\n    code_list: gender\n    sensitivity: L1\n"),
       ErrorCode::kInvalidArgument,
       "bad.yaml: elements[0] (x): code_list is only allowed with type enum"},
      {Element("    type: string\n"), ErrorCode::kInvalidArgument,
       "bad.yaml: elements[0] (x): sensitivity is required"},
      {Element("    type: string\n    sensitivity: L5\n"), ErrorCode::kInvalidArgument,
       "bad.yaml: elements[0] (x): unknown sensitivity 'L5'"},
      {Element("    type: string\n    sensitivity: L1\n    max_length: -3\n"),
       ErrorCode::kInvalidArgument, "bad.yaml: elements[0] (x): max_length must be an integer"},
      {Element("    type: string\n    sensitivity: L1\n    validator: phone\n"),
       ErrorCode::kInvalidArgument, "bad.yaml: elements[0] (x): unknown validator 'phone'"},
      {Element("    type: integer\n    sensitivity: L1\n    validator: mobile\n"),
       ErrorCode::kInvalidArgument,
       "bad.yaml: elements[0] (x): validator 'mobile' checks text: it needs type string"},
      {Element("    type: string\n    sensitivity: L1\n    colour: red\n"),
       ErrorCode::kInvalidArgument, "bad.yaml: elements[0] (x): unknown field 'colour'"},
      {Element("    type: string\n    sensitivity: L1\n") +
           "  - code: x\n    name: 又\n    type: string\n    sensitivity: L1\n",
       ErrorCode::kAlreadyExists,
       "bad.yaml: elements[1] (x): element 'x' is defined twice (also elements[0])"},
      {"elements:\n  - code: id_card\n    name: 身份证\n    type: string\n    sensitivity: L4\n",
       ErrorCode::kAlreadyExists,
       "bad.yaml: elements[0] (id_card): would redefine the built-in element 'id_card'"},
      {"code_lists:\n  - code: gender\n    name: 性别\n    entries: [{code: M, label: 男}]\n",
       ErrorCode::kAlreadyExists,
       "bad.yaml: code_lists[0] (gender): would redefine the built-in code list 'gender'"},
      {"elements:\n  - code: Bad-Code\n    name: 某\n    type: string\n    sensitivity: L1\n",
       ErrorCode::kInvalidArgument, "bad.yaml: elements[0] (Bad-Code): code 'Bad-Code' must be"},
      {"elements:\n  - name: 某\n    type: string\n    sensitivity: L1\n",
       ErrorCode::kInvalidArgument, "bad.yaml: elements[0]: code is required"},
      {"elements:\n  - code: x\n    type: string\n    sensitivity: L1\n",
       ErrorCode::kInvalidArgument, "bad.yaml: elements[0] (x): name is required"},
      {"code_lists:\n  - code: l\n    name: 表\n", ErrorCode::kInvalidArgument,
       "bad.yaml: code_lists[0] (l): entries is required"},
      {"code_lists:\n  - code: l\n    name: 表\n    entries: [{code: a, label: A}, {code: a, "
       "label: B}]\n",
       ErrorCode::kInvalidArgument,
       "bad.yaml: code_lists[0] (l): entries[1] code 'a' repeats entries[0]"},
      {"code_lists:\n  - code: l\n    name: 表\n    entries: [{code: a}]\n",
       ErrorCode::kInvalidArgument, "bad.yaml: code_lists[0] (l): entries[0] label is required"},
      {list + "  - code: l\n    name: 又\n    entries: [{code: b, label: B}]\n",
       ErrorCode::kAlreadyExists, "bad.yaml: code_lists[1] (l): code list 'l' is defined twice"},
      {"elements: [\n", ErrorCode::kInvalidArgument, "bad.yaml:"},
      {"- just\n- a list\n", ErrorCode::kInvalidArgument,
       "bad.yaml: the document must be a mapping"},
      {"element:\n  - code: x\n", ErrorCode::kInvalidArgument, "bad.yaml: unknown field 'element'"},
      {"{}", ErrorCode::kInvalidArgument, "bad.yaml: nothing to import"},
      {"elements: 3\n", ErrorCode::kInvalidArgument, "bad.yaml: elements must be a list"},
      {"elements:\n  - code: x\n    name: [a, b]\n    type: string\n    sensitivity: L1\n",
       ErrorCode::kInvalidArgument, "bad.yaml: elements[0] (x): name must be a single value"},
      {Element("    type: string\n    sensitivity: L1\n    sensitivity: L4\n"),
       ErrorCode::kInvalidArgument, "bad.yaml: elements[0] (x): field 'sensitivity' appears twice"},
      {list + "code_lists:\n  - code: m\n    name: 又\n    entries: [{code: b, label: B}]\n",
       ErrorCode::kInvalidArgument, "bad.yaml: field 'code_lists' appears twice"},
  };
  for (const auto& c : cases) {
    Status s = TryImport(c.yaml);
    EXPECT_EQ(s.code(), c.code) << c.yaml << "\n-> " << s.ToString();
    EXPECT_TRUE(StartsWith(s.message(), c.message)) << c.yaml << "\n-> " << s.message();
  }
}

TEST(Registry, ImportReportsEveryProblemInDetails) {
  Status s = TryImport(
      "elements:\n  - code: a\n    name: 甲\n    type: text\n    sensitivity: L1\n"
      "  - code: b\n    name: 乙\n    type: string\n    sensitivity: L9\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("(and 1 more problem)"), std::string::npos) << s.message();
  ASSERT_TRUE(s.details().contains("errors"));
  EXPECT_EQ(s.details()["errors"].size(), 2u);
  EXPECT_EQ(s.details()["source"], "bad.yaml");
}

TEST(Registry, JsonDefinitionsUseTheSameRules) {
  auto reg = Fresh();
  nlohmann::json doc = {{"elements",
                         {{{"code", "room_no"},
                           {"name", "房号"},
                           {"type", "string"},
                           {"sensitivity", "L2"},
                           {"max_length", 10}}}}};
  auto bundle = ParseStandardsJson(doc, "request");
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  ASSERT_TRUE(reg->AddBundle(*bundle, "request").ok());
  EXPECT_EQ(reg->FindElement("room_no")->max_length, 10);
  auto bad = ParseStandardsJson({{"elements", {{{"code", "x"}, {"kind", "y"}}}}}, "request");
  EXPECT_FALSE(bad.ok());
  EXPECT_TRUE(StartsWith(bad.status().message(), "request: elements[0] (x): unknown field 'kind'"))
      << bad.status().message();
}

TEST(Registry, ConcurrentReadersDuringImports) {
  auto reg = Fresh();
  std::atomic<bool> stop{false};
  std::atomic<int64_t> checked{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      const DataElement* id = reg->FindElement("id_card");
      while (!stop) {
        EXPECT_EQ(reg->Validate(*id, "11010519491231002X"), std::nullopt);
        for (const DataElement* e : reg->Elements()) EXPECT_FALSE(e->code.empty());
        ++checked;
      }
    });
  }
  // Let every reader get going first, so the imports really overlap with reads.
  while (checked.load() < 4) std::this_thread::yield();
  for (int i = 0; i < 50; ++i) {
    std::string code = "e" + std::to_string(i);
    Status s = reg->ImportYaml("elements:\n  - code: " + code +
                                   "\n    name: 元素\n    type: integer\n    sensitivity: L1\n",
                               "f.yaml");
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_NE(reg->FindElement("e49"), nullptr);
}

// --- Persistence, on every backend ------------------------------------------------------------

class StandardsStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (store::testing::Unavailable(GetParam())) GTEST_SKIP() << "no PostgreSQL server configured";
    url_ = store::testing::FreshUrl(GetParam());
    auto s = store::Store::Open({url_, 4});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    ASSERT_TRUE(store::ApplyMigrations(*store_, StandardsMigrations()).ok());
  }
  int64_t Count(const std::string& table) {
    return store_->QueryOne("SELECT count(*) FROM " + table)->Int(0);
  }
  std::string url_;
  std::unique_ptr<store::Store> store_;
};

TEST_P(StandardsStoreTest, ImportSurvivesRestart) {
  {
    auto reg = Fresh();
    Status s = reg->ImportFileToStore(
        *store_, YISHU_SOURCE_DIR "/src/standards/examples/township-standards.yaml");
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_NE(reg->FindElement("marital_status"), nullptr);
  }
  EXPECT_EQ(Count("standard_code_lists"), 2);
  EXPECT_EQ(Count("standard_code_list_entries"), 10);
  EXPECT_EQ(Count("standard_elements"), 6);

  // A restarted server: new store connection, new registry.
  store_.reset();
  auto reopened = store::Store::Open({url_, 2});
  ASSERT_TRUE(reopened.ok());
  store_ = std::move(reopened).value();
  ASSERT_TRUE(store::ApplyMigrations(*store_, StandardsMigrations()).ok());
  auto reg = Fresh();
  EXPECT_EQ(reg->FindElement("marital_status"), nullptr);
  ASSERT_TRUE(reg->LoadFromStore(*store_).ok());
  const DataElement* ssn = reg->FindElement("social_security_no");
  ASSERT_NE(ssn, nullptr);
  EXPECT_EQ(ssn->pattern, "[0-9]{17}[0-9X]");
  EXPECT_EQ(ssn->max_length, 18);
  EXPECT_EQ(ssn->default_sensitivity, Sensitivity::L4);
  EXPECT_EQ(ssn->description, "社会保障卡号码,与公民身份号码一致");
  EXPECT_EQ(ssn->name_en, "Social security number");
  EXPECT_FALSE(ssn->builtin);
  const CodeList* marital = reg->FindCodeList("marital_status");
  ASSERT_NE(marital, nullptr);
  ASSERT_EQ(marital->entries.size(), 8u);
  EXPECT_EQ(marital->entries[7].code, "90");
  EXPECT_EQ(marital->entries[7].label, "未说明的婚姻状况");
  EXPECT_EQ(marital->standard, "GB/T 2261.2-2003");
  EXPECT_EQ(Rule(*reg, "marital_status", "40"), "");
  EXPECT_EQ(Rule(*reg, "contact_phone", "15412345678"), "segment");
  // Order is kept: operator elements follow the built-ins in import order.
  auto all = reg->Elements();
  EXPECT_EQ(all.back()->code, "monthly_income");
  // Loading again is harmless.
  EXPECT_TRUE(reg->LoadFromStore(*store_).ok());
  EXPECT_EQ(reg->Elements().size(), all.size());
}

TEST_P(StandardsStoreTest, FailedImportWritesNothing) {
  auto reg = Fresh();
  Status s = reg->ImportYamlToStore(*store_,
                                    "code_lists:\n  - code: l\n    name: 表\n    entries: "
                                    "[{code: a, label: A}]\nelements:\n  - code: x\n    name: "
                                    "某\n    type: enum\n    code_list: missing\n    "
                                    "sensitivity: L1\n",
                                    "bad.yaml");
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Count("standard_code_lists"), 0);
  EXPECT_EQ(Count("standard_elements"), 0);
  EXPECT_EQ(reg->FindCodeList("l"), nullptr);
}

TEST_P(StandardsStoreTest, TwoServersCannotBothDefineTheSameCode) {
  auto a = Fresh();
  auto b = Fresh();
  const std::string yaml =
      "elements:\n  - code: room_no\n    name: 房号\n    type: string\n    sensitivity: L2\n";
  ASSERT_TRUE(a->ImportYamlToStore(*store_, yaml, "a.yaml").ok());
  // b has not seen a's import in memory; the store refuses the duplicate and b stays unchanged.
  Status s = b->ImportYamlToStore(*store_, yaml, "b.yaml");
  EXPECT_EQ(s.code(), ErrorCode::kAlreadyExists) << s.ToString();
  EXPECT_EQ(b->FindElement("room_no"), nullptr);
  ASSERT_TRUE(b->LoadFromStore(*store_).ok());
  EXPECT_NE(b->FindElement("room_no"), nullptr);
  EXPECT_EQ(Count("standard_elements"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StandardsStoreTest,
                         ::testing::ValuesIn(store::testing::Backends()),
                         [](const auto& info) { return info.param; });

// --- Reference data ---------------------------------------------------------------------------

TEST(AdminDivisions, History) {
  const AdminDivisions& ad = Shared().divisions();
  EXPECT_GT(ad.code_count(), 6000u);
  const Division* sx = ad.Find("330621");
  ASSERT_NE(sx, nullptr);
  EXPECT_EQ(sx->name, "绍兴县");
  EXPECT_EQ(sx->province, "浙江省");
  EXPECT_EQ(sx->prefecture, "绍兴市");
  EXPECT_EQ(sx->level, DivisionLevel::kCounty);
  EXPECT_FALSE(sx->in_use);
  EXPECT_EQ(sx->start_year, 1983);
  EXPECT_EQ(sx->end_year, 2013);
  ASSERT_EQ(sx->successors.size(), 3u);
  EXPECT_EQ(sx->successors[0].code, "330602");
  EXPECT_EQ(sx->successors[0].year, 2001);
  EXPECT_EQ(sx->successors[2].code, "330603");
  EXPECT_EQ(sx->successors[2].year, 0);
  const Division* kq = ad.Find("330603");
  ASSERT_NE(kq, nullptr);
  EXPECT_EQ(kq->name, "柯桥区");
  EXPECT_TRUE(kq->in_use);
  // A reused code: Find gives the current use, History every use.
  EXPECT_EQ(ad.Find("120110")->name, "东丽区");
  auto hist = ad.History("120110");
  ASSERT_EQ(hist.size(), 2u);
  EXPECT_EQ(hist[0]->name, "东郊区");
  EXPECT_EQ(ad.Find("999999"), nullptr);
  EXPECT_EQ(ad.Find("abc"), nullptr);
  EXPECT_EQ(ad.Find("330000")->level, DivisionLevel::kProvince);
}

TEST(AdminDivisions, KeqiaoTownships) {
  const AdminDivisions& ad = Shared().divisions();
  auto towns = ad.Townships("330603");
  ASSERT_EQ(towns.size(), 16u);
  EXPECT_EQ(towns.front()->code, "330603001");
  EXPECT_EQ(towns.front()->name, "柯桥街道");
  EXPECT_EQ(towns.back()->name, "夏履镇");
  EXPECT_EQ(ad.Find("330603010")->name, "杨汛桥街道");
  EXPECT_EQ(ad.Find("330603010")->level, DivisionLevel::kTownship);
  EXPECT_TRUE(ad.Townships("110105").empty());
}

std::filesystem::path WriteTemp(const std::string& name, const std::string& text) {
  auto path = store::testing::TempDir() / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(AdminDivisions, MalformedFilesFailClearly) {
  const std::string header =
      "代码,一级行政区,二级行政区,名称,级别,状态,启用时间,变更/弃用时间,新代码\n";
  struct Case {
    std::string body;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"110000,北京市,,北京市,省级,在用,1981,\n", "h.csv:2: 8 fields where the header has 9"},
      {"11000,北京市,,北京市,省级,在用,1981,,\n", "h.csv:2: code '11000' is not 6 digits"},
      {"110000,北京市,,北京市,国级,在用,1981,,\n", "h.csv:2: unknown level '国级'"},
      {"110000,北京市,,北京市,省级,弃用,1981,,\n", "h.csv:2: an abolished code needs an end year"},
      {"110000,北京市,,北京市,省级,在用,1981,,\"110101\n",
       "h.csv:2: a quoted field is never closed"},
      {"110000,北京市,,北京市,省级,在用,1981,,110101[20x]\n", "h.csv:2: malformed successor"},
      {"", "h.csv: no division codes"},
  };
  for (const auto& c : cases) {
    auto r = AdminDivisions::LoadHistory(WriteTemp("h.csv", "\xEF\xBB\xBF" + header + c.body));
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_NE(r.status().message().find("/" + c.message), std::string::npos)
        << r.status().message();
  }
  auto no_header = AdminDivisions::LoadHistory(WriteTemp("h.csv", "a,b\n"));
  EXPECT_NE(no_header.status().message().find("h.csv:1: expected the header"), std::string::npos);
  auto missing = AdminDivisions::LoadHistory("/nonexistent/h.csv");
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);

  auto ok = AdminDivisions::LoadHistory(
      WriteTemp("h.csv", header + "330603,浙江省,绍兴市,柯桥区,县级,在用,2013,,\r\n"));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  Status t = (*ok)->LoadTownships(WriteTemp("t-streets.csv", "code,name\n330604001,\"某街道\"\n"));
  EXPECT_NE(t.message().find("t-streets.csv:2: county code 330604"), std::string::npos)
      << t.message();
  t = (*ok)->LoadTownships(WriteTemp("t-streets.csv", "code,name\n330603001,\"柯桥\"\"街道\"\n"));
  ASSERT_TRUE(t.ok()) << t.ToString();
  EXPECT_EQ((*ok)->Find("330603001")->name, "柯桥\"街道");

  auto reg = Registry::Create("/nonexistent-reference");
  ASSERT_FALSE(reg.ok());
  EXPECT_NE(reg.status().message().find("/nonexistent-reference"), std::string::npos);
}

// --- Speed ------------------------------------------------------------------------------------

TEST(Speed, MillionIdNumbersWellUnderASecond) {
  // 1000 distinct valid numbers over current and abolished Zhejiang codes, validated 1000 times.
  const char* regions[] = {"330603", "330602", "330621", "330681", "330102", "110105"};
  std::vector<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    char first17[18];
    std::snprintf(first17, sizeof first17, "%s%04d%02d%02d%03d", regions[i % 6], 1950 + i % 60,
                  1 + i % 12, 1 + i % 28, i % 1000);
    ids.push_back(Id(first17));
  }
  const Registry& reg = Shared();
  const DataElement& e = *reg.FindElement("id_card");
  for (const auto& id : ids) ASSERT_EQ(reg.Validate(e, id), std::nullopt) << id;
  int64_t bad = 0;
  auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < 1000; ++round)
    for (const auto& id : ids) bad += reg.Validate(e, id).has_value();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(bad, 0);
  std::printf("[ speed    ] 1,000,000 id_card validations in %.3f s: %.1f M/s, %.0f MB/s\n", secs,
              1.0 / secs, 18.0 / secs);
  EXPECT_LT(secs, 3.0);
}

}  // namespace
}  // namespace yishu::standards

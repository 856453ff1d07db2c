#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "masterdata/chinese.hpp"
#include "masterdata/compare.hpp"
#include "masterdata/config.hpp"
#include "masterdata/engine.hpp"
#include "masterdata/input.hpp"
#include "masterdata/model.hpp"
#include "masterdata/normalize.hpp"
#include "standards/checks.hpp"

namespace yishu::masterdata {
namespace {

const ChineseChars* Chars() {
  Status s;
  static auto chars = ChineseChars::Default(&s);
  EXPECT_TRUE(chars) << s.ToString();
  return chars.get();
}

std::vector<uint32_t> U(std::u32string_view s) {
  return {s.begin(), s.end()};
}

FieldSpec Field(std::string name, FieldKind kind) {
  FieldSpec f;
  f.name = f.column = std::move(name);
  f.kind = kind;
  return f;
}

// --- Unihan: pinyin and variants -----------------------------------------------------------

TEST(ChineseChars, HomophonesShareAReading) {
  const ChineseChars* c = Chars();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->PinyinText(c->Pinyin(U'伟')), "wei");
  EXPECT_EQ(c->Pinyin(U'伟'), c->Pinyin(U'玮'));
  EXPECT_EQ(c->Pinyin(U'张'), c->Pinyin(U'章'));
  EXPECT_NE(c->Pinyin(U'张'), c->Pinyin(U'王'));
  EXPECT_EQ(c->PinyinText(c->Pinyin(U'吕')), "lv");
  EXPECT_EQ(c->Pinyin(U'A'), 0);
}

TEST(ChineseChars, TraditionalFoldsToSimplified) {
  const ChineseChars* c = Chars();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->Simplify(U'張'), U'张');
  EXPECT_EQ(c->Simplify(U'偉'), U'伟');
  EXPECT_EQ(c->Simplify(U'國'), U'国');
  EXPECT_EQ(c->Simplify(U'张'), U'张');
  EXPECT_EQ(c->Simplify(U'A'), U'A');
}

TEST(ChineseChars, MissingDirectoryIsNamed) {
  auto r = ChineseChars::Load("/nonexistent-unihan");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("Unihan_Variants.txt"), std::string::npos);
}

// --- Normalizers -----------------------------------------------------------------------------

TEST(Normalize, IdNumbers) {
  // 11010519491231002X is the standard's worked example.
  IdNumber id = NormalizeIdNumber(" 11010519491231002x ");
  EXPECT_TRUE(id.valid);
  EXPECT_EQ(id.view(), "11010519491231002X");
  EXPECT_FALSE(NormalizeIdNumber("11010519491231003X").valid);
  // Fifteen digits widen to eighteen with the right check character.
  id = NormalizeIdNumber("110105491231002");
  EXPECT_EQ(id.view(), "11010519491231002X");
  EXPECT_TRUE(id.valid);
  // Excel's scientific notation keeps a prefix only.
  id = NormalizeIdNumber("3.30603198E+17");
  EXPECT_TRUE(id.truncated);
  EXPECT_EQ(id.view(), "330603198");
  EXPECT_EQ(NormalizeIdNumber("abc").length, 0);
  // Full-width digits.
  EXPECT_TRUE(NormalizeIdNumber("１１０１０５１９４９１２３１００２Ｘ").valid);
}

TEST(Normalize, CreditCodes) {
  EXPECT_TRUE(NormalizeCreditCode("91330621MA2BDY8G3X").length == 18);
  CreditCode good = NormalizeCreditCode("91350100M000100Y43");
  EXPECT_TRUE(good.valid);
  EXPECT_FALSE(NormalizeCreditCode("91350100M000100Y44").valid);
}

TEST(Normalize, DatesInCommonSpellings) {
  const int32_t want = ParseDate("2001-03-04").days();
  for (const char* s : {"2001/3/4", "2001年3月4日", "20010304", "2001.03.04", "04/03/2001",
                        "２００１－０３－０４"}) {
    EXPECT_EQ(ParseDate(s).days(), want) << s;
  }
  EXPECT_EQ(ParseDate("12/31/2001").day, 31);
  EXPECT_FALSE(ParseDate("2001-02-30").valid());
  EXPECT_FALSE(ParseDate("").valid());
  EXPECT_FALSE(ParseDate("19560231").valid());
}

TEST(Normalize, AddressesByParts) {
  const ChineseChars* c = Chars();
  Address full = ParseAddress("浙江省绍兴市柯桥区柯桥街道笛扬路128号3幢502室", c);
  EXPECT_EQ(full.township, U"柯桥");
  EXPECT_EQ(full.place, U"笛扬路");
  EXPECT_EQ(full.numbers, (std::vector<uint32_t>{128, 3, 502}));
  // Shorter styles, full-width digits and 街道 written out or not read the same.
  Address short_form = ParseAddress("柯桥区柯桥街道笛扬路１２８号３幢５０２室", c);
  EXPECT_EQ(short_form.township, full.township);
  EXPECT_EQ(short_form.place, full.place);
  EXPECT_EQ(short_form.numbers, full.numbers);
  Address city = ParseAddress("绍兴市柯桥区安昌镇大和村12号", c);
  EXPECT_EQ(city.township, U"安昌");
  EXPECT_EQ(city.place, U"大和村");
  EXPECT_EQ(city.numbers, (std::vector<uint32_t>{12}));
  Address no_admin = ParseAddress("笛扬路128号", c);
  EXPECT_TRUE(no_admin.township.empty());
  EXPECT_EQ(no_admin.place, U"笛扬路");
}

TEST(Normalize, OrgNames) {
  const ChineseChars* c = Chars();
  auto norm = [&](std::string_view s) {
    std::vector<char32_t> out;
    NormalizeOrgName(s, c, &out);
    return std::u32string(out.begin(), out.end());
  };
  EXPECT_EQ(norm("绍兴市柯桥区华美印染有限责任公司"), U"华美印染有限公司");
  EXPECT_EQ(norm("柯桥区华美印染有限公司"), U"华美印染有限公司");
  EXPECT_EQ(norm("浙江省华美（绍兴）印染有限公司"), U"华美(绍兴)印染有限公司");
}

// --- Comparators -------------------------------------------------------------------------------

// One record per value, one field of the given kind; compares record 0 with record 1.
int Level(FieldKind kind, std::string_view a, std::string_view b) {
  Config config;
  config.id_column = "id";
  config.fields.push_back(Field("f", kind));
  RecordBatch batch(1);
  std::string_view ca[] = {a}, cb[] = {b};
  batch.Add("a", ca);
  batch.Add("b", cb);
  PreparedRecords p = Prepare(config, batch, Chars(), 1);
  return CompareCells(kind, p, p.cell(0, 0), p.cell(1, 0));
}

TEST(Compare, NamesByCharactersPinyinAndVariants) {
  EXPECT_EQ(Level(FieldKind::kName, "王伟", "王伟"), 1);
  EXPECT_EQ(Level(FieldKind::kName, "張偉", "张伟"), 1);        // traditional
  EXPECT_EQ(Level(FieldKind::kName, "王伟", "王玮"), 2);        // homophone
  EXPECT_EQ(Level(FieldKind::kName, "欧阳明华", "欧阳华"), 3);  // a character dropped
  EXPECT_EQ(Level(FieldKind::kName, "李明华", "李华明"), 3);    // two swapped
  EXPECT_EQ(Level(FieldKind::kName, "王伟", "李娜"), 6);
  EXPECT_EQ(Level(FieldKind::kName, "", "李娜"), 0);
  // By characters, not bytes: 王伟 and 王娜 share 3 of 6 bytes but only one of two characters.
  EXPECT_LT(JaroWinkler(U(U"王伟"), U(U"李娜")), 0.1);
}

TEST(Compare, IdTyposAndTranspositions) {
  const std::string good = "11010519491231002X";
  EXPECT_EQ(Level(FieldKind::kIdCard, good, good), 1);
  EXPECT_EQ(Level(FieldKind::kIdCard, good, "11010519491231003X"), 2);  // one digit
  EXPECT_EQ(Level(FieldKind::kIdCard, good, "11010519492131002X"), 2);  // two transposed
  EXPECT_EQ(Level(FieldKind::kIdCard, good, "110105491231002"), 1);     // fifteen digits
  EXPECT_EQ(Level(FieldKind::kIdCard, "110105194912310029", "3.30603198E+17"), 5);
  EXPECT_EQ(Level(FieldKind::kIdCard, "330603198001010019", "3.30603198E+17"), 3);
  // Two valid numbers are two people, even one digit apart (twins).
  const std::string twin = "110105194912310038";
  ASSERT_TRUE(NormalizeIdNumber(twin).valid);
  EXPECT_EQ(Level(FieldKind::kIdCard, good, twin), 4);
}

TEST(Compare, DatesSwappedAndNear) {
  EXPECT_EQ(Level(FieldKind::kDate, "1980-03-04", "1980年3月4日"), 1);
  EXPECT_EQ(Level(FieldKind::kDate, "1980-03-04", "1980-04-03"), 2);
  EXPECT_EQ(Level(FieldKind::kDate, "1980-03-04", "1980-03-06"), 3);
  EXPECT_EQ(Level(FieldKind::kDate, "1980-03-04", "1981-03-04"), 3);
  EXPECT_EQ(Level(FieldKind::kDate, "1980-03-04", "1990-07-14"), 4);
}

TEST(Compare, AddressesAndPhones) {
  EXPECT_EQ(Level(FieldKind::kAddress, "浙江省绍兴市柯桥区柯桥街道笛扬路128号3幢502室",
                  "柯桥区柯桥街道笛扬路１２８号３幢５０２室"),
            1);
  EXPECT_EQ(Level(FieldKind::kAddress, "柯桥街道笛扬路128号3幢502室", "柯桥街道笛扬路128号"), 2);
  EXPECT_EQ(Level(FieldKind::kAddress, "柯桥街道笛扬路128号", "柯桥街道笛扬路12号"), 3);
  EXPECT_EQ(Level(FieldKind::kAddress, "柯桥街道笛扬路128号", "柯桥街道湖西路12号"), 4);
  EXPECT_EQ(Level(FieldKind::kAddress, "柯桥街道笛扬路128号", "安昌镇笛扬路128号"), 5);
  EXPECT_EQ(Level(FieldKind::kPhone, "13805751234", "+86 138 0575 1234"), 1);
  EXPECT_EQ(Level(FieldKind::kPhone, "13805751234", "1380575234"), 2);
}

TEST(Compare, OrgNamesAndCreditCodes) {
  EXPECT_EQ(Level(FieldKind::kOrgName, "绍兴市柯桥区华美印染有限公司", "华美印染有限责任公司"), 1);
  EXPECT_EQ(Level(FieldKind::kOrgName, "绍兴柯桥华美印染有限公司", "华美印染有限公司"), 2);
  EXPECT_EQ(Level(FieldKind::kCreditCode, "91350100M000100Y43", "91350100M000100Y34"), 2);
}

// --- EM on a small labelled set --------------------------------------------------------------

TEST(Model, EmRecoversMAndLambdaFromUnlabelledPatterns) {
  // Two exact-kind fields; truth: 30% matches with m(exact) = 0.9, u(exact) = 0.05.
  Config config;
  config.fields = {Field("a", FieldKind::kExact), Field("b", FieldKind::kExact)};
  std::vector<std::vector<double>> u_counts(2, std::vector<double>(16, 0));
  for (auto& f : u_counts) {
    f[1] = 500;
    f[2] = 9500;
  }
  Model model = InitialModel(config, u_counts);
  PatternCounts patterns;
  const double matches = 3000, non = 7000;
  for (int la = 1; la <= 2; ++la) {
    for (int lb = 1; lb <= 2; ++lb) {
      const double pm = (la == 1 ? 0.9 : 0.1) * (lb == 1 ? 0.9 : 0.1);
      const double pu = (la == 1 ? 0.05 : 0.95) * (lb == 1 ? 0.05 : 0.95);
      patterns[static_cast<uint64_t>(la | (lb << 4))] = matches * pm + non * pu;
    }
  }
  TrainEm(model, patterns, 0, 200);
  EXPECT_NEAR(model.lambda, 0.3, 0.02);
  EXPECT_NEAR(model.fields[0].m[1], 0.9, 0.02);
  EXPECT_NEAR(model.fields[1].m[1], 0.9, 0.02);
  EXPECT_GT(model.LevelWeight(0, 1), 3.0);
  EXPECT_LT(model.LevelWeight(0, 2), -2.0);
}

// --- Config --------------------------------------------------------------------------------------

TEST(Config, RejectsUnknownKindsFieldsAndKeys) {
  auto bad_kind = ParseConfig(nlohmann::json::parse(
      R"({"id_column":"id","fields":[{"name":"x","kind":"colour"}],"blocking":[["x"]]})"));
  ASSERT_FALSE(bad_kind.ok());
  EXPECT_NE(bad_kind.status().message().find("colour"), std::string::npos);
  auto bad_rule = ParseConfig(nlohmann::json::parse(
      R"({"id_column":"id","fields":[{"name":"x","kind":"name"}],"blocking":[["y"]]})"));
  ASSERT_FALSE(bad_rule.ok());
  EXPECT_NE(bad_rule.status().message().find("'y'"), std::string::npos);
  auto bad_key = ParseConfig(nlohmann::json::parse(
      R"({"id_column":"id","fields":[{"name":"x","kind":"name","tff":true}],"blocking":[["x"]]})"));
  ASSERT_FALSE(bad_key.ok());
  EXPECT_NE(bad_key.status().message().find("tff"), std::string::npos);
}

// --- Hard negatives and deterministic identifiers ------------------------------------------

std::string IdWithCheck(std::string first17) {
  return first17 + standards::IdCardCheckChar(first17);
}

TEST(Resolve, TwinsParentsAndNamesakesStayApartWhileTyposJoin) {
  auto config = ParseConfig(nlohmann::json::parse(R"({
      "id_column": "id",
      "fields": [{"name": "name", "kind": "name", "tf": true},
                 {"name": "id_number", "kind": "id_card", "deterministic": true},
                 {"name": "birth", "kind": "date", "fallback_from": "id_number"},
                 {"name": "mobile", "kind": "phone"},
                 {"name": "address", "kind": "address"}],
      "blocking": [["id_number"], ["name:pinyin", "birth"], ["address", "birth"],
                   ["address"]],
      "u_sample_pairs": 20000})"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  RecordBatch batch(config->fields.size());
  auto add = [&](std::string id, std::string name, std::string idn, std::string birth,
                 std::string mobile, std::string address) {
    std::string_view cells[] = {name, idn, birth, mobile, address};
    batch.Add(id, cells);
  };
  const std::string twin_a = IdWithCheck("33060320150301001");
  const std::string twin_b = IdWithCheck("33060320150301003");
  const std::string mother = IdWithCheck("33060319880710002");
  std::string typo = twin_a;
  typo[3] = typo[3] == '9' ? '0' : static_cast<char>(typo[3] + 1);
  const std::string home = "浙江省绍兴市柯桥区柯桥街道笛扬路128号3幢502室";
  add("a1", "李明轩", twin_a, "2015-03-01", "13805751234", home);
  add("a2", "李明轩", typo, "2015年3月1日", "13805751234",
      "柯桥区柯桥街道笛扬路１２８号３幢５０２室");
  add("a3", "李明軒", "", "2015-03-01", "", home);  // traditional, no ID: joins by name and birth
  add("b1", "李明宇", twin_b, "2015-03-01", "13805751234", home);
  add("b2", "李明宇", twin_b, "20150301", "", "");
  add("m1", "王丽", mother, "1988-07-10", "13805751234", home);
  add("m2", "王丽", mother, "", "13805751234", home);
  // Many 王伟 in one township, each with a valid ID of their own.
  for (int i = 0; i < 30; ++i) {
    add(fmt::format("w{}", i), "王伟",
        IdWithCheck(fmt::format("330603198{:03d}1010{:02d}", i % 10, i)), "", "",
        "柯桥街道湖西路" + std::to_string(i) + "号");
  }
  // Synthetic strangers so that random pairs estimate u.
  for (int i = 0; i < 300; ++i) {
    add(fmt::format("s{}", i), fmt::format("张{}", i),
        IdWithCheck(fmt::format("33060319{:02d}0{}1{:02d}0{:02d}", 50 + i % 40, 1 + i % 9,
                                10 + i % 18, i % 100)),
        fmt::format("19{:02d}-0{}-{:02d}", 50 + i % 40, 1 + i % 9, 10 + i % 18),
        fmt::format("1390000{:04d}", i), fmt::format("安昌镇大和村{}号", i));
  }
  ResolveOptions options;
  options.threads = 2;
  auto result = Resolve(*config, batch, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  auto cluster = [&](std::string_view id) {
    for (size_t r = 0; r < batch.size(); ++r) {
      if (batch.id(r) == id) return result->cluster_of[r];
    }
    return ~0u;
  };
  EXPECT_EQ(cluster("a1"), cluster("a2"));  // a mistyped ID, the same person
  EXPECT_EQ(cluster("a1"), cluster("a3"));
  EXPECT_EQ(cluster("b1"), cluster("b2"));
  EXPECT_NE(cluster("a1"), cluster("b1"));  // twins: same birth, address, phone
  EXPECT_EQ(cluster("m1"), cluster("m2"));
  EXPECT_NE(cluster("m1"), cluster("a1"));  // mother and child at one address and phone
  std::set<uint32_t> wangwei;
  for (int i = 0; i < 30; ++i) wangwei.insert(cluster(fmt::format("w{}", i)));
  EXPECT_EQ(wangwei.size(), 30u);
  EXPECT_EQ(result->stats.empty_records, 0);
  // Pairs that different valid ID numbers keep apart are not queued for review.
  for (const auto& p : result->review) {
    const std::string ia(batch.cell(p.a, 1)), ib(batch.cell(p.b, 1));
    EXPECT_FALSE(ia.size() == 18 && ib.size() == 18 && ia != ib && ia != typo && ib != typo)
        << batch.id(p.a) << " " << batch.id(p.b);
  }
}

TEST(Resolve, RecordsWithNothingToMatchOnAreTheirOwnClusters) {
  auto config = ParseConfig(nlohmann::json::parse(
      R"({"id_column":"id","fields":[{"name":"x","kind":"name"}],"blocking":[["x"]]})"));
  ASSERT_TRUE(config.ok());
  RecordBatch batch(1);
  std::string_view empty[] = {""}, named[] = {"王伟"};
  batch.Add("e1", empty);
  batch.Add("e2", empty);
  batch.Add("n1", named);
  ResolveOptions options;
  options.threads = 1;
  auto result = Resolve(*config, batch, options);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->stats.empty_records, 2);
  EXPECT_EQ(result->cluster_of[0], 0u);
  EXPECT_EQ(result->cluster_of[1], 1u);
  EXPECT_EQ(result->stats.clusters, 3);
}

// --- Febrl: unlabelled EM, F1 against the rec ids ------------------------------------------

const std::string kShared = YISHU_SHARED_DIR;
const std::string kSource = YISHU_SOURCE_DIR;

struct Scores {
  double precision = 0, recall = 0, f1 = 0;
};

// Pairwise scores of predicted pairs against truth pairs (both as sets of (i, j), i < j).
Scores Score(const std::set<std::pair<std::string, std::string>>& predicted,
             const std::set<std::pair<std::string, std::string>>& truth) {
  size_t tp = 0;
  for (const auto& p : predicted) tp += truth.count(p);
  Scores s;
  s.precision = predicted.empty() ? 0 : double(tp) / predicted.size();
  s.recall = truth.empty() ? 0 : double(tp) / truth.size();
  s.f1 = s.precision + s.recall == 0 ? 0 : 2 * s.precision * s.recall / (s.precision + s.recall);
  return s;
}

std::string Entity(std::string_view rec_id) {
  static const std::regex re("rec-(\\d+)");
  std::cmatch m;
  std::regex_search(rec_id.data(), rec_id.data() + rec_id.size(), m, re);
  return m[1].str();
}

TEST(Febrl, Febrl3DedupWithoutLabels) {
  auto config = LoadConfig(kSource + "/reference/masterdata/febrl.yaml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  RecordBatch batch(config->fields.size());
  ASSERT_TRUE(LoadRecords(kShared + "/data/febrl/dataset3.csv", *config, 0, &batch).ok());
  ASSERT_EQ(batch.size(), 5000u);
  auto result = Resolve(*config, batch, {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();

  std::map<uint32_t, std::vector<size_t>> clusters;
  for (size_t r = 0; r < batch.size(); ++r) clusters[result->cluster_of[r]].push_back(r);
  std::set<std::pair<std::string, std::string>> predicted, truth;
  std::map<std::string, std::vector<std::string>> entities;
  for (size_t r = 0; r < batch.size(); ++r) {
    entities[Entity(batch.id(r))].emplace_back(batch.id(r));
  }
  auto add_pairs = [](const std::vector<std::string>& ids, auto& out) {
    for (size_t i = 0; i < ids.size(); ++i) {
      for (size_t j = i + 1; j < ids.size(); ++j) out.insert(std::minmax(ids[i], ids[j]));
    }
  };
  for (const auto& [_, ids] : entities) add_pairs(ids, truth);
  for (const auto& [_, members] : clusters) {
    std::vector<std::string> ids;
    for (size_t r : members) ids.emplace_back(batch.id(r));
    add_pairs(ids, predicted);
  }
  ASSERT_EQ(truth.size(), 6538u);
  const Scores s = Score(predicted, truth);
  RecordProperty("f1", fmt::format("{:.4f}", s.f1));
  fmt::print("febrl3 dedup: precision {:.4f} recall {:.4f} F1 {:.4f}, {} candidate pairs\n",
             s.precision, s.recall, s.f1, result->stats.candidate_pairs);
  EXPECT_GE(s.f1, 0.99);
}

TEST(Febrl, Febrl4LinkWithoutLabels) {
  auto config = LoadConfig(kSource + "/reference/masterdata/febrl.yaml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  RecordBatch batch(config->fields.size());
  ASSERT_TRUE(LoadRecords(kShared + "/data/febrl/dataset4a.csv", *config, 0, &batch).ok());
  ASSERT_TRUE(LoadRecords(kShared + "/data/febrl/dataset4b.csv", *config, 1, &batch).ok());
  ASSERT_EQ(batch.size(), 10000u);
  auto result = Resolve(*config, batch, {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  std::set<std::pair<std::string, std::string>> predicted, truth;
  for (size_t r = 0; r < 5000; ++r) {
    const std::string e = Entity(batch.id(r));
    truth.insert({e, e});
  }
  for (const ScoredPair& m : result->matches) {
    predicted.insert({Entity(batch.id(m.a)), Entity(batch.id(m.b))});
  }
  const Scores s = Score(predicted, truth);
  fmt::print("febrl4 link: precision {:.4f} recall {:.4f} F1 {:.4f}, {} candidate pairs\n",
             s.precision, s.recall, s.f1, result->stats.candidate_pairs);
  EXPECT_GE(s.f1, 0.99);
}

TEST(Csv, MissingColumnFailsNamingIt) {
  auto config = ParseConfig(nlohmann::json::parse(
      R"({"id_column":"rec_id","fields":[{"name":"x","column":"no_such_column","kind":"name"}],
          "blocking":[["x"]]})"));
  ASSERT_TRUE(config.ok());
  Status s = CheckColumns(kShared + "/data/febrl/dataset3.csv", *config);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no_such_column"), std::string::npos);
}

TEST(Input, GbkQuotesCrlfAndBom) {
  const std::string dir = ::testing::TempDir();
  auto config = ParseConfig(nlohmann::json::parse(
      R"({"id_column":"rec_id","fields":[{"name":"name","kind":"name"},
          {"name":"note","kind":"text"}],"blocking":[["name"]]})"));
  ASSERT_TRUE(config.ok());
  {
    // 王伟 in GBK is CD F5 CE B0; the quoted note holds a comma and an escaped quote.
    std::ofstream out(dir + "/gbk.csv", std::ios::binary);
    out << "rec_id,name,note\r\n1,\xCD\xF5\xCE\xB0,\"a, \"\"b\"\"\"\r\n2,,plain\r\n";
  }
  RecordBatch batch(2);
  ASSERT_TRUE(LoadRecords(dir + "/gbk.csv", *config, 0, &batch).ok());
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch.id(0), "1");
  EXPECT_EQ(batch.cell(0, 0), "王伟");
  EXPECT_EQ(batch.cell(0, 1), "a, \"b\"");
  EXPECT_EQ(batch.cell(1, 0), "");
  EXPECT_EQ(batch.cell(1, 1), "plain");
  {
    std::ofstream out(dir + "/bom.csv", std::ios::binary);
    out << "\xEF\xBB\xBFrec_id,name,note\n7,李娜,x\n";
  }
  RecordBatch utf8(2);
  ASSERT_TRUE(LoadRecords(dir + "/bom.csv", *config, 0, &utf8).ok());
  ASSERT_EQ(utf8.size(), 1u);
  EXPECT_EQ(utf8.id(0), "7");
  EXPECT_EQ(utf8.cell(0, 0), "李娜");
}

TEST(Input, MalformedRecordsAreLeftOutAndReportedJsonLinesRead) {
  const std::string dir = ::testing::TempDir();
  auto config = ParseConfig(nlohmann::json::parse(
      R"({"id_column":"rec_id","fields":[{"name":"name","kind":"name"}],"blocking":[["name"]]})"));
  ASSERT_TRUE(config.ok());
  {
    std::ofstream out(dir + "/ragged.csv", std::ios::binary);
    out << "rec_id,name\n1, 王伟 \n2,李娜,extra\n3,\"张\"三\n4,赵六\n";
  }
  RecordBatch batch(1);
  auto report = LoadRecords(dir + "/ragged.csv", *config, 0, &batch);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->loaded, 2);
  EXPECT_EQ(report->skipped, 2);
  ASSERT_EQ(report->first_skipped.size(), 2u);
  EXPECT_EQ(report->first_skipped[0].line, 3);
  EXPECT_EQ(report->first_skipped[1].line, 4);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch.cell(0, 0), "王伟");  // trimmed
  EXPECT_EQ(batch.id(1), "4");
  {
    std::ofstream out(dir + "/people.jsonl", std::ios::binary);
    out << R"({"rec_id":"a","name":"钱七"})"
        << "\n"
        << R"({"rec_id":"b","name":"孙八"})"
        << "\n";
  }
  RecordBatch jsonl(1);
  auto j = LoadRecords(dir + "/people.jsonl", *config, 0, &jsonl);
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ(j->loaded, 2);
  EXPECT_EQ(jsonl.cell(1, 0), "孙八");
  EXPECT_FALSE(LoadRecords(dir + "/nonexistent.csv", *config, 0, &jsonl).ok());
}

}  // namespace
}  // namespace yishu::masterdata

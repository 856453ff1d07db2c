// Tests of the demo district: generated once at scale 0.01 and checked against independent
// readings of the reference data (MCA division history, identifier worked examples), the
// catalogue (yaml-cpp) and the truth files.
#include <iconv.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "common/yaml_json.hpp"
#include "demo/demo.hpp"
#include "demo/identifiers.hpp"

namespace yishu::demo {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// RFC 4180 fields of one line (no embedded newlines in the demo's files).
std::vector<std::string> ParseCsvLine(std::string_view line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::string IconvAll(const char* to, const char* from, const std::string& in, bool* ok) {
  iconv_t cd = iconv_open(to, from);
  std::string out(in.size() * 2 + 16, '\0');
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  char* dst = out.data();
  size_t dst_left = out.size();
  *ok = iconv(cd, &src, &src_left, &dst, &dst_left) != static_cast<size_t>(-1);
  iconv_close(cd);
  out.resize(dst - out.data());
  return out;
}

// A delivered file as UTF-8 lines (BOM and CR removed); lines[0] is line 1, the header.
std::vector<std::string> ReadLines(const fs::path& p, const std::string& encoding) {
  std::string text = ReadFile(p);
  if (encoding == "GBK") {
    bool ok = false;
    text = IconvAll("UTF-8", "GBK", text, &ok);
    EXPECT_TRUE(ok) << p;
  }
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::vector<std::vector<std::string>> ReadCsv(const fs::path& p) {
  std::vector<std::vector<std::string>> rows;
  for (const std::string& l : ReadLines(p, "UTF-8")) rows.push_back(ParseCsvLine(l));
  return rows;
}

// The test run's own directory (removed at the end); set up before anything else uses it.
const fs::path& TestDir() {
  static const fs::path dir =
      fs::temp_directory_path() / fmt::format("yishu_demo_test_{}", getpid());
  return dir;
}

fs::path ReferenceDir() {
  const fs::path repo_ref = fs::path(YISHU_SOURCE_DIR) / "reference";
  if (fs::exists(repo_ref / "admin-divisions" / "keqiao-330603-streets.csv") &&
      fs::exists(repo_ref / "admin-divisions" / "gbt2260-history.csv")) {
    return repo_ref;
  }
  // The repository's copy may not be there yet: assemble one from ../shared (per process, so
  // parallel test processes never see a half-copied file).
  const fs::path shared = fs::path(YISHU_SHARED_DIR) / "data" / "admin-divisions";
  const fs::path dir = TestDir() / "reference" / "admin-divisions";
  if (!fs::exists(dir / "gbt2260-history.csv")) {
    fs::create_directories(dir);
    fs::copy_file(shared / "keqiao-330603-streets.csv", dir / "keqiao-330603-streets.csv",
                  fs::copy_options::overwrite_existing);
    fs::copy_file(shared / "mca-gbt2260" / "result.csv", dir / "gbt2260-history.csv",
                  fs::copy_options::overwrite_existing);
  }
  return dir.parent_path();
}

// code -> [(from, to)] from the MCA list of every code used since 1980.
std::map<std::string, std::vector<std::pair<int, int>>> LoadDivisionHistory() {
  std::map<std::string, std::vector<std::pair<int, int>>> codes;
  const auto rows = ReadCsv(ReferenceDir() / "admin-divisions" / "gbt2260-history.csv");
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (r.size() < 8) continue;
    const int from = r[6].empty() ? 1980 : std::stoi(r[6]);
    const int to = r[7].empty() ? 9999 : std::stoi(r[7]);
    codes[r[0]].emplace_back(from, to);
  }
  return codes;
}

class DemoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(TestDir());
    fs::remove_all(*dir_);
    DemoOptions o;
    o.scale = 0.01;
    o.out_dir = *dir_ / "a";
    o.reference_dir = ReferenceDir();
    o.progress = [](std::string_view stage, double f) { ++progress_calls_; };
    auto r = GenerateDistrict(o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    summary_ = new DemoSummary(*r);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete summary_;
    delete dir_;
  }
  static const DeliveredFile& File(std::string_view resource) {
    for (const DeliveredFile& f : summary_->files) {
      if (f.resource == resource) return f;
    }
    throw std::runtime_error("no file for " + std::string(resource));
  }

  static fs::path* dir_;
  static DemoSummary* summary_;
  static inline int progress_calls_ = 0;
};
fs::path* DemoTest::dir_ = nullptr;
DemoSummary* DemoTest::summary_ = nullptr;

TEST(IdentifiersTest, WorkedExamples) {
  const auto j = nlohmann::json::parse(
      ReadFile(fs::path(YISHU_SHARED_DIR) / "data" / "identifiers" / "examples.json"));
  for (const auto& e : j["resident_id_gb11643_1999"]["examples"]) {
    EXPECT_EQ(IsValidIdCard(e["id"].get<std::string>()), e["valid"].get<bool>()) << e["id"];
  }
  for (const auto& e : j["uscc_gb32100_2015"]["examples"]) {
    EXPECT_EQ(IsValidUscc(e["code"].get<std::string>()), e["valid"].get<bool>()) << e["code"];
  }
  EXPECT_EQ(IdCardCheckChar("11010519491231002"), 'X');
  EXPECT_EQ(OrgCodeCheckChar("M000100Y"), '4');
}

TEST_F(DemoTest, RowCountsScale) {
  EXPECT_EQ(summary_->persons, 11000);
  EXPECT_EQ(summary_->enterprises, 3000);
  EXPECT_EQ(summary_->files.size(), 13u);
  const DeliveredFile& ga = File("GA_HOUSEHOLD");
  EXPECT_GE(ga.rows, summary_->persons);
  EXPECT_LE(ga.rows, summary_->persons + summary_->persons / 100);
  EXPECT_GE(File("SJ_ENTERPRISE").rows, summary_->enterprises);
  int64_t total = 0;
  for (const DeliveredFile& f : summary_->files) {
    EXPECT_GT(f.rows, 0) << f.resource;
    EXPECT_EQ(static_cast<int64_t>(ReadLines(f.path, f.encoding).size()), f.rows + 1) << f.resource;
    total += f.rows;
  }
  EXPECT_GT(progress_calls_, 10);
  // About three person-bearing records per person across departments (issue 5's workload).
  EXPECT_GT(summary_->links, 2 * summary_->persons);
  fmt::print("scale 0.01: {} persons, {} enterprises, {} rows in {} files, {} links, {} faults\n",
             summary_->persons, summary_->enterprises, total, summary_->files.size(),
             summary_->links, summary_->faults);
}

TEST_F(DemoTest, TrueIdNumbersAreValidWithKnownRegionCodes) {
  const auto history = LoadDivisionHistory();
  const auto rows = ReadCsv(summary_->truth_dir / "persons.csv");
  ASSERT_EQ(rows.size(), static_cast<size_t>(summary_->persons + 1));
  std::set<std::string> ids;
  std::map<std::string, int> regions;
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::string& id = rows[i][2];
    ASSERT_TRUE(IsValidIdCard(id)) << id;
    EXPECT_TRUE(ids.insert(id).second) << "duplicate " << id;
    const std::string region = id.substr(0, 6);
    ++regions[region];
    const int birth_year = std::stoi(id.substr(6, 4));
    // The birth date and sex inside the ID agree with the truth.
    EXPECT_EQ(rows[i][3],
              fmt::format("{}-{}-{}", id.substr(6, 4), id.substr(10, 2), id.substr(12, 2)));
    EXPECT_EQ((id[16] - '0') % 2 == 1 ? "1" : "2", rows[i][4]) << id;
    auto it = history.find(region);
    ASSERT_NE(it, history.end()) << "region code " << region << " not in the MCA history";
    // Valid at the time of issue: the code existed at max(birth year, 1985) (first issue).
    const int issue = std::max(birth_year, 1985);
    bool valid_then = false;
    for (auto [from, to] : it->second) valid_then |= from <= issue && issue <= to;
    EXPECT_TRUE(valid_then) << id << " issued " << issue;
    // 绍兴县 was gone by then.
    if (birth_year >= 2014) {
      EXPECT_NE(region, "330621") << id;
    }
  }
  EXPECT_GT(regions["330621"], summary_->persons / 2);
  // Mobile numbers: 11 digits in allocated segments (no 154, no 140-149 data/IoT ranges).
  int elderly = 0, minors = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::string& m = rows[i][8];
    if (!m.empty()) {
      ASSERT_EQ(m.size(), 11u) << m;
      const int seg = std::stoi(m.substr(0, 3));
      EXPECT_TRUE((seg >= 130 && seg <= 139) || (seg >= 150 && seg <= 159 && seg != 154) ||
                  seg == 166 || (seg >= 173 && seg <= 178 && seg != 174) ||
                  (seg >= 180 && seg <= 189) || (seg >= 190 && seg <= 199 && seg != 194))
          << m;
    }
    const int age = 2026 - std::stoi(rows[i][3].substr(0, 4));
    elderly += age >= 60;
    minors += age < 18;
  }
  // A plausible pyramid: about a sixth to a fifth over 60, about a sixth under 18.
  EXPECT_GT(elderly, summary_->persons * 12 / 100);
  EXPECT_LT(elderly, summary_->persons * 25 / 100);
  EXPECT_GT(minors, summary_->persons * 12 / 100);
  EXPECT_LT(minors, summary_->persons * 25 / 100);
  EXPECT_GT(regions["330603"], summary_->persons / 20);
  EXPECT_GE(regions.size(), 15u);  // migrants from many counties
}

TEST_F(DemoTest, CreditCodesAreValid) {
  const auto rows = ReadCsv(summary_->truth_dir / "enterprises.csv");
  ASSERT_EQ(rows.size(), static_cast<size_t>(summary_->enterprises + 1));
  std::set<std::string> codes, names;
  int individuals = 0, textile = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::string& code = rows[i][1];
    EXPECT_TRUE(IsValidUscc(code)) << code;
    EXPECT_TRUE(code.starts_with("91330603") || code.starts_with("91330621") ||
                code.starts_with("92330603") || code.starts_with("92330621"))
        << code;
    EXPECT_EQ(code[1] == '2', rows[i][4] == "1") << code;
    EXPECT_TRUE(codes.insert(code).second) << code;
    EXPECT_TRUE(names.insert(rows[i][2]).second) << rows[i][2];
    if (!rows[i][3].empty()) {
      EXPECT_TRUE(IsValidRegNo(rows[i][3])) << rows[i][3];
    }
    individuals += rows[i][4] == "1";
    textile += rows[i][8].starts_with("17") || rows[i][8].starts_with("18") ||
               rows[i][8] == "5131" || rows[i][8] == "5231";
  }
  EXPECT_GT(individuals, summary_->enterprises / 5);
  EXPECT_GT(textile, summary_->enterprises / 2);
}

TEST_F(DemoTest, GbkFilesRoundTrip) {
  int gbk = 0;
  for (const DeliveredFile& f : summary_->files) {
    if (f.encoding != "GBK") continue;
    ++gbk;
    const std::string bytes = ReadFile(f.path);
    bool ok = false;
    const std::string utf8 = IconvAll("UTF-8", "GBK", bytes, &ok);
    ASSERT_TRUE(ok) << f.path;
    const std::string back = IconvAll("GBK", "UTF-8", utf8, &ok);
    ASSERT_TRUE(ok) << f.path;
    EXPECT_EQ(back, bytes) << f.path;
    EXPECT_NE(utf8.find("柯桥"), std::string::npos) << f.path;
    EXPECT_EQ(bytes.find("\xEF\xBB\xBF"), std::string::npos);  // no UTF-8 in disguise
  }
  EXPECT_GE(gbk, 4);
}

// Header -> column, whether the department wrote labels or names.
std::map<std::string, int> Columns(const YAML::Node& resource,
                                   const std::vector<std::string>& header) {
  std::map<std::string, int> cols;
  for (const auto& f : resource["fields"]) {
    const auto name = f["name"].as<std::string>(), label = f["label"].as<std::string>();
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name || header[i] == label) cols[name] = static_cast<int>(i);
    }
  }
  return cols;
}

TEST_F(DemoTest, CatalogueParsesAndHasOneAuthorityPerElement) {
  const YAML::Node cat = YAML::LoadFile(summary_->catalogue_file.string());
  ASSERT_EQ(cat["departments"].size(), 11u);
  std::set<std::string> departments, systems;
  for (const auto& d : cat["departments"]) departments.insert(d["code"].as<std::string>());
  for (const auto& s : cat["systems"]) {
    EXPECT_TRUE(departments.count(s["department"].as<std::string>()));
    systems.insert(s["code"].as<std::string>());
  }
  std::map<std::pair<std::string, std::string>, std::string> authority;
  const std::set<std::string> elements = {
      "id_card",  "uscc",      "mobile",         "landline",    "email",        "bank_card",
      "gender",   "ethnicity", "admin_division", "postal_code", "plate_number", "date",
      "datetime", "address",   "person_name",    "org_name",    "integer",      "decimal"};
  const std::set<std::string> types = {"string",   "integer", "decimal",  "date",
                                       "datetime", "enum",    "geo_point"};
  for (const auto& r : cat["resources"]) {
    const auto code = r["code"].as<std::string>();
    EXPECT_TRUE(departments.count(r["department"].as<std::string>())) << code;
    EXPECT_TRUE(systems.count(r["system"].as<std::string>())) << code;
    const auto share = r["share_type"].as<std::string>();
    if (share != "无条件共享") {
      EXPECT_FALSE(r["share_condition"].as<std::string>().empty()) << code;
    }
    const auto open = r["open_type"].as<std::string>();
    if (open != "无条件开放") {
      EXPECT_FALSE(r["open_condition"].as<std::string>().empty()) << code;
    }
    EXPECT_EQ(r["classification"].size(), 4u);
    const auto subject = r["subject"].as<std::string>();
    const size_t fields = r["fields"].size();
    EXPECT_GE(fields, 6u) << code;
    EXPECT_LE(fields, 20u) << code;
    for (const auto& f : r["fields"]) {
      EXPECT_TRUE(types.count(f["type"].as<std::string>())) << code;
      if (f["element"]) {
        EXPECT_TRUE(elements.count(f["element"].as<std::string>())) << code;
      }
      if (f["authoritative"] && f["authoritative"].as<bool>()) {
        const auto key = std::make_pair(f["element"].as<std::string>(), subject);
        EXPECT_TRUE(authority.emplace(key, code).second)
            << code << " and " << authority[key] << " both claim " << key.first << "/" << subject;
      }
    }
    // The delivered header maps onto every field.
    for (const DeliveredFile& f : summary_->files) {
      if (f.resource != code) continue;
      const auto header = ParseCsvLine(ReadLines(f.path, f.encoding)[0]);
      EXPECT_EQ(header.size(), fields) << code;
      EXPECT_EQ(Columns(r, header).size(), fields) << code;
    }
  }
  EXPECT_EQ(authority[std::make_pair(std::string("id_card"), std::string("person"))],
            "GA_HOUSEHOLD");
  // The platform's own YAML reader (what `yishu catalogue import` uses) reads it too, with
  // strings kept as strings.
  auto json = ReadYamlFile(summary_->catalogue_file.string());
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ((*json)["resources"].size(), cat["resources"].size());
  EXPECT_EQ((*json)["resources"][0]["fields"][0]["authoritative"], true);
  EXPECT_EQ((*json)["resources"][0]["share_type"], "有条件共享");
  EXPECT_EQ(authority[std::make_pair(std::string("uscc"), std::string("legal_entity"))],
            "SJ_ENTERPRISE");
}

TEST_F(DemoTest, EveryFaultIsPresentWhereRecorded) {
  const YAML::Node cat = YAML::LoadFile(summary_->catalogue_file.string());
  std::map<std::string, YAML::Node> resources;
  for (const auto& r : cat["resources"])
    resources[r["code"].as<std::string>()] = static_cast<const YAML::Node&>(r);
  std::map<std::string, std::vector<std::string>> lines;
  std::map<std::string, int> kinds;
  const auto faults = ReadCsv(summary_->truth_dir / "faults.csv");
  ASSERT_GT(faults.size(), 100u);
  for (size_t i = 1; i < faults.size(); ++i) {
    const auto& f = faults[i];
    ASSERT_EQ(f.size(), 7u) << i;
    const std::string& resource = f[0];
    const DeliveredFile& file = File(resource);
    auto& text = lines[resource];
    if (text.empty()) text = ReadLines(file.path, file.encoding);
    EXPECT_EQ(fs::path(f[1]).filename(), file.path.filename());
    const int line = std::stoi(f[2]);
    ASSERT_LE(line, static_cast<int>(text.size())) << resource;
    ++kinds[f[4]];
    if (f[4] == "duplicate_row") {
      const int original = std::stoi(f[6].substr(f[6].rfind(' ') + 1));
      EXPECT_EQ(text[line - 1], text[original - 1]) << resource << ":" << line;
      continue;
    }
    const auto cols = Columns(resources[resource], ParseCsvLine(text[0]));
    const auto cells = ParseCsvLine(text[line - 1]);
    ASSERT_TRUE(cols.count(f[3])) << f[3];
    EXPECT_EQ(cells[cols.at(f[3])], f[6]) << resource << ":" << line << " " << f[3] << " " << f[4];
    EXPECT_NE(f[5], f[6]) << resource << ":" << line;
  }
  // Every kind of fault occurs at this scale.
  for (const char* k : {"name_homophone", "name_traditional", "name_char_dropped",
                        "name_chars_swapped", "id_digit_typo", "id_transposed",
                        "id_excel_scientific", "id_legacy_15", "uscc_typo", "org_name_variant",
                        "missing", "gender_mismatch", "birth_date_mismatch", "mobile_digit_missing",
                        "address_stale", "address_full_width", "date_format", "duplicate_row"}) {
    EXPECT_GT(kinds[k], 0) << k;
  }
  for (const auto& [k, n] : kinds) fmt::print("  fault {:22} {}\n", k, n);
}

TEST_F(DemoTest, LinksPointAtTheRightPeople) {
  // In the household register, the linked person's true ID is on the line unless a fault
  // changed that cell.
  std::map<std::string, std::string> id_of;
  for (const auto& r : ReadCsv(summary_->truth_dir / "persons.csv")) id_of[r[0]] = r[2];
  std::set<int> faulted_lines;
  for (const auto& f : ReadCsv(summary_->truth_dir / "faults.csv")) {
    if (f[0] == "GA_HOUSEHOLD" && (f[3] == "id_number" || f[3] == "*"))
      faulted_lines.insert(std::stoi(f[2]));
  }
  const DeliveredFile& ga = File("GA_HOUSEHOLD");
  const auto text = ReadLines(ga.path, ga.encoding);
  int checked = 0;
  std::map<std::string, int> per_resource;
  for (const auto& l : ReadCsv(summary_->truth_dir / "links.csv")) {
    if (l[0] == "department") continue;
    ++per_resource[l[1]];
    if (l[1] != "GA_HOUSEHOLD") continue;
    const int line = std::stoi(l[2]);
    if (faulted_lines.count(line)) continue;
    EXPECT_EQ(ParseCsvLine(text[line - 1])[0], id_of[l[4]]) << line;
    ++checked;
  }
  EXPECT_GT(checked, 10000);
  for (const DeliveredFile& f : summary_->files) {
    if (f.resource != "ZR_LAND_PLOT") {
      EXPECT_GE(per_resource[f.resource], f.rows) << f.resource;
    }
  }
}

TEST_F(DemoTest, TownshipsAllCovered) {
  std::map<std::string, int> count;
  for (const auto& r : ReadCsv(summary_->truth_dir / "persons.csv")) {
    if (r[0] != "person_id") ++count[r[6]];
  }
  EXPECT_EQ(count.size(), 16u);
  for (const char* code :
       {"330603001", "330603002", "330603003", "330603004", "330603005", "330603006", "330603007",
        "330603008", "330603009", "330603010", "330603011", "330603105", "330603107", "330603109",
        "330603111", "330603114"}) {
    EXPECT_GT(count[code], 50) << code;
  }
  // 柯桥街道 is the largest.
  for (const auto& [code, n] : count) EXPECT_LE(n, count["330603001"]) << code;
}

TEST_F(DemoTest, DeterministicForASeed) {
  DemoOptions o;
  o.scale = 0.01;
  o.out_dir = *dir_ / "b";
  o.reference_dir = ReferenceDir();
  auto again = GenerateDistrict(o);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  for (const auto& entry : fs::recursive_directory_iterator(*dir_ / "a")) {
    if (!entry.is_regular_file()) continue;
    const fs::path rel = fs::relative(entry.path(), *dir_ / "a");
    EXPECT_TRUE(ReadFile(entry.path()) == ReadFile(*dir_ / "b" / rel)) << rel;
  }
  o.seed = 7;
  o.out_dir = *dir_ / "c";
  auto other = GenerateDistrict(o);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(ReadFile(File("GA_HOUSEHOLD").path),
            ReadFile(*dir_ / "c" / fs::relative(File("GA_HOUSEHOLD").path, *dir_ / "a")));
  fs::remove_all(*dir_ / "b");
  fs::remove_all(*dir_ / "c");
}

TEST_F(DemoTest, RejectsBadOptions) {
  DemoOptions o;
  o.scale = 0;
  o.out_dir = *dir_ / "x";
  EXPECT_FALSE(GenerateDistrict(o).ok());
  o.scale = 0.01;
  o.reference_dir = *dir_ / "no-such-reference";
  auto r = GenerateDistrict(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("keqiao-330603-streets.csv"), std::string::npos);
}

// Not a timed assertion: prints the figures used to extrapolate to scale 1.
TEST_F(DemoTest, TimingAtScaleTenthPercent) {
  DemoOptions o;
  o.scale = 0.1;
  o.out_dir = *dir_ / "timing";
  o.reference_dir = ReferenceDir();
  const auto start = std::chrono::steady_clock::now();
  auto r = GenerateDistrict(o);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  int64_t bytes = 0;
  for (const DeliveredFile& f : r->files) {
    fmt::print("  {:20} {:6} {:8} rows {:10} bytes\n", f.resource, f.encoding, f.rows, f.bytes);
    bytes += f.bytes;
  }
  int64_t truth = 0;
  for (const auto& e : fs::directory_iterator(r->truth_dir)) truth += fs::file_size(e.path());
  fmt::print(
      "scale 0.1: {} persons, {} enterprises in {:.2f} s; delivered {:.1f} MB, truth {:.1f} MB\n",
      r->persons, r->enterprises, secs, bytes / 1e6, truth / 1e6);
  fs::remove_all(*dir_ / "timing");
}

}  // namespace
}  // namespace yishu::demo

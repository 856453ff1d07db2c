#include "masterdata/config.hpp"

#include <fmt/format.h>

#include "common/json_reader.hpp"
#include "common/yaml_json.hpp"

namespace yishu::masterdata {
namespace {

struct KindInfo {
  FieldKind kind;
  std::string_view name;
  std::vector<std::string_view> levels;  // from level 1
};

const std::vector<KindInfo>& Kinds() {
  static const std::vector<KindInfo> kKinds = {
      {FieldKind::kName,
       "name",
       {"exact", "same pinyin", "one character dropped/changed/swapped", "jaro-winkler >= 0.92",
        "jaro-winkler >= 0.8", "different"}},
      {FieldKind::kIdCard,
       "id_card",
       {"exact", "one digit mistyped or two transposed", "known prefix agrees (Excel damage)",
        "both valid and different", "different"}},
      {FieldKind::kDate,
       "date",
       {"exact", "day and month swapped", "within 3 days, a year apart or one digit off",
        "different"}},
      {FieldKind::kPhone, "phone", {"exact", "one digit missing or mistyped", "different"}},
      {FieldKind::kAddress,
       "address",
       {"exact", "same township, place and number", "same township and place", "same township",
        "different"}},
      {FieldKind::kGender, "gender", {"exact", "different"}},
      {FieldKind::kCreditCode,
       "credit_code",
       {"exact", "one character mistyped or two transposed", "different"}},
      {FieldKind::kOrgName,
       "org_name",
       {"exact", "one ends with the other (region prefix)", "close (edit distance <= 2)",
        "different"}},
      {FieldKind::kText,
       "text",
       {"exact", "edit distance 1", "jaro-winkler >= 0.92", "jaro-winkler >= 0.8", "different"}},
      {FieldKind::kExact, "exact", {"exact", "different"}},
  };
  return kKinds;
}

const KindInfo& InfoOf(FieldKind kind) {
  for (const KindInfo& k : Kinds()) {
    if (k.kind == kind) return k;
  }
  return Kinds().back();
}

Result<double> Probability(JsonReader& r, const nlohmann::json& doc, const char* key,
                           double fallback) {
  if (!doc.contains(key)) return fallback;
  const nlohmann::json& v = r.Node(key, false, doc[key].type());
  if (!v.is_number() || v.get<double>() <= 0 || v.get<double>() >= 1) {
    return Status::InvalidArgument(
        fmt::format("'{}' must be a number between 0 and 1 (exclusive)", r.PathOf(key)));
  }
  return v.get<double>();
}

}  // namespace

std::string_view FieldKindName(FieldKind kind) {
  return InfoOf(kind).name;
}
int LevelCount(FieldKind kind) {
  return static_cast<int>(InfoOf(kind).levels.size()) + 1;
}
std::string_view LevelName(FieldKind kind, int level) {
  if (level == 0) return "missing";
  const auto& levels = InfoOf(kind).levels;
  return level <= static_cast<int>(levels.size()) ? levels[level - 1] : "?";
}

int Config::FieldIndex(std::string_view name) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Result<Config> ParseConfig(const nlohmann::json& doc) {
  if (!doc.is_object()) return Status::InvalidArgument("the config must be an object");
  Config c;
  JsonReader r(doc, "");
  c.id_column = r.String("id_column", true);
  const nlohmann::json& fields = r.Node("fields", true, nlohmann::json::value_t::array);
  const nlohmann::json& blocking = r.Node("blocking", true, nlohmann::json::value_t::array);
  YISHU_ASSIGN_OR_RETURN(c.match_probability, Probability(r, doc, "match_probability", 0.5));
  YISHU_ASSIGN_OR_RETURN(c.review_probability, Probability(r, doc, "review_probability", 0.1));
  c.max_block_size = r.Int("max_block_size", false, c.max_block_size);
  c.u_sample_pairs = r.Int("u_sample_pairs", false, c.u_sample_pairs);
  c.em_iterations = static_cast<int>(r.Int("em_iterations", false, c.em_iterations));
  YISHU_RETURN_IF_ERROR(r.Finish());

  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string path = fmt::format("fields[{}]", i);
    if (!fields[i].is_object()) return Status::InvalidArgument("'" + path + "' must be an object");
    JsonReader f(fields[i], path);
    FieldSpec spec;
    spec.name = f.String("name", true);
    spec.column = f.String("column", false, spec.name);
    const std::string kind = f.String("kind", true);
    spec.tf = f.Bool("tf", false);
    spec.deterministic = f.Bool("deterministic", false);
    spec.fallback_from = f.String("fallback_from", false);
    YISHU_RETURN_IF_ERROR(f.Finish());
    bool known = false;
    for (const KindInfo& k : Kinds()) {
      if (k.name == kind) {
        spec.kind = k.kind;
        known = true;
      }
    }
    if (!known) {
      std::string names;
      for (const KindInfo& k : Kinds()) names += (names.empty() ? "" : ", ") + std::string(k.name);
      return Status::InvalidArgument(
          fmt::format("'{}.kind': unknown kind '{}' (one of {})", path, kind, names));
    }
    if (spec.deterministic && spec.kind != FieldKind::kIdCard &&
        spec.kind != FieldKind::kCreditCode) {
      return Status::InvalidArgument(
          fmt::format("'{}.deterministic': only id_card and credit_code fields carry a check "
                      "character that makes agreement certain",
                      path));
    }
    if (c.FieldIndex(spec.name) >= 0) {
      return Status::InvalidArgument(fmt::format("'{}.name': '{}' twice", path, spec.name));
    }
    c.fields.push_back(std::move(spec));
  }
  if (c.fields.empty()) return Status::InvalidArgument("'fields' is empty");
  if (c.fields.size() > 16) return Status::InvalidArgument("'fields': at most 16 fields");
  for (size_t i = 0; i < c.fields.size(); ++i) {
    FieldSpec& f = c.fields[i];
    if (f.fallback_from.empty()) continue;
    f.fallback_index = c.FieldIndex(f.fallback_from);
    if (f.kind != FieldKind::kDate || f.fallback_index < 0 ||
        c.fields[f.fallback_index].kind != FieldKind::kIdCard) {
      return Status::InvalidArgument(fmt::format(
          "'fields[{}].fallback_from': a date field may fall back to an id_card field only", i));
    }
  }

  static const std::pair<std::string_view, BlockTransform> kTransforms[] = {
      {"pinyin", BlockTransform::kPinyin},
      {"first", BlockTransform::kFirst},
      {"first_pinyin", BlockTransform::kFirstPinyin},
      {"prefix3", BlockTransform::kPrefix3},
      {"year", BlockTransform::kYear},
      {"region_seq", BlockTransform::kRegionSeq}};
  for (size_t i = 0; i < blocking.size(); ++i) {
    const nlohmann::json& rule = blocking[i];
    const std::string path = fmt::format("blocking[{}]", i);
    if (!rule.is_array() || rule.empty()) {
      return Status::InvalidArgument("'" + path + "' must be a list of field names");
    }
    BlockingRule br;
    for (size_t t = 0; t < rule.size(); ++t) {
      if (!rule[t].is_string()) {
        return Status::InvalidArgument(fmt::format("'{}[{}]' must be a string", path, t));
      }
      const std::string term = rule[t].get<std::string>();
      const size_t colon = term.find(':');
      BlockTerm bt;
      bt.field = c.FieldIndex(std::string_view(term).substr(0, colon));
      if (bt.field < 0) {
        return Status::InvalidArgument(
            fmt::format("'{}[{}]': no field named '{}'", path, t, term.substr(0, colon)));
      }
      if (colon != std::string::npos) {
        const std::string_view name = std::string_view(term).substr(colon + 1);
        bool known = false;
        for (const auto& [n, tr] : kTransforms) {
          if (n == name) {
            bt.transform = tr;
            known = true;
          }
        }
        if (!known) {
          return Status::InvalidArgument(fmt::format(
              "'{}[{}]': unknown transform '{}' (pinyin, first, first_pinyin, prefix3, year, "
              "region_seq)",
              path, t, name));
        }
      }
      br.text += (br.text.empty() ? "" : " & ") + term;
      br.terms.push_back(bt);
    }
    c.blocking.push_back(std::move(br));
  }
  if (c.blocking.empty()) return Status::InvalidArgument("'blocking' has no rule");
  if (c.blocking.size() > 16) return Status::InvalidArgument("'blocking': at most 16 rules");
  if (c.review_probability > c.match_probability) {
    return Status::InvalidArgument("'review_probability' must not exceed 'match_probability'");
  }
  return c;
}

Result<Config> LoadConfig(const std::string& path) {
  YISHU_ASSIGN_OR_RETURN(nlohmann::json doc, ReadYamlFile(path));
  auto config = ParseConfig(doc);
  if (!config.ok()) return config.status().WithContext(path);
  return config;
}

}  // namespace yishu::masterdata

#include "common/yaml_json.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "common/strings.hpp"

namespace yishu {
namespace {

nlohmann::json ScalarToJson(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return s;  // quoted: always a string
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  int64_t i;
  // Leading zeros are codes ("01", "330603001" is fine, "0571" is not a number).
  if (ParseInt64(s, &i) && !(s.size() > 1 && s[0] == '0')) return i;
  double d;
  if (s.find_first_of(".eE") != std::string::npos && s[0] != '.' && ParseDouble(s, &d)) return d;
  return s;
}

nlohmann::json NodeToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return ScalarToJson(node);
    case YAML::NodeType::Sequence: {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& item : node) arr.push_back(NodeToJson(item));
      return arr;
    }
    case YAML::NodeType::Map: {
      nlohmann::json obj = nlohmann::json::object();
      for (const auto& kv : node) {
        std::string key = kv.first.Scalar();
        if (obj.contains(key))
          throw YAML::ParserException(kv.first.Mark(), "duplicate key '" + key + "'");
        obj[key] = NodeToJson(kv.second);
      }
      return obj;
    }
  }
  return nullptr;
}

}  // namespace

Result<nlohmann::json> YamlToJson(std::string_view yaml_text, std::string_view source_name) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    return NodeToJson(root);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string(source_name) + ": line " +
                                   std::to_string(e.mark.line + 1) + ", column " +
                                   std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

Result<nlohmann::json> ReadYamlFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return YamlToJson(ss.str(), path);
}

}  // namespace yishu

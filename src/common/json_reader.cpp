#include "common/json_reader.hpp"

namespace yishu {

namespace {
const nlohmann::json kNull;
const char* TypeName(nlohmann::json::value_t t) {
  switch (t) {
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return "an integer";
    case nlohmann::json::value_t::number_float:
      return "a number";
    case nlohmann::json::value_t::null:
      return "null";
    default:
      return "a value";
  }
}
}  // namespace

JsonReader::JsonReader(const nlohmann::json& obj, std::string path)
    : obj_(obj), path_(std::move(path)) {
  if (!obj_.is_object())
    Fail(Status::InvalidArgument((path_.empty() ? std::string("the body") : path_) +
                                 " must be a JSON object, not " + TypeName(obj_.type())));
}

std::string JsonReader::PathOf(const char* key) const {
  return path_.empty() ? std::string(key) : path_ + "." + key;
}

void JsonReader::Fail(Status s) {
  if (status_.ok()) status_ = std::move(s);
}

const nlohmann::json* JsonReader::Get(const char* key, bool required) {
  seen_.insert(key);
  if (!obj_.is_object()) return nullptr;
  auto it = obj_.find(key);
  if (it == obj_.end() || it->is_null()) {
    if (required) Fail(Status::InvalidArgument("'" + PathOf(key) + "' is required"));
    return nullptr;
  }
  return &*it;
}

std::string JsonReader::String(const char* key, bool required, std::string fallback) {
  const auto* v = Get(key, required);
  if (!v) return fallback;
  if (v->is_number_integer()) return std::to_string(v->get<int64_t>());
  if (!v->is_string()) {
    Fail(Status::InvalidArgument("'" + PathOf(key) + "' must be a string, not " +
                                 TypeName(v->type())));
    return fallback;
  }
  std::string s = v->get<std::string>();
  if (required && s.empty()) Fail(Status::InvalidArgument("'" + PathOf(key) + "' is empty"));
  return s;
}

bool JsonReader::Bool(const char* key, bool fallback) {
  const auto* v = Get(key, false);
  if (!v) return fallback;
  if (!v->is_boolean()) {
    Fail(Status::InvalidArgument("'" + PathOf(key) + "' must be true or false, not " +
                                 TypeName(v->type())));
    return fallback;
  }
  return v->get<bool>();
}

int64_t JsonReader::Int(const char* key, bool required, int64_t fallback) {
  const auto* v = Get(key, required);
  if (!v) return fallback;
  if (!v->is_number_integer()) {
    Fail(Status::InvalidArgument("'" + PathOf(key) + "' must be an integer, not " +
                                 TypeName(v->type())));
    return fallback;
  }
  return v->get<int64_t>();
}

std::vector<std::string> JsonReader::StringList(const char* key) {
  const auto* v = Get(key, false);
  std::vector<std::string> out;
  if (!v) return out;
  if (!v->is_array()) {
    Fail(Status::InvalidArgument("'" + PathOf(key) + "' must be a list of strings"));
    return out;
  }
  for (size_t i = 0; i < v->size(); ++i) {
    const auto& e = (*v)[i];
    if (!e.is_string()) {
      Fail(Status::InvalidArgument("'" + PathOf(key) + "[" + std::to_string(i) +
                                   "]' must be a string"));
      continue;
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

const nlohmann::json& JsonReader::Node(const char* key, bool required,
                                       nlohmann::json::value_t type) {
  const auto* v = Get(key, required);
  if (!v) return kNull;
  if (v->type() != type) {
    Fail(Status::InvalidArgument("'" + PathOf(key) + "' must be " + TypeName(type) + ", not " +
                                 TypeName(v->type())));
    return kNull;
  }
  return *v;
}

Status JsonReader::Finish() {
  if (status_.ok() && obj_.is_object()) {
    for (const auto& [k, v] : obj_.items()) {
      if (!seen_.count(k)) {
        Fail(Status::InvalidArgument("unknown key '" + PathOf(k.c_str()) + "'"));
        break;
      }
    }
  }
  return status_;
}

Result<nlohmann::json> ParseJsonBody(std::string_view body) {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    return Status::InvalidArgument(std::string("malformed JSON: ") + e.what());
  }
}

}  // namespace yishu

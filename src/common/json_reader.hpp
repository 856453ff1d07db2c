// Strict reading of JSON objects from untrusted input (API bodies, definition files).
//
// Every getter records the key it read; Finish() then refuses any key that was never read, so
// a misspelt key ("sharetype") is an error rather than a silently ignored setting. Errors name
// the full path of the offending value ("resources[3].fields[2].type").
#pragma once

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.hpp"

namespace yishu {

class JsonReader {
 public:
  // `path` names the object in messages ("" for the top level).
  JsonReader(const nlohmann::json& obj, std::string path);

  // Status of the first problem met so far (getters keep going after an error but return
  // defaults, so one pass reports the first error).
  const Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }

  std::string String(const char* key, bool required, std::string fallback = "");
  bool Bool(const char* key, bool fallback);
  int64_t Int(const char* key, bool required, int64_t fallback = 0);
  std::vector<std::string> StringList(const char* key);
  // A nested object or array (null json if absent and not required).
  const nlohmann::json& Node(const char* key, bool required, nlohmann::json::value_t type);
  std::string PathOf(const char* key) const;

  void Fail(Status s);
  // Rejects keys that were not read. Returns the first error.
  Status Finish();

 private:
  const nlohmann::json* Get(const char* key, bool required);
  const nlohmann::json& obj_;
  std::string path_;
  std::set<std::string> seen_;
  Status status_;
};

// Parses a request body; InvalidArgument with the parser's position on malformed JSON.
Result<nlohmann::json> ParseJsonBody(std::string_view body);

}  // namespace yishu

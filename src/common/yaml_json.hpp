// YAML documents read as JSON values, so every file format the operators write (catalogue,
// standards, mappings) goes through the same strict JSON-shaped parsers the API uses.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.hpp"

namespace yishu {

// Plain scalars become booleans (true/false), null (~, null, empty), integers and decimals
// when they read as such; quoted scalars always stay strings. Errors name the line and column.
Result<nlohmann::json> YamlToJson(std::string_view yaml_text, std::string_view source_name);

// Reads a file (YAML or JSON) into JSON; the error names the file.
Result<nlohmann::json> ReadYamlFile(const std::string& path);

}  // namespace yishu

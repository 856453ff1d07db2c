// Shared inside the quality module only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "quality/quality.hpp"

namespace yishu::quality {

// The GB/T 36344 dimension a quarantine rule counts against: completeness (not_null),
// consistency (cross-field disagreements, *_mismatch), accuracy (duplicates and damaged
// records) or conformity (every check against a standard: format, check digit, code list,
// type, range…).
std::string_view DimensionOf(std::string_view rule);

// What a batch's quarantine says, read once (streamed).
struct Quality::QuarantineTally {
  int64_t records = 0;
  int64_t not_null_reasons = 0;
  std::map<std::string, int64_t> records_by_dimension;  // records with ≥1 reason of it
  struct Problem {
    int64_t rows = 0;
    std::string message;                 // the first reason's message
    std::vector<int64_t> example_lines;  // the first few
  };
  std::map<std::pair<std::string, std::string>, Problem> problems;  // (rule, field)
};

// Days between expected deliveries for a catalogue update cycle; 0 when irregular.
int64_t CycleDays(std::string_view update_cycle);

// JSON null for a missing score.
nlohmann::json ScoreJson(const std::optional<double>& v);

}  // namespace yishu::quality

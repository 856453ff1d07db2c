// Validation of delivered records against a resource's catalogue fields: the header mapping,
// each field's data element (standards), not-null, integer type, the key's uniqueness within the
// batch, and cross-field rules (the identity number's gender digit and birth date). No store:
// the ingest (ingest.hpp) decides what happens to a record; the benchmark runs it alone.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalogue/catalogue.hpp"
#include "common/status.hpp"
#include "formats/reader.hpp"
#include "standards/registry.hpp"

namespace yishu::ingest {

struct Reason {
  std::string field;  // empty for record-level problems
  std::string rule;
  std::string value;
  std::string message;
};
nlohmann::json ToJson(const Reason& r);

// Validates records of one resource (no store): mapping, element and type checks, not-null,
// unique key within the batch, cross-field rules. Reusable by the benchmark.
class Validator {
 public:
  static Result<std::unique_ptr<Validator>> Create(
      const catalogue::Resource& resource, const standards::Registry& registry,
      const std::vector<std::string>& header, const std::map<std::string, std::string>& mapping);
  ~Validator();
  // Checks one record; appends every reason to `reasons` (empty = accepted). `values` gets the
  // value of each catalogue field (in resource.fields order; empty = null).
  void Check(const formats::Record& r, std::vector<std::string_view>* values,
             std::vector<Reason>* reasons);
  // The key of an accepted record is remembered (for duplicate detection within the batch).
  void Remember(const std::vector<std::string_view>& values, int64_t line);
  // Sizes the batch's key set for a file of `bytes` up front: rehashing it while growing cost a
  // tenth of validation on a million-row file. Bounded, so a huge file reserves at most ~128 MB.
  void ExpectFileBytes(int64_t bytes);
  const catalogue::Resource& resource() const;

 private:
  struct Impl;
  explicit Validator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace yishu::ingest

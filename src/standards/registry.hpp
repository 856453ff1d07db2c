// The data element standards registry (数据元注册表): built-in elements and code lists, the ones
// operators add from files without code, persistence of the latter in the store, and validation
// of values against any of them.
//
// Operator definitions come as YAML (or JSON, which is YAML) of this shape; both keys optional,
// at least one present; unknown keys are refused:
//
//   code_lists:
//     - code: marital_status          # [a-z][a-z0-9_]*, at most 64 characters, unique
//       name: 婚姻状况                 # required
//       standard: GB/T 2261.2-2003    # optional
//       description: ...              # optional
//       entries:                      # required, non-empty, codes unique
//         - {code: "10", label: 未婚}
//         - {code: "20", label: 已婚}
//   elements:
//     - code: marital_status          # as above; may equal a code list's code
//       name: 婚姻状况                 # required (Chinese name)
//       name_en: Marital status       # optional
//       type: enum                    # required: string integer decimal date datetime enum
//       geo_point code_list: marital_status     # required for enum (this file or already
//       registered);
//                                     # only for enum
//       validator: mobile             # optional built-in validator (validators.hpp); type string
//       pattern: "[0-9]{18}"          # optional ECMAScript regex; the whole value must match
//       max_length: 18                # optional, code points, 0 = none
//       sensitivity: L3               # required: L1 L2 L3 L4 (DB33/T 2351)
//       standard: ...                 # optional
//       description: ...              # optional
//
// An import is all-or-nothing: if any definition is wrong nothing is added, and the error names
// the source, the entry and the problem ("township-standards.yaml: elements[1]
// (social_security_no): pattern is not a valid regular expression: ..."); its details list every
// problem found. Built-in definitions cannot be redefined, codes cannot be reused, and nothing is
// ever removed, so pointers returned by the registry stay valid for its lifetime.
//
// Thread-safety: all const methods may be called concurrently with each other and with writers.
// Validate takes no lock (the element carries its compiled rules).
#pragma once

#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.hpp"
#include "standards/admin_divisions.hpp"
#include "standards/element.hpp"
#include "standards/validators.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace yishu::standards {

// Definitions from one file or request, in source order.
struct StandardsBundle {
  std::vector<CodeList> code_lists;
  std::vector<DataElement> elements;
};

// Parses the YAML shape above (field presence and syntax only; Registry checks the meaning).
// Errors are InvalidArgument prefixed with `source_name` and the entry.
Result<StandardsBundle> ParseStandardsYaml(std::string_view yaml_text,
                                           std::string_view source_name);
// The same shape as a JSON value (for the HTTP API).
Result<StandardsBundle> ParseStandardsJson(const nlohmann::json& doc, std::string_view source_name);

// The store tables of module "standards": standard_code_lists, standard_code_list_entries,
// standard_elements (operator-defined definitions only; built-ins live in the code).
std::vector<store::Migration> StandardsMigrations();

// Where the reference data lives when no directory is given: $YISHU_REFERENCE_DIR, else the
// source tree's reference/ (set at build time).
std::filesystem::path DefaultReferenceDir();

class Registry {
 public:
  // Loads the reference data (reference_dir/admin-divisions/...) and the built-in definitions.
  static Result<std::unique_ptr<Registry>> Create(
      const std::filesystem::path& reference_dir = DefaultReferenceDir(),
      ValidateOptions options = {});

  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Lookups; nullptr when unknown. Pointers stay valid for the registry's lifetime.
  const DataElement* FindElement(std::string_view code) const;
  const CodeList* FindCodeList(std::string_view code) const;
  // In registration order: built-ins first.
  std::vector<const DataElement*> Elements() const;
  std::vector<const CodeList*> CodeLists() const;

  const AdminDivisions& divisions() const { return *divisions_; }
  const ValidateOptions& options() const { return options_; }

  // Validates a value against an element: its built-in validator, else its type; then
  // max_length, pattern and code list. Returns the first violation. An empty value passes:
  // whether a field may be empty is the caller's business (nullability). Fast path: no lock
  // and no allocation for a valid value when the element came from this registry; an element
  // built elsewhere is compiled on the fly (slow).
  std::optional<Violation> Validate(const DataElement& element, std::string_view value) const;
  std::optional<Violation> Validate(const DataElement& element, std::string_view value,
                                    const ValidateOptions& options) const;

  // Checks a definition and adds it (memory only). InvalidArgument naming the problem, or
  // AlreadyExists for a code in use (including a built-in's).
  Status AddCodeList(CodeList list);
  Status AddElement(DataElement element);
  // Checks every definition of a bundle, then adds all or none (memory only).
  Status AddBundle(StandardsBundle bundle, std::string_view source_name);
  // Checks a bundle without adding it.
  Status CheckBundle(const StandardsBundle& bundle, std::string_view source_name) const;

  // Parse + AddBundle (memory only).
  Status ImportYaml(std::string_view yaml_text, std::string_view source_name);
  // Reads a file and imports it; the file name is the source name.
  Status ImportFile(const std::filesystem::path& path);

  // Persistent variants (the store must have StandardsMigrations applied): check the bundle,
  // write it in one transaction, then add it to memory. A failure leaves both unchanged.
  Status AddBundleToStore(store::Store& store, StandardsBundle bundle,
                          std::string_view source_name);
  Status ImportYamlToStore(store::Store& store, std::string_view yaml_text,
                           std::string_view source_name);
  Status ImportFileToStore(store::Store& store, const std::filesystem::path& path);
  // Loads the operator definitions saved in the store (at start-up). Definitions already in
  // memory with identical content are skipped, so loading twice is harmless.
  Status LoadFromStore(store::Store& store);

 private:
  Registry(std::unique_ptr<AdminDivisions> divisions, ValidateOptions options);
  Status AddBuiltins();
  // Both assume write_mu_ is held.
  Status CheckLocked(const StandardsBundle& bundle, std::string_view source_name,
                     bool skip_identical, std::vector<bool>* skip_lists,
                     std::vector<bool>* skip_elements) const;
  void CommitLocked(StandardsBundle bundle, const std::vector<bool>& skip_lists,
                    const std::vector<bool>& skip_elements);
  std::shared_ptr<const internal::CompiledElement> Compile(const DataElement& e) const;
  const CodeList* FindCodeListUnlocked(std::string_view code) const;
  const DataElement* FindElementUnlocked(std::string_view code) const;

  std::unique_ptr<AdminDivisions> divisions_;
  ValidateOptions options_;

  mutable std::mutex write_mu_;      // serialises writers (check, store write, commit)
  mutable std::shared_mutex mu_;     // guards the containers below for readers
  std::deque<CodeList> code_lists_;  // never erased: pointers stay valid
  std::deque<DataElement> elements_;
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <typename T>
  using Index = std::unordered_map<std::string, T, StringHash, std::equal_to<>>;
  Index<const CodeList*> code_list_index_;
  Index<const DataElement*> element_index_;
};

}  // namespace yishu::standards

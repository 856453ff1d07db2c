// The demo district's catalogue: departments, their source systems and data resources, and how
// each department delivers its files. One definition feeds both catalogue.yaml and the writers,
// so a delivered file's header always matches the catalogue.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "demo/csv_sink.hpp"

namespace yishu::demo {

struct DepartmentSpec {
  std::string_view code, name, name_en;
};

struct SystemSpec {
  std::string_view code, name, department;
};

struct FieldSpec {
  std::string_view name, label, type, element;
  bool key = false;
  bool nullable = true;
  std::string_view sensitivity;
  bool authoritative = false;
};

// How a department hands its file over.
struct DeliverySpec {
  std::string_view file_name;
  Encoding encoding = Encoding::kUtf8;
  bool bom = false;
  bool crlf = false;
  bool chinese_header = true;  // header row of labels (true) or field names (false)
};

struct ResourceSpec {
  std::string_view code, name, description, department, system;
  std::string_view subject;  // person | legal_entity | other
  std::string_view update_cycle, share_type, share_condition, open_type, open_condition;
  std::string_view security_level;
  std::vector<std::string_view> tags;
  std::string_view category, item, entry, sub_entry;
  std::vector<FieldSpec> fields;
  DeliverySpec delivery;
  // Authoritative sources (公安, 市场监管) are cleaner: fault rates are multiplied by this.
  double fault_scale = 1.0;

  // Index of a field; aborts on a misspelt name (a bug in the generator).
  int Col(std::string_view field) const;
};

const std::vector<DepartmentSpec>& Departments();
const std::vector<SystemSpec>& Systems();
const std::vector<ResourceSpec>& Resources();
const ResourceSpec& ResourceByCode(std::string_view code);

// catalogue.yaml in the shape `yishu catalogue import` reads.
std::string CatalogueYaml();

}  // namespace yishu::demo

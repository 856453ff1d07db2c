// Values and rows that cross the store boundary. Both backends speak only these types, so the
// modules above never see a sqlite3_stmt or a PGresult.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace yishu::store {

// Raw bytes (BLOB in SQLite, BYTEA in PostgreSQL); distinct from text so neither backend has to
// guess, and ciphertext never goes through a text conversion.
struct Blob {
  std::string bytes;
  bool operator==(const Blob&) const = default;
};

class Value {
 public:
  using Variant = std::variant<std::monostate, int64_t, double, std::string, Blob>;

  Value() = default;
  Value(std::nullptr_t) {}                            // NOLINT
  Value(int v) : v_(static_cast<int64_t>(v)) {}       // NOLINT
  Value(int64_t v) : v_(v) {}                         // NOLINT
  Value(uint32_t v) : v_(static_cast<int64_t>(v)) {}  // NOLINT
  Value(bool v) : v_(static_cast<int64_t>(v)) {}      // NOLINT
  Value(double v) : v_(v) {}                          // NOLINT
  Value(const char* v) : v_(std::string(v)) {}        // NOLINT
  Value(std::string v) : v_(std::move(v)) {}          // NOLINT
  Value(std::string_view v) : v_(std::string(v)) {}   // NOLINT
  Value(Blob v) : v_(std::move(v)) {}                 // NOLINT
  template <typename T>
  Value(const std::optional<T>& v) {  // NOLINT
    if (v) *this = Value(*v);
  }

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_int() const { return std::holds_alternative<int64_t>(v_); }
  bool is_double() const { return std::holds_alternative<double>(v_); }
  bool is_text() const { return std::holds_alternative<std::string>(v_); }
  bool is_blob() const { return std::holds_alternative<Blob>(v_); }

  // Lenient accessors: numbers convert, null gives the fallback.
  int64_t AsInt(int64_t fallback = 0) const;
  double AsDouble(double fallback = 0) const;
  std::string AsText(std::string fallback = "") const;
  // Bytes of a blob or text value.
  const std::string& AsBytes() const;

  const Variant& variant() const { return v_; }
  bool operator==(const Value&) const = default;

 private:
  Variant v_;
};

// One result row; column names are shared by every row of a result.
class Row {
 public:
  Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> values)
      : columns_(std::move(columns)), values_(std::move(values)) {}

  size_t size() const { return values_.size(); }
  const Value& operator[](size_t i) const { return values_.at(i); }
  // By column name; throws std::out_of_range for an unknown column (a programming error).
  const Value& operator[](std::string_view name) const;
  int64_t Int(size_t i) const { return values_.at(i).AsInt(); }
  double Double(size_t i) const { return values_.at(i).AsDouble(); }
  std::string Text(size_t i) const { return values_.at(i).AsText(); }
  bool IsNull(size_t i) const { return values_.at(i).is_null(); }
  const std::vector<std::string>& columns() const { return *columns_; }

 private:
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Value> values_;
};

using Rows = std::vector<Row>;
using Params = std::vector<Value>;

}  // namespace yishu::store

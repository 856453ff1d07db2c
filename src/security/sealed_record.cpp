#include "security/field_protection.hpp"

#include "crypto/util.hpp"

namespace yishu::security {

namespace {
constexpr char kEncodingV1 = 0x01;
}  // namespace

SealedRecord::~SealedRecord() {
  crypto::Wipe(buf_);
}

void SealedRecord::Clear() {
  crypto::Wipe(buf_);
  buf_.assign(1, kEncodingV1);
  fields_.clear();
}

void SealedRecord::Add(std::string_view field, std::string_view value) {
  if (buf_.empty()) buf_.assign(1, kEncodingV1);
  const size_t name_len = std::min<size_t>(field.size(), 255);
  buf_.push_back(static_cast<char>(name_len));
  const auto name_at = static_cast<uint32_t>(buf_.size());
  buf_.append(field.substr(0, name_len));
  for (uint64_t n = value.size();;) {
    const auto low = static_cast<uint8_t>(n & 0x7f);
    n >>= 7;
    buf_.push_back(static_cast<char>(n ? low | 0x80 : low));
    if (!n) break;
  }
  const auto value_at = static_cast<uint32_t>(buf_.size());
  buf_.append(value);
  fields_.push_back(
      {name_at, static_cast<uint32_t>(name_len), value_at, static_cast<uint32_t>(value.size())});
}

std::optional<std::string_view> SealedRecord::Find(std::string_view field) const {
  const std::string_view all(buf_);
  for (const Slice& s : fields_)
    if (all.substr(s.name_at, s.name_len) == field) return all.substr(s.value_at, s.value_len);
  return std::nullopt;
}

Status SealedRecord::Parse(std::string plaintext) {
  crypto::Wipe(buf_);
  buf_ = std::move(plaintext);
  fields_.clear();
  auto malformed = [&](const char* what) {
    crypto::Wipe(buf_);
    fields_.clear();
    return Status::Corruption(std::string("malformed sealed record: ") + what);
  };
  if (buf_.empty() || buf_[0] != kEncodingV1) return malformed("unknown encoding");
  const size_t end = buf_.size();
  size_t at = 1;
  while (at < end) {
    const size_t name_len = static_cast<uint8_t>(buf_[at++]);
    if (name_len > end - at) return malformed("name runs past the end");
    const size_t name_at = at;
    at += name_len;
    uint64_t value_len = 0;
    for (int shift = 0;; shift += 7) {
      if (at >= end || shift > 28) return malformed("bad value length");
      const auto byte = static_cast<uint8_t>(buf_[at++]);
      value_len |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) break;
    }
    if (value_len > end - at) return malformed("value runs past the end");
    fields_.push_back({static_cast<uint32_t>(name_at), static_cast<uint32_t>(name_len),
                       static_cast<uint32_t>(at), static_cast<uint32_t>(value_len)});
    at += value_len;
  }
  return Status::Ok();
}

Status FieldProtector::OpenRecord(int64_t record_id, std::string_view sealed,
                                  SealedRecord* record) {
  std::string plain;
  if (Status s = Open(record_id, kSealedRecordColumn, sealed, &plain); !s.ok()) {
    record->Clear();  // nothing of a record read earlier survives a failed open
    return s;
  }
  return record->Parse(std::move(plain));
}

}  // namespace yishu::security

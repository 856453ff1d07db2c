// Encryption at rest of sensitive fields (应加密尽加密) and blind indexes for equality look-up.
//
// Key hierarchy: the master key (master_key.hpp) wraps one data key per resource (and per key
// version) and one platform-wide blind-index key; wrapped keys live in the store table
// `wrapped_keys`. Values of fields at L3/L4 are sealed with SM4-GCM: a random 96-bit IV per
// value, associated data binding the ciphertext to (resource, record id, field), so a
// ciphertext moved to another row or column fails to open. The sealed form starts with the
// data key's version so rotation can tell old from new.
//
// Blind index: HMAC-SM3 of the normalised value under the blind-index key. One key for the
// whole platform, so the same identity number gives the same index in every resource (look-ups
// and entity resolution join on it without plaintext).
//
// Sealed records: a table keeps the sensitive values of one record together in one column
// (kSealedRecordColumn), sealed as one value whose plaintext is a SealedRecord. One GCM message
// per record instead of one per field: libgcrypt spends about 0.6 µs on each message whatever
// its length up to ~200 bytes (IV set-up, the tag's counter block, the tag), so a household row
// with seven sensitive fields seals about six times faster. The AAD names the column like any
// other sealed value, so rotation and integrity checks treat the column as one sealed field.
//
// Thread-safety: KeyRing is thread-safe. A FieldProtector is used by one thread at a time
// (it keeps cipher handles open for speed); take one per thread from the KeyRing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "store/store.hpp"

namespace yishu::security {

// The column of a resource table holding the sealed record, and the field name its AAD binds.
inline constexpr std::string_view kSealedRecordColumn = "_sealed";

// The sensitive values of one record, as (field, value) pairs; an absent field is NULL.
// Encoding (the sealed plaintext): a version byte (1), then per field a 1-byte name length,
// the name, a LEB128 value length and the value. Names are stored so that a catalogue change
// (fields added, reordered) never makes a record read wrongly.
class SealedRecord {
 public:
  SealedRecord() = default;
  SealedRecord(const SealedRecord&) = delete;
  SealedRecord& operator=(const SealedRecord&) = delete;
  ~SealedRecord();  // wipes the plaintext
  void Clear();
  // Field names are at most 255 bytes (catalogue names are short identifiers).
  void Add(std::string_view field, std::string_view value);
  bool empty() const { return fields_.empty(); }
  size_t size() const { return fields_.size(); }
  // The value of `field`, or nullopt when the record does not hold it.
  std::optional<std::string_view> Find(std::string_view field) const;
  const std::string& encoded() const { return buf_; }
  // Takes `plaintext` (an opened sealed record) apart; kCorruption when it is malformed.
  Status Parse(std::string plaintext);

 private:
  struct Slice {
    uint32_t name_at, name_len, value_at, value_len;
  };
  std::string buf_;
  std::vector<Slice> fields_;
};

class FieldProtector {
 public:
  virtual ~FieldProtector() = default;
  virtual const std::string& resource() const = 0;
  // Seals one value of `field` in record `record_id` with the resource's current data key.
  virtual Status Seal(int64_t record_id, std::string_view field, std::string_view plaintext,
                      std::string* sealed) = 0;
  // Opens a sealed value; kCorruption when the tag fails (tampered, moved, wrong key).
  virtual Status Open(int64_t record_id, std::string_view field, std::string_view sealed,
                      std::string* plaintext) = 0;
  // Seals a record's sensitive values as the value of kSealedRecordColumn.
  Status SealRecord(int64_t record_id, const SealedRecord& record, std::string* sealed) {
    return Seal(record_id, kSealedRecordColumn, record.encoded(), sealed);
  }
  // Opens a sealed record (kCorruption as Open, or when the opened bytes are malformed). On
  // failure `record` holds no field.
  Status OpenRecord(int64_t record_id, std::string_view sealed, SealedRecord* record);
  // The data key version a sealed value was made with (0 when malformed).
  virtual int64_t KeyVersionOf(std::string_view sealed) const = 0;
  // HMAC-SM3 of `normalized` under the blind-index key, domain-separated by `element`
  // (e.g. "id_card"), 32 bytes.
  virtual std::string BlindIndex(std::string_view element, std::string_view normalized) = 0;
};

class KeyRing {
 public:
  virtual ~KeyRing() = default;
  // `master_key` is 32 raw bytes; the KeyRing keeps it only as long as it lives.
  static Result<std::unique_ptr<KeyRing>> Open(store::Store& store, std::string master_key);

  // A protector for a resource, creating its first data key when there is none.
  virtual Result<std::unique_ptr<FieldProtector>> ForResource(std::string_view resource) = 0;
  // The current data key version of a resource (0 if none yet).
  virtual Result<int64_t> CurrentVersion(std::string_view resource) = 0;
  // Makes a new data key version current (rotation starts from here); old versions stay
  // readable until re-encryption retires them.
  virtual Result<int64_t> NewVersion(std::string_view resource) = 0;

  // Called (from the opening thread) whenever a sealed value fails to open: tampered, moved to
  // another row or column, unknown key version. The platform appends an audit event from it.
  // The observer must be thread-safe and must not call back into the KeyRing. Set it before
  // taking protectors; the default does nothing.
  struct IntegrityFailure {
    std::string resource;
    int64_t record_id = 0;
    std::string field;
    int64_t key_version = 0;  // 0 when the value is malformed
    std::string reason;
  };
  virtual void SetIntegrityObserver(std::function<void(const IntegrityFailure&)> observer) = 0;
};

// Normalises a value for its blind index: trims, folds full-width ASCII, upper-cases the
// check character of identity numbers and credit codes.
std::string NormalizeForIndex(std::string_view element, std::string_view value);
// True when NormalizeForIndex would return `value` unchanged, found without allocating: the
// usual case of identifiers made of digits and capitals.
bool IsNormalizedForIndex(std::string_view element, std::string_view value);

}  // namespace yishu::security

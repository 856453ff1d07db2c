#include "ingest/validator.hpp"

#include <sys/mman.h>

#include <cstring>
#include <new>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "common/strings.hpp"
#include "common/time.hpp"
#include "ingest/ingest.hpp"
#include "security/field_protection.hpp"

namespace yishu::ingest {

using catalogue::Resource;

nlohmann::json ToJson(const Reason& r) {
  nlohmann::json j = {{"rule", r.rule}, {"message", r.message}};
  if (!r.field.empty()) {
    j["field"] = r.field;
    j["value"] = r.value;
  }
  return j;
}

namespace {

// Birth date digits from YYYY-MM-DD, YYYYMMDD, YYYY/M/D, YYYY年M月D日 …; false otherwise.
bool ParseDateLoose(std::string_view s, int* y, int* m, int* d) {
  int parts[3] = {0, 0, 0};
  int idx = 0, digits = 0;
  if (s.size() == 8 && IsAllDigits(s)) {
    *y = std::stoi(std::string(s.substr(0, 4)));
    *m = std::stoi(std::string(s.substr(4, 2)));
    *d = std::stoi(std::string(s.substr(6, 2)));
    return true;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if (c >= '0' && c <= '9') {
      parts[idx] = parts[idx] * 10 + (c - '0');
      ++digits;
    } else if (digits > 0) {
      if (++idx == 3) break;
      digits = 0;
    }
  }
  if (idx < 2 || (idx == 2 && digits == 0 && parts[2] == 0)) return false;
  *y = parts[0], *m = parts[1], *d = parts[2];
  return true;
}

// Trim(s).empty() without the call: one test per field of every record.
inline bool IsBlank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

// What standards::ParseIdCard says of birth date and gender, without the check character it
// also computes (the id_card element has just checked it): false where ParseIdCard gives nullopt.
bool IdBirthAndGender(std::string_view id, int* y, int* m, int* d, int* gender) {
  auto num = [&](size_t from, size_t len) {
    int v = 0;
    for (size_t i = from; i < from + len; ++i) v = v * 10 + (id[i] - '0');
    return v;
  };
  if (id.size() == 18) {
    if (!IsAllDigits(id.substr(0, 17))) return false;
    const char last = id[17];
    if (!(last >= '0' && last <= '9') && last != 'X' && last != 'x') return false;
    *y = num(6, 4), *m = num(10, 2), *d = num(12, 2);
    *gender = (id[16] - '0') % 2 == 1 ? 1 : 2;
  } else if (id.size() == 15) {
    if (!IsAllDigits(id)) return false;
    *y = 1900 + num(6, 2), *m = num(8, 2), *d = num(10, 2);
    *gender = (id[14] - '0') % 2 == 1 ? 1 : 2;
  } else {
    return false;
  }
  return IsValidDate(*y, *m, *d);
}

}  // namespace

// Zeroed memory straight from the kernel, on 2 MiB pages where it allows: the probed table of
// the key set is read at random, and with 4 KiB pages nearly every probe of a 32 MB table also
// missed the TLB; the kernel's zero pages also spare the memset of a freshly sized table.
class ZeroedPages {
 public:
  ZeroedPages() = default;
  explicit ZeroedPages(size_t bytes) {
    constexpr size_t kHuge = size_t{2} << 20;
    size_ = bytes + (bytes >= kHuge ? kHuge : 0);
    void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    base_ = static_cast<char*>(p);
    data_ = base_;
    if (bytes >= kHuge) {
      data_ =
          reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(base_) + kHuge - 1) & ~(kHuge - 1));
      ::madvise(data_, bytes & ~(kHuge - 1), MADV_HUGEPAGE);
    }
  }
  ZeroedPages(ZeroedPages&& o) noexcept
      : base_(std::exchange(o.base_, nullptr)), data_(o.data_), size_(o.size_) {}
  ZeroedPages& operator=(ZeroedPages&& o) noexcept {
    std::swap(base_, o.base_);
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    return *this;
  }
  ~ZeroedPages() {
    if (base_) ::munmap(base_, size_);
  }
  void* data() const { return data_; }

 private:
  char* base_ = nullptr;
  char* data_ = nullptr;
  size_t size_ = 0;
};

// The keys delivered so far in a batch, each with the line that first had it: open addressing
// over 64-bit hashes with the key bytes in one arena. A node-based map cost an allocation or two
// per row and a cache miss per probe; at a million rows it was the largest single cost of
// validation. The probed table holds only 8-byte slots (part of the hash and an entry number),
// so a million keys probe 32 MB, not the 134 MB that whole entries in the table took; entries
// are appended in line order, and growing re-places them from that list. Even so a probe is a
// cache miss, so the caller hashes a record's key early and prefetches its slot (Prefetch) while
// the record's fields are checked.
class KeySet {
 public:
  static uint64_t Hash(std::string_view k) { return std::hash<std::string_view>()(k); }
  void Prefetch(uint64_t h) const {
    if (mask_) __builtin_prefetch(&slots_[h & mask_]);
  }
  // The line that first had `key` (whose hash is `h`), or 0.
  int64_t Find(std::string_view key, uint64_t h) const {
    if (!mask_) return 0;
    const uint32_t tag = Tag(h);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot s = slots_[i];
      if (s.entry == 0) return 0;
      if (s.tag == tag && Matches(entries_[s.entry - 1], h, key)) return entries_[s.entry - 1].line;
    }
  }
  // Remembers `key` (whose hash is `h`) at `line` (> 0) unless it is there already.
  void Insert(std::string_view key, uint64_t h, int64_t line) {
    line = std::max<int64_t>(line, 1);
    if ((size_ + 1) * 2 > slots()) Grow();
    const uint32_t tag = Tag(h);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.entry == 0) {
        if (size_ == capacity_) Reallocate(std::max<size_t>(1024, 2 * capacity_));
        entries_[size_++] = {h, Store(key), static_cast<uint32_t>(key.size()), line};
        s = {tag, static_cast<uint32_t>(size_)};
        return;
      }
      if (s.tag == tag && Matches(entries_[s.entry - 1], h, key)) return;
    }
  }
  // Room for `n` keys without growing.
  void Reserve(size_t n) {
    size_t slots = 1024;
    while (slots < 2 * n) slots *= 2;
    if (slots > this->slots()) Rehash(slots);
    if (n > capacity_) Reallocate(n);
  }

 private:
  struct Slot {
    uint32_t tag;    // high half of the key's hash
    uint32_t entry;  // 1-based index into entries_; 0: empty
  };
  struct Entry {
    uint64_t hash;
    const char* key;  // in blocks_, which never move
    uint32_t len;
    int64_t line;
  };
  static uint32_t Tag(uint64_t h) { return static_cast<uint32_t>(h >> 32); }
  bool Matches(const Entry& e, uint64_t h, std::string_view key) const {
    return e.hash == h && e.len == key.size() && std::memcmp(e.key, key.data(), key.size()) == 0;
  }
  // Copies a key into the arena. Blocks are never reallocated (one string doubling as it grew
  // copied every key again and again), so entries point at their bytes.
  const char* Store(std::string_view key) {
    constexpr size_t kBlock = size_t{4} << 20;
    if (key.size() > block_left_) {
      size_t n = std::max(kBlock, key.size());
      blocks_.emplace_back(n);
      block_next_ = static_cast<char*>(blocks_.back().data());
      block_left_ = n;
    }
    char* p = block_next_;
    std::memcpy(p, key.data(), key.size());
    block_next_ += key.size();
    block_left_ -= key.size();
    return p;
  }
  size_t slots() const { return mask_ ? mask_ + 1 : 0; }
  void Grow() { Rehash(std::max<size_t>(1024, 2 * slots())); }
  void Rehash(size_t slots) {
    ZeroedPages mem(slots * sizeof(Slot));
    Slot* table = static_cast<Slot*>(mem.data());
    const size_t mask = slots - 1;
    for (size_t n = 0; n < size_; ++n)
      for (size_t i = entries_[n].hash & mask;; i = (i + 1) & mask)
        if (table[i].entry == 0) {
          table[i] = {Tag(entries_[n].hash), static_cast<uint32_t>(n + 1)};
          break;
        }
    mem_ = std::move(mem);
    slots_ = table;
    mask_ = mask;
  }
  ZeroedPages mem_;
  Slot* slots_ = nullptr;
  size_t mask_ = 0;  // slots - 1; 0 while there is no table
  void Reallocate(size_t capacity) {
    ZeroedPages mem(capacity * sizeof(Entry));
    Entry* entries = static_cast<Entry*>(mem.data());
    if (size_) std::memcpy(entries, entries_, size_ * sizeof(Entry));
    entries_mem_ = std::move(mem);
    entries_ = entries;
    capacity_ = capacity;
  }
  // Appended in line order; in fresh pages like the table (page faults on 4 KiB pages were a
  // tenth of the key set's cost).
  ZeroedPages entries_mem_;
  Entry* entries_ = nullptr;
  size_t size_ = 0, capacity_ = 0;
  std::vector<ZeroedPages> blocks_;
  char* block_next_ = nullptr;
  size_t block_left_ = 0;
};

struct Validator::Impl {
  Resource resource;
  const standards::Registry* reg = nullptr;
  std::vector<int> col_of_field;                  // header column per field, -1 absent
  std::vector<const standards::DataElement*> el;  // element per field (or by type)
  std::vector<bool> required;
  std::vector<bool> integer;
  std::vector<int> ignored_cols;  // columns with an empty header name
  std::vector<int> keys;          // key fields (a composite key has several)
  // Cross-field rules: an identity number with the gender and birth date fields that describe
  // the same person (paired by name prefix: male_id / male_birth; a lone id_number with
  // gender and birth_date).
  struct IdRule {
    int id, gender, birth;
  };
  std::vector<IdRule> id_rules;
  KeySet seen;  // key value(s) -> first line
  // Per key part, the element whose normalisation its blind index uses (security::
  // NormalizeForIndex), or nullptr for a part stored as given: two keys that differ only in
  // what normalisation removes ("...X" and "...x") are one key in the table's unique index, so
  // they are one key here too.
  std::vector<const std::string*> key_norm;
  std::string key_buf, norm_buf;
  // The key hashed by the last Check, so Remember of the same record does not hash it again.
  std::string hashed_key;
  uint64_t hashed = 0;
  // The key of a record as one string (parts joined by U+001F), empty when a part is null.
  // `part(n)` is the value of key field n. The view lives in the record or in key_buf until the
  // next call.
  template <typename Part>
  std::string_view JoinKey(Part part) {
    if (keys.size() == 1) return Normalized(0, part(0), &key_buf);
    key_buf.clear();
    for (size_t n = 0; n < keys.size(); ++n) {
      std::string_view v = Normalized(n, part(n), &norm_buf);
      if (v.empty()) return {};
      if (n) key_buf += '\x1f';
      key_buf.append(v);
    }
    return key_buf;
  }
  // Key part n as its blind index sees it; `v` itself when normalisation keeps it (digits and
  // capitals, the usual case), else normalised into *buf.
  std::string_view Normalized(size_t n, std::string_view v, std::string* buf) {
    const std::string* element = key_norm[n];
    if (!element || security::IsNormalizedForIndex(*element, v)) return v;
    *buf = security::NormalizeForIndex(*element, v);
    return *buf;
  }
  std::string_view KeyOf(const std::vector<std::string_view>& values) {
    return JoinKey([&](size_t n) { return values[keys[n]]; });
  }
  // The same key taken from the record before its fields are checked (a key field's value is
  // its column's text unless that is blank), so its slot can be fetched meanwhile.
  std::string_view KeyOf(const formats::Record& r) {
    return JoinKey([&](size_t n) -> std::string_view {
      int c = col_of_field[keys[n]];
      if (c < 0 || c >= static_cast<int>(r.fields.size())) return {};
      std::string_view v = r.fields[c];
      return IsBlank(v) ? std::string_view() : v;
    });
  }
};

Validator::Validator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Validator::~Validator() = default;
const Resource& Validator::resource() const {
  return impl_->resource;
}

Result<std::unique_ptr<Validator>> Validator::Create(
    const Resource& resource, const standards::Registry& reg,
    const std::vector<std::string>& header, const std::map<std::string, std::string>& mapping) {
  auto impl = std::make_unique<Impl>();
  impl->resource = resource;
  impl->reg = &reg;
  const auto& fields = resource.fields;
  impl->col_of_field.assign(fields.size(), -1);
  std::vector<std::string> unknown, twice;
  for (size_t c = 0; c < header.size(); ++c) {
    std::string h(Trim(header[c]));
    if (h.empty()) {
      impl->ignored_cols.push_back(static_cast<int>(c));
      continue;
    }
    std::string target;
    if (auto it = mapping.find(h); it != mapping.end()) target = it->second;
    int found = -1;
    for (size_t i = 0; i < fields.size(); ++i) {
      const auto& f = fields[i];
      if (!target.empty() ? f.name == target
                          : (ToLowerAscii(h) == f.name || (!f.label.empty() && h == f.label))) {
        found = static_cast<int>(i);
        break;
      }
    }
    if (found < 0) {
      unknown.push_back(target.empty() ? h : h + " -> " + target);
      continue;
    }
    if (impl->col_of_field[found] >= 0) twice.push_back(h);
    impl->col_of_field[found] = static_cast<int>(c);
  }
  std::vector<std::string> missing;
  for (size_t i = 0; i < fields.size(); ++i) {
    const auto& f = fields[i];
    bool req = !f.nullable || f.key;
    impl->required.push_back(req);
    if (req && impl->col_of_field[i] < 0) missing.push_back(f.name + " (" + f.label + ")");
    const standards::DataElement* e = nullptr;
    if (!f.element.empty()) e = reg.FindElement(f.element);
    // A field without an element is still checked by its type (integer, date, ...).
    if (!e && f.type != "string" && f.type != "enum") e = reg.FindElement(f.type);
    impl->el.push_back(e);
    impl->integer.push_back(f.type == "integer");
    if (f.key) impl->keys.push_back(static_cast<int>(i));
  }
  {
    const auto plan = PlanColumns(impl->resource, reg);
    for (int k : impl->keys)
      impl->key_norm.push_back(plan[k].bidx ? &impl->resource.fields[k].element : nullptr);
  }
  {
    auto find = [&](const std::string& name) {
      for (size_t i = 0; i < fields.size(); ++i)
        if (fields[i].name == name) return static_cast<int>(i);
      return -1;
    };
    std::vector<int> ids;
    for (size_t i = 0; i < fields.size(); ++i)
      if (fields[i].element == "id_card") ids.push_back(static_cast<int>(i));
    for (int id : ids) {
      std::string n = fields[id].name, prefix;
      for (std::string_view suf : {"id_number", "id_card", "id"})
        if (n.size() >= suf.size() && n.compare(n.size() - suf.size(), suf.size(), suf) == 0) {
          prefix = n.substr(0, n.size() - suf.size());
          break;
        }
      Impl::IdRule r{id, find(prefix + "gender"), find(prefix + "birth_date")};
      if (r.birth < 0) r.birth = find(prefix + "birth");
      if (ids.size() == 1) {
        if (r.gender < 0)
          for (size_t i = 0; i < fields.size(); ++i)
            if (fields[i].element == "gender") r.gender = static_cast<int>(i);
        if (r.birth < 0) r.birth = find("birth_date");
      }
      if (r.gender >= 0 || r.birth >= 0) impl->id_rules.push_back(r);
    }
  }
  if (!unknown.empty() || !missing.empty() || !twice.empty()) {
    std::string msg = "the file's columns do not match resource " + resource.code + ":";
    if (!unknown.empty())
      msg += " unknown columns [" + Join(unknown, ", ") +
             "] (map them to fields with a mapping file, --mapping);";
    if (!missing.empty()) msg += " required fields missing [" + Join(missing, ", ") + "];";
    if (!twice.empty()) msg += " fields given twice [" + Join(twice, ", ") + "];";
    msg.pop_back();
    return Status::InvalidArgument(
        msg, {{"unknown", unknown}, {"missing", missing}, {"duplicate", twice}});
  }
  return std::unique_ptr<Validator>(new Validator(std::move(impl)));
}

void Validator::Check(const formats::Record& r, std::vector<std::string_view>* values,
                      std::vector<Reason>* reasons) {
  auto& m = *impl_;
  const auto& fields = m.resource.fields;
  values->assign(fields.size(), std::string_view());
  bool ragged = false;
  for (const auto& p : r.problems) {
    reasons->push_back({"", p.rule, "", p.message});
    if (p.rule == "ragged_row" || p.rule == "unterminated_quote") ragged = true;
  }
  // Columns out of place: checking them by field would only add noise.
  if (ragged) return;
  std::string_view key;
  if (!m.keys.empty()) {
    key = m.KeyOf(r);
    if (!key.empty()) {
      m.hashed = KeySet::Hash(key);
      m.hashed_key.assign(key);
      m.seen.Prefetch(m.hashed);
    }
  }
  for (int c : m.ignored_cols)
    if (c < static_cast<int>(r.fields.size()) && !IsBlank(r.fields[c]))
      reasons->push_back({"", "unmapped_value", std::string(r.fields[c]),
                          fmt::format("a value in column {} which has no header name", c + 1)});
  for (size_t i = 0; i < fields.size(); ++i) {
    int c = m.col_of_field[i];
    if (c < 0 || c >= static_cast<int>(r.fields.size())) continue;
    std::string_view v = r.fields[c];
    if (IsBlank(v)) {
      if (m.required[i])
        reasons->push_back(
            {fields[i].name, "not_null", std::string(v), fields[i].label + " must not be empty"});
      continue;
    }
    (*values)[i] = v;
    if (m.el[i]) {
      if (auto viol = m.reg->Validate(*m.el[i], v)) {
        reasons->push_back({fields[i].name, viol->rule, std::string(v), viol->message});
        continue;
      }
    }
    if (m.integer[i]) {
      int64_t n;
      if (!ParseInt64(v, &n))
        reasons->push_back({fields[i].name, "type", std::string(v), "not an integer"});
    }
  }
  // Cross-field rules on the identity number (also when its check digit is wrong: the
  // structure still says birth date and gender).
  for (const auto& rule : m.id_rules) {
    if ((*values)[rule.id].empty()) continue;
    int id_year, id_month, id_day, id_gender;
    if (IdBirthAndGender((*values)[rule.id], &id_year, &id_month, &id_day, &id_gender)) {
      if (rule.gender >= 0 && !(*values)[rule.gender].empty()) {
        std::string_view g = (*values)[rule.gender];
        int gv = (g == "1" || g == "男") ? 1 : (g == "2" || g == "女") ? 2 : 0;
        if (gv && gv != id_gender)
          reasons->push_back({fields[rule.gender].name, "gender_mismatch", std::string(g),
                              fmt::format("gender disagrees with the identity number's 17th digit "
                                          "({})",
                                          id_gender == 1 ? "male" : "female")});
      }
      if (rule.birth >= 0 && !(*values)[rule.birth].empty()) {
        std::string_view b = (*values)[rule.birth];
        int y, mo, d;
        if (ParseDateLoose(b, &y, &mo, &d) && (y != id_year || mo != id_month || d != id_day))
          reasons->push_back({fields[rule.birth].name, "birth_date_mismatch", std::string(b),
                              fmt::format("birth date disagrees with the identity number "
                                          "({:04d}-{:02d}-{:02d})",
                                          id_year, id_month, id_day)});
      }
    }
  }
  if (!key.empty()) {
    if (int64_t first = m.seen.Find(key, m.hashed))
      reasons->push_back({fields[m.keys[0]].name, "duplicate_key",
                          std::string((*values)[m.keys[0]]),
                          fmt::format("the key was already delivered on line {}", first)});
  }
}

void Validator::ExpectFileBytes(int64_t bytes) {
  auto& m = *impl_;
  // A household-register row is about 200 bytes; fewer bytes per row only means a late growth.
  constexpr int64_t kBytesPerRow = 160, kMaxReserved = int64_t{2} << 20;
  if (m.keys.empty() || bytes <= 0) return;
  m.seen.Reserve(static_cast<size_t>(std::min(bytes / kBytesPerRow, kMaxReserved)));
}

void Validator::Remember(const std::vector<std::string_view>& values, int64_t line) {
  auto& m = *impl_;
  if (m.keys.empty()) return;
  std::string_view k = m.KeyOf(values);
  if (!k.empty()) m.seen.Insert(k, k == m.hashed_key ? m.hashed : KeySet::Hash(k), line);
}

}  // namespace yishu::ingest

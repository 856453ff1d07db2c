// KeyRing and FieldProtector (field_protection.hpp).
//
// Wrapping: the 32-byte master key never wraps anything directly; a key-encryption key (KEK) is
// derived from it for the purpose "data-key-wrap" (HKDF-SM3, first 16 bytes, as SM4 wants), so
// the master key's other uses (audit signing key, key check) stay independent of this one.
//
// Blind-index key: a random 32-byte key stored wrapped in `wrapped_keys` under the name
// "blind-index", like data keys, rather than derived from the master key. Derived, it would be
// tied to the master key forever: replacing a compromised master key would change every blind
// index in the store (and break every look-up) at once. Stored wrapped, a new master key only
// re-wraps it, and the index key itself can later get versions of its own.
//
// Key states in `wrapped_keys`: "active" (the current version: seals and opens), "previous"
// (superseded by a newer version, still opens while rotation re-encrypts), "retired" (rotation
// has moved every value off it; it still opens, so restores from old backups remain readable,
// but nothing is sealed with it again).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <vector>

#include "common/strings.hpp"
#include "common/time.hpp"
#include "crypto/sm3.hpp"
#include "crypto/sm4.hpp"
#include "crypto/util.hpp"
#include "security/field_protection.hpp"
#include "security/master_key.hpp"

namespace yishu::security {
namespace {

constexpr uint8_t kFormatV1 = 0x01;
constexpr size_t kHeaderSize = 5;  // format tag + 4-byte big-endian key version
constexpr std::string_view kBlindIndexKeyName = "blind-index";
// How often (seals) a protector checks whether another process made a newer key version.
constexpr uint32_t kVersionCheckEvery = 4096;
constexpr int64_t kVersionCheckMillis = 2000;

int64_t SteadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The current version of one resource, shared by the KeyRing and all its protectors so a
// rotation started in this process is seen by every protector on its next seal.
struct ResourceState {
  std::atomic<int64_t> current{0};
  std::atomic<int64_t> checked_at{0};  // SteadyMillis of the last store check
};

class KeyRingImpl;

class FieldProtectorImpl final : public FieldProtector {
 public:
  FieldProtectorImpl(KeyRingImpl* ring, std::string resource, ResourceState* state)
      : ring_(ring), resource_(std::move(resource)), state_(state) {
    aad_.reserve(resource_.size() + 64);
    scratch_.reserve(128);
  }

  const std::string& resource() const override { return resource_; }

  Status Seal(int64_t record_id, std::string_view field, std::string_view plaintext,
              std::string* sealed) override;
  Status Open(int64_t record_id, std::string_view field, std::string_view sealed,
              std::string* plaintext) override;
  int64_t KeyVersionOf(std::string_view sealed) const override;
  std::string BlindIndex(std::string_view element, std::string_view normalized) override;

 private:
  Result<crypto::Sm4Gcm*> CipherFor(int64_t version);
  void BuildAad(int64_t record_id, std::string_view field) {
    aad_.assign(resource_);
    aad_.push_back('\0');
    char id[8];
    for (int i = 0; i < 8; ++i)
      id[i] = static_cast<char>(static_cast<uint64_t>(record_id) >> (56 - 8 * i));
    aad_.append(id, 8);
    aad_.append(field);
  }
  Status Fail(int64_t record_id, std::string_view field, int64_t version, std::string reason);

  KeyRingImpl* ring_;
  std::string resource_;
  ResourceState* state_;
  // Open ciphers by key version; a resource rarely has more than two live versions.
  std::vector<std::pair<int64_t, crypto::Sm4Gcm>> ciphers_;
  int64_t seal_version_ = 0;
  crypto::Sm4Gcm* seal_cipher_ = nullptr;
  uint32_t seals_since_check_ = 0;
  std::optional<crypto::HmacSm3Hasher> blind_;
  std::string aad_;
  std::string scratch_;
};

class KeyRingImpl final : public KeyRing {
 public:
  KeyRingImpl(store::Store& store, std::string kek) : store_(store), kek_(std::move(kek)) {}

  Result<std::unique_ptr<FieldProtector>> ForResource(std::string_view resource) override {
    if (resource.empty() || resource == kBlindIndexKeyName)
      return Status::InvalidArgument("not a resource name for data keys: '" +
                                     std::string(resource) + "'");
    YISHU_ASSIGN_OR_RETURN(ResourceState * state, StateFor(resource));
    if (state->current.load() == 0) {
      YISHU_ASSIGN_OR_RETURN(int64_t v, EnsureFirstVersion(resource));
      state->current.store(v);
    }
    return std::unique_ptr<FieldProtector>(
        new FieldProtectorImpl(this, std::string(resource), state));
  }

  Result<int64_t> CurrentVersion(std::string_view resource) override {
    auto row = store_.QueryOne(
        "SELECT max(version) FROM wrapped_keys WHERE name = ? AND state = 'active'", {resource});
    if (!row.ok()) return row.status();
    int64_t v = row->IsNull(0) ? 0 : row->Int(0);
    if (v > 0) {
      YISHU_ASSIGN_OR_RETURN(ResourceState * state, StateFor(resource));
      state->current.store(v);
      state->checked_at.store(SteadyMillis());
    }
    return v;
  }

  Result<int64_t> NewVersion(std::string_view resource) override {
    if (resource.empty() || resource == kBlindIndexKeyName)
      return Status::InvalidArgument("cannot version key '" + std::string(resource) + "'");
    crypto::SecretString key(crypto::RandomBytes(crypto::kSm4KeySize));
    YISHU_ASSIGN_OR_RETURN(std::string wrapped, crypto::WrapKey(kek_.view(), key.view()));
    int64_t version = 0;
    Status s = store_.Transact([&](store::Connection& c) -> Status {
      YISHU_ASSIGN_OR_RETURN(
          store::Row row,
          c.QueryOne("SELECT max(version) FROM wrapped_keys WHERE name = ?", {resource}));
      version = (row.IsNull(0) ? 0 : row.Int(0)) + 1;
      YISHU_RETURN_IF_ERROR(
          c.Exec("UPDATE wrapped_keys SET state = 'previous' WHERE name = ? AND state = 'active'",
                 {resource})
              .status());
      return c
          .Exec(
              "INSERT INTO wrapped_keys (name, version, wrapped, state, created_at) "
              "VALUES (?, ?, ?, 'active', ?)",
              {resource, version, store::Blob{wrapped}, NowMillis()})
          .status();
    });
    if (!s.ok()) return s.WithContext("new key version for " + std::string(resource));
    {
      std::lock_guard lock(mu_);
      keys_[{std::string(resource), version}] = std::move(key);
    }
    YISHU_ASSIGN_OR_RETURN(ResourceState * state, StateFor(resource));
    state->current.store(version);
    state->checked_at.store(SteadyMillis());
    return version;
  }

  void SetIntegrityObserver(std::function<void(const IntegrityFailure&)> observer) override {
    std::lock_guard lock(mu_);
    observer_ = std::make_shared<std::function<void(const IntegrityFailure&)>>(std::move(observer));
  }

  // --- for protectors ---

  // The unwrapped key bytes of (name, version), from the cache or the store. kNotFound when the
  // version does not exist; kCorruption when it does not unwrap (a damaged row).
  Result<std::string> KeyBytes(std::string_view name, int64_t version) {
    {
      std::lock_guard lock(mu_);
      auto it = keys_.find({std::string(name), version});
      if (it != keys_.end()) return it->second.str();
    }
    auto row = store_.QueryOne("SELECT wrapped FROM wrapped_keys WHERE name = ? AND version = ?",
                               {name, version});
    if (!row.ok()) {
      if (row.status().Is(ErrorCode::kNotFound))
        return Status::NotFound("no key version " + std::to_string(version) + " for " +
                                std::string(name));
      return row.status();
    }
    auto key = crypto::UnwrapKey(kek_.view(), (*row)[0].AsBytes());
    if (!key.ok())
      return Status::Corruption("key " + std::string(name) + " version " + std::to_string(version) +
                                " does not unwrap under the master key");
    std::lock_guard lock(mu_);
    auto& slot = keys_[{std::string(name), version}];
    if (slot.empty()) slot = crypto::SecretString(std::move(key).value());
    return slot.str();
  }

  Result<std::string> BlindIndexKey() {
    auto k = KeyBytes(kBlindIndexKeyName, 1);
    if (k.ok() || !k.status().Is(ErrorCode::kNotFound)) return k;
    crypto::SecretString key(crypto::RandomBytes(32));
    YISHU_ASSIGN_OR_RETURN(std::string wrapped, crypto::WrapKey(kek_.view(), key.view()));
    YISHU_RETURN_IF_ERROR(InsertIfAbsent(kBlindIndexKeyName, 1, wrapped));
    return KeyBytes(kBlindIndexKeyName, 1);  // whichever insert won
  }

  // Re-reads the current version from the store (another process may have rotated).
  void RefreshCurrent(const std::string& resource, ResourceState* state) {
    state->checked_at.store(SteadyMillis());
    (void)CurrentVersion(resource);
  }

  void ReportFailure(const IntegrityFailure& f) {
    std::shared_ptr<std::function<void(const IntegrityFailure&)>> obs;
    {
      std::lock_guard lock(mu_);
      obs = observer_;
    }
    if (obs && *obs) (*obs)(f);
  }

 private:
  Result<ResourceState*> StateFor(std::string_view resource) {
    std::lock_guard lock(mu_);
    auto& slot = states_[std::string(resource)];
    if (!slot) slot = std::make_unique<ResourceState>();
    return slot.get();
  }

  Status InsertIfAbsent(std::string_view name, int64_t version, const std::string& wrapped) {
    return store_
        .Exec(
            "INSERT INTO wrapped_keys (name, version, wrapped, state, created_at) "
            "VALUES (?, ?, ?, 'active', ?) ON CONFLICT (name, version) DO NOTHING",
            {name, version, store::Blob{wrapped}, NowMillis()})
        .status();
  }

  Result<int64_t> EnsureFirstVersion(std::string_view resource) {
    YISHU_ASSIGN_OR_RETURN(int64_t v, CurrentVersion(resource));
    if (v > 0) return v;
    crypto::SecretString key(crypto::RandomBytes(crypto::kSm4KeySize));
    YISHU_ASSIGN_OR_RETURN(std::string wrapped, crypto::WrapKey(kek_.view(), key.view()));
    // Two processes may race to create version 1: ON CONFLICT lets one win, both then read it.
    YISHU_RETURN_IF_ERROR(InsertIfAbsent(resource, 1, wrapped));
    YISHU_ASSIGN_OR_RETURN(v, CurrentVersion(resource));
    if (v == 0) return Status::Internal("no active key for " + std::string(resource));
    return v;
  }

  store::Store& store_;
  crypto::SecretString kek_;
  std::mutex mu_;
  std::map<std::pair<std::string, int64_t>, crypto::SecretString> keys_;
  std::map<std::string, std::unique_ptr<ResourceState>, std::less<>> states_;
  std::shared_ptr<std::function<void(const IntegrityFailure&)>> observer_;
};

Result<crypto::Sm4Gcm*> FieldProtectorImpl::CipherFor(int64_t version) {
  for (auto& [v, c] : ciphers_)
    if (v == version) return &c;
  YISHU_ASSIGN_OR_RETURN(std::string key, ring_->KeyBytes(resource_, version));
  auto cipher = crypto::Sm4Gcm::Create(key);
  crypto::Wipe(key);
  if (!cipher.ok()) return cipher.status();
  ciphers_.emplace_back(version, std::move(cipher).value());
  seal_cipher_ = nullptr;  // the vector may have moved: re-resolve on the next seal
  return &ciphers_.back().second;
}

Status FieldProtectorImpl::Seal(int64_t record_id, std::string_view field,
                                std::string_view plaintext, std::string* sealed) {
  if (++seals_since_check_ >= kVersionCheckEvery) {
    seals_since_check_ = 0;
    if (SteadyMillis() - state_->checked_at.load(std::memory_order_relaxed) > kVersionCheckMillis)
      ring_->RefreshCurrent(resource_, state_);
  }
  int64_t version = state_->current.load(std::memory_order_acquire);
  if (version != seal_version_ || seal_cipher_ == nullptr) {
    YISHU_ASSIGN_OR_RETURN(seal_cipher_, CipherFor(version));
    seal_version_ = version;
  }
  BuildAad(record_id, field);
  YISHU_RETURN_IF_ERROR(seal_cipher_->Encrypt(plaintext, aad_, &scratch_));
  sealed->resize(kHeaderSize);
  char* h = sealed->data();
  h[0] = static_cast<char>(kFormatV1);
  for (int i = 0; i < 4; ++i)
    h[1 + i] = static_cast<char>(static_cast<uint64_t>(version) >> (24 - 8 * i));
  sealed->append(scratch_);
  return Status::Ok();
}

int64_t FieldProtectorImpl::KeyVersionOf(std::string_view sealed) const {
  if (sealed.size() < kHeaderSize + crypto::Sm4Gcm::kOverhead ||
      static_cast<uint8_t>(sealed[0]) != kFormatV1)
    return 0;
  int64_t v = 0;
  for (int i = 1; i <= 4; ++i) v = (v << 8) | static_cast<uint8_t>(sealed[i]);
  return v;
}

Status FieldProtectorImpl::Fail(int64_t record_id, std::string_view field, int64_t version,
                                std::string reason) {
  KeyRing::IntegrityFailure f{resource_, record_id, std::string(field), version, reason};
  ring_->ReportFailure(f);
  return Status::Corruption(resource_ + " record " + std::to_string(record_id) + " field " +
                            std::string(field) + ": " + reason);
}

Status FieldProtectorImpl::Open(int64_t record_id, std::string_view field, std::string_view sealed,
                                std::string* plaintext) {
  plaintext->clear();
  int64_t version = KeyVersionOf(sealed);
  if (version == 0) return Fail(record_id, field, 0, "not a sealed value (bad format or length)");
  auto cipher = CipherFor(version);
  if (!cipher.ok()) {
    if (cipher.status().Is(ErrorCode::kNotFound) || cipher.status().Is(ErrorCode::kCorruption))
      return Fail(record_id, field, version, cipher.status().message());
    return cipher.status();  // store unavailable: not an integrity problem
  }
  BuildAad(record_id, field);
  Status s = (*cipher)->Decrypt(sealed.substr(kHeaderSize), aad_, plaintext);
  if (!s.ok())
    return Fail(record_id, field, version,
                "authentication failed (tampered, moved to another row or field, or wrong key)");
  return Status::Ok();
}

std::string FieldProtectorImpl::BlindIndex(std::string_view element, std::string_view normalized) {
  if (!blind_) {
    auto key = ring_->BlindIndexKey();
    // Without the key there is no safe index to give; a store outage here is fatal for the
    // write anyway, and an empty index never matches anything.
    if (!key.ok()) return std::string();
    std::string k = std::move(key).value();
    blind_.emplace(crypto::HmacSm3Hasher::Create(k));
    crypto::Wipe(k);
  }
  // Domain separation: element ‖ 0 ‖ value, so equal strings of different elements differ.
  blind_->Update(element);
  blind_->Update(std::string_view("\0", 1));
  blind_->Update(normalized);
  return blind_->Final();
}

bool IsSpaceCp(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0x3000 ||
         c == 0xA0 || c == 0xFEFF;
}

}  // namespace

Result<std::unique_ptr<KeyRing>> KeyRing::Open(store::Store& store, std::string master_key) {
  crypto::SecretString master(std::move(master_key));
  if (master.size() != 32)
    return Status::InvalidArgument("the master key must be 32 bytes, got " +
                                   std::to_string(master.size()));
  // The check value refuses a wrong master key before any key is unwrapped (or created under it).
  YISHU_RETURN_IF_ERROR(VerifyOrRecordKeyCheck(store, master.str(), "the key ring's master key"));
  std::string kek = DeriveKey(master.str(), "data-key-wrap");
  kek.resize(crypto::kSm4KeySize);
  auto ring = std::make_unique<KeyRingImpl>(store, std::move(kek));
  // Created here, not on first use: a first use may come inside a caller's write transaction,
  // where a second connection writing the key would wait on that very transaction.
  YISHU_RETURN_IF_ERROR(ring->BlindIndexKey().status());
  return std::unique_ptr<KeyRing>(std::move(ring));
}

bool IsNormalizedForIndex(std::string_view element, std::string_view value) {
  // Mobile numbers may lose a country prefix and e-mail addresses their capitals; every other
  // element keeps digits and capitals as they are.
  if (element == "mobile" || element == "email") return false;
  for (char c : value)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
  return true;
}

std::string NormalizeForIndex(std::string_view element, std::string_view value) {
  if (IsNormalizedForIndex(element, value)) return std::string(value);
  std::string out;
  out.reserve(value.size());
  size_t i = 0;
  // Fold full-width ASCII (U+FF01..U+FF5E) and the ideographic space; keep everything else.
  while (i < value.size()) {
    char32_t cp;
    size_t n = DecodeUtf8At(value, i, &cp);
    if (n == 0) {  // not UTF-8: the byte stands for itself
      cp = static_cast<unsigned char>(value[i]);
      n = 1;
    }
    if (cp >= 0xFF01 && cp <= 0xFF5E) {
      out.push_back(static_cast<char>(cp - 0xFF01 + 0x21));
    } else if (IsSpaceCp(cp)) {
      out.push_back(' ');
    } else {
      out.append(value.substr(i, n));
    }
    i += n;
  }
  size_t b = out.find_first_not_of(' ');
  if (b == std::string::npos) return std::string();
  out = out.substr(b, out.find_last_not_of(' ') - b + 1);
  auto upper = [](std::string& s) {
    for (char& c : s)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  };
  auto strip = [](std::string& s, std::string_view chars) {
    s.erase(std::remove_if(s.begin(), s.end(),
                           [&](char c) { return chars.find(c) != std::string_view::npos; }),
            s.end());
  };
  if (element == "id_card" || element == "uscc") {
    strip(out, " -");
    upper(out);
  } else if (element == "mobile" || element == "bank_card" || element == "landline") {
    strip(out, " -");
    if (element == "mobile") {
      for (std::string_view p : {"+86", "0086", "86"})
        if (out.size() == 11 + p.size() && out.rfind(p, 0) == 0) {
          out.erase(0, p.size());
          break;
        }
    }
  } else if (element == "email") {
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace yishu::security

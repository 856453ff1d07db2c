// The master key: the root of the key hierarchy. It only wraps other keys (per-resource data
// keys, the blind-index key, the audit signing key); it never encrypts data itself.
//
// Sources, in order: YISHU_MASTER_KEY (64 hex digits), YISHU_MASTER_KEY_FILE (a file holding
// the hex, readable by the owner only), else DATA_DIR/master.key (created by `yishu init`).
// A KeyProvider seam lets an HSM or KMS supply it later without touching the callers.
//
// The store keeps a check value (HMAC-SM3 of a fixed label under the key), so a wrong key is
// refused at start instead of producing garbage or, worse, new data under a second key.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/status.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace yishu::security {

class KeyProvider {
 public:
  virtual ~KeyProvider() = default;
  // The 32-byte master key, or an error saying why it is not available.
  virtual Result<std::string> MasterKey() = 0;
  // Where the key comes from, for messages ("file /data/master.key", "YISHU_MASTER_KEY").
  virtual std::string description() const = 0;
};

// Picks the provider by the rules above. Does not read the key yet.
std::unique_ptr<KeyProvider> DefaultKeyProvider(const std::filesystem::path& data_dir);

// Creates DATA_DIR/master.key (mode 0600) with a new random key unless the environment names a
// key. Returns a sentence saying where the key is.
Result<std::string> CreateMasterKeyIfMissing(const std::filesystem::path& data_dir);

std::vector<store::Migration> KeyMigrations();

// Compares the key with the store's check value; the first call on a new store records it.
Status VerifyOrRecordKeyCheck(store::Store& store, const std::string& master_key,
                              const std::string& source);

// Derives a purpose-bound 32-byte key from the master key (HKDF-SM3), e.g. "audit-signing".
std::string DeriveKey(const std::string& master_key, std::string_view purpose);

}  // namespace yishu::security

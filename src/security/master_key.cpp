#include "security/master_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/strings.hpp"
#include "common/time.hpp"
#include "crypto/sm3.hpp"
#include "crypto/util.hpp"
#include "security/rotation.hpp"

namespace yishu::security {

namespace {

Result<std::string> ParseHexKey(std::string_view text, const std::string& where) {
  std::string hex(Trim(text));
  if (hex.size() != 64)
    return Status::InvalidArgument(where +
                                   ": the master key must be 64 hex digits (256 bits), got " +
                                   std::to_string(hex.size()) + " characters");
  auto key = crypto::FromHex(hex);
  if (!key.ok()) return Status::InvalidArgument(where + ": the master key is not valid hex");
  return key;
}

class EnvKeyProvider final : public KeyProvider {
 public:
  Result<std::string> MasterKey() override {
    const char* v = std::getenv("YISHU_MASTER_KEY");
    if (!v) return Status::FailedPrecondition("YISHU_MASTER_KEY is not set");
    return ParseHexKey(v, "YISHU_MASTER_KEY");
  }
  std::string description() const override { return "YISHU_MASTER_KEY"; }
};

class FileKeyProvider final : public KeyProvider {
 public:
  explicit FileKeyProvider(std::filesystem::path path) : path_(std::move(path)) {}
  Result<std::string> MasterKey() override {
    struct stat st;
    if (::stat(path_.c_str(), &st) != 0)
      return Status::FailedPrecondition(
          "master key file " + path_.string() +
          " does not exist: run `yishu init`, or set YISHU_MASTER_KEY_FILE / YISHU_MASTER_KEY");
    if ((st.st_mode & 077) != 0)
      return Status::FailedPrecondition("master key file " + path_.string() +
                                        " must be readable by its owner only (chmod 600)");
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in) return Status::IoError("cannot read master key file " + path_.string());
    std::string text = ss.str();
    auto key = ParseHexKey(text, path_.string());
    crypto::Wipe(text);
    return key;
  }
  std::string description() const override { return "file " + path_.string(); }

 private:
  std::filesystem::path path_;
};

constexpr std::string_view kCheckLabel = "yishu master key check v1";

}  // namespace

std::unique_ptr<KeyProvider> DefaultKeyProvider(const std::filesystem::path& data_dir) {
  if (std::getenv("YISHU_MASTER_KEY")) return std::make_unique<EnvKeyProvider>();
  if (const char* f = std::getenv("YISHU_MASTER_KEY_FILE"))
    return std::make_unique<FileKeyProvider>(f);
  return std::make_unique<FileKeyProvider>(data_dir / "master.key");
}

Result<std::string> CreateMasterKeyIfMissing(const std::filesystem::path& data_dir) {
  if (std::getenv("YISHU_MASTER_KEY")) return std::string("master key from YISHU_MASTER_KEY");
  if (const char* f = std::getenv("YISHU_MASTER_KEY_FILE"))
    return "master key from YISHU_MASTER_KEY_FILE (" + std::string(f) + ")";
  auto path = data_dir / "master.key";
  if (std::filesystem::exists(path)) return "master key in " + path.string();
  std::string hex = crypto::ToHex(crypto::RandomBytes(32));
  // Create with 0600 from the start: no window where the key is readable by others.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Status::IoError("cannot create " + path.string());
  hex += "\n";
  bool ok = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size());
  ::close(fd);
  crypto::Wipe(hex);
  if (!ok) return Status::IoError("cannot write " + path.string());
  return "created a new master key in " + path.string() +
         " (mode 0600): back it up and keep it apart from the data; without it the encrypted "
         "data cannot be read";
}

std::vector<store::Migration> KeyMigrations() {
  std::vector<store::Migration> m = {{"keys", 1, "key check and wrapped keys", R"sql(
CREATE TABLE key_check (
  id BIGINT PRIMARY KEY,
  check_value {{blob}} NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE wrapped_keys (
  name TEXT NOT NULL,
  version BIGINT NOT NULL,
  wrapped {{blob}} NOT NULL,
  state TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (name, version)
);
)sql"}};
  for (auto& r : RotationMigrations()) m.push_back(std::move(r));
  return m;
}

Status VerifyOrRecordKeyCheck(store::Store& store, const std::string& master_key,
                              const std::string& source) {
  std::string check = crypto::HmacSm3(master_key, kCheckLabel);
  auto row = store.QueryOne("SELECT check_value FROM key_check WHERE id = 1");
  if (row.ok()) {
    if (!crypto::ConstantTimeEqual((*row)[0].AsBytes(), check))
      return Status::FailedPrecondition("the master key from " + source +
                                        " is not the key this store was created with: refusing "
                                        "to start");
    return Status::Ok();
  }
  if (!row.status().Is(ErrorCode::kNotFound)) return row.status();
  return store
      .Exec("INSERT INTO key_check (id, check_value, created_at) VALUES (1, ?, ?)",
            {store::Blob{check}, NowMillis()})
      .status();
}

std::string DeriveKey(const std::string& master_key, std::string_view purpose) {
  auto k = crypto::HkdfSm3(master_key, "yishu", purpose, 32);
  return k.ok() ? *k : crypto::HmacSm3(master_key, purpose);
}

}  // namespace yishu::security

#include "crypto/sm4.hpp"

#include <gcrypt.h>
#include <pthread.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <utility>

namespace yishu::crypto {
namespace {

constexpr std::string_view kKeyWrapAad = "yishu-key-wrap-v1";

// Bumped in the child after fork(); Sm4Gcm compares it with the value seen when it drew its IV
// source. A relaxed load per encryption is far cheaper than getpid() (a syscall in glibc).
std::atomic<uint64_t> g_fork_generation{0};

void RegisterForkHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    pthread_atfork(nullptr, nullptr,
                   [] { g_fork_generation.fetch_add(1, std::memory_order_relaxed); });
  });
}

void StoreBe32(uint32_t v, unsigned char* p) {
  for (int i = 3; i >= 0; --i, v >>= 8) p[i] = static_cast<unsigned char>(v);
}
void StoreBe64(uint64_t v, unsigned char* p) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<unsigned char>(v);
}

Result<gcry_cipher_hd_t> OpenSm4(int mode, std::string_view key) {
  InitLibgcrypt();
  if (key.size() != kSm4KeySize) {
    return Status::InvalidArgument("SM4 key must be 16 bytes, got " + std::to_string(key.size()));
  }
  gcry_cipher_hd_t hd = nullptr;
  gcry_error_t err = gcry_cipher_open(&hd, GCRY_CIPHER_SM4, mode, 0);
  if (err) return GcryStatus(err, "gcry_cipher_open(SM4)");
  err = gcry_cipher_setkey(hd, key.data(), key.size());
  if (err) {
    gcry_cipher_close(hd);
    return GcryStatus(err, "gcry_cipher_setkey(SM4)");
  }
  return hd;
}

// ECB/CBC in one direction over whole blocks.
Result<std::string> Sm4Raw(int mode, bool encrypt, std::string_view key, std::string_view iv,
                           std::string_view data) {
  if (data.size() % kSm4BlockSize != 0) {
    return Status::InvalidArgument("SM4 raw mode input must be a multiple of 16 bytes");
  }
  if (mode == GCRY_CIPHER_MODE_CBC && iv.size() != kSm4BlockSize) {
    return Status::InvalidArgument("SM4-CBC IV must be 16 bytes");
  }
  YISHU_ASSIGN_OR_RETURN(gcry_cipher_hd_t hd, OpenSm4(mode, key));
  gcry_error_t err = 0;
  if (mode == GCRY_CIPHER_MODE_CBC) err = gcry_cipher_setiv(hd, iv.data(), iv.size());
  std::string out(data.size(), '\0');
  if (!err) {
    err = encrypt ? gcry_cipher_encrypt(hd, out.data(), out.size(), data.data(), data.size())
                  : gcry_cipher_decrypt(hd, out.data(), out.size(), data.data(), data.size());
  }
  gcry_cipher_close(hd);
  if (err) return GcryStatus(err, "SM4 raw mode");
  return out;
}

}  // namespace

Sm4Gcm::Sm4Gcm(gcry_cipher_handle* hd) : hd_(hd) {
  RefreshIvSource();
}

Sm4Gcm::~Sm4Gcm() {
  if (hd_) gcry_cipher_close(hd_);
}

Sm4Gcm::Sm4Gcm(Sm4Gcm&& other) noexcept
    : hd_(std::exchange(other.hd_, nullptr)),
      iv_prefix_(other.iv_prefix_),
      iv_counter_(other.iv_counter_),
      iv_remaining_(std::exchange(other.iv_remaining_, 0)),
      fork_generation_(other.fork_generation_) {}

Sm4Gcm& Sm4Gcm::operator=(Sm4Gcm&& other) noexcept {
  if (this != &other) {
    if (hd_) gcry_cipher_close(hd_);
    hd_ = std::exchange(other.hd_, nullptr);
    iv_prefix_ = other.iv_prefix_;
    iv_counter_ = other.iv_counter_;
    iv_remaining_ = std::exchange(other.iv_remaining_, 0);
    fork_generation_ = other.fork_generation_;
  }
  return *this;
}

Result<Sm4Gcm> Sm4Gcm::Create(std::string_view key) {
  RegisterForkHandler();
  YISHU_ASSIGN_OR_RETURN(gcry_cipher_hd_t hd, OpenSm4(GCRY_CIPHER_MODE_GCM, key));
  return Sm4Gcm(hd);
}

void Sm4Gcm::RefreshIvSource() {
  // Read the generation before drawing, so a fork racing with this draw still forces a redraw.
  fork_generation_ = g_fork_generation.load(std::memory_order_relaxed);
  unsigned char seed[12];
  gcry_randomize(seed, sizeof seed, GCRY_STRONG_RANDOM);
  std::memcpy(&iv_prefix_, seed, 4);
  std::memcpy(&iv_counter_, seed + 4, 8);
  explicit_bzero(seed, sizeof seed);
  iv_remaining_ = UINT32_MAX;
}

Status Sm4Gcm::EncryptWithIv(std::string_view iv, std::string_view plaintext, std::string_view aad,
                             std::string* out) {
  assert(hd_ && "use of a moved-from Sm4Gcm");
  if (iv.size() != kIvSize) return Status::InvalidArgument("SM4-GCM IV must be 12 bytes");
  out->resize(kOverhead + plaintext.size());
  char* p = out->data();
  std::memcpy(p, iv.data(), kIvSize);
  gcry_error_t err = gcry_cipher_reset(hd_);
  if (!err) err = gcry_cipher_setiv(hd_, iv.data(), kIvSize);
  if (!err && !aad.empty()) err = gcry_cipher_authenticate(hd_, aad.data(), aad.size());
  if (!err) {
    err =
        gcry_cipher_encrypt(hd_, p + kIvSize, plaintext.size(), plaintext.data(), plaintext.size());
  }
  if (!err) err = gcry_cipher_gettag(hd_, p + kIvSize + plaintext.size(), kTagSize);
  if (err) {
    out->clear();
    return GcryStatus(err, "SM4-GCM encrypt");
  }
  return Status::Ok();
}

Status Sm4Gcm::Encrypt(std::string_view plaintext, std::string_view aad, std::string* out) {
  if (iv_remaining_ == 0 || fork_generation_ != g_fork_generation.load(std::memory_order_relaxed)) {
    RefreshIvSource();
  }
  --iv_remaining_;
  unsigned char iv[kIvSize];
  StoreBe32(iv_prefix_, iv);
  StoreBe64(iv_counter_++, iv + 4);
  return EncryptWithIv(std::string_view(reinterpret_cast<char*>(iv), kIvSize), plaintext, aad, out);
}

Result<std::string> Sm4Gcm::Encrypt(std::string_view plaintext, std::string_view aad) {
  std::string out;
  YISHU_RETURN_IF_ERROR(Encrypt(plaintext, aad, &out));
  return out;
}

Status Sm4Gcm::Decrypt(std::string_view sealed, std::string_view aad, std::string* out) {
  assert(hd_ && "use of a moved-from Sm4Gcm");
  out->clear();
  if (sealed.size() < kOverhead) {
    return Status::Corruption("SM4-GCM sealed value too short (" + std::to_string(sealed.size()) +
                              " bytes)");
  }
  const size_t n = sealed.size() - kOverhead;
  const char* iv = sealed.data();
  const char* ct = iv + kIvSize;
  const char* tag = ct + n;
  out->resize(n);
  gcry_error_t err = gcry_cipher_reset(hd_);
  if (!err) err = gcry_cipher_setiv(hd_, iv, kIvSize);
  if (!err && !aad.empty()) err = gcry_cipher_authenticate(hd_, aad.data(), aad.size());
  if (!err) err = gcry_cipher_decrypt(hd_, out->data(), n, ct, n);
  if (!err) err = gcry_cipher_checktag(hd_, tag, kTagSize);
  if (err) {
    Wipe(*out);
    if (gcry_err_code(err) == GPG_ERR_CHECKSUM) {
      return Status::Corruption("SM4-GCM authentication failed (wrong key, AAD or damaged data)");
    }
    return GcryStatus(err, "SM4-GCM decrypt");
  }
  return Status::Ok();
}

Result<std::string> Sm4Gcm::Decrypt(std::string_view sealed, std::string_view aad) {
  std::string out;
  YISHU_RETURN_IF_ERROR(Decrypt(sealed, aad, &out));
  return out;
}

Result<std::string> WrapKey(std::string_view master, std::string_view key) {
  YISHU_ASSIGN_OR_RETURN(Sm4Gcm gcm, Sm4Gcm::Create(master));
  return gcm.Encrypt(key, kKeyWrapAad);
}

Result<std::string> UnwrapKey(std::string_view master, std::string_view wrapped) {
  YISHU_ASSIGN_OR_RETURN(Sm4Gcm gcm, Sm4Gcm::Create(master));
  Result<std::string> key = gcm.Decrypt(wrapped, kKeyWrapAad);
  if (!key.ok()) return key.status().WithContext("unwrapping key");
  return key;
}

Result<std::string> Sm4EcbEncrypt(std::string_view key, std::string_view data) {
  return Sm4Raw(GCRY_CIPHER_MODE_ECB, true, key, {}, data);
}
Result<std::string> Sm4EcbDecrypt(std::string_view key, std::string_view data) {
  return Sm4Raw(GCRY_CIPHER_MODE_ECB, false, key, {}, data);
}
Result<std::string> Sm4CbcEncrypt(std::string_view key, std::string_view iv,
                                  std::string_view data) {
  return Sm4Raw(GCRY_CIPHER_MODE_CBC, true, key, iv, data);
}
Result<std::string> Sm4CbcDecrypt(std::string_view key, std::string_view iv,
                                  std::string_view data) {
  return Sm4Raw(GCRY_CIPHER_MODE_CBC, false, key, iv, data);
}

}  // namespace yishu::crypto

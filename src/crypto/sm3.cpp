#include "crypto/sm3.hpp"

#include <gcrypt.h>

#include <cstring>

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace yishu::crypto {
namespace {

// Handle failures here mean an out-of-memory condition or a broken library (SM3 availability is
// checked once by InitLibgcrypt): nothing a caller could handle, so fail loudly.
[[noreturn]] void FatalGcry(gcry_error_t err, const char* what) {
  std::fprintf(stderr, "yishu crypto: %s failed: %s\n", what, gcry_strerror(err));
  std::abort();
}

gcry_md_hd_t OpenSm3(unsigned int flags) {
  InitLibgcrypt();
  gcry_md_hd_t hd = nullptr;
  gcry_error_t err = gcry_md_open(&hd, GCRY_MD_SM3, flags);
  if (err) FatalGcry(err, "gcry_md_open(SM3)");
  return hd;
}

std::string ReadDigest(gcry_md_hd_t hd) {
  const unsigned char* d = gcry_md_read(hd, GCRY_MD_SM3);
  return std::string(reinterpret_cast<const char*>(d), kSm3DigestSize);
}

}  // namespace

std::string Sm3(std::string_view data) {
  InitLibgcrypt();
  std::string out(kSm3DigestSize, '\0');
  gcry_md_hash_buffer(GCRY_MD_SM3, out.data(), data.data(), data.size());
  return out;
}

void Sm3To(std::string_view data, char* out) {
  InitLibgcrypt();
  gcry_md_hash_buffer(GCRY_MD_SM3, out, data.data(), data.size());
}

Sm3Hasher::Sm3Hasher() : hd_(OpenSm3(0)) {}
Sm3Hasher::~Sm3Hasher() {
  if (hd_) gcry_md_close(hd_);
}
Sm3Hasher::Sm3Hasher(Sm3Hasher&& other) noexcept : hd_(std::exchange(other.hd_, nullptr)) {}
Sm3Hasher& Sm3Hasher::operator=(Sm3Hasher&& other) noexcept {
  if (this != &other) {
    if (hd_) gcry_md_close(hd_);
    hd_ = std::exchange(other.hd_, nullptr);
  }
  return *this;
}

Sm3Hasher& Sm3Hasher::Update(std::string_view data) {
  assert(hd_ && "use of a moved-from Sm3Hasher");
  gcry_md_write(hd_, data.data(), data.size());
  return *this;
}

std::string Sm3Hasher::Final() {
  assert(hd_ && "use of a moved-from Sm3Hasher");
  std::string out = ReadDigest(hd_);
  gcry_md_reset(hd_);
  return out;
}

void Sm3Hasher::FinalTo(char* out) {
  assert(hd_ && "use of a moved-from Sm3Hasher");
  std::memcpy(out, gcry_md_read(hd_, GCRY_MD_SM3), kSm3DigestSize);
  gcry_md_reset(hd_);
}

std::string HmacSm3(std::string_view key, std::string_view data) {
  InitLibgcrypt();
  // hash_buffers with the HMAC flag takes the key as the first buffer: one call, no handle
  // kept, so it is safe from any thread.
  gcry_buffer_t iov[2] = {};
  iov[0].data = const_cast<char*>(key.data());
  iov[0].len = key.size();
  iov[1].data = const_cast<char*>(data.data());
  iov[1].len = data.size();
  std::string out(kSm3DigestSize, '\0');
  gcry_error_t err = gcry_md_hash_buffers(GCRY_MD_SM3, GCRY_MD_FLAG_HMAC, out.data(), iov, 2);
  if (err) FatalGcry(err, "HMAC-SM3");
  return out;
}

HmacSm3Hasher HmacSm3Hasher::Create(std::string_view key) {
  HmacSm3Hasher h;
  h.hd_ = OpenSm3(GCRY_MD_FLAG_HMAC);
  gcry_error_t err = gcry_md_setkey(h.hd_, key.data(), key.size());
  if (err) FatalGcry(err, "gcry_md_setkey(HMAC-SM3)");
  return h;
}

HmacSm3Hasher::~HmacSm3Hasher() {
  if (hd_) gcry_md_close(hd_);
}
HmacSm3Hasher::HmacSm3Hasher(HmacSm3Hasher&& other) noexcept
    : hd_(std::exchange(other.hd_, nullptr)) {}
HmacSm3Hasher& HmacSm3Hasher::operator=(HmacSm3Hasher&& other) noexcept {
  if (this != &other) {
    if (hd_) gcry_md_close(hd_);
    hd_ = std::exchange(other.hd_, nullptr);
  }
  return *this;
}

std::string HmacSm3Hasher::Compute(std::string_view data) {
  assert(hd_ && "use of a moved-from HmacSm3Hasher");
  // gcry_md_reset on an HMAC handle restores the keyed state: the key is not re-processed.
  gcry_md_reset(hd_);
  gcry_md_write(hd_, data.data(), data.size());
  std::string out = ReadDigest(hd_);
  gcry_md_reset(hd_);
  return out;
}

HmacSm3Hasher& HmacSm3Hasher::Update(std::string_view data) {
  assert(hd_ && "use of a moved-from HmacSm3Hasher");
  gcry_md_write(hd_, data.data(), data.size());
  return *this;
}

std::string HmacSm3Hasher::Final() {
  assert(hd_ && "use of a moved-from HmacSm3Hasher");
  std::string out = ReadDigest(hd_);
  gcry_md_reset(hd_);
  return out;
}

Result<std::string> HkdfSm3(std::string_view ikm, std::string_view salt, std::string_view info,
                            size_t length) {
  if (length > 255 * kSm3DigestSize) {
    return Status::InvalidArgument("HKDF-SM3 output longer than 255*32 bytes");
  }
  const std::string zero_salt(kSm3DigestSize, '\0');
  SecretString prk(HmacSm3(salt.empty() ? std::string_view(zero_salt) : salt, ikm));
  HmacSm3Hasher expand = HmacSm3Hasher::Create(prk.view());
  std::string out;
  out.reserve(length + kSm3DigestSize);
  SecretString t;
  for (unsigned char i = 1; out.size() < length; ++i) {
    expand.Update(t.view()).Update(info).Update(std::string_view(reinterpret_cast<char*>(&i), 1));
    t = SecretString(expand.Final());
    out.append(t.view());
  }
  // Trim without leaving the tail of the last block behind in the buffer.
  std::string result = out.substr(0, length);
  Wipe(out);
  return result;
}

}  // namespace yishu::crypto

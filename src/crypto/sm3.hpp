// SM3 hash (GB/T 32905-2016), HMAC-SM3 (GM/T 0042-2015 / RFC 2104) and HKDF-SM3 (RFC 5869).
//
// All digests are 32 raw bytes (use ToHex for display). One-shot functions are thread-safe.
// Hasher objects hold a libgcrypt handle and are NOT thread-safe: use one per thread. They are
// movable, not copyable.
//
// Failure modes: SM3 cannot fail once libgcrypt is initialised (InitLibgcrypt aborts at start-up
// if SM3/SM4 are unavailable, e.g. in FIPS mode), so the hashing functions return values
// directly. Only calls taking caller-supplied parameters that can be wrong return Result.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "crypto/util.hpp"

struct gcry_md_handle;

namespace yishu::crypto {

inline constexpr size_t kSm3DigestSize = 32;

// SM3(data): 32 raw bytes.
std::string Sm3(std::string_view data);
// The same into `out` (kSm3DigestSize bytes), without allocating: one libgcrypt call, no handle.
void Sm3To(std::string_view data, char* out);

// Incremental SM3. Final() returns the digest and resets the hasher for a new message.
class Sm3Hasher {
 public:
  Sm3Hasher();
  ~Sm3Hasher();
  Sm3Hasher(Sm3Hasher&& other) noexcept;
  Sm3Hasher& operator=(Sm3Hasher&& other) noexcept;
  Sm3Hasher(const Sm3Hasher&) = delete;
  Sm3Hasher& operator=(const Sm3Hasher&) = delete;

  Sm3Hasher& Update(std::string_view data);
  std::string Final();
  // The same without allocating: the digest goes to `out` (kSm3DigestSize bytes).
  void FinalTo(char* out);

 private:
  gcry_md_handle* hd_ = nullptr;
};

// HMAC-SM3(key, data): 32 raw bytes. Any key length is accepted (RFC 2104). Opens a libgcrypt
// handle per call; for many MACs under one key (blind indexes) use HmacSm3Hasher.
std::string HmacSm3(std::string_view key, std::string_view data);

// HMAC-SM3 bound to one key, keeping the keyed inner/outer state so that each MAC costs only
// the hashing itself. This is the hot path for blind indexes (one MAC per indexed field write).
// Not thread-safe: one per thread. The key is wiped by libgcrypt when the object is destroyed.
class HmacSm3Hasher {
 public:
  static HmacSm3Hasher Create(std::string_view key);
  ~HmacSm3Hasher();
  HmacSm3Hasher(HmacSm3Hasher&& other) noexcept;
  HmacSm3Hasher& operator=(HmacSm3Hasher&& other) noexcept;
  HmacSm3Hasher(const HmacSm3Hasher&) = delete;
  HmacSm3Hasher& operator=(const HmacSm3Hasher&) = delete;

  // One whole MAC of data (independent of any pending Update calls, which it discards).
  std::string Compute(std::string_view data);
  // Incremental use: Update()* then Final(); Final resets to the keyed state.
  HmacSm3Hasher& Update(std::string_view data);
  std::string Final();

 private:
  HmacSm3Hasher() = default;
  gcry_md_handle* hd_ = nullptr;
};

// HKDF with HMAC-SM3 (RFC 5869 extract-then-expand). Derives independent sub-keys from one
// master secret, e.g. Info "yishu/blind-index/v1" vs "yishu/field-enc/v1". length must be at
// most 255*32 bytes, else kInvalidArgument. Thread-safe.
Result<std::string> HkdfSm3(std::string_view ikm, std::string_view salt, std::string_view info,
                            size_t length);

}  // namespace yishu::crypto

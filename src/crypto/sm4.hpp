// SM4 (GB/T 32907-2016) authenticated encryption in GCM mode (RFC 8998 profile: 96-bit IV,
// 128-bit tag), SM4 key wrapping, and raw ECB/CBC for interoperability and test vectors.
//
// Sealed format produced by Sm4Gcm::Encrypt and accepted by Decrypt:
//     IV (12 bytes) || ciphertext (same length as plaintext) || tag (16 bytes)
// i.e. 28 bytes of overhead. The AAD is authenticated but not stored: callers bind context
// (table, column, row id, key version) through it, and must present the same AAD to decrypt.
//
// Failure modes: a wrong-length key is kInvalidArgument; a sealed value that is too short, was
// modified, or is presented with the wrong key or AAD is kCorruption (they are
// indistinguishable by design). libgcrypt failures that "cannot happen" are kInternal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "crypto/util.hpp"

struct gcry_cipher_handle;

namespace yishu::crypto {

inline constexpr size_t kSm4KeySize = 16;
inline constexpr size_t kSm4BlockSize = 16;

// An SM4-GCM key with an open libgcrypt cipher handle (key schedule computed once), so that
// each field encryption costs only reset + setiv + the cipher work.
//
// NOT thread-safe: Encrypt/Decrypt mutate the handle (and the IV counter). Use one object per
// thread (e.g. a thread_local, or one per worker), each created from the same key; the IV scheme
// below keeps IVs unique across such objects.
//
// IVs: each object draws a random 4-byte prefix and a random 64-bit counter start from the
// CSPRNG when created, then uses prefix || counter++ (big endian) and re-draws both after 2^32
// encryptions. GCM needs IVs that never repeat under one key; this is the NIST SP 800-38D
// "fixed field || invocation field" construction with a random fixed field, so repeats within
// an object are impossible and across objects need both a 32-bit prefix collision and
// overlapping 2^32 counter windows in a 64-bit space (no worse than fully random IVs). A CSPRNG
// call per value would cost ~13 µs (gcry_randomize, GCRY_STRONG_RANDOM, 12 bytes), about twenty
// times a whole 32-byte encryption (~0.65 µs); the counter costs an increment. A fork() makes the
// child re-draw before its next encryption, so parent and child never share a counter. Usage limit:
// rotate a key well before 2^32 encryptions in total (SP 800-38D §8.3).
class Sm4Gcm {
 public:
  static constexpr size_t kIvSize = 12;
  static constexpr size_t kTagSize = 16;
  static constexpr size_t kOverhead = kIvSize + kTagSize;

  // key must be exactly 16 bytes (kInvalidArgument otherwise). The key bytes are not kept
  // outside libgcrypt's context, which wipes them on destruction.
  static Result<Sm4Gcm> Create(std::string_view key);

  Sm4Gcm(Sm4Gcm&& other) noexcept;
  Sm4Gcm& operator=(Sm4Gcm&& other) noexcept;
  Sm4Gcm(const Sm4Gcm&) = delete;
  Sm4Gcm& operator=(const Sm4Gcm&) = delete;
  ~Sm4Gcm();

  // Seals plaintext into *out (overwritten; its capacity is reused, so keeping one buffer per
  // thread avoids allocation). plaintext/aad must not alias *out.
  Status Encrypt(std::string_view plaintext, std::string_view aad, std::string* out);
  Result<std::string> Encrypt(std::string_view plaintext, std::string_view aad);

  // As Encrypt but with a caller-chosen 12-byte IV: for known-answer tests and interop only.
  // Reusing an IV under the same key destroys GCM's confidentiality and integrity.
  Status EncryptWithIv(std::string_view iv, std::string_view plaintext, std::string_view aad,
                       std::string* out);

  // Opens a sealed value into *out. On any failure *out is left empty (no unauthenticated
  // plaintext escapes). kCorruption if sealed is shorter than kOverhead or does not
  // authenticate under this key and aad.
  Status Decrypt(std::string_view sealed, std::string_view aad, std::string* out);
  Result<std::string> Decrypt(std::string_view sealed, std::string_view aad);

 private:
  explicit Sm4Gcm(gcry_cipher_handle* hd);
  void RefreshIvSource();

  gcry_cipher_handle* hd_ = nullptr;
  uint32_t iv_prefix_ = 0;
  uint64_t iv_counter_ = 0;
  uint32_t iv_remaining_ = 0;     // encryptions left before the IV source is re-drawn
  uint64_t fork_generation_ = 0;  // process fork count seen when the IV source was drawn
};

// Wraps a data key (any length, typically 16 or 32 bytes) under a 16-byte master key with
// SM4-GCM and the fixed AAD "yishu-key-wrap-v1". Output: the sealed format above. Thread-safe
// (opens its own handle; key wrapping is not a hot path).
Result<std::string> WrapKey(std::string_view master, std::string_view key);
// Inverse of WrapKey. kCorruption on a wrong master key or a damaged wrapped key;
// kInvalidArgument on a master key of the wrong length.
Result<std::string> UnwrapKey(std::string_view master, std::string_view wrapped);

// Raw SM4 without padding or authentication, for interoperability with systems that mandate
// them and for the standard test vectors. data must be a multiple of 16 bytes, iv 16 bytes
// (kInvalidArgument otherwise). Never use these to protect stored data: use Sm4Gcm.
// Thread-safe (one handle per call).
Result<std::string> Sm4EcbEncrypt(std::string_view key, std::string_view data);
Result<std::string> Sm4EcbDecrypt(std::string_view key, std::string_view data);
Result<std::string> Sm4CbcEncrypt(std::string_view key, std::string_view iv, std::string_view data);
Result<std::string> Sm4CbcDecrypt(std::string_view key, std::string_view iv, std::string_view data);

}  // namespace yishu::crypto

// Library set-up and small byte helpers shared by the SM2/SM3/SM4 wrappers.
//
// Everything in yishu::crypto is built on libgcrypt. InitLibgcrypt() is called lazily by every
// entry point of this module, so callers never need to call it; calling it early (e.g. in main)
// only moves the one-time cost and surfaces a library mismatch at start-up.
//
// Byte strings travel as std::string / std::string_view holding raw bytes (not text).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace yishu::crypto {

// Initialises libgcrypt exactly once per process. Idempotent and thread-safe. If the host
// application already initialised libgcrypt, it is left as configured. Secure memory is disabled
// (see util.cpp for why); secrets are wiped explicitly instead. Aborts the process if the
// installed libgcrypt is older than the headers we were built against (nothing can work then).
void InitLibgcrypt();

// n bytes from libgcrypt's CSPRNG (GCRY_STRONG_RANDOM). Thread-safe. Suitable for keys, salts
// and tokens; comparatively slow (~µs), so hot paths (GCM IVs) use other constructions.
std::string RandomBytes(size_t n);

// Lower-case hex. FromHex accepts upper or lower case; fails with kInvalidArgument on an odd
// length or a non-hex character.
std::string ToHex(std::string_view bytes);
Result<std::string> FromHex(std::string_view hex);

// Standard base64 (RFC 4648, with padding). FromBase64 ignores ASCII whitespace (so PEM bodies
// can be passed as they are) and fails with kInvalidArgument on anything else malformed.
std::string ToBase64(std::string_view bytes);
Result<std::string> FromBase64(std::string_view text);

// Compares two byte strings in time that depends only on their lengths, never on where they
// differ: use it for MACs, tags, tokens and password hashes. Different lengths compare unequal
// (lengths are not secret in any of our uses).
bool ConstantTimeEqual(std::string_view a, std::string_view b);

// Overwrites the whole buffer of s (including spare capacity) with zeros in a way the compiler
// cannot elide, then clears it. Copies made earlier (e.g. by reallocation) are out of reach;
// keep secrets in SecretString from the start to limit them.
void Wipe(std::string& s);

// A std::string holding a secret (key, password, private scalar) that is wiped on destruction
// and on reassignment. Move-only so that secrets are not silently duplicated. Not thread-safe
// (like std::string).
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string s) : s_(std::move(s)) {}
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  SecretString(SecretString&& other) noexcept : s_(std::move(other.s_)) { Wipe(other.s_); }
  SecretString& operator=(SecretString&& other) noexcept {
    if (this != &other) {
      Wipe(s_);
      s_ = std::move(other.s_);
      Wipe(other.s_);
    }
    return *this;
  }
  ~SecretString() { Wipe(s_); }

  std::string_view view() const { return s_; }
  const std::string& str() const { return s_; }
  std::string* mutable_str() { return &s_; }
  size_t size() const { return s_.size(); }
  bool empty() const { return s_.empty(); }

 private:
  std::string s_;
};

// Maps a libgcrypt error to a Status (kInternal unless a better code is known) with the given
// context, e.g. GcryStatus(err, "sm4 setkey"). Exposed for the other files of this module.
Status GcryStatus(unsigned int gcry_err, std::string_view context);

}  // namespace yishu::crypto

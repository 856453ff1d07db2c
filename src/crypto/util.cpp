#include "crypto/util.hpp"

#include <gcrypt.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace yishu::crypto {

void InitLibgcrypt() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Another component of the process (a library linked with us) may have initialised libgcrypt
    // already; a second initialisation sequence is an error in libgcrypt's protocol.
    if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
      if (!gcry_check_version(GCRYPT_VERSION)) {
        std::fprintf(stderr, "yishu: libgcrypt %s is older than the %s we were built with\n",
                     gcry_check_version(nullptr), GCRYPT_VERSION);
        std::abort();
      }
      // No secure-memory pool: it needs mlock privileges (often missing in containers), is a
      // fixed size shared by every cipher handle (one Sm4Gcm per thread would exhaust it under
      // load), and swap is expected to be encrypted on a government host anyway. We wipe secrets
      // ourselves (Wipe, SecretString) and libgcrypt wipes its own key schedules on close.
      gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
      gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    }
    // In FIPS mode libgcrypt refuses the SM algorithms; every later call would fail, so say why
    // once, at start-up, instead of failing per request.
    if (gcry_md_test_algo(GCRY_MD_SM3) || gcry_cipher_test_algo(GCRY_CIPHER_SM4) ||
        gcry_pk_test_algo(GCRY_PK_ECC)) {
      std::fprintf(stderr, "yishu: libgcrypt %s lacks SM3/SM4/ECC (FIPS mode?)\n",
                   gcry_check_version(nullptr));
      std::abort();
    }
  });
}

std::string RandomBytes(size_t n) {
  InitLibgcrypt();
  std::string out(n, '\0');
  if (n > 0) gcry_randomize(out.data(), n, GCRY_STRONG_RANDOM);
  return out;
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0xf];
  }
  return out;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

Result<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return Status::InvalidArgument("hex string has an odd length");
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("not a hex string (bad character at offset " +
                                     std::to_string(hi < 0 ? 2 * i : 2 * i + 1) + ")");
    }
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

std::string ToBase64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += rest == 2 ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Result<std::string> FromBase64(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  int pad = 0;
  size_t symbols = 0;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++pad;
      ++symbols;
      continue;
    }
    const char* p = std::strchr(kB64, c);
    if (c == '\0' || p == nullptr || pad > 0) {
      return Status::InvalidArgument("malformed base64");
    }
    acc = (acc << 6) | static_cast<uint32_t>(p - kB64);
    bits += 6;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (symbols % 4 != 0 || pad > 2) return Status::InvalidArgument("malformed base64 (length)");
  return out;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  // volatile keeps the compiler from turning the loop into an early-exit memcmp.
  volatile unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]));
  }
  return diff == 0;
}

void Wipe(std::string& s) {
  // Growing to capacity() never reallocates, and makes the spare bytes part of the string so
  // that writing them is well-defined.
  s.resize(s.capacity());
  if (!s.empty()) explicit_bzero(s.data(), s.size());
  s.clear();
}

Status GcryStatus(unsigned int gcry_err, std::string_view context) {
  std::string msg(context);
  msg += ": ";
  msg += gcry_strsource(gcry_err);
  msg += "/";
  msg += gcry_strerror(gcry_err);
  switch (gcry_err_code(gcry_err)) {
    case GPG_ERR_CHECKSUM:
    case GPG_ERR_BAD_SIGNATURE:
      return Status::Corruption(std::move(msg));
    case GPG_ERR_INV_KEYLEN:
    case GPG_ERR_INV_ARG:
    case GPG_ERR_INV_LENGTH:
    case GPG_ERR_INV_OBJ:
    case GPG_ERR_BAD_PUBKEY:
    case GPG_ERR_BAD_SECKEY:
    case GPG_ERR_BROKEN_PUBKEY:
    case GPG_ERR_BROKEN_SECKEY:
      return Status::InvalidArgument(std::move(msg));
    default:
      return Status::Internal(std::move(msg));
  }
}

}  // namespace yishu::crypto

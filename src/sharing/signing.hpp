// SM2-signed requests from application credentials.
//
// A signed request carries
//     Authorization: YISHU-SM2 credential=<id>,timestamp=<unix millis>,nonce=<16-64 hex>,
//                    signature=<128 hex: r||s>
// and the signature is SM2 (ID kSm2DefaultId) over the canonical form
//     "YISHU-SM2-V1\n" METHOD "\n" PATH "\n" QUERY "\n" TIMESTAMP "\n" NONCE "\n" hex(SM3(body))
// PATH is the decoded path; QUERY the decoded parameters sorted by name, each name=value with
// both percent-encoded (RFC 3986 unreserved characters kept), joined with '&'. Everything a
// server acts on is covered, so a tampered path, parameter or body fails verification.
// The timestamp must be within the allowed skew of the server clock and the nonce unused by
// that credential within the window (the sharing store records nonces), so a captured request
// cannot be replayed.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace yishu::sharing {

inline constexpr std::string_view kSm2Scheme = "YISHU-SM2";

struct SignedAuthorization {
  std::string credential;
  int64_t timestamp_millis = 0;
  std::string nonce;      // hex
  std::string signature;  // 64 raw bytes
};

// Parses the value of an Authorization header in the YISHU-SM2 scheme (strict: every part
// exactly once, nothing else); Unauthenticated naming the problem.
Result<SignedAuthorization> ParseSignedAuthorization(std::string_view header);

std::string CanonicalRequest(std::string_view method, std::string_view path,
                             const std::map<std::string, std::string>& query,
                             int64_t timestamp_millis, std::string_view nonce,
                             std::string_view body);

// The header value for a request (clients and tests).
Result<std::string> SignRequest(std::string_view credential, std::string_view private_key_hex,
                                std::string_view method, std::string_view path,
                                const std::map<std::string, std::string>& query,
                                std::string_view body, int64_t timestamp_millis,
                                std::string_view nonce_hex);

}  // namespace yishu::sharing

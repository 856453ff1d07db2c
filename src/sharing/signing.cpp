#include "sharing/signing.hpp"

#include "common/strings.hpp"
#include "crypto/sm2.hpp"
#include "crypto/sm3.hpp"
#include "crypto/util.hpp"

namespace yishu::sharing {

namespace {

bool IsHex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

}  // namespace

Result<SignedAuthorization> ParseSignedAuthorization(std::string_view header) {
  if (!StartsWith(header, kSm2Scheme) || header.size() <= kSm2Scheme.size() ||
      header[kSm2Scheme.size()] != ' ')
    return Status::Unauthenticated("Authorization is not in the YISHU-SM2 scheme");
  std::map<std::string, std::string> parts;
  for (const auto& part : Split(header.substr(kSm2Scheme.size() + 1), ',')) {
    std::string_view p = Trim(part);
    auto eq = p.find('=');
    if (eq == std::string_view::npos)
      return Status::Unauthenticated("YISHU-SM2 authorization part without '=': " +
                                     std::string(p.substr(0, 40)));
    std::string name(p.substr(0, eq));
    if (name != "credential" && name != "timestamp" && name != "nonce" && name != "signature")
      return Status::Unauthenticated("YISHU-SM2 authorization has an unknown part '" +
                                     name.substr(0, 40) + "'");
    if (!parts.emplace(name, std::string(p.substr(eq + 1))).second)
      return Status::Unauthenticated("YISHU-SM2 authorization repeats '" + name + "'");
  }
  if (parts.size() != 4)
    return Status::Unauthenticated(
        "YISHU-SM2 authorization needs credential, timestamp, nonce and signature");
  SignedAuthorization a;
  a.credential = parts["credential"];
  if (!ParseInt64(parts["timestamp"], &a.timestamp_millis) || a.timestamp_millis <= 0)
    return Status::Unauthenticated("YISHU-SM2 timestamp must be Unix milliseconds");
  a.nonce = ToLowerAscii(parts["nonce"]);
  if (a.nonce.size() < 16 || a.nonce.size() > 64 || !IsHex(a.nonce))
    return Status::Unauthenticated("YISHU-SM2 nonce must be 16 to 64 hex characters");
  const std::string& sig = parts["signature"];
  if (sig.size() != 128 || !IsHex(sig))
    return Status::Unauthenticated("YISHU-SM2 signature must be 128 hex characters (r||s)");
  a.signature = crypto::FromHex(sig).value();
  return a;
}

std::string CanonicalRequest(std::string_view method, std::string_view path,
                             const std::map<std::string, std::string>& query,
                             int64_t timestamp_millis, std::string_view nonce,
                             std::string_view body) {
  std::string q;
  for (const auto& [k, v] : query) {
    if (!q.empty()) q += '&';
    q += PercentEncode(k) + "=" + PercentEncode(v);
  }
  std::string out = "YISHU-SM2-V1\n";
  out.append(method).append("\n").append(path).append("\n").append(q).append("\n");
  out += std::to_string(timestamp_millis) + "\n";
  out.append(ToLowerAscii(nonce)).append("\n");
  out += crypto::ToHex(crypto::Sm3(body));
  return out;
}

Result<std::string> SignRequest(std::string_view credential, std::string_view private_key_hex,
                                std::string_view method, std::string_view path,
                                const std::map<std::string, std::string>& query,
                                std::string_view body, int64_t timestamp_millis,
                                std::string_view nonce_hex) {
  std::string canonical = CanonicalRequest(method, path, query, timestamp_millis, nonce_hex, body);
  YISHU_ASSIGN_OR_RETURN(std::string sig, crypto::Sm2Sign(private_key_hex, canonical));
  return std::string(kSm2Scheme) + " credential=" + std::string(credential) +
         ",timestamp=" + std::to_string(timestamp_millis) + ",nonce=" + ToLowerAscii(nonce_hex) +
         ",signature=" + crypto::ToHex(sig);
}

}  // namespace yishu::sharing

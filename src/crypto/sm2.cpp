#include "crypto/sm2.hpp"

#include <gcrypt.h>

#include <cstring>
#include <memory>

#include "crypto/sm3.hpp"

namespace yishu::crypto {
namespace {

constexpr std::string_view kCurve = "sm2p256v1";
constexpr size_t kFieldSize = 32;

// a || b || xG || yG of sm2p256v1 (GB/T 32918.5-2017), the fixed middle part of Z_A.
constexpr std::string_view kCurveParamsHex =
    "fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc"
    "28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93"
    "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7"
    "bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0";
// The group order n. Private keys must lie in [1, n-2] because signing inverts (1 + d) mod n.
constexpr std::string_view kOrderHex =
    "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123";

// DER SubjectPublicKeyInfo header for an uncompressed sm2p256v1 point:
// SEQUENCE { SEQUENCE { OID id-ecPublicKey, OID sm2p256v1 }, BIT STRING (0 unused bits) ... }
constexpr std::string_view kSpkiPrefixHex = "3059301306072a8648ce3d020106082a811ccf5501822d034200";

struct SexpDeleter {
  void operator()(gcry_sexp_t s) const { gcry_sexp_release(s); }
};
struct MpiDeleter {
  void operator()(gcry_mpi_t m) const { gcry_mpi_release(m); }
};
struct PointDeleter {
  void operator()(gcry_mpi_point_t p) const { gcry_mpi_point_release(p); }
};
struct CtxDeleter {
  void operator()(gcry_ctx_t c) const { gcry_ctx_release(c); }
};
using Sexp = std::unique_ptr<gcry_sexp, SexpDeleter>;
using Mpi = std::unique_ptr<gcry_mpi, MpiDeleter>;
using Point = std::unique_ptr<gcry_mpi_point, PointDeleter>;
using Ctx = std::unique_ptr<gcry_context, CtxDeleter>;

const std::string& CurveParams() {
  static const std::string params = FromHex(kCurveParamsHex).value();
  return params;
}

Mpi MpiFromBytes(std::string_view bytes) {
  gcry_mpi_t m = nullptr;
  gcry_mpi_scan(&m, GCRYMPI_FMT_USG, bytes.data(), bytes.size(), nullptr);
  return Mpi(m);
}

Mpi MpiFromHexConst(std::string_view hex) {
  return MpiFromBytes(FromHex(hex).value());
}

// Big-endian, left-padded to exactly 32 bytes.
Result<std::string> MpiTo32(gcry_mpi_t m) {
  unsigned char buf[kFieldSize + 1];
  size_t written = 0;
  gcry_error_t err = gcry_mpi_print(GCRYMPI_FMT_USG, buf, sizeof buf, &written, m);
  if (err) return GcryStatus(err, "gcry_mpi_print");
  if (written > kFieldSize) return Status::Internal("SM2 value wider than 32 bytes");
  std::string out(kFieldSize - written, '\0');
  out.append(reinterpret_cast<char*>(buf), written);
  explicit_bzero(buf, sizeof buf);
  return out;
}

// Decodes and range-checks a private key: d in [1, n-2].
Result<SecretString> ParsePrivateKey(std::string_view private_key_hex) {
  if (private_key_hex.size() != 2 * kFieldSize) {
    return Status::InvalidArgument("SM2 private key must be 64 hex characters");
  }
  Result<std::string> d = FromHex(private_key_hex);
  if (!d.ok()) return d.status().WithContext("SM2 private key");
  SecretString secret(std::move(d).value());
  Mpi dm = MpiFromBytes(secret.view());
  Mpi n_minus_1 = MpiFromHexConst(kOrderHex);
  gcry_mpi_sub_ui(n_minus_1.get(), n_minus_1.get(), 1);
  if (gcry_mpi_cmp_ui(dm.get(), 0) == 0 || gcry_mpi_cmp(dm.get(), n_minus_1.get()) >= 0) {
    return Status::InvalidArgument("SM2 private key out of range [1, n-2]");
  }
  return secret;
}

// Decodes a public key to the 65-byte uncompressed point. Only the shape is checked here; curve
// membership is checked by libgcrypt when verifying and by CheckOnCurve for PEM conversion.
Result<std::string> ParsePublicKey(std::string_view public_key_hex) {
  Result<std::string> q = FromHex(public_key_hex);
  if (!q.ok()) return q.status().WithContext("SM2 public key");
  std::string point = std::move(q).value();
  if (point.size() == 2 * kFieldSize) point.insert(point.begin(), '\x04');
  if (point.size() != 1 + 2 * kFieldSize || point[0] != '\x04') {
    return Status::InvalidArgument("SM2 public key must be an uncompressed point 04||X||Y");
  }
  return point;
}

Result<Ctx> NewCurveCtx() {
  gcry_ctx_t raw_ctx = nullptr;
  gcry_error_t err = gcry_mpi_ec_new(&raw_ctx, nullptr, kCurve.data());
  if (err) return GcryStatus(err, "gcry_mpi_ec_new(sm2p256v1)");
  return Ctx(raw_ctx);
}

// Checks that the point lies on sm2p256v1 (and is not the point at infinity).
Status CheckOnCurve(std::string_view point) {
  YISHU_ASSIGN_OR_RETURN(Ctx ctx, NewCurveCtx());
  Point q(gcry_mpi_point_set(nullptr, MpiFromBytes(point.substr(1, kFieldSize)).get(),
                             MpiFromBytes(point.substr(1 + kFieldSize)).get(),
                             Mpi(gcry_mpi_set_ui(nullptr, 1)).get()));
  if (!gcry_mpi_ec_curve_point(q.get(), ctx.get())) {
    return Status::InvalidArgument("SM2 public key is not a point on sm2p256v1");
  }
  return Status::Ok();
}

Result<std::string> ZaFromPoint(std::string_view point, std::string_view id) {
  if (id.size() > 8191) return Status::InvalidArgument("SM2 ID longer than 8191 bytes");
  const uint16_t entl = static_cast<uint16_t>(id.size() * 8);
  const char entl_bytes[2] = {static_cast<char>(entl >> 8), static_cast<char>(entl & 0xff)};
  Sm3Hasher h;
  h.Update(std::string_view(entl_bytes, 2))
      .Update(id)
      .Update(CurveParams())
      .Update(point.substr(1));
  return h.Final();
}

// An MPI flagged "secure": libgcrypt then multiplies points by it with its constant-time
// double-and-add-always ladder (a plain MPI takes a faster, secret-dependent path), and the
// limbs are wiped when released.
Mpi SecretMpi(std::string_view bytes) {
  Mpi m = MpiFromBytes(bytes);
  gcry_mpi_set_flag(m.get(), GCRYMPI_FLAG_SECURE);
  return m;
}

// Public point (65 bytes, 04||X||Y) of a private scalar.
Result<std::string> PointFromPrivate(gcry_ctx_t ctx, gcry_mpi_t d) {
  Point g(gcry_mpi_ec_get_point("g", ctx, 1));
  Point q(gcry_mpi_point_new(0));
  gcry_mpi_ec_mul(q.get(), d, g.get(), ctx);
  Mpi x(gcry_mpi_new(0)), y(gcry_mpi_new(0));
  if (gcry_mpi_ec_get_affine(x.get(), y.get(), q.get(), ctx)) {
    return Status::Internal("SM2 public key is the point at infinity");
  }
  YISHU_ASSIGN_OR_RETURN(std::string xb, MpiTo32(x.get()));
  YISHU_ASSIGN_OR_RETURN(std::string yb, MpiTo32(y.get()));
  return "\x04" + xb + yb;
}

Result<std::string> PointFromPrivate(const SecretString& d) {
  YISHU_ASSIGN_OR_RETURN(Ctx ctx, NewCurveCtx());
  Mpi dm = SecretMpi(d.view());
  return PointFromPrivate(ctx.get(), dm.get());
}

// The SM2 signing equation for one nonce k (GB/T 32918.2 §6.1 steps A4-A7):
//   (x1, y1) = [k]G;  r = (e + x1) mod n;  s = (1 + d)^-1 * (k - r*d) mod n.
// Returns an empty string when this k must be discarded (r = 0, r + k = n, or s = 0).
Result<std::string> SignWithK(gcry_ctx_t ctx, gcry_mpi_t d, gcry_mpi_t d1inv, gcry_mpi_t e,
                              gcry_mpi_t k) {
  Mpi n(gcry_mpi_ec_get_mpi("n", ctx, 1));
  Point g(gcry_mpi_ec_get_point("g", ctx, 1));
  Point kg(gcry_mpi_point_new(0));
  gcry_mpi_ec_mul(kg.get(), k, g.get(), ctx);
  Mpi x1(gcry_mpi_new(0));
  if (gcry_mpi_ec_get_affine(x1.get(), nullptr, kg.get(), ctx)) return std::string();
  Mpi r(gcry_mpi_new(0)), s(gcry_mpi_snew(0)), t(gcry_mpi_snew(0));
  gcry_mpi_addm(r.get(), e, x1.get(), n.get());
  gcry_mpi_add(t.get(), r.get(), k);
  if (gcry_mpi_cmp_ui(r.get(), 0) == 0 || gcry_mpi_cmp(t.get(), n.get()) == 0) {
    return std::string();
  }
  gcry_mpi_mulm(t.get(), r.get(), d, n.get());
  gcry_mpi_subm(t.get(), k, t.get(), n.get());
  gcry_mpi_mulm(s.get(), d1inv, t.get(), n.get());
  if (gcry_mpi_cmp_ui(s.get(), 0) == 0) return std::string();
  YISHU_ASSIGN_OR_RETURN(std::string rb, MpiTo32(r.get()));
  YISHU_ASSIGN_OR_RETURN(std::string sb, MpiTo32(s.get()));
  return rb + sb;
}

// (1 + d)^-1 mod n, kept secret like d.
Mpi InverseOnePlusD(gcry_ctx_t ctx, gcry_mpi_t d) {
  Mpi n(gcry_mpi_ec_get_mpi("n", ctx, 1));
  Mpi inv(gcry_mpi_snew(0));
  gcry_mpi_add_ui(inv.get(), d, 1);
  gcry_mpi_invm(inv.get(), inv.get(), n.get());
  return inv;
}

}  // namespace

Result<Sm2KeyPair> Sm2GenerateKey() {
  InitLibgcrypt();
  gcry_sexp_t raw = nullptr;
  gcry_error_t err = gcry_sexp_build(&raw, nullptr, "(genkey (ecc (curve %s)))", kCurve.data());
  if (err) return GcryStatus(err, "SM2 genkey s-expression");
  Sexp params(raw);
  // libgcrypt draws d in [1, n-1]; n-1 is not a valid SM2 key, so the (2^-256) case retries.
  for (int attempt = 0; attempt < 8; ++attempt) {
    err = gcry_pk_genkey(&raw, params.get());
    if (err) return GcryStatus(err, "SM2 genkey");
    Sexp pair(raw);
    gcry_mpi_t d = nullptr;
    err = gcry_sexp_extract_param(pair.get(), "private-key", "d", &d, nullptr);
    if (err) return GcryStatus(err, "SM2 genkey result");
    Mpi dm(d);
    YISHU_ASSIGN_OR_RETURN(std::string d_bytes, MpiTo32(dm.get()));
    SecretString d_hex(ToHex(d_bytes));
    Wipe(d_bytes);
    Result<SecretString> checked = ParsePrivateKey(d_hex.view());
    if (!checked.ok()) continue;
    YISHU_ASSIGN_OR_RETURN(std::string q, PointFromPrivate(*checked));
    Sm2KeyPair kp;
    kp.private_key_hex = d_hex.str();
    kp.public_key_hex = ToHex(q);
    return kp;
  }
  return Status::Internal("SM2 key generation kept producing out-of-range keys");
}

Result<std::string> Sm2PublicKeyFromPrivate(std::string_view private_key_hex) {
  InitLibgcrypt();
  YISHU_ASSIGN_OR_RETURN(SecretString d, ParsePrivateKey(private_key_hex));
  YISHU_ASSIGN_OR_RETURN(std::string q, PointFromPrivate(d));
  return ToHex(q);
}

Result<std::string> Sm2ComputeZa(std::string_view public_key_hex, std::string_view id) {
  InitLibgcrypt();
  YISHU_ASSIGN_OR_RETURN(std::string q, ParsePublicKey(public_key_hex));
  return ZaFromPoint(q, id);
}

struct Sm2Signer::State {
  Ctx ctx;
  Mpi d;
  Mpi d1inv;  // (1 + d)^-1 mod n
  Mpi n;
  std::string za;
  std::string public_key_hex;
};

Sm2Signer::Sm2Signer(std::unique_ptr<State> s) : s_(std::move(s)) {}
Sm2Signer::Sm2Signer(Sm2Signer&&) noexcept = default;
Sm2Signer& Sm2Signer::operator=(Sm2Signer&&) noexcept = default;
Sm2Signer::~Sm2Signer() = default;  // MPI limbs are wiped by gcry_mpi_release

Result<Sm2Signer> Sm2Signer::Create(std::string_view private_key_hex, std::string_view id) {
  InitLibgcrypt();
  YISHU_ASSIGN_OR_RETURN(SecretString d, ParsePrivateKey(private_key_hex));
  auto state = std::make_unique<State>();
  YISHU_ASSIGN_OR_RETURN(state->ctx, NewCurveCtx());
  state->d = SecretMpi(d.view());
  state->d1inv = InverseOnePlusD(state->ctx.get(), state->d.get());
  state->n = Mpi(gcry_mpi_ec_get_mpi("n", state->ctx.get(), 1));
  YISHU_ASSIGN_OR_RETURN(std::string q, PointFromPrivate(state->ctx.get(), state->d.get()));
  YISHU_ASSIGN_OR_RETURN(state->za, ZaFromPoint(q, id));
  state->public_key_hex = ToHex(q);
  return Sm2Signer(std::move(state));
}

const std::string& Sm2Signer::public_key_hex() const {
  return s_->public_key_hex;
}

Result<std::string> Sm2Signer::Sign(std::string_view message) {
  assert(s_ && "use of a moved-from Sm2Signer");
  const std::string e = Sm3Hasher().Update(s_->za).Update(message).Final();
  Mpi em = MpiFromBytes(e);
  Mpi k(gcry_mpi_snew(256));
  // k uniform in [1, n-1] by rejection (never by reduction mod n: biased nonces leak the key).
  // GCRY_STRONG_RANDOM, as libgcrypt uses for ECDSA nonces; its SM2 code asks for
  // VERY_STRONG, which costs ~3 ms per signature here for no practical gain.
  for (int attempt = 0; attempt < 64; ++attempt) {
    gcry_mpi_randomize(k.get(), 256, GCRY_STRONG_RANDOM);
    if (gcry_mpi_cmp_ui(k.get(), 0) == 0 || gcry_mpi_cmp(k.get(), s_->n.get()) >= 0) continue;
    YISHU_ASSIGN_OR_RETURN(
        std::string sig, SignWithK(s_->ctx.get(), s_->d.get(), s_->d1inv.get(), em.get(), k.get()));
    if (!sig.empty()) return sig;
  }
  return Status::Internal("SM2 sign: no usable nonce after 64 attempts");
}

Result<std::string> Sm2Sign(std::string_view private_key_hex, std::string_view message,
                            std::string_view id) {
  YISHU_ASSIGN_OR_RETURN(Sm2Signer signer, Sm2Signer::Create(private_key_hex, id));
  return signer.Sign(message);
}

Status Sm2Verify(std::string_view public_key_hex, std::string_view message,
                 std::string_view signature, std::string_view id) {
  InitLibgcrypt();
  YISHU_ASSIGN_OR_RETURN(std::string q, ParsePublicKey(public_key_hex));
  std::string raw_sig;
  if (signature.size() == kSm2SignatureSize) {
    raw_sig = std::string(signature);
  } else {
    Result<std::string> from_der = Sm2SignatureFromDer(signature);
    if (!from_der.ok()) {
      return Status::Corruption("SM2 signature is neither 64 bytes r||s nor DER");
    }
    raw_sig = std::move(from_der).value();
  }
  // r and s must lie in [1, n-1]; libgcrypt 1.10 lets r = n through (it then fails the equation
  // anyway, but the range check is part of the standard's verification steps).
  Mpi n = MpiFromHexConst(kOrderHex);
  Mpi r = MpiFromBytes(std::string_view(raw_sig).substr(0, kFieldSize));
  Mpi s = MpiFromBytes(std::string_view(raw_sig).substr(kFieldSize));
  for (gcry_mpi_t v : {r.get(), s.get()}) {
    if (gcry_mpi_cmp_ui(v, 0) == 0 || gcry_mpi_cmp(v, n.get()) >= 0) {
      return Status::Corruption("SM2 signature value out of range");
    }
  }
  YISHU_ASSIGN_OR_RETURN(std::string za, ZaFromPoint(q, id));
  const std::string e = Sm3Hasher().Update(za).Update(message).Final();

  gcry_sexp_t raw = nullptr;
  gcry_error_t err = gcry_sexp_build(&raw, nullptr, "(public-key (ecc (curve %s) (q %b)))",
                                     kCurve.data(), static_cast<int>(q.size()), q.data());
  if (err) return GcryStatus(err, "SM2 public key s-expression");
  Sexp key(raw);
  err = gcry_sexp_build(&raw, nullptr, "(data (flags sm2) (hash sm3 %b))",
                        static_cast<int>(e.size()), e.data());
  if (err) return GcryStatus(err, "SM2 data s-expression");
  Sexp data(raw);
  err = gcry_sexp_build(&raw, nullptr, "(sig-val (sm2 (r %m) (s %m)))", r.get(), s.get());
  if (err) return GcryStatus(err, "SM2 signature s-expression");
  Sexp sig(raw);
  err = gcry_pk_verify(sig.get(), data.get(), key.get());
  if (!err) return Status::Ok();
  switch (gcry_err_code(err)) {
    case GPG_ERR_BAD_SIGNATURE:
      return Status::Corruption("SM2 signature does not verify");
    case GPG_ERR_BROKEN_PUBKEY:
    case GPG_ERR_BAD_PUBKEY:
    case GPG_ERR_INV_OBJ:
      return Status::InvalidArgument("SM2 public key is not a point on sm2p256v1");
    default:
      return GcryStatus(err, "SM2 verify");
  }
}

Result<std::string> Sm2SignatureToDer(std::string_view raw) {
  if (raw.size() != kSm2SignatureSize) {
    return Status::InvalidArgument("SM2 raw signature must be 64 bytes");
  }
  auto encode_int = [](std::string_view v) {
    size_t i = 0;
    while (i + 1 < v.size() && v[i] == '\0') ++i;
    std::string body(v.substr(i));
    if (static_cast<unsigned char>(body[0]) & 0x80) body.insert(body.begin(), '\0');
    std::string out = {'\x02', static_cast<char>(body.size())};
    return out + body;
  };
  std::string content = encode_int(raw.substr(0, kFieldSize)) + encode_int(raw.substr(kFieldSize));
  std::string der = {'\x30', static_cast<char>(content.size())};
  return der + content;
}

Result<std::string> Sm2SignatureFromDer(std::string_view der) {
  auto bad = [] { return Status::InvalidArgument("malformed DER SM2 signature"); };
  // Both INTEGERs fit in 33 bytes, so every length here is a one-byte short form.
  if (der.size() < 8 || der[0] != '\x30' || static_cast<unsigned char>(der[1]) != der.size() - 2) {
    return bad();
  }
  std::string raw;
  size_t pos = 2;
  for (int i = 0; i < 2; ++i) {
    if (pos + 2 > der.size() || der[pos] != '\x02') return bad();
    size_t len = static_cast<unsigned char>(der[pos + 1]);
    pos += 2;
    if (len == 0 || len > kFieldSize + 1 || pos + len > der.size()) return bad();
    std::string_view v = der.substr(pos, len);
    pos += len;
    if (static_cast<unsigned char>(v[0]) & 0x80) return bad();  // negative
    // Strict DER: a leading zero only when the next byte's top bit is set.
    if (v.size() > 1 && v[0] == '\0' && !(static_cast<unsigned char>(v[1]) & 0x80)) return bad();
    if (v[0] == '\0') v.remove_prefix(1);
    if (v.size() > kFieldSize) return bad();
    raw.append(kFieldSize - v.size(), '\0');
    raw.append(v);
  }
  if (pos != der.size()) return bad();
  return raw;
}

Result<std::string> Sm2PublicKeyToPem(std::string_view public_key_hex) {
  InitLibgcrypt();
  YISHU_ASSIGN_OR_RETURN(std::string q, ParsePublicKey(public_key_hex));
  YISHU_RETURN_IF_ERROR(CheckOnCurve(q));
  const std::string b64 = ToBase64(FromHex(kSpkiPrefixHex).value() + q);
  std::string pem = "-----BEGIN PUBLIC KEY-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) {
    pem.append(b64, i, 64);
    pem += '\n';
  }
  pem += "-----END PUBLIC KEY-----\n";
  return pem;
}

Result<std::string> Sm2PublicKeyFromPem(std::string_view pem) {
  InitLibgcrypt();
  constexpr std::string_view kBegin = "-----BEGIN PUBLIC KEY-----";
  constexpr std::string_view kEnd = "-----END PUBLIC KEY-----";
  size_t b = pem.find(kBegin);
  size_t e = pem.find(kEnd);
  if (b == std::string_view::npos || e == std::string_view::npos || e < b) {
    return Status::InvalidArgument("not a PEM public key");
  }
  b += kBegin.size();
  YISHU_ASSIGN_OR_RETURN(std::string der, FromBase64(pem.substr(b, e - b)));
  const std::string prefix = FromHex(kSpkiPrefixHex).value();
  // prefix ends with the BIT STRING's "0 unused bits" byte; the point follows.
  if (der.size() != prefix.size() + 1 + 2 * kFieldSize ||
      std::string_view(der).substr(0, prefix.size()) != prefix || der[prefix.size()] != '\x04') {
    return Status::Unsupported("PEM key is not an uncompressed sm2p256v1 public key");
  }
  std::string q = der.substr(prefix.size());
  YISHU_RETURN_IF_ERROR(CheckOnCurve(q));
  return ToHex(q);
}

namespace internal {

Result<std::string> Sm2MessageDigest(std::string_view public_key_hex, std::string_view message,
                                     std::string_view id) {
  YISHU_ASSIGN_OR_RETURN(std::string za, Sm2ComputeZa(public_key_hex, id));
  return Sm3Hasher().Update(za).Update(message).Final();
}

Result<std::string> Sm2SignDigestWithK(std::string_view private_key_hex, std::string_view e,
                                       std::string_view k_hex) {
  InitLibgcrypt();
  YISHU_ASSIGN_OR_RETURN(SecretString d, ParsePrivateKey(private_key_hex));
  YISHU_ASSIGN_OR_RETURN(std::string k_bytes, FromHex(k_hex));
  if (e.size() != kSm3DigestSize) return Status::InvalidArgument("e must be 32 bytes");
  YISHU_ASSIGN_OR_RETURN(Ctx ctx, NewCurveCtx());
  Mpi dm = SecretMpi(d.view());
  Mpi k = SecretMpi(k_bytes);
  Mpi d1inv = InverseOnePlusD(ctx.get(), dm.get());
  YISHU_ASSIGN_OR_RETURN(
      std::string sig, SignWithK(ctx.get(), dm.get(), d1inv.get(), MpiFromBytes(e).get(), k.get()));
  if (sig.empty()) return Status::InvalidArgument("this k yields no valid signature");
  return sig;
}

}  // namespace internal

}  // namespace yishu::crypto

// SM2 digital signatures (GB/T 32918.2-2016) on the curve sm2p256v1, interoperable with
// GmSSL / OpenSSL 3 (`openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:...`).
//
// Keys travel as lower-case hex: the private key is the 32-byte scalar d (64 hex chars), the
// public key the uncompressed point 04||X||Y (130 hex chars; 128 hex chars without the 04 are
// also accepted on input). Signatures are 64 raw bytes r||s (each 32 bytes, big endian);
// Sm2Verify also accepts the DER form SEQUENCE{INTEGER r, INTEGER s} that OpenSSL emits.
//
// The signed value is e = SM3(Z_A || M), where
//     Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA)
// and ENTL is the bit length of the signer's ID (2 bytes, big endian). libgcrypt 1.10 does not
// compute Z_A (its "sm2" flag signs the given hash as e), so this module computes e itself.
//
// All functions are thread-safe (no shared state besides libgcrypt's own, which is locked).
// Failure modes: malformed or out-of-range keys, IDs longer than 8191 bytes: kInvalidArgument.
// A signature that is malformed or does not verify: kCorruption (for the audit trail both mean
// "this record cannot be trusted").
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "crypto/util.hpp"

namespace yishu::crypto {

// The ID that GM/T 0009-2012 prescribes when parties have not agreed on another; OpenSSL and
// GmSSL use it by default too.
inline constexpr std::string_view kSm2DefaultId = "1234567812345678";
inline constexpr size_t kSm2SignatureSize = 64;

struct Sm2KeyPair {
  std::string private_key_hex;  // d, 64 hex chars. A secret: Wipe() it when done.
  std::string public_key_hex;   // 04||X||Y, 130 hex chars
};

// A fresh key pair from libgcrypt's CSPRNG (GCRY_VERY_STRONG_RANDOM); d is in [1, n-2].
Result<Sm2KeyPair> Sm2GenerateKey();

// The public key (04||X||Y hex) that belongs to a private key.
Result<std::string> Sm2PublicKeyFromPrivate(std::string_view private_key_hex);

// Z_A (32 raw bytes) of a public key and signer ID, as defined above.
Result<std::string> Sm2ComputeZa(std::string_view public_key_hex,
                                 std::string_view id = kSm2DefaultId);

// Signs message with a fresh random k. Returns 64 bytes r||s. Derives the public key from the
// private one (needed for Z_A), which costs one extra scalar multiplication: to sign many
// messages with one key, use Sm2Signer.
Result<std::string> Sm2Sign(std::string_view private_key_hex, std::string_view message,
                            std::string_view id = kSm2DefaultId);

// One private key and signer ID, prepared once (key parsed and range-checked, public key, Z_A
// and (1+d)^-1 computed), so that each signature costs one scalar multiplication.
// k is drawn per signature from GCRY_STRONG_RANDOM, and the scalar multiplications by k and d
// use libgcrypt's constant-time (double-and-add-always) path. Not thread-safe (the libgcrypt EC
// context holds scratch state): one per thread. Move-only; the key is wiped on destruction.
class Sm2Signer {
 public:
  static Result<Sm2Signer> Create(std::string_view private_key_hex,
                                  std::string_view id = kSm2DefaultId);
  Sm2Signer(Sm2Signer&&) noexcept;
  Sm2Signer& operator=(Sm2Signer&&) noexcept;
  ~Sm2Signer();

  // 64 bytes r||s over e = SM3(Z_A || message).
  Result<std::string> Sign(std::string_view message);
  const std::string& public_key_hex() const;

 private:
  struct State;
  explicit Sm2Signer(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

// OK if signature (64 raw bytes, or DER) is a valid SM2 signature of message by the holder of
// public_key_hex with the given ID. kCorruption if not; kInvalidArgument for a bad public key.
Status Sm2Verify(std::string_view public_key_hex, std::string_view message,
                 std::string_view signature, std::string_view id = kSm2DefaultId);

// Signature encodings: 64-byte r||s <-> DER SEQUENCE{INTEGER r, INTEGER s} (strict DER).
Result<std::string> Sm2SignatureToDer(std::string_view raw);
Result<std::string> Sm2SignatureFromDer(std::string_view der);

// Public key as a PEM SubjectPublicKeyInfo (id-ecPublicKey with curve OID 1.2.156.10197.1.301),
// the form `openssl pkey -pubin` and GmSSL read; and back to 04||X||Y hex.
Result<std::string> Sm2PublicKeyToPem(std::string_view public_key_hex);
Result<std::string> Sm2PublicKeyFromPem(std::string_view pem);

namespace internal {
// Known-answer tests only: sign the 32-byte digest e with a caller-given nonce k (hex). A
// repeated or predictable k reveals the private key; production code never calls this.
Result<std::string> Sm2SignDigestWithK(std::string_view private_key_hex, std::string_view e,
                                       std::string_view k_hex);
// e = SM3(Z_A || message) for the given public key and ID.
Result<std::string> Sm2MessageDigest(std::string_view public_key_hex, std::string_view message,
                                     std::string_view id = kSm2DefaultId);
}  // namespace internal

}  // namespace yishu::crypto

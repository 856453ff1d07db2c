// Known-answer tests from /work/shared/data/gm-vectors/vectors.json plus behavioural tests of the
// SM4-GCM, key-wrap and SM2 wrappers. Interop with the openssl CLI runs when it is installed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "crypto/crypto.hpp"

namespace yishu::crypto {
namespace {

using nlohmann::json;

const json& Vectors() {
  static const json v = [] {
    std::ifstream in(std::string(YISHU_SHARED_DIR) + "/data/gm-vectors/vectors.json");
    EXPECT_TRUE(in.good()) << "cannot open gm-vectors/vectors.json under " << YISHU_SHARED_DIR;
    return json::parse(in);
  }();
  return v;
}

std::string Hex(const json& j) {
  return FromHex(j.get<std::string>()).value();
}

// A vector field given either as "<name>_ascii" or "<name>_hex".
std::string Bytes(const json& entry, const std::string& name) {
  if (entry.contains(name + "_ascii")) return entry[name + "_ascii"].get<std::string>();
  return Hex(entry.at(name + "_hex"));
}

std::string Flip(std::string s, size_t i) {
  s[i] = static_cast<char>(s[i] ^ 0x01);
  return s;
}

// ---------------------------------------------------------------- util

TEST(CryptoUtil, HexRoundTripAndErrors) {
  EXPECT_EQ(ToHex(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(FromHex("0001ABff").value(), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(FromHex("").value(), "");
  EXPECT_TRUE(FromHex("abc").status().Is(ErrorCode::kInvalidArgument));
  EXPECT_TRUE(FromHex("zz").status().Is(ErrorCode::kInvalidArgument));
}

TEST(CryptoUtil, Base64RoundTrip) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    EXPECT_EQ(FromBase64(ToBase64(s)).value(), s);
  }
  EXPECT_EQ(ToBase64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(ToBase64("fo"), "Zm8=");
  EXPECT_EQ(FromBase64("Zm9v\nYmFy\n").value(), "foobar");
  EXPECT_FALSE(FromBase64("Zm9").ok());
  EXPECT_FALSE(FromBase64("Zm9v!mFy").ok());
}

TEST(CryptoUtil, RandomBytesDiffer) {
  std::string a = RandomBytes(32);
  std::string b = RandomBytes(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(RandomBytes(0), "");
}

TEST(CryptoUtil, ConstantTimeEqual) {
  EXPECT_TRUE(ConstantTimeEqual("", ""));
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "bbc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "ab"));
  std::string mac = HmacSm3("k", "v");
  EXPECT_TRUE(ConstantTimeEqual(mac, HmacSm3("k", "v")));
  EXPECT_FALSE(ConstantTimeEqual(mac, Flip(mac, 31)));
}

TEST(CryptoUtil, WipeAndSecretString) {
  std::string s(100, 'x');
  Wipe(s);
  EXPECT_TRUE(s.empty());
  SecretString a(std::string("secret"));
  SecretString b(std::move(a));
  EXPECT_EQ(b.view(), "secret");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): wiped by design
}

TEST(CryptoUtil, InitIsIdempotentAcrossThreads) {
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; ++i) ts.emplace_back([] { InitLibgcrypt(); });
  for (auto& t : ts) t.join();
  InitLibgcrypt();
}

// ---------------------------------------------------------------- SM3 / HMAC-SM3

TEST(Sm3, Vectors) {
  const json& vs = Vectors().at("sm3");
  ASSERT_GE(vs.size(), 2u);
  for (const json& v : vs) {
    SCOPED_TRACE(v.at("id").get<std::string>());
    const std::string input = Bytes(v, "input");
    const std::string want = v.at("digest").get<std::string>();
    EXPECT_EQ(ToHex(Sm3(input)), want);
    char digest[kSm3DigestSize];
    Sm3To(input, digest);
    EXPECT_EQ(ToHex(std::string_view(digest, kSm3DigestSize)), want);
    Sm3Hasher h;
    for (char c : input) h.Update(std::string_view(&c, 1));
    EXPECT_EQ(ToHex(h.Final()), want);
    // Final resets the hasher.
    EXPECT_EQ(ToHex(h.Update(input).Final()), want);
  }
}

TEST(Sm3, EmptyAndLong) {
  // SM3("") from GmSSL / OpenSSL.
  EXPECT_EQ(ToHex(Sm3("")), "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b");
  std::string big(1 << 20, 'a');
  Sm3Hasher h;
  for (size_t i = 0; i < big.size(); i += 1000) h.Update(std::string_view(big).substr(i, 1000));
  EXPECT_EQ(h.Final(), Sm3(big));
}

TEST(HmacSm3, Vectors) {
  const json& vs = Vectors().at("hmac_sm3");
  ASSERT_GE(vs.size(), 4u);
  for (const json& v : vs) {
    SCOPED_TRACE(v.at("id").get<std::string>());
    const std::string key = Bytes(v, "key");
    const std::string input = Bytes(v, "input");
    const std::string want = v.at("mac").get<std::string>();
    EXPECT_EQ(ToHex(HmacSm3(key, input)), want);
    HmacSm3Hasher h = HmacSm3Hasher::Create(key);
    EXPECT_EQ(ToHex(h.Compute(input)), want);
    EXPECT_EQ(ToHex(h.Compute(input)), want);  // reusable
    EXPECT_EQ(ToHex(h.Update(input.substr(0, 3)).Update(input.substr(3)).Final()), want);
    HmacSm3Hasher moved = std::move(h);
    EXPECT_EQ(ToHex(moved.Compute(input)), want);
  }
}

TEST(HmacSm3, EmptyKeyAndData) {
  EXPECT_EQ(HmacSm3("", ""), HmacSm3Hasher::Create("").Compute(""));
  EXPECT_NE(HmacSm3("a", "b"), HmacSm3("b", "a"));
}

TEST(HkdfSm3, MatchesOpenSsl) {
  // Regression values computed with `openssl kdf ... -kdfopt digest:SM3 HKDF` (OpenSSL 3.0.19).
  const std::string ikm = FromHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b").value();
  const std::string salt = FromHex("000102030405060708090a0b0c").value();
  const std::string info = FromHex("f0f1f2f3f4f5f6f7f8f9").value();
  EXPECT_EQ(ToHex(HkdfSm3(ikm, salt, info, 42).value()),
            "c69fe91b7aaee2dd5718d72dcaee0cce93f1b8e41f792da51261b6a517e68b36ed2c595572b01dfa359b");
  EXPECT_EQ(ToHex(HkdfSm3(ikm, "", info, 32).value()),
            "8919b9983aa351b2acd63a3c25f170fc64e2b468675cc4e41b0242f5a269287f");
  EXPECT_TRUE(HkdfSm3(ikm, salt, info, 255 * 32 + 1).status().Is(ErrorCode::kInvalidArgument));
  EXPECT_EQ(HkdfSm3(ikm, salt, info, 255 * 32).value().size(), 255u * 32);
}

// ---------------------------------------------------------------- SM4 vectors

TEST(Sm4, Vectors) {
  const json& vs = Vectors().at("sm4");
  int checked = 0;
  for (const json& v : vs) {
    const std::string id = v.at("id").get<std::string>();
    SCOPED_TRACE(id);
    const std::string mode = v.at("mode").get<std::string>();
    const std::string key = Hex(v.at("key"));
    const std::string pt = Hex(v.at("plaintext"));
    const std::string ct = Hex(v.at("ciphertext"));
    if (v.contains("iterations")) {
      // X_{i+1} = E(X_i) is CBC with a zero IV over X_0 || 0^(16*(n-1)): each block's input is
      // 0 xor the previous ciphertext block. The last block is X_n; one call instead of n.
      const size_t n = v.at("iterations").get<size_t>();
      std::string input = pt + std::string(16 * (n - 1), '\0');
      std::string out = Sm4CbcEncrypt(key, std::string(16, '\0'), input).value();
      EXPECT_EQ(ToHex(out.substr(out.size() - 16)), ToHex(ct));
      ++checked;
    } else if (mode.rfind("ECB", 0) == 0) {
      EXPECT_EQ(ToHex(Sm4EcbEncrypt(key, pt).value()), ToHex(ct));
      EXPECT_EQ(ToHex(Sm4EcbDecrypt(key, ct).value()), ToHex(pt));
      ++checked;
    } else if (mode.rfind("CBC", 0) == 0) {
      const std::string iv = Hex(v.at("iv"));
      EXPECT_EQ(ToHex(Sm4CbcEncrypt(key, iv, pt).value()), ToHex(ct));
      EXPECT_EQ(ToHex(Sm4CbcDecrypt(key, iv, ct).value()), ToHex(pt));
      ++checked;
    } else if (mode.rfind("GCM", 0) == 0) {
      const std::string iv = Hex(v.at("iv"));
      const std::string aad = Hex(v.at("aad"));
      const std::string tag = Hex(v.at("tag"));
      Sm4Gcm gcm = Sm4Gcm::Create(key).value();
      std::string sealed;
      ASSERT_TRUE(gcm.EncryptWithIv(iv, pt, aad, &sealed).ok());
      EXPECT_EQ(ToHex(sealed), ToHex(iv + ct + tag));
      EXPECT_EQ(ToHex(gcm.Decrypt(iv + ct + tag, aad).value()), ToHex(pt));
      EXPECT_TRUE(gcm.Decrypt(iv + ct + Flip(tag, 0), aad).status().Is(ErrorCode::kCorruption));
      ++checked;
    } else {
      ADD_FAILURE() << "unknown SM4 mode in vectors: " << mode;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(vs.size()));
  EXPECT_GE(checked, 5);
}

TEST(Sm4, RawModeArgumentErrors) {
  const std::string key(16, 'k');
  EXPECT_TRUE(Sm4EcbEncrypt(key, "short").status().Is(ErrorCode::kInvalidArgument));
  EXPECT_TRUE(
      Sm4EcbEncrypt("shortkey", std::string(16, 'a')).status().Is(ErrorCode::kInvalidArgument));
  EXPECT_TRUE(
      Sm4CbcEncrypt(key, "iv", std::string(16, 'a')).status().Is(ErrorCode::kInvalidArgument));
}

// ---------------------------------------------------------------- SM4-GCM behaviour

class Sm4GcmTest : public ::testing::Test {
 protected:
  std::string key_ = RandomBytes(16);
  Sm4Gcm gcm_ = Sm4Gcm::Create(key_).value();
};

TEST_F(Sm4GcmTest, RoundTripVariousLengths) {
  for (size_t n : {0, 1, 15, 16, 17, 32, 64, 100, 4096}) {
    std::string pt = RandomBytes(n);
    std::string sealed = gcm_.Encrypt(pt, "tbl.col#1").value();
    EXPECT_EQ(sealed.size(), n + Sm4Gcm::kOverhead);
    EXPECT_EQ(gcm_.Decrypt(sealed, "tbl.col#1").value(), pt);
  }
}

TEST_F(Sm4GcmTest, OutParamReuse) {
  std::string sealed, opened;
  for (int i = 0; i < 10; ++i) {
    std::string pt = "value-" + std::to_string(i * 1000);
    ASSERT_TRUE(gcm_.Encrypt(pt, "", &sealed).ok());
    ASSERT_TRUE(gcm_.Decrypt(sealed, "", &opened).ok());
    EXPECT_EQ(opened, pt);
  }
}

TEST_F(Sm4GcmTest, EveryTamperedByteFails) {
  const std::string pt = "330621199001011234";  // a resident ID number-shaped value
  const std::string sealed = gcm_.Encrypt(pt, "aad").value();
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string out = "stale";
    Status s = gcm_.Decrypt(Flip(sealed, i), "aad", &out);
    EXPECT_TRUE(s.Is(ErrorCode::kCorruption)) << "byte " << i << ": " << s.ToString();
    EXPECT_TRUE(out.empty()) << "unauthenticated plaintext leaked at byte " << i;
  }
}

TEST_F(Sm4GcmTest, WrongAadWrongKeyAndShortInputFail) {
  const std::string sealed = gcm_.Encrypt("hello", "row=1").value();
  EXPECT_TRUE(gcm_.Decrypt(sealed, "row=2").status().Is(ErrorCode::kCorruption));
  EXPECT_TRUE(gcm_.Decrypt(sealed, "").status().Is(ErrorCode::kCorruption));
  Sm4Gcm other = Sm4Gcm::Create(RandomBytes(16)).value();
  EXPECT_TRUE(other.Decrypt(sealed, "row=1").status().Is(ErrorCode::kCorruption));
  for (size_t n : {0, 1, 27}) {
    EXPECT_TRUE(gcm_.Decrypt(sealed.substr(0, n), "row=1").status().Is(ErrorCode::kCorruption));
  }
  // Truncated or extended ciphertext.
  EXPECT_TRUE(gcm_.Decrypt(sealed.substr(0, sealed.size() - 1), "row=1")
                  .status()
                  .Is(ErrorCode::kCorruption));
  EXPECT_TRUE(gcm_.Decrypt(sealed + "x", "row=1").status().Is(ErrorCode::kCorruption));
  // And the right key still works after failures (handle state is reset per call).
  EXPECT_EQ(gcm_.Decrypt(sealed, "row=1").value(), "hello");
}

TEST_F(Sm4GcmTest, BadKeyLength) {
  EXPECT_TRUE(Sm4Gcm::Create("").status().Is(ErrorCode::kInvalidArgument));
  EXPECT_TRUE(Sm4Gcm::Create(std::string(32, 'k')).status().Is(ErrorCode::kInvalidArgument));
  std::string out;
  EXPECT_TRUE(gcm_.EncryptWithIv("short", "x", "", &out).Is(ErrorCode::kInvalidArgument));
}

TEST_F(Sm4GcmTest, IvsAreUniqueAndCiphertextsDiffer) {
  std::set<std::string> ivs;
  std::set<std::string> sealed_values;
  for (int i = 0; i < 10000; ++i) {
    std::string sealed = gcm_.Encrypt("same", "").value();
    ivs.insert(sealed.substr(0, Sm4Gcm::kIvSize));
    sealed_values.insert(sealed);
  }
  EXPECT_EQ(ivs.size(), 10000u);
  EXPECT_EQ(sealed_values.size(), 10000u);
  // A second object under the same key draws an independent IV source.
  Sm4Gcm second = Sm4Gcm::Create(key_).value();
  std::string s2 = second.Encrypt("same", "").value();
  EXPECT_EQ(ivs.count(s2.substr(0, Sm4Gcm::kIvSize)), 0u);
  EXPECT_EQ(gcm_.Decrypt(s2, "").value(), "same");
}

TEST_F(Sm4GcmTest, ForkedChildUsesFreshIvs) {
  std::string parent_first = gcm_.Encrypt("x", "").value();  // IV source drawn before fork
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string sealed = gcm_.Encrypt("x", "").value();
    ssize_t w = write(fds[1], sealed.data(), Sm4Gcm::kIvSize);
    _exit(w == static_cast<ssize_t>(Sm4Gcm::kIvSize) ? 0 : 1);
  }
  close(fds[1]);
  std::string parent_next = gcm_.Encrypt("x", "").value();
  char child_iv[Sm4Gcm::kIvSize];
  ASSERT_EQ(read(fds[0], child_iv, sizeof child_iv), static_cast<ssize_t>(sizeof child_iv));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const std::string child(child_iv, sizeof child_iv);
  EXPECT_NE(child, parent_next.substr(0, Sm4Gcm::kIvSize));
  // Not even the 4-byte prefix is shared: the child re-drew its whole IV source.
  EXPECT_NE(child.substr(0, 4), parent_first.substr(0, 4));
}

TEST_F(Sm4GcmTest, OneObjectPerThread) {
  std::vector<std::thread> ts;
  std::vector<std::string> sealed(8);
  for (int t = 0; t < 8; ++t) {
    ts.emplace_back([&, t] {
      Sm4Gcm mine = Sm4Gcm::Create(key_).value();
      std::string out;
      for (int i = 0; i < 1000; ++i) {
        ASSERT_TRUE(mine.Encrypt("t" + std::to_string(t), "", &out).ok());
        ASSERT_EQ(mine.Decrypt(out, "").value(), "t" + std::to_string(t));
      }
      sealed[t] = out;
    });
  }
  for (auto& t : ts) t.join();
  for (int t = 0; t < 8; ++t)
    EXPECT_EQ(gcm_.Decrypt(sealed[t], "").value(), "t" + std::to_string(t));
}

TEST_F(Sm4GcmTest, MovedObjectStillWorks) {
  std::string sealed = gcm_.Encrypt("v", "").value();
  Sm4Gcm moved = std::move(gcm_);
  EXPECT_EQ(moved.Decrypt(sealed, "").value(), "v");
}

// ---------------------------------------------------------------- key wrap

TEST(KeyWrap, RoundTripAndFailures) {
  const std::string master = RandomBytes(16);
  const std::string dek = RandomBytes(32);
  const std::string wrapped = WrapKey(master, dek).value();
  EXPECT_EQ(wrapped.size(), dek.size() + Sm4Gcm::kOverhead);
  EXPECT_EQ(UnwrapKey(master, wrapped).value(), dek);
  EXPECT_NE(WrapKey(master, dek).value(), wrapped);  // fresh IV each time
  EXPECT_TRUE(UnwrapKey(RandomBytes(16), wrapped).status().Is(ErrorCode::kCorruption));
  EXPECT_TRUE(UnwrapKey(master, Flip(wrapped, 20)).status().Is(ErrorCode::kCorruption));
  EXPECT_TRUE(UnwrapKey(master, "short").status().Is(ErrorCode::kCorruption));
  EXPECT_TRUE(WrapKey("short", dek).status().Is(ErrorCode::kInvalidArgument));
  // A field ciphertext under the master key is not accepted as a wrapped key (AAD differs).
  Sm4Gcm gcm = Sm4Gcm::Create(master).value();
  EXPECT_TRUE(UnwrapKey(master, gcm.Encrypt(dek, "").value()).status().Is(ErrorCode::kCorruption));
  EXPECT_EQ(ToHex(UnwrapKey(master, gcm.Encrypt(dek, "yishu-key-wrap-v1").value()).value()),
            ToHex(dek));
}

// ---------------------------------------------------------------- SM2

class Sm2Vector : public ::testing::Test {
 protected:
  const json& v_ = Vectors().at("sm2").at("signature");
  std::string priv_ = v_.at("private_key").get<std::string>();
  std::string pub_ =
      "04" + v_.at("public_key_x").get<std::string>() + v_.at("public_key_y").get<std::string>();
  std::string id_ = v_.at("user_id_ascii").get<std::string>();
  std::string msg_ = v_.at("message_ascii").get<std::string>();
  std::string sig_ = Hex(v_.at("r")) + Hex(v_.at("s"));
};

TEST_F(Sm2Vector, PublicKeyZaAndDigest) {
  EXPECT_EQ(Sm2PublicKeyFromPrivate(priv_).value(), pub_);
  EXPECT_EQ(ToHex(Sm2ComputeZa(pub_, id_).value()), v_.at("z_a").get<std::string>());
  EXPECT_EQ(ToHex(internal::Sm2MessageDigest(pub_, msg_, id_).value()),
            v_.at("e_sm3_za_m").get<std::string>());
  // The curve constants used for Z_A are those of the vector file.
  const json& c = Vectors().at("sm2").at("curve_sm2p256v1");
  EXPECT_EQ(ToHex(Sm2ComputeZa(pub_, "").value()),
            ToHex(Sm3(std::string("\0\0", 2) + Hex(c.at("a")) + Hex(c.at("b")) + Hex(c.at("gx")) +
                      Hex(c.at("gy")) + Hex(v_.at("public_key_x")) + Hex(v_.at("public_key_y")))));
}

TEST_F(Sm2Vector, SignWithKnownKReproducesAnnex) {
  const std::string e = Hex(v_.at("e_sm3_za_m"));
  EXPECT_EQ(ToHex(internal::Sm2SignDigestWithK(priv_, e, v_.at("k").get<std::string>()).value()),
            ToHex(sig_));
}

TEST_F(Sm2Vector, VerifyKnownSignature) {
  EXPECT_TRUE(Sm2Verify(pub_, msg_, sig_, id_).ok());
  EXPECT_TRUE(Sm2Verify(pub_, msg_, sig_).ok());  // the annex uses the default ID
  // Without the leading 04, and upper case.
  std::string bare = pub_.substr(2);
  for (char& ch : bare) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_TRUE(Sm2Verify(bare, msg_, sig_, id_).ok());
  // DER form.
  const std::string der = Sm2SignatureToDer(sig_).value();
  EXPECT_EQ(Sm2SignatureFromDer(der).value(), sig_);
  EXPECT_TRUE(Sm2Verify(pub_, msg_, der, id_).ok());
}

TEST_F(Sm2Vector, VerifyRejects) {
  auto corrupt = [](const Status& s) { return s.Is(ErrorCode::kCorruption); };
  EXPECT_TRUE(corrupt(Sm2Verify(pub_, "message digesT", sig_, id_)));
  EXPECT_TRUE(corrupt(Sm2Verify(pub_, msg_, sig_, "1234567812345679")));
  EXPECT_TRUE(corrupt(Sm2Verify(pub_, msg_, sig_, "")));
  for (size_t i : {0, 31, 32, 63}) EXPECT_TRUE(corrupt(Sm2Verify(pub_, msg_, Flip(sig_, i), id_)));
  EXPECT_TRUE(corrupt(Sm2Verify(pub_, msg_, sig_.substr(0, 63), id_)));
  EXPECT_TRUE(corrupt(Sm2Verify(pub_, msg_, std::string(64, '\0'), id_)));
  EXPECT_TRUE(corrupt(Sm2Verify(pub_, msg_, std::string(64, '\xff'), id_)));  // r, s >= n
  // Another key's signature.
  Sm2KeyPair other = Sm2GenerateKey().value();
  EXPECT_TRUE(corrupt(Sm2Verify(other.public_key_hex, msg_, sig_, id_)));
  // Malformed public keys.
  EXPECT_TRUE(Sm2Verify("04abcd", msg_, sig_).Is(ErrorCode::kInvalidArgument));
  EXPECT_TRUE(Sm2Verify("zz", msg_, sig_).Is(ErrorCode::kInvalidArgument));
  std::string off_curve = pub_;
  off_curve.back() = off_curve.back() == '3' ? '4' : '3';
  EXPECT_TRUE(Sm2Verify(off_curve, msg_, sig_).Is(ErrorCode::kInvalidArgument));
}

TEST_F(Sm2Vector, SignThenVerifyWithVectorKey) {
  std::string s1 = Sm2Sign(priv_, msg_, id_).value();
  std::string s2 = Sm2Sign(priv_, msg_, id_).value();
  EXPECT_EQ(s1.size(), kSm2SignatureSize);
  EXPECT_NE(s1, s2);  // random k
  EXPECT_TRUE(Sm2Verify(pub_, msg_, s1, id_).ok());
  EXPECT_TRUE(Sm2Verify(pub_, msg_, s2, id_).ok());
  EXPECT_TRUE(Sm2Verify(pub_, "other", s1, id_).Is(ErrorCode::kCorruption));
}

TEST_F(Sm2Vector, SignerIsReusable) {
  Sm2Signer signer = Sm2Signer::Create(priv_, id_).value();
  EXPECT_EQ(signer.public_key_hex(), pub_);
  std::set<std::string> sigs;
  for (int i = 0; i < 20; ++i) {
    const std::string m = "checkpoint " + std::to_string(i);
    std::string sig = signer.Sign(m).value();
    EXPECT_TRUE(Sm2Verify(pub_, m, sig, id_).ok()) << i;
    sigs.insert(sig);
  }
  EXPECT_EQ(sigs.size(), 20u);
  Sm2Signer moved = std::move(signer);
  EXPECT_TRUE(Sm2Verify(pub_, msg_, moved.Sign(msg_).value(), id_).ok());
  EXPECT_TRUE(Sm2Signer::Create("00", id_).status().Is(ErrorCode::kInvalidArgument));
}

TEST(Sm2, GenerateSignVerify) {
  Sm2KeyPair kp = Sm2GenerateKey().value();
  EXPECT_EQ(kp.private_key_hex.size(), 64u);
  EXPECT_EQ(kp.public_key_hex.size(), 130u);
  EXPECT_EQ(kp.public_key_hex.substr(0, 2), "04");
  EXPECT_EQ(Sm2PublicKeyFromPrivate(kp.private_key_hex).value(), kp.public_key_hex);
  for (std::string_view id : {kSm2DefaultId, std::string_view("alice@keqiao.gov.cn")}) {
    std::string sig = Sm2Sign(kp.private_key_hex, "ledger checkpoint 42", id).value();
    EXPECT_TRUE(Sm2Verify(kp.public_key_hex, "ledger checkpoint 42", sig, id).ok());
  }
  EXPECT_NE(Sm2GenerateKey().value().private_key_hex, kp.private_key_hex);
  Wipe(kp.private_key_hex);
}

TEST(Sm2, PrivateKeyRangeChecks) {
  const std::string n = Vectors().at("sm2").at("curve_sm2p256v1").at("n").get<std::string>();
  EXPECT_TRUE(Sm2Sign(std::string(64, '0'), "m").status().Is(ErrorCode::kInvalidArgument));
  EXPECT_TRUE(Sm2Sign(n, "m").status().Is(ErrorCode::kInvalidArgument));
  std::string n_minus_1 = n;
  n_minus_1.back() = '2';  // n ends in ...23
  EXPECT_TRUE(Sm2Sign(n_minus_1, "m").status().Is(ErrorCode::kInvalidArgument));
  EXPECT_TRUE(Sm2Sign("1234", "m").status().Is(ErrorCode::kInvalidArgument));
  EXPECT_TRUE(Sm2Sign(std::string(63, '0') + "1", "m").ok());
}

TEST(Sm2, DerCodec) {
  // Leading zero bytes in r and a high bit in s exercise minimal-length and sign-byte rules.
  std::string raw = std::string(2, '\0') + std::string(30, '\x11') + std::string(32, '\x80');
  std::string der = Sm2SignatureToDer(raw).value();
  EXPECT_EQ(ToHex(der).substr(0, 8), "3043021e");
  EXPECT_EQ(Sm2SignatureFromDer(der).value(), raw);
  EXPECT_FALSE(Sm2SignatureFromDer(der + "x").ok());
  EXPECT_FALSE(Sm2SignatureFromDer(der.substr(0, der.size() - 1)).ok());
  EXPECT_FALSE(Sm2SignatureFromDer("").ok());
  EXPECT_FALSE(Sm2SignatureToDer("short").ok());
}

TEST_F(Sm2Vector, PemRoundTrip) {
  const std::string pem = Sm2PublicKeyToPem(pub_).value();
  EXPECT_EQ(pem.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
  EXPECT_EQ(Sm2PublicKeyFromPem(pem).value(), pub_);
  EXPECT_FALSE(Sm2PublicKeyFromPem("garbage").ok());
}

// ---------------------------------------------------------------- interop with the openssl CLI

class OpenSslInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("openssl version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl CLI";
    dir_ =
        std::filesystem::temp_directory_path() / ("yishu_crypto_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string Path(const std::string& name) { return (dir_ / name).string(); }
  void Write(const std::string& name, std::string_view data) {
    std::ofstream(Path(name), std::ios::binary) << data;
  }
  std::string Read(const std::string& name) {
    std::ifstream in(Path(name), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  int Run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

  std::filesystem::path dir_;
};

TEST_F(OpenSslInterop, OpenSslVerifiesOurSignature) {
  Sm2KeyPair kp = Sm2GenerateKey().value();
  const std::string msg = "yishu audit checkpoint: root=abcd, size=1000";
  Write("pub.pem", Sm2PublicKeyToPem(kp.public_key_hex).value());
  Write("msg", msg);
  Write("sig.der", Sm2SignatureToDer(Sm2Sign(kp.private_key_hex, msg).value()).value());
  const std::string verify = "openssl pkeyutl -verify -pubin -inkey " + Path("pub.pem") +
                             " -rawin -digest sm3 -in " + Path("msg") + " -sigfile " +
                             Path("sig.der") + " -pkeyopt distid:1234567812345678";
  EXPECT_EQ(Run(verify), 0);
  Write("msg", msg + "!");
  EXPECT_NE(Run(verify), 0);
}

TEST_F(OpenSslInterop, WeVerifyOpenSslSignature) {
  ASSERT_EQ(Run("openssl genpkey -algorithm SM2 -out " + Path("key.pem")), 0);
  ASSERT_EQ(Run("openssl pkey -in " + Path("key.pem") + " -pubout -out " + Path("pub.pem")), 0);
  const std::string msg = "signed by openssl";
  Write("msg", msg);
  ASSERT_EQ(Run("openssl pkeyutl -sign -inkey " + Path("key.pem") + " -rawin -digest sm3 -in " +
                Path("msg") + " -out " + Path("sig.der") + " -pkeyopt distid:1234567812345678"),
            0);
  const std::string pub = Sm2PublicKeyFromPem(Read("pub.pem")).value();
  const std::string der = Read("sig.der");
  EXPECT_TRUE(Sm2Verify(pub, msg, der).ok());
  EXPECT_TRUE(Sm2Verify(pub, msg, Sm2SignatureFromDer(der).value()).ok());
  EXPECT_TRUE(Sm2Verify(pub, msg + ".", der).Is(ErrorCode::kCorruption));
  // OpenSSL 3.0 signs with an EMPTY ID when no distid is given (not 1234567812345678).
  ASSERT_EQ(Run("openssl pkeyutl -sign -inkey " + Path("key.pem") + " -rawin -digest sm3 -in " +
                Path("msg") + " -out " + Path("sig0.der")),
            0);
  EXPECT_TRUE(Sm2Verify(pub, msg, Read("sig0.der"), "").ok());
  EXPECT_TRUE(Sm2Verify(pub, msg, Read("sig0.der")).Is(ErrorCode::kCorruption));
}

TEST_F(OpenSslInterop, Sm4CbcMatchesOpenSsl) {
  const std::string key = RandomBytes(16), iv = RandomBytes(16), pt = RandomBytes(160);
  Write("pt", pt);
  ASSERT_EQ(Run("openssl enc -sm4-cbc -nopad -K " + ToHex(key) + " -iv " + ToHex(iv) + " -in " +
                Path("pt") + " -out " + Path("ct")),
            0);
  EXPECT_EQ(ToHex(Read("ct")), ToHex(Sm4CbcEncrypt(key, iv, pt).value()));
}

}  // namespace
}  // namespace yishu::crypto

// Umbrella header for yishu::crypto: Chinese commercial cryptography (GM/T) on libgcrypt.
//   util.hpp  InitLibgcrypt, RandomBytes, hex/base64, ConstantTimeEqual, Wipe, SecretString
//   sm3.hpp   Sm3, Sm3Hasher, HmacSm3, HmacSm3Hasher (blind indexes), HkdfSm3
//   sm4.hpp   Sm4Gcm (field encryption), WrapKey/UnwrapKey, raw ECB/CBC
//   sm2.hpp   Sm2GenerateKey, Sm2Sign/Sm2Verify (with Z_A), PEM export
#pragma once

#include "crypto/sm2.hpp"
#include "crypto/sm3.hpp"
#include "crypto/sm4.hpp"
#include "crypto/util.hpp"

// HMAC-SHA256 (privacy.SubjectHasher) with the key set up once: OpenSSL's, the library Python's hmac
// uses, when the build found its headers; else the decoder calls the Python hasher.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#ifdef SPANLEDGER_OPENSSL
#include <openssl/core_names.h>
#include <openssl/evp.h>
#endif

#include <cstdint>
#include <string>
#include <string_view>

using std::string;
using std::string_view;

namespace {

class Hmac {
 public:
  bool ready() const { return ctx_ != nullptr; }
  bool init(const string& key) {
#ifdef SPANLEDGER_OPENSSL
    mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (!mac_) return false;
    ctx_ = EVP_MAC_CTX_new(mac_);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
    if (!ctx_ || !EVP_MAC_init(ctx_, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params)) {
      release();
      return false;
    }
    return true;
#else
    (void)key;
    return false;
#endif
  }
  // lowercase hex of the 32-byte digest
  bool hex(string_view data, string& out) {
#ifdef SPANLEDGER_OPENSSL
    unsigned char digest[32];
    size_t length = 0;
    if (!EVP_MAC_init(ctx_, nullptr, 0, nullptr) ||  // same key: only the inner state is reset
        !EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(data.data()), data.size()) ||
        !EVP_MAC_final(ctx_, digest, &length, sizeof digest) || length != sizeof digest)
      return false;
    static const char* hexdigits = "0123456789abcdef";
    out.resize(64);
    for (size_t k = 0; k < 32; ++k) {
      out[2 * k] = hexdigits[digest[k] >> 4];
      out[2 * k + 1] = hexdigits[digest[k] & 15];
    }
    return true;
#else
    (void)data;
    (void)out;
    return false;
#endif
  }
  ~Hmac() { release(); }

 private:
#ifdef SPANLEDGER_OPENSSL
  EVP_MAC* mac_ = nullptr;
  EVP_MAC_CTX* ctx_ = nullptr;
  void release() {
    if (ctx_) EVP_MAC_CTX_free(ctx_);
    if (mac_) EVP_MAC_free(mac_);
    ctx_ = nullptr;
    mac_ = nullptr;
  }
#else
  void* ctx_ = nullptr;
  void release() {}
#endif
};

}  // namespace

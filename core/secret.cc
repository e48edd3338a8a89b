#include "core/secret.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <cstdlib>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/files.h"

namespace rwn {
namespace {

std::string Hex(const unsigned char* data, size_t size) {
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(data), size));
}

absl::Status CheckLength(const std::string& secret, const std::string& source) {
  if (static_cast<int>(secret.size()) >= kMinSecretLength) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(source, " holds a secret of ", secret.size(), " characters; allowed: at least ",
                   kMinSecretLength, " (e.g. the 64 hex digits of `openssl rand -hex 32`)"));
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  const std::string source = absl::StrCat(kSecretFileVariable, "=", path);
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": no such file"));
  }
  if ((info.st_mode & 077) != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: its group or others may read it (mode %03o); allowed: a file "
                        "only its owner may read (chmod 600)",
                        source, info.st_mode & 0777));
  }
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return absl::InvalidArgumentError(absl::StrCat(source, ": cannot be read"));
  std::string secret(absl::StripTrailingAsciiWhitespace(*text));
  if (absl::Status length = CheckLength(secret, source); !length.ok()) return length;
  return secret;
}

}  // namespace

absl::StatusOr<std::string> RandomHex(int bytes) {
  std::vector<unsigned char> data(bytes);
  if (RAND_bytes(data.data(), bytes) != 1) {
    return absl::InternalError("the operating system gave no random bytes (OpenSSL RAND_bytes)");
  }
  return Hex(data.data(), data.size());
}

absl::StatusOr<std::string> NewSecret() { return RandomHex(32); }

std::string Proof(const std::string& secret, const std::string& message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &size);
  return Hex(digest, size);
}

bool SameProof(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

absl::StatusOr<std::string> ReadSecretFromEnvironment() {
  const char* secret = std::getenv(kSecretVariable);
  const char* file = std::getenv(kSecretFileVariable);
  const bool has_secret = secret != nullptr && *secret != '\0';
  const bool has_file = file != nullptr && *file != '\0';
  if (has_secret && has_file) {
    return absl::InvalidArgumentError(absl::StrCat(
        "both ", kSecretVariable, " and ", kSecretFileVariable, " are set; allowed: one of them"));
  }
  if (has_file) return ReadSecretFile(file);
  if (!has_secret) return std::string();
  if (absl::Status length = CheckLength(secret, kSecretVariable); !length.ok()) return length;
  return std::string(secret);
}

}  // namespace rwn

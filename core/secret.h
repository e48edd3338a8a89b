// Shared secrets for who may join a data-parallel run (docs/design.md,
// "Who may join a run"): a fresh random secret, keyed proofs (HMAC-SHA256,
// from OpenSSL's libcrypto) and their constant-time comparison, and the
// secret a rank was started with.
#ifndef RWN_CORE_SECRET_H_
#define RWN_CORE_SECRET_H_

#include <string>

#include "absl/status/statusor.h"

namespace rwn {

// The environment variables that carry a run's secret: the secret itself,
// or a file that holds it and that only its owner may read.
inline constexpr char kSecretVariable[] = "RWN_DIST_SECRET";
inline constexpr char kSecretFileVariable[] = "RWN_DIST_SECRET_FILE";

// The fewest characters a secret may have.
inline constexpr int kMinSecretLength = 16;

// 32 random bytes from the operating system, as 64 hex digits.
absl::StatusOr<std::string> NewSecret();

// `bytes` random bytes as hex digits (nonces).
absl::StatusOr<std::string> RandomHex(int bytes);

// HMAC-SHA256 of `message` keyed with `secret`, as 64 hex digits.
std::string Proof(const std::string& secret, const std::string& message);

// Whether two proofs are equal, in time that does not depend on where they
// differ.
bool SameProof(const std::string& a, const std::string& b);

// The secret from RWN_DIST_SECRET, else from the file RWN_DIST_SECRET_FILE
// names (trailing white space removed), else "". InvalidArgument names a
// secret shorter than kMinSecretLength, both variables set, or a file that
// cannot be read or that its group or others may read.
absl::StatusOr<std::string> ReadSecretFromEnvironment();

}  // namespace rwn

#endif  // RWN_CORE_SECRET_H_

// Secrets: HMAC-SHA256 against RFC 4231's test vector, fresh secrets, and
// the secret a rank reads from its environment, refused by name when it is
// too short, doubly given, or in a file others may read.
#include "core/secret.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>

#include "core/files.h"
#include "core/testing.h"

namespace rwn {
namespace {

using ::testing::HasSubstr;

TEST(SecretTest, ProofIsHmacSha256) {
  // RFC 4231, test case 2.
  EXPECT_EQ(Proof("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_TRUE(SameProof(Proof("a secret", "m"), Proof("a secret", "m")));
  EXPECT_FALSE(SameProof(Proof("a secret", "m"), Proof("another secret", "m")));
  EXPECT_FALSE(SameProof("abc", "abcd"));
}

TEST(SecretTest, NewSecretsAreFreshHex) {
  absl::StatusOr<std::string> a = NewSecret(), b = NewSecret();
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_EQ(a->size(), 64u);
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef"), std::string::npos) << *a;
  EXPECT_NE(*a, *b);
}

class SecretEnvironmentTest : public ::testing::Test {
 protected:
  void TearDown() override {
    unsetenv(kSecretVariable);
    unsetenv(kSecretFileVariable);
  }
  std::string File(const std::string& text, mode_t mode) {
    const std::string path = TestDir("secret") + "/secret";
    EXPECT_OK(WriteFileAtomically(path, text));
    chmod(path.c_str(), mode);
    return path;
  }
};

TEST_F(SecretEnvironmentTest, NoneSetIsEmpty) {
  absl::StatusOr<std::string> secret = ReadSecretFromEnvironment();
  ASSERT_OK(secret);
  EXPECT_EQ(*secret, "");
}

TEST_F(SecretEnvironmentTest, TheVariableHoldsTheSecret) {
  setenv(kSecretVariable, "0123456789abcdef", 1);
  EXPECT_EQ(*ReadSecretFromEnvironment(), "0123456789abcdef");
  setenv(kSecretVariable, "short", 1);
  EXPECT_THAT(ReadSecretFromEnvironment().status().message(),
              HasSubstr("RWN_DIST_SECRET holds a secret of 5 characters; allowed: at least 16"));
}

TEST_F(SecretEnvironmentTest, AFileOnlyItsOwnerMayRead) {
  setenv(kSecretFileVariable, File("0123456789abcdef0123\n", 0600).c_str(), 1);
  EXPECT_EQ(*ReadSecretFromEnvironment(), "0123456789abcdef0123");

  const std::string open_file = File("0123456789abcdef0123\n", 0644);
  setenv(kSecretFileVariable, open_file.c_str(), 1);
  absl::StatusOr<std::string> refused = ReadSecretFromEnvironment();
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(),
              HasSubstr("RWN_DIST_SECRET_FILE=" + open_file +
                        ": its group or others may read it (mode 644); allowed: a file only its "
                        "owner may read (chmod 600)"));

  setenv(kSecretFileVariable, "/nonexistent/secret", 1);
  EXPECT_THAT(ReadSecretFromEnvironment().status().message(),
              HasSubstr("RWN_DIST_SECRET_FILE=/nonexistent/secret: no such file"));
}

TEST_F(SecretEnvironmentTest, BothAreRefused) {
  setenv(kSecretVariable, "0123456789abcdef", 1);
  setenv(kSecretFileVariable, File("0123456789abcdef\n", 0600).c_str(), 1);
  EXPECT_THAT(ReadSecretFromEnvironment().status().message(),
              HasSubstr("both RWN_DIST_SECRET and RWN_DIST_SECRET_FILE are set"));
}

}  // namespace
}  // namespace rwn

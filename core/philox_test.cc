#include "core/philox.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace rwn {
namespace {

using Block = std::array<uint32_t, 4>;

// Random123's known-answer vectors for philox4x32 10 (tests/kat_vectors).
TEST(PhiloxTest, KnownAnswers) {
  EXPECT_EQ(Philox4x32({0, 0, 0, 0}, {0, 0}),
            (Block{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(Philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (Block{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(Philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (Block{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(PhiloxTest, PortableLogMatchesLibm) {
  for (double x : {1e-300, 1e-17, 1e-5, 0.1, 0.25, 0.5, 0.7071, 0.75, 0.999999, 1.0, 1.5, 2.0, 3.0,
                   1e10, 4e300, std::numeric_limits<double>::denorm_min()}) {
    const double want = std::log(x);
    EXPECT_NEAR(PortableLog(x), want,
                2 * std::abs(want) * std::numeric_limits<double>::epsilon() + 1e-300)
        << x;
  }
  EXPECT_EQ(PortableLog(1.0), 0.0);
}

TEST(PhiloxTest, ValuesDependOnTheIndexAloneNotOnHowTheRangeIsSplit) {
  RandomStream stream(42, 3);
  std::vector<float> whole(1001), pieces(1001);
  stream.Normal(0, 1001, 0.0, 1.0, whole.data());
  stream.Normal(500, 1001, 0.0, 1.0, pieces.data() + 500);  // the later part first
  stream.Normal(0, 7, 0.0, 1.0, pieces.data());
  stream.Normal(7, 500, 0.0, 1.0, pieces.data() + 7);
  EXPECT_EQ(whole, pieces);
  stream.Uniform(0, 1001, -1.0, 1.0, whole.data());
  stream.Uniform(3, 1001, -1.0, 1.0, pieces.data() + 3);
  stream.Uniform(0, 3, -1.0, 1.0, pieces.data());
  EXPECT_EQ(whole, pieces);
}

TEST(PhiloxTest, SeedsAndStreamsGiveDifferentNumbers) {
  std::vector<float> a(64), b(64), c(64);
  RandomStream(1, 0).Normal(0, 64, 0, 1, a.data());
  RandomStream(2, 0).Normal(0, 64, 0, 1, b.data());
  RandomStream(1, 1).Normal(0, 64, 0, 1, c.data());
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
}

TEST(PhiloxTest, NormalHasTheAskedMeanAndSpread) {
  constexpr int kN = 200000;
  std::vector<float> x(kN);
  RandomStream(7, 0).Normal(0, kN, 0.5, 2.0, x.data());
  double sum = 0, sq = 0;
  int beyond_two_sigma = 0;
  for (float v : x) {
    sum += v;
    sq += (v - 0.5) * (v - 0.5);
    beyond_two_sigma += std::abs(v - 0.5) > 4.0;
  }
  EXPECT_NEAR(sum / kN, 0.5, 0.02);            // standard error 0.0045
  EXPECT_NEAR(std::sqrt(sq / kN), 2.0, 0.02);  // standard error 0.0032
  EXPECT_NEAR(beyond_two_sigma / double(kN), 0.0455, 0.003);
}

TEST(PhiloxTest, UniformCoversItsRange) {
  constexpr int kN = 100000;
  std::vector<float> x(kN);
  RandomStream(7, 0).Uniform(0, kN, -0.25, 0.75, x.data());
  double sum = 0;
  int low_quarter = 0;
  for (float v : x) {
    ASSERT_GE(v, -0.25f);
    ASSERT_LT(v, 0.75f);
    sum += v;
    low_quarter += v < 0.0f;
  }
  EXPECT_NEAR(sum / kN, 0.25, 0.005);
  EXPECT_NEAR(low_quarter / double(kN), 0.25, 0.005);
}

// The first values of a stream, pinned: every model's fixed weights are made
// of these (models/testdata/init_checksums.txt pins those).
TEST(PhiloxTest, FirstValuesArePinned) {
  std::vector<float> n(3), u(3);
  RandomStream(1, 0).Normal(0, 3, 0, 1, n.data());
  RandomStream(1, 0).Uniform(0, 3, 0, 1, u.data());
  EXPECT_EQ(n, (std::vector<float>{-0x1.7530b2p-2f, -0x1.d48edcp-3f, -0x1.e8e204p-2f}));
  EXPECT_EQ(u, (std::vector<float>{0x1.c7d00cp-1f, 0x1.ca141cp-1f, 0x1.2be444p-1f}));
}

}  // namespace
}  // namespace rwn

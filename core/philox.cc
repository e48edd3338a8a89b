// Built with -ffp-contract=off (core/BUILD): a fused multiply-add rounds once
// where a multiply and an add round twice, so a compiler free to fuse would
// make the results depend on the machine.
#include "core/philox.h"

#include <cmath>

namespace rwn {
namespace {

constexpr uint32_t kMul0 = 0xD2511F53, kMul1 = 0xCD9E8D57;
constexpr uint32_t kWeyl0 = 0x9E3779B9, kWeyl1 = 0xBB67AE85;

// A uniform double in [0, 1) from 53 bits of two words.
double Unit53(uint32_t high, uint32_t low) {
  const uint64_t bits = ((static_cast<uint64_t>(high) << 32) | low) >> 11;
  return static_cast<double>(bits) * 0x1.0p-53;
}

}  // namespace

std::array<uint32_t, 4> Philox4x32(std::array<uint32_t, 4> c, std::array<uint32_t, 2> key) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += kWeyl0;
      key[1] += kWeyl1;
    }
    const uint64_t p0 = static_cast<uint64_t>(kMul0) * c[0];
    const uint64_t p1 = static_cast<uint64_t>(kMul1) * c[2];
    c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ key[0], static_cast<uint32_t>(p1),
         static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ key[1], static_cast<uint32_t>(p0)};
  }
  return c;
}

double PortableLog(double x) {
  // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); ln(m) = 2 atanh(s) with
  // s = (m - 1) / (m + 1), |s| < 0.172, whose series converges past double
  // precision in 13 terms.
  int e = 0;
  double m = std::frexp(x, &e);  // exact; m in [1/2, 1)
  if (m < 0.70710678118654752440) {
    m *= 2;
    --e;
  }
  const double s = (m - 1) / (m + 1);
  const double s2 = s * s;
  double sum = 0;
  for (int k = 25; k >= 1; k -= 2) sum = sum * s2 + 1.0 / k;
  // ln 2 in two parts (fdlibm's): e * kLn2High is exact for |e| < 2^11.
  constexpr double kLn2High = 0x1.62e42fee00000p-1;
  constexpr double kLn2Low = 0x1.a39ef35793c76p-33;
  return e * kLn2High + (2 * s * sum + e * kLn2Low);
}

RandomStream::RandomStream(uint64_t seed, uint32_t stream)
    : key_{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}, stream_(stream) {}

std::array<uint32_t, 4> RandomStream::Block(uint64_t index, uint32_t attempt) const {
  return Philox4x32(
      {static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), stream_, attempt}, key_);
}

void RandomStream::Uniform(int64_t begin, int64_t end, double low, double high, float* out) const {
  // Four indices share a block: index i uses word i % 4 of block i / 4, and
  // its top 24 bits, a float's precision.
  std::array<uint32_t, 4> block{};
  int64_t block_index = -1;
  for (int64_t i = begin; i < end; ++i) {
    if (i / 4 != block_index) {
      block_index = i / 4;
      block = Block(static_cast<uint64_t>(block_index), 0);
    }
    const double u = static_cast<double>(block[i % 4] >> 8) * 0x1.0p-24;
    out[i - begin] = static_cast<float>(low + (high - low) * u);
  }
}

void RandomStream::Normal(int64_t begin, int64_t end, double mean, double std, float* out) const {
  for (int64_t i = begin; i < end; ++i) {
    for (uint32_t attempt = 1;; ++attempt) {
      const std::array<uint32_t, 4> w = Block(static_cast<uint64_t>(i), attempt);
      const double x = 2 * Unit53(w[0], w[1]) - 1;
      const double y = 2 * Unit53(w[2], w[3]) - 1;
      const double s = x * x + y * y;
      if (s > 0 && s < 1) {
        out[i - begin] = static_cast<float>(mean + std * (x * std::sqrt(-2 * PortableLog(s) / s)));
        break;
      }
    }
  }
}

}  // namespace rwn

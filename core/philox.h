// Random numbers that depend on the seed alone: the same on every machine,
// CPU, thread count and libtorch version.
//
// libtorch's CPU normal_ and uniform_ take a vectorized path chosen by the
// CPU's capability (AVX2, AVX-512, or none, as on an Arm server), and the
// paths draw different values from the same generator state. Fixed weights
// that a delta checkpoint does not store must come back bit for bit
// wherever the run resumes, so rwn draws them here instead: Philox4x32-10
// (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), a
// counter-based generator, turned into floats with IEEE-754 basic operations
// and sqrt only (no libm call, compiled without FMA contraction), which every
// conforming machine rounds alike.
#ifndef RWN_CORE_PHILOX_H_
#define RWN_CORE_PHILOX_H_

#include <array>
#include <cstdint>

namespace rwn {

// One Philox4x32-10 block: 4 random words for a 128-bit counter and a
// 64-bit key.
std::array<uint32_t, 4> Philox4x32(std::array<uint32_t, 4> counter, std::array<uint32_t, 2> key);

// ln(x) for finite x > 0, from basic operations only (see above); within
// 2 ulp of the correctly rounded value.
double PortableLog(double x);

// The numbers of one stream: the value at index i depends on (seed, stream,
// i) alone, so a range can be drawn in pieces, in any order, on any thread.
class RandomStream {
 public:
  RandomStream(uint64_t seed, uint32_t stream);

  // out[k] ~ U[low, high) for indices begin + k < end.
  void Uniform(int64_t begin, int64_t end, double low, double high, float* out) const;
  // out[k] ~ N(mean, std^2) for indices begin + k < end (Marsaglia's polar
  // method; each index has its own counters, so rejections stay local).
  void Normal(int64_t begin, int64_t end, double mean, double std, float* out) const;

 private:
  std::array<uint32_t, 4> Block(uint64_t index, uint32_t attempt) const;

  std::array<uint32_t, 2> key_;
  uint32_t stream_;
};

}  // namespace rwn

#endif  // RWN_CORE_PHILOX_H_

// Golden checksums of every model's initial weights. A delta checkpoint does
// not store the fixed weights: they are drawn again from the seed. This test
// pins what each model plugin draws, for both init schemes and two seeds, so
// that a libtorch upgrade, another machine or a change to an initializer that
// would change the fixed weights fails here instead of at resume time. The
// same file is checked by the Debian libtorch 1.13 and the libtorch 2.x legs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/files.h"
#include "models/model.h"
#include "models/testing.h"

namespace rwn {
namespace {

constexpr char kGoldenPath[] = "models/testdata/init_checksums.txt";

// "<model> <scheme> <seed>" -> Fingerprint of every parameter and buffer.
std::map<std::string, std::string> ReadGolden() {
  std::map<std::string, std::string> golden;
  std::ifstream in(kGoldenPath);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t last = line.rfind(' ');
    golden[line.substr(0, last)] = line.substr(last + 1);
  }
  return golden;
}

std::string WeightsChecksum(const Network& network) {
  std::string bytes;
  auto add = [&](const torch::Tensor& tensor) {
    const torch::Tensor t = tensor.detach().cpu().contiguous();
    bytes.append(static_cast<const char*>(t.data_ptr()), t.nbytes());
  };
  for (const auto& p : network.module->named_parameters()) add(p.value());
  for (const auto& b : network.module->named_buffers()) add(b.value());
  return Fingerprint(bytes);
}

// The small spec of `model` with `init: <scheme>` added inside its braces.
std::string WithInit(const std::string& spec, const std::string& scheme) {
  const size_t close = spec.rfind('}');
  return absl::StrCat(spec.substr(0, close), "init: ", scheme, " ", spec.substr(close));
}

TEST(InitGoldenTest, EveryModelDrawsTheCommittedWeights) {
  const std::map<std::string, std::string> golden = ReadGolden();
  ASSERT_FALSE(golden.empty()) << "no checksums in " << kGoldenPath;
  std::ostringstream actual;
  int mismatches = 0;
  for (const auto& [model, spec] : SmallModelSpecs()) {
    for (const std::string scheme : {"REFERENCE", "TORCH_DEFAULT"}) {
      for (const uint64_t seed : {1, 12345}) {
        const std::string key = absl::StrCat(model, " ", scheme, " ", seed);
        const std::string sum =
            WeightsChecksum(*MakeSmallModelFromSpec(WithInit(spec, scheme), {3, 32, 32, 10, seed}));
        actual << key << " " << sum << "\n";
        auto it = golden.find(key);
        if (it == golden.end() || it->second != sum) {
          ++mismatches;
          ADD_FAILURE() << key << ": drew " << sum << ", committed "
                        << (it == golden.end() ? "(none)" : it->second);
        }
      }
    }
  }
  EXPECT_EQ(mismatches, 0) << "libtorch " << TORCH_VERSION << " drew, for " << kGoldenPath << ":\n"
                           << actual.str();
}

}  // namespace
}  // namespace rwn

// Every oneof field of every plugin-choice spec has a registered factory, and
// every registered factory has a oneof field (docs/design.md, "Plugins").
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "core/oneof.h"
#include "datasets/dataset.h"
#include "datasets/dataset.pb.h"
#include "models/model.h"
#include "models/model.pb.h"
#include "optim/optimizer.h"
#include "optim/optimizer.pb.h"
#include "selectors/selector.h"
#include "selectors/selector.pb.h"

namespace rwn {
namespace {

std::vector<std::string> Sorted(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return names;
}

template <class Registry>
void ExpectSameNames(const google::protobuf::Descriptor& spec) {
  const std::vector<std::string> fields = Sorted(OneofFieldNames(spec));
  EXPECT_FALSE(fields.empty()) << spec.full_name() << " has no single oneof";
  EXPECT_EQ(fields, Registry::Global().Names())
      << spec.full_name() << "'s oneof fields and the registered plugins differ";
}

TEST(RegistryCompletenessTest, EveryOneofFieldHasAFactoryAndEveryFactoryAField) {
  ExpectSameNames<ModelRegistry>(*ModelSpec::descriptor());
  ExpectSameNames<DatasetRegistry>(*DatasetSpec::descriptor());
  ExpectSameNames<SelectorRegistry>(*SelectorSpec::descriptor());
  ExpectSameNames<OptimizerRegistry>(*OptimizerSpec::descriptor());
  ExpectSameNames<ScheduleRegistry>(*ScheduleSpec::descriptor());
}

}  // namespace
}  // namespace rwn

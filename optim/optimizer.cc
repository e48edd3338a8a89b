#include "optim/optimizer.h"

#include <torch/torch.h>

namespace rwn {

void Optimizer::ZeroGrad() {
  for (LearnedTensor& param : params_) param.tensor.mutable_grad() = torch::Tensor();
}

}  // namespace rwn

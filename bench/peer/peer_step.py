"""The peer rwn is measured against: a plain PyTorch training loop.

What a researcher would write instead of using rwn: the same networks
(tools/pytorch/rwn_models.py, the architectures rwn trains), frozen tensors
marked requires_grad=False, a fraction of filters learned by masking the
gradient, torch.optim.SGD over what is learned. One configuration a process,
random 3x32x32 input at a fixed batch, as bench/train_step_benchmark.cc does
for rwn. Prints one JSON line: the configuration and images per second.

    python3 bench/peer/peer_step.py --model=ResNet-20 --learn=bn_only \
        --batch=128 --threads=2 [--compile] [--device=cuda]

--compile wraps the model in torch.compile (PyTorch 2.x). --device=cuda times
the loop on a GPU, with cuDNN's benchmark mode on (as rwn's default is there).
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# rwn_models.py: in the repository, or beside this file in the GPU bundle.
_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(_here, "..", "..", "tools", "pytorch"), _here]
import rwn_models  # noqa: E402

MODELS = {
    "ResNet-20": lambda: rwn_models.ResNet(20, 10),
    "WRN-16-4": lambda: rwn_models.WideResNet(16, 4, 10),
    "DenseNet-BC-40-12": lambda: rwn_models.DenseNet(40, 12, 10),
    # The GPU check's models (tools/gpu/gpu_check.cc).
    "WRN-28-10": lambda: rwn_models.WideResNet(28, 10, 10),
    "DenseNet-BC-100-12": lambda: rwn_models.DenseNet(100, 12, 10),
}
# rwn's group block3 of each model: the last stage, with the final BN where
# the model has one after it.
LAST_STAGE = {"ResNet-20": ("layer3.",), "WRN-16-4": ("block3.", "bn1"),
              "DenseNet-BC-40-12": ("dense3.", "bn"), "WRN-28-10": ("block3.", "bn1"),
              "DenseNet-BC-100-12": ("dense3.", "bn")}
LEARN = ["all_learned", "bn_only", "fc_only", "last_block", "filters10"]


def choose_learned(model, name, learn, generator):
    """Sets requires_grad for `learn`; returns the gradient masks of filters10."""
    masks = {}
    for module_name, module in model.named_modules():
        for param in module.parameters(recurse=False):
            is_bn = isinstance(module, nn.BatchNorm2d)
            is_fc = isinstance(module, nn.Linear)
            if learn == "all_learned":
                wanted = True
            elif learn == "bn_only":
                wanted = is_bn
            elif learn == "fc_only":
                wanted = is_fc
            elif learn == "last_block":  # every parameter of block3, and fc
                wanted = is_fc or any(module_name == prefix or module_name.startswith(prefix)
                                      for prefix in LAST_STAGE[name])
            else:  # filters10: a tenth of each conv's filters, BN and fc whole
                wanted = True
                if isinstance(module, nn.Conv2d):
                    filters = module.out_channels
                    chosen = torch.randperm(filters, generator=generator)[:int(0.1 * filters)]
                    mask = torch.zeros(filters, 1, 1, 1)
                    mask[chosen] = 1
                    masks[param] = mask
            param.requires_grad_(wanted)
    return masks


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=sorted(MODELS), required=True)
    parser.add_argument("--learn", choices=LEARN, required=True)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=20, help="timed steps")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--channels_last", action="store_true",
                        help="the model and input in channels-last memory layout")
    args = parser.parse_args()
    if args.batch < 1 or args.steps < 1 or args.threads < 1 or args.warmup < 0:
        parser.error("--batch, --steps and --threads must be >= 1, --warmup >= 0")

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    device = torch.device(args.device)
    torch.backends.cudnn.benchmark = device.type == "cuda"
    model = MODELS[args.model]().train()
    masks = choose_learned(model, args.model, args.learn, torch.Generator().manual_seed(1))
    model.to(device)
    if args.channels_last:
        model.to(memory_format=torch.channels_last)
    masks = {p: m.to(device) for p, m in masks.items()}
    # A masked conv's weight decay goes into its masked gradient, so that the
    # fixed filters stay exactly at their initial values.
    decay = 5e-4
    for param, mask in masks.items():
        param.register_hook(lambda grad, p=param, m=mask: (grad + decay * p.detach()) * m)
    learned = [p for p in model.parameters() if p.requires_grad]
    masked = [p for p in learned if p in masks]
    whole = [p for p in learned if p not in masks]
    optimizer = torch.optim.SGD([{"params": whole, "weight_decay": decay},
                                 {"params": masked, "weight_decay": 0}],
                                lr=0.1, momentum=0.9)
    initial = {p: p.detach().clone() for p in masks}
    step_model = torch.compile(model) if args.compile else model
    x = torch.randn(args.batch, 3, 32, 32, device=device)
    if args.channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(10, (args.batch,), device=device)

    def step():
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(step_model(x), y).backward()
        optimizer.step()

    for _ in range(args.warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    for param, mask in masks.items():
        if not torch.equal(param.detach() * (1 - mask), initial[param] * (1 - mask)):
            sys.exit("peer_step: a fixed filter moved; the gradient mask is wrong")
    print(json.dumps({
        "model": args.model, "learn": args.learn, "batch": args.batch,
        "threads": args.threads, "torch": torch.__version__, "compile": args.compile,
        "device": args.device, "channels_last": args.channels_last,
        "learned_params": sum(p.numel() for p in whole) + sum(
            int(m.sum()) * p[0].numel() for p, m in masks.items()),
        "img_per_s": args.steps * args.batch / seconds,
    }))


if __name__ == "__main__":
    main()

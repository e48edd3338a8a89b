"""Checks `rwn export` files in PyTorch, for //tests:pytorch_export_test.

    check_pytorch_export.py WORK NAME...

For each NAME, WORK holds NAME.safetensors (the whole export),
NAME.batch.safetensors (a batch and rwn's logits on it), and
NAME.delta.safetensors and NAME.expanded.safetensors (the delta export and
its expansion). Prints one line per model; exit 1 if any check failed.
"""
import os
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file

import rwn_models

# float32 forward passes of the same weights in two builds of libtorch: the
# same arithmetic up to summation order.
ATOL, RTOL = 1e-4, 1e-4


def main():
    work, names = sys.argv[1], sys.argv[2:]
    torch.set_num_threads(1)
    failures = 0
    for name in names:
        path = lambda suffix: os.path.join(work, name + suffix)
        model = rwn_models.load(path(".safetensors"))  # load_state_dict(strict=True)
        batch = load_file(path(".batch.safetensors"))
        with torch.no_grad():
            logits = model(batch["images"])
        expected = batch["logits"]
        difference = (logits - expected).abs().max().item()
        close = logits.shape == expected.shape and torch.allclose(logits, expected, ATOL, RTOL)
        whole, expanded = load_file(path(".safetensors")), load_file(path(".expanded.safetensors"))
        same = whole.keys() == expanded.keys() and all(torch.equal(whole[k], expanded[k]) for k in whole)
        with safe_open(path(".delta.safetensors"), "pt") as f:
            delta_format = f.metadata().get("rwn.format")
        sizes = os.path.getsize(path(".delta.safetensors")), os.path.getsize(path(".safetensors"))
        ok = close and same and delta_format == "delta"
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {type(model).__name__}, {len(whole)} tensors, "
              f"logits {tuple(logits.shape)} max |PyTorch - rwn| = {difference:.2e} "
              f"(allowed {ATOL} + {RTOL} x |rwn|); delta {sizes[0]:,} of {sizes[1]:,} bytes, "
              f"expanded {'equals' if same else 'DIFFERS FROM'} the whole export")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

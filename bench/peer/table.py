"""The Markdown table of bench/peer/compare.sh's measurements.

    python3 bench/peer/table.py RESULTS THREADS BATCH ROUNDS

RESULTS has one line per measurement: "<leg> <model> <mode> <round> <img/s>".
Each cell is the mean over rounds. rwn / peer divides rwn's rate by the
fastest peer leg on the same libtorch; a step's cost in forward passes is
rwn's forward-only rate over its training rate.
"""
import collections
import sys

LEG_ORDER = ["rwn-1.13", "peer-1.13", "peer-1.13-channels-last", "rwn-2.x", "peer-2.x",
             "peer-2.x-channels-last", "peer-2.x-compile", "peer-2.x-compile-channels-last"]
HEADINGS = {
    "rwn-1.13": "rwn, libtorch 1.13",
    "peer-1.13": "PyTorch 1.13 loop",
    "rwn-2.x": "rwn, libtorch 2.x",
    "peer-2.x": "PyTorch 2.x loop",
    "peer-2.x-compile": "PyTorch 2.x loop, torch.compile",
    "peer-1.13-channels-last": "PyTorch 1.13 loop, channels-last",
    "peer-2.x-channels-last": "PyTorch 2.x loop, channels-last",
    "peer-2.x-compile-channels-last": "PyTorch 2.x loop, torch.compile, channels-last",
}
MODE_NAMES = {
    "all_learned": "all",
    "bn_only": "BN only",
    "fc_only": "fc only",
    "last_block": "last block",
    "filters10": "10% of filters",
}


def main(path, threads, batch, rounds):
    rates = collections.defaultdict(list)
    models, modes, legs = [], [], set()
    for line in open(path):
        leg, model, mode, _, rate = line.split()
        rates[leg, model, mode].append(float(rate))
        legs.add(leg)
        if model not in models:
            models.append(model)
        if mode not in modes and mode != "forward_only":
            modes.append(mode)
    mean = {key: sum(v) / len(v) for key, v in rates.items()}
    legs = [leg for leg in LEG_ORDER if leg in legs]
    versions = [v for v in ("1.13", "2.x")
                if f"rwn-{v}" in legs and any(l.startswith(f"peer-{v}") for l in legs)]
    costs = [leg for leg in legs if leg.startswith("rwn-")]
    header = (["model", "learned"] + [HEADINGS[leg] for leg in legs] +
              [f"rwn / peer, {v}" for v in versions] +
              [f"{HEADINGS[leg]}: step in forward passes" for leg in costs])
    print(f"Images per second, batch {batch}, {threads} threads, mean of {rounds} "
          f"round{'s' if rounds != 1 else ''}; rwn / peer is rwn over the fastest peer "
          "on the same libtorch.\n")
    print("| " + " | ".join(header) + " |")
    print("|---|---|" + "---:|" * (len(header) - 2))
    for model in models:
        for mode in modes:
            row = [model, MODE_NAMES.get(mode, mode)]
            row += [f"{mean[leg, model, mode]:,.0f}" if (leg, model, mode) in mean else "–"
                    for leg in legs]
            for v in versions:
                peers = [mean[leg, model, mode] for leg in legs
                         if leg.startswith(f"peer-{v}") and (leg, model, mode) in mean]
                own = mean.get((f"rwn-{v}", model, mode))
                row.append(f"**{own / max(peers):.2f}**" if own and peers else "–")
            for leg in costs:
                forward = mean.get((leg, model, "forward_only"))
                own = mean.get((leg, model, mode))
                row.append(f"{forward / own:.2f}" if forward and own else "–")
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))

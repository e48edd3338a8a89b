"""Reads rwn run folders with TensorBoard's own reader and checks them.

    read_events.py RUNS_ROOT REFERENCE_DIR RESUMED_DIR LOG_EVERY

REFERENCE_DIR trained without a stop, RESUMED_DIR the same spec killed and
resumed; both are below RUNS_ROOT. Every check that fails is printed, and the
exit code is 1 if any did.
"""
import json
import os
import sys

from tensorboard.backend.event_processing import event_accumulator
from tensorboard.backend.event_processing import plugin_event_multiplexer

EPOCH_TAGS = {  # TensorBoard tag: metrics.jsonl field
    "loss/train": "train_loss", "loss/test": "test_loss", "loss/val": "val_loss",
    "top1/train": "train_top1", "top1/test": "test_top1", "top1/val": "val_top1",
    "top5/test": "test_top5", "top5/val": "val_top5", "lr": "lr",
    "img_per_s/train": "images_per_second", "epoch": "epoch",
}
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def load(run_dir):
    accumulator = event_accumulator.EventAccumulator(
        run_dir, size_guidance={event_accumulator.SCALARS: 0, event_accumulator.TENSORS: 0})
    accumulator.Reload()
    return accumulator


def series(accumulator, tag):
    return [(e.step, e.value) for e in accumulator.Scalars(tag)]


def check_run(run_dir, log_every):
    name = os.path.basename(run_dir)
    events = load(run_dir)
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        epochs = [json.loads(line) for line in f]
    with open(os.path.join(run_dir, "summary.json")) as f:
        summary = json.load(f)
    scalar_tags = set(events.Tags()["scalars"])
    check(scalar_tags == set(EPOCH_TAGS) | {"loss/train_step"},
          f"{name}: scalar tags {sorted(scalar_tags)}")
    for tag, field in EPOCH_TAGS.items():
        if tag not in scalar_tags:
            continue
        got = series(events, tag)
        want = [(int(e["step"]), float(e[field])) for e in epochs]
        check([s for s, _ in got] == [s for s, _ in want],
              f"{name}: {tag} at steps {[s for s, _ in got]}, metrics.jsonl says {want}")
        for (step, value), (_, expected) in zip(got, want):
            check(abs(value - expected) <= 1e-6 * max(1.0, abs(expected)),
                  f"{name}: {tag} at step {step} is {value}, metrics.jsonl says {expected}")
    steps = [s for s, _ in series(events, "loss/train_step")]
    last = int(epochs[-1]["step"])
    check(steps == list(range(log_every, last + 1, log_every)),
          f"{name}: loss/train_step at steps {steps}; expected every {log_every} to {last}")
    texts = {tag: events.Tensors(tag)[0].tensor_proto.string_val[0].decode()
             for tag in events.Tags()["tensors"]}
    check(set(texts) == {"run", "spec"}, f"{name}: text tags {sorted(texts)}")
    with open(os.path.join(run_dir, "spec.pbtxt")) as f:
        spec = f.read()
    check(texts.get("spec", "").replace("\n    ", "\n").strip() == spec.strip(),
          f"{name}: the spec text is {texts.get('spec')!r}, spec.pbtxt holds {spec!r}")
    counts = f"learning {summary['learned_params']} of {summary['params']} parameters"
    check(counts in texts.get("run", ""), f"{name}: the run text {texts.get('run')!r} lacks {counts!r}")
    return events


def main():
    root, reference_dir, resumed_dir, log_every = sys.argv[1:5]
    reference = check_run(reference_dir, int(log_every))
    resumed = check_run(resumed_dir, int(log_every))
    for tag in sorted(set(EPOCH_TAGS) - {"img_per_s/train"} | {"loss/train_step"}):
        if tag in reference.Tags()["scalars"]:
            check(series(resumed, tag) == series(reference, tag),
                  f"{tag}: resumed {series(resumed, tag)} != uninterrupted {series(reference, tag)}")
    # What `tensorboard --logdir RUNS_ROOT` shows: one run per run folder.
    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(root)
    multiplexer.Reload()
    runs = sorted(multiplexer.Runs())
    expected = sorted(os.path.relpath(d, root) for d in (reference_dir, resumed_dir))
    check(runs == expected, f"tensorboard --logdir {root} finds runs {runs}, expected {expected}")
    for failure in failures:
        print("FAIL:", failure)
    print(f"{len(failures)} failed checks; read {len(runs)} runs")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

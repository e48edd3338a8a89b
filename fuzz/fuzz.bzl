"""rwn_fuzzer: one fuzz target, as libFuzzer wants it or as a test.

With --config=fuzz (clang, libFuzzer, ASan and UBSan) the target is a
libFuzzer binary that fuzz/run.sh runs for a set time. In every other build
it is a test that replays its seed corpus (corpus/<name>/) and its
regression inputs (regressions/<name>/) once, through replay_main.cc, so
`bazel test //...` checks that every input ever found still passes.
"""

def rwn_fuzzer(name, srcs, deps):
    corpus = "corpus/" + name
    regressions = "regressions/" + name
    native.cc_test(
        name = name + "_fuzzer",
        size = "small",
        srcs = srcs,
        # A test runs in its runfiles' workspace folder.
        args = ["fuzz/" + corpus, "fuzz/" + regressions],
        data = native.glob([corpus + "/**", regressions + "/**"]),
        linkopts = select({
            ":libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        deps = deps + [":fuzz_support"] + select({
            ":libfuzzer": [],
            "//conditions:default": [":replay_main"],
        }),
    )

"""rwn_proto_library: C++ code from .proto files with Debian's system protoc.

    rwn_proto_library(name = "model_proto", srcs = ["model.proto"],
                      deps = ["//models:wide_resnet_proto"])

gives a cc_library `name` (headers `<pkg>/<file>.pb.h`) and a filegroup
`name + "_srcs"` holding the .proto files of it and of its deps, so that protos
may import protos of other packages. protoc runs from the workspace root
(`-I.`), so imports are written from the root: `import "models/model.proto";`.
"""

def rwn_proto_library(name, srcs, deps = [], visibility = None, testonly = False):
    native.filegroup(
        name = name + "_srcs",
        srcs = srcs + [d + "_srcs" for d in deps],
        visibility = visibility,
        testonly = testonly,
    )
    outs = []
    for src in srcs:
        base = src[:-len(".proto")]
        outs += [base + ".pb.h", base + ".pb.cc"]
    native.genrule(
        name = name + "_gen",
        srcs = srcs + [name + "_srcs"],
        outs = outs,
        cmd = "protoc -I. --cpp_out=$(GENDIR) " + " ".join(
            ["$(location %s)" % s for s in srcs],
        ),
        message = "protoc " + " ".join(srcs),
        testonly = testonly,
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        deps = deps + ["@protobuf"],
        visibility = visibility,
        testonly = testonly,
    )

"""libtorch_repository: the @libtorch cc_library from one libtorch folder.

RWN_LIBTORCH (a --repo_env) names the libtorch root, the folder holding
include/ and lib/:
  /usr      Debian's libtorch-dev 1.13 (CPU), the default;
  pinned    the libtorch 2.x of tools/libtorch/torch2.lock, fetched and
            unpacked into a cache folder by tools/libtorch/fetch.sh (run here
            when the folder is not there yet);
  any DIR   another unpacked libtorch (pytorch.org's zip, a torch wheel's
            torch/ folder).

Every torch header comes from that root: for a root other than /usr its whole
include/ tree is declared, and it is searched before /usr/include, so Debian's
torch headers can never be mixed in. The rule refuses, naming the file and the
value it read: a libtorch older than 1.13, one built with the pre-C++11
libstdc++ ABI, and (with RWN_REQUIRE_CUDA=1) one without CUDA. It records what
the libtorch needs in defines that //torch_support:compat checks:
RWN_LIBTORCH_CXX_STD (17 or 20; libtorch 2.14 and later need C++20) and
RWN_LIBTORCH_HAS_CUDA.

A second target, @libtorch//:nccl, is for the one file that includes torch's
ProcessGroupNCCL.hpp (train/distributed.cc): with a CUDA libtorch whose
headers have it, and the CUDA runtime and NCCL headers beside it (a wheel's
nvidia/ folder) or in /usr/local/cuda, it carries those headers and defines
RWN_LIBTORCH_HAS_NCCL; otherwise it is empty. Kept apart so that these
headers are inputs of that file alone.
"""

_MIN_VERSION = (1, 13)

def _fetch_pinned(ctx):
    ctx.path(Label("//tools/libtorch:torch2.lock"))  # re-run when the pin changes
    fetch = ctx.path(Label("//tools/libtorch:fetch.sh"))
    ctx.report_progress("tools/libtorch/fetch.sh (the first time: about 2.3 GB)")
    result = ctx.execute([fetch], timeout = 3600, quiet = False)
    if result.return_code != 0:
        fail("RWN_LIBTORCH=pinned: tools/libtorch/fetch.sh failed (exit %d):\n%s" %
             (result.return_code, result.stderr))
    return result.stdout.strip().splitlines()[-1]

def _read_define(ctx, path, name):
    for line in ctx.read(path).splitlines():
        words = [w for w in line.replace("\t", " ").split(" ") if w]
        if len(words) == 3 and words[0] == "#define" and words[1] == name:
            return words[2]
    fail("%s: no #define %s" % (path, name))

def _version(ctx, include):
    for header in ["torch/headeronly/version.h", "torch/csrc/api/include/torch/version.h"]:
        path = ctx.path(include + "/" + header)
        if path.exists:
            parts = [_read_define(ctx, path, "TORCH_VERSION_" + p) for p in ["MAJOR", "MINOR", "PATCH"]]
            version = tuple([int(p) for p in parts])
            if version[:2] < _MIN_VERSION:
                fail("%s says libtorch %s; rwn needs %d.%d or later." %
                     (path, ".".join(parts), _MIN_VERSION[0], _MIN_VERSION[1]))
            return ".".join(parts)
    fail("%s/torch/csrc/api/include/torch/version.h is missing: not a libtorch." % include)

def _check_abi(ctx, root, libdir):
    """Refuses a libtorch built with the pre-C++11 ABI (_GLIBCXX_USE_CXX11_ABI=0)."""
    candidates = [root + "/share/cmake/Torch/TorchConfig.cmake", libdir + "/cmake/Torch/TorchConfig.cmake"]
    for cmake in candidates:
        path = ctx.path(cmake)
        if not path.exists:
            continue
        text = ctx.read(path)
        flag = "-D_GLIBCXX_USE_CXX11_ABI="
        at = text.find(flag)
        if at >= 0 and text[at + len(flag)] != "1":
            fail(("%s sets %s%s: this libtorch uses the pre-C++11 libstdc++ ABI, which Debian's " +
                  "abseil, protobuf and gflags cannot link with. Use a cxx11-ABI libtorch " +
                  "(every torch wheel since 2.7, pytorch.org's 'cxx11 ABI' zip).") %
                 (cmake, flag, text[at + len(flag)]))
        return
    fail("No TorchConfig.cmake in %s: cannot check the libtorch's C++ ABI." % " or ".join(candidates))

def _cxx_std(ctx, include):
    all_h = ctx.path(include + "/torch/csrc/api/include/torch/all.h")
    return 20 if "202002L" in ctx.read(all_h) else 17

def _libdir(ctx, root):
    for candidate in [root + "/lib/x86_64-linux-gnu", root + "/lib"]:
        if ctx.path(candidate + "/libtorch.so").exists:
            return candidate
    fail(("libtorch.so not found in %s/lib[/x86_64-linux-gnu] (RWN_LIBTORCH=%s). " +
          "Install Debian's libtorch-dev with ./setup.sh, or point RWN_LIBTORCH at an " +
          "unpacked libtorch.") % (root, root))

def _has_headers(ctx, folders):
    for header in ["cuda_runtime_api.h", "nccl.h"]:
        if not [f for f in folders if ctx.path(f + "/" + header).exists]:
            return False
    return True

def _nccl_headers(ctx, root, include, cuda):
    """Symlinks the CUDA runtime and NCCL header folders as cuda_include/N; returns those names."""
    if not cuda or not ctx.path(include + "/torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp").exists:
        return []
    wheel = root + "/../nvidia/"
    candidates = [wheel + d + "/include" for d in ["cu13", "cuda_runtime", "cublas", "cusparse", "cusolver", "nccl"]]
    folders = [f for f in candidates if ctx.path(f).exists]
    if not _has_headers(ctx, folders):
        folders.append("/usr/local/cuda/include")  # a libtorch without the wheel's nvidia/
    if not _has_headers(ctx, folders):
        return []
    names = []
    for i, folder in enumerate(folders):
        ctx.symlink(folder, "cuda_include/%d" % i)
        names.append("cuda_include/%d" % i)
    return names

def _libtorch_repository_impl(ctx):
    setting = ctx.os.environ.get("RWN_LIBTORCH", "/usr")
    root = _fetch_pinned(ctx) if setting == "pinned" else (setting.rstrip("/") or "/")
    include = root + "/include"
    if not ctx.path(include + "/torch/csrc/api/include/torch/torch.h").exists:
        fail(("RWN_LIBTORCH=%s is not a libtorch: %s/torch/csrc/api/include/torch/torch.h is " +
              "missing. Use /usr (Debian's libtorch-dev, ./setup.sh installs it), pinned " +
              "(tools/libtorch/torch2.lock) or an unpacked libtorch's folder.") % (setting, include))
    libdir = _libdir(ctx, root)
    version = _version(ctx, include)
    _check_abi(ctx, root, libdir)
    cuda = ctx.path(libdir + "/libtorch_cuda.so").exists
    if ctx.os.environ.get("RWN_REQUIRE_CUDA", "") == "1" and not cuda:
        fail(("--config=cuda needs a CUDA build of libtorch, but RWN_LIBTORCH=%s (libtorch %s) " +
              "has no libtorch_cuda.so in %s.") % (setting, version, libdir))

    if root == "/usr":
        # ATen, c10 and torch's own headers are already in a system folder.
        ctx.symlink(include + "/torch/csrc/api/include", "api_include")
        hdrs, includes = ["api_include/**/*.h"], ["api_include"]
    else:
        # Every folder of include/ but google/: a wheel carries its own copy
        # of protobuf's headers (2.11's do not match Debian's protobuf 3.21,
        # whose generated code rwn compiles), and they must not shadow it.
        for entry in ctx.path(include).readdir():
            if entry.basename != "google":
                ctx.symlink(entry, "include/" + entry.basename)
        hdrs, includes = ["include/**"], ["include/torch/csrc/api/include", "include"]
    libs = ["-ltorch", "-ltorch_cpu", "-lc10"] + (["-ltorch_cuda", "-lc10_cuda"] if cuda else [])
    defines = ["RWN_LIBTORCH_CXX_STD=%d" % _cxx_std(ctx, include)]
    defines += ["RWN_LIBTORCH_HAS_CUDA"] if cuda else []
    nccl = _nccl_headers(ctx, root, include, cuda)
    ctx.file("WORKSPACE", "workspace(name = \"libtorch\")\n")
    ctx.file("BUILD", """
# Generated by //third_party:libtorch.bzl: libtorch {version} from {root}.
cc_library(
    name = "libtorch",
    hdrs = glob({hdrs}),
    includes = {includes},
    defines = {defines},
    linkopts = {linkopts},
    visibility = ["//visibility:public"],
)

cc_library(
    name = "nccl",
    hdrs = glob({nccl_hdrs}),
    includes = {nccl_includes},
    defines = {nccl_defines},
    deps = [":libtorch"],
    visibility = ["//visibility:public"],
)
""".format(
        version = version,
        root = root,
        hdrs = repr(hdrs),
        includes = repr(includes),
        defines = repr(defines),
        nccl_hdrs = repr([n + "/**/*.h" for n in nccl] + [n + "/**/*.hpp" for n in nccl]),
        nccl_includes = repr(nccl),
        nccl_defines = repr(["RWN_LIBTORCH_HAS_NCCL"] if nccl else []),
        linkopts = repr(["-L" + libdir, "-Wl,-rpath," + libdir, "-Wl,--no-as-needed"] + libs + ["-pthread"]),
    ))

libtorch_repository = repository_rule(
    implementation = _libtorch_repository_impl,
    environ = ["RWN_LIBTORCH", "RWN_REQUIRE_CUDA", "RWN_CACHE", "XDG_CACHE_HOME"],
    local = True,
)

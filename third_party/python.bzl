"""python_packages: Debian's python3 plus the PyPI wheels of tools/python.

The repository holds one file, `env.sh`, that a test or tool sources:

    RWN_PYTHON      Debian's /usr/bin/python3 (python3-torch and the other
                    python3-* packages of setup.sh are installed for it)
    RWN_PYTHONPATH  the unpacked wheels of tools/python/requirements.lock
                    (tensorboard, safetensors), fetched by tools/python/fetch.sh
                    into a cache folder on first use

The wheels are not Bazel inputs file by file (tensorboard alone has
thousands); the lock's hash names their folder, so a new pin is a new folder.
"""

def _python_packages_impl(ctx):
    ctx.path(Label("//tools/python:requirements.lock"))  # re-run when the pin changes
    fetch = ctx.path(Label("//tools/python:fetch.sh"))
    ctx.report_progress("tools/python/fetch.sh (the first time: about 30 MB)")
    result = ctx.execute([fetch], timeout = 1200, quiet = False)
    if result.return_code != 0:
        fail("tools/python/fetch.sh failed (exit %d):\n%s" % (result.return_code, result.stderr))
    site = result.stdout.strip().splitlines()[-1]
    ctx.file("env.sh", "RWN_PYTHON=/usr/bin/python3\nRWN_PYTHONPATH=%s\n" % site)
    ctx.file("BUILD", 'exports_files(["env.sh"])\n')

python_packages = repository_rule(
    implementation = _python_packages_impl,
    environ = ["RWN_CACHE", "XDG_CACHE_HOME"],
    local = False,
)

"""rules_java shim for Bazel 4.2.3 (see third_party/rules_cc/cc/defs.bzl).

@bazel_tools//tools/jdk loads these names while Bazel parses its registered
toolchains, even for C++-only builds; rwn builds no Java.
"""

java_binary = native.java_binary
java_import = native.java_import
java_library = native.java_library
java_plugin = native.java_plugin
java_runtime = native.java_runtime
java_test = native.java_test
java_toolchain = native.java_toolchain
java_package_configuration = native.java_package_configuration

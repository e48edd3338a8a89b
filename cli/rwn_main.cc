// The rwn command line: `rwn <command> [flags]`, one file per command
// (cli/<command>_command.cc), each taking only its own flags.
//
// Exit codes: 0 done (or already finished), 2 bad input (spec, flags, data
// files), 1 anything else.
#include <gflags/gflags.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/command.h"
#include "torch_support/runtime.h"

namespace rwn::cli {
namespace {

const std::vector<const Command*>& Commands() {
  static const auto* commands = new std::vector<const Command*>{
      &kTrain, &kLaunch, &kSweep, &kReport, &kWeights, &kExport, &kCount};
  return *commands;
}

std::string Usage() {
  std::string usage =
      "rwn: train networks that learn only a chosen subset of their weights.\n\nusage:\n";
  for (const Command* command : Commands()) usage += command->usage;
  return usage + "  rwn <command> --help\n      the command's flags.\n";
}

const Command* Find(const std::string& name) {
  for (const Command* command : Commands()) {
    if (name == command->name) return command;
  }
  return nullptr;
}

// Every flag `command` takes: its own file's and the shared ones it names.
std::vector<gflags::CommandLineFlagInfo> FlagsOf(const Command& command) {
  std::vector<gflags::CommandLineFlagInfo> all, taken;
  gflags::GetAllFlags(&all);
  for (const gflags::CommandLineFlagInfo& flag : all) {
    bool shared = false;
    for (const std::string& name : command.shared_flags) shared = shared || name == flag.name;
    if (shared || flag.filename == command.flags_file) taken.push_back(flag);
  }
  return taken;
}

// The command whose file defines flag `name`, if any.
const Command* Owner(const std::string& name) {
  gflags::CommandLineFlagInfo info;
  if (!gflags::GetCommandLineFlagInfo(name.c_str(), &info)) return nullptr;
  for (const Command* command : Commands()) {
    if (info.filename == command->flags_file) return command;
  }
  return nullptr;
}

// The flag's name in `arg` ("--no" stripped from a boolean's), or "" when
// `arg` is not a flag.
std::string FlagName(const std::string& arg) {
  if (arg.rfind("-", 0) != 0 || arg == "-") return "";
  const std::string body = arg.substr(arg.find_first_not_of('-'));
  const std::string name = body.substr(0, body.find('='));
  gflags::CommandLineFlagInfo info;
  if (name.rfind("no", 0) == 0 && !gflags::GetCommandLineFlagInfo(name.c_str(), &info) &&
      gflags::GetCommandLineFlagInfo(name.substr(2).c_str(), &info) && info.type == "bool") {
    return info.name;
  }
  return name;
}

// Refuses any flag the command does not take, naming the command it
// belongs to and the ones allowed.
absl::Status CheckFlags(const Command& command, const std::vector<std::string>& args) {
  const std::vector<gflags::CommandLineFlagInfo> taken = FlagsOf(command);
  std::vector<std::string> allowed;
  for (const gflags::CommandLineFlagInfo& flag : taken) allowed.push_back("--" + flag.name);
  for (const std::string& arg : args) {
    const std::string name = FlagName(arg);
    if (name.empty() || name == "help") continue;
    bool ok = false;
    for (const gflags::CommandLineFlagInfo& flag : taken) ok = ok || flag.name == name;
    if (ok) continue;
    const Command* owner = Owner(name);
    const std::string whose =
        owner != nullptr ? absl::StrCat("--", name, " is a flag of `rwn ", owner->name,
                                        "`, not of `rwn ", command.name, "`")
                         : absl::StrCat("unknown flag --", name, " for `rwn ", command.name, "`");
    return absl::InvalidArgumentError(
        absl::StrCat(whose, "; allowed: ", absl::StrJoin(allowed, ", "), " (and --help)"));
  }
  return absl::OkStatus();
}

void PrintHelp(const Command& command) {
  std::printf("%s\nflags:\n", command.usage);
  for (const gflags::CommandLineFlagInfo& flag : FlagsOf(command)) {
    std::printf("  --%s (%s; default: %s)\n      %s\n", flag.name.c_str(), flag.type.c_str(),
                flag.default_value.empty() ? "\"\"" : flag.default_value.c_str(),
                flag.description.c_str());
  }
}

int Main(int argc, char** argv) {
  InitRuntime(/*threads=*/0);  // before any tensor; commands may override
  // Everything after "--" is launch's command, not ours.
  std::vector<std::string> args(argv + 1, argv + argc), forwarded;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] != "--") continue;
    forwarded.assign(args.begin() + i + 1, args.end());
    args.resize(i);
    argc = static_cast<int>(i) + 1;
    break;
  }
  if (args.empty() || args[0].rfind("-", 0) == 0) {
    std::fputs(Usage().c_str(), args.empty() ? stderr : stdout);
    return args.empty() || (args[0] != "--help" && args[0] != "-h") ? 2 : 0;
  }
  const Command* command = Find(args[0]);
  if (command == nullptr) {
    std::vector<std::string> names;
    for (const Command* c : Commands()) names.push_back(c->name);
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("unknown command '", args[0], "'; allowed: ", absl::StrJoin(names, ", "))));
  }
  for (const std::string& arg : args) {
    if (arg != "--help" && arg != "-h" && arg != "-help") continue;
    PrintHelp(*command);
    return 0;
  }
  if (absl::Status known = CheckFlags(*command, args); !known.ok()) return Fail(known);
  gflags::ParseCommandLineFlags(&argc, &argv, /*remove_flags=*/true);
  if (argc != 2) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("unexpected argument '", argv[2], "' after `rwn ", command->name,
                     "`; flags are --name=value, and a launched command follows '--'")));
  }
  return command->run(forwarded);
}

}  // namespace
}  // namespace rwn::cli

int main(int argc, char** argv) { return rwn::cli::Main(argc, argv); }

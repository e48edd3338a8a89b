// Running a shell command and reading its output (gnuplot, sbatch, squeue).
#ifndef RWN_CORE_SHELL_H_
#define RWN_CORE_SHELL_H_

#include <string>
#include <utility>

namespace rwn {

// Runs `command` with /bin/sh; returns its exit code (-1 when it could not
// run or was killed) and its stdout and stderr together.
std::pair<int, std::string> RunShell(const std::string& command);

// `text` in single quotes for /bin/sh.
std::string ShellQuote(const std::string& text);

}  // namespace rwn

#endif  // RWN_CORE_SHELL_H_

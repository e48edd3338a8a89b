#include "reports/gnuplot.h"

#include "absl/strings/str_cat.h"
#include "core/files.h"
#include "core/shell.h"
#include "core/status_macros.h"

namespace rwn {

std::string GnuplotQuote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string GnuplotHeader(const std::string& png, int width, int height) {
  return absl::StrCat("set terminal pngcairo noenhanced size ", width, ",", height,
                      " font 'Sans,11'\nset output ", GnuplotQuote(png), "\n");
}

absl::Status RunGnuplot(const std::string& script_path, const std::string& script) {
  RETURN_IF_ERROR(WriteFileAtomically(script_path, script));
  const auto [status, output] = RunShell(absl::StrCat("gnuplot ", ShellQuote(script_path)));
  if (status != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("gnuplot failed on ", script_path,
                     " (install Debian's gnuplot-nox with ./setup.sh): ", output));
  }
  return absl::OkStatus();
}

}  // namespace rwn

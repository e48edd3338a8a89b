#include "reports/gnuplot.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "core/files.h"
#include "core/shell.h"
#include "core/status_macros.h"

namespace rwn {

std::string GnuplotQuote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string SeriesColor(int index) {
  // Okabe & Ito (2008), without yellow, which is faint on white.
  static const char* const kColors[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                        "#E69F00", "#56B4E9", "#000000"};
  const int n = sizeof(kColors) / sizeof(kColors[0]);
  return kColors[((index % n) + n) % n];
}

std::string GnuplotFigure(const std::string& base, int width, int height, const std::string& body) {
  const std::string size = absl::StrCat(" size ", width, ",", height, " font 'Sans,11'\n");
  return absl::StrCat("set terminal pngcairo noenhanced", size, "set output ",
                      GnuplotQuote(base + ".png"), "\n", body, "\nunset output\n",
                      "set terminal svg noenhanced dynamic background '#ffffff'", size,
                      "set output ", GnuplotQuote(base + ".svg"), "\n", body, "\nunset output\n");
}

absl::Status RunGnuplot(const std::string& script_path, const std::string& script) {
  RETURN_IF_ERROR(WriteFileAtomically(script_path, script));
  const std::filesystem::path path(script_path);
  const auto [status, output] = RunShell(
      absl::StrCat("cd ", ShellQuote(path.has_parent_path() ? path.parent_path().string() : "."),
                   " && gnuplot ", ShellQuote(path.filename().string())));
  if (status != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("gnuplot failed on ", script_path,
                     " (install Debian's gnuplot-nox with ./setup.sh): ", output));
  }
  return absl::OkStatus();
}

}  // namespace rwn

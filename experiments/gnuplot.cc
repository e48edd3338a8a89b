#include "experiments/gnuplot.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "core/files.h"
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
  const std::string command = absl::StrCat("gnuplot ", GnuplotQuote(script_path), " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("cannot start gnuplot");
  std::string output;
  char buffer[512];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  if (status != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "gnuplot failed on ", script_path, " (install Debian's gnuplot-nox with ./setup.sh): ",
        output));
  }
  return absl::OkStatus();
}

}  // namespace rwn

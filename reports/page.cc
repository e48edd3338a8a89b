#include "reports/page.h"

#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/files.h"
#include "core/status_macros.h"
#include "core/table.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;

constexpr char kStyle[] =
    "body{font-family:sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .6em}"
    "th{background:#f3f3f3}svg{max-width:100%;height:auto}.files{color:#555}";

// The SVG of `path` without its XML prolog, to place inside HTML.
absl::StatusOr<std::string> InlineSvg(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string svg, ReadFile(path));
  const size_t start = svg.find("<svg");
  if (start == std::string::npos) {
    return absl::DataLossError(absl::StrCat(path, ": no <svg> element"));
  }
  return svg.substr(start);
}

}  // namespace

ReportPage::ReportPage(std::string title, std::string about)
    : title_(std::move(title)), about_(std::move(about)) {}

void ReportPage::AddTable(const std::string& heading, const std::string& caption,
                          const Table& table, const std::string& csv) {
  sections_.push_back({heading, caption, table.ToMarkdown(), table.ToHtml(), csv, ""});
}

void ReportPage::AddFigure(const std::string& heading, const std::string& caption,
                           const std::string& stem) {
  sections_.push_back({heading, caption, "", "", "", stem});
}

void ReportPage::AddFile(const std::string& name, const std::string& what) {
  files_.push_back({name, what});
}

absl::StatusOr<std::vector<std::string>> ReportPage::Write(const std::string& out) const {
  std::string md = absl::StrCat("# ", title_, "\n\n", about_, "\n");
  std::string html =
      absl::StrCat("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>",
                   HtmlEscape(title_), "</title><style>", kStyle, "</style></head><body>\n<h1>",
                   HtmlEscape(title_), "</h1>\n<p>", HtmlEscape(about_), "</p>\n");
  for (Section s : sections_) {
    // Under a page of the same title, the caption alone heads the section.
    if (s.heading == title_ && !s.caption.empty()) {
      s.heading = s.caption;
      s.heading[0] = absl::ascii_toupper(s.heading[0]);
      s.caption.clear();
    }
    absl::StrAppend(&md, "\n## ", s.heading, "\n\n");
    absl::StrAppend(&html, "<h2>", HtmlEscape(s.heading), "</h2>\n");
    if (!s.caption.empty()) {
      absl::StrAppend(&md, "*", s.caption, "*\n\n");
      absl::StrAppend(&html, "<p><em>", HtmlEscape(s.caption), "</em></p>\n");
    }
    if (s.figure.empty()) {
      absl::StrAppend(&md, s.table_markdown);
      absl::StrAppend(&html, s.table_html);
      if (!s.csv.empty()) {
        absl::StrAppend(&md, "\n[CSV](", s.csv, ")\n");
        absl::StrAppend(&html, "<p class=\"files\"><a href=\"", s.csv, "\">CSV</a></p>\n");
      }
      continue;
    }
    ASSIGN_OR_RETURN(const std::string svg,
                     InlineSvg((fs::path(out) / (s.figure + ".svg")).string()));
    absl::StrAppend(&md, "![", s.heading, "](", s.figure, ".png)\n\n[SVG](", s.figure,
                    ".svg) · [data](", s.figure, ".dat) · [gnuplot script](", s.figure, ".gp)\n");
    absl::StrAppend(&html, svg, "\n<p class=\"files\"><a href=\"", s.figure,
                    ".svg\">SVG</a> · <a href=\"", s.figure, ".dat\">data</a> · <a href=\"",
                    s.figure, ".gp\">gnuplot script</a></p>\n");
  }
  if (!files_.empty()) {
    absl::StrAppend(&md, "\n## Files\n\n");
    absl::StrAppend(&html, "<h2>Files</h2>\n<ul>\n");
    for (const auto& [name, what] : files_) {
      absl::StrAppend(&md, "- [", name, "](", name, "): ", what, "\n");
      absl::StrAppend(&html, "<li><a href=\"", name, "\">", name, "</a>: ", HtmlEscape(what),
                      "</li>\n");
    }
    absl::StrAppend(&html, "</ul>\n");
  }
  absl::StrAppend(&html, "</body></html>\n");
  RETURN_IF_ERROR(WriteFileAtomically((fs::path(out) / "index.md").string(), md));
  RETURN_IF_ERROR(WriteFileAtomically((fs::path(out) / "index.html").string(), html));
  return std::vector<std::string>{"index.md", "index.html"};
}

}  // namespace rwn

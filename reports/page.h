// A report's one page: index.md, and the same as a self-contained
// index.html (figures inline as SVG, tables as HTML), with every table and
// figure in the order they were added, under the report's title and a line
// saying what was run.
#ifndef RWN_REPORTS_PAGE_H_
#define RWN_REPORTS_PAGE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace rwn {

class Table;

class ReportPage {
 public:
  // `title`: the page's heading; `about`: the line under it (plain text).
  ReportPage(std::string title, std::string about);

  // A table under `heading` and a line of `caption` (may be ""), with a
  // link to its CSV (a file name in the report folder; "" for none).
  void AddTable(const std::string& heading, const std::string& caption, const Table& table,
                const std::string& csv);
  // A figure under `heading` and `caption`: `stem`.png in index.md,
  // `stem`.svg inline in index.html, with links to the SVG and the data and
  // script beside it.
  void AddFigure(const std::string& heading, const std::string& caption, const std::string& stem);
  // Links to further files (CSV), at the end.
  void AddFile(const std::string& name, const std::string& what);

  // Writes index.md and index.html into `out`, which holds the figures'
  // SVGs; returns the two names.
  absl::StatusOr<std::vector<std::string>> Write(const std::string& out) const;

 private:
  struct Section {
    std::string heading, caption;
    std::string table_markdown, table_html, csv;  // a table
    std::string figure;                           // or a figure's stem
  };
  std::string title_, about_;
  std::vector<Section> sections_;
  std::vector<std::pair<std::string, std::string>> files_;  // name, what
};

}  // namespace rwn

#endif  // RWN_REPORTS_PAGE_H_

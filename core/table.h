// A Markdown table with padded columns, for command-line output and reports:
//
//   Table table({"layer", "params"}, {Table::kLeft, Table::kRight});
//   table.AddRow({"conv1", "432"});
//   std::cout << table.ToMarkdown();
#ifndef RWN_CORE_TABLE_H_
#define RWN_CORE_TABLE_H_

#include <string>
#include <vector>

namespace rwn {

class Table {
 public:
  enum Align { kLeft, kRight };

  // `align` may be shorter than `headers`; missing columns are left-aligned.
  Table(std::vector<std::string> headers, std::vector<Align> align = {});

  // A row with fewer cells than headers is padded with empty cells.
  void AddRow(std::vector<std::string> cells);

  // The table as Markdown, every column padded to its widest cell.
  std::string ToMarkdown() const;

  // The table as CSV (RFC 4180: cells with a comma, quote or newline are
  // quoted).
  std::string ToCsv() const;

  // The table as an HTML <table>, cells escaped, right-aligned columns so.
  std::string ToHtml() const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;
};

// `text` with &, <, > and " escaped for HTML.
std::string HtmlEscape(const std::string& text);

// 5849050 -> "5,849,050".
std::string WithCommas(long long value);

}  // namespace rwn

#endif  // RWN_CORE_TABLE_H_

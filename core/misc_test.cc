// Tests of the small core helpers: status macros, tables, files.
#include <gtest/gtest.h>

#include "core/files.h"
#include "core/status_macros.h"
#include "core/table.h"
#include "core/testing.h"

namespace rwn {
namespace {

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int half, Half(x));
  ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status CheckQuarter(int x) {
  RETURN_IF_ERROR(Quarter(x).status());
  return absl::OkStatus();
}

TEST(StatusMacrosTest, PropagateErrorsAndValues) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().message(), "odd");
  EXPECT_OK(CheckQuarter(4));
  EXPECT_EQ(CheckQuarter(2).message(), "odd");
}

TEST(TableTest, PadsAndAlignsColumns) {
  Table table({"layer", "params"}, {Table::kLeft, Table::kRight});
  table.AddRow({"conv1", "432"});
  table.AddRow({"fc", WithCommas(5849050)});
  EXPECT_EQ(table.ToMarkdown(),
            "| layer |    params |\n"
            "|-------|----------:|\n"
            "| conv1 |       432 |\n"
            "| fc    | 5,849,050 |\n");
  EXPECT_EQ(WithCommas(0), "0");
  EXPECT_EQ(WithCommas(-1234), "-1,234");
  EXPECT_EQ(WithCommas(999), "999");
}

TEST(TableTest, HtmlEscapesCellsAndAlignsRightColumns) {
  Table table({"point", "top-1 (%)"}, {Table::kLeft, Table::kRight});
  table.AddRow({"a<b & \"c\"", "84.12"});
  EXPECT_EQ(table.ToHtml(),
            "<table>\n<thead><tr><th>point</th><th style=\"text-align:right\">top-1 (%)</th></tr>"
            "\n</thead>\n<tbody>\n<tr><td>a&lt;b &amp; &quot;c&quot;</td>"
            "<td style=\"text-align:right\">84.12</td></tr>\n</tbody>\n</table>\n");
}

TEST(FilesTest, AtomicWriteReplacesAndAppendAppends) {
  const std::string path = TestDir("files") + "/f.txt";
  ASSERT_OK(WriteFileAtomically(path, "one"));
  ASSERT_OK(WriteFileAtomically(path, "two"));
  EXPECT_EQ(*ReadFile(path), "two");
  ASSERT_OK(AppendLine(path, "x"));
  EXPECT_EQ(*ReadFile(path), "twox\n");
  EXPECT_EQ(WriteFileAtomically("/nonexistent-dir/f", "x").code(), absl::StatusCode::kNotFound);
}

TEST(FilesTest, FingerprintIsFnv1a) {
  EXPECT_EQ(Fingerprint(""), "cbf29ce484222325");
  EXPECT_EQ(Fingerprint("a"), "af63dc4c8601ec8c");
}

}  // namespace
}  // namespace rwn

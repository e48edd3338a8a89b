#include "core/table.h"

#include <algorithm>

namespace rwn {

Table::Table(std::vector<std::string> headers, std::vector<Align> align)
    : headers_(std::move(headers)), align_(std::move(align)) {
  align_.resize(headers_.size(), kLeft);
}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::ToMarkdown() const {
  std::vector<size_t> width(headers_.size(), 3);
  for (size_t c = 0; c < headers_.size(); ++c) {
    width[c] = std::max(width[c], headers_[c].size());
    for (const auto& row : rows_) width[c] = std::max(width[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out = "|";
    for (size_t c = 0; c < cells.size(); ++c) {
      const std::string pad(width[c] - cells[c].size(), ' ');
      out += " " + (align_[c] == kRight ? pad + cells[c] : cells[c] + pad) + " |";
    }
    return out + "\n";
  };
  std::string out = line(headers_) + "|";
  for (size_t c = 0; c < headers_.size(); ++c) {
    out += align_[c] == kRight ? std::string(width[c] + 1, '-') + ":|"
                               : std::string(width[c] + 2, '-') + "|";
  }
  out += "\n";
  for (const auto& row : rows_) out += line(row);
  return out;
}

std::string Table::ToCsv() const {
  auto line = [](const std::vector<std::string>& cells, size_t width) {
    std::string out;
    for (size_t i = 0; i < width; ++i) {
      const std::string cell = i < cells.size() ? cells[i] : "";
      if (i > 0) out += ',';
      if (cell.find_first_of(",\"\n") == std::string::npos) {
        out += cell;
        continue;
      }
      out += '"';
      for (char c : cell) {
        if (c == '"') out += '"';
        out += c;
      }
      out += '"';
    }
    return out + "\n";
  };
  std::string out = line(headers_, headers_.size());
  for (const auto& row : rows_) out += line(row, headers_.size());
  return out;
}

std::string Table::ToHtml() const {
  auto line = [&](const std::vector<std::string>& cells, const char* tag) {
    std::string out = "<tr>";
    for (size_t c = 0; c < cells.size(); ++c) {
      out += std::string("<") + tag + (align_[c] == kRight ? " style=\"text-align:right\">" : ">") +
             HtmlEscape(cells[c]) + "</" + tag + ">";
    }
    return out + "</tr>\n";
  };
  std::string out = "<table>\n<thead>" + line(headers_, "th") + "</thead>\n<tbody>\n";
  for (const auto& row : rows_) out += line(row, "td");
  return out + "</tbody>\n</table>\n";
}

std::string HtmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string WithCommas(long long value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

}  // namespace rwn

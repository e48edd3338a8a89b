#include "train/progress.h"

#include <unistd.h>

#include "absl/strings/str_format.h"

namespace rwn {
namespace {

std::string Clock(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  return s >= 3600 ? absl::StrFormat("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                   : absl::StrFormat("%d:%02d", s / 60, s % 60);
}

}  // namespace

Progress::Progress(std::string label, std::FILE* out)
    : label_(std::move(label)), out_(out), interactive_(isatty(fileno(out)) == 1) {}

void Progress::StartEpoch(int64_t epoch, int64_t epochs, int64_t batches) {
  epoch_ = epoch;
  epochs_ = epochs;
  batches_ = batches;
  epoch_start_ = last_print_ = std::chrono::steady_clock::now();
}

void Progress::Batch(int64_t batch, double images_per_second, double loss) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - epoch_start_).count();
  const double since_print = std::chrono::duration<double>(now - last_print_).count();
  if (interactive_ ? since_print < 0.2 : since_print < 30) return;
  last_print_ = now;
  const double eta = batch > 0 ? elapsed / batch * (batches_ - batch) : 0;
  const std::string line =
      absl::StrFormat("%s epoch %d/%d [%d/%d] %.0f img/s loss %.4f ETA %s", label_, epoch_ + 1,
                      epochs_, batch, batches_, images_per_second, loss, Clock(eta));
  if (interactive_) {
    std::fprintf(out_, "\r\033[K%s", line.c_str());
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
}

std::string Progress::EpochLine(const EpochMetrics& m, int64_t epochs) {
  return absl::StrFormat(
      "epoch %d/%d lr %.4g loss %.4f train %.2f%% test %.2f%% (top-5 %.2f%%) %.0f img/s %.1fs",
      m.epoch(), epochs, m.lr(), m.train_loss(), 100 * m.train_top1(), 100 * m.test_top1(),
      100 * m.test_top5(), m.images_per_second(), m.epoch_seconds() + m.eval_seconds());
}

void Progress::EndEpoch(const EpochMetrics& metrics, int64_t epochs) {
  std::fprintf(out_, "%s%s %s\n", interactive_ ? "\r\033[K" : "", label_.c_str(),
               EpochLine(metrics, epochs).c_str());
  std::fflush(out_);
}

}  // namespace rwn

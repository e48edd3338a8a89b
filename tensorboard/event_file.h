// A run's TensorBoard event file: scalar and text summaries appended as
// training goes, readable by `tensorboard --logdir` while it grows.
//
// Resuming keeps exactly the events of the steps the checkpoint covers: the
// file is rewritten without the events after that step (and without a
// record cut short by a kill), then appended to again, so every step is in
// the file once however often the run was stopped.
#ifndef RWN_TENSORBOARD_EVENT_FILE_H_
#define RWN_TENSORBOARD_EVENT_FILE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace rwn {
namespace tensorboard {

// The name TensorBoard recognises as an event file ("tfevents" in it).
inline constexpr char kEventFileName[] = "events.out.tfevents.rwn";

struct Scalar {
  std::string tag;  // e.g. "loss/train"
  double value = 0;
};

class EventFile {
 public:
  // Opens `path` for a run that has trained `resume_step` steps (0: a new
  // run, whose file starts afresh with its file_version event). Events of
  // later steps are dropped; step 0's (the run's text) are kept.
  static absl::StatusOr<EventFile> Open(const std::string& path, int64_t resume_step);

  // Appends one event holding `scalars` at `step`.
  absl::Status AddScalars(int64_t step, const std::vector<Scalar>& scalars);
  // Appends one text summary (Markdown) at `step`.
  absl::Status AddText(int64_t step, const std::string& tag, const std::string& markdown);

  const std::string& path() const { return path_; }
  // Whether Open began the file anew (a new run, or none to resume): the
  // run's step-0 text is then still to be written.
  bool started_afresh() const { return started_afresh_; }

 private:
  EventFile(std::string path, bool started_afresh)
      : path_(std::move(path)), started_afresh_(started_afresh) {}
  absl::Status Append(const std::string& serialized_event);

  std::string path_;
  bool started_afresh_;
};

}  // namespace tensorboard
}  // namespace rwn

#endif  // RWN_TENSORBOARD_EVENT_FILE_H_

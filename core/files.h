// Small file helpers. Every write that a run relies on is atomic: the content
// goes to a temporary file in the same folder, is fsync'ed, then renamed over
// the target, so a reader sees the old file or the new one, never half of one.
#ifndef RWN_CORE_FILES_H_
#define RWN_CORE_FILES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rwn {

// The whole file; NotFound naming `path` when it cannot be opened.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Replaces `path` with `content` atomically (temporary file <path>.tmp-<pid>,
// fsync, rename, fsync of the folder). A process killed midway leaves at
// most its temporary file, which RemoveTemporaryFiles clears.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view content);
// The same for content in parts, written one after another (large files).
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::vector<absl::string_view>& parts);

// Removes the temporary files (*.tmp-<pid>) that killed writers left in
// `folder`; call it only while holding the folder's lock. Returns how many.
int RemoveTemporaryFiles(const std::string& folder);

// Appends `data` to `path`, creating it, and fsyncs. A process killed midway
// may leave half of it: only for files rewritten on resume.
absl::Status AppendToFile(const std::string& path, absl::string_view data);
// AppendToFile of `line` and a newline.
absl::Status AppendLine(const std::string& path, absl::string_view line);

// 64-bit FNV-1a of `data`, as 16 lowercase hex digits.
std::string Fingerprint(absl::string_view data);

// An exclusive advisory lock (flock) on a file, held while the object
// lives; the kernel drops it when the process dies, even by SIGKILL.
class FileLock {
 public:
  // FailedPrecondition when another process holds it.
  static absl::StatusOr<FileLock> Acquire(const std::string& path);
  // Whether some process holds the lock on `path` now.
  static bool IsHeld(const std::string& path);

  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace rwn

#endif  // RWN_CORE_FILES_H_

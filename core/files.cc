#include "core/files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/crash_point.h"

namespace rwn {
namespace {

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::Status(
      errno == ENOENT ? absl::StatusCode::kNotFound : absl::StatusCode::kFailedPrecondition,
      absl::StrCat(path, ": cannot ", what, ": ", std::strerror(errno)));
}

absl::Status WriteAll(int fd, absl::string_view content, const std::string& path) {
  while (!content.empty()) {
    ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write", path);
    }
    content.remove_prefix(static_cast<size_t>(written));
  }
  return absl::OkStatus();
}

// fsyncs the folder that holds `path`, so that a rename into it survives a
// power cut, not just a crash.
absl::Status SyncFolderOf(const std::string& path) {
  std::string folder = std::filesystem::path(path).parent_path().string();
  if (folder.empty()) folder = ".";
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open the folder of", path);
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return ErrnoError("fsync the folder of", path);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoError("open", path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view content) {
  return WriteFileAtomically(path, std::vector<absl::string_view>{content});
}

absl::Status WriteFileAtomically(const std::string& path,
                                 const std::vector<absl::string_view>& parts) {
  const std::string name = std::filesystem::path(path).filename().string();
  const std::string temp = absl::StrCat(path, ".tmp-", ::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("create", temp);
  CrashPoint(absl::StrCat("created:", name));
  absl::Status status;
  for (absl::string_view part : parts) {
    if (status.ok()) status = WriteAll(fd, part, temp);
  }
  CrashPoint(absl::StrCat("written:", name));
  if (status.ok() && ::fsync(fd) != 0) status = ErrnoError("fsync", temp);
  ::close(fd);
  CrashPoint(absl::StrCat("synced:", name));
  if (status.ok() && std::rename(temp.c_str(), path.c_str()) != 0) {
    status = ErrnoError("rename into place", path);
  }
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return status;
  }
  CrashPoint(absl::StrCat("renamed:", name));
  return SyncFolderOf(path);
}

int RemoveTemporaryFiles(const std::string& folder) {
  std::error_code error;
  int removed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    if (entry.path().filename().string().find(".tmp-") != std::string::npos &&
        std::filesystem::remove(entry.path(), error)) {
      ++removed;
    }
  }
  return removed;
}

absl::Status AppendToFile(const std::string& path, absl::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("open for append", path);
  const size_t half = data.size() / 2;
  absl::Status status = WriteAll(fd, data.substr(0, half), path);
  CrashPoint(absl::StrCat("appending:", std::filesystem::path(path).filename().string()));
  if (status.ok()) status = WriteAll(fd, data.substr(half), path);
  if (status.ok() && ::fsync(fd) != 0) status = ErrnoError("fsync", path);
  ::close(fd);
  return status;
}

absl::Status AppendLine(const std::string& path, absl::string_view line) {
  return AppendToFile(path, absl::StrCat(line, "\n"));
}

std::string Fingerprint(absl::string_view data) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return absl::StrFormat("%016x", hash);
}

absl::StatusOr<FileLock> FileLock::Acquire(const std::string& path) {
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": cannot open the lock file: ", std::strerror(errno)));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is held: another process is running this"));
  }
  return FileLock(fd);
}

bool FileLock::IsHeld(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = flock(fd, LOCK_SH | LOCK_NB) != 0;
  close(fd);
  return held;
}

FileLock::~FileLock() {
  if (fd_ >= 0) close(fd_);  // releases the lock
}

}  // namespace rwn

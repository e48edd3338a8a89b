#include "run/launch.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/secret.h"
#include "core/subprocess.h"

namespace rwn {
namespace {

using Clock = std::chrono::steady_clock;

struct Rank {
  pid_t pid = -1;
  int fd = -1;          // read end of its output pipe; -1 once closed
  std::string partial;  // output after the last newline
  bool exited = false;
};

void Forward(int index, Rank& rank, bool flush) {
  size_t start = 0, newline;
  while ((newline = rank.partial.find('\n', start)) != std::string::npos) {
    std::printf("[rank %d] %.*s\n", index, static_cast<int>(newline - start),
                rank.partial.data() + start);
    start = newline + 1;
  }
  rank.partial.erase(0, start);
  if (flush && !rank.partial.empty()) {
    std::printf("[rank %d] %s\n", index, rank.partial.c_str());
    rank.partial.clear();
  }
  std::fflush(stdout);
}

}  // namespace

namespace {

// Starts rank `i` of `options` with its output into a pipe.
absl::StatusOr<Rank> StartRank(const LaunchOptions& options, int i, int port) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  SpawnOptions spawn;
  spawn.argv = options.argv;
  spawn.output_fd = pipe_fds[1];
  const std::string rank = std::to_string(i), world = std::to_string(options.nproc);
  spawn.env = {{"RANK", rank},
               {"LOCAL_RANK", rank},
               {"WORLD_SIZE", world},
               {"LOCAL_WORLD_SIZE", world},
               {"MASTER_ADDR", "127.0.0.1"},
               {"MASTER_PORT", std::to_string(port)}};
  if (!options.secret.empty()) spawn.env.push_back({kSecretVariable, options.secret});
  absl::StatusOr<pid_t> pid = Spawn(spawn);
  close(pipe_fds[1]);
  if (!pid.ok()) {
    close(pipe_fds[0]);
    return pid.status();
  }
  Rank started;
  started.pid = *pid;
  started.fd = pipe_fds[0];
  return started;
}

// Forwards what the ranks have written, waiting up to 200 ms for it;
// returns how many pipes closed.
int ForwardOutput(std::vector<Rank>& ranks) {
  std::vector<pollfd> fds;
  std::vector<int> index;
  for (size_t i = 0; i < ranks.size(); ++i) {
    if (ranks[i].fd < 0) continue;
    fds.push_back({ranks[i].fd, POLLIN, 0});
    index.push_back(static_cast<int>(i));
  }
  if (fds.empty()) {
    usleep(100 * 1000);
    return 0;
  }
  poll(fds.data(), fds.size(), 200);
  int closed = 0;
  for (size_t k = 0; k < fds.size(); ++k) {
    if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    Rank& rank = ranks[index[k]];
    char buffer[4096];
    const ssize_t n = read(rank.fd, buffer, sizeof buffer);
    if (n > 0) {
      rank.partial.append(buffer, n);
      Forward(index[k], rank, false);
    } else if (n == 0 || errno != EINTR) {
      Forward(index[k], rank, true);
      close(rank.fd);
      rank.fd = -1;
      ++closed;
    }
  }
  return closed;
}

void Signal(const std::vector<Rank>& ranks, int signal) {
  for (const Rank& rank : ranks) {
    if (!rank.exited) kill(rank.pid, signal);
  }
}

// Reaps the ranks that exited; the first to fail stops the others. Returns
// how many exited.
int Reap(std::vector<Rank>& ranks, int* result, std::optional<Clock::time_point>* stopping) {
  int exited = 0;
  for (size_t i = 0; i < ranks.size(); ++i) {
    Rank& rank = ranks[i];
    int status = 0;
    if (rank.exited || waitpid(rank.pid, &status, WNOHANG) != rank.pid) continue;
    rank.exited = true;
    ++exited;
    const int code = ExitCode(status);
    if (code == 0 || *result != 0 || stopping->has_value()) continue;
    *result = code;
    std::printf("[launch] rank %zu exited with code %d; stopping the other ranks\n", i, code);
    std::fflush(stdout);
    *stopping = Clock::now();
    Signal(ranks, SIGTERM);
  }
  return exited;
}

}  // namespace

absl::StatusOr<int> Launch(const LaunchOptions& options) {
  if (options.nproc < 1) {
    return absl::InvalidArgumentError(absl::StrCat("--nproc=", options.nproc, "; allowed: >= 1"));
  }
  if (options.argv.empty()) {
    return absl::InvalidArgumentError(
        "launch needs the command after '--', e.g. rwn launch --nproc=2 -- train --spec=F");
  }
  int port = options.master_port;
  if (port == 0) {
    absl::StatusOr<int> free = FreePort();
    if (!free.ok()) return free.status();
    port = *free;
  }
  LaunchOptions with_secret = options;
  if (absl::StatusOr<std::string> given = ReadSecretFromEnvironment(); !given.ok()) {
    return given.status();
  } else if (given->empty()) {  // the user's own secret, if set, reaches the ranks unchanged
    absl::StatusOr<std::string> fresh = NewSecret();
    if (!fresh.ok()) return fresh.status();
    with_secret.secret = *fresh;
  }
  std::vector<Rank> ranks;
  for (int i = 0; i < options.nproc; ++i) {
    absl::StatusOr<Rank> rank = StartRank(with_secret, i, port);
    if (!rank.ok()) {
      Signal(ranks, SIGKILL);
      return rank.status();
    }
    ranks.push_back(std::move(*rank));
  }
  int result = 0;
  std::optional<Clock::time_point> stopping;
  int open = options.nproc, running = options.nproc;
  while (open > 0 || running > 0) {
    open -= ForwardOutput(ranks);
    running -= Reap(ranks, &result, &stopping);
    if (stopping && Clock::now() - *stopping > std::chrono::seconds(options.grace_seconds)) {
      Signal(ranks, SIGKILL);
    }
  }
  return result;
}

}  // namespace rwn

#include "experiments/launch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace rwn {
namespace {

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

absl::StatusOr<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const std::string why = std::strerror(errno);
    close(fd);
    return absl::InternalError(absl::StrCat("cannot find a free port on 127.0.0.1: ", why));
  }
  close(fd);
  return ntohs(address.sin_port);
}

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
  std::vector<Rank> ranks(options.nproc);
  for (int i = 0; i < options.nproc; ++i) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
    if (pid == 0) {
      dup2(pipe_fds[1], STDOUT_FILENO);
      dup2(pipe_fds[1], STDERR_FILENO);
      close(pipe_fds[0]);
      close(pipe_fds[1]);
      setenv("RANK", std::to_string(i).c_str(), 1);
      setenv("LOCAL_RANK", std::to_string(i).c_str(), 1);
      setenv("WORLD_SIZE", std::to_string(options.nproc).c_str(), 1);
      setenv("LOCAL_WORLD_SIZE", std::to_string(options.nproc).c_str(), 1);
      setenv("MASTER_ADDR", "127.0.0.1", 1);
      setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      std::vector<char*> argv;
      for (const std::string& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
      _exit(127);
    }
    close(pipe_fds[1]);
    ranks[i].pid = pid;
    ranks[i].fd = pipe_fds[0];
  }

  int result = 0;
  bool stopping = false;
  std::chrono::steady_clock::time_point stop_time;
  int open = options.nproc, running = options.nproc;
  while (open > 0 || running > 0) {
    std::vector<pollfd> fds;
    std::vector<int> index;
    for (int i = 0; i < options.nproc; ++i) {
      if (ranks[i].fd >= 0) {
        fds.push_back({ranks[i].fd, POLLIN, 0});
        index.push_back(i);
      }
    }
    if (!fds.empty()) poll(fds.data(), fds.size(), 200);
    else usleep(100 * 1000);
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
        --open;
      }
    }
    for (int i = 0; i < options.nproc; ++i) {
      Rank& rank = ranks[i];
      if (rank.exited) continue;
      int status = 0;
      if (waitpid(rank.pid, &status, WNOHANG) != rank.pid) continue;
      rank.exited = true;
      --running;
      const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      if (code != 0 && result == 0 && !stopping) {
        result = code;
        std::printf("[launch] rank %d exited with code %d; stopping the other ranks\n", i, code);
        std::fflush(stdout);
        stopping = true;
        stop_time = std::chrono::steady_clock::now();
        for (const Rank& other : ranks) {
          if (!other.exited) kill(other.pid, SIGTERM);
        }
      }
    }
    if (stopping && std::chrono::steady_clock::now() - stop_time >
                        std::chrono::seconds(options.grace_seconds)) {
      for (const Rank& other : ranks) {
        if (!other.exited) kill(other.pid, SIGKILL);
      }
    }
  }
  return result;
}

}  // namespace rwn

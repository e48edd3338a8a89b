#include "train/rendezvous.h"

#include <cstdio>
#include <set>
#include <thread>
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/secret.h"

namespace rwn {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kNonce[] = "rwn/door/nonce";
constexpr char kTickets[] = "rwn/door/tickets";
constexpr char kClosed[] = "rwn/door/closed";

std::string Knock(int64_t ticket) { return absl::StrCat("rwn/door/knock/", ticket); }
std::string Verdict(int64_t ticket) { return absl::StrCat("rwn/door/verdict/", ticket); }

void Set(c10d::Store& store, const std::string& key, const std::string& value) {
  store.set(key, std::vector<uint8_t>(value.begin(), value.end()));
}

std::string Get(c10d::Store& store, const std::string& key) {
  const std::vector<uint8_t> value = store.get(key);
  return std::string(value.begin(), value.end());
}

// What a rank proves, and what rank 0 proves back, for one ticket.
std::string RankProof(const std::string& secret, const std::string& nonce, int64_t ticket,
                      int rank) {
  return Proof(secret, absl::StrCat(nonce, "/knock/", ticket, "/rank/", rank));
}
std::string WelcomeProof(const std::string& secret, const std::string& nonce, int64_t ticket) {
  return Proof(secret, absl::StrCat(nonce, "/welcome/", ticket));
}
std::string KeyPrefix(const std::string& secret, const std::string& nonce) {
  return absl::StrCat("rwn/run-", Proof(secret, absl::StrCat(nonce, "/keys")).substr(0, 32));
}

// Rank 0's answer to the knock on `ticket`: admits its rank or says why not.
void Answer(c10d::Store& store, const Party& me, const std::string& nonce, int64_t ticket,
            std::set<int>* admitted) {
  const std::vector<std::string> knock = absl::StrSplit(Get(store, Knock(ticket)), ' ');
  int rank = -1;
  std::string refusal;
  if (knock.size() != 2 || !absl::SimpleAtoi(knock[0], &rank) || rank < 1 ||
      rank >= me.world_size) {
    refusal = absl::StrCat("it did not name a rank from 1 to ", me.world_size - 1);
  } else if (!SameProof(knock[1], RankProof(me.secret, nonce, ticket, rank))) {
    refusal = "it does not hold this run's secret";
  } else if (admitted->count(rank) > 0) {
    refusal = absl::StrCat("rank ", rank, " has already joined");
  }
  if (refusal.empty()) {
    admitted->insert(rank);
    Set(store, Verdict(ticket), "ok " + WelcomeProof(me.secret, nonce, ticket));
    return;
  }
  Set(store, Verdict(ticket), "refused " + refusal);
  std::fprintf(stderr, "rank 0 of %d: refused a process that asked to join as rank %s: %s\n",
               me.world_size, knock.empty() ? "?" : knock[0].c_str(), refusal.c_str());
}

absl::StatusOr<std::string> AdmitRanks(c10d::Store& store, const Party& me) {
  absl::StatusOr<std::string> nonce = RandomHex(16);
  if (!nonce.ok()) return nonce.status();
  Set(store, kNonce, *nonce);
  const Clock::time_point deadline = Clock::now() + me.timeout;
  std::set<int> admitted = {0};
  std::set<int64_t> answered;
  while (static_cast<int>(admitted.size()) < me.world_size) {
    if (Clock::now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(admitted.size(), " of ", me.world_size, " ranks joined"));
    }
    const int64_t tickets = store.add(kTickets, 0);
    for (int64_t t = 1; t <= tickets; ++t) {
      if (answered.count(t) == 0 && store.check({Knock(t)})) {
        Answer(store, me, *nonce, t, &admitted);
        answered.insert(t);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Set(store, kClosed, "1");
  return KeyPrefix(me.secret, *nonce);
}

absl::StatusOr<std::string> ProveSecret(c10d::Store& store, const Party& me) {
  const Clock::time_point deadline = Clock::now() + me.timeout;
  const std::string nonce = Get(store, kNonce);  // waits for rank 0, up to the store's timeout
  const int64_t ticket = store.add(kTickets, 1);
  Set(store, Knock(ticket),
      absl::StrCat(me.rank, " ", RankProof(me.secret, nonce, ticket, me.rank)));
  const std::string asked =
      absl::StrCat("rank ", me.rank, " of ", me.world_size, ": rank 0 at ", me.where);
  while (!store.check({Verdict(ticket)})) {
    if (store.check({kClosed})) {
      return absl::PermissionDeniedError(
          absl::StrCat(asked, " has admitted all its ranks; no other process may join"));
    }
    if (Clock::now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(asked, " did not answer"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string verdict = Get(store, Verdict(ticket));
  if (absl::StartsWith(verdict, "refused ")) {
    return absl::PermissionDeniedError(absl::StrCat(
        asked, " refused this process: ", verdict.substr(8), "; start every rank with the same ",
        kSecretVariable, " or ", kSecretFileVariable, " (rwn launch does)"));
  }
  if (!absl::StartsWith(verdict, "ok ") ||
      !SameProof(verdict.substr(3), WelcomeProof(me.secret, nonce, ticket))) {
    return absl::PermissionDeniedError(absl::StrCat(
        asked, " does not hold this run's secret: another process may be listening on its port"));
  }
  return KeyPrefix(me.secret, nonce);
}

}  // namespace

absl::StatusOr<std::string> Rendezvous(c10d::Store& store, const Party& me) {
  return me.rank == 0 ? AdmitRanks(store, me) : ProveSecret(store, me);
}

}  // namespace rwn

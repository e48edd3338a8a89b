// Who may join a data-parallel run (docs/design.md, "Who may join a run").
// c10d's TCPStore accepts anyone who reaches its port, so the ranks prove,
// through the store and before any collective, that they hold the run's
// secret:
//   rank 0 publishes a fresh nonce;
//   a rank that wants in takes a ticket and leaves its rank and
//     HMAC(secret, nonce, ticket, rank);
//   rank 0 admits the first valid proof for each rank and answers with its
//     own HMAC(secret, nonce, ticket), so the rank knows rank 0 holds the
//     secret too; anything else is refused, on both sides, by name.
// The admitted ranks then keep every further key (their count, Gloo's and
// NCCL's rendezvous) under a prefix derived from the secret and the nonce,
// which a process without the secret cannot name. Proofs are bound to the
// nonce and the ticket, so one seen on the wire cannot be replayed.
#ifndef RWN_TRAIN_RENDEZVOUS_H_
#define RWN_TRAIN_RENDEZVOUS_H_

#include <chrono>
#include <string>

#include "absl/status/statusor.h"

namespace c10d {
class Store;
}  // namespace c10d

namespace rwn {

struct Party {
  int rank = 0;
  int world_size = 1;
  std::string secret;
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  std::string where;  // rank 0's address:port, for messages
};

// Admits the ranks (rank 0) or proves the secret to rank 0 (other ranks);
// returns the key prefix the admitted ranks share. DeadlineExceeded when
// not all ranks are admitted within the timeout ("K of N ranks joined");
// PermissionDenied for a rank that is refused or finds rank 0 without the
// secret. Rank 0 prints each refusal to stderr.
absl::StatusOr<std::string> Rendezvous(c10d::Store& store, const Party& me);

}  // namespace rwn

#endif  // RWN_TRAIN_RENDEZVOUS_H_

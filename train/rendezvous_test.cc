// Who may join a data-parallel run, on an in-process store (c10d's
// HashStore) with the ranks as threads: the ranks that hold the secret are
// admitted and share a key prefix; a process without it, a replayed proof,
// a rank that asks twice, a late process and a rank 0 without the secret
// are all refused by name.
#include "train/rendezvous.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <torch/csrc/distributed/c10d/HashStore.hpp>

#include "absl/strings/str_cat.h"
#include "core/testing.h"

namespace rwn {
namespace {

using ::testing::HasSubstr;
using Result = absl::StatusOr<std::string>;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef";

Party Rank(int rank, int world_size, const std::string& secret = kSecret) {
  return Party{rank, world_size, secret, std::chrono::seconds(10), "127.0.0.1:29500"};
}

class RendezvousTest : public ::testing::Test {
 protected:
  std::future<Result> Start(const Party& me) {
    return std::async(std::launch::async, [this, me] { return Rendezvous(*store_, me); });
  }
  std::string Get(const std::string& key) {
    std::vector<uint8_t> value = store_->get(key);
    return std::string(value.begin(), value.end());
  }
  c10::intrusive_ptr<c10d::HashStore> store_ = c10::make_intrusive<c10d::HashStore>();
};

TEST_F(RendezvousTest, RanksWithTheSecretShareAPrefix) {
  std::future<Result> rank0 = Start(Rank(0, 3));
  std::future<Result> rank2 = Start(Rank(2, 3));
  std::future<Result> rank1 = Start(Rank(1, 3));
  Result prefix0 = rank0.get(), prefix1 = rank1.get(), prefix2 = rank2.get();
  ASSERT_OK(prefix0);
  ASSERT_OK(prefix1);
  ASSERT_OK(prefix2);
  EXPECT_EQ(*prefix1, *prefix0);
  EXPECT_EQ(*prefix2, *prefix0);
  // The prefix is neither the secret nor the nonce, which anyone may read.
  EXPECT_THAT(*prefix0, ::testing::Not(HasSubstr(kSecret)));
  EXPECT_THAT(*prefix0, ::testing::Not(HasSubstr(Get("rwn/door/nonce"))));
}

TEST_F(RendezvousTest, AStrangerIsRefusedOnBothSidesAndTheRankStillJoins) {
  std::future<Result> rank0 = Start(Rank(0, 2));
  testing::internal::CaptureStderr();
  Result stranger = Start(Rank(1, 2, "not the secret of this run")).get();
  Result rank1 = Start(Rank(1, 2)).get();
  Result prefix0 = rank0.get();
  const std::string said = testing::internal::GetCapturedStderr();
  EXPECT_EQ(stranger.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(stranger.status().message(),
              HasSubstr("rank 1 of 2: rank 0 at 127.0.0.1:29500 refused this process: it does "
                        "not hold this run's secret; start every rank with the same "
                        "RWN_DIST_SECRET"));
  EXPECT_THAT(said, HasSubstr("rank 0 of 2: refused a process that asked to join as rank 1: it "
                              "does not hold this run's secret"));
  ASSERT_OK(rank1);
  ASSERT_OK(prefix0);
  EXPECT_EQ(*rank1, *prefix0);
}

TEST_F(RendezvousTest, AProofSeenOnTheWireCannotBeReplayed) {
  std::future<Result> rank0 = Start(Rank(0, 3));
  ASSERT_OK(Start(Rank(1, 3)).get());
  // Someone who read rank 1's knock (ticket 1) leaves it again as ticket 2,
  // now claiming rank 2.
  const std::string knock = Get("rwn/door/knock/1");
  testing::internal::CaptureStderr();
  const int64_t ticket = store_->add("rwn/door/tickets", 1);
  std::string replayed = "2" + knock.substr(1);
  store_->set(absl::StrCat("rwn/door/knock/", ticket),
              std::vector<uint8_t>(replayed.begin(), replayed.end()));
  EXPECT_EQ(Get(absl::StrCat("rwn/door/verdict/", ticket)),
            "refused it does not hold this run's secret");
  EXPECT_THAT(testing::internal::GetCapturedStderr(), HasSubstr("join as rank 2"));
  // And rank 1 asking twice is refused.
  Result again = Start(Rank(1, 3)).get();
  EXPECT_THAT(again.status().message(), HasSubstr("rank 1 has already joined"));
  ASSERT_OK(Start(Rank(2, 3)).get());
  ASSERT_OK(rank0.get());
}

TEST_F(RendezvousTest, NoOneMayJoinOnceAllRanksHave) {
  std::future<Result> rank0 = Start(Rank(0, 2));
  ASSERT_OK(Start(Rank(1, 2)).get());
  ASSERT_OK(rank0.get());
  Result late = Start(Rank(1, 2)).get();
  EXPECT_EQ(late.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(late.status().message(), HasSubstr("has admitted all its ranks"));
}

TEST_F(RendezvousTest, ARankFindsOutWhenRankZeroHasNoSecret) {
  // An impostor on rank 0's port that admits anyone.
  std::thread impostor([this] {
    store_->set("rwn/door/nonce", std::vector<uint8_t>{'n'});
    store_->wait({"rwn/door/knock/1"});
    const std::string ok = "ok " + std::string(64, '0');
    store_->set("rwn/door/verdict/1", std::vector<uint8_t>(ok.begin(), ok.end()));
  });
  Result rank1 = Start(Rank(1, 2)).get();
  impostor.join();
  EXPECT_EQ(rank1.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(rank1.status().message(),
              HasSubstr("rank 0 at 127.0.0.1:29500 does not hold this run's secret"));
}

TEST_F(RendezvousTest, RankZeroAloneGivesUpAtTheTimeout) {
  Party alone = Rank(0, 2);
  alone.timeout = std::chrono::milliseconds(200);
  Result result = Rendezvous(*store_, alone);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(result.status().message(), HasSubstr("1 of 2 ranks joined"));
}

}  // namespace
}  // namespace rwn

// Dataset `tiny_imagenet`: Tiny-ImageNet from the release's folders. The
// classes are the lines of wnids.txt, in order; train images are
// train/<wnid>/images/*.JPEG (sorted by name); the test split is the
// validation set, val/images/*.JPEG, labelled by val/val_annotations.txt
// (file name, wnid, box): the class of a validation image comes from that
// file, not from its name or its position. The paper's Table 3 trains on it.
//
// The JPEGs are decoded once (libjpeg-turbo, all cores) into one packed
// uint8 file in the cache folder, named by a fingerprint of every source
// file's path, size and modification time and of the label files; later runs
// read that file. Changed sources give another fingerprint: the cache is
// rebuilt and the stale one removed.
//
// Example spec:
//   dataset { tiny_imagenet { dir: "/data/tiny-imagenet-200" } }
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/files.h"
#include "core/status_macros.h"
#include "datasets/dataset.h"
#include "datasets/jpeg.h"
#include "datasets/tiny_imagenet.pb.h"
#include "torch_support/status.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kSide = 64;
constexpr int64_t kImageBytes = 3 * kSide * kSide;
constexpr char kCacheMagic[] = "RWNTIN01";

struct Source {
  std::string path;
  int64_t label;
};

struct Listing {
  std::vector<std::string> wnids;
  std::vector<Source> train, val;
  std::string key;  // fingerprint of everything the decoded data depends on
};

absl::StatusOr<std::vector<std::string>> Lines(const std::string& path) {
  absl::StatusOr<std::string> content = ReadFile(path);
  if (!content.ok()) {
    return absl::NotFoundError(absl::StrCat(
        path, ": missing; expected the Tiny-ImageNet release folder (wnids.txt, train/, val/)"));
  }
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(*content, '\n')) {
    line = absl::StripTrailingAsciiWhitespace(line);
    if (!line.empty()) lines.emplace_back(line);
  }
  return lines;
}

absl::StatusOr<Listing> List(const std::string& dir) {
  Listing listing;
  ASSIGN_OR_RETURN(listing.wnids, Lines(dir + "/wnids.txt"));
  if (listing.wnids.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(dir, "/wnids.txt: ", listing.wnids.size(), " classes; expected at least 2"));
  }
  std::map<std::string, int64_t> label_of;
  for (size_t i = 0; i < listing.wnids.size(); ++i) label_of[listing.wnids[i]] = i;
  for (size_t label = 0; label < listing.wnids.size(); ++label) {
    const fs::path images = fs::path(dir) / "train" / listing.wnids[label] / "images";
    std::error_code error;
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(images, error)) {
      if (entry.path().extension() == ".JPEG") files.push_back(entry.path().string());
    }
    if (error || files.empty()) {
      return absl::NotFoundError(absl::StrCat(images.string(), ": no .JPEG images for class ",
                                              listing.wnids[label], " of wnids.txt"));
    }
    std::sort(files.begin(), files.end());
    for (std::string& file : files) listing.train.push_back({std::move(file), (int64_t)label});
  }
  const std::string annotations = dir + "/val/val_annotations.txt";
  ASSIGN_OR_RETURN(std::vector<std::string> lines, Lines(annotations));
  for (size_t i = 0; i < lines.size(); ++i) {
    std::vector<std::string> fields = absl::StrSplit(lines[i], '\t');
    if (fields.size() < 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          annotations, ":", i + 1, ": expected '<file>\\t<wnid>\\t<box>'; found '", lines[i], "'"));
    }
    auto label = label_of.find(fields[1]);
    if (label == label_of.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(annotations, ":", i + 1, ": class '", fields[1], "' is not in wnids.txt"));
    }
    listing.val.push_back({dir + "/val/images/" + fields[0], label->second});
  }
  if (listing.val.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(annotations, ": no validation images listed"));
  }
  // The cache key: every source's path, size, time and label.
  std::string key_text = absl::StrCat(kCacheMagic, "\n");
  for (const auto* sources : {&listing.train, &listing.val}) {
    for (const Source& source : *sources) {
      std::error_code error;
      const auto size = fs::file_size(source.path, error);
      if (error) {
        return absl::NotFoundError(absl::StrCat(source.path, ": missing (", error.message(), ")"));
      }
      const auto time = fs::last_write_time(source.path, error).time_since_epoch().count();
      absl::StrAppend(&key_text, source.path, " ", size, " ", time, " ", source.label, "\n");
    }
  }
  listing.key = Fingerprint(key_text);
  return listing;
}

// Decodes `sources` into one N x 3 x 64 x 64 uint8 tensor on every core.
absl::StatusOr<Split> Decode(const std::vector<Source>& sources) {
  const int64_t n = static_cast<int64_t>(sources.size());
  Split split{torch::empty({n, 3, kSide, kSide}, torch::kUInt8), torch::empty({n}, torch::kInt64)};
  uint8_t* images = split.images.data_ptr<uint8_t>();
  std::vector<absl::Status> errors(n);
  std::atomic<int64_t> next{0};
  auto work = [&] {
    for (int64_t i = next++; i < n; i = next++) {
      absl::StatusOr<std::string> jpeg = ReadFile(sources[i].path);
      absl::StatusOr<RgbImage> image =
          jpeg.ok() ? DecodeJpeg(*jpeg) : absl::StatusOr<RgbImage>(jpeg.status());
      if (!image.ok()) {
        errors[i] = absl::InvalidArgumentError(
            absl::StrCat(sources[i].path, ": ", image.status().message()));
        continue;
      }
      if (image->width != kSide || image->height != kSide) {
        errors[i] = absl::InvalidArgumentError(absl::StrCat(
            sources[i].path, ": ", image->width, "x", image->height, " image; expected 64x64"));
        continue;
      }
      uint8_t* out = images + i * kImageBytes;
      for (int64_t p = 0; p < kSide * kSide; ++p) {  // HWC to CHW
        for (int64_t c = 0; c < 3; ++c) out[c * kSide * kSide + p] = image->pixels[p * 3 + c];
      }
    }
  };
  std::vector<std::thread> workers;
  const unsigned count = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned t = 0; t < count; ++t) workers.emplace_back(work);
  for (std::thread& worker : workers) worker.join();
  for (const absl::Status& error : errors) {
    if (!error.ok()) return error;
  }
  auto* labels = split.labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) labels[i] = sources[i].label;
  return split;
}

absl::string_view Bytes(const torch::Tensor& tensor) {
  return absl::string_view(static_cast<const char*>(tensor.data_ptr()), tensor.nbytes());
}

// The cache file: magic, train count, val count (uint64 each), then train
// images, val images, train labels, val labels.
absl::Status WriteCache(const std::string& path, const Split& train, const Split& val) {
  const uint64_t counts[2] = {static_cast<uint64_t>(train.size()),
                              static_cast<uint64_t>(val.size())};
  return WriteFileAtomically(
      path, {absl::string_view(kCacheMagic, 8),
             absl::string_view(reinterpret_cast<const char*>(counts), sizeof counts),
             Bytes(train.images), Bytes(val.images), Bytes(train.labels), Bytes(val.labels)});
}

// Reads the cache written for `listing`; false if it is absent or unusable.
bool ReadCache(const std::string& path, const Listing& listing, Split* train, Split* val) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  char magic[8];
  uint64_t counts[2];
  in.read(magic, 8).read(reinterpret_cast<char*>(counts), sizeof counts);
  if (!in || std::string(magic, 8) != kCacheMagic || counts[0] != listing.train.size() ||
      counts[1] != listing.val.size()) {
    return false;
  }
  *train = {torch::empty({(int64_t)counts[0], 3, kSide, kSide}, torch::kUInt8),
            torch::empty({(int64_t)counts[0]}, torch::kInt64)};
  *val = {torch::empty({(int64_t)counts[1], 3, kSide, kSide}, torch::kUInt8),
          torch::empty({(int64_t)counts[1]}, torch::kInt64)};
  for (const torch::Tensor* tensor : {&train->images, &val->images, &train->labels, &val->labels}) {
    in.read(static_cast<char*>(tensor->data_ptr()), tensor->nbytes());
  }
  return in && in.peek() == std::ifstream::traits_type::eof();
}

absl::StatusOr<std::shared_ptr<const Dataset>> CreateTinyImageNet(const TinyImageNetSpec& spec,
                                                                  const DatasetContext&) {
  if (spec.dir().empty()) {
    return absl::InvalidArgumentError(
        "dir is not set; point it at the release's folder (tiny-imagenet-200)");
  }
  ASSIGN_OR_RETURN(Listing listing, List(spec.dir()));
  const std::string cache_dir =
      spec.cache_dir().empty() ? spec.dir() + "/rwn-cache" : spec.cache_dir();
  const std::string cache = absl::StrCat(cache_dir, "/tiny-imagenet-", listing.key, ".u8");
  auto dataset = std::make_shared<Dataset>();
  dataset->num_classes = static_cast<int64_t>(listing.wnids.size());
  RETURN_IF_ERROR(GuardTorch("tiny_imagenet", [&]() -> absl::Status {
    if (ReadCache(cache, listing, &dataset->train, &dataset->test)) return absl::OkStatus();
    ASSIGN_OR_RETURN(dataset->train, Decode(listing.train));
    ASSIGN_OR_RETURN(dataset->test, Decode(listing.val));
    std::error_code error;
    fs::create_directories(cache_dir, error);
    if (error) {
      return absl::FailedPreconditionError(
          absl::StrCat(cache_dir, ": cannot create the cache folder (", error.message(),
                       "); set cache_dir to a writable folder"));
    }
    RETURN_IF_ERROR(WriteCache(cache, dataset->train, dataset->test));
    for (const auto& entry : fs::directory_iterator(cache_dir, error)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("tiny-imagenet-", 0) == 0 && entry.path().string() != cache) {
        fs::remove(entry.path(), error);  // a stale cache
      }
    }
    return absl::OkStatus();
  }));
  dataset->description =
      absl::StrCat("Tiny-ImageNet (", dataset->train.size(), " train / ", dataset->test.size(),
                   " validation images, ", dataset->num_classes, " classes)");
  dataset->augmentation = Augmentation{/*crop_padding=*/4, /*flip=*/true};
  RETURN_IF_ERROR(FinishDataset(dataset.get()));
  return std::shared_ptr<const Dataset>(dataset);
}

}  // namespace

RWN_REGISTER_PLUGIN(DatasetRegistry, tiny_imagenet, TinyImageNetSpec, CreateTinyImageNet);

}  // namespace rwn

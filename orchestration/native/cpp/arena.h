// A per-line arena of strings.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

using std::string_view;

namespace {

// Strings made while decoding one line (ids, hashes, JSON, converted values): stable views, freed
// together when the next line starts.
class Arena {
 public:
  string_view put(string_view s) {
    if (chunk_ == chunks_.size() || used_ + s.size() > chunks_[chunk_].second) next(s.size());
    char* at = chunks_[chunk_].first.get() + used_;
    std::memcpy(at, s.data(), s.size());
    used_ += s.size();
    return string_view(at, s.size());
  }
  void reset() {
    chunk_ = 0;
    used_ = 0;
  }

 private:
  static constexpr size_t CHUNK = 256 * 1024;
  std::vector<std::pair<std::unique_ptr<char[]>, size_t>> chunks_;
  size_t chunk_ = 0, used_ = 0;
  void next(size_t need) {
    if (chunk_ < chunks_.size()) ++chunk_;
    while (chunk_ < chunks_.size() && chunks_[chunk_].second < need) ++chunk_;
    if (chunk_ == chunks_.size()) {
      size_t size = std::max(CHUNK, need);
      chunks_.emplace_back(std::unique_ptr<char[]>(new char[size]), size);
    }
    used_ = 0;
  }
};

}  // namespace

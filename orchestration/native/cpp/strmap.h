// A hash map from strings to values, for the decoder's memos (the plan of each attribute key, the
// HMAC of each user or session id): one lookup per attribute. std::unordered_map's prime modulo and
// node chasing were 9% of the decoder's time; this one probes a power-of-two table of hashes.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include <deque>
#include <random>

#include "values.h"  // the standard headers and names

namespace {

template <typename V>
class StrMap {
 public:
  StrMap() : seed_(std::random_device{}()) {}  // keys come from input files: no fixed hash to collide on
  StrMap(const StrMap&) = delete;
  StrMap& operator=(const StrMap&) = delete;

  V* find(string_view key) {
    if (slots_.empty()) return nullptr;
    uint64_t h = hash(key);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.value == nullptr) return nullptr;
      if (s.hash == h && *s.key == key) return s.value;
    }
  }
  // Stores a copy of `key` (which must be absent) with `value`; references stay valid until clear().
  V& insert(string_view key, V value) {
    if (2 * (values_.size() + 1) > slots_.size()) rehash(slots_.empty() ? 64 : 2 * slots_.size());
    keys_.emplace_back(key);
    values_.push_back(std::move(value));
    place(Slot{hash(key), &keys_.back(), &values_.back()});
    return values_.back();
  }
  size_t size() const { return values_.size(); }
  void clear() {
    slots_.clear();
    mask_ = 0;
    keys_.clear();
    values_.clear();
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    const string* key = nullptr;
    V* value = nullptr;  // null: an empty slot
  };
  uint64_t seed_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  std::deque<string> keys_;
  std::deque<V> values_;

  uint64_t hash(string_view s) const {  // 8 bytes at a time, each mixed in by a multiply
    uint64_t h = seed_ ^ (s.size() * 0x9E3779B97F4A7C15ull);
    const char* p = s.data();
    size_t n = s.size();
    for (; n >= 8; p += 8, n -= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
      h ^= h >> 31;
    }
    if (n) {
      uint64_t w = 0;
      std::memcpy(&w, p, n);
      h = (h ^ w) * 0x94d049bb133111ebull;
      h ^= h >> 29;
    }
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
  }
  void place(const Slot& slot) {
    size_t i = slot.hash & mask_;
    while (slots_[i].value != nullptr) i = (i + 1) & mask_;
    slots_[i] = slot;
  }
  void rehash(size_t capacity) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (const Slot& s : old)
      if (s.value != nullptr) place(s);
  }
};

}  // namespace

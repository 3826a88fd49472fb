// The protobuf wire format, read strictly: a message the readers take is one protobuf's own parser takes
// and reads the same way. A malformed varint or length, a group, a known field with an unexpected wire
// type, an unknown field, a singular field given twice, a string that is not UTF-8: the message is
// refused, and the Python path (protobuf's parser, MessageToDict, the normalizer) decides what it is.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include "simdjson.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "arena.h"
#include "values.h"

namespace {

enum WireType { VARINT = 0, FIXED64 = 1, LEN = 2, FIXED32 = 5 };

class Wire {
 public:
  explicit Wire(string_view message)
      : p_(reinterpret_cast<const uint8_t*>(message.data())), end_(p_ + message.size()) {}

  // The next field's tag; false at the message's end.
  bool next() {
    if (p_ == end_) return false;
    uint64_t tag = varint_raw();
    field_ = static_cast<uint32_t>(tag >> 3);
    type_ = static_cast<int>(tag & 7);
    if (field_ == 0 || tag >> 32 || !(type_ == VARINT || type_ == FIXED64 || type_ == LEN || type_ == FIXED32))
      refuse("protobuf: a malformed tag or a group");
    return true;
  }
  uint32_t field() const { return field_; }
  int type() const { return type_; }

  uint64_t varint() {
    expect(VARINT);
    return varint_raw();
  }
  uint32_t uint32() {  // uint32, int32 enums and bools: more than 32 bits refuses (protobuf would truncate)
    uint64_t v = varint();
    if (v > UINT32_MAX) refuse("protobuf: a 32-bit varint out of range");
    return static_cast<uint32_t>(v);
  }
  int32_t sint32() {
    uint32_t v = uint32();
    return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  bool boolean() {
    uint64_t v = varint();
    if (v > 1) refuse("protobuf: a boolean other than 0 or 1");
    return v == 1;
  }
  uint64_t fixed64() {
    expect(FIXED64);
    return fixed64_raw();
  }
  uint32_t fixed32() {
    expect(FIXED32);
    if (end_ - p_ < 4) refuse("protobuf: a fixed32 cut short");
    uint32_t v;
    std::memcpy(&v, p_, 4);
    p_ += 4;
    return v;
  }
  double float64() {
    uint64_t bits = fixed64();
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  string_view bytes() {  // a length-delimited field's payload (a sub-message, bytes, a packed list)
    expect(LEN);
    uint64_t n = varint_raw();
    if (n > static_cast<uint64_t>(end_ - p_)) refuse("protobuf: a length past the message's end");
    string_view out(reinterpret_cast<const char*>(p_), static_cast<size_t>(n));
    p_ += n;
    return out;
  }
  string_view text() {  // a string field: protobuf's parser refuses one that is not UTF-8
    string_view s = bytes();
    if (!simdjson::validate_utf8(s.data(), s.size())) refuse("protobuf: a string that is not UTF-8");
    return s;
  }
  // A repeated fixed64 or double field, packed or not, appended to `out` as raw 64-bit words.
  template <typename T>
  void repeated64(std::vector<T>& out) {
    static_assert(sizeof(T) == 8);
    if (type_ == FIXED64) {
      uint64_t bits = fixed64_raw();
      out.push_back(from_bits<T>(bits));
      return;
    }
    string_view packed = bytes();
    if (packed.size() % 8) refuse("protobuf: a packed list of 64-bit values cut short");
    for (size_t k = 0; k < packed.size(); k += 8) {
      uint64_t bits;
      std::memcpy(&bits, packed.data() + k, 8);
      out.push_back(from_bits<T>(bits));
    }
  }
  // A repeated uint64 varint field, packed or not.
  void repeated_varint(std::vector<int64_t>& out) {
    if (type_ == VARINT) {
      out.push_back(static_cast<int64_t>(varint_raw()));
      return;
    }
    Wire packed(bytes());
    while (packed.p_ != packed.end_) out.push_back(static_cast<int64_t>(packed.varint_raw()));
  }
  void skip() {
    switch (type_) {
      case VARINT: varint_raw(); break;
      case FIXED64: advance(8); break;
      case FIXED32: advance(4); break;
      default: bytes();
    }
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  uint32_t field_ = 0;
  int type_ = 0;

  void expect(int type) {
    if (type_ != type) refuse("protobuf: a field with an unexpected wire type");
  }
  void advance(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) refuse("protobuf: a field cut short");
    p_ += n;
  }
  uint64_t varint_raw() {
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (p_ == end_) refuse("protobuf: a varint cut short");
      uint8_t byte = *p_++;
      if (shift == 63 && byte > 1) refuse("protobuf: a varint longer than 64 bits");
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return v;
    }
    refuse("protobuf: a varint longer than 10 bytes");
  }
  uint64_t fixed64_raw() {
    if (end_ - p_ < 8) refuse("protobuf: a fixed64 cut short");
    uint64_t v;
    std::memcpy(&v, p_, 8);
    p_ += 8;
    return v;
  }
  template <typename T>
  static T from_bits(uint64_t bits) {
    T v;
    std::memcpy(&v, &bits, 8);
    return v;
  }
};

// Refuses a singular field that appears twice in a message (protobuf keeps the last, or merges).
inline void once(uint32_t& seen, uint32_t field) {
  uint32_t bit = 1u << (field & 31);
  if (seen & bit) refuse("protobuf: a singular field given twice");
  seen |= bit;
}

// A double as MessageToDict then values.decode_double give it: NaN is Python's float("NaN").
inline double python_double(double d) { return std::isnan(d) ? std::numeric_limits<double>::quiet_NaN() : d; }

// A double of an implicit-presence field (0.0 is "absent"): MessageToDict's treatment of -0.0 there is
// not worth the risk.
inline optional<double> implicit_double(double d) {
  if (d == 0 && std::signbit(d)) refuse("protobuf: -0.0 in a field without presence");
  if (d == 0) return std::nullopt;
  return python_double(d);
}

// An id field (bytes) as values.decode_id gives it from MessageToDict's base64: lowercase hex, zeros for
// a required id that is empty, nothing for an optional one; any other length refuses.
optional<string_view> bytes_id(string_view raw, size_t n_bytes, bool required, Arena& arena) {
  static const char* hex = "0123456789abcdef";
  if (raw.empty()) {
    if (!required) return std::nullopt;
    return arena.put(string_view("00000000000000000000000000000000", 2 * n_bytes));
  }
  if (raw.size() != n_bytes) refuse("protobuf: an id of the wrong length");
  char buffer[32];
  for (size_t k = 0; k < n_bytes; ++k) {
    auto byte = static_cast<unsigned char>(raw[k]);
    buffer[2 * k] = hex[byte >> 4];
    buffer[2 * k + 1] = hex[byte & 15];
  }
  return arena.put(string_view(buffer, 2 * n_bytes));
}

// Base64 with padding, as MessageToDict writes a bytes value.
string_view base64(string_view raw, Arena& arena, string& scratch) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  scratch.clear();
  size_t k = 0;
  auto at = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(raw[i])); };
  for (; k + 3 <= raw.size(); k += 3) {
    uint32_t v = at(k) << 16 | at(k + 1) << 8 | at(k + 2);
    for (int s = 18; s >= 0; s -= 6) scratch += alphabet[(v >> s) & 63];
  }
  if (raw.size() - k == 1) {
    uint32_t v = at(k) << 16;
    scratch += alphabet[(v >> 18) & 63];
    scratch += alphabet[(v >> 12) & 63];
    scratch += "==";
  } else if (raw.size() - k == 2) {
    uint32_t v = at(k) << 16 | at(k + 1) << 8;
    scratch += alphabet[(v >> 18) & 63];
    scratch += alphabet[(v >> 12) & 63];
    scratch += alphabet[(v >> 6) & 63];
    scratch += '=';
  }
  return arena.put(scratch);
}

}  // namespace

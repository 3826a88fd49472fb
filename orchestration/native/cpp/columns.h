// Arrow column buffers: growable arrays, validity bitmaps, offsets; exported to Python as bytes.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include <deque>
#include <initializer_list>
#include <new>
#include <unordered_map>
#include <utility>

#include "values.h"  // Python.h, the standard headers and names both use

namespace {

// A growable array of plain values whose append the compiler inlines (std::vector's does not get
// inlined here, and appends are most of the column work); keeps its memory when emptied.
template <typename T>
class Buf {
 public:
  Buf() = default;
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  Buf(Buf&& other) noexcept : data_(other.data_), size_(other.size_), capacity_(other.capacity_) {
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
  }
  ~Buf() { std::free(data_); }
  inline void push(T value) {
    if (__builtin_expect(size_ == capacity_, 0)) grow(size_ + 1);
    data_[size_++] = value;
  }
  inline void append(const T* values, size_t n) {
    if (n == 0) return;
    if (__builtin_expect(size_ + n > capacity_, 0)) grow(size_ + n);
    std::memcpy(data_ + size_, values, n * sizeof(T));
    size_ += n;
  }
  void fill(T value, size_t n) {  // n copies of value
    if (n == 0) return;
    if (size_ + n > capacity_) grow(size_ + n);
    std::fill_n(data_ + size_, n, value);
    size_ += n;
  }
  void shrink_to(size_t n) { size_ = std::min(size_, n); }
  size_t size() const { return size_; }
  const T* data() const { return data_; }
  T operator[](size_t k) const { return data_[k]; }

 private:
  T* data_ = nullptr;
  size_t size_ = 0, capacity_ = 0;
  void grow(size_t need) {
    size_t capacity = std::max<size_t>({need, capacity_ * 2, 4096 / sizeof(T)});
    void* grown = std::realloc(data_, capacity * sizeof(T));  // malloc's alignment suits __int128 too
    if (!grown) throw std::bad_alloc();
    data_ = static_cast<T*>(grown);
    capacity_ = capacity;
  }
};

// One Arrow column being built. Nulls are counted, not written, until the next value (or the export)
// writes them all at once: most LLM columns of most rows are null, and a push per null was 5% of
// the decoder's time.
struct Column {
  // s string, l int64, d float64, b bool, D decimal128, i int32, t timestamp[us],
  // L list<int64>, F list<float64>, Q list<struct<quantile: float64, value: float64>>
  char type;
  size_t n = 0;        // rows, the pending nulls included
  size_t pending = 0;  // trailing nulls not in the buffers yet
  Buf<uint8_t> valid;
  Buf<int32_t> offsets;
  Buf<char> chars;
  Buf<int64_t> i64;
  Buf<double> f64;
  Buf<double> f64b;  // Q: the values beside the quantiles in f64
  Buf<uint8_t> bits;
  Buf<__int128> dec;
  Buf<int32_t> i32;

  explicit Column(char t) : type(t) {
    if (type == 's' || type == 'L' || type == 'F' || type == 'Q') offsets.push(0);
  }
  inline void null() {
    ++pending;
    ++n;
  }
  void write_nulls() {
    size_t k = pending;
    pending = 0;
    valid.fill(0, k);
    switch (type) {
      case 's': offsets.fill(static_cast<int32_t>(chars.size()), k); break;
      case 'L': offsets.fill(static_cast<int32_t>(i64.size()), k); break;
      case 'F': case 'Q': offsets.fill(static_cast<int32_t>(f64.size()), k); break;
      case 'l': case 't': i64.fill(0, k); break;
      case 'd': f64.fill(0, k); break;
      case 'b': bits.fill(0, k); break;
      case 'D': dec.fill(0, k); break;
      case 'i': i32.fill(0, k); break;
    }
  }
  inline void before_value() {
    if (__builtin_expect(pending != 0, 0)) write_nulls();
    valid.push(1);
    ++n;
  }
  inline void str(string_view s) {
    before_value();
    chars.append(s.data(), s.size());
    offsets.push(static_cast<int32_t>(chars.size()));
  }
  inline void str(const optional<string_view>& s) { s ? str(*s) : null(); }
  void truncate(size_t m) {  // back to the first m rows
    if (m >= n) return;
    size_t written = n - pending;
    n = m;
    if (m >= written) {  // only pending nulls go
      pending = m - written;
      return;
    }
    pending = 0;
    valid.shrink_to(m);
    switch (type) {
      case 's': chars.shrink_to(static_cast<size_t>(offsets[m])); offsets.shrink_to(m + 1); break;
      case 'L': i64.shrink_to(static_cast<size_t>(offsets[m])); offsets.shrink_to(m + 1); break;
      case 'F': f64.shrink_to(static_cast<size_t>(offsets[m])); offsets.shrink_to(m + 1); break;
      case 'Q':
        f64.shrink_to(static_cast<size_t>(offsets[m]));
        f64b.shrink_to(static_cast<size_t>(offsets[m]));
        offsets.shrink_to(m + 1);
        break;
      case 'l': case 't': i64.shrink_to(m); break;
      case 'd': f64.shrink_to(m); break;
      case 'b': bits.shrink_to(m); break;
      case 'D': dec.shrink_to(m); break;
      case 'i': i32.shrink_to(m); break;
    }
  }
  inline void integer(int64_t v) { before_value(); i64.push(v); }
  inline void integer(const optional<int64_t>& v) { v ? integer(*v) : null(); }
  inline void real(double v) { before_value(); f64.push(v); }
  inline void boolean(bool v) { before_value(); bits.push(v); }
  inline void decimal(__int128 v) { before_value(); dec.push(v); }
  inline void int32(int32_t v) { before_value(); i32.push(v); }
  void int_list(const std::vector<int64_t>& v) {
    before_value();
    i64.append(v.data(), v.size());
    offsets.push(static_cast<int32_t>(i64.size()));
  }
  void double_list(const std::vector<double>& v) {
    before_value();
    f64.append(v.data(), v.size());
    offsets.push(static_cast<int32_t>(f64.size()));
  }
  void quantile_list(const std::vector<std::pair<double, double>>& v) {
    before_value();
    for (const auto& [quantile, value] : v) {
      f64.push(quantile);
      f64b.push(value);
    }
    offsets.push(static_cast<int32_t>(f64.size()));
  }
};

PyObject* packed_bits(const Buf<uint8_t>& flags) {
  PyObject* out = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>((flags.size() + 7) / 8));
  if (!out) return nullptr;
  auto* p = reinterpret_cast<uint8_t*>(PyBytes_AS_STRING(out));
  const uint8_t* f = flags.data();
  size_t n = flags.size(), k = 0;
  for (; k + 8 <= n; k += 8)
    p[k >> 3] = static_cast<uint8_t>((f[k] != 0) | (f[k + 1] != 0) << 1 | (f[k + 2] != 0) << 2 | (f[k + 3] != 0) << 3 |
                                     (f[k + 4] != 0) << 4 | (f[k + 5] != 0) << 5 | (f[k + 6] != 0) << 6 |
                                     (f[k + 7] != 0) << 7);
  if (k < n) {
    uint8_t last = 0;
    for (size_t j = k; j < n; ++j) last |= static_cast<uint8_t>((f[j] != 0) << (j - k));
    p[k >> 3] = last;
  }
  return out;
}

template <typename T>
PyObject* raw_bytes(const Buf<T>& v) {
  return PyBytes_FromStringAndSize(reinterpret_cast<const char*>(v.data()),
                                   static_cast<Py_ssize_t>(v.size() * sizeof(T)));
}

// (type, length, validity bitmap, values or offsets, then None, the string data, a list's values, or
// the pair of a quantile list's quantiles and values)
PyObject* export_column(Column& c) {
  if (c.pending) c.write_nulls();
  PyObject* validity = packed_bits(c.valid);
  PyObject* first = nullptr;
  PyObject* second = Py_None;
  Py_INCREF(Py_None);
  switch (c.type) {
    case 's':
      first = raw_bytes(c.offsets);
      Py_DECREF(Py_None);
      second = raw_bytes(c.chars);
      break;
    case 'L': case 'F': case 'Q':
      first = raw_bytes(c.offsets);
      Py_DECREF(Py_None);
      second = c.type == 'L' ? raw_bytes(c.i64)
             : c.type == 'F' ? raw_bytes(c.f64)
                             : Py_BuildValue("(NN)", raw_bytes(c.f64), raw_bytes(c.f64b));
      break;
    case 'l': case 't': first = raw_bytes(c.i64); break;
    case 'd': first = raw_bytes(c.f64); break;
    case 'b': first = packed_bits(c.bits); break;
    case 'D': first = raw_bytes(c.dec); break;
    case 'i': first = raw_bytes(c.i32); break;
  }
  if (!validity || !first || !second) {
    Py_XDECREF(validity);
    Py_XDECREF(first);
    Py_XDECREF(second);
    return nullptr;
  }
  return Py_BuildValue("(CnNNN)", c.type, static_cast<Py_ssize_t>(c.n), validity, first, second);
}

struct Table {
  std::deque<std::pair<string, Column>> columns;  // a deque: the Column pointers resolved stay valid
  std::unordered_map<string, size_t> index;
  Column& add(const string& name, char type) {
    index[name] = columns.size();
    columns.emplace_back(name, Column(type));
    return columns.back().second;
  }
  Column& operator[](const string& name) { return columns[index.at(name)].second; }
  void add_all(std::initializer_list<const char*> names, char type) {
    for (const char* name : names) add(name, type);
  }
  size_t rows() const { return columns.empty() ? 0 : columns[0].second.n; }
  void truncate(size_t m) {
    for (auto& [name, column] : columns) column.truncate(m);
  }
  PyObject* export_all() {
    PyObject* out = PyDict_New();
    if (!out) return nullptr;
    for (auto& [name, column] : columns) {
      PyObject* value = export_column(column);
      if (!value || PyDict_SetItemString(out, name.c_str(), value) < 0) {
        Py_XDECREF(value);
        Py_DECREF(out);
        return nullptr;
      }
      Py_DECREF(value);
    }
    return out;
  }
};

}  // namespace

// Native decoder of OTLP export requests: JSON lines and protobuf messages, traces, logs and metrics,
// straight to the Arrow buffers of the lake's tables.
//
// The fast path of landing for the common case; `orchestration/native/decoder.py` drives it. It produces
// exactly the rows `normalize.Normalizer` would, and refuses a whole unit (a line, a message) as soon as it
// meets anything outside that common case (an odd encoding, an error to quarantine, a value to cap): such
// a unit goes through the Python path, which stays the reference. What each attribute key means (privacy
// kind, the typed columns it feeds) is asked of Python once per key, so the key tables live in one place.
//
// One translation unit; its parts, by job:
//   values.h, arena.h, strmap.h, hmac.h   values and Python's and orjson's formats, memory, memos, HMAC
//   columns.h, tables.h                   Arrow column buffers, the five tables
//   plans.h, decoder.h                    what is known of a key, a record, the decoder's state
//   privacy.h, convert.h, rows.h          the attribute filter, semantics' converters, the rows
//   json_*.h                              OTLP/JSON lines (simdjson's DOM)
//   proto_*.h                             protobuf messages (a strict wire-format reader)
//   bindings.h                            the Python type
// Built by setup.py against simdjson from the sources the pysimdjson wheel ships.

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "simdjson.h"

#include "proto_metrics.h"  // and, through it, every part above it
#include "bindings.h"

namespace {

bool Decoder::resolve_columns() {
  auto index = [this](const char* name) {
    for (int k = 0; k < n_llm; ++k)
      if (llm_names[k] == name) return k;
    return -1;
  };
  op_col = index("gen_ai_operation");
  req_col = index("request_model");
  resp_col = index("response_model");
  tool_col = index("tool_name");
  feature_col = index("feature");
  team_col = index("team");
  return op_col >= 0 && req_col >= 0 && resp_col >= 0 && tool_col >= 0 && feature_col >= 0 && team_col >= 0;
}

void Decoder::begin_block() {
  if (!tables_ready_) {
    t_.init(llm_names, llm_conv);
    tables_ready_ = true;
  }
  t_.clear();  // empty, even after a block that failed half-way
}

void Decoder::begin_unit(string_view location) {
  if (overflowing_plans_) {
    plans_.clear();
    overflowing_plans_ = false;
  }
  unit_plans_.clear();
  arena_.reset();
  resources_.clear();
  scopes_.clear();
  pending_.clear();
  event_spans_.clear();
  link_spans_.clear();
  location_ = location;
  records_ = 0;
  signal_ = 0;
}

void Decoder::finish_unit() {
  if (signal_ == TRACES) fill_down();
}

PyObject* finish_block(PyObject* refused, Tables& tables, int64_t records, int64_t taken, int signals) {
  PyObject* columns = tables.export_all();
  tables.clear();
  if (!columns) {
    Py_DECREF(refused);
    return nullptr;
  }
  return Py_BuildValue("(NNLLi)", columns, refused, static_cast<long long>(records), static_cast<long long>(taken),
                       signals);
}

// Appends a new reference (which it takes) to the list of refused units; throws PyFailure on failure.
void append_refused(PyObject* refused, PyObject* item) {
  bool ok = item && PyList_Append(refused, item) == 0;
  Py_XDECREF(item);
  if (!ok) throw PyFailure{};
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\x0b' || c == '\x0c'; }

template <typename Read>
const char* Decoder::decode_unit(string_view location, Totals& totals, Read read) {
  begin_unit(location);
  auto marks = t_.rows();
  try {
    read();
    finish_unit();
  } catch (const Refuse& refusal) {
    t_.truncate(marks);  // nothing of a refused unit stays
    return refusal.why;
  }
  totals.records += records_;
  totals.signals |= signal_;
  ++totals.taken;
  return nullptr;
}

PyObject* Decoder::decode_lines(const char* data, size_t size, int64_t first_line) {
  PyObject* refused = PyList_New(0);
  if (!refused) return nullptr;
  begin_block();
  Totals totals;
  int64_t line_no = first_line;
  size_t pos = 0;
  string location;
  try {
    while (pos < size) {
      const char* nl = static_cast<const char*>(std::memchr(data + pos, '\n', size - pos));
      size_t line_end = nl ? static_cast<size_t>(nl - data) : size;
      size_t a = pos, b = line_end;
      while (a < b && is_space(data[a])) ++a;
      while (b > a && is_space(data[b - 1])) --b;
      if (a < b) {
        location = "line " + std::to_string(line_no);
        const char* why = decode_unit(location, totals, [&] {
          // simdjson may read SIMDJSON_PADDING bytes past a line (it never uses them: a line ends
          // before a newline or blank at worst). A line that near the block's end gets a padded copy.
          if (b + simdjson::SIMDJSON_PADDING <= size) {
            json_line(data + a, b - a);
          } else {
            padded_.assign(data + a, b - a);
            padded_.append(simdjson::SIMDJSON_PADDING, ' ');
            json_line(padded_.data(), b - a);
          }
        });
        if (why)
          append_refused(refused, Py_BuildValue("(Lnns)", static_cast<long long>(line_no),
                                                static_cast<Py_ssize_t>(a), static_cast<Py_ssize_t>(b), why));
      }
      pos = line_end + 1;
      ++line_no;
    }
  } catch (const PyFailure&) {
    Py_DECREF(refused);
    return nullptr;
  }
  return finish_block(refused, t_, totals.records, totals.taken, totals.signals);
}

PyObject* Decoder::decode_messages(const char* data, const std::vector<std::pair<size_t, size_t>>& bounds,
                                   PyObject* locations) {
  PyObject* refused = PyList_New(0);
  if (!refused) return nullptr;
  begin_block();
  Totals totals;
  try {
    for (size_t k = 0; k < bounds.size(); ++k) {
      Py_ssize_t length = 0;
      const char* location = PyUnicode_AsUTF8AndSize(PyList_GET_ITEM(locations, k), &length);
      if (!location) throw PyFailure{};
      string_view message(data + bounds[k].first, bounds[k].second - bounds[k].first);
      const char* why = decode_unit(string_view(location, static_cast<size_t>(length)), totals,
                                    [&] { proto_message(message); });
      if (why) append_refused(refused, Py_BuildValue("(ns)", static_cast<Py_ssize_t>(k), why));
    }
  } catch (const PyFailure&) {
    Py_DECREF(refused);
    return nullptr;
  }
  return finish_block(refused, t_, totals.records, totals.taken, totals.signals);
}

}  // namespace

#ifndef SPANLEDGER_SOURCE_SHA256
#define SPANLEDGER_SOURCE_SHA256 ""
#endif

PyMODINIT_FUNC PyInit__decoder() {
  DecoderType.tp_name = "orchestration.native._decoder.Decoder";
  DecoderType.tp_basicsize = sizeof(DecoderObject);
  DecoderType.tp_flags = Py_TPFLAGS_DEFAULT;
  DecoderType.tp_new = PyType_GenericNew;
  DecoderType.tp_init = reinterpret_cast<initproc>(decoder_init);
  DecoderType.tp_dealloc = reinterpret_cast<destructor>(decoder_dealloc);
  DecoderType.tp_methods = decoder_methods;
  if (PyType_Ready(&DecoderType) < 0) return nullptr;
  PyObject* module = PyModule_Create(&module_def);
  if (!module) return nullptr;
  Py_INCREF(&DecoderType);
  if (PyModule_AddObject(module, "Decoder", reinterpret_cast<PyObject*>(&DecoderType)) < 0 ||
      PyModule_AddStringConstant(module, "__compiled_from__", SPANLEDGER_SOURCE_SHA256) < 0 ||
#ifdef SPANLEDGER_OPENSSL
      PyModule_AddIntConstant(module, "NATIVE_HMAC", 1) < 0) {
#else
      PyModule_AddIntConstant(module, "NATIVE_HMAC", 0) < 0) {
#endif
    Py_DECREF(module);
    return nullptr;
  }
  return module;
}

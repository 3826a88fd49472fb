// The Python type `Decoder` (its configuration from native/decoder.py, its two entry points) and the
// module's other functions, count_newlines and plausible_signal.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include <unordered_map>

#include "decoder.h"

namespace {

struct DecoderObject {
  PyObject_HEAD
  Decoder* decoder;
};

int conv_code(const string& name) {
  static const std::unordered_map<string, int> codes = {{"str", C_STR},   {"int", C_INT},   {"float", C_FLOAT},
                                                        {"bool", C_BOOL}, {"cost", C_COST}, {"ttft", C_TTFT},
                                                        {"provider", C_PROVIDER}};
  auto found = codes.find(name);
  return found == codes.end() ? -1 : found->second;
}

bool read_str_map(PyObject* dict, StrMap<string>& out) {
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict, &pos, &key, &value)) {
    Py_ssize_t k_size = 0, v_size = 0;
    const char* k = PyUnicode_AsUTF8AndSize(key, &k_size);
    const char* v = PyUnicode_AsUTF8AndSize(value, &v_size);
    if (!k || !v) return false;
    string_view k_view(k, static_cast<size_t>(k_size));
    if (string* known = out.find(k_view)) *known = string(v, static_cast<size_t>(v_size));
    else out.insert(k_view, string(v, static_cast<size_t>(v_size)));
  }
  return true;
}

bool read_str_set(PyObject* items, StrMap<string>& out) {  // any iterable of str
  PyObject* iterator = PyObject_GetIter(items);
  if (!iterator) return false;
  while (PyObject* item = PyIter_Next(iterator)) {
    Py_ssize_t size = 0;
    const char* text = PyUnicode_AsUTF8AndSize(item, &size);
    if (text && !out.find(string_view(text, static_cast<size_t>(size))))
      out.insert(string_view(text, static_cast<size_t>(size)), string(text, static_cast<size_t>(size)));
    Py_DECREF(item);
    if (!text) break;
  }
  Py_DECREF(iterator);
  return !PyErr_Occurred();
}

bool read_columns(PyObject* columns, Decoder& d) {
  Py_ssize_t n = PySequence_Size(columns);
  if (n < 0) return false;
  if (n > 64) {
    PyErr_SetString(PyExc_ValueError, "at most 64 llm_columns");
    return false;
  }
  for (Py_ssize_t k = 0; k < n; ++k) {
    PyObject* item = PySequence_GetItem(columns, k);
    const char *name, *conv;
    int fallback;
    bool ok = item && PyArg_ParseTuple(item, "ssp", &name, &conv, &fallback);
    Py_XDECREF(item);
    if (!ok) return false;
    if (conv_code(conv) < 0) {
      PyErr_Format(PyExc_ValueError, "unknown converter %s", conv);
      return false;
    }
    d.llm_names.emplace_back(name);
    d.llm_conv.push_back(conv_code(conv));
    d.llm_fallback.push_back(fallback);
  }
  d.n_llm = static_cast<int>(n);
  if (!d.resolve_columns()) {
    PyErr_SetString(PyExc_ValueError, "llm_columns lacks one the decoder needs");
    return false;
  }
  return true;
}

int decoder_init(DecoderObject* self, PyObject* args, PyObject* kwargs) {
  static const char* names[] = {"plan", "hash_id", "hash_bytes", "redact_metadata", "max_value_chars", "llm_columns",
                                "span_kind_types", "operation_types", "content_events", "claude_code_events",
                                "output_events", "claude_code_service", "claude_code_prefix", "tool_facts",
                                "hmac_key", "keep_content", nullptr};
  PyObject *plan, *hash_id, *hash_bytes, *redact, *columns, *kinds, *operations, *content, *claude, *output, *facts;
  const char *service, *prefix;
  Py_ssize_t max_chars;
  const char* key = nullptr;
  Py_ssize_t key_length = 0;
  int keep_content = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOnOO!O!OOOssO|y#p", const_cast<char**>(names), &plan, &hash_id,
                                   &hash_bytes, &redact, &max_chars, &columns, &PyDict_Type, &kinds, &PyDict_Type,
                                   &operations, &content, &claude, &output, &service, &prefix, &facts, &key,
                                   &key_length, &keep_content))
    return -1;
  auto* d = new Decoder();
  d->keep_content = keep_content != 0;
  if (key) d->hmac.init(string(key, static_cast<size_t>(key_length)));
  for (PyObject* callable : {plan, hash_id, hash_bytes, redact, facts}) Py_INCREF(callable);
  d->plan_of = plan;
  d->hash_id = hash_id;
  d->hash_bytes = hash_bytes;
  d->redact_metadata = redact;
  d->tool_facts = facts;
  d->max_value_chars = static_cast<size_t>(max_chars);
  d->claude_code_service = service;
  d->claude_code_prefix = prefix;
  if (!read_columns(columns, *d) || !read_str_map(kinds, d->span_kind_types) ||
      !read_str_map(operations, d->operation_types) || !read_str_set(content, d->content_events) ||
      !read_str_set(claude, d->claude_code_events) || !read_str_set(output, d->output_events)) {
    delete d;
    return -1;
  }
  delete self->decoder;
  self->decoder = d;
  return 0;
}

void decoder_dealloc(DecoderObject* self) {
  delete self->decoder;
  Py_TYPE(self)->tp_free(reinterpret_cast<PyObject*>(self));
}

template <typename Call>
PyObject* guarded(DecoderObject* self, Call call) {
  if (!self->decoder) {
    PyErr_SetString(PyExc_RuntimeError, "decoder not initialised");
    return nullptr;
  }
  try {
    return call(*self->decoder);
  } catch (const std::exception& err) {
    PyErr_Format(PyExc_RuntimeError, "native decoder: %s", err.what());
    return nullptr;
  }
}

PyObject* decoder_decode_lines(DecoderObject* self, PyObject* args) {
  Py_buffer block;
  long long first_line;
  if (!PyArg_ParseTuple(args, "y*L", &block, &first_line)) return nullptr;
  PyObject* out = guarded(self, [&](Decoder& d) {
    return d.decode_lines(static_cast<const char*>(block.buf), static_cast<size_t>(block.len), first_line);
  });
  PyBuffer_Release(&block);
  return out;
}

PyObject* decoder_decode_messages(DecoderObject* self, PyObject* args) {
  Py_buffer data;
  PyObject *bounds, *locations;
  if (!PyArg_ParseTuple(args, "y*O!O!", &data, &PyList_Type, &bounds, &PyList_Type, &locations)) return nullptr;
  std::vector<std::pair<size_t, size_t>> spans;
  bool ok = PyList_GET_SIZE(bounds) == PyList_GET_SIZE(locations);
  if (!ok) PyErr_SetString(PyExc_ValueError, "one location per message");
  for (Py_ssize_t k = 0; ok && k < PyList_GET_SIZE(bounds); ++k) {
    Py_ssize_t start, end;
    ok = PyArg_ParseTuple(PyList_GET_ITEM(bounds, k), "nn", &start, &end);
    if (ok && !(0 <= start && start <= end && end <= data.len)) {
      PyErr_SetString(PyExc_ValueError, "a message outside the data");
      ok = false;
    }
    spans.emplace_back(static_cast<size_t>(start), static_cast<size_t>(end));
  }
  PyObject* out = ok ? guarded(self, [&](Decoder& d) {
    return d.decode_messages(static_cast<const char*>(data.buf), spans, locations);
  }) : nullptr;
  PyBuffer_Release(&data);
  return out;
}

PyMethodDef decoder_methods[] = {
    {"decode_lines", reinterpret_cast<PyCFunction>(decoder_decode_lines), METH_VARARGS,
     "decode_lines(block, first_line) -> (tables, refused [(line, start, end, why)], records, lines, signals)"},
    {"decode_messages", reinterpret_cast<PyCFunction>(decoder_decode_messages), METH_VARARGS,
     "decode_messages(data, [(start, end)], [location]) -> (tables, refused [(index, why)], records, messages, "
     "signals)"},
    {nullptr, nullptr, 0, nullptr}};

PyTypeObject DecoderType = {PyVarObject_HEAD_INIT(nullptr, 0)};

// count_newlines(data, start=0, end=len(data)): bytes.count(b"\n", start, end), by memchr (~5x faster).
PyObject* count_newlines(PyObject*, PyObject* args) {
  Py_buffer data;
  Py_ssize_t start = 0, end = PY_SSIZE_T_MAX;
  if (!PyArg_ParseTuple(args, "y*|nn", &data, &start, &end)) return nullptr;
  end = std::min(end, data.len);
  start = std::max<Py_ssize_t>(0, std::min(start, end));
  const char* p = static_cast<const char*>(data.buf) + start;
  const char* stop = static_cast<const char*>(data.buf) + end;
  long long count = 0;
  while (p < stop && (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(stop - p))))) {
    ++count;
    ++p;
  }
  PyBuffer_Release(&data);
  return PyLong_FromLongLong(count);
}

// plausible_signal(body) -> 1 traces, 2 logs, 4 metrics, or 0: see proto_common.h.
PyObject* plausible_signal_of(PyObject*, PyObject* args) {
  Py_buffer data;
  if (!PyArg_ParseTuple(args, "y*", &data)) return nullptr;
  int signal = plausible_signal(string_view(static_cast<const char*>(data.buf), static_cast<size_t>(data.len)));
  PyBuffer_Release(&data);
  return PyLong_FromLong(signal);
}

PyMethodDef module_methods[] = {
    {"plausible_signal", plausible_signal_of, METH_VARARGS, "plausible_signal(body) -> 1, 2, 4 or 0"},
    {"count_newlines", count_newlines, METH_VARARGS, "count_newlines(data, start=0, end=len) -> int"},
    {nullptr, nullptr, 0, nullptr}};

PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "_decoder",
                          "Native decoder of OTLP records (see orchestration/native/decoder.py).", -1,
                          module_methods};

}  // namespace

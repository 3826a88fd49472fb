// The attribute filter (privacy.AttributeFilter.read and .apply): what each key means comes from Python
// once per key (its plan); ids and dropped content get the keyed HMAC; OpenInference metadata is
// redacted by Python once per distinct object. Anything the filter would cap refuses the unit.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include <algorithm>

#include "decoder.h"

namespace {

string Decoder::call_str(PyObject* fn, PyObject* arg) {
  if (!arg) throw PyFailure{};
  PyObject* result = PyObject_CallOneArg(fn, arg);
  Py_DECREF(arg);
  if (!result) throw PyFailure{};
  Py_ssize_t n;
  const char* text = PyUnicode_AsUTF8AndSize(result, &n);
  if (!text) {
    Py_DECREF(result);
    throw PyFailure{};
  }
  string out(text, static_cast<size_t>(n));
  Py_DECREF(result);
  return out;
}

Plan& Decoder::plan(string_view key) {
  if (Plan* found = plans_.find(key)) return *found;
  PyObject* arg = unicode(key);
  if (!arg) throw PyFailure{};
  PyObject* result = PyObject_CallOneArg(plan_of, arg);
  Py_DECREF(arg);
  if (!result) throw PyFailure{};
  Plan p{};
  PyObject* hits = nullptr;
  int output_side = 0;
  if (!PyArg_ParseTuple(result, "iOip", &p.kind, &hits, &p.flag, &output_side)) {
    Py_DECREF(result);
    throw PyFailure{};
  }
  p.output_side = output_side;
  Py_ssize_t n = PySequence_Size(hits);
  for (Py_ssize_t k = 0; k < n; ++k) {
    PyObject* pair = PySequence_GetItem(hits, k);
    int column = 0, rank = 0;
    bool ok = pair && PyArg_ParseTuple(pair, "ii", &column, &rank);
    Py_XDECREF(pair);
    if (!ok) {
      Py_DECREF(result);
      throw PyFailure{};
    }
    p.hits.emplace_back(column, rank);
    p.feeds_point_columns |= column == n_llm + P_TENANT || column == n_llm + P_MODEL || column == n_llm + P_TOKEN_TYPE;
  }
  Py_DECREF(result);
  if (plans_.size() >= PLAN_ENTRIES) {  // hostile input with endless unique keys: start over between units
    overflowing_plans_ = true;
    return unit_plans_.emplace_back(std::move(p));
  }
  return plans_.insert(key, std::move(p));
}

string_view Decoder::keyed_hash(PyObject* fallback, string_view data, bool as_bytes) {
  if (hmac.ready()) {
    if (!hmac.hex(data, digest_)) throw std::runtime_error("HMAC failed");
    return arena_.put(digest_);
  }
  PyObject* arg = as_bytes ? PyBytes_FromStringAndSize(data.data(), static_cast<Py_ssize_t>(data.size()))
                           : unicode(data);
  return arena_.put(call_str(fallback, arg));
}

// OpenInference metadata, redacted by privacy.AttributeFilter.redact_metadata (Python, ~3 µs a call).
// The same few objects recur span after span: each is redacted once.
string_view Decoder::redacted_metadata(string_view raw) {
  if (const string* known = metadata_memo_.find(raw)) return *known;
  string redacted = call_str(redact_metadata, unicode(raw));
  if (raw.size() <= METADATA_MEMO_CHARS && metadata_memo_.size() < METADATA_MEMO_ENTRIES)
    return metadata_memo_.insert(raw, std::move(redacted));
  return arena_.put(redacted);
}

string_view Decoder::hash_identifier(string_view raw) {
  if (const string* found = id_memo_.find(raw)) return *found;
  string digest(keyed_hash(hash_id, raw, false));
  if (raw.size() <= MEMO_KEY_CHARS && id_memo_.size() < MEMO_ENTRIES)
    return id_memo_.insert(raw, std::move(digest));
  return arena_.put(digest);
}

// tool_details.derived_attributes of one tool input (its text: a string as it is, anything else as its
// JSON, which that function reads alike); the first value of each fact stays, as privacy.py's setdefault.
void Decoder::add_tool_facts(Redacted& r, string_view key, string_view text) {
  PyObject* k = unicode(key);
  PyObject* t = k ? unicode(text) : nullptr;
  PyObject* result = t ? PyObject_CallFunctionObjArgs(tool_facts, k, t, nullptr) : nullptr;
  Py_XDECREF(k);
  Py_XDECREF(t);
  if (!result) throw PyFailure{};
  if (!PyList_Check(result)) {
    Py_DECREF(result);
    refuse("tool facts that are not a list");
  }
  for (Py_ssize_t n = 0; n < PyList_GET_SIZE(result); ++n) {
    PyObject* item = PyList_GET_ITEM(result, n);
    PyObject *fact_key, *fact_value;
    Py_ssize_t length;
    const char* text_key = PyTuple_Check(item) && PyTuple_GET_SIZE(item) == 2
                               ? PyUnicode_AsUTF8AndSize(fact_key = PyTuple_GET_ITEM(item, 0), &length)
                               : nullptr;
    if (!text_key) {
      Py_DECREF(result);
      PyErr_Clear();
      refuse("a tool fact that is not (key, value)");
    }
    string_view name(text_key, static_cast<size_t>(length));
    bool known = std::any_of(r.tool_facts.begin(), r.tool_facts.end(), [&](const auto& f) { return f.first == name; });
    if (known) continue;
    fact_value = PyTuple_GET_ITEM(item, 1);
    Val v;
    if (PyBool_Check(fact_value)) {
      v.t = VT::Bool;
      v.b = fact_value == Py_True;
    } else if (const char* s = PyUnicode_Check(fact_value) ? PyUnicode_AsUTF8AndSize(fact_value, &length) : nullptr) {
      v.t = VT::Str;
      v.s = arena_.put(string_view(s, static_cast<size_t>(length)));
    } else {
      Py_DECREF(result);
      PyErr_Clear();
      refuse("a tool fact that is neither text nor a boolean");
    }
    r.tool_facts.emplace_back(arena_.put(name), std::move(v));
  }
  Py_DECREF(result);
}

void Decoder::apply_filter(Redacted& r, string_view key, Val value, uint64_t list_number, Slot slot) {
  Plan& p = plan(key);
  // a repeated key: last one wins, which the Python path sorts out
  if (p.seen_in == list_number) refuse("a repeated attribute key");
  p.seen_in = list_number;
  // A metric point reads its tenant, model and token type before the filter: only a plain key gives
  // the same value after it.
  if (slot == RECORD_ATTRS && p.kind != PLAIN && p.feeds_point_columns) r.filtered_point_key = true;
  switch (p.kind) {
    case PLAIN:
      if (value.t == VT::Str) {
        if (value.s.size() > max_value_chars && code_points(value.s) > max_value_chars) refuse("a value to cap");
      } else if (value.t == VT::Arr || value.t == VT::Map) {
        scratch_.clear();
        json_value(scratch_, value);
        if (scratch_.size() > max_value_chars) refuse("a list to cap");  // privacy.py counts its bytes
      }
      break;
    case USER:
    case SESSION:
      if (value.t == VT::Null || (value.t == VT::Str && value.s.empty())) break;
      if (value.t != VT::Str) refuse("an id that is not a string");
      value.s = hash_identifier(value.s);
      if (p.kind == USER) {
        if (!r.user_hash) r.user_hash = value.s;
      } else if (!r.session_hash) {
        r.session_hash = value.s;
      }
      break;
    case CONTENT:
    case TOOL_INPUT: {  // a tool call's input is content too, of which privacy.py keeps a few facts
      if (keep_content) refuse("content to keep");
      // privacy._text_of: a string as it is, anything else as its JSON (orjson's format)
      string part(key);
      part.push_back('\0');
      size_t text_start = part.size();
      if (value.t == VT::Str) part.append(value.s);
      else json_value(part, value);
      if (p.kind == TOOL_INPUT) add_tool_facts(r, key, string_view(part).substr(text_start));
      auto chars = static_cast<int64_t>(code_points(string_view(part).substr(text_start)));
      auto& side = p.output_side ? r.output_chars : r.input_chars;
      side = side.value_or(0) + chars;
      r.content_parts.push_back(std::move(part));
      return;  // dropped: it marks no convention and feeds no column
    }
    case METADATA:
      if (value.t == VT::Str && !value.s.empty() && value.s[0] == '{') {
        value.s = redacted_metadata(value.s);
      }
      break;
    default:  // a kind this build does not know must never land as it is
      refuse("an attribute kind this build does not know");
  }
  r.flags |= p.flag;
  r.attrs.emplace_back(key, std::move(value));  // its typed-column hits are taken in finish_filter()
  r.plans.push_back(&p);
}

// `each(sink)` calls sink(key, value) for each attribute of the list, in order.
template <typename EachPair>
Redacted& Decoder::filter(Slot slot, EachPair each) {
  Redacted& r = slots_[slot];
  r.clear(static_cast<size_t>(n_llm + PSEUDO_COUNT));
  uint64_t list_number = ++attribute_lists_;
  each([&](string_view key, Val&& value) {
    if (overflowing_plans_) r.keys.push_back(key);  // plans of the same key may then be distinct
    apply_filter(r, key, std::move(value), list_number, slot);
  });
  finish_filter(r, slot);
  return r;
}

void Decoder::finish_filter(Redacted& r, Slot slot) {
  if (r.keys.size() > 1) {
    std::sort(r.keys.begin(), r.keys.end());
    if (std::adjacent_find(r.keys.begin(), r.keys.end()) != r.keys.end()) refuse("a repeated attribute key");
  }
  r.attrs.reserve(r.attrs.size() + r.tool_facts.size());  // the hits below point into it
  // typed-column candidates: a lower rank wins, then the first seen (semantics.add_hit)
  for (size_t k = 0; k < r.attrs.size(); ++k) {
    const auto& [key, value] = r.attrs[k];
    if (value.t == VT::Null || (value.t == VT::Str && value.s.empty())) continue;
    for (auto [column, rank] : r.plans[k]->hits) {
      Hit& h = r.best[column];
      if (h.value == nullptr || rank < h.rank) h = Hit{rank, &value, key};
    }
  }
  // privacy._finish: the tool facts are ours, whatever a sender put under their keys (in its place)
  for (auto& [name, value] : r.tool_facts) {
    auto found = std::find_if(r.attrs.begin(), r.attrs.end(), [&](const auto& a) { return a.first == name; });
    if (found == r.attrs.end()) {
      r.attrs.emplace_back(name, value);
      r.plans.push_back(&plan(name));
    } else if (!r.plans[static_cast<size_t>(found - r.attrs.begin())]->hits.empty()) {
      refuse("a tool fact under a key that feeds a column");
    } else {
      found->second = value;
    }
  }
  // The keyed hash of the dropped content: only records keep it (the Python path computes it for
  // every attribute list, and drops it).
  if (slot == RECORD_ATTRS && !r.content_parts.empty()) {
    std::sort(r.content_parts.begin(), r.content_parts.end());
    scratch_.clear();
    for (size_t k = 0; k < r.content_parts.size(); ++k) {
      if (k) scratch_.push_back('\x01');
      scratch_ += r.content_parts[k];
    }
    r.content_hmac = keyed_hash(hash_bytes, scratch_, true);
  }
}

// The attribute map as landed: a JSON object in orjson's format, or nothing when empty.
optional<string_view> Decoder::attrs_json(const Redacted& r) {
  if (r.attrs.empty()) return std::nullopt;
  scratch_.clear();
  scratch_ += '{';
  for (size_t k = 0; k < r.attrs.size(); ++k) {
    if (k) scratch_ += ',';
    json_string(scratch_, r.attrs[k].first);
    scratch_ += ':';
    json_value(scratch_, r.attrs[k].second);
  }
  scratch_ += '}';
  return arena_.put(scratch_);
}

}  // namespace

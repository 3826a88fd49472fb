// semantics.py's converters (_as_str, _as_int, _as_float, _as_bool, as_cost, _ttft_ms, _provider) for
// the values they take exactly, and the typed LLM columns of a span or log record (semantics.llm_columns).
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include "decoder.h"

namespace {

Out Decoder::convert(int column, const Val& v, string_view key) {
  Out out;
  int conv = column < n_llm ? llm_conv[column] : C_STR;
  switch (conv) {
    case C_STR:
    case C_PROVIDER: {
      if (v.t == VT::Null) return out;
      string_view text;
      if (v.t == VT::Str) {
        text = v.s;
      } else {
        scratch_.clear();
        if (v.t == VT::Arr) {
          for (size_t k = 0; k < v.arr.size(); ++k) {
            if (k) scratch_ += ',';
            python_str(scratch_, v.arr[k]);
          }
        } else {
          python_str(scratch_, v);
        }
        text = arena_.put(scratch_);
      }
      if (conv == C_PROVIDER) {
        if (text.empty()) return Out{};
        if (!is_ascii(text)) refuse("non-ASCII provider");
        if (std::any_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
          scratch_.assign(text);
          for (char& c : scratch_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          text = arena_.put(scratch_);
        }
      }
      out.t = VT::Str;
      out.s = text;
      return out;
    }
    case C_INT:
      switch (v.t) {
        case VT::Int: out.i = v.i; break;
        case VT::Dbl: {
          double r = std::nearbyint(v.d);  // round half to even, as Python's round()
          if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0)) return out;
          out.i = static_cast<int64_t>(r);
          break;
        }
        case VT::Str: {
          if (auto n = strict_integer(v.s)) {
            if (*n < -(static_cast<__int128>(1) << 63) || *n >= (static_cast<__int128>(1) << 63)) return out;
            out.i = static_cast<int64_t>(*n);
            break;
          }
          bool negative;
          string digits;
          int exponent;
          if (!strict_decimal(v.s, negative, digits, exponent)) refuse("an integer column from an unusual string");
          double d = std::strtod(string(v.s).c_str(), nullptr);
          if (!std::isfinite(d)) refuse("an integer column from a non-finite string");
          double t = std::trunc(d);
          if (!(t >= -9223372036854775808.0 && t < 9223372036854775808.0)) return out;
          out.i = static_cast<int64_t>(t);
          break;
        }
        default: return out;  // None, bool, list
      }
      out.t = VT::Int;
      return out;
    case C_FLOAT:
    case C_TTFT: {
      switch (v.t) {
        case VT::Int: out.d = static_cast<double>(v.i); break;
        case VT::Dbl: out.d = v.d; break;
        case VT::Str: {
          bool negative;
          string digits;
          int exponent;
          if (!strict_decimal(v.s, negative, digits, exponent)) refuse("a number column from an unusual string");
          out.d = std::strtod(string(v.s).c_str(), nullptr);
          break;
        }
        default: return out;
      }
      if (conv == C_TTFT && !(key.size() >= 3 && key.substr(key.size() - 3) == "_ms")) out.d *= 1000.0;
      out.t = VT::Dbl;
      return out;
    }
    case C_BOOL:
      switch (v.t) {
        case VT::Bool: out.b = v.b; break;
        case VT::Int: out.b = v.i != 0; break;
        case VT::Dbl: out.b = v.d != 0; break;
        case VT::Str: {
          for (unsigned char c : v.s)
            if (c < 0x20 || c >= 0x7f) refuse("a boolean column from an unusual string");
          string_view s = v.s;
          while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
          while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
          string lowered(s);
          for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          if (lowered == "true" || lowered == "1" || lowered == "yes") out.b = true;
          else if (lowered == "false" || lowered == "0" || lowered == "no") out.b = false;
          else return out;
          break;
        }
        default: return out;
      }
      out.t = VT::Bool;
      return out;
    case C_COST: {
      bool negative = false;
      string digits;
      int exponent = 0;
      switch (v.t) {
        case VT::Int: {
          negative = v.i < 0;
          __int128 m = v.i;
          if (negative) m = -m;
          digits = m == 0 ? "0" : "";
          while (m > 0) {
            digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
            m /= 10;
          }
          break;
        }
        case VT::Dbl: {
          int exp10;
          shortest(v.d, digits, exp10, negative);
          exponent = exp10 - static_cast<int>(digits.size()) + 1;
          break;
        }
        case VT::Str:
          if (!strict_decimal(v.s, negative, digits, exponent)) refuse("a cost from an unusual string");
          break;
        default: return out;
      }
      auto n = quantize_9(negative, digits, exponent);
      if (!n) return out;
      out.dec = *n;
      out.t = VT::Dec;
      return out;
    }
  }
  return out;
}



// semantics.first_str of a pseudo column over the filtered attributes: the winning key's value as text,
// empty when none.
string_view Decoder::pseudo_str(const Redacted& r, int pseudo) {
  const Hit& h = r.best[n_llm + pseudo];
  return h.value ? convert(n_llm + pseudo, *h.value, h.key).s : string_view();
}

bool truthy(const Val* v) {
  if (!v) return false;
  switch (v->t) {
    case VT::Null: return false;
    case VT::Str: return !v->s.empty();
    case VT::Int: return v->i != 0;
    case VT::Dbl: return v->d != 0;
    case VT::Bool: return v->b;
    case VT::Arr: case VT::Map: return !v->arr.empty();
    case VT::Dec: return true;
  }
  return false;
}

bool starts_with(optional<string_view> s, const string& prefix) {
  return s && s->substr(0, prefix.size()) == prefix;
}

// semantics.llm_columns into llm_: the winning key of each column, converted, else the resource's value;
// then the convention and the span type (semantics._convention, semantics._span_type).
void Decoder::llm_columns(const Redacted& r, const Resource& res, optional<string_view> event_name,
                          optional<string_view>& convention, optional<string_view>& span_type) {
  Out* llm = llm_;  // reused: a record resets only the kinds (a value is read only after its kind)
  for (int k = 0; k < n_llm; ++k) {
    llm[k].t = VT::Null;
    const Hit& h = r.best[k];
    if (h.value) llm[k] = convert(k, *h.value, h.key);
    if (llm[k].t == VT::Null && llm_fallback[k]) llm[k] = res.defaults[k];
  }
  convention.reset();
  span_type.reset();
  if (starts_with(event_name, claude_code_prefix)) convention = "claude_code";
  else if (r.flags & 1) convention = "openinference";
  else if (r.flags & 2) convention = "openllmetry";
  else if (r.flags & 4) convention = "genai";
  const Val* kind_attr = r.get("openinference.span.kind");
  if (!truthy(kind_attr)) kind_attr = r.get("traceloop.span.kind");
  const string* typed = nullptr;
  if (kind_attr && kind_attr->t == VT::Str && (typed = span_kind_types.find(kind_attr->s))) {
    span_type = *typed;
    return;
  }
  const Out& op = llm[op_col];
  if (op.t == VT::Str && !op.s.empty()) {
    if (!is_ascii(op.s)) refuse("non-ASCII operation");
    scratch_.assign(op.s);
    for (char& c : scratch_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (const string* found = operation_types.find(scratch_)) {
      span_type = *found;
      return;
    }
  }
  if ((event_name && *event_name == claude_code_prefix + "api_request") ||
      (llm[req_col].t == VT::Str && !llm[req_col].s.empty()) ||
      (llm[resp_col].t == VT::Str && !llm[resp_col].s.empty())) {
    span_type = "llm";
  } else if (llm[tool_col].t != VT::Null) {
    span_type = "tool";
  }
}

// One LLM column's value into its Arrow column.
void put(Column& col, const Out& o) {
  switch (o.t) {
    case VT::Str: col.str(o.s); break;
    case VT::Int: col.integer(o.i); break;
    case VT::Dbl: col.real(o.d); break;
    case VT::Bool: col.boolean(o.b); break;
    case VT::Dec: col.decimal(o.dec); break;
    default: col.null(); break;
  }
}

}  // namespace

// Protobuf export requests: which signal a message is (as otlp/proto.py's decode_request decides), its
// resources and scopes, and attribute values, as MessageToDict then the normalizer read them.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include "json_metrics.h"
#include "proto_wire.h"

namespace {

Val proto_any(string_view message, int depth, Arena& arena, string& scratch);

// A KeyValue: its key, its value into `value` (a value nested `depth` deep).
string_view proto_key_value(string_view message, int depth, Val& value, Arena& arena, string& scratch) {
  Wire kv(message);
  string_view key;
  uint32_t seen = 0;
  while (kv.next()) {
    once(seen, kv.field());
    if (kv.field() == 1) key = kv.text();
    else if (kv.field() == 2) value = proto_any(kv.bytes(), depth, arena, scratch);
    else refuse("protobuf: an unknown KeyValue field");
  }
  if (key.empty()) refuse("an attribute without a key");  // MessageToDict leaves it out: the Python path's error
  return key;
}

// An AnyValue (common.proto) as values.decode_any_value reads MessageToDict's mapping of it: bytes
// become their base64 text; an empty AnyValue is no value.
Val proto_any(string_view message, int depth, Arena& arena, string& scratch) {
  Val out;
  if (depth > MAX_VALUE_DEPTH) refuse("an AnyValue nested deeply");
  Wire w(message);
  bool set = false;
  while (w.next()) {
    if (set) refuse("protobuf: an AnyValue with several values");
    set = true;
    switch (w.field()) {
      case 1: out.t = VT::Str; out.s = w.text(); break;
      case 2: out.t = VT::Bool; out.b = w.boolean(); break;
      case 3: out.t = VT::Int; out.i = static_cast<int64_t>(w.varint()); break;
      case 4:
        out.t = VT::Dbl;
        out.d = w.float64();
        if (!std::isfinite(out.d)) refuse("doubleValue not finite");
        break;
      case 5: {  // ArrayValue: values = 1
        out.t = VT::Arr;
        Wire items(w.bytes());
        while (items.next()) {
          if (items.field() != 1) refuse("protobuf: an unknown ArrayValue field");
          out.arr.push_back(proto_any(items.bytes(), depth + 1, arena, scratch));
        }
        break;
      }
      case 6: {  // KeyValueList: values = 1
        out.t = VT::Map;
        Wire items(w.bytes());
        while (items.next()) {
          if (items.field() != 1) refuse("protobuf: an unknown KeyValueList field");
          out.arr.emplace_back();
          out.keys.push_back(proto_key_value(items.bytes(), depth + 1, out.arr.back(), arena, scratch));
        }
        check_distinct_keys(out);
        break;
      }
      case 7: out.t = VT::Str; out.s = base64(w.bytes(), arena, scratch); break;
      default: refuse("protobuf: an unknown AnyValue kind");
    }
  }
  return out;
}

// The attributes (repeated KeyValue, field `field`) of a message, for Decoder::filter.
auto proto_attributes(string_view message, uint32_t field, Arena& arena, string& scratch) {
  return [=, &arena, &scratch](auto&& sink) {
    Wire w(message);
    while (w.next()) {
      if (w.field() != field) {
        w.skip();
        continue;
      }
      Val value;
      string_view key = proto_key_value(w.bytes(), 0, value, arena, scratch);
      sink(key, std::move(value));
    }
  };
}

// A string field as the normalizer's decode_str gives it: empty is nothing.
optional<string_view> proto_str(Wire& w) {
  string_view s = w.text();
  return s.empty() ? std::nullopt : optional<string_view>(s);
}

// Which export request a message is, from its first record's fields: a span has its start time (field 7)
// as fixed64, a log record its times (1, 11) as fixed64 (and its body, 5, as a message), a metric its
// data (5, 7, 9, 10, 11) as a message and its name (1) as a string.
// Only a guess: the message is then read strictly as that signal, which is what protobuf decides too
// (otlp/proto.py tries traces, metrics, logs; a strict read of one is implausible as the others).
int sniff_signal(string_view message) {
  Wire request(message);
  while (request.next()) {
    if (request.field() != 1) return 0;
    Wire resource(request.bytes());
    while (resource.next()) {
      if (resource.field() != 2 || resource.type() != LEN) {
        resource.skip();
        continue;
      }
      Wire scope(resource.bytes());
      while (scope.next()) {
        if (scope.field() != 2 || scope.type() != LEN) {
          scope.skip();
          continue;
        }
        Wire record(scope.bytes());
        int metric_fields = 0, log_fields = 0;
        while (record.next()) {
          uint32_t f = record.field();
          int type = record.type();
          if (f == 7 && type == FIXED64) return TRACES;
          metric_fields += (f == 5 || f == 7 || f == 9 || f == 10 || f == 11) && type == LEN;
          log_fields += (f == 1 || f == 11) && type == FIXED64;
          record.skip();
        }
        return log_fields ? LOGS : metric_fields ? METRICS : 0;
      }
    }
  }
  return 0;
}

// Whether one record is plausible as `signal`, as otlp/proto.py's checks read it: a span's ids of 16 and
// 8 bytes (or none) and a start time; a metric's name and data; a log record's trace id and a time.
// Throws Refuse when a field it reads is not of its declared wire type (protobuf would take it as unknown).
bool plausible_record(string_view body, int signal) {
  Wire w(body);
  size_t trace_id = 0, span_id = 0;
  uint64_t start = 0, time = 0, observed = 0;
  bool named = false, data = false;
  while (w.next()) {
    uint32_t f = w.field();
    if (signal == TRACES && f == 1) trace_id = w.bytes().size();
    else if (signal == TRACES && f == 2) span_id = w.bytes().size();
    else if (signal == TRACES && f == 7) start = w.fixed64();
    else if (signal == METRICS && f == 1) named = !w.text().empty();
    else if (signal == METRICS && (f == 5 || f == 7 || f == 9 || f == 10 || f == 11)) {
      w.bytes();
      data = true;
    }
    else if (signal == LOGS && f == 9) trace_id = w.bytes().size();
    else if (signal == LOGS && f == 1) time = w.fixed64();
    else if (signal == LOGS && f == 11) observed = w.fixed64();
    else w.skip();
  }
  if (signal == TRACES) return (trace_id == 0 || trace_id == 16) && (span_id == 0 || span_id == 8) && start;
  if (signal == METRICS) return named && data;
  return (trace_id == 0 || trace_id == 16) && (time || observed);
}

// The signal otlp/proto.py's parse_request would give a request, told from its wire format alone and
// ~20x faster (no message objects): 0 when unsure (a field of an unexpected type, an implausible
// record), and the caller asks protobuf. Its records' inner fields are read later, by the decoder or
// protobuf; a request malformed only there is refused then, and quarantined by its size.
int plausible_signal(string_view message) {
  int signal = 0;
  int64_t records = 0;
  try {
    signal = sniff_signal(message);
    if (!signal) return 0;
    Wire request(message);
    while (request.next()) {
      if (request.field() != 1) return 0;
      Wire resource(request.bytes());
      while (resource.next()) {
        if (resource.field() != 2) {
          resource.skip();
          continue;
        }
        Wire scope(resource.bytes());
        while (scope.next()) {
          if (scope.field() != 2) {
            scope.skip();
            continue;
          }
          if (!plausible_record(scope.bytes(), signal)) return 0;
          ++records;
        }
      }
    }
  } catch (const Refuse&) {
    return 0;
  }
  return records ? signal : 0;
}

void Decoder::proto_message(string_view body) {
  int signal = sniff_signal(body);
  if (!signal) refuse("protobuf: no record to tell the signal by");
  signal_ = signal;
  Wire request(body);
  while (request.next()) {
    if (request.field() != 1) refuse("protobuf: an unknown request field");
    proto_resource(request.bytes(), signal);
  }
  if (records_ == 0) refuse("protobuf: no records");  // protobuf's reading calls that undecodable
}

// A Resource{Spans,Logs,Metrics}: the resource, then each scope and its records.
void Decoder::proto_resource(string_view body, int signal) {
  string_view resource;
  optional<string_view> schema_url;
  uint32_t seen = 0;
  Wire w(body);
  while (w.next()) {
    if (w.field() == 1) {
      once(seen, 1);
      resource = w.bytes();
    } else if (w.field() == 3) {
      once(seen, 3);
      schema_url = proto_str(w);
    } else if (w.field() == 2) {
      w.bytes();  // a scope: read below, once the resource is known
    } else {
      refuse("protobuf: an unknown resource field");
    }
  }
  Wire r(resource);  // Resource: attributes 1, dropped_attributes_count 2 (not landed)
  while (r.next()) {
    if (r.field() == 1) r.bytes();
    else if (r.field() == 2) r.uint32();
    else refuse("protobuf: an unknown Resource field (entity_refs)");
  }
  const Resource& res = add_resource(filter(RESOURCE_ATTRS, proto_attributes(resource, 1, arena_, scratch_)), schema_url);
  Wire scopes(body);
  while (scopes.next()) {
    if (scopes.field() != 2) {
      scopes.skip();
      continue;
    }
    string_view scope_msg = scopes.bytes(), scope;
    uint32_t scope_seen = 0;
    Wire s(scope_msg);  // Scope{Spans,Logs,Metrics}: scope 1, records 2, schema_url 3 (not landed)
    while (s.next()) {
      if (s.field() == 1) {
        once(scope_seen, 1);
        scope = s.bytes();
      } else if (s.field() == 2) {
        s.bytes();
      } else if (s.field() == 3) {
        once(scope_seen, 3);
        s.text();
      } else {
        refuse("protobuf: an unknown scope field");
      }
    }
    optional<string_view> name, version;
    uint32_t fields_seen = 0;
    Wire fields(scope);  // InstrumentationScope: name 1, version 2, attributes 3, dropped_attributes_count 4
    while (fields.next()) {
      uint32_t f = fields.field();
      if (f == 1 || f == 2 || f == 4) once(fields_seen, f);
      if (f == 1) name = proto_str(fields);
      else if (f == 2) version = proto_str(fields);
      else if (f == 3) fields.bytes();
      else if (f == 4) fields.uint32();
      else refuse("protobuf: an unknown InstrumentationScope field");
    }
    const Scope& sc = add_scope(name, version, filter(SCOPE_ATTRS, proto_attributes(scope, 3, arena_, scratch_)));
    Wire items(scope_msg);
    while (items.next()) {
      if (items.field() != 2) {
        items.skip();
        continue;
      }
      string_view item = items.bytes();
      if (signal == TRACES) proto_span(item, res, sc);
      else if (signal == LOGS) proto_log(item, res, sc);
      else proto_metric(item, res, sc);
    }
  }
}

}  // namespace

// Protobuf metrics (metrics.proto): a metric's kind and data, each data point's fields for that kind, and
// exemplars, read as MessageToDict then normalize.Normalizer._metric, _point and _exemplars read them.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include "proto_traces.h"

namespace {

// A data point message's field numbers, by kind: attributes, exemplars (0: none), flags.
struct PointFields {
  uint32_t attributes, exemplars, flags;
};

PointFields point_fields(string_view kind) {
  if (kind == "histogram") return {9, 8, 10};
  if (kind == "exponential_histogram") return {1, 11, 10};
  if (kind == "summary") return {7, 0, 8};
  return {7, 5, 8};  // NumberDataPoint (sum, gauge)
}

void Decoder::proto_metric(string_view body, const Resource& res, const Scope& sc) {
  MetricIn m{};
  string_view data;
  int kinds = 0;
  uint32_t seen = 0;
  Wire w(body);
  while (w.next()) {
    uint32_t f = w.field();
    once(seen, f);
    const char* kind = f == 5 ? "gauge" : f == 7 ? "sum" : f == 9 ? "histogram" : f == 10 ? "exponential_histogram"
                     : f == 11 ? "summary" : nullptr;
    if (kind) {
      ++kinds;
      m.kind = kind;
      data = w.bytes();
    } else if (f == 1) {
      m.name = w.text();
    } else if (f == 2) {
      m.description = proto_str(w);
    } else if (f == 3) {
      m.unit = proto_str(w);
    } else {
      refuse("protobuf: an unknown Metric field (metadata)");
    }
  }
  if (kinds != 1) refuse("a metric with no data, or several kinds of it");
  if (m.name.empty()) refuse("a metric without a name");
  string_view kind = m.kind;
  bool temporal = kind != "gauge" && kind != "summary";
  uint32_t temporality = 0, data_seen = 0;
  Wire d(data);  // data points 1; temporality 2 (sum, histograms); is_monotonic 3 (sum)
  while (d.next()) {
    uint32_t f = d.field();
    if (f != 1) once(data_seen, f);
    if (f == 1) d.bytes();
    else if (f == 2 && temporal) temporality = d.uint32();
    else if (f == 3 && kind == "sum") m.monotonic = d.boolean();
    else refuse("protobuf: an unknown metric data field");
  }
  if (temporality >= std::size(TEMPORALITIES)) refuse("an unknown aggregation temporality");
  m.temporality = temporal ? TEMPORALITIES[temporality] : nullptr;
  Wire points(data);
  while (points.next()) {
    if (points.field() == 1) proto_point(points.bytes(), m, res, sc);
    else points.skip();
  }
}

void Decoder::proto_point(string_view body, const MetricIn& m, const Resource& res, const Scope& sc) {
  PointIn& p = point_;
  p.clear();
  string_view kind = m.kind;
  PointFields fields = point_fields(kind);
  bool number = kind == "sum" || kind == "gauge", histogram = kind == "histogram";
  bool exponential = kind == "exponential_histogram", summary = kind == "summary";
  uint64_t time = 0, start = 0;
  uint32_t seen = 0;
  string_view sides[2];
  bool exemplars = false;
  Wire w(body);
  while (w.next()) {
    uint32_t f = w.field();
    if (f == fields.attributes || f == fields.exemplars) {
      w.bytes();
      exemplars |= f == fields.exemplars;
      continue;
    }
    bool repeats = (histogram && (f == 6 || f == 7)) || (summary && f == 6);
    if (!repeats) once(seen, f);
    if (f == 2) start = w.fixed64();
    else if (f == 3) time = w.fixed64();
    else if (f == fields.flags) { if (uint32_t flags = w.uint32()) p.flags = flags; }
    else if (number && f == 4) p.as_double = python_double(w.float64());
    else if (number && f == 6) p.as_int = static_cast<int64_t>(w.fixed64());
    else if (!number && f == 4) p.count = static_cast<int64_t>(w.fixed64());
    else if (!number && f == 5) p.sum = summary ? implicit_double(w.float64()) : python_double(w.float64());
    else if (histogram && f == 6) w.repeated64(p.bucket_counts);
    else if (histogram && f == 7) w.repeated64(p.bounds);
    else if (histogram && f == 11) p.min = python_double(w.float64());
    else if (histogram && f == 12) p.max = python_double(w.float64());
    else if (exponential && f == 6) p.scale = w.sint32();
    else if (exponential && f == 7) p.zero_count = static_cast<int64_t>(w.fixed64());
    else if (exponential && (f == 8 || f == 9)) sides[f - 8] = w.bytes();
    else if (exponential && f == 12) p.min = python_double(w.float64());
    else if (exponential && f == 13) p.max = python_double(w.float64());
    else if (exponential && f == 14) p.zero_threshold = implicit_double(w.float64());
    else if (summary && f == 6) {  // ValueAtQuantile: quantile 1, value 2; `or 0.0` in the normalizer
      Wire q(w.bytes());
      double pair[2] = {0, 0};
      uint32_t q_seen = 0;
      while (q.next()) {
        once(q_seen, q.field());
        if (q.field() != 1 && q.field() != 2) refuse("protobuf: an unknown ValueAtQuantile field");
        double v = q.float64();
        pair[q.field() - 1] = v == 0 ? 0.0 : python_double(v);
      }
      p.quantiles.emplace_back(pair[0], pair[1]);
    } else {
      refuse("protobuf: an unknown data point field");
    }
  }
  if (p.as_double && p.as_int) refuse("protobuf: a data point with two values");
  p.time = checked_time(static_cast<int64_t>(time));
  if (start) p.start = static_cast<int64_t>(start);
  if (!number) p.count = p.count.value_or(0);
  if (histogram) {
    p.buckets = true;
    for (double& bound : p.bounds) bound = python_double(bound);
    if (!p.bucket_counts.empty() && p.bucket_counts.size() != p.bounds.size() + 1)
      refuse("bucketCounts without one more entry than explicitBounds");
  }
  for (int side = 0; side < 2; ++side) {  // Buckets: offset 1, bucket_counts 2
    Wire b(sides[side]);
    uint32_t b_seen = 0;
    while (b.next()) {
      if (b.field() == 1) {
        once(b_seen, 1);
        p.offsets[side] = b.sint32();
      } else if (b.field() == 2) {
        b.repeated_varint(p.sides[side]);
      } else {
        refuse("protobuf: an unknown Buckets field");
      }
    }
  }
  const Redacted& r = filter(RECORD_ATTRS, proto_attributes(body, fields.attributes, arena_, scratch_));
  if (exemplars) {
    exemplars_.assign("[");
    Wire e(body);
    while (e.next()) {
      if (e.field() == fields.exemplars) proto_exemplar(e.bytes());
      else e.skip();
    }
    exemplars_ += ']';
    p.exemplars = arena_.put(exemplars_);
  }
  add_point(m, p, r, res, sc);
  ++records_;
}

// Exemplar: filtered_attributes 7, time 2, as_double 3, as_int 6, span_id 4, trace_id 5.
void Decoder::proto_exemplar(string_view body) {
  ExemplarIn ex{};
  string_view trace_id, span_id;
  uint32_t seen = 0;
  bool values = false;
  Wire w(body);
  while (w.next()) {
    uint32_t f = w.field();
    if (f != 7) once(seen, f);
    switch (f) {
      case 2: if (uint64_t time = w.fixed64()) ex.time = static_cast<int64_t>(time); break;
      case 3:
        if (values) refuse("protobuf: an exemplar with two values");
        values = true;
        ex.value = VT::Dbl;
        ex.d = w.float64();
        if (!std::isfinite(ex.d)) refuse("an exemplar value that is not finite");  // orjson writes null
        break;
      case 6:
        if (values) refuse("protobuf: an exemplar with two values");
        values = true;
        ex.value = VT::Int;
        ex.i = static_cast<int64_t>(w.fixed64());
        break;
      case 4: span_id = w.bytes(); break;
      case 5: trace_id = w.bytes(); break;
      case 7: w.bytes(); break;
      default: refuse("protobuf: an unknown Exemplar field");
    }
  }
  ex.trace_id = bytes_id(trace_id, 16, false, arena_);
  ex.span_id = bytes_id(span_id, 8, false, arena_);
  add_exemplar(ex, filter(CHILD_ATTRS, proto_attributes(body, 7, arena_, scratch_)));
}

}  // namespace

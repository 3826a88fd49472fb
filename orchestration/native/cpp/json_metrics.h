// OTLP/JSON metrics (normalize.Normalizer._metric, _point, _exemplars): a metric's kind and data, then
// each data point's fields for that kind; rows.h's add_point writes the row.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include <climits>

#include "json_logs.h"

namespace {

const char* const TEMPORALITIES[] = {"UNSPECIFIED", "DELTA", "CUMULATIVE"};

int32_t as_int32(optional<int64_t> v) {  // an int32 column (Arrow refuses more, the Python path quarantines)
  int64_t n = v.value_or(0);
  if (n < INT32_MIN || n > INT32_MAX) refuse("a value out of int32 range");
  return static_cast<int32_t>(n);
}

int64_t list_int(element e) {  // an entry of a count list: values.decode_int, never empty
  optional<int64_t> n = read_int(e);
  if (!n) refuse("an empty entry in a list of counts");
  return *n;
}

double list_double(element e) {
  optional<double> d = read_double(e);
  if (!d) refuse("an empty entry in a list of numbers");
  return *d;
}

void Decoder::json_metric(element metric_el, const Resource& res, const Scope& sc) {
  object metric;
  if (metric_el.get(metric) != simdjson::SUCCESS) refuse("metric not an object");
  MetricIn m{};
  optional<element> name, data;
  int kinds = 0;
  for (auto f : metric) {
    string_view k = f.key;
    const char* kind = is(k, "sum") ? "sum" : is(k, "gauge") ? "gauge" : is(k, "histogram") ? "histogram"
                     : is(k, "exponentialHistogram") ? "exponential_histogram" : is(k, "summary") ? "summary"
                     : nullptr;
    if (kind) {
      if (f.value.is_null()) continue;
      ++kinds;
      m.kind = kind;
      data = f.value;
    } else if (is(k, "name")) {
      name = f.value;
    } else if (is(k, "description")) {
      m.description = read_str(f.value);
    } else if (is(k, "unit")) {
      m.unit = read_str(f.value);
    } else if (is_snake_case_field(k)) {
      refuse("a metric field in snake_case");
    }
  }
  if (kinds != 1) refuse("a metric with no data, or several kinds of it");
  if (!name || name->get(m.name) != simdjson::SUCCESS || m.name.empty()) refuse("a metric without a name");
  object data_obj;
  if (data->get(data_obj) != simdjson::SUCCESS) refuse("metric data not an object");
  optional<element> points;
  const char* temporality = TEMPORALITIES[0];
  for (auto f : data_obj) {
    string_view k = f.key;
    if (is(k, "dataPoints")) points = f.value;
    else if (is(k, "aggregationTemporality")) temporality = *read_enum(f.value, TEMPORALITIES, "AGGREGATION_TEMPORALITY_");
    else if (is(k, "isMonotonic")) m.monotonic = string_view(m.kind) == "sum" && read_bool(f.value);
    else if (is_snake_case_field(k)) refuse("a metric data field in snake_case");
  }
  string_view kind = m.kind;
  m.temporality = kind == "gauge" || kind == "summary" ? nullptr : temporality;
  for_each_object(points, "dataPoints not a list", "data point not an object",
                  [&](object point) { json_point(point, m, res, sc); });
}

// The fields of one point its metric's kind reads (normalize.Normalizer._point).
void Decoder::json_point(object point, const MetricIn& m, const Resource& res, const Scope& sc) {
  PointIn& p = point_;
  p.clear();
  optional<element> attributes, exemplars, as_int, as_double, count, sum, min, max, buckets, bounds, scale,
      zero_count, zero_threshold, quantiles, sides[2];
  optional<int64_t> time, start;
  for (auto f : point) {
    string_view k = f.key;
    if (is(k, "timeUnixNano")) time = read_int(f.value);
    else if (is(k, "startTimeUnixNano")) start = read_int(f.value);
    else if (is(k, "attributes")) attributes = f.value;
    else if (is(k, "flags")) p.flags = read_int(f.value);
    else if (is(k, "exemplars")) exemplars = f.value;
    else if (is(k, "asInt")) as_int = f.value;
    else if (is(k, "asDouble")) as_double = f.value;
    else if (is(k, "count")) count = f.value;
    else if (is(k, "sum")) sum = f.value;
    else if (is(k, "min")) min = f.value;
    else if (is(k, "max")) max = f.value;
    else if (is(k, "bucketCounts")) buckets = f.value;
    else if (is(k, "explicitBounds")) bounds = f.value;
    else if (is(k, "scale")) scale = f.value;
    else if (is(k, "zeroCount")) zero_count = f.value;
    else if (is(k, "zeroThreshold")) zero_threshold = f.value;
    else if (is(k, "positive")) sides[0] = f.value;
    else if (is(k, "negative")) sides[1] = f.value;
    else if (is(k, "quantileValues")) quantiles = f.value;
    else if (is_snake_case_field(k)) refuse("a data point field in snake_case");
  }
  p.time = checked_time(time);
  if (start && *start != 0) p.start = start;
  const Redacted& r = filter(RECORD_ATTRS, json_attributes(attributes));
  if (exemplars) json_exemplars(*exemplars);
  auto number = [](const optional<element>& e) { return e ? read_double(*e) : std::nullopt; };
  string_view kind = m.kind;
  if (kind == "sum" || kind == "gauge") {
    if (as_int && !as_int->is_null()) {
      p.as_int = read_int(*as_int);
      if (!p.as_int) refuse("an empty asInt");
    } else {
      p.as_double = number(as_double);
    }
  } else {
    p.count = count ? read_int(*count).value_or(0) : 0;
    p.sum = number(sum);
    if (kind != "summary") {
      p.min = number(min);
      p.max = number(max);
    }
  }
  if (kind == "histogram") {
    p.buckets = true;
    for (element c : read_list(buckets, "bucketCounts not a list")) p.bucket_counts.push_back(list_int(c));
    for (element b : read_list(bounds, "explicitBounds not a list")) p.bounds.push_back(list_double(b));
    if (!p.bucket_counts.empty() && p.bucket_counts.size() != p.bounds.size() + 1)
      refuse("bucketCounts without one more entry than explicitBounds");
  } else if (kind == "exponential_histogram") {
    p.scale = as_int32(scale ? read_int(*scale) : std::nullopt);
    p.zero_count = zero_count ? read_int(*zero_count).value_or(0) : 0;
    p.zero_threshold = number(zero_threshold);
    for (int side = 0; side < 2; ++side) {
      if (!sides[side] || sides[side]->is_null()) continue;
      object b;
      if (sides[side]->get(b) != simdjson::SUCCESS) refuse("buckets not an object");
      for (auto f : b) {
        if (is(f.key, "offset")) p.offsets[side] = as_int32(read_int(f.value));
        else if (is(f.key, "bucketCounts"))
          for (element c : read_list(f.value, "bucketCounts not a list")) p.sides[side].push_back(list_int(c));
        else if (is_snake_case_field(f.key)) refuse("a buckets field in snake_case");
      }
    }
  } else if (kind == "summary") {
    for_each_object(quantiles, "quantileValues not a list", "quantile not an object", [&](object q) {
      double quantile = 0, value = 0;  // `or 0.0`: absent, null and -0.0 all land as 0.0
      for (auto f : q) {
        if (is(f.key, "quantile")) quantile = read_double(f.value).value_or(0);
        else if (is(f.key, "value")) value = read_double(f.value).value_or(0);
      }
      p.quantiles.emplace_back(quantile == 0 ? 0.0 : quantile, value == 0 ? 0.0 : value);
    });
  }
  add_point(m, p, r, res, sc);
  ++records_;
}

// normalize.Normalizer._exemplars into p.exemplars: none for an absent or empty list.
void Decoder::json_exemplars(element list_el) {
  if (list_el.is_null()) return;
  array list;
  if (list_el.get(list) != simdjson::SUCCESS) refuse("exemplars not a list");
  if (list.size() == 0) return;
  exemplars_.assign("[");
  for (element item : list) {
    object e;
    if (item.get(e) != simdjson::SUCCESS) refuse("exemplar not an object");
    ExemplarIn ex{};
    optional<element> attrs, trace_id, span_id, as_int;
    optional<double> as_double;
    for (auto f : e) {
      string_view k = f.key;
      if (is(k, "filteredAttributes")) attrs = f.value;
      else if (is(k, "asDouble")) as_double = read_double(f.value);
      else if (is(k, "asInt")) as_int = f.value;
      else if (is(k, "timeUnixNano")) ex.time = read_int(f.value);
      else if (is(k, "traceId")) trace_id = f.value;
      else if (is(k, "spanId")) span_id = f.value;
      else if (is_snake_case_field(k)) refuse("an exemplar field in snake_case");
    }
    if (as_double) {
      ex.value = VT::Dbl;
      ex.d = *as_double;
    } else if (as_int) {
      if (optional<int64_t> n = read_int(*as_int)) {
        ex.value = VT::Int;
        ex.i = *n;
      }
    }
    ex.trace_id = read_id(trace_id, 16, false, arena_);
    ex.span_id = read_id(span_id, 8, false, arena_);
    add_exemplar(ex, filter(CHILD_ATTRS, json_attributes(attrs)));
  }
  exemplars_ += ']';
  point_.exemplars = arena_.put(exemplars_);
}

}  // namespace

"""The Parquet lake: schemas, normalization of OTLP records into rows, privacy, atomic writes."""

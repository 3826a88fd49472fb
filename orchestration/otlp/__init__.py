"""OTLP decoding: files → export requests as plain dicts (the OTLP/JSON mapping), leniently."""

"""Land OTLP export files into the Parquet lake exactly once.

One call of `land()` (run.py):
1. takes the lake lock (two landings at once wait for each other instead of racing);
2. rolls forward a publish that a killed run left half done (write-ahead journal in the manifest);
3. finds candidate files, skipping hidden/temporary ones, files modified less than `settle_seconds`
   ago, and files unchanged since they were last seen (discovery.py);
4. identifies each by the hash of its bytes up to the size it had when listed, one file ahead of the
   decoders: landed content is skipped; a file that grew continues the landed version it extends from
   where that one stopped, in decompressed terms for gzip and zstd (identity.py);
5. decodes files in worker processes (big JSON-lines files split at line ends), writing Parquet to a
   staging folder (slicing.py, decode.py, schedule.py);
6. publishes each file's outputs by atomic renames, then records it as landed, with where the next
   landing resumes and the bytes of a record cut mid-write that it leaves to the writer (publish.py);
7. compacts the date folders it added files to (orchestration/lake/compaction.py).

Records in = records landed + quarantined + suppressed, per file, in the manifest and the report;
what cannot be counted (a malformed line, corrupt bytes) is quarantined by its size.
"""

from orchestration.landing.discovery import candidate_files
from orchestration.landing.publish import finish_interrupted_publish, recover
from orchestration.landing.report import FileOutcome, LandingError, LandingReport
from orchestration.landing.run import land

__all__ = [
    "FileOutcome",
    "LandingError",
    "LandingReport",
    "candidate_files",
    "finish_interrupted_publish",
    "land",
    "recover",
]

"""Reframe benchmarks: indexing throughput, unchanged-rescan time and query latency. See README.md."""

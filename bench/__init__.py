"""`make bench`: the full app against a bare Velithon app doing the same I/O (bench/run.py)."""

"""What the service tells its operators: log setup and the line writer (logs.py), the access
log buffer (access_log.py) and the Prometheus metric definitions (metrics.py)."""

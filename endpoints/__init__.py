"""HTTP concerns: read input, call services, shape responses and status codes."""

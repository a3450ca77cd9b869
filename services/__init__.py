"""Domain logic and I/O through the container's pools. Services know nothing about HTTP.

Two kinds live here. Infrastructure is what every domain service is built on, none of it
about one resource; it is this list, and it imports no domain service (tests/unit/test_layers.py
checks both):
- database_service, redis_service: the pools
- cache_service, batching: the read-through cache and coalesced Redis calls
- job_service, job_worker: durable jobs in PostgreSQL
- email_service: SMTP
- storage, content_types: stored files and what their bytes are
- rate_limit_service, token_service, password_service: limits, JWTs, argon2id
- health_service, metrics_service, connectivity: readiness, /metrics, start-up checks
- static_files: static/ read once per worker
- errors: the domain errors the boundary maps to statuses

Every other module is the domain: the use cases and rules of one resource or flow (users,
auth, sessions, and the example shop's products, orders, images, exports and stats). A new
resource adds one here, and nothing to this list.
"""

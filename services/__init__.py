"""Domain logic and I/O through the container's pools. Services know nothing about HTTP.

Two kinds live here, told apart by this list (tests/unit/test_layers.py fails when a module is
in neither or in both). A new resource adds a domain service; infrastructure changes rarely.

Domain: the use cases and rules of the service, one module per resource or flow.
- auth_service: login, refresh-token rotation, logout
- user_service: accounts, the holder's own changes, the admin's list
- session_service: login sessions and their revocation on every worker
- product_service: the catalogue (example-shop:line)
- order_service: placing orders, their confirmation e-mail (example-shop:line)
- image_service: product images (example-shop:line)
- export_service: streamed CSV exports (example-shop:line)
- stats_service: the admin's dashboard numbers (example-shop:line)
- analytics_service: sales counts in Redis (example-shop:line)

Infrastructure: what every domain service is built on, none of it about one resource.
- database_service, redis_service: the pools
- cache_service, batching: the read-through cache and coalesced Redis calls
- job_service, job_worker: durable jobs in PostgreSQL
- email_service: SMTP
- storage, content_types: stored files and what their bytes are
- rate_limit_service, token_service, password_service: limits, JWTs, argon2id
- health_service, metrics_service, connectivity: readiness, /metrics, start-up checks
- static_files: static/ read once per worker
- errors: the domain errors the boundary maps to statuses
"""

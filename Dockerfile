# Multi-stage: dependencies are installed with uv in a builder; the runtime stage gets only the
# virtual environment and the app. Classic-builder compatible (no RUN --mount).
ARG PYTHON_VERSION=3.13

FROM python:${PYTHON_VERSION}-slim AS builder
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install --no-cache-dir "uv==0.13.9"
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-cache --python "$(command -v python)"

FROM python:${PYTHON_VERSION}-slim
# libmagic for python-magic (upload content checks). Not version-pinned: the pin would break
# with every Debian security update of the base image, and the base tag already fixes the release.
# /app/uploads belongs to the app's user: a new named volume mounted there takes its owner.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmagic1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin app \
    && mkdir -p /app/uploads && chown 10001 /app/uploads
WORKDIR /app
COPY --from=builder /app/.venv /app/.venv
COPY main.py config.py containers.py ./
COPY routes/ routes/
COPY endpoints/ endpoints/
COPY services/ services/
COPY models/ models/
COPY middleware/ middleware/
COPY web/ web/
COPY observability/ observability/
COPY templates/ templates/
COPY static/ static/
COPY migrations/ migrations/
COPY scripts/ scripts/
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ENV_FILE="" \
    ENVIRONMENT=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus-multiproc
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-m", "scripts.healthcheck"]
# Exec form: python (granian's master) is PID 1 and receives SIGTERM itself.
CMD ["python", "-m", "scripts.serve"]

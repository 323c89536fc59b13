# LSTM Explorer: the web app with its runtime dependencies only.
# Stage 1 builds the project's wheel: the code, the page (static/, templates/) and the data sets
# as package data inside one top-level package, lstm_explorer.
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY lstm_explorer/ lstm_explorer/
COPY engine/ engine/
COPY app/ app/
COPY static/ static/
COPY templates/ templates/
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

# Stage 2 installs that wheel and nothing of the source tree: the server finds its pages
# inside the installed package, from any folder, with no settings.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A bind mount, not a COPY: the wheel itself stays out of the image's layers.
RUN --mount=type=bind,from=build,source=/dist,target=/dist \
    pip install --no-cache-dir /dist/*.whl

RUN groupadd --gid 10001 explorer \
    && useradd --no-log-init --no-create-home --shell /usr/sbin/nologin \
       --uid 10001 --gid 10001 explorer
# Numeric, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
WORKDIR /tmp

EXPOSE 8000
# The slim image has no curl; the standard library fetches the health check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4)"]
CMD ["lstm-explorer", "serve", "--host", "0.0.0.0", "--port", "8000"]

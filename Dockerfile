# LSTM Explorer: the web app with its runtime dependencies only.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LSTM_EXPLORER_STATIC_DIR=/srv/lstm-explorer/static \
    LSTM_EXPLORER_TEMPLATES_DIR=/srv/lstm-explorer/templates

WORKDIR /srv/lstm-explorer

# Code first and pages last: editing a page does not reinstall the dependencies.
COPY pyproject.toml README.md LICENSE ./
COPY engine/ engine/
COPY app/ app/
RUN pip install --no-cache-dir .

# A regular install does not carry the pages: the two ENV settings above point at these.
COPY static/ static/
COPY templates/ templates/

RUN groupadd --gid 10001 explorer \
    && useradd --no-log-init --no-create-home --shell /usr/sbin/nologin \
       --uid 10001 --gid 10001 explorer
# Numeric, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001

EXPOSE 8000
# The slim image has no curl; the standard library fetches the health check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4)"]
CMD ["lstm-explorer", "serve", "--host", "0.0.0.0", "--port", "8000"]

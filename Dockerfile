# Plein: one image for the web workers (`plein serve`) and for one-off tasks (`plein migrate`).
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/plein

RUN useradd --system --home /srv/plein --shell /usr/sbin/nologin plein

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY frontend ./frontend
# Editable: migrations/ and frontend/ are found beside the app package.
RUN pip install --upgrade pip && pip install -e . \
    && mkdir -p /srv/plein/var/uploads && chown -R plein:plein /srv/plein/var

USER plein
ENV UPLOAD_DIR=/srv/plein/var/uploads
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health').status != 200)"
CMD ["plein", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]

# vpabot as a container: `vpabot serve` (HTTP) by default, `vpabot run` (Socket Mode) by argument.
# Build: docker build -t vpabot .   Run with PostgreSQL: docker compose up -d (compose.yaml).

# --- build the wheel (the image installs the package, never an editable checkout) ---------------
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY policy ./policy
COPY storage ./storage
COPY bot ./bot
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# --- the image ----------------------------------------------------------------------------------
FROM python:3.12-slim
ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VPA_HEALTH_PORT=3000
# A user of its own: the bot needs no root, and a SQLite file in /data belongs to it.
RUN useradd --create-home --uid 10001 vpabot && mkdir /data && chown vpabot:vpabot /data
COPY --from=build /wheels /wheels
# The one wheel the build stage made (--no-deps): no version to keep in step here.
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER vpabot
# The working directory: a SQLite DATABASE_URL like sqlite:///vpabot.db lands on the volume.
WORKDIR /data
VOLUME ["/data"]
EXPOSE 3000
# Liveness only (/readyz would restart a healthy bot while the database is briefly away).
# serve answers on 3000; run answers on VPA_HEALTH_PORT, 3000 here as well.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]
ENTRYPOINT ["vpabot"]
CMD ["serve", "--port", "3000"]

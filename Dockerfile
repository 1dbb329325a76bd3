# syntax=docker/dockerfile:1
# Mentorbot's image: a wheel built from this tree, installed into a virtualenv, run by a user
# without privileges. compose.yaml runs it with PostgreSQL; docs/deploy.md says how to deploy,
# scale, back up and upgrade. tests/test_container.py runs these commands outside Docker.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY . .
RUN python -m pip wheel --no-deps --wheel-dir /wheels .
RUN --mount=type=cache,target=/root/.cache/pip \
    python -m venv /opt/mentorbot \
    && /opt/mentorbot/bin/python -m pip install /wheels/mentorbot-*.whl

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 mentorbot \
    && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/mentorbot \
        --shell /usr/sbin/nologin mentorbot \
    && install -d -o mentorbot -g mentorbot /data
COPY --from=build /opt/mentorbot /opt/mentorbot
ENV PATH=/opt/mentorbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PORT=3000
USER 10001:10001
# SQLite's default, sqlite:///mentorbot.db, lands here: mount a volume on /data to keep it.
WORKDIR /data
# The font cache the roadmap picture needs, built once here rather than at the first picture.
RUN python -c "import matplotlib.font_manager"
EXPOSE 3000
# GET /healthz on HEALTH_PORT, else PORT (HTTP mode and Socket Mode alike), with the standard
# library only: the slim image has no curl. Exit 0 on 200; 1 on a 503 (the body, printed,
# names the failing check) or when nothing answers. Only `run` serves it: compose.yaml turns
# the check off for worker and scheduler containers.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import http.client, os, sys; port = int(os.environ.get('HEALTH_PORT') or os.environ.get('PORT') or 3000); connection = http.client.HTTPConnection('127.0.0.1', port, timeout=8); connection.request('GET', '/healthz'); answer = connection.getresponse(); print(answer.status, answer.read().decode()); sys.exit(answer.status != 200)"]
CMD ["python", "-m", "bot", "run"]

# One image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --no-deps -r requirements.lock
COPY . .
RUN DATABASE_URL=sqlite:////tmp/build.sqlite3 SECRET_KEY=build-only-not-secret-build-only-not-secret-build-only \
    python manage.py collectstatic --noinput
RUN useradd --create-home pulse
USER pulse
EXPOSE 8000
# Worker class and counts, chosen by measurement, and the access log without pulse tokens:
# config/gunicorn.py (figures in docs/operations.md).
CMD ["gunicorn", "-c", "python:config.gunicorn", "config.wsgi:application"]

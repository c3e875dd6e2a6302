import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("purpose_pulse")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The one place that says what runs periodically. Run exactly one beat
# (`celery -A config beat`, or `worker --beat` on one machine). Each task is
# a few indexed queries when there is nothing to do, and each is safe to run
# twice, so a beat that fires late or double is harmless. `expires` drops
# ticks that queued up while no worker was running instead of running them all.
_EVERY_MINUTE_TASKS = {
    "pulses-open-due-rounds": "surveys.tasks.open_due_rounds",
    "pulses-send-due-reminders": "surveys.tasks.send_due_reminders",
    "pulses-close-due-rounds": "surveys.tasks.close_due_rounds",
    "pulses-sweep-unsent-emails": "surveys.tasks.sweep_unsent_emails",
    "alignment-sweep-unscored": "insights.tasks.sweep_unscored",
}
app.conf.beat_schedule = {
    name: {"task": task, "schedule": 60.0, "options": {"expires": 55}}
    for name, task in _EVERY_MINUTE_TASKS.items()
}

# A request that queues work after saving must not hang when the broker is
# down: give up publishing quickly; the periodic sweep picks the work up.
app.conf.task_publish_retry_policy = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

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
    "imports-sweep": "teams.tasks.sweep_imports",
    "results-sweep-unsent-emails": "insights.tasks.sweep_results_emails",
    "actions-send-due-reminders": "insights.tasks.send_action_reminders",
}
app.conf.beat_schedule = {
    name: {"task": task, "schedule": 60.0, "options": {"expires": 55}}
    for name, task in _EVERY_MINUTE_TASKS.items()
}

# A request that queues work after saving must not hang when the broker is
# down: give up publishing quickly; the row stays marked and the next sweep
# queues it (insights/queue.py, surveys/emails.py).
app.conf.task_publish_retry_policy = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

# A broker outage of any length: the worker retries connecting forever (the
# default gives up after 100 attempts and the worker exits), and an error the
# Redis server answers while it restarts (LOADING, READONLY) is retried like a
# lost connection instead of stopping the worker. docs/operations.md says why
# the worker also runs --without-gossip --without-mingle --without-heartbeat.
app.conf.broker_connection_retry = True
app.conf.broker_connection_retry_on_startup = True
app.conf.broker_connection_max_retries = None
app.conf.broker_channel_error_retry = True
# A task still running when the connection drops is let finish: every task is
# idempotent, and its message, which can't be acknowledged on the lost
# connection, comes back after the visibility timeout and finds nothing to do.
app.conf.worker_cancel_long_running_tasks_on_connection_loss = False


# A Redis host that vanished without closing the socket: connecting gives up
# after 2 s (a web request publishes at most three times), and a consumer whose
# BRPOP got no answer for 10 s past its own 1 s timeout drops the connection and
# reconnects. Only for Redis, and under whatever the settings give.
REDIS_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
    "socket_keepalive": True,
    "health_check_interval": 10,
}


@app.on_after_configure.connect
def _redis_transport_options(sender: Celery, **kwargs) -> None:
    if (sender.conf.broker_url or "").startswith(("redis://", "rediss://")):
        sender.conf.broker_transport_options = {
            **REDIS_TRANSPORT_OPTIONS,
            **sender.conf.broker_transport_options,
        }

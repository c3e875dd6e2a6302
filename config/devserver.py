"""`make run`'s supervisor: the web server and one Celery worker, started and stopped together.

Each child runs in a process group of its own, so a terminal's Ctrl-C reaches
only this supervisor, which then stops the children for certain: SIGTERM to
each group, a grace period, SIGKILL for whatever is left. A group holds the
child's own children too (the runserver reloader's server process, the
worker's embedded beat), so nothing outlives `make run`.

Usage: DEV_MODE=true python -m config.devserver --port 8000
"""

import argparse
import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Loading the settings here also stops a misconfigured start once, with one
# message, before two children would each fail with it.
django.setup()

from demo.seed import DEMO_LOGINS, DEMO_PASSWORD  # noqa: E402  (its models need the app registry)

BASE_DIR = Path(__file__).resolve().parent.parent
# SIGTERM to SIGKILL. An idle worker on the filesystem broker needs up to about
# 5 s for its warm shutdown (its consumer waits on the broker 2 s at a time); a
# task still running after 7 s is cut off, and the every-minute sweeps pick its
# work up again. With the wait after SIGKILL, everything is gone within 10 s.
GRACE_SECONDS = 7.0
KILL_WAIT_SECONDS = 2.0
POLL_SECONDS = 0.1
# SIGHUP too: children in their own groups don't get the terminal's hang-up.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PR_SET_CHILD_SUBREAPER = 36  # from <linux/prctl.h>


@dataclass
class Child:
    name: str
    process: subprocess.Popen

    def group_exists(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def signal_group(self, signum: int) -> None:
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass


def commands(port: int) -> dict[str, list[str]]:
    return {
        "web server": [sys.executable, str(BASE_DIR / "manage.py"), "runserver", f"127.0.0.1:{port}"],
        # solo runs tasks in the worker process itself: a warm shutdown has no pool
        # processes to wait for or orphan, and the alignment model is loaded once, not
        # once per pool process. The embedded beat is its own process whatever the
        # pool, and with solo it sends the every-minute tasks and the worker runs them.
        "worker": [
            sys.executable,
            *("-m", "celery", "-A", "config", "worker", "--beat", "--loglevel=INFO", "--pool=solo"),
        ],
    }


def print_banner(port: int) -> None:
    width = max(len(email) for email, _ in DEMO_LOGINS)
    lines = [
        "",
        f"  Purpose Pulse is starting at http://127.0.0.1:{port}/  (Ctrl-C stops everything)",
        f"  Demo logins, password {DEMO_PASSWORD} (unless seed_demo --password set another):",
        *(f"    {email:<{width}}  {who}" for email, who in DEMO_LOGINS),
        "  Each email the app sends is printed below as one line: to whom, the subject, the link to open.",
        "",
    ]
    print("\n".join(lines), flush=True)


def adopt_orphans() -> bool:
    """Become the parent of our children's orphans (Linux only); say whether we did.

    When the worker or the reloader dies before its own child, that child would
    go to init, which may collect it only seconds later, and until then it
    still counts as a member of its group. Adopted, we collect it at once and
    can tell for sure that nothing is left.
    """
    if not sys.platform.startswith("linux"):
        return False
    return ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def collect_exited(children: list[Child], *, adopted: bool) -> None:
    for child in children:
        child.process.poll()  # through Popen, which keeps the exit status
    if not adopted:
        return
    ours = {child.process.pid for child in children}
    while True:
        try:
            # WNOWAIT looks without collecting, so a child of ours stays for Popen.
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if info is None or info.si_pid in ours:
            return
        os.waitpid(info.si_pid, 0)


def start(name: str, command: list[str], env: dict[str, str]) -> Child:
    # stdin from /dev/null: a child in a background process group that touched
    # the terminal would be stopped by SIGTTIN/SIGTTOU and hang the shutdown.
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL, process_group=0)
    return Child(name, process)


def wait_for_stop_or_exit(children: list[Child], stop_requests: list[int]) -> Child | None:
    """Block until a stop signal arrives (None) or a child exits by itself (that child)."""
    while not stop_requests:
        for child in children:
            if child.process.poll() is not None:
                return child
        time.sleep(POLL_SECONDS)
    return None


def wait_until_gone(children: list[Child], seconds: float, *, adopted: bool) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        collect_exited(children, adopted=adopted)
        if not any(child.group_exists() for child in children):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_SECONDS)


def stop(children: list[Child], *, adopted: bool) -> None:
    for child in children:
        child.signal_group(signal.SIGTERM)
    if not wait_until_gone(children, GRACE_SECONDS, adopted=adopted):
        for child in children:
            child.signal_group(signal.SIGKILL)
        wait_until_gone(children, KILL_WAIT_SECONDS, adopted=adopted)


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        return f"was killed by {signal.Signals(-returncode).name}"
    return f"exited with status {returncode}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)

    # A signal only records the request; the loop below acts on it, so a Ctrl-C
    # never lands as a KeyboardInterrupt in the middle of starting or stopping.
    stop_requests: list[int] = []
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda signum, _frame: stop_requests.append(signum))

    adopted = adopt_orphans()
    env = {
        **os.environ,
        "SITE_URL": os.environ.get("SITE_URL") or f"http://127.0.0.1:{args.port}",
        # Piped output (`make run | tee run.log`) still comes out line by line, in order.
        "PYTHONUNBUFFERED": "1",
    }
    print_banner(args.port)
    children: list[Child] = []
    for name, command in commands(args.port).items():
        if stop_requests:
            break
        children.append(start(name, command, env))

    exited = wait_for_stop_or_exit(children, stop_requests)
    if exited is None:
        print("\n  Stopping the web server and the worker…", flush=True)
    stop(children, adopted=adopted)
    if exited is not None:
        others = " and ".join(child.name for child in children if child is not exited)
        print(
            f"devserver: the {exited.name} {describe_exit(exited.process.returncode)}; stopped the {others}.",
            file=sys.stderr,
            flush=True,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

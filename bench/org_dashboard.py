"""Org dashboard at scale: server time of the page against the single SQL aggregate of the same figures.

    python bench/org_dashboard.py [--units 10000 --people 100000 --rounds 12]

Uses PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/pp_bench; the
database is created if missing) and builds the synthetic organization once (seed_large).
Prints both times (median of several runs), the query count, peak memory, and last `ratio: X`.
The page reads the organization's figures the web process keeps until they change
(insights.figures_cache): `ratio:` is every page but the first after a change; the first, which
computes them afresh, is printed before it with its own ratio.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import page_against_aggregate  # noqa: E402

if __name__ == "__main__":
    page_against_aggregate("/dashboard/", "org dashboard page", kept_figures=True)

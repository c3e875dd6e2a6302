"""The home page of an executive of a large organization, against the single SQL aggregate of the
organization's figures it shows (the same baseline as bench/org_dashboard.py).

    python bench/home.py [--units 10000 --people 100000 --rounds 12 --runs 7]

Uses PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/pp_bench; created if
missing) and the synthetic organization seed_large builds once. Prints the page's server time
(median of several runs), its query count, peak memory, and last `ratio: X` (page / aggregate).
The page reads the organization's figures the web process keeps until they change
(insights.figures_cache): `ratio:` is every page but the first after a change; the first, which
computes them afresh, is printed before it with its own ratio.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import page_against_aggregate  # noqa: E402

if __name__ == "__main__":
    page_against_aggregate("/", "executive's home page", kept_figures=True)

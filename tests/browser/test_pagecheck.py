"""The page checks find what they look for (so a page passing them means something)."""

import pytest

from tests.browser.pagecheck import page_problems

pytestmark = pytest.mark.browser

BAD_PAGE = """<!doctype html><html lang="en"><head><title>Bad</title></head><body><main>
<div style="width: 600px">Too wide for a phone</div>
<p style="font-size: 8px">Tiny print</p>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<svg class="chart" viewBox="0 0 100 50" width="300"><text x="95" y="20" style="font-size: 12px">100 No</text>
<text x="10" y="40" style="font-size: 12px">50</text><circle cx="14" cy="36" r="4"/></svg>
</main></body></html>"""


def test_the_checks_catch_overflow_small_text_cut_labels_and_axe_violations(new_page):
    page = new_page(phone=True)
    page.set_content(BAD_PAGE)
    found = "\n".join(page_problems(page, "bad page"))
    assert "scrolls sideways by" in found
    assert "8.0px: Tiny print" in found
    assert '"100 No" is cut' in found
    assert '"50" overlaps a point' in found
    assert "image-alt (critical)" in found

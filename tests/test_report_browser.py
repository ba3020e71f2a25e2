"""The HTML report opened in a real browser (headless Chromium): no script error, every image loads (issue 22).

Chromium comes from the Debian packages (``.ci/run`` installs it when missing); without it the test is skipped.
A screenshot of the page is saved as ``benchmarks/results/report_screenshot.png``.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

import tabsynth

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
SCREENSHOT = Path(__file__).parent.parent / "benchmarks" / "results" / "report_screenshot.png"
# put before a copy of the page: after load, counts images that did not decode and script errors (ErrorEvents;
# a broken image's own error event is counted as a broken image) into the DOM
CHECKER = """<script>
window.__errors = [];
window.addEventListener('error', e => { if (e instanceof ErrorEvent) window.__errors.push(String(e.message)); }, true);
const original = console.error; console.error = (...a) => { window.__errors.push(a.join(' ')); original(...a); };
window.addEventListener('load', () => {
  const broken = [...document.images].filter(i => !i.complete || i.naturalWidth === 0).length;
  const out = document.createElement('pre'); out.id = 'browser-check';
  out.textContent = `images=${document.images.length} broken=${broken} errors=${window.__errors.length} ` +
                    window.__errors.join(' | ');
  document.body.appendChild(out);
});
</script>"""


def _chromium(*args, timeout=120):
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
             "--enable-logging=stderr", "--v=0"]
    return subprocess.run([BROWSER, *flags, *args], capture_output=True, text=True, timeout=timeout, check=False)


def _check(page: Path, folder: Path) -> tuple[dict, str, str]:
    """Open a copy of ``page`` with the checker: (counts of images, broken images, errors; the DOM; stderr)."""
    checked = folder / f"checked-{page.name}"
    # first in the document, so the error listener exists before any of the page's own scripts runs (appended at
    # the end, it caught an earlier script's error only when the browser happened to dispatch it late)
    checked.write_text(CHECKER + page.read_text(encoding="utf-8"), encoding="utf-8")
    result = _chromium("--virtual-time-budget=10000", "--dump-dom", checked.as_uri())
    line = next((s for s in result.stdout.splitlines() if 'id="browser-check"' in s), None)
    assert line is not None, f"the page did not finish loading: {result.stderr[-2000:]}"
    found = line[line.index('id="browser-check">') + len('id="browser-check">'):]
    return {k: int(v) for k, v in (part.split("=") for part in found.split()[:3])}, result.stdout, result.stderr


needs_browser = pytest.mark.skipif(BROWSER is None, reason="no Chromium (apt-get install chromium)")


@needs_browser
def test_the_check_catches_a_broken_image_and_a_script_error(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<html><body><img src='data:image/png;base64,AAAA'><script>undefinedCall()</script></body></html>")
    counts, _, _ = _check(page, tmp_path)
    assert counts == {"images": 1, "broken": 1, "errors": 1}


@needs_browser
def test_report_loads_in_a_browser_without_errors(tmp_path):
    real = tabsynth.datasets.load_penguins()
    train, holdout = real.iloc[:250].reset_index(drop=True), real.iloc[250:].reset_index(drop=True)
    fake = tabsynth.make("bayesian_network", random_state=0).fit(train).sample(250, random_state=0)
    page = tmp_path / "report.html"
    tabsynth.evaluate(train, fake, target="species", holdout=holdout).to_html(page)
    counts, dom, stderr = _check(page, tmp_path)
    assert counts["images"] >= 3 and counts["broken"] == 0 and counts["errors"] == 0, counts
    assert "Uncaught" not in stderr, stderr[-2000:]
    for section in ("Column shapes", "Validity", "Detection", "95 % fold interval"):
        assert section in dom
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    _chromium(f"--screenshot={SCREENSHOT}", "--window-size=1200,4200", page.as_uri())
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

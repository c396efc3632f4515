"""index.html as a reader sees it: rendered by headless Chromium, every figure loaded, no
broken link.

A small harness page loads the report in an iframe and, once everything has loaded, writes what
it found (title, images and whether each one decoded, links) into its own DOM, which Chromium
prints with ``--dump-dom``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)),
                None)

HARNESS = """<!DOCTYPE html><html><body><pre id="out">pending</pre>
<iframe id="report" src="rep/index.html" style="width:1200px;height:900px"></iframe>
<script>
document.getElementById("report").addEventListener("load", () => {
  const doc = document.getElementById("report").contentDocument;
  const images = Array.from(doc.images).map(img => ({
    src: img.getAttribute("src"), complete: img.complete, width: img.naturalWidth}));
  const links = Array.from(doc.querySelectorAll("a[href]")).map(a => a.getAttribute("href"));
  document.getElementById("out").textContent = JSON.stringify({
    title: doc.title, h1: doc.querySelector("h1") ? doc.querySelector("h1").textContent : "",
    images: images, links: links,
    codeOpen: Array.from(doc.querySelectorAll("details.code")).filter(d => d.open).length,
    codeBlocks: doc.querySelectorAll("details.code").length});
});
</script></body></html>"""


class _Pre(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inside, self.text = False, ""

    def handle_starttag(self, tag, attrs):
        self.inside = self.inside or (tag == "pre" and ("id", "out") in attrs)

    def handle_endtag(self, tag):
        if tag == "pre":
            self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.text += data


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed "
                    "(Debian: apt-get install chromium); .ci/run installs it")
def test_index_renders_with_every_figure_and_link(two_reports, tmp_path):
    report, _, _ = two_reports
    site = tmp_path / "site"
    shutil.copytree(report, site / "rep")
    (site / "harness.html").write_text(HARNESS)
    profile = tmp_path / "profile"
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={profile}", "--allow-file-access-from-files",
         "--virtual-time-budget=10000", "--dump-dom", (site / "harness.html").as_uri()],
        capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    parser = _Pre()
    parser.feed(done.stdout)
    assert parser.text != "pending", "the report page never finished loading"
    page = json.loads(parser.text)

    title = ("glute_study report: Simulated cohort of 400 athletes in 20 teams, device sitting "
             "1 week in 4 (the world where the coaching claim is true, seed 3)")
    assert page["title"] == page["h1"] == title
    assert [img["src"] for img in page["images"]] == ["figures/02_walk.svg"]
    for img in page["images"]:
        assert img["complete"] and img["width"] > 0, f"{img['src']} did not load"
    assert page["codeBlocks"] >= 2 and page["codeOpen"] == 0  # code hidden by default

    index_dir = site / "rep"
    local = [h for h in page["links"] if not h.startswith("#")]
    expected = {"01_tables.html", "01_tables.ipynb", "02_figure.html", "02_figure.ipynb",
                "methods.md", "results.md", "provenance.json", "figures/02_walk.svg",
                "figures/02_walk.pdf", "figures/02_walk.png", "figures/02_walk.tiff",
                "tables/01_mean_x.csv", "tables/01_mean_x.tex", "tables/01_mean_x.docx"}
    assert expected <= set(local)
    for href in local:
        url = urlparse(href)
        assert url.scheme == "" and not url.netloc, f"external link {href}"
        assert (index_dir / unquote(url.path)).is_file(), f"broken link {href}"
    anchors = {h[1:] for h in page["links"] if h.startswith("#")}
    html = (index_dir / "index.html").read_text()
    for anchor in anchors:
        assert f'id="{anchor}"' in html, f"broken anchor #{anchor}"


def test_every_link_of_the_index_resolves_without_a_browser(two_reports):
    """The same link check from the HTML source, so that it runs where Chromium is absent."""
    report, _, _ = two_reports

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.refs = []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "a" and "href" in attrs:
                self.refs.append(attrs["href"])
            if tag == "img":
                self.refs.append(attrs["src"])

    links = Links()
    links.feed((report / "index.html").read_text())
    files = [r for r in links.refs if not r.startswith("#")]
    assert len(files) >= 14
    for ref in files:
        assert (Path(report) / unquote(ref)).is_file(), ref

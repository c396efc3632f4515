"""The test run says when tests skip for want of the third-party samples, and how many."""

from __future__ import annotations

from pathlib import Path

pytest_plugins = ["pytester"]

CONFTEST = Path(__file__).with_name("conftest.py")


def test_missing_samples_are_named_in_the_header_and_counted_in_the_summary(pytester):
    # pytester's folder has no ../shared/samples beside it, as a fresh clone has not
    tests = pytester.mkpydir("tests")
    (tests / "conftest.py").write_text(CONFTEST.read_text(encoding="utf-8"), encoding="utf-8")
    (tests / "test_uses_samples.py").write_text(
        "def test_a(samples):\n    pass\n\n\ndef test_b(samples):\n    pass\n\n\n"
        "def test_c():\n    pass\n", encoding="utf-8")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "tests")
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines([
        "third-party samples: not found at *shared*samples; the tests that read real exports "
        "will skip",
        "2 test(s) skipped for want of the third-party samples: put them at *",
    ])

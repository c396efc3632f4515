"""The report's alpha reaches every interval: each notebook passes ``level=1 - alpha``."""

from __future__ import annotations

import ast

import pytest

from glute_study.report.runner import find_notebooks

#: Analyses whose intervals follow ``level`` (power's Monte Carlo interval is not a CI of the
#: study, so notebook 08 passes ``alpha`` to the planned test instead).
WITH_LEVEL = {
    "bland_altman", "count_model", "cox_model", "dose_response", "gee_counts", "incidence",
    "kaplan_meier", "linear_model", "logistic_model", "mediation", "mixed_model",
    "partial_correlation", "proportion",
    "pre_post_anova", "rate_ratio", "reliability", "sitting_strength", "trial_effect",
    "trial_rate_effect",
}
NOTEBOOKS = [p.with_suffix(".py") for p in find_notebooks()]


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in WITH_LEVEL:
                yield name, node


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_analysis_gets_the_reports_level(path):
    tree = ast.parse(path.read_text())
    calls = list(_calls(tree))
    for name, call in calls:
        level = [k.value for k in call.keywords if k.arg == "level"]
        assert level, f"{path.name} line {call.lineno}: {name}() without level=1 - alpha"
        assert ast.unparse(level[0]) == "1 - alpha", f"{path.name} line {call.lineno}"
    if calls:
        assigned = {t.id for node in tree.body if isinstance(node, ast.Assign)
                    for t in node.targets if isinstance(t, ast.Name)}
        assert "alpha" in assigned, f"{path.name} has no alpha parameter"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_caption_prints_a_fixed_95_percent_ci(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert "95 % CI" not in node.value, f"{path.name} line {node.lineno}"

"""dag_plot: the drawn nodes, their roles and the arrows, read from the artists."""

import matplotlib.pyplot as plt
import pytest
from matplotlib.patches import FancyArrowPatch

from glute_study.causal import STUDY_DAG, Dag
from glute_study.errors import InputError
from glute_study.figures import PALETTE, dag_plot


def _nodes(ax):
    return {t.get_gid()[5:]: t for t in ax.texts if (t.get_gid() or "").startswith("node-")}


def test_study_diagram_shows_roles_in_words():
    adjust = STUDY_DAG.adjustment_set("sitting_h_day", "hamstring_cramps")
    ax = dag_plot(STUDY_DAG, exposure="sitting_h_day", outcome="hamstring_cramps",
                  adjust=adjust)
    nodes = _nodes(ax)
    # the exposure, the outcome and their ancestors; no measurement-only node
    assert set(nodes) == {"sitting_h_day", "hamstring_cramps",
                          *STUDY_DAG.ancestors({"sitting_h_day", "hamstring_cramps"})}
    assert "self_report_sitting_h_day" not in nodes
    assert nodes["glute_nm_kg"].get_text() == "Glute strength"
    fill = {n: t.get_bbox_patch().get_facecolor() for n, t in nodes.items()}
    colour = plt.matplotlib.colors.to_rgba
    assert fill["sitting_h_day"] == colour(PALETTE[0])
    assert fill["hamstring_cramps"] == colour(PALETTE[1])
    assert fill["glute_nm_kg"] == colour(PALETTE[2])
    assert fill["age"] == fill["sex"] == colour(PALETTE[3])
    assert nodes["cramp_proneness"].get_bbox_patch().get_linestyle() == "--"
    drawn = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    drawn += [c.arrow_patch for c in ax.texts if getattr(c, "arrow_patch", None)]
    assert len(drawn) == sum(a in nodes and b in nodes for a, b in STUDY_DAG.edges)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "adjusted for" in legend and "not measured" in legend
    assert not ax.axison
    plt.close(ax.figure)


def test_diagram_without_mediator_or_latent_has_no_such_legend_entries():
    g = Dag(("z", "x", "y"), (("z", "x"), ("z", "y"), ("x", "y")))
    ax = dag_plot(g, exposure="x", outcome="y")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["exposure", "outcome", "other cause"]
    plt.close(ax.figure)


def test_unknown_node_is_refused():
    with pytest.raises(InputError, match="not in the causal diagram"):
        dag_plot(STUDY_DAG, exposure="sitting", outcome="hamstring_cramps")
    with pytest.raises(InputError, match="draws a glute_study.causal.Dag"):
        dag_plot([("a", "b")], exposure="a", outcome="b")

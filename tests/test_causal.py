"""glute_study.causal against dagitty, and STUDY_DAG against the simulator it describes.

Reference values: ``tests/reference/causal/dagitty_reference.json``, from dagitty 0.3-4's own
algorithms (the JavaScript that R's ``dagitty`` package runs in V8), made by
``dagitty_reference.js`` beside it; the R calls are ``adjustmentSets(g, "x", "y", type =
"minimal", effect = "total" | "direct")`` and ``dseparated(g, x, y, Z)``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from glute_study import simulate
from glute_study.causal import STUDY_DAG, Dag, describe_adjustment
from glute_study.errors import InputError

REFERENCE = Path(__file__).parent / "reference" / "causal"
DAGITTY = json.loads((REFERENCE / "dagitty_reference.json").read_text(encoding="utf-8"))
TEXTBOOK = json.loads((REFERENCE / "textbook_dags.json").read_text(encoding="utf-8"))
STUDY_FILE = json.loads((REFERENCE / "study_dag.json").read_text(encoding="utf-8"))


def _dag(case: str) -> Dag:
    if case == "study_dag":
        return STUDY_DAG
    c = TEXTBOOK[case]
    return Dag(tuple(c["nodes"]), tuple(map(tuple, c["edges"])), frozenset(c["latent"]))


def test_reference_holds_the_current_study_dag():
    """If this fails, STUDY_DAG changed: rerun write_study_dag.py and dagitty_reference.js."""
    assert STUDY_FILE["nodes"] == list(STUDY_DAG.nodes)
    assert STUDY_FILE["edges"] == [list(e) for e in STUDY_DAG.edges]
    assert STUDY_FILE["latent"] == sorted(STUDY_DAG.latent)


QUERIES = [(case, i, effect) for case, v in DAGITTY["cases"].items()
           for i in range(len(v["adjustment"])) for effect in ("total", "direct")]


@pytest.mark.parametrize(("case", "i", "effect"), QUERIES)
def test_minimal_sets_match_dagitty(case, i, effect):
    query = DAGITTY["cases"][case]["adjustment"][i]
    dag, x, y = _dag(case), query["exposure"], query["outcome"]
    expected = {frozenset(s) for s in query[effect]}  # adjustmentSets(g, x, y, "minimal", effect)
    found = dag.minimal_adjustment_sets(x, y, effect=effect)
    assert {frozenset(s) for s in found} == expected
    if expected:
        chosen = dag.adjustment_set(x, y, effect=effect)
        assert frozenset(chosen) in expected
        assert dag.is_adjustment_set(x, y, chosen, effect=effect)
    else:
        with pytest.raises(InputError, match="no set of observed variables identifies"):
            dag.adjustment_set(x, y, effect=effect)


@pytest.mark.parametrize("case", sorted(DAGITTY["cases"]))
def test_d_separation_matches_dagitty(case):
    dag = _dag(case)
    rows = DAGITTY["cases"][case]["d_separation"]
    assert len(rows) > 5
    mine = [dag.d_separated(x, y, z) for x, y, z, _ in rows]
    assert mine == [separated for *_, separated in rows]  # dseparated(g, x, y, z)


def test_textbook_answers_in_words():
    assert _dag("m_bias").adjustment_set("x", "y") == ()
    assert not _dag("m_bias").is_adjustment_set("x", "y", ["m"])
    assert _dag("m_bias").is_adjustment_set("x", "y", ["a", "m"])
    # butterfly: both sets hold m; the parent-based rule picks the one with x's parent a
    assert _dag("butterfly").adjustment_set("x", "y") == ("a", "m")
    assert _dag("pearl_fig_3_4").adjustment_set("x", "y") == ("z1", "z3")
    assert _dag("confounded_mediator").adjustment_set("x", "y", effect="direct") == \
        ("w", "c", "m")
    with pytest.raises(InputError, match="through u is open"):
        _dag("no_valid_set").adjustment_set("x", "y")
    with pytest.raises(InputError, match="through u is open"):
        _dag("front_door_only").adjustment_set("x", "y")


def test_backdoor_refuses_descendants_of_the_exposure():
    # d is caused by x alone: harmless for the generalised adjustment criterion, but the
    # backdoor criterion allows no descendant of the exposure
    g = Dag(("z", "x", "d", "y"), (("z", "x"), ("z", "y"), ("x", "y"), ("x", "d")))
    assert g.is_adjustment_set("x", "y", ["z"])
    assert not g.is_adjustment_set("x", "y", ["z", "d"])


def test_observed_narrows_the_choice():
    g = _dag("pearl_fig_3_4")
    assert g.adjustment_set("x", "y", observed={"z2", "z3", "w"}) == ("z2", "z3")
    with pytest.raises(InputError, match="through z1 or z2 is open"):
        g.adjustment_set("x", "y", observed={"z3", "w"})


def test_bad_diagrams_and_arguments_are_refused():
    with pytest.raises(InputError, match="cycle"):
        Dag(("a", "b"), (("a", "b"), ("b", "a")))
    with pytest.raises(InputError, match="not a node"):
        Dag(("a",), (("a", "b"),))
    with pytest.raises(InputError, match="named twice"):
        Dag(("a", "a"), ())
    with pytest.raises(InputError, match="itself"):
        Dag(("a",), (("a", "a"),))
    g = _dag("confounder")
    with pytest.raises(InputError, match="'q' not in the causal diagram"):
        g.parents("q")
    with pytest.raises(InputError, match="must not share"):
        g.d_separated("x", "y", given="x")
    with pytest.raises(InputError, match="`effect` must be one of"):
        g.adjustment_set("x", "y", effect="indirect")
    with pytest.raises(InputError, match="descendant of 'x'"):
        g.adjustment_set("y", "x")
    with pytest.raises(InputError, match="does not identify"):
        describe_adjustment(g, "x", "y", adjust=[])


def test_study_dag_sets_and_sentences():
    total = STUDY_DAG.adjustment_set("sitting_h_day", "hamstring_cramps")
    assert total == ("age", "sex")
    assert "glute_nm_kg" not in total
    assert STUDY_DAG.adjustment_set("glute_nm_kg", "hamstring_cramps") == \
        ("sex", "sitting_h_day")
    text = describe_adjustment(STUDY_DAG, "sitting_h_day", "hamstring_cramps", adjust=total)
    assert "sitting_h_day" not in text and "glute strength and glute strength at post-test, " \
        "mediators," in text
    # a larger set with precision covariates is still sufficient, and says so
    more = ("age", "sex", "prior_cramps", "prior_hamstring_injury")
    assert STUDY_DAG.is_adjustment_set("sitting_h_day", "hamstring_cramps", more)
    assert "previous cramping" in describe_adjustment(
        STUDY_DAG, "sitting_h_day", "hamstring_cramps", adjust=more).lower()


def test_simulator_truth_adjusts_by_the_diagram(monkeypatch):
    truth = simulate.simulate_study(n=20, seed=1).truth
    # the backdoor set the plan takes for the same link, named as participants.csv columns
    assert truth["adjust_for"] == list(STUDY_DAG.adjustment_set("sitting_h_day",
                                                                "hamstring_cramps"))
    from glute_study.plan import DEFAULT_HYPOTHESES

    assert tuple(truth["adjust_for"]) == DEFAULT_HYPOTHESES["sitting_cramps"].adjust
    assert STUDY_DAG.is_adjustment_set("sitting_h_day", "hamstring_cramps", truth["adjust_for"])
    assert STUDY_DAG.is_adjustment_set("glute_nm_kg", "hamstring_cramps",
                                       [*truth["adjust_for"], "sitting_h_day"])
    # derived, not written down: a diagram in which previous cramping also drives sitting
    # makes it a confounder, and the truth follows the diagram
    confounded = Dag(STUDY_DAG.nodes, (*STUDY_DAG.edges, ("prior_cramps", "sitting_h_day")),
                     STUDY_DAG.latent)
    monkeypatch.setattr("glute_study.causal.STUDY_DAG", confounded)
    assert simulate.simulate_study(n=20, seed=1).truth["adjust_for"] == \
        ["age", "sex", "prior_cramps"]
    # a node that is no single study-table column cannot be named in the truth
    monkeypatch.setattr("glute_study.causal.STUDY_DAG", Dag(
        STUDY_DAG.nodes, (*STUDY_DAG.edges, ("exposure_h", "sitting_h_day")), STUDY_DAG.latent))
    with pytest.raises(InputError, match="'exposure_h', which is not one column"):
        simulate.simulate_study(n=20, seed=1)


# ---------------------------------------------------------------------------------------------
# STUDY_DAG is the simulator's model: each simulated variable's inputs are its parents

#: DAG node -> the true value the simulator draws for it (simulate._participants).
TRUE_VALUES = {"age": "age", "sex": "male", "prior_cramps": "prior_cramps",
               "prior_hamstring_injury": "prior_injury", "arm": "arm",
               "sitting_h_day": "sitting_true", "glute_nm_kg": "glute_true",
               "glute_nm_kg_post": "glute_post_true", "glute_onset_delay_ms": "delay_true",
               "bridge_reps": "bridge_true", "body_mass_kg": "body_mass_kg",
               "height_cm": "height_cm"}
#: Inputs of the cramp counts that are not participant draws (simulate_study, draw_cohorts:
#: Poisson(rate x exposure hours x frailty x exp(team effect))).
OUTSIDE_RATES = {"exposure_h", "team", "cramp_proneness"}
#: Every edge that every scenario draws switched on (the direct paths are off by default).
ALL_ON = simulate.Effects.for_scenario("hypothesis", rr_sitting_direct_per_h=1.3,
                                       rr_training_direct=0.9)


@pytest.fixture(scope="module")
def draws():
    rng = np.random.default_rng(20261207)
    return {k: v[0] for k, v in simulate._participants(rng, (1, 60_000), ALL_ON, True).items()}


def _design(draws, names):
    """Columns for ``names``: dummies for a variable with few values, else linear and square."""
    blocks = []
    for name in names:
        x = draws[name]
        values = np.unique(x)
        if len(values) <= 30:
            blocks.append([(x == v).astype(float) for v in values[1:]])
        else:
            z = (x - x.mean()) / x.std()
            blocks.append([z, z**2])
    return blocks


def _fit(y, blocks):
    """OLS with HC0 covariance; returns a test that the coefficients of some blocks are zero."""
    X = np.column_stack([np.ones_like(y)] + [c for b in blocks for c in b])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    bread = np.linalg.inv(X.T @ X)
    cov = bread @ ((X * (resid**2)[:, None]).T @ X) @ bread
    start = np.cumsum([1] + [len(b) for b in blocks])

    def wald_p(test) -> float:
        index = np.concatenate([np.arange(start[i], start[i] + len(blocks[i])) for i in test])
        b = beta[index]
        stat = float(b @ np.linalg.solve(cov[np.ix_(index, index)], b))
        return float(stats.chi2.sf(stat, len(index)))

    return wald_p


@pytest.mark.parametrize("node", sorted(TRUE_VALUES))
def test_simulated_participant_values_have_the_dag_parents(draws, node):
    """Local Markov property on the simulator's true values: given its parents a node is
    independent of its other non-descendants (each parent still matters)."""
    parents = STUDY_DAG.parents(node)
    assert set(parents) <= set(TRUE_VALUES), f"{node}: a parent the draws do not hold"
    others = [n for n in TRUE_VALUES if n != node and n not in parents
              and n not in STUDY_DAG.descendants(node)]
    y = draws[TRUE_VALUES[node]]
    blocks = _design(draws, [TRUE_VALUES[n] for n in (*parents, *others)])
    wald_p = _fit(y, blocks)
    if others:
        p_other = wald_p(range(len(parents), len(blocks)))
        assert p_other > 1e-4, f"{node} depends on a non-parent among {others}"
    for i, parent in enumerate(parents):
        assert wald_p([i]) < 1e-12, f"{node} does not depend on {parent}"


def _changed(function, p, key):
    base = function(p)
    moved = function({**p, key: p[key] + 1.0})
    return [not np.allclose(a, b) for a, b in zip(base, moved)]


def test_cramp_rates_use_exactly_the_dag_parents(draws):
    """The rates are a deterministic function of the participant draws: move one input at a
    time and see which rates change."""
    p = {k: v[:50] for k, v in draws.items()}
    changed = {k: _changed(lambda q: simulate._cramp_rates(q, ALL_ON), p, k) for k in p}
    hamstring = {k for k, (h, _) in changed.items() if h}
    other = {k for k, (_, o) in changed.items() if o}
    assert hamstring == {TRUE_VALUES[n] for n in STUDY_DAG.parents("hamstring_cramps")
                         if n not in OUTSIDE_RATES}
    # cramps = hamstring + other-muscle cramps, which share the frailty, exposure and team
    assert other == {TRUE_VALUES[n] for n in STUDY_DAG.parents("cramps")
                     if n not in OUTSIDE_RATES | {"hamstring_cramps"}}
    assert set(STUDY_DAG.parents("hamstring_cramps")) >= OUTSIDE_RATES
    assert set(STUDY_DAG.parents("cramps")) >= OUTSIDE_RATES


def test_emg_and_self_report_use_exactly_the_dag_parents(draws):
    n = 40
    p = {k: v[:n] for k, v in draws.items()}
    ids = np.array([f"P{i:03d}" for i in range(n)], dtype=object)
    start = simulate.pd.DatetimeIndex([simulate._START] * n)

    def emg(q):
        t = simulate._activation_table(np.random.default_rng(5), ids, start, q)
        glute = t["muscle"].eq("gluteus_maximus")
        return t.loc[glute, "amplitude_pct_mvic"].to_numpy(), t["onset_ms"].to_numpy()

    changed = {k: _changed(emg, p, k) for k in p}
    assert {k for k, (amp, _) in changed.items() if amp} == \
        {TRUE_VALUES[n] for n in STUDY_DAG.parents("glute_pct_mvic")}
    # the recorded onsets measure the true delay (whose parents the draws test) and nothing else
    assert {k for k, (_, onset) in changed.items() if onset} == \
        {TRUE_VALUES["glute_onset_delay_ms"]}
    assert STUDY_DAG.parents("self_report_sitting_h_day") == ("sitting_h_day",)
    before = simulate._self_report(np.random.default_rng(5), (n,), ALL_ON, p["sitting_true"])[0]
    after = simulate._self_report(np.random.default_rng(5), (n,), ALL_ON,
                                  p["sitting_true"] + 2)[0]
    assert not np.array_equal(before, after)


def test_exposure_hours_have_no_causes_in_the_simulator():
    d = simulate.draw_cohorts(20_000, reps=1, seed=7, trial=True, **{
        "rr_sitting_direct_per_h": 1.3})
    assert STUDY_DAG.ancestors("exposure_h") == ()
    keep = np.isfinite(d["exposure_h"][0]) & np.isfinite(d["sitting_h_day"][0])
    names = ["age", "male", "prior_cramps", "prior_hamstring_injury", "arm", "sitting_h_day",
             "glute_nm_kg", "glute_onset_delay_ms"]
    values = {k: d[k][0][keep] for k in names}
    wald_p = _fit(d["exposure_h"][0][keep], _design(values, names))
    assert wald_p(range(len(names))) > 1e-4


def test_every_node_is_checked_against_the_simulator():
    checked = (set(TRUE_VALUES) | OUTSIDE_RATES
               | {"hamstring_cramps", "cramps", "glute_pct_mvic", "self_report_sitting_h_day"})
    assert set(STUDY_DAG.nodes) == checked


def test_default_plan_adjusts_by_the_diagram():
    """Each default hypothesis of the plan is identified on STUDY_DAG by its adjustment set."""
    from glute_study.plan import DEFAULT_HYPOTHESES

    outside = set()
    for key, h in DEFAULT_HYPOTHESES.items():
        if not {h.exposure, h.outcome} <= set(STUDY_DAG.nodes):
            outside.add(key)
            continue
        assert STUDY_DAG.is_adjustment_set(h.exposure, h.outcome, h.covariates), key
        assert not set(h.covariates) & set(STUDY_DAG.mediators(h.exposure, h.outcome)), key
    assert outside == {"recent_sitting"}  # a within-athlete window, not a node of the diagram


def test_direct_effect_not_through_named_mediators():
    chain = Dag(("x", "m", "w", "y"), (("x", "m"), ("m", "w"), ("w", "y"), ("x", "y")))
    # dagitty: adjustmentSets(g, "x", "y", effect = "direct") lists {m} and {w}
    assert {frozenset(s) for s in chain.minimal_adjustment_sets("x", "y", effect="direct")} \
        == {frozenset({"m"}), frozenset({"w"})}
    assert chain.adjustment_set("x", "y", effect="direct", mediators=["w"]) == ("w",)
    assert chain.adjustment_set("x", "y", effect="direct", mediators="m") == ("m",)
    # the confounded mediator: naming m brings its confounder c along
    g = _dag("confounded_mediator")
    assert g.adjustment_set("x", "y", effect="direct", mediators=["m"]) == ("w", "c", "m")
    with pytest.raises(InputError, match="through c is open"):
        _dag("latent_mediator_confounder").adjustment_set("x", "y", effect="direct",
                                                          mediators=["m"])
    two = Dag(("x", "m", "k", "y"), (("x", "m"), ("m", "y"), ("x", "k"), ("k", "y"),
                                     ("x", "y")))
    assert two.adjustment_set("x", "y", effect="direct") == ("m", "k")
    with pytest.raises(InputError, match="paths through k reach 'y' without passing m"):
        two.adjustment_set("x", "y", effect="direct", mediators=["m"])
    with pytest.raises(InputError, match="the total effect never adjusts for a mediator"):
        two.adjustment_set("x", "y", mediators=["m"])
    with pytest.raises(InputError, match="x not on a causal path from 'm' to 'y'"):
        two.adjustment_set("m", "y", effect="direct", mediators=["x"])
    assert STUDY_DAG.adjustment_set("sitting_h_day", "hamstring_cramps", effect="direct",
                                    mediators=["glute_nm_kg"]) == ("age", "sex", "glute_nm_kg")

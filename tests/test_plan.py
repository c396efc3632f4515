"""The declared analysis plan: defaults, study.json overrides and the errors a user can act on."""

import pytest

from glute_study.errors import InputError
from glute_study.plan import DEFAULT_HYPOTHESES, analysis_plan
from glute_study.study import Study


def test_default_plan_has_one_primary_hypothesis_per_link_in_chain_order():
    plan = analysis_plan()
    assert [h.key for h in plan.primary] == ["sitting_glute", "glute_cramps", "sitting_cramps",
                                             "indirect", "trial"]
    assert plan.multiplicity == "holm"


def test_confounders_come_from_the_causal_diagram_and_never_hold_the_mediator():
    from glute_study.causal import STUDY_DAG

    plan = analysis_plan()
    for h in plan.hypotheses:
        if h.exposure in STUDY_DAG.nodes:
            assert STUDY_DAG.is_adjustment_set(h.exposure, h.outcome, h.covariates), h.key
            assert not set(h.covariates) & set(STUDY_DAG.descendants(h.exposure)), h.key
    assert plan["sitting_cramps"].adjust == ("age", "sex")
    assert plan["trial"].adjust == ()  # randomised
    assert "glute_nm_kg" not in plan["indirect"].covariates
    # sitting confounds glute strength and the cramp rate: adjusted for in that link
    assert "sitting_h_day" in plan["glute_cramps"].adjust
    assert plan["sitting_cramps"].formula() == (
        "hamstring_cramps ~ sitting_h_day + age + C(sex) + prior_cramps")


def test_study_json_overrides_family_order_bounds_and_adjustment():
    study = Study.from_tables({}, metadata={"plan": {
        "multiplicity": "fixed_sequence", "primary": ["trial", "sitting_cramps"],
        "bounds": {"trial": [0.8, 1.25], "sitting_glute": [-0.2, 0.15]},
        "adjust": {"sitting_cramps": ["age", "sex", "prior_cramps", "team"]}}})
    plan = analysis_plan(study)
    assert [h.key for h in plan.primary] == ["trial", "sitting_cramps"]
    assert [h.key for h in plan.hypotheses][:2] == ["trial", "sitting_cramps"]
    assert not plan["sitting_glute"].primary
    assert plan["trial"].equivalence_bounds(1.1) == (0.8, 1.25)
    assert plan["sitting_glute"].equivalence_bounds(1.1) == (-0.2, 0.15)
    assert plan["sitting_cramps"].equivalence_bounds(1.25) == (0.8, 1.25)
    assert plan["sitting_cramps"].formula() == (
        "hamstring_cramps ~ sitting_h_day + age + C(sex) + prior_cramps + C(team)")
    assert "(by the study's own plan in study.json)" in \
        plan["sitting_cramps"].adjustment_words(why=True)
    text = plan.methods_text(alpha=0.05, sesoi=1.1)
    assert "as amended in the study's study.json" in text
    assert "fixed testing sequence" in text
    assert "secondary, outside the primary family" in text
    assert "The 2 primary hypotheses form one family" in text


@pytest.mark.parametrize("raw, expected", [
    ({"multiplicty": "holm"}, "unknown key 'multiplicty' (did you mean 'multiplicity'?)"),
    ({"multiplicity": "tukey"}, "'tukey' is not a method"),
    ({"primary": "trial"}, "expected a list of hypothesis names"),
    ({"primary": []}, "expected a list of hypothesis names"),
    ({"primary": ["trail"]}, "unknown hypothesis 'trail' (did you mean 'trial'?)"),
    ({"primary": ["trial", "trial"]}, "names a hypothesis twice"),
    ({"bounds": {"trial": [0.8]}}, "are not two numbers lower < 1 < upper"),
    ({"bounds": {"trial": [-1, 1.2]}}, "are not two numbers"),
    ({"bounds": {"trial": ["0.8", "1.25"]}}, "are not two numbers"),
    ({"bounds": {"sitting_glute": [-0.1, 1.5]}}, "a correlation"),
    ({"bounds": [0.8, 1.25]}, "expected an object keyed by hypothesis name"),
    ({"adjust": {"trial": "prior_cramps"}}, "expected a list of analysis-table columns"),
    ({"adjust": {"trial": ["prior_cramp"]}}, "'prior_cramp' is not a variable of the codebook "
                                             "(did you mean 'prior_cramps'?)"),
    ({"adjust": {"sitting_cramps": ["sitting_h_day"]}}, "is the hypothesis' exposure"),
    ({"adjust": {"trial": ["age", "age"]}}, "names a column twice"),
    ({"precision": {"sitting_cramps": ["glute_nm_kg"]}}, "'glute_nm_kg' is caused by the "
                                                         "exposure 'sitting_h_day'"),
    ("holm", "expected an object with keys"),
])
def test_bad_plan_names_where_and_what_is_expected(raw, expected):
    study = Study.from_tables({}, metadata={"plan": raw})
    with pytest.raises(InputError) as err:
        analysis_plan(study)
    assert 'study.json "plan"' in str(err.value)
    assert expected in str(err.value)


def test_every_default_hypothesis_speaks_in_codebook_words():
    for h in DEFAULT_HYPOTHESES.values():
        words = h.adjustment_words()
        assert "_" not in words, words
        assert "_" not in h.link and "_" not in h.estimand

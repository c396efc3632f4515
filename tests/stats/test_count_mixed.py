"""Count mixed models against R glmmTMB (Laplace) and lme4::glmer (nAGQ = 1, 10).

Reference values: tests/reference/count_mixed/count_mixed.R (glmmTMB 1.1.5, TMB 1.9.2,
lme4 1.1.31) on the CSVs that make_count_mixed_data.py writes; stored in
count_mixed_reference.json.
"""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import integrate, special

from glute_study.errors import FitWarning, GluteStudyWarning, InputError
from glute_study.stats import count_mixed_model
from glute_study.stats._count_mixed_kernels import ManyGroupings, OneGrouping
from glute_study.stats.count_mixed import fit_count_mixed_arrays, fit_count_mixed_batch

REF = Path(__file__).parents[1] / "reference" / "count_mixed"
R = json.loads((REF / "count_mixed_reference.json").read_text())
RHS = "sitting_h_day + glute_nm_kg + C(sex)"
R_NAMES = {"(Intercept)": "Intercept", "sexmale": "C(sex)[T.male]"}


def _data(name):
    return pd.read_csv(REF / f"{name}.csv")


def _fit(name, groups, family, extra="", **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)  # boundary cases warn; tested apart
        return count_mixed_model(_data(name), f"cramps ~ {RHS}{extra}", groups=groups,
                                 family=family, **kw)


def _rows(res, component):
    return res.table[res.table.component == component].set_index("term")


def _check_against(res, ref, groups, *, fe_tol=1e-4, se_tol=1e-3, sd_tol=1e-3, loglik=True,
                   names=None):
    fixed = _rows(res, "count")
    names = R_NAMES if names is None else names
    for rname, value in ref["fixef"].items():
        term = names.get(rname, rname)
        assert fixed.loc[term, "coef"] == pytest.approx(value, abs=fe_tol)
        assert fixed.loc[term, "se"] == pytest.approx(ref["se"][rname], abs=se_tol)
    sds = _rows(res, "random")
    for g in groups:
        assert sds.loc[f"sd_{g}", "estimate"] == pytest.approx(ref["sd"][g], abs=sd_tol)
    if "theta" in ref:
        theta = res.table.set_index("term").loc["theta"]
        assert theta["estimate"] == pytest.approx(ref["theta"], abs=1e-3)
        assert theta["se"] == pytest.approx(ref["se_log_theta"], abs=1e-3)
    if loglik:
        assert res.diagnostics["log_lik"] == pytest.approx(ref["loglik"], abs=1e-6)


# glmmTMB cases: (reference key, data, groups, family, extra fixed terms)
TMB_CASES = [
    ("single_nb", "single_nb", ("team",), "negbin", ""),
    ("single_nb_pois", "single_nb", ("team",), "poisson", ""),
    ("single_pois", "single_pois", ("team",), "poisson", ""),
    ("single_pois_nb", "single_pois", ("team",), "negbin", ""),
    ("single_small", "single_small", ("team",), "negbin", ""),
    ("nested_nb", "nested_nb", ("team", "participant_id"), "negbin", " + period"),
    ("crossed_nb", "crossed_nb", ("participant_id", "week"), "negbin", ""),
    ("crossed_pois", "crossed_pois", ("participant_id", "week"), "poisson", ""),
]


@pytest.mark.parametrize(("key", "data", "groups", "family", "extra"), TMB_CASES,
                         ids=[c[0] for c in TMB_CASES])
def test_matches_glmmtmb(key, data, groups, family, extra):
    # R: glmmTMB(cramps ~ sitting_h_day + glute_nm_kg + sex + offset(log(exposure_h)) +
    #            (1 | team) [+ (1 | participant_id)], family = nbinom2 / poisson)
    res = _fit(data, groups, family, extra)
    ref = R[key]
    _check_against(res, ref, groups)
    sds = _rows(res, "random")
    for g in groups:  # SE of log SD (glmmTMB's sdreport of theta_1|<group>)
        assert sds.loc[f"sd_{g}", "se"] == pytest.approx(ref["se_log_sd"][g], abs=1e-3)
    assert res.diagnostics["converged"]


OWLS = {"(Intercept)": "Intercept", "FoodTreatmentSatiated": "C(FoodTreatment)[T.Satiated]",
        "SexParentMale": "C(SexParent)[T.Male]",
        "FoodTreatmentSatiated:SexParentMale":
            "C(FoodTreatment)[T.Satiated]:C(SexParent)[T.Male]"}
EPIL = {"(Intercept)": "Intercept", "trtprogabide": "C(trt)[T.progabide]",
        "lbase:trtprogabide": "lbase:C(trt)[T.progabide]"}


@pytest.mark.parametrize(("key", "family"), [("owls_nb", "negbin"), ("owls_pois", "poisson")])
def test_owls_as_glmmtmb(key, family):
    # R: glmmTMB(SiblingNegotiation ~ FoodTreatment * SexParent + offset(log(BroodSize)) +
    #            (1 | Nest), data = Owls, family = nbinom2 / poisson)   (Brooks et al. 2017)
    res = count_mixed_model(_data("published_owls"),
                            "SiblingNegotiation ~ C(FoodTreatment) * C(SexParent)",
                            exposure="BroodSize", groups="Nest", family=family)
    _check_against(res, R[key], ("Nest",), names=OWLS)
    assert res.table.set_index("term").loc["sd_Nest", "se"] == pytest.approx(
        R[key]["se_log_sd"]["Nest"], abs=1e-3)


def test_grouseticks_three_groupings_as_glmmtmb():
    # R: glmmTMB(TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION),
    #            data = grouseticks, family = poisson)   (lme4's grouse ticks, Elston et al. 2001)
    groups = ("BROOD", "INDEX", "LOCATION")
    res = count_mixed_model(_data("published_grouseticks"), "TICKS ~ C(YEAR) + cHEIGHT",
                            exposure=None, groups=groups, family="poisson")
    _check_against(res, R["grouse_pois"], groups,
                   names={"(Intercept)": "Intercept", "YEAR96": "C(YEAR)[T.96]",
                          "YEAR97": "C(YEAR)[T.97]"})
    sds = _rows(res, "random")
    for g in groups:
        assert sds.loc[f"sd_{g}", "se"] == pytest.approx(R["grouse_pois"]["se_log_sd"][g],
                                                          abs=1e-3)


@pytest.mark.parametrize(("key", "family", "kwargs"), [
    ("epil_pois", "poisson", {}), ("epil_nb", "negbin", {}),
    ("glmer_epil_agq1", "poisson", {}),
    ("glmer_epil_agq10", "poisson", {"method": "aghq", "n_quad": 10})])
def test_epilepsy_as_glmmtmb_and_glmer(key, family, kwargs):
    # R: glmmTMB(y ~ lbase * trt + lage + V4 + (1 | subject), data = MASS::epil,
    #            family = poisson / nbinom2); glmer(..., poisson, nAGQ = 1 / 10)
    res = count_mixed_model(_data("published_epil"), "y ~ lbase * C(trt) + lage + V4",
                            exposure=None, groups="subject", family=family, **kwargs)
    _check_against(res, R[key], ("subject",), names=EPIL, loglik="agq10" not in key)


def test_boundary_sd_is_zero_and_warned():
    # R: glmmTMB(..., (1 | team), nbinom2) on data without a team effect: SD 5.6e-06
    with pytest.warns(FitWarning, match="boundary"):
        res = count_mixed_model(_data("single_boundary"), f"cramps ~ {RHS}")
    ref = R["single_boundary"]
    _check_against(res, ref, ("team",))
    sd = res.table.set_index("term").loc["sd_team"]
    assert sd["estimate"] == 0.0 and np.isnan(sd["ci_low"]) and np.isnan(sd["se"])
    assert res.diagnostics["singular"] and res.diagnostics["converged"]
    assert "singular fit" in res.text and "nan" not in res.text.lower()


def test_nested_boundary_sd():
    # R: glmmTMB(... + period + (1 | team) + (1 | participant_id), poisson): athlete SD 3e-4
    with pytest.warns(FitWarning, match="'participant_id' is on its boundary"):
        res = count_mixed_model(_data("nested_pois"), f"cramps ~ {RHS} + period",
                                groups=("team", "participant_id"), family="poisson")
    _check_against(res, R["nested_pois"], ("team", "participant_id"))
    assert res.diagnostics["sd_at_boundary"] == {"team": False, "participant_id": True}


@pytest.mark.parametrize("data", ["pois", "small"])
def test_laplace_matches_glmer_nagq1(data):
    # R: glmer(cramps ~ ... + offset(log(exposure_h)) + (1 | team), poisson, nAGQ = 1)
    res = _fit(f"single_{data}", "team", "poisson")
    _check_against(res, R[f"glmer_{data}_agq1"], ("team",))


@pytest.mark.parametrize("data", ["pois", "small"])
def test_aghq_matches_glmer_nagq10(data):
    # R: glmer(cramps ~ ... + offset(log(exposure_h)) + (1 | team), poisson, nAGQ = 10)
    res = _fit(f"single_{data}", "team", "poisson", method="aghq", n_quad=10)
    # lme4's logLik at nAGQ > 1 leaves out the saturated model's constants: not comparable
    _check_against(res, R[f"glmer_{data}_agq10"], ("team",), loglik=False)
    assert res.diagnostics["n_quad"] == 10


def test_aghq_one_node_is_laplace():
    lap = _fit("single_nb", "team", "negbin")
    one = _fit("single_nb", "team", "negbin", method="aghq", n_quad=1)
    assert_allclose(one.table["coef"], lap.table["coef"], atol=1e-9)
    assert one.diagnostics["log_lik"] == pytest.approx(lap.diagnostics["log_lik"], abs=1e-9)


def _design(name):
    d = _data(name)
    X = np.column_stack([np.ones(len(d)), d.sitting_h_day, d.glute_nm_kg,
                         (d.sex == "male").astype(float)])
    codes, levels = pd.factorize(d.team)
    return d.cramps.to_numpy(float), X, np.log(d.exposure_h.to_numpy()), codes, len(levels)


def _nb_logpmf(y, mu, theta):
    return (special.gammaln(y + theta) - special.gammaln(theta) - special.gammaln(y + 1)
            + theta * np.log(theta / (theta + mu)) + y * np.log(mu / (theta + mu)))


def test_aghq_negbin_converges_to_the_integral():
    # glmmTMB has no AGHQ: compare with the marginal likelihood integrated numerically
    y, X, off, codes, G = _design("single_small")
    phi = np.array([[-6.1, 0.1, -0.03, 0.05, np.log(0.6), np.log(1.7)]])
    beta, sd, theta = phi[0, :4], np.exp(phi[0, 4]), np.exp(phi[0, 5])
    eta0 = X @ beta + off
    exact = 0.0
    for g in range(G):
        rows = codes == g

        def integrand(b, rows=rows):
            return np.exp(np.sum(_nb_logpmf(y[rows], np.exp(eta0[rows] + b), theta))
                          - 0.5 * (b / sd) ** 2) / (sd * np.sqrt(2 * np.pi))

        exact += np.log(integrate.quad(integrand, -8 * sd, 8 * sd, epsabs=0, epsrel=1e-13,
                                       limit=200)[0])
    idx = np.array([0])
    lap = OneGrouping(y[None], X, off[None], codes, G, True, 1).eval(phi, idx, np.zeros((1, G)))
    agq = OneGrouping(y[None], X, off[None], codes, G, True, 25).eval(phi, idx, np.zeros((1, G)))
    assert agq[0][0] == pytest.approx(exact, abs=1e-8)
    assert abs(lap[0][0] - exact) > 1e-4  # Laplace is an approximation; AGHQ removes its error


@pytest.mark.parametrize("n_quad", [1, 7])
@pytest.mark.parametrize("negbin", [True, False])
def test_one_grouping_gradient_is_exact(n_quad, negbin):
    y, X, off, codes, G = _design("single_nb")
    prob = OneGrouping(y[None], X, off[None], codes, G, negbin, n_quad)
    phi = np.array([[-6.0, 0.15, -0.5, 0.3, np.log(0.4), np.log(1.5)][: prob.d]])
    idx = np.array([0])
    _, grad, u = prob.eval(phi, idx, np.zeros((1, G)))
    num = [(prob.eval(phi + e, idx, u)[0][0] - prob.eval(phi - e, idx, u)[0][0]) / 2e-6
           for e in 1e-6 * np.eye(prob.d)[:, None, :]]
    assert_allclose(grad[0], num, atol=2e-6)


@pytest.mark.parametrize("negbin", [True, False])
@pytest.mark.parametrize("groups", [("team", "participant_id"), ("team", "participant_id",
                                                                 "period")])
def test_many_groupings_gradient_is_exact(negbin, groups):
    d = _data("nested_nb")
    X = np.column_stack([np.ones(len(d)), d.sitting_h_day, d.period])
    codes = [pd.factorize(d[g]) for g in groups]
    prob = ManyGroupings(d.cramps.to_numpy(float), X, np.log(d.exposure_h.to_numpy()),
                         [c for c, _ in codes], [len(lv) for _, lv in codes], negbin)
    sds = np.log([0.4, 0.5, 0.3][: len(groups)])
    phi = np.array([[-4.0, 0.05, -0.15, *sds, np.log(3.0)][: prob.d]])
    _, grad, u = prob.eval(phi, [0], np.zeros(prob.u_shape(1)))
    num = [(prob.eval(phi + e, [0], u)[0][0] - prob.eval(phi - e, [0], u)[0][0]) / 2e-6
           for e in 1e-6 * np.eye(prob.d)[:, None, :]]
    assert_allclose(grad[0], num, atol=2e-6)


def test_batch_equals_single_fits():
    rng = np.random.default_rng(11)
    team = np.repeat(np.arange(16), 12)
    arm = (team % 2).astype(float)
    mu = 0.6 * np.exp(-0.4 * arm + rng.normal(0, 0.5, (6, 16))[:, team])
    y = rng.negative_binomial(2.0, 2.0 / (2.0 + mu))
    X = np.column_stack([np.ones(team.size), arm])
    batch = fit_count_mixed_batch(y, X, np.zeros(team.size), team)
    for r in range(6):
        one = fit_count_mixed_arrays(y[r], X, np.zeros(team.size), team)
        assert_allclose(batch.coef[r], one.coef, atol=1e-6)
        assert_allclose(batch.se[r], one.se[:2], atol=1e-6)
        assert batch.sd[r] == pytest.approx(one.sd[0], abs=1e-6)
        assert batch.converged[r] == one.converged


def test_batch_with_own_designs_levels_and_aghq():
    rng = np.random.default_rng(1)
    B, G, n = 4, 12, 120
    codes = rng.integers(0, G, (B, n))
    X = np.concatenate([np.ones((B, n, 1)), rng.normal(size=(B, n, 1))], axis=2)
    y = rng.poisson(np.exp(0.2 * X[:, :, 1] + rng.normal(0, 0.5, (B, G))[np.arange(B)[:, None],
                                                                           codes]))
    batch = fit_count_mixed_batch(y, X, np.zeros((B, n)), codes, "poisson", method="aghq",
                                  n_quad=7)
    for r in range(B):
        one = fit_count_mixed_arrays(y[r], X[r], np.zeros(n), codes[r], "poisson",
                                     method="aghq", n_quad=7)
        assert_allclose(batch.coef[r], one.coef, atol=1e-9)
        assert_allclose(batch.se[r], one.se[:2], atol=1e-9)


def test_large_counts():
    rng = np.random.default_rng(3)
    team = np.repeat(np.arange(20), 10)
    mu = np.exp(7 + rng.normal(0, 0.3, 20)[team])
    y = rng.negative_binomial(5, 5 / (5 + mu))
    fit = fit_count_mixed_arrays(y, np.ones((200, 1)), np.zeros(200), team)
    assert y.max() > 4000 and fit.converged
    # the special-function path for huge counts gives the same likelihood as the tables
    prob = OneGrouping(y[None].astype(float), np.ones((200, 1)), np.zeros((1, 200)), team, 20,
                       True)
    phi = fit.params[None]
    lg_tab = prob.tab.at(np.array([5.0]))
    prob.tab.ymax = 10**7  # forces the special functions
    lg_fun = prob.tab.at(np.array([5.0]))
    assert_allclose(lg_fun[0], lg_tab[0], rtol=1e-10)
    assert_allclose(lg_fun[1], lg_tab[1], rtol=1e-10)
    assert prob.eval(phi, np.array([0]), np.zeros((1, 20)))[0][0] == pytest.approx(fit.loglik)


def test_group_ids_of_any_type_give_one_answer():
    d = _data("single_nb")
    base = _fit("single_nb", "team", "negbin").table
    codes = {t: i for i, t in enumerate(sorted(d.team.unique()))}
    for ids in (d.team.map(codes), d.team.astype("category"), d.team.map(codes) * 10.0):
        other = d.assign(team=ids)
        res = count_mixed_model(other, f"cramps ~ {RHS}")
        assert_allclose(res.table["coef"], base["coef"], atol=1e-8)


def test_nested_ids_repeating_across_teams():
    d = _data("nested_nb")
    # athlete numbers restart in every team: "team/participant_id" combines them
    local = d.assign(participant_id=d.groupby("team").participant_id.transform(
        lambda s: pd.factorize(s)[0] + 1))
    res = count_mixed_model(local, f"cramps ~ {RHS} + period",
                            groups="team/participant_id")
    _check_against(res, R["nested_nb"], ("team", "participant_id"))
    assert res.diagnostics["levels"]["participant_id"]["levels"] == d.participant_id.nunique()


def test_repeating_athlete_ids_given_as_crossed_are_warned():
    d = _data("nested_nb")
    local = d.assign(participant_id=d.groupby("team").participant_id.transform(
        lambda s: pd.factorize(s)[0] + 1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = count_mixed_model(local, f"cramps ~ {RHS} + period",
                                groups=("team", "participant_id"))
    assert any("groups='team/participant_id'" in str(w.message) for w in caught)
    assert res.diagnostics["nested"] == {"team in participant_id": False,
                                         "participant_id in team": False}
    nested = count_mixed_model(d, f"cramps ~ {RHS} + period", groups=("team", "participant_id"))
    assert nested.diagnostics["nested"]["participant_id in team"]


def test_the_same_grouping_twice_is_not_identified():
    d = _data("single_nb").assign(squad=lambda f: f.team)
    with pytest.warns(FitWarning, match="hardly identified|Hessian not positive definite"):
        count_mixed_model(d, f"cramps ~ {RHS}", groups=("team", "squad"))


def test_missing_values_are_dropped_with_a_warning():
    d = _data("single_nb")
    d.loc[[3, 10], "team"] = None
    d.loc[5, "sitting_h_day"] = np.nan
    with pytest.warns(GluteStudyWarning, match="dropped 3 of 400 rows"):
        res = count_mixed_model(d, f"cramps ~ {RHS}")
    assert res.diagnostics["n"] == 397 and res.diagnostics["n_dropped"] == 3
    assert res.diagnostics["dropped_by"] == {"sitting_h_day": 1, "team": 2}


def test_no_overdispersion_caps_theta_and_warns():
    rng = np.random.default_rng(5)
    team = np.repeat([f"T{i}" for i in range(25)], 20)
    b = rng.normal(0, 0.4, 25)[np.repeat(np.arange(25), 20)]
    df = pd.DataFrame({"team": team, "x": rng.normal(size=500),
                       "exposure_h": rng.uniform(50, 150, 500)})
    df["cramps"] = rng.poisson(df.exposure_h / 100 * np.exp(0.2 * df.x + b))
    pois = count_mixed_model(df, "cramps ~ x", family="poisson")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nb = count_mixed_model(df, "cramps ~ x")
    if nb.diagnostics["theta_at_boundary"]:
        assert any("reduced to Poisson" in str(w.message) for w in caught)
    assert nb.diagnostics["theta"] > 100
    assert_allclose(_rows(nb, "count")["coef"], _rows(pois, "count")["coef"], atol=2e-3)


def test_single_row_levels_and_level_option():
    res = _fit("single_small", "team", "negbin", level=0.9)
    assert res.level == 0.9
    fixed = _rows(res, "count")
    z = 1.6448536269514722
    assert_allclose(fixed["ci_high"], np.exp(fixed["coef"] + z * fixed["se"]), rtol=1e-12)
    assert res.diagnostics["levels"]["team"]["min_rows"] == 1


def test_table_and_text():
    res = _fit("single_nb", "team", "negbin")
    t = res.table
    assert list(t.columns[:5]) == ["term", "estimate", "ci_low", "ci_high", "p_value"]
    assert list(t.term) == ["Intercept", "C(sex)[T.male]", "sitting_h_day", "glute_nm_kg",
                            "sd_team", "theta"]
    assert list(t.component) == ["count"] * 4 + ["random", "dispersion"]
    assert_allclose(t.estimate[:4], np.exp(t.coef[:4]))
    assert "Each additional hour of daily sitting" in res.text
    assert "varied between teams" in res.text and "nan" not in res.text.lower()
    assert res.diagnostics["sd"]["team"] == pytest.approx(t.estimate[4])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"groups": "squad"}, "no column 'squad'"),
    ({"groups": ("team", "team")}, "twice"),
    ({"groups": 3}, "must name a column"),
    ({"family": "zinb"}, "`family` must be one of"),
    ({"method": "aghq", "groups": ("team", "participant_id")}, "single grouping"),
    ({"n_quad": 5}, "for method='aghq'"),
    ({"method": "aghq", "n_quad": 0}, "whole number from 1 to 50"),
    ({"level": 95}, "between 0 and 1"),
])
def test_bad_options_are_clear_errors(kwargs, message):
    with pytest.raises(InputError, match=message):
        count_mixed_model(_data("single_nb"), f"cramps ~ {RHS}", **kwargs)


def test_bad_data_are_clear_errors():
    d = _data("single_nb")
    with pytest.raises(InputError, match="random-effect term"):
        count_mixed_model(d, "cramps ~ sitting_h_day + (1 | team)")
    with pytest.raises(InputError, match="at least two"):
        count_mixed_model(d.assign(team="T1"), "cramps ~ sitting_h_day")
    with pytest.raises(InputError, match="must be a count"):
        count_mixed_model(d.assign(cramps=d.cramps + 0.5), "cramps ~ sitting_h_day")
    with pytest.raises(InputError, match="must be positive"):
        count_mixed_model(d.assign(exposure_h=0.0), "cramps ~ sitting_h_day")

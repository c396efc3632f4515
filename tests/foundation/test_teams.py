"""Teams in the data: the codebook's optional ``team``, its checks, and the simulator's teams.

The simulator's team effect and cluster randomisation are checked against what they were told
(balanced teams, one arm per team, the variance of the team log-rates) and against the closed
form of the intracluster correlation; a study without teams must be exactly what it was before
teams existed.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import polygamma

from glute_study import InputError, draw_cohorts, load_study, simulate_study
from glute_study.cli import main
from glute_study.simulate import team_icc
from glute_study.validate import ValidationError, read_study_folder

from .conftest import read_rows, write_rows


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Computed on main at a8d8570, before teams existed, by exactly these expressions; then, when
# the trial's post-test moved to mid-follow-up and its effect came to run through the glute
# gain, again for the trial (every output of a trial changed by design) and for the folder
# without a trial (study.json records the new truth keys; its tables are still a8d8570's);
# then for both folders when study.json's truth["adjust_for"] came from STUDY_DAG (age and sex;
# with the old fixed list the folders give the previous hashes, and nothing else changed);
# then the folders only, when study.json's name became a title in words ("Simulated cohort of
# 50 athletes (the world where the coaching claim is true, seed 1)"; a diff of the saved
# folders before and after showed that line alone changed).
_BEFORE_TEAMS = {
    True: {
        "folder": "4ee6b70503255b7a1e0b422c79e834b68b9c72371ecbd3b668751190f0cdd55b",
        "analysis": "7bbb716d58214afb6d1d5ace311007bdee0ca648c054550bb013192052ac0325",
        "session": "1ea8e1cfc660061cba8b62d89ceb7062d47a02995d2fee6cd732357cc3a415c4",
        "tables": "ba8697e5b2dac510804dfd4af0c65e5babd4951248a290e2e151027ed41adfa4",
        "cohorts": "d0f85e21992643498e274315090f3546ca7e79d91dd1fc511ff13da2db20500d",
    },
    False: {
        "folder": "b1483036507c5c00f62c0c8f818cda0fe517a3052843331d79b0004caf410783",
        "analysis": "9cc386568459a884970e583296cff19614d6c9abc3595f41965091b176b39dd3",
        "session": "c3ca9138491d98c282d1e00eb1c041e2f958920ab2fb09ce17b479eea1210cb3",
        "tables": "4334fc49906f595938e2633bb4f22e70efb4c4f9dc253e0339e4d6e7af71f9a5",
        "cohorts": "21ab0b5d571889588c3204ce81087ba1de7c27be1aec76dfdcf1936d36a09825",
    },
}


@pytest.mark.parametrize("trial", [True, False])
def test_without_teams_every_output_is_what_it_was_before_teams(tmp_path, trial):
    study = simulate_study(n=50, seed=1, trial=trial)
    folder = study.save(tmp_path / "s")
    files = b"".join(p.name.encode() + p.read_bytes() for p in sorted(folder.iterdir()))
    # the typed tables gain an all-missing `team` column; everything else is as it was
    # (and the sitting table the optional all-missing activity columns added with them since)
    later = {"participants": ["team"],
             "sitting": ["standing_h", "stepping_h", "cycling_h", "lying_h", "steps"]}
    tables = b"".join(t.drop(columns=[c for c in later.get(k, []) if c in t]).to_csv().encode()
                      for k, t in sorted(study.tables.items()))
    cohorts = draw_cohorts(50, reps=3, seed=1, trial=trial)
    # (the hamstring amplitude and the amplitude ratio came later too, and the outcome window
    # after the post-test)
    emg = ["hamstring_pct_mvic", "hamstring_glute_ratio", "exposure_h_after_post",
           "hamstring_cramps_after_post"]

    def drop(frame, columns):
        return frame.drop(columns=[c for c in columns if c in frame])

    got = {
        "folder": _sha(files),
        "analysis": _sha(drop(study.analysis_table(), emg).to_csv().encode()),
        # (the session table's week of follow-up came later too)
        "session": _sha(drop(study.session_table(), ["week", *emg]).to_csv().encode()),
        "tables": _sha(tables),
        "cohorts": _sha(b"".join(k.encode() + np.ascontiguousarray(cohorts[k]).tobytes()
                                 for k in sorted(cohorts))),
    }
    assert got == _BEFORE_TEAMS[trial]
    assert "team" not in study.analysis_table() and "team" not in study.session_table()
    assert "team" not in read_rows(folder, "participants")[0]
    assert "design" not in study.truth and "team" not in cohorts


def test_teams_without_an_effect_change_only_the_team_columns():
    plain = simulate_study(n=60, seed=7)
    teams = simulate_study(n=60, seed=7, n_teams=6)
    for name in plain.tables:
        a, b = plain.tables[name], teams.tables[name]
        if name == "participants":
            a, b = (t.drop(columns=["team", "sport", "level"]) for t in (a, b))
        pd.testing.assert_frame_equal(a, b)
    d0 = draw_cohorts(60, reps=4, seed=7, trial=True)
    d1 = draw_cohorts(60, reps=4, seed=7, trial=True, n_teams=6)
    for key in d0:
        np.testing.assert_array_equal(d0[key], d1[key])


def test_teams_are_balanced_named_and_one_sport_each():
    study = simulate_study(n=103, seed=2, trial=False, n_teams=10, team_sd=0.3)
    parts = study.participants
    sizes = parts["team"].value_counts()
    assert sorted(sizes.index) == [f"T{i:02d}" for i in range(1, 11)]
    assert set(sizes) == {10, 11}
    by_team = parts.groupby("team")
    assert (by_team["sport"].nunique() == 1).all() and (by_team["level"].nunique() == 1).all()
    assert parts["arm"].isna().all()
    assert study.truth["design"] == "observational"
    cohorts = draw_cohorts(103, reps=5, seed=2, n_teams=10)
    assert cohorts["team"].dtype == np.int64 and cohorts["team"].shape == (5, 103)
    for row in cohorts["team"]:
        counts = np.bincount(row, minlength=10)
        assert counts.min() == 10 and counts.max() == 11
    assert not np.array_equal(cohorts["team"][0], cohorts["team"][1])  # dealt afresh per cohort


def test_cluster_trial_puts_whole_teams_in_one_arm():
    study = simulate_study(n=120, seed=4, trial="cluster", n_teams=8, team_sd=0.4)
    parts = study.participants
    arms = parts.groupby("team")["arm"].agg(["nunique", "first"])
    assert (arms["nunique"] == 1).all()
    assert arms["first"].value_counts().to_dict() == {"control": 4, "glute_training": 4}
    assert study.truth["design"] == "cluster" and study.truth["trial"] == "cluster"
    assert study.strength["session"].max() == 3  # the trial's post-test is there
    cohorts = draw_cohorts(120, reps=50, seed=4, trial="cluster", n_teams=8)
    for team, arm in zip(cohorts["team"], cohorts["arm"]):
        per_team = pd.Series(arm).groupby(team).agg(["min", "max", "first"])
        assert (per_team["min"] == per_team["max"]).all()
        assert per_team["first"].sum() == 4
    # the arms are randomised: each team is in the training arm in some cohorts, not all
    share = [np.mean([arm[team == t][0] for team, arm in zip(cohorts["team"], cohorts["arm"])])
             for t in range(8)]
    assert all(0.2 < s < 0.8 for s in share)


def test_individual_trial_with_teams_randomises_athletes():
    parts = simulate_study(n=200, seed=4, n_teams=4).participants
    assert (parts.groupby("team")["arm"].nunique() == 2).all()
    assert (parts["arm"] == "glute_training").sum() == 100


def test_team_effect_is_recovered_from_the_cramp_counts():
    """Between-team variance of team log-rates, less that of the same teams without an effect,
    is team_sd²; and the team effects drawn have SD team_sd."""
    sd, n, k, reps = 0.5, 6000, 30, 10

    def team_log_rates(team_sd):
        d = draw_cohorts(n, reps=reps, seed=11, trial=False, n_teams=k, team_sd=team_sd)
        out = []
        for r in range(reps):
            ok = np.isfinite(d["exposure_h"][r])
            events = np.bincount(d["team"][r][ok], weights=d["cramps"][r][ok], minlength=k)
            hours = np.bincount(d["team"][r][ok], weights=d["exposure_h"][r][ok], minlength=k)
            out.append(np.log(events / hours))
        return np.array(out), d

    with_effect, d = team_log_rates(sd)
    without, _ = team_log_rates(0.0)
    between = with_effect.var(axis=1, ddof=1).mean() - without.var(axis=1, ddof=1).mean()
    assert between == pytest.approx(sd**2, abs=0.05)
    drawn = np.array([np.unique(e) for e in d["team_effect"]])
    assert drawn.shape == (reps, k) and drawn.std(ddof=1) == pytest.approx(sd, rel=0.12)
    effect = np.array([[d["team_effect"][r][d["team"][r] == t][0] for t in range(k)]
                       for r in range(reps)])
    assert np.corrcoef(effect.ravel(), with_effect.ravel())[0, 1] > 0.9


def test_team_icc_matches_its_closed_form_and_the_model():
    sigma, theta, m = 0.5, 0.8, 1.3
    assert team_icc(sigma, theta=theta) == pytest.approx(
        sigma**2 / (sigma**2 + float(polygamma(1, theta))), rel=1e-12)
    assert team_icc(0.0, theta=theta) == 0.0 and team_icc(0.0, theta=theta, expected=m) == 0.0
    # two team-mates per team, drawn from the model itself
    rng = np.random.default_rng(20261207)
    teams = 400_000
    u = rng.normal(0, sigma, teams)
    frailty = rng.gamma(theta, 1 / theta, (teams, 2))
    counts = rng.poisson(m * frailty * np.exp(u)[:, None])
    observed = np.corrcoef(counts[:, 0], counts[:, 1])[0, 1]
    assert observed == pytest.approx(team_icc(sigma, theta=theta, expected=m), abs=0.01)
    log_rate = u[:, None] + np.log(frailty)
    assert np.corrcoef(log_rate[:, 0], log_rate[:, 1])[0, 1] == pytest.approx(
        team_icc(sigma, theta=theta), abs=0.01)


def _anova_icc(y, team):
    """One-way ANOVA estimate of the intracluster correlation (unequal cluster sizes)."""
    _, team = np.unique(team, return_inverse=True)
    k, n = team.max() + 1, len(y)
    size = np.bincount(team)
    means = np.bincount(team, weights=y) / size
    msb = (size * (means - y.mean()) ** 2).sum() / (k - 1)
    msw = ((y - means[team]) ** 2).sum() / (n - k)
    n0 = (n - (size**2).sum() / n) / (k - 1)
    return (msb - msw) / (msb + (n0 - 1) * msw)


def test_team_icc_with_athletes_of_different_expected_counts():
    """The spread of expected counts (covariates, exposure) lowers the count ICC; the formula
    with mean(mu) and mean(mu²) matches the ANOVA estimate of counts drawn from the model."""
    rng = np.random.default_rng(7)
    teams, size, sigma, theta = 6000, 10, 0.5, 0.8
    mu = rng.lognormal(math.log(0.7), 0.6, teams * size)
    team = np.repeat(np.arange(teams), size)
    u = rng.normal(0, sigma, teams)
    counts = rng.poisson(mu * rng.gamma(theta, 1 / theta, teams * size) * np.exp(u)[team])
    expected = team_icc(sigma, theta=theta, expected=mu)
    assert expected < team_icc(sigma, theta=theta, expected=mu.mean())
    assert _anova_icc(counts, team) == pytest.approx(expected, abs=0.008)


@pytest.mark.slow
def test_simulated_study_icc_is_recovered_by_anova():
    study = simulate_study(n=20000, seed=4, trial=False, n_teams=1000, team_sd=0.5)
    table = study.analysis_table().dropna(subset=["exposure_h"])
    for outcome in ("hamstring_cramps", "cramps"):
        got = _anova_icc(table[outcome].to_numpy(), table["team"].to_numpy())
        assert got == pytest.approx(study.truth[f"icc_{outcome}"], abs=0.015), outcome


def test_truth_records_the_teams():
    study = simulate_study(n=80, seed=9, trial="cluster", n_teams=4, team_sd=0.6)
    truth = study.truth
    assert truth["n_teams"] == 4 and truth["team_sd"] == 0.6 and truth["design"] == "cluster"
    assert sorted(truth["team_effects"]) == ["T01", "T02", "T03", "T04"]
    assert all(math.isfinite(v) for v in truth["team_effects"].values())
    theta = truth["effects"]["dispersion_theta"]
    assert truth["icc_log_rate"] == team_icc(0.6, theta=theta)
    assert truth["icc_hamstring_cramps_at_mean"] == team_icc(
        0.6, theta=theta, expected=truth["mean_expected_hamstring_cramps"])
    assert 0 < truth["icc_hamstring_cramps"] < truth["icc_hamstring_cramps_at_mean"]
    assert truth["icc_cramps"] > truth["icc_hamstring_cramps"]  # more events, higher ICC
    assert "in 4 teams, training randomised by team" in study.metadata["name"]


def test_analysis_and_session_tables_carry_the_team():
    study = simulate_study(n=40, seed=3, n_teams=4, team_sd=0.2)
    table = study.analysis_table()
    assert list(table.columns).index("team") == list(table.columns).index("arm") + 1
    expected = study.participants.set_index("participant_id")["team"]
    assert table.set_index("participant_id")["team"].equals(expected)
    sessions = study.session_table()
    assert sessions["team"].notna().all()
    assert (sessions["team"] == sessions["participant_id"].map(expected)).all()


def test_a_study_with_teams_saves_and_loads_back_equal(tmp_path):
    study = simulate_study(n=30, seed=6, trial="cluster", n_teams=6, team_sd=0.3)
    folder = study.save(tmp_path / "teams")
    header = read_rows(folder, "participants")[0]
    assert header[-1] == "team"
    loaded = load_study(folder)
    assert loaded.equals(study)
    assert loaded.truth["team_effects"] == study.truth["team_effects"]
    pd.testing.assert_frame_equal(loaded.analysis_table(), study.analysis_table())


def _with_teams(folder, values):
    rows = read_rows(folder, "participants")
    rows[0].append("team")
    for row, value in zip(rows[1:], values, strict=True):
        row.append(value)
    write_rows(folder, "participants", rows)


def test_participants_with_a_team_column_validate(study_dir):
    _with_teams(study_dir, ["Leeds"] * 6 + ["York"] * 6)
    study = load_study(study_dir)
    assert study.warnings.empty
    assert study.analysis_table()["team"].tolist() == ["Leeds"] * 6 + ["York"] * 6


def test_bad_team_values_name_file_line_column_and_value(study_dir):
    _with_teams(study_dir, ["T01"] * 5 + ["T02"] * 3 + ["t01 ", "", "#REF!", "n/a"])
    _, _, problems, _ = read_study_folder(study_dir)
    team = problems[problems["column"] == "team"].set_index("line")
    assert (problems["file"] == "participants.csv").all()
    error = team[team["severity"] == "error"]
    assert error[["value", "rule"]].values.tolist() == [["#REF!", "Excel error value"]]
    assert error.index.tolist() == [12]
    folded = team[team["rule"].str.startswith("spellings alike")]
    assert folded["severity"].tolist() == ["warning"] and "'t01'" in folded["rule"].iloc[0]
    coded = team[team["rule"].str.startswith("missing-value code")]
    assert coded.index.tolist() == [13] and coded["value"].tolist() == ["n/a"]
    missing = team[team["rule"] == "team missing"]
    assert sorted(missing.index) == [11, 12, 13]
    assert (missing["severity"] == "warning").all()
    with pytest.raises(ValidationError):
        load_study(study_dir)


def test_blank_teams_are_allowed_but_warned_once_any_team_is_given(study_dir):
    _with_teams(study_dir, ["T01"] * 11 + [""])
    study = load_study(study_dir)
    warned = study.warnings
    assert warned[["column", "line", "rule"]].values.tolist() == [["team", 13, "team missing"]]
    rows = read_rows(study_dir, "participants")
    write_rows(study_dir, "participants", [r[:-1] for r in rows])  # no team column again
    _with_teams(study_dir, [""] * 12)  # a team column with no team at all: nothing to say
    study = load_study(study_dir)
    assert study.warnings.empty and "team" not in study.analysis_table()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_teams": 1}, "`n_teams` must be a whole number from 2 to 20; got 1"),
    ({"n_teams": 21}, "from 2 to 20; got 21"),
    ({"n_teams": 2.5}, "`n_teams` must be a whole number"),
    ({"n_teams": 4, "team_sd": -0.1}, "`team_sd` must be a finite number of at least 0"),
    ({"n_teams": 4, "team_sd": float("nan")}, "finite number of at least 0"),
    ({"n_teams": 4, "team_sd": float("inf")}, "finite number of at least 0"),
    ({"n_teams": 4, "team_sd": "0.3"}, "`team_sd` must be a number"),
    ({"team_sd": 0.3}, "needs teams: give `n_teams`"),
    ({"trial": "cluster"}, "randomises whole teams: give `n_teams`"),
    ({"trial": "cluster", "n_teams": 2}, "even number of at least 4; got 2"),
    ({"trial": "cluster", "n_teams": 5}, "even number of at least 4; got 5"),
    ({"trial": "clusters", "n_teams": 4}, "`trial` must be one of True, False, 'cluster'"),
])
def test_bad_team_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        simulate_study(n=20, seed=1, **kwargs)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        draw_cohorts(20, reps=2, seed=1, **kwargs)


def test_cli_simulates_a_cluster_trial(tmp_path, capsys):
    out = tmp_path / "cluster"
    assert main(["simulate", "--n", "40", "--seed", "3", "--trial", "cluster", "--n-teams", "4",
                 "--team-sd", "0.5", "--out", str(out)]) == 0
    study = load_study(out)
    assert study.truth["design"] == "cluster" and study.truth["team_sd"] == 0.5
    assert (study.participants.groupby("team")["arm"].nunique() == 1).all()
    assert main(["simulate", "--n", "40", "--seed", "3", "--trial", "cluster", "--n-teams", "3",
                 "--out", str(tmp_path / "odd")]) == 1
    assert "even number of at least 4" in capsys.readouterr().err


def test_merging_participants_keeps_teams_and_adds_no_empty_team_column(tmp_path):
    from glute_study.study_folder import merge_tables

    base = simulate_study(n=6, seed=2).participants
    plain, teams = tmp_path / "plain", tmp_path / "teams"
    for folder in (plain, teams):
        folder.mkdir()
    merge_tables(plain, {"participants": base})
    assert "team" not in read_rows(plain, "participants")[0]
    merge_tables(teams, {"participants": base.assign(team=["A", "A", "A", "B", "B", "B"])})
    merge_tables(teams, {"participants": base.assign(sport="rugby")})  # a later import, no team
    rows = read_rows(teams, "participants")
    column = rows[0].index("team")
    assert [r[column] for r in rows[1:]] == ["A", "A", "A", "B", "B", "B"]
    assert load_study(teams).analysis_table()["sport"].eq("rugby").all()

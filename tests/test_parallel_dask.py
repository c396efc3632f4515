"""Bootstrap and power give bit-identical results on a real Dask cluster and on local processes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glute_study.stats.mediation import CHUNK, mediation
from glute_study.stats.simulation_power import power


@pytest.fixture(scope="module")
def dask_cluster():
    """A local Dask scheduler and two worker processes on the loopback interface."""
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")
    try:
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=None)
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"a local Dask cluster could not start here: {exc!r}")
    client = distributed.Client(cluster)
    yield cluster, client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    rng = np.random.default_rng(12)
    n = 300
    df = pd.DataFrame({"sitting": rng.normal(9, 1.5, n), "age": rng.normal(25, 4, n),
                       "hours": rng.uniform(60, 200, n), "team": np.repeat(np.arange(30), 10)})
    df["glute"] = 2.5 - 0.12 * (df.sitting - 9) + rng.normal(0, 0.4, n)
    rate = df.hours / 1000 * np.exp(np.log(9) - 0.6 * (df.glute - 2.5))
    df["cramps"] = rng.negative_binomial(1.3, 1.3 / (1.3 + rate))
    return df


def test_mediation_bootstrap_is_identical_on_dask_and_local_processes(dask_cluster, cohort):
    cluster, client = dask_cluster
    assert len(client.scheduler_info()["workers"]) == 2
    kw = dict(x="sitting", m="glute", y="cramps", covariates=["age"], exposure="hours",
              n_boot=3 * CHUNK + 17, seed=2024, cluster="team")
    local = mediation(cohort, executor="processes", **kw)
    by_address = mediation(cohort, executor=cluster.scheduler_address, **kw)
    by_client = mediation(cohort, executor=client, **kw)
    for other in (by_address, by_client):
        np.testing.assert_array_equal(other.diagnostics["bootstrap"],
                                      local.diagnostics["bootstrap"])
        np.testing.assert_array_equal(other.diagnostics["jackknife"],
                                      local.diagnostics["jackknife"])
        pd.testing.assert_frame_equal(other.table, local.table, check_exact=True)
        assert other.text == local.text


def test_power_is_identical_on_dask_and_local_processes(dask_cluster):
    cluster, _ = dask_cluster
    kw = dict(n=(80, 160), reps=300, seed=99)
    local = power("cohort_glute", executor="processes", **kw)
    remote = power("cohort_glute", executor=cluster.scheduler_address, **kw)
    pd.testing.assert_frame_equal(remote.table, local.table, check_exact=True)
    assert remote.text == local.text


def _on_a_dask_worker(_):
    from distributed import get_worker

    return get_worker().address


def test_a_single_task_runs_on_the_scheduler_it_is_given(dask_cluster):
    from glute_study.parallel import run_tasks

    cluster, client = dask_cluster
    workers = set(client.scheduler_info()["workers"])
    for executor in (cluster.scheduler_address, client):
        (where,) = run_tasks(_on_a_dask_worker, [0], executor=executor)
        assert where in workers  # not silently run here (get_worker() raises outside a worker)


def test_a_real_scheduler_passes_the_reachability_check(dask_cluster):
    from glute_study.parallel import check_executor

    cluster, client = dask_cluster
    check_executor(cluster.scheduler_address)
    check_executor(client)


def test_a_folder_of_accel_files_imports_the_same_on_dask_and_local_processes(dask_cluster,
                                                                               tmp_path):
    """``glute-study import accel --scheduler ADDRESS`` gives the tables local processes give."""
    import argparse

    from glute_study.commands import import_
    from glute_study.io.device_folder import import_device_folder
    from glute_study.io.synthetic_thigh import synthetic_thigh

    cluster, _ = dask_cluster
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    plans = {"P1": [("sit", 600), ("walk", 120), ("stand", 300)],
             "P2": [("stand", 200), ("sit", 900), ("cycle", 120)],
             "P3": [("walk", 300), ("handle", 20), ("nonwear", 700), ("handle", 20),
                    ("sit", 400)]}
    for k, (pid, plan) in enumerate(plans.items()):
        raw, _ = synthetic_thigh(plan, hz=10, seed=k, start=f"2024-05-0{k + 6} 09:00:00")
        raw.to_csv(inbox / f"{pid}_thigh.csv", index=False)
    options = {"valid_day": 0.1, "nonwear": ("still", "actipass")}
    local = import_device_folder(inbox, reader="accel", executor="processes", options=options)
    remote = import_device_folder(inbox, reader="accel", executor=cluster.scheduler_address,
                                  options=options)
    pd.testing.assert_frame_equal(remote.daily, local.daily, check_exact=True)
    pd.testing.assert_frame_equal(remote.files, local.files, check_exact=True)
    assert local.daily["nonwear_h"].sum() > 0.15  # P3's removal, so the rule ran on the workers

    def cli(out, *extra):
        parser = argparse.ArgumentParser(prog="glute-study")
        import_.add_parser(parser.add_subparsers(dest="command"))
        args = parser.parse_args(["import", "accel", str(inbox), "--out", str(out),
                                  "--valid-day", "0.1", "--option", "nonwear=still,actipass",
                                  *extra])
        return args.func(args)

    assert cli(tmp_path / "local") == 0
    assert cli(tmp_path / "dask", "--scheduler", cluster.scheduler_address) == 0
    for name in ("sitting.csv", "qc_report.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "dask" / name),
                                      pd.read_csv(tmp_path / "local" / name), check_exact=True)

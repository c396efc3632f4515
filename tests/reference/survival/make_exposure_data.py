"""Write the demo trial's time to first hamstring cramp on the exposure-hours scale, for
exposure_km_cox.R.

Run ``python make_exposure_data.py`` from the repository with the package importable: it opens
the shipped demo study (``datasets/demo``), takes the randomised athletes with
:meth:`glute_study.Study.cramp_times` (``scale="exposure"``) beside their arm and baseline
covariates, and writes ``exposure_km_cox_data.csv`` beside itself (athletes without exposure in
follow-up keep their row, with ``left_out`` saying why and no time). Importing the module does
nothing (pytest imports it when collecting doctests).
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent
DEMO = HERE.parents[2] / "datasets" / "demo"


def main() -> None:
    from glute_study import load_study, measures

    study = load_study(DEMO)
    data = study.analysis_table().merge(
        study.cramp_times(muscle="hamstring", scale="exposure"), on="participant_id",
        how="left")
    data = data[measures.randomised(data)]
    cols = ["participant_id", "arm", "time", "event", "left_out", "prior_cramps", "age", "sex"]
    data[cols].to_csv(HERE / "exposure_km_cox_data.csv", index=False)


if __name__ == "__main__":
    main()

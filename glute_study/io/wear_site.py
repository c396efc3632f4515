"""Does a raw accelerometry file look thigh-worn? Its wear-site annotation and its orientation.

Thigh posture (:mod:`glute_study.io.accel_epochs`) is only meaningful for a sensor on the front
of the thigh. Two pieces of evidence are checked, and either one gives a
:class:`WearSiteWarning` (which the import log and the QC report show for the file):

1. **The annotation.** Native files say where the researcher put the device: an Axivity
   ``.cwa`` in its metadata (``_p=right+wrist``), an ActiGraph ``.gt3x`` in ``info.txt``
   (``Limb``, ``Side``), a GENEActiv ``.bin`` in ``Device Location Code``. A site given that
   does not name the thigh (or upper leg) is reported.
2. **The orientation pattern** (a heuristic of this package, not a validated classifier). A
   thigh's long axis is near vertical when the wearer stands or walks and near horizontal when
   they sit or lie, and it stays there: sitting keeps it at about 90 degrees from vertical for
   long, still stretches. The forearm takes every angle in between through the day (typing,
   eating, gesturing, arm swing), so a wrist (or a badly placed thigh sensor) spends much of its
   time at intermediate angles. Per worn clock minute, the mean inclination of the long axis is
   taken; a minute between :data:`MID_ANGLES` (30 to 60 degrees) is "intermediate". With at
   least :data:`MIN_WORN_MIN` worn minutes, a file whose intermediate share exceeds
   :data:`MAX_MID_SHARE` (25 %) is reported. On synthetic recordings a thigh schedule with an
   hour of cycling stays under 10 %, a wrist-like random orientation is near 35 %.
"""

from __future__ import annotations

import pandas as pd

from ..errors import GluteStudyWarning

__all__ = ["MAX_MID_SHARE", "MID_ANGLES", "MIN_WORN_MIN", "WearSiteWarning", "wear_site_check"]

#: Inclinations (degrees from vertical) of the long axis counted as intermediate.
MID_ANGLES = (30.0, 60.0)
#: Largest share of worn minutes at intermediate inclinations for a thigh-worn file.
MAX_MID_SHARE = 0.25
#: Worn minutes needed before the orientation pattern is judged.
MIN_WORN_MIN = 60

_THIGH_WORDS = ("thigh", "upper leg", "upperleg", "quad")


class WearSiteWarning(GluteStudyWarning):
    """A raw accelerometry file does not look thigh-worn (annotation or orientation)."""


def wear_site_check(epochs: pd.DataFrame, *, wear_site: str | None = None) -> dict:
    """Judge whether a recording looks thigh-worn, from its annotation and its epochs.

    Parameters
    ----------
    epochs : DataFrame
        Per-epoch ``start``, ``inclination_deg`` and ``state`` (as
        :func:`~glute_study.io.accel_epochs.thigh_posture` returns them).
    wear_site : str, optional
        The body location recorded in the file (``accel_metadata(path)["wear_site"]``).

    Returns
    -------
    dict
        ``wear_site`` (as given), ``mid_share`` (share of worn minutes at intermediate
        inclinations, or None with fewer than :data:`MIN_WORN_MIN` worn minutes),
        ``worn_min``, ``thigh`` (False when either check failed) and ``message`` (why, or None).

    Examples
    --------
    >>> import numpy as np
    >>> start = pd.date_range("2024-03-04 08:00", periods=7200, freq="s")
    >>> thigh = pd.DataFrame({"start": start, "state": "upright",
    ...                       "inclination_deg": np.where(np.arange(7200) < 3600, 85.0, 10.0)})
    >>> wear_site_check(thigh, wear_site="right thigh")["thigh"]
    True
    >>> print(wear_site_check(thigh, wear_site="right wrist")["message"])
    the file says the device was worn on the right wrist, not the thigh; thigh posture needs a \
sensor on the front of the thigh
    """
    site = (wear_site or "").strip().lower() or None
    reasons = []
    if site is not None and not any(w in site for w in _THIGH_WORDS):
        reasons.append(f"the file says the device was worn on the {site}, not the thigh")
    worn = epochs[epochs["state"] != "nonwear"]
    minute = worn["start"].dt.floor("min")
    per_min = worn["inclination_deg"].groupby(minute.to_numpy()).mean()
    share = None
    if len(per_min) >= MIN_WORN_MIN:
        lo, hi = MID_ANGLES
        share = float(((per_min > lo) & (per_min < hi)).mean())
        if share > MAX_MID_SHARE:
            reasons.append(
                f"its orientation does not look thigh-worn: {share:.0%} of worn minutes hold the "
                f"long axis at {lo:g}-{hi:g} degrees from vertical (a thigh sensor is near "
                f"vertical or horizontal; above {MAX_MID_SHARE:.0%} suggests a wrist or a "
                "misplaced sensor)")
    message = None
    if reasons:
        message = "; ".join(reasons) + "; thigh posture needs a sensor on the front of the thigh"
    return {"wear_site": site, "mid_share": share, "worn_min": int(len(per_min)),
            "thigh": not reasons, "message": message}

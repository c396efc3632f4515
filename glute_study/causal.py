"""Causal diagrams: d-separation and covariate adjustment by the backdoor criterion.

A :class:`Dag` holds named nodes and directed edges. From it come the questions an analysis plan
asks: are two variables independent given others (:meth:`Dag.d_separated`), does a covariate set
remove confounding (:meth:`Dag.is_adjustment_set`, Pearl's backdoor criterion) and which set to
adjust for (:meth:`Dag.adjustment_set`). :data:`STUDY_DAG` is the diagram the simulator
(:mod:`glute_study.simulate`) draws its data from, with nodes named as the analysis-table
columns, so the adjustment set of every analysis and the simulator's truth come from one place.

Definitions (Pearl 2009, *Causality*, 2nd ed., sections 1.2.3 and 3.3.1):

* A path is *blocked* by a set ``Z`` when it holds a non-collider in ``Z`` or a collider that is
  not in ``Z`` and has no descendant in ``Z``. ``X`` and ``Y`` are *d-separated* by ``Z`` when
  every path between them is blocked. Tested here on the moralised ancestral graph (Lauritzen et
  al. 1990): keep the ancestors of ``X``, ``Y`` and ``Z``, marry the parents of each common
  child, drop the directions and remove ``Z``; d-separated means no undirected path is left.
* **Total effect** (backdoor criterion): ``Z`` holds no descendant of the exposure and blocks
  every path between exposure and outcome that starts with an arrow into the exposure, that is,
  d-separates them once the edges out of the exposure are removed.
* **Direct effect** (Pearl's single-door criterion, as ``dagitty`` computes it): ``Z`` holds no
  descendant of the outcome and d-separates exposure and outcome once the edge exposure ->
  outcome is removed. Such a set holds the mediators, and the coefficient of the exposure given
  ``Z`` is the effect *not through* them, not the effect of the exposure.

Examples
--------
>>> from glute_study.causal import STUDY_DAG
>>> STUDY_DAG.adjustment_set("sitting_h_day", "hamstring_cramps")
('age', 'sex')
>>> STUDY_DAG.adjustment_set("sitting_h_day", "hamstring_cramps", effect="direct")
('age', 'sex', 'glute_nm_kg')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from ._checks import check_one_of
from .errors import InputError
from .labels import label

__all__ = ["STUDY_DAG", "Dag", "describe_adjustment"]

EFFECTS = ("total", "direct")
#: Most candidate covariates searched for the minimal sets (2**20 subsets at worst).
_MOST_CANDIDATES = 20


def _as_set(nodes: str | Iterable[str] | None) -> frozenset[str]:
    if nodes is None:
        return frozenset()
    if isinstance(nodes, str):
        return frozenset((nodes,))
    return frozenset(str(n) for n in nodes)


@dataclass(frozen=True)
class Dag:
    """A directed acyclic graph of named nodes.

    Parameters
    ----------
    nodes : tuple of str
        The variables, in the order results list them (and the tie-break order of
        :meth:`adjustment_set`).
    edges : tuple of (str, str)
        Directed edges ``(cause, effect)``.
    latent : frozenset of str, default empty
        Nodes that are never measured: they are never adjusted for.

    Raises
    ------
    InputError
        A node named twice, an edge naming an unknown node, a self-loop or a cycle.

    Examples
    --------
    >>> g = Dag(("z", "x", "y"), (("z", "x"), ("z", "y"), ("x", "y")))
    >>> g.parents("y"), g.descendants("z")
    (('z', 'x'), ('x', 'y'))
    >>> g.adjustment_set("x", "y")
    ('z',)
    """

    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]
    latent: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(str(n) for n in self.nodes))
        object.__setattr__(self, "edges", tuple((str(a), str(b)) for a, b in self.edges))
        object.__setattr__(self, "latent", _as_set(self.latent))
        if len(set(self.nodes)) < len(self.nodes):
            twice = sorted({n for n in self.nodes if self.nodes.count(n) > 1})
            raise InputError(f"a causal diagram names each node once; named twice: {twice}.")
        known = set(self.nodes)
        for a, b in (*self.edges, *((n, n) for n in self.latent if n not in known)):
            for end in (a, b):
                if end not in known:
                    raise InputError(f"edge or latent node {end!r} is not a node of the "
                                     f"diagram; nodes: {list(self.nodes)}.")
            if a == b:
                raise InputError(f"an edge from {a!r} to itself is not allowed in a DAG.")
        parents: dict[str, list[str]] = {n: [] for n in self.nodes}
        children: dict[str, list[str]] = {n: [] for n in self.nodes}
        for a, b in self.edges:
            parents[b].append(a)
            children[a].append(b)
        object.__setattr__(self, "_parents", {n: self._sorted(v) for n, v in parents.items()})
        object.__setattr__(self, "_children", {n: self._sorted(v) for n, v in children.items()})
        order = self._topological()
        if order is None:
            raise InputError("the diagram has a cycle: a DAG's edges may not lead back to "
                             "where they started.")

    # ------------------------------------------------------------------ structure

    def _topological(self) -> list[str] | None:
        indegree = {n: 0 for n in self.nodes}
        for _, b in self.edges:
            indegree[b] += 1
        ready = [n for n in self.nodes if indegree[n] == 0]
        order = []
        while ready:
            node = ready.pop(0)
            order.append(node)
            for child in self._children[node]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    ready.append(child)
        return order if len(order) == len(self.nodes) else None

    def _sorted(self, nodes: Iterable[str]) -> tuple[str, ...]:
        chosen = set(nodes)
        return tuple(n for n in self.nodes if n in chosen)

    def _check_nodes(self, *groups: str | Iterable[str] | None) -> None:
        for group in groups:
            unknown = sorted(_as_set(group) - set(self.nodes))
            if unknown:
                raise InputError(f"{', '.join(map(repr, unknown))} not in the causal diagram; "
                                 f"its nodes: {', '.join(self.nodes)}.")

    def parents(self, node: str) -> tuple[str, ...]:
        """The direct causes of ``node``, in node order."""
        self._check_nodes(node)
        return self._parents[node]

    def children(self, node: str) -> tuple[str, ...]:
        """The direct effects of ``node``, in node order."""
        self._check_nodes(node)
        return self._children[node]

    def _reach(self, start: frozenset[str], step) -> set[str]:
        seen: set[str] = set()
        todo = list(start)
        while todo:
            for nxt in step(todo.pop()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def ancestors(self, nodes: str | Iterable[str]) -> tuple[str, ...]:
        """Every node with a directed path into ``nodes`` (the nodes themselves excluded).

        Examples
        --------
        >>> Dag(("a", "b", "c"), (("a", "b"), ("b", "c"))).ancestors("c")
        ('a', 'b')
        """
        start = _as_set(nodes)
        self._check_nodes(start)
        return self._sorted(self._reach(start, self._parents.__getitem__) - start)

    def descendants(self, nodes: str | Iterable[str]) -> tuple[str, ...]:
        """Every node reached from ``nodes`` along directed edges (the nodes themselves excluded).
        """
        start = _as_set(nodes)
        self._check_nodes(start)
        return self._sorted(self._reach(start, self._children.__getitem__) - start)

    def _without(self, edges: Iterable[tuple[str, str]]) -> Dag:
        drop = set(edges)
        return Dag(self.nodes, tuple(e for e in self.edges if e not in drop), self.latent)

    # ------------------------------------------------------------------ d-separation

    def d_separated(self, x: str | Iterable[str], y: str | Iterable[str],
                    given: str | Iterable[str] | None = None) -> bool:
        """Whether ``given`` d-separates every node of ``x`` from every node of ``y``.

        Parameters
        ----------
        x, y : str or iterable of str
            One node or a set of nodes each; they may not overlap each other or ``given``.
        given : str or iterable of str, optional
            The conditioning set (none: marginal independence).

        Examples
        --------
        >>> collider = Dag(("a", "c", "b"), (("a", "c"), ("b", "c")))
        >>> collider.d_separated("a", "b"), collider.d_separated("a", "b", given="c")
        (True, False)
        """
        xs, ys, zs = _as_set(x), _as_set(y), _as_set(given)
        self._check_nodes(xs, ys, zs)
        if not xs or not ys:
            raise InputError("d_separated needs at least one node on each side.")
        if (xs & ys) or ((xs | ys) & zs):
            raise InputError(f"x, y and given must not share nodes; got x={sorted(xs)}, "
                             f"y={sorted(ys)}, given={sorted(zs)}.")
        keep = xs | ys | zs
        keep |= self._reach(keep, self._parents.__getitem__)
        neighbours: dict[str, set[str]] = {n: set() for n in keep}
        for a, b in self.edges:
            if a in keep and b in keep:
                neighbours[a].add(b)
                neighbours[b].add(a)
        for child in keep:
            parents = [p for p in self._parents[child] if p in keep]
            for p, q in combinations(parents, 2):
                neighbours[p].add(q)
                neighbours[q].add(p)
        seen = set(xs)
        todo = list(xs)
        while todo:
            for nxt in neighbours[todo.pop()]:
                if nxt in zs or nxt in seen:
                    continue
                if nxt in ys:
                    return False
                seen.add(nxt)
                todo.append(nxt)
        return True

    # ------------------------------------------------------------------ adjustment

    def _check_effect(self, exposure: str, outcome: str, effect: str) -> None:
        check_one_of("effect", effect, EFFECTS)
        self._check_nodes(exposure, outcome)
        if exposure == outcome:
            raise InputError(f"exposure and outcome are both {exposure!r}.")
        if exposure in self.descendants(outcome):
            raise InputError(f"{exposure!r} is a descendant of {outcome!r} in the diagram: it "
                             "cannot be an exposure of that outcome.")

    def is_adjustment_set(self, exposure: str, outcome: str, adjust: Iterable[str] = (), *,
                          effect: str = "total") -> bool:
        """Whether adjusting for ``adjust`` identifies the effect of ``exposure`` on ``outcome``.

        ``effect="total"``: Pearl's backdoor criterion (no descendant of the exposure; blocks
        every backdoor path). ``effect="direct"``: the single-door criterion (no descendant of
        the outcome; d-separates exposure and outcome without the edge between them).

        Examples
        --------
        >>> g = Dag(("z", "x", "m", "y"), (("z", "x"), ("z", "y"), ("x", "m"), ("m", "y")))
        >>> g.is_adjustment_set("x", "y", ["z"]), g.is_adjustment_set("x", "y", ["z", "m"])
        (True, False)
        >>> g.is_adjustment_set("x", "y", ["z", "m"], effect="direct")
        True
        """
        self._check_effect(exposure, outcome, effect)
        zs = _as_set(adjust)
        self._check_nodes(zs)
        if zs & {exposure, outcome}:
            raise InputError(f"the adjustment set may not hold the exposure or the outcome; got "
                             f"{sorted(zs)}.")
        if effect == "total":
            if zs & set(self.descendants(exposure)):
                return False
            cut = self._without((exposure, c) for c in self.children(exposure))
        else:
            if zs & set(self.descendants(outcome)):
                return False
            cut = self._without([(exposure, outcome)])
        return cut.d_separated(exposure, outcome, zs)

    def mediators(self, exposure: str, outcome: str) -> tuple[str, ...]:
        """The nodes on a directed path from ``exposure`` to ``outcome``.

        Examples
        --------
        >>> STUDY_DAG.mediators("sitting_h_day", "hamstring_cramps")
        ('glute_nm_kg', 'glute_nm_kg_post')
        """
        self._check_nodes(exposure, outcome)
        return self._sorted(set(self.descendants(exposure)) & set(self.ancestors(outcome)))

    def minimal_adjustment_sets(self, exposure: str, outcome: str, *,
                                observed: Iterable[str] | None = None,
                                effect: str = "total") -> list[tuple[str, ...]]:
        """Every minimal sufficient adjustment set among the ``observed`` nodes.

        A set is minimal when it is sufficient and no proper subset is. Minimal sets lie within
        the ancestors of exposure and outcome (Tian, Paz and Pearl 1998), so those are searched,
        smallest sets first, skipping supersets of sets already found. This is what R's
        ``dagitty::adjustmentSets(g, exposure, outcome, type = "minimal", effect = effect)``
        lists.

        Parameters
        ----------
        exposure, outcome, observed, effect
            As in :meth:`adjustment_set`.

        Returns
        -------
        list of tuple of str
            Each set in node order; the sets ordered by size, then by node order. Empty when no
            set of observed nodes suffices.

        Examples
        --------
        >>> m_bias = Dag(("a", "b", "m", "x", "y"),
        ...              (("a", "x"), ("a", "m"), ("b", "m"), ("b", "y"), ("x", "y")))
        >>> m_bias.minimal_adjustment_sets("x", "y")
        [()]
        """
        self._check_effect(exposure, outcome, effect)
        return self._minimal(exposure, outcome, self._observed(observed), effect)

    def _observed(self, observed: Iterable[str] | None) -> set[str]:
        seen = set(self.nodes) - self.latent if observed is None else set(_as_set(observed))
        self._check_nodes(seen)
        return seen

    def _minimal(self, exposure: str, outcome: str, seen: set[str], effect: str,
                 forced: frozenset[str] = frozenset()) -> list[tuple[str, ...]]:
        """The minimal sufficient sets among ``seen`` that hold ``forced``."""
        if not forced <= seen:
            return []
        forbidden = set(self.descendants(exposure if effect == "total" else outcome))
        candidates = self._sorted((set(self.ancestors({exposure, outcome})) & seen)
                                  - forbidden - {exposure, outcome} - forced)
        if len(candidates) > _MOST_CANDIDATES:
            raise InputError(f"{len(candidates)} candidate covariates are more than the "
                             f"{_MOST_CANDIDATES} this search handles; give `observed` to "
                             "narrow them.")
        found: list[tuple[str, ...]] = []
        for size in range(len(candidates) + 1):
            for subset in combinations(candidates, size):
                if any(set(f) <= set(subset) for f in found):
                    continue
                if self.is_adjustment_set(exposure, outcome, forced | set(subset),
                                          effect=effect):
                    found.append(subset)
        return [self._sorted(forced | set(f)) for f in found]

    def _check_mediators(self, exposure: str, outcome: str, effect: str,
                         mediators: Iterable[str] | None) -> frozenset[str]:
        if mediators is None:
            return frozenset()
        named = _as_set(mediators)
        self._check_nodes(named)
        if effect != "direct":
            raise InputError("`mediators` names what a direct effect is not through; the total "
                             "effect never adjusts for a mediator: drop `mediators` or give "
                             "effect='direct'.")
        on_path = self.mediators(exposure, outcome)
        wrong = [m for m in self._sorted(named) if m not in on_path]
        if wrong:
            raise InputError(f"{', '.join(wrong)} not on a causal path from {exposure!r} to "
                             f"{outcome!r}; its mediators: {', '.join(on_path) or 'none'}.")
        rest = Dag(tuple(n for n in self.nodes if n not in named),
                   tuple((a, b) for a, b in self.edges
                         if not {a, b} & named and (a, b) != (exposure, outcome)))
        if outcome in rest.descendants(exposure):
            others = rest.mediators(exposure, outcome)
            raise InputError(f"causal paths through {', '.join(others)} reach {outcome!r} "
                             f"without passing {', '.join(sorted(named))}: name the mediators "
                             "of every indirect path (or none, for all of them).")
        return named

    def adjustment_set(self, exposure: str, outcome: str, *,
                       observed: Iterable[str] | None = None, effect: str = "total",
                       mediators: Iterable[str] | None = None) -> tuple[str, ...]:
        """The covariates to adjust for: one minimal sufficient set, chosen by a fixed rule.

        Rule: among the minimal sets of :meth:`minimal_adjustment_sets`, the one holding the
        most parents of the exposure (its direct causes, the confounders a reader expects to
        see), then the smallest, then the first in node order. With every parent observed and a
        total effect this is the minimal subset of the parents that still blocks every backdoor
        path. Variables that only predict the outcome (precision covariates) are not
        confounders and are not in it; adding them keeps the set sufficient.

        Parameters
        ----------
        exposure, outcome : str
            Nodes of the diagram.
        observed : iterable of str, optional
            The nodes the data hold; default every node not declared latent.
        effect : {"total", "direct"}
            ``"total"``: the effect of the exposure, by the backdoor criterion (mediators are
            never adjusted for). ``"direct"``: the effect not through any mediator, by the
            single-door criterion (the set holds the mediators).
        mediators : iterable of str, optional
            With ``effect="direct"``: the mediators to adjust for, which must lie on every
            indirect path (the direct effect "not through glute strength" holds glute strength
            itself, not a later mediator that would also block the path). Default: any.

        Returns
        -------
        tuple of str
            In node order (empty when nothing needs adjusting for).

        Raises
        ------
        InputError
            When no set of observed nodes suffices: the message names what is missing.

        Examples
        --------
        >>> STUDY_DAG.adjustment_set("arm", "hamstring_cramps")
        ()
        >>> chain = Dag(("x", "m", "w", "y"), (("x", "m"), ("m", "w"), ("w", "y"), ("x", "y")))
        >>> chain.adjustment_set("x", "y", effect="direct", mediators=["m"])
        ('m',)
        >>> observed = set(STUDY_DAG.nodes) - {"age", "cramp_proneness"}
        >>> STUDY_DAG.adjustment_set("sitting_h_day", "hamstring_cramps", observed=observed)
        Traceback (most recent call last):
        ...
        glute_study.errors.InputError: no set of observed variables identifies the total effect \
of 'sitting_h_day' on 'hamstring_cramps' in the causal diagram: a path through age is open and \
it is not observed. Measure it, or state the effect as not identified.
        """
        self._check_effect(exposure, outcome, effect)
        forced = self._check_mediators(exposure, outcome, effect, mediators)
        seen = self._observed(observed)
        sets = self._minimal(exposure, outcome, seen, effect, forced)
        if not sets:
            hidden = [n for n in self.ancestors({exposure, outcome}) if n not in seen]
            needed = [n for n in hidden
                      if self._minimal(exposure, outcome, seen | {n}, effect, forced)]
            if needed:
                where = (f"a path through {' or '.join(needed)} is open and "
                         f"{'it is' if len(needed) == 1 else 'they are'} not observed")
            elif hidden:
                where = f"paths through the unobserved {', '.join(hidden)} stay open"
            else:
                where = "a path cannot be blocked without opening another"
            raise InputError(f"no set of observed variables identifies the {effect} effect of "
                             f"{exposure!r} on {outcome!r} in the causal diagram: {where}. "
                             "Measure it, or state the effect as not identified.")
        parents = set(self.parents(exposure))
        position = {n: i for i, n in enumerate(self.nodes)}
        return min(sets, key=lambda s: (-len(parents & set(s)), len(s),
                                        [position[n] for n in s]))

    # ------------------------------------------------------------------ output

    def to_dagitty(self, *, exposure: str | None = None, outcome: str | None = None) -> str:
        """The diagram in dagitty's text syntax (``dag { ... }``), for R's ``dagitty()``.

        Examples
        --------
        >>> print(Dag(("x", "y"), (("x", "y"),)).to_dagitty(exposure="x"))
        dag {
        x [exposure]
        y
        x -> y
        }
        """
        self._check_nodes(exposure, outcome)

        def tag(node: str) -> str:
            role = ("exposure" if node == exposure else "outcome" if node == outcome
                    else "latent" if node in self.latent else "")
            return f"{node} [{role}]" if role else node

        lines = ["dag {", *map(tag, self.nodes), *(f"{a} -> {b}" for a, b in self.edges), "}"]
        return "\n".join(lines)

    def to_dot(self) -> str:
        """The diagram in Graphviz DOT (latent nodes dashed), for drawing.

        Examples
        --------
        >>> print(Dag(("x", "y"), (("x", "y"),), latent={"y"}).to_dot())
        digraph {
          "x";
          "y" [style=dashed];
          "x" -> "y";
        }
        """
        nodes = [f'  "{n}"' + (" [style=dashed];" if n in self.latent else ";")
                 for n in self.nodes]
        edges = [f'  "{a}" -> "{b}";' for a, b in self.edges]
        return "\n".join(["digraph {", *nodes, *edges, "}"])


def _listed(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def describe_adjustment(dag: Dag, exposure: str, outcome: str, *, adjust: Iterable[str],
                        effect: str = "total") -> str:
    """A sentence for methods: what was adjusted for, why, and which mediators were not.

    Parameters
    ----------
    dag : Dag
        The causal diagram the set comes from.
    exposure, outcome : str
        Nodes of the diagram.
    adjust : iterable of str
        The covariates adjusted for (usually :meth:`Dag.adjustment_set`).
    effect : {"total", "direct"}
        The effect the set is meant to identify; the sentence says which.

    Raises
    ------
    InputError
        When ``adjust`` does not identify that effect in ``dag``.

    Examples
    --------
    >>> adjust = STUDY_DAG.adjustment_set("sitting_h_day", "hamstring_cramps")
    >>> describe_adjustment(STUDY_DAG, "sitting_h_day", "hamstring_cramps", adjust=adjust)
    "The total effect of device-measured sitting on hamstring cramps was adjusted for age and \
sex (a minimal sufficient set by the backdoor criterion on the study's causal diagram); glute \
strength and glute strength at post-test, mediators, were not adjusted for."
    >>> direct = STUDY_DAG.adjustment_set("sitting_h_day", "hamstring_cramps", effect="direct")
    >>> describe_adjustment(STUDY_DAG, "sitting_h_day", "hamstring_cramps", adjust=direct,
    ...                     effect="direct")
    "The direct effect of device-measured sitting on hamstring cramps not through glute strength \
and glute strength at post-test was estimated adjusted for age, sex and glute strength \
(single-door criterion on the study's causal diagram); it is not the effect of device-measured \
sitting."
    """
    adjust = dag._sorted(_as_set(adjust))
    if not dag.is_adjustment_set(exposure, outcome, adjust, effect=effect):
        raise InputError(f"adjusting for {list(adjust)} does not identify the {effect} effect "
                         f"of {exposure!r} on {outcome!r} in the causal diagram; use "
                         f"adjustment_set(..., effect={effect!r}).")
    x, y = label(exposure, unit=False, mid=True), label(outcome, unit=False, mid=True)
    names = _listed([label(n, unit=False, mid=True) for n in adjust]) or "nothing"
    mediators = dag.mediators(exposure, outcome)
    through = _listed([label(n, unit=False, mid=True) for n in mediators])
    if effect == "direct":
        return (f"The direct effect of {x} on {y} not through {through or 'any mediator'} was "
                f"estimated adjusted for {names} (single-door criterion on the study's causal "
                f"diagram); it is not the effect of {x}.")
    sentence = (f"The total effect of {x} on {y} was adjusted for {names} (a minimal sufficient "
                "set by the backdoor criterion on the study's causal diagram)")
    if mediators:
        verb = "a mediator, was" if len(mediators) == 1 else "mediators, were"
        sentence += f"; {through}, {verb} not adjusted for"
    return sentence + "."


#: The causal model of :mod:`glute_study.simulate`, nodes named as the analysis-table columns.
#: Each node stands for what its column measures (``sitting_h_day``: the athlete's usual daily
#: sitting; measurement noise is not drawn). Edges whose effect the simulator lets the user set
#: are drawn whatever the scenario (``sitting_h_day -> hamstring_cramps``, the direct path, is off
#: by default; the null scenario sets the claim's edges to no effect). ``cramp_proneness`` is the
#: athlete's latent frailty shared by hamstring and other cramps; ``team`` the team's random
#: effect on both cramp rates. A randomised ``arm`` has no causes (in a cluster trial teams are
#: randomised, independently of their effect). Left out: columns the simulator draws unrelated
#: to the rest or that only describe the measurement (sport, level, follow-up days, valid days,
#: prolonged sitting, breaks). ``tests/test_causal.py`` checks these parents against the
#: simulator.
STUDY_DAG = Dag(
    nodes=("age", "sex", "prior_cramps", "prior_hamstring_injury", "team", "arm", "exposure_h",
           "sitting_h_day", "self_report_sitting_h_day", "glute_nm_kg", "glute_nm_kg_post",
           "bridge_reps", "glute_onset_delay_ms", "glute_pct_mvic", "body_mass_kg", "height_cm",
           "cramp_proneness", "hamstring_cramps", "cramps"),
    edges=(
        ("age", "prior_cramps"), ("age", "sitting_h_day"),
        ("sex", "sitting_h_day"), ("sex", "glute_nm_kg"), ("sex", "body_mass_kg"),
        ("sex", "height_cm"),
        ("sitting_h_day", "self_report_sitting_h_day"), ("sitting_h_day", "glute_nm_kg"),
        ("sitting_h_day", "glute_onset_delay_ms"),
        ("glute_nm_kg", "glute_nm_kg_post"), ("arm", "glute_nm_kg_post"),
        ("glute_nm_kg", "bridge_reps"), ("glute_nm_kg", "glute_pct_mvic"),
        ("age", "hamstring_cramps"), ("sex", "hamstring_cramps"),
        ("prior_cramps", "hamstring_cramps"), ("prior_hamstring_injury", "hamstring_cramps"),
        ("glute_nm_kg", "hamstring_cramps"), ("sitting_h_day", "hamstring_cramps"),
        ("glute_nm_kg_post", "hamstring_cramps"), ("arm", "hamstring_cramps"),
        ("exposure_h", "hamstring_cramps"),
        ("team", "hamstring_cramps"), ("cramp_proneness", "hamstring_cramps"),
        ("hamstring_cramps", "cramps"), ("age", "cramps"), ("sex", "cramps"),
        ("prior_cramps", "cramps"), ("exposure_h", "cramps"), ("team", "cramps"),
        ("cramp_proneness", "cramps"),
    ),
    latent=frozenset({"cramp_proneness"}),
)

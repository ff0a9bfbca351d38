"""The exact model: an integer programme solved stage by stage with HiGHS.

:func:`_exact` maximises the ranking one term at a time (urgent on time, high on time, on time,
placed, then earliest days), fixing each optimum for the next stage; see
:meth:`revisitkit.staffing.scheduler.Scheduler.solve_exact`. For small instances: it checks the
heuristic and, in ``solve(method="auto")``, takes over when it is better.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from revisitkit.staffing.scheduler.problem import _EPS, _Problem


@dataclass
class _Exact:
    day: np.ndarray
    persons: list[tuple[int, ...]]
    needs: list[tuple[float, ...]]
    status: str
    n_variables: int
    #: whether the wall-clock limit cut a stage short (its result depends on the machine)
    timed_out: bool = False


def _count_variables(pb: _Problem) -> int:
    """An upper bound of the exact model's binary variables (cheap: no per-person work)."""
    days = np.maximum(0, pb.n_days - np.maximum(pb.release, 0))
    per_day = np.array([1 + sum(b - a for _, a, b, _ in spec) for spec in pb.team])
    return int((days * per_day).sum())


def _exact(
    pb: _Problem, time_limit: float, earliest: bool = True, node_limit: int | None = None
) -> _Exact:
    """Solve the staged model within ``time_limit`` seconds in all; ``node_limit``: most
    branch-and-bound nodes per stage, a count and so the same on any machine (a stage that
    reaches it keeps its best solution, a deterministic one)."""
    # here, not at the top: importing scipy.optimize takes ≈0.5 s (measured), paid only when
    # a model is solved (the heuristic alone never needs it)
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    T, D = pb.n_tasks, pb.n_days
    # variables: y[t, d] then x[t, p, d]
    y_index: dict[tuple[int, int], int] = {}
    x_vars: list[tuple[int, int, int, float, int]] = []  # (t, p, d, need, variable)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lb: list[float] = []
    ub: list[float] = []
    n = 0

    def add_row(entries: list[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(lb)
        for c, v in entries:
            rows.append(r)
            cols.append(c)
            vals.append(v)
        lb.append(lo)
        ub.append(hi)

    cover: list[tuple[int, list[int], int]] = []  # (y var, x vars, count)
    for t in range(T):
        needs = [
            (r, a, b, k, np.broadcast_to(pb.need(t, a, b), (b - a,))) for r, a, b, k in pb.team[t]
        ]
        for d in range(max(int(pb.release[t]), 0), D):
            if not pb.working[d]:
                continue
            groups = []
            for _, a, b, k, need in needs:
                ok = np.flatnonzero(pb.cap[a:b, d] >= need - _EPS)
                if len(ok) < k:
                    groups = None
                    break
                groups.append((a, k, ok, need))
            if groups is None:
                continue
            y = n
            n += 1
            y_index[(t, d)] = y
            for a, k, ok, need in groups:
                xs = []
                for i in ok.tolist():
                    x_vars.append((t, a + i, d, float(need[i]), n))
                    xs.append(n)
                    n += 1
                cover.append((y, xs, k))
    n_vars = n
    if n_vars == 0:
        return _Exact(np.full(T, -1), [()] * T, [()] * T, "optimal", 0)

    for y, xs, k in cover:  # Σ x of the role = count × y
        add_row([(x, 1.0) for x in xs] + [(y, -float(k))], 0.0, 0.0)
    per_task: dict[int, list[int]] = {}
    for (t, _), y in y_index.items():
        per_task.setdefault(t, []).append(y)
    for ys in per_task.values():  # at most one day
        add_row([(y, 1.0) for y in ys], 0.0, 1.0)
    capacity: dict[tuple[int, int], list[tuple[int, float]]] = {}
    for _, p, d, need, x in x_vars:
        capacity.setdefault((p, d), []).append((x, need))
    for (p, d), entries in capacity.items():
        if sum(v for _, v in entries) > pb.cap[p, d] + _EPS:
            add_row(entries, -np.inf, float(pb.cap[p, d]))
    for f in np.flatnonzero(pb.pred >= 0).tolist():  # follow-ups
        g = int(pb.pred[f])
        g_days = {d: y for (t, d), y in y_index.items() if t == g}
        for (t, d), y in y_index.items():
            if t != f:
                continue
            first = 0 if pb.within[f] < 0 else d - int(pb.within[f])
            earlier = [(yg, -1.0) for dg, yg in g_days.items() if first <= dg < d]
            add_row([(y, 1.0)] + earlier, -np.inf, 0.0)

    A = coo_matrix((vals, (rows, cols)), shape=(len(lb), n_vars)).tocsr()
    base = [LinearConstraint(A, np.array(lb), np.array(ub))]

    on_vec = np.zeros(n_vars)
    for (t, d), y in y_index.items():
        if d <= pb.deadline[t]:
            on_vec[y] = 1.0
    urgent_vec = on_vec.copy()
    high_vec = on_vec.copy()
    for (t, _), y in y_index.items():
        if not pb.urgent[t]:
            urgent_vec[y] = 0.0
        if pb.priority[t] != 0:
            high_vec[y] = 0.0
    placed_vec = np.zeros(n_vars)
    placed_vec[list(y_index.values())] = 1.0
    day_vec = np.zeros(n_vars)
    for (_, d), y in y_index.items():
        day_vec[y] = d

    stages = [
        ("urgent on time", -urgent_vec),
        ("high on time", -high_vec),
        ("on time", -on_vec),
        ("placed", -placed_vec),
    ]
    if earliest:
        stages.append(("earliest days", day_vec))
    integrality = np.ones(n_vars)
    bounds = Bounds(np.zeros(n_vars), np.ones(n_vars))
    constraints = list(base)
    deadline_at = time.monotonic() + time_limit
    status = "optimal"
    timed_out = False
    solution = np.zeros(n_vars)  # nothing placed: feasible, the start of every stage
    for name, c in stages:
        if not c.any():
            continue
        left = deadline_at - time.monotonic()
        if left <= 0:
            status = f"time limit reached before stage {name!r}; best found so far"
            timed_out = True
            break
        options: dict = {"time_limit": left, "mip_rel_gap": 0.0, "presolve": True}
        if node_limit is not None:
            options["node_limit"] = int(node_limit)
        res = milp(
            c, integrality=integrality, bounds=bounds, constraints=constraints, options=options
        )
        if res.status != 0:
            nodes = getattr(res, "mip_node_count", None)
            by_nodes = node_limit is not None and nodes is not None and nodes >= node_limit
            timed_out = res.status == 1 and not by_nodes
            why = f"node limit {node_limit:,} reached" if by_nodes else res.message
            status = f"stage {name!r}: {why}; best found so far"
            if res.x is not None:
                solution = res.x
            break
        solution = res.x
        # fix this stage's optimum (integral) for the next ones
        value = math.floor(float(c @ res.x) + 0.5)
        constraints.append(LinearConstraint(c[None, :], -np.inf, value + 0.5))
    day = np.full(T, -1, dtype=np.int64)
    persons: list[list[int]] = [[] for _ in range(T)]
    needs: list[list[float]] = [[] for _ in range(T)]
    if n_vars:
        for (t, d), y in y_index.items():
            if solution[y] > 0.5:
                day[t] = d
        for t, p, d, need, x in x_vars:
            if solution[x] > 0.5 and day[t] == d:
                persons[t].append(p)
                needs[t].append(need)
    return _Exact(
        day, [tuple(p) for p in persons], [tuple(m) for m in needs], status, n_vars, timed_out
    )

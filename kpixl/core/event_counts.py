"""Event counts for the expressions (``count``, ``qty``, ``dept_count``, ``team_count``): one sparse
table of the (employee, rule) pairs that occur per run, a masked sum per pattern set; and the
event rows' positions that prepare_events found (issue 8). A part of :class:`~kpixl.core.context.Context`."""

from __future__ import annotations

import fnmatch
from decimal import Decimal

import numpy as np
import pandas as pd

from .frames import filled
from .keyed import pair_sums
from .numbers import ZERO


class EventCounts:
    """The event-count methods of the scoring context (its ``events``, ``ids``, ``scheme`` and
    the caches ``_counts``, ``_group_counts``, ``_patterns``, ``_count_refs`` it sets up, and its ``groups_by``/``group_of``)."""

    def matching_rules(self, patterns: tuple[str, ...]) -> frozenset[str]:
        """Rule codes of the scheme that match any pattern (``ATT_*`` wildcards allowed)."""
        hit = self._patterns.get(patterns)
        if hit is None:
            hit = frozenset(c for c in self.scheme.rules if any(fnmatch.fnmatchcase(c, p) for p in patterns))
            self._patterns[patterns] = hit
        return hit

    def counts(self, patterns: tuple[str, ...], measure: str = "rows") -> dict[str, Decimal]:
        """Per employee: the number of the period's valid event rows (or their summed qty) that match."""
        return self._count_table(patterns, measure)[0]

    def count_column(self, patterns: tuple[str, ...], measure: str = "rows") -> np.ndarray:
        """:meth:`counts` as an object array over ``ids`` (ZERO where no row matches)."""
        made = self._count_table(patterns, measure)
        if made[1] is None:
            by_emp = made[0]
            made[1] = np.array([by_emp.get(e, ZERO) for e in self.ids], dtype=object) if by_emp else filled(len(self.ids), ZERO)
        return made[1]

    def _count_table(self, patterns: tuple[str, ...], measure: str) -> list:
        """[counts by employee, the same over ``ids`` or None], made once per pattern set and measure."""
        key = (patterns, measure)
        hit = self._counts.get(key)
        if hit is None:
            hit = [{}, None]
            table = self._rule_counts()
            if table is not None:
                emps, rules, pair_emp, pair_rule, pair_rows, pair_qty = table
                wanted = np.array([r in self.matching_rules(patterns) for r in rules], dtype=bool)
                take = wanted[pair_rule]
                if take.any():
                    who = pair_emp[take]  # sorted: the pairs are in employee order
                    starts = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
                    n = np.add.reduceat(pair_rows[take], starts)
                    q = n if measure == "rows" else np.add.reduceat(pair_qty[take], starts)
                    codes, distinct = pd.factorize(q)  # one Decimal per distinct count
                    decs = np.array([Decimal(v) if measure == "rows" else Decimal(v).scaleb(-4)
                                     for v in distinct.tolist()], dtype=object)[codes]
                    who = who[starts]
                    names = self.id_array if emps is self.ids else np.asarray(emps, dtype=object)
                    hit[0] = dict(zip(names[who].tolist(), decs.tolist(), strict=True))
                    if emps is self.ids:  # the pairs' employees are positions in ids
                        hit[1] = filled(len(self.ids), ZERO)
                        hit[1][who] = decs
            self._counts[key] = hit
        return hit

    def _rule_counts(self):
        """Event rows and summed qty units per (employee, rule) pair that occurs, in employee order:
        (employees, rules, pair employee, pair rule, rows, qty units), exact integers made once per
        run; a pattern set is then one masked sum. Linear in the events (no employee x rule grid)."""
        ev = self.events
        made = self.__dict__.get("_rule_table")
        if made is not None and made[0] is ev:  # a step may replace the events (event_prep)
            return made[1]
        cached = None
        if not ev.empty:
            known = self.event_positions()
            if known is not None:  # positions in ids and the scheme's rules, from prepare_events
                (e, r), emps, rules = known, self.ids, self.rule_codes.tolist()
            else:
                e, emps = pd.factorize(ev["employee"])
                r, rules = pd.factorize(ev["rule"])
            key = e.astype("int64") * len(rules) + r
            qty = ev["qty_units"].to_numpy(dtype="int64")
            pairs, (rows, qty) = pair_sums(key, len(emps) * len(rules), [np.ones(len(key), dtype="int64"), qty])
            cached = (list(emps), list(rules), pairs // len(rules), pairs % len(rules), rows, qty)
        self._rule_table = (ev, cached)
        return cached

    def event_positions(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Each event row's position in ``ids`` and in the scheme's rules, as prepare_events found
        them; None for events without them (a frame a test built) or where they do not name the
        row's own employee and rule (checked once per events frame, a cheap pass)."""
        ev = self.events
        made = self.__dict__.get("_event_positions")
        if made is not None and made[0] is ev:
            return made[1]
        found = None
        if "emp_pos" in ev and "rule_pos" in ev and len(ev):
            e, r = ev["emp_pos"].to_numpy(dtype="int64"), ev["rule_pos"].to_numpy(dtype="int64")
            ids, codes = self.id_array, self.rule_codes
            if 0 <= e.min() and e.max() < len(ids) and 0 <= r.min() and r.max() < len(codes) \
                    and (ids[e] == ev["employee"].to_numpy(dtype=object)).all() \
                    and (codes[r] == ev["rule"].to_numpy(dtype=object)).all():
                found = (e, r)
        self._event_positions = (ev, found)
        return found

    def count(self, employee: str, patterns: tuple[str, ...], measure: str = "rows") -> Decimal:
        return self.counts(patterns, measure).get(employee, ZERO)

    def group_count(self, attribute: str, employee: str, patterns: tuple[str, ...], measure: str = "rows") -> Decimal:
        """The same count summed over every member of the employee's group (department, team)."""
        return self._group_totals(attribute, patterns, measure).get(self.group_of(attribute, employee), ZERO)

    def group_count_column(self, attribute: str, patterns: tuple[str, ...], measure: str = "rows") -> np.ndarray:
        """:meth:`group_count` of every employee, as an object array over ``ids``."""
        totals = self._group_totals(attribute, patterns, measure)
        group_of = self.group_of
        return np.array([totals.get(group_of(attribute, e), ZERO) for e in self.ids], dtype=object)

    def _group_totals(self, attribute: str, patterns: tuple[str, ...], measure: str) -> dict:
        key = (attribute, patterns, measure)
        totals = self._group_counts.get(key)
        if totals is None:
            per = self.counts(patterns, measure)
            totals = {g: sum((per.get(m, ZERO) for m in ms), ZERO) for g, ms in self.groups_by(attribute).items()}
            self._group_counts[key] = totals
        return totals

    def count_sources(self, employee: str, patterns: tuple[str, ...]) -> list[str]:
        """Cells of the event rows ``count``/``qty`` read for one employee (indexed once per pattern set)."""
        index = self._count_refs.get(patterns)
        if index is None:
            index = ({}, np.array([], dtype=object))
            ev = self.events
            if not ev.empty:
                sub = ev[ev["rule"].isin(self.matching_rules(patterns))]
                if not sub.empty:
                    table = self.inputs.events
                    letter = table.letters.get("rule", "C")
                    rows = sub["xl_row"].astype("int64").astype(str)
                    refs = (f"{table.name}!{letter}" + rows) if table.name == table.en else (
                        f"{table.name}!{letter}" + rows + f" / {table.en}!{letter}" + rows)
                    codes, uniques = pd.factorize(sub["employee"].to_numpy(dtype=object))
                    order = np.argsort(codes, kind="stable")
                    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
                    spans = {u: (int(bounds[i]), int(bounds[i + 1])) for i, u in enumerate(uniques)}
                    index = (spans, refs.to_numpy(dtype=object)[order])
            self._count_refs[patterns] = index
        spans, refs = index
        span = spans.get(employee)
        return refs[span[0]:span[1]].tolist() if span else []

"""Disjoint sets over integer ids (union-find), shared by the lattice and stream grid builders.

A table's lines that cross, and the atomic cells a missing ruling merges,
are both groups found this way.
"""

from __future__ import annotations

from collections import defaultdict


def find(parent: list[int], k: int) -> int:
    """The representative of ``k``'s set (with path halving)."""
    while parent[k] != k:
        parent[k] = parent[parent[k]]
        k = parent[k]
    return k


def union(parent: list[int], a: int, b: int) -> None:
    """Join the sets of ``a`` and ``b``."""
    parent[find(parent, a)] = find(parent, b)


def groups(parent: list[int]) -> list[list[int]]:
    """Every set, as its members in increasing order."""
    out: dict[int, list[int]] = defaultdict(list)
    for k in range(len(parent)):
        out[find(parent, k)].append(k)
    return list(out.values())


def close_rectangles(parent: list[int], n_rows: int, n_cols: int) -> dict[int, list[int]]:
    """Sets of the slots of an ``n_rows`` x ``n_cols`` grid (id ``row * n_cols + col``), joined
    until each fills its bounding rectangle (an L of merged slots becomes one cell, never a cell
    overlapping another); as {representative: members}."""
    while True:
        sets: dict[int, list[int]] = {}
        for k in range(n_rows * n_cols):
            sets.setdefault(find(parent, k), []).append(k)
        changed = False
        for root, members in sets.items():
            rows = [m // n_cols for m in members]
            cols = [m % n_cols for m in members]
            box = [r * n_cols + c for r in range(min(rows), max(rows) + 1) for c in range(min(cols), max(cols) + 1)]
            if len(box) != len(members):
                for slot in box:
                    union(parent, root, slot)
                changed = True
        if not changed:
            return sets

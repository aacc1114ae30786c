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

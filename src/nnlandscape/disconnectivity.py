"""Disconnectivity graphs (Becker & Karplus 1997) from minima energies and the saddles between them.

Plain arrays in: energies (m,) of the minima and a symmetric matrix (m, m) of the lowest known
saddle energy between each pair (inf where no path was computed). Two minima belong to one
superbasin at level E when a chain of saddles below E joins them; the lowest such level between two
minima is the largest saddle on their path in the minimum spanning tree of the saddle matrix
(minimax path), so the tree holds the whole graph. Nothing here knows networks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def spanning_tree(saddle: np.ndarray) -> np.ndarray:
    """Edges (m-c, 3) ``[i, j, saddle energy]`` of the minimum spanning forest of the saddle matrix
    (c connected components), ordered by saddle energy. Infinite entries are no edge."""
    s = np.asarray(saddle, np.float64)
    if s.ndim != 2 or s.shape[0] != s.shape[1]:
        raise ValueError(f"saddle matrix must be square, got shape {s.shape}")
    if not np.allclose(np.where(np.isfinite(s), s, 0), np.where(np.isfinite(s.T), s.T, 0)):
        raise ValueError("saddle matrix must be symmetric")
    finite = np.isfinite(s) & ~np.eye(len(s), dtype=bool)
    if not finite.any():
        return np.zeros((0, 3))
    from scipy.sparse.csgraph import minimum_spanning_tree  # here: path_stats imports this module

    # scipy reads 0 as "no edge": shift the weights to be positive (the tree does not change)
    shift = 1.0 - s[finite].min()
    weights = np.where(finite, s + shift, 0.0)
    tree = minimum_spanning_tree(np.triu(weights)).tocoo()
    edges = np.column_stack([tree.row, tree.col, tree.data - shift]).astype(np.float64)
    return edges[np.argsort(edges[:, 2], kind="stable")]


@dataclass(frozen=True)
class Joins:
    """Merges of superbasins, lowest first: like a linkage matrix, new node m + r for merge r."""

    left: np.ndarray  # (r,) node ids (minima 0..m-1, merges m..)
    right: np.ndarray  # (r,)
    level: np.ndarray  # (r,) energy at which they join (the saddle's, never below either basin)


def superbasin_joins(energies: np.ndarray, saddle: np.ndarray) -> Joins:
    """Join superbasins in order of the spanning tree's saddles (single linkage on saddle energy).

    A saddle below one of its minima (a band that found no barrier) joins at that minimum's energy.
    """
    e = np.asarray(energies, np.float64)
    if saddle.shape != (e.size, e.size):
        raise ValueError(f"saddle matrix shape {saddle.shape} does not match {e.size} energies")
    parent = list(range(e.size))
    node = list(range(e.size))  # current node id of each union-find root
    bottom = list(e)  # a merged node sits no lower than its highest minimum

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    left, right, level = [], [], []
    for i, j, s in spanning_tree(saddle):
        a, b = root(int(i)), root(int(j))
        if a == b:
            continue
        h = max(s, bottom[a], bottom[b])
        left.append(node[a])
        right.append(node[b])
        level.append(h)
        parent[b] = a
        node[a] = e.size + len(level) - 1
        bottom[a] = h
    return Joins(np.asarray(left, np.int64), np.asarray(right, np.int64), np.asarray(level))


def minimax_saddles(energies: np.ndarray, saddle: np.ndarray) -> np.ndarray:
    """(m, m) level at which each pair of minima first shares a superbasin (inf: never)."""
    m = len(energies)
    joins = superbasin_joins(energies, saddle)
    members = {i: [i] for i in range(m)}
    out = np.full((m, m), np.inf)
    np.fill_diagonal(out, np.asarray(energies, np.float64))
    for r, (a, b, h) in enumerate(zip(joins.left, joins.right, joins.level, strict=True)):
        la, lb = members.pop(int(a)), members.pop(int(b))
        out[np.ix_(la, lb)] = h
        out[np.ix_(lb, la)] = h
        members[m + r] = la + lb
    return out


def graph_layout(energies: np.ndarray, joins: Joins) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal positions of the leaves (m,) and of the merge nodes (r,) for drawing: leaves in
    tree order so that branches never cross, a merge above the middle of its two children."""
    m = len(energies)
    children = {m + r: (int(a), int(b)) for r, (a, b) in enumerate(zip(joins.left, joins.right,
                                                                          strict=True))}
    merged = set(children)
    tops = [n for n in range(m + len(joins.level)) if n not in
            {c for pair in children.values() for c in pair}]
    order: list[int] = []

    def leaves(n: int) -> None:
        stack = [n]
        while stack:
            cur = stack.pop()
            if cur in merged:
                stack.extend(reversed(children[cur]))
            else:
                order.append(cur)

    for top in sorted(tops, key=lambda n: -1 if n in merged else n):
        leaves(top)
    x = np.empty(m + len(joins.level))
    x[np.asarray(order, np.int64)] = np.arange(m, dtype=np.float64)
    for n in sorted(children):
        a, b = children[n]
        x[n] = 0.5 * (x[a] + x[b])
    return x[:m], x[m:]

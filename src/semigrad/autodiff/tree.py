"""Nested containers of arrays ("pytrees"): tuples, lists and dicts of leaves.

Transforms accept arguments and return results of this shape; gradients
mirror the structure of the argument they belong to.
"""

from __future__ import annotations


def flatten(tree) -> tuple[list, object]:
    """Leaves in order, and a description of the structure to rebuild it."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves):
    if isinstance(tree, tuple | list):
        return (type(tree), [_flatten(t, leaves) for t in tree])
    if isinstance(tree, dict):
        return (dict, [(k, _flatten(v, leaves)) for k, v in tree.items()])
    leaves.append(tree)
    return None


def unflatten(spec, leaves) -> object:
    """Rebuild the structure described by ``spec`` from ``leaves``."""
    if spec is None:
        return leaves[0]
    it = iter(leaves)
    return _unflatten(spec, it)


def _unflatten(spec, it):
    if spec is None:
        return next(it)
    kind, children = spec
    if kind is dict:
        return {k: _unflatten(c, it) for k, c in children}
    items = [_unflatten(c, it) for c in children]
    return kind(items) if kind in (tuple, list) else kind(*items)

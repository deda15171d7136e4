"""The Merkle tree of RFC 9162 §2.1 over the sequenced audit entries.

Leaves are `SHA-256(0x00 || entry)`, inner nodes `SHA-256(0x01 || left || right)`, and a
tree of n leaves splits at the largest power of two below n. The log stores every
*complete* subtree once it is full (level `l`, index `i` covers leaves
`[i·2^l, (i+1)·2^l)`), so the hash of any range that the RFC's recursion asks for is a
handful of stored nodes combined, and proofs cost O(log n) whatever the size.

The functions here are pure: they take a `nodes` mapping (or a callable to look nodes up)
and know nothing of the database. The verifiers are the RFC's own algorithms
(§2.1.3.2 and §2.1.4.2); `onceonly audit check-proof` and `verify --from-checkpoint` use
them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

Node = tuple[int, int]  # (level, index)
Lookup = Callable[[Node], bytes]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _perfect(a: int, b: int) -> Node | None:
    """The stored node that covers exactly [a, b), if the range is one."""
    size = b - a
    if size & (size - 1) == 0 and a % size == 0:
        return size.bit_length() - 1, a // size
    return None


def range_nodes(a: int, b: int) -> list[Node]:
    """The complete subtrees whose hashes make MTH(D[a:b]), left to right."""
    node = _perfect(a, b)
    if node is not None:
        return [node]
    k = split(b - a)
    return range_nodes(a, a + k) + range_nodes(a + k, b)


def range_hash(a: int, b: int, lookup: Lookup) -> bytes:
    """MTH(D[a:b]) from the stored complete subtrees."""
    if a == b:
        return EMPTY_ROOT
    node = _perfect(a, b)
    if node is not None:
        return lookup(node)
    k = split(b - a)
    return node_hash(range_hash(a, a + k, lookup), range_hash(a + k, b, lookup))


def root_nodes(size: int) -> list[Node]:
    return range_nodes(0, size) if size else []


# Proofs: which ranges they are made of, so that callers can fetch every node at once.


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1 as the ranges whose hashes it lists."""
    out: list[tuple[int, int]] = []
    a, b = 0, size
    while b - a > 1:
        k = split(b - a)
        if index < a + k:
            out.append((a + k, b))
            b = a + k
        else:
            out.append((a, a + k))
            a = a + k
    return out[::-1]  # the RFC lists the path from the leaf up


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1 as ranges (empty when m == n)."""
    if first in (0, second):
        return []
    out: list[tuple[int, int]] = []
    a, b, m, whole = 0, second, first, True
    while True:
        n = b - a
        if m == n:
            if not whole:
                out.append((a, b))
            break
        k = split(n)
        if m <= k:
            out.append((a + k, b))
            b = a + k
        else:
            out.append((a, a + k))
            a, m, whole = a + k, m - k, False
    return out[::-1]


def nodes_for(ranges: Iterable[tuple[int, int]]) -> set[Node]:
    return {node for a, b in ranges for node in range_nodes(a, b)}


def hashes_for(ranges: Sequence[tuple[int, int]], lookup: Lookup) -> list[bytes]:
    return [range_hash(a, b, lookup) for a, b in ranges]


# Verifiers (RFC 9162 §2.1.3.2 and §2.1.4.2).


def _lsb(x: int) -> int:
    return x & 1


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if _lsb(fn) or fn == sn:
            r = node_hash(p, r)
            if not _lsb(fn):
                while not _lsb(fn) and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> bool:
    if first == second:
        return not path and first_root == second_root
    if first == 0:
        return not path  # the empty tree is a prefix of every tree
    if first > second or not path:
        return False
    proof = list(path)
    if first & (first - 1) == 0:
        proof.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while _lsb(fn):
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if _lsb(fn) or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not _lsb(fn):
                while not _lsb(fn) and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


def build_levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """Every complete subtree over `leaves` (level 0 = the leaves), in memory."""
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return levels


def lookup_in(levels: Sequence[Sequence[bytes]]) -> Lookup:
    return lambda node: levels[node[0]][node[1]]

from __future__ import annotations

import numpy as np
import pytest

from desktop.compose.metrics import recall_at_k, recall_subset_at_k, target_ranks

# Four unit gallery vectors at known angles; query q scores g0 > g1 > g2 > g3.
ANGLES = np.deg2rad([0.0, 20.0, 40.0, 60.0])
GALLERY = np.stack([np.cos(ANGLES), np.sin(ANGLES)], axis=1).astype(np.float32)
QUERY = np.array([[1.0, 0.0]], np.float32)


def test_ranks_follow_similarity() -> None:
    queries = np.repeat(QUERY, 4, axis=0)
    np.testing.assert_array_equal(target_ranks(queries, GALLERY, np.arange(4)), [0, 1, 2, 3])


def test_recall_at_k_known_ranks() -> None:
    queries = np.repeat(QUERY, 4, axis=0)
    got = recall_at_k(queries, GALLERY, np.arange(4), ks=(1, 2, 3, 4))
    assert got == {"recall@1": 0.25, "recall@2": 0.5, "recall@3": 0.75, "recall@4": 1.0}


def test_excluding_the_reference_moves_the_target_up() -> None:
    # Target g2 has rank 2; excluding g0 (the reference) makes it rank 1, excluding g0 and g1 rank 0.
    assert recall_at_k(QUERY, GALLERY, np.array([2]), ks=(1, 2))["recall@2"] == 0.0
    assert recall_at_k(QUERY, GALLERY, np.array([2]), np.array([0]), ks=(1, 2)) == {"recall@1": 0.0, "recall@2": 1.0}
    assert recall_at_k(QUERY, GALLERY, np.array([2]), [{0, 1}], ks=(1,)) == {"recall@1": 1.0}
    assert recall_at_k(QUERY, GALLERY, np.array([2]), np.array([-1]), ks=(2,)) == {"recall@2": 0.0}


def test_ties_count_against_the_query() -> None:
    same = np.ones((3, 2), np.float32) / np.sqrt(2)
    assert recall_at_k(same[:1], same, np.array([0]), ks=(1, 3)) == {"recall@1": 0.0, "recall@3": 1.0}


def test_target_cannot_be_excluded() -> None:
    with pytest.raises(ValueError):
        recall_at_k(QUERY, GALLERY, np.array([0]), np.array([0]))


def test_recall_subset_ranks_among_members_only() -> None:
    queries = np.repeat(QUERY, 3, axis=0)
    targets = np.array([3, 3, 2])
    subsets = [[1, 3], [0, 1, 2, 3], [0, 2, 3]]
    # q0: only g1 beats g3 -> rank 1. q1: reference g0 excluded, g1, g2 beat g3 -> rank 2.
    # q2: reference g0 excluded, nothing beats g2 -> rank 0.
    got = recall_subset_at_k(queries, GALLERY, targets, subsets, np.array([-1, 0, 0]))
    assert got == pytest.approx({"recall_subset@1": 1 / 3, "recall_subset@2": 2 / 3, "recall_subset@3": 1.0})


def test_recall_subset_needs_the_target_in_its_subset() -> None:
    with pytest.raises(ValueError):
        recall_subset_at_k(QUERY, GALLERY, np.array([3]), [[0, 1]])

"""The survey booklets take a domain's most informative items, in blocks of equal worth."""

from __future__ import annotations

from collections import Counter

import numpy as np

from assessment.survey.simulation.booklets import (
    N_BLOCKS,
    _blocks,
    _population_information,
)
from psychometrics import ItemParameters


def test_blocks_keep_the_best_items_of_every_area_and_deal_them_evenly():
    # two areas, items listed most informative first (the id is the rank within an area)
    by_area = {"a": [1, 2, 3, 4, 5, 6, 7, 8], "b": [11, 12, 13, 14, 15, 16, 17]}
    ids = _blocks(by_area, need=12)
    assert len(ids) == len(set(ids)) == 12
    # the six best of each area, none of the weaker ones
    assert set(ids) == {1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16}
    blocks = [ids[k * 4 : (k + 1) * 4] for k in range(N_BLOCKS)]
    for block in blocks:  # two items of each area a block
        assert Counter(x > 10 for x in block) == {False: 2, True: 2}
    # snake dealing: the best and the sixth item of an area share a block
    assert {1, 6} <= set(blocks[0]) and {11, 16} <= set(blocks[0])
    assert max(sum(b) for b in blocks) - min(sum(b) for b in blocks) == 0


def test_an_item_is_worth_what_it_tells_about_people_near_the_cut():
    params = ItemParameters.dichotomous([1.0, 2.0, 2.0], [-0.5, -0.5, 3.0])
    info = _population_information(params, cut=-0.5)
    assert info[1] > info[0] > info[2]
    assert np.all(info > 0)

"""Pausing the cycle collector while a story is built: it always resumes as it was."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from storyboard._gcpause import collector_paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


@pytest.mark.usefixtures("collector_on")
def test_the_collector_is_off_inside_and_back_on_after_even_on_error() -> None:
    with pytest.raises(ValueError), collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: the inner block leaves it to the outer
            pass
        assert not gc.isenabled()
        raise ValueError
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_a_collector_turned_off_before_stays_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_what_the_block_made_waits_for_a_full_collection() -> None:
    with collector_paused():
        made = [object()]  # a list: the collector tracks it
    # not left young, where the next collection would walk all of it to free nothing
    assert not any(found is made for found in gc.get_objects(generation=0))
    assert any(found is made for found in gc.get_objects(generation=2))


@pytest.mark.usefixtures("collector_on")
def test_a_cycle_made_in_the_block_is_still_collected() -> None:
    class Node:
        pass

    with collector_paused():
        node = Node()
        node.self = node  # type: ignore[attr-defined]
        gone = weakref.ref(node)
        del node
    gc.collect()  # not frozen for good
    assert gone() is None

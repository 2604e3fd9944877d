"""Pausing the cycle collector while a story is built: it always resumes as it was."""

from __future__ import annotations

import gc
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

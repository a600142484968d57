"""Fewer collections while a bulk job runs: the youngest generation's threshold is raised for the
block, nested and concurrent blocks keep it raised until the last ends, and the process's own
thresholds come back after."""

import gc
import threading

from liaison.core.collect import YOUNG, fewer_collections


def test_the_threshold_is_raised_inside_and_restored_after_the_last_block():
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == (max(YOUNG, before[0]), *before[1:])
        with fewer_collections():
            pass
        assert gc.get_threshold()[0] == max(YOUNG, before[0])  # the outer block still runs
    assert gc.get_threshold() == before


def test_a_block_ending_on_another_thread_leaves_it_raised_for_the_one_still_running():
    before = gc.get_threshold()
    inside, leave = threading.Event(), threading.Event()

    def job():
        with fewer_collections():
            inside.set()
            leave.wait(5)

    thread = threading.Thread(target=job)
    with fewer_collections():
        thread.start()
        inside.wait(5)
        leave.set()
        thread.join(5)
        assert gc.get_threshold()[0] == max(YOUNG, before[0])
    assert gc.get_threshold() == before


def test_collection_turned_off_stays_off():
    before = gc.get_threshold()
    gc.set_threshold(0)
    try:
        with fewer_collections():
            assert gc.get_threshold()[0] == 0
        assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)

"""The demo district's community directory: the synthetic Riverton HSDS package, imported."""

from pathlib import Path

from liaison.resources.hsds.importer import import_path

DEMO_PACKAGE = Path(__file__).resolve().parent / "data" / "riverton"


def add_demo_activity(district, staff):
    """Import the synthetic Riverton services so "find help" finds something in the demo.

    The directory is not per district; importing the same package again updates, never duplicates.
    """
    return import_path(DEMO_PACKAGE, by=staff.get("admin"))

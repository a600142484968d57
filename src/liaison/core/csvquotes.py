"""A quote left open in a CSV file: how to tell it from a value that holds a line break.

Python's CSV reader, meeting a quote that is not closed where it should be, reads on to the next
quote or to the end of the file: every line between becomes part of one cell, and the rows on
those lines are never seen. A cell with a line break is not enough to say so (an address on two
lines, a hostile value written properly quoted): a cell that holds lines looking like rows of the
file is.
"""


def looks_swallowed(cell: str, separators: int) -> bool:
    """Whether this cell holds, after its first line, a line with at least `separators` commas:
    a row of the file read into the cell."""
    lines = cell.splitlines()
    return len(lines) > 1 and any(line.count(",") >= separators for line in lines[1:])

"""Where things are: distances on the globe, and the map cells that number the listings."""

import math

EARTH_KM = 6371.0088
KM_PER_DEGREE = 111.195


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(a))


# --- where a listing sits: its id says which map cell it is in ------------------------------------
# A listing's id is its cell number times SLOT plus a serial number within the cell, with cells
# numbered row by row (south to north, west to east, CELL_DEG on a side). The listings near a
# household are then a few id ranges, which the text index (FTS5 rowids, or the primary key beside
# the GIN index on PostgreSQL) can skip to without reading the rest of the directory.

CELL_DEG = 0.02  # about 2.2 km north-south
GRID_COLUMNS = round(360 / CELL_DEG)
GRID_ROWS = round(180 / CELL_DEG) + 1
SLOT = 1 << 20  # listings one cell can hold
NOWHERE_CELL = GRID_ROWS * GRID_COLUMNS  # listings without coordinates (virtual services)
RINGS_KM = (5.0, 45.0)  # stage 1 looks this near first, and this far at most before everywhere


def cell_of(latitude, longitude) -> int:
    if latitude is None or longitude is None:
        return NOWHERE_CELL
    row = min(max(int((latitude + 90) // CELL_DEG), 0), GRID_ROWS - 1)
    column = int((longitude + 180) // CELL_DEG) % GRID_COLUMNS
    return row * GRID_COLUMNS + column


def area_sql(column: str, near: tuple[float, float], km: float) -> tuple[str, list]:
    """A condition on a listing id column: the listing lies in a cell within `km` of `near`.

    One id range for the band of cell rows (which the index seeks to) and, unless the box spans
    the globe, a test of each id's cell column."""
    lat0, lon0 = near
    dlat = km / KM_PER_DEGREE
    first_row = min(max(int((lat0 - dlat + 90) // CELL_DEG), 0), GRID_ROWS - 1)
    last_row = min(max(int((lat0 + dlat + 90) // CELL_DEG), 0), GRID_ROWS - 1)
    sql = f"{column} BETWEEN %s AND %s"
    params: list = [first_row * GRID_COLUMNS * SLOT, (last_row + 1) * GRID_COLUMNS * SLOT - 1]
    kx = KM_PER_DEGREE * math.cos(math.radians(min(abs(lat0) + dlat, 90.0)))
    dlon = km / kx if kx > 1e-6 else 360.0
    if dlon < 180:
        west = int((lon0 - dlon + 180) // CELL_DEG)
        east = int((lon0 + dlon + 180) // CELL_DEG)
        cell_column = f"({column} / {SLOT}) %% {GRID_COLUMNS}"
        if west < 0 or east >= GRID_COLUMNS:  # across the antimeridian
            sql += f" AND {cell_column} NOT BETWEEN %s AND %s"
            params += [east % GRID_COLUMNS + 1, west % GRID_COLUMNS - 1]
        else:
            sql += f" AND {cell_column} BETWEEN %s AND %s"
            params += [west, east]
    return sql, params


def id_ranges(near: tuple[float, float], km: float) -> list[tuple[int, int]]:
    """Inclusive listing id ranges covering the cells within `km` of `near`: one per row of
    cells (fewer where whole rows run together), for a B-tree on the id to OR together."""
    lat0, lon0 = near
    dlat = km / KM_PER_DEGREE
    first_row = min(max(int((lat0 - dlat + 90) // CELL_DEG), 0), GRID_ROWS - 1)
    last_row = min(max(int((lat0 + dlat + 90) // CELL_DEG), 0), GRID_ROWS - 1)
    kx = KM_PER_DEGREE * math.cos(math.radians(min(abs(lat0) + dlat, 90.0)))
    dlon = km / kx if kx > 1e-6 else 360.0
    if dlon >= 180:
        spans = [(0, GRID_COLUMNS - 1)]
    else:
        west = int((lon0 - dlon + 180) // CELL_DEG)
        east = int((lon0 + dlon + 180) // CELL_DEG)
        if west < 0 or east >= GRID_COLUMNS:  # across the antimeridian
            spans = [(0, east % GRID_COLUMNS), (west % GRID_COLUMNS, GRID_COLUMNS - 1)]
        else:
            spans = [(west, east)]
    ranges: list[tuple[int, int]] = []
    for row in range(first_row, last_row + 1):
        for west, east in spans:
            low = (row * GRID_COLUMNS + west) * SLOT
            high = (row * GRID_COLUMNS + east + 1) * SLOT - 1
            if ranges and ranges[-1][1] + 1 >= low:
                ranges[-1] = (ranges[-1][0], high)
            else:
                ranges.append((low, high))
    return ranges

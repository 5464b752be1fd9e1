"""The region lists of the set-up wizard live in app/exchange/region_list.py (plain Python, shared with
`kace region import`); this name stays for the wizard's imports."""

from app.exchange.region_list import (  # noqa: F401
    RESOURCES,
    Place,
    RegionList,
    bundled,
    normalize_code,
    normalize_name,
    parent_code,
    parse_lines,
    place,
    read_file,
)

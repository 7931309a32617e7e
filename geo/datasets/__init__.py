"""Generated data sets: nothing here describes a real place, building or facility.

:mod:`.demo` writes a small SYNTHETIC region in the layout of the data directory (used when
no real data are present); :mod:`.illustrative` places made-up candidate sites and facilities
in the real buurten of the seed regions. Both are seeded, so every run gives the same data.
"""

"""Everything spatial: readers, projection, features, spread analysis, export."""

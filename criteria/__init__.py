"""Every decision: criteria, transforms, weights, aggregation, profiles, scoring."""

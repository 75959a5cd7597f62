"""The read side: each list or detail query states its eager loading, so templates never lazy-load."""

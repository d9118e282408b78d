"""What to try and when to stop: the search space from a spec, and Ray Tune's schedulers for it."""

"""Survey models: sample designs, invitations, weights, jobs, roll-ups."""

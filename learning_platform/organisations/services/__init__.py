"""What changes state in the organisations app, one module per concern:
``register`` (organisations, tiers, XLSX import, indicator-set loading), ``monitoring`` (the
annual sample, self-assessments, raters, review) and ``space`` (each organisation's space)."""

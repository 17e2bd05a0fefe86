"""Cross-cutting protections: login rate limiting, log redaction, security headers.

``middleware.SecurityMiddleware`` rate-limits every login form and failed API tokens and
adds the headers Django's own security middleware does not set; ``logfilter.RedactingFilter``
keeps passwords, tokens and answers out of the logs.
"""

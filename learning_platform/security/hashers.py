"""Password hashing: Argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).

Django's defaults (100 MiB, 8 lanes) and PBKDF2's 1,000,000 rounds each took 0.6–1.2 s
per login on the 2-core demo machine, which made every login slow and let a handful of
concurrent logins saturate it. OWASP's Password Storage Cheat Sheet lists m=19 MiB, t=2,
p=1 as an equivalent-strength Argon2id setting.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idOWASPHasher(Argon2PasswordHasher):
    algorithm = "argon2"  # same algorithm name: hashes stay readable by Django's hasher
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1

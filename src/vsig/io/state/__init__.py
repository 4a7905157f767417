"""The state: one DuckDB file under `home/state/`, and what lives beside it.

`store` opens the file, migrates it and writes a night whole; the query modules (`night`,
`privacy`, `reports`, `audit`) read and change it for who asks, and with `connection` they
are the only modules that hold SQL. `lock` keeps a second writer out; `upkeep` clears what
killed commands left, compacts the file after an erasure and keeps the erasure generation.
"""

"""The AVG duties, a module each: the `secret`, `retention`, `erasure` on request,
`inzage`, and the `purge_log` they write, without BSNs.
"""

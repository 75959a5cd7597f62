"""The write side: one function per use case. Each takes the acting user, checks the rule, flushes and
writes its audit event in the same transaction. None of them commits: the request, job or command does."""

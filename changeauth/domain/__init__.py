"""Pure business rules: enums, the lifecycle table, permissions, scoring and appraisal maths.

Nothing here imports Flask, SQLAlchemy, WTForms or pandas; every function takes plain values.
"""

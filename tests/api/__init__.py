"""API contract tests: completeness against API.md, the OpenAPI document, fuzzing, tokens and limits."""

"""API contract tests: completeness against docs/api.md, the OpenAPI document, fuzzing, tokens and limits."""

"""schemathesis hooks (SCHEMATHESIS_HOOKS) for test_46: how to send the bodies of the media types
it does not know. A SPARQL query (`application/sparql-query`) goes on the wire as UTF-8 text."""

import schemathesis


@schemathesis.serializer("application/sparql-query")
def sparql_query(ctx, value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8")

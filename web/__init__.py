"""HTTP plumbing shared by routes/, endpoints/ and middleware/: the route declaration and the
route table built from it, how endpoint parameters are read from a request, the request
context, client addresses, problem details and the OpenAPI document. Where Velithon 0.6.10
gets one of these wrong, the fix lives here (docs/velithon-quirks.md names the module)."""

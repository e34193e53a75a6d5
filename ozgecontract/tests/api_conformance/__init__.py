"""The API keeps the contract of the seed document, tried from the outside.

Every path and method of `seed/ozgecontract-api.md`, and the additions of
DESIGN.md §3, answers at its documented path with and without a trailing
slash, in JSON holding every field the seed shows for that shape, with the
JSON conventions of DESIGN.md §3 (integer ids, UTC datetimes with `Z`, money
as numbers, never a password). Errors share one shape, anonymous callers of
private endpoints get 401, lists page with `limit`/`offset` and say so in
headers, and CORS is open to every origin without credentials.

The happy path's exact bodies are each app's own tests; here the shapes are
checked across the whole API at once, so a drift anywhere shows.
"""

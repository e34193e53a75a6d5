"""List pagination that keeps the documented shape: a plain JSON array.

`?limit=` (default 100, at most 1000) and `?offset=` pick the page; the total
goes in `X-Total-Count` and the neighbours in an RFC 8288 `Link` header.
"""

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response


class HeaderLimitOffsetPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000

    def get_paginated_response(self, data):
        links = []
        next_url = self.get_next_link()
        prev_url = self.get_previous_link()
        if next_url:
            links.append(f'<{next_url}>; rel="next"')
        if prev_url:
            links.append(f'<{prev_url}>; rel="prev"')
        headers = {"X-Total-Count": str(self.count)}
        if links:
            headers["Link"] = ", ".join(links)
        return Response(data, headers=headers)

    def get_paginated_response_schema(self, schema):
        return schema

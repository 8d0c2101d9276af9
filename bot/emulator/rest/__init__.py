"""REST v10 routes of the emulator. Importing this package registers every route in :data:`ROUTES`."""

from . import application, channels, guilds, interactions, polls, reactions  # noqa: F401  (registration side effects)
from . import scheduled_events as _scheduled_events  # noqa: F401  (registration side effects)
from .base import ROUTES, ApiError, Req, RouteDef, match_route

__all__ = ["ROUTES", "ApiError", "Req", "RouteDef", "match_route"]

"""Point discord.py at another Discord-compatible server (DISCORD_API_BASE, DISCORD_GATEWAY_URL).

discord.py reads both from class attributes, so this is process-wide and must run before the
client builds its first request. It is how the tests reach the loopback emulator.
"""

from __future__ import annotations

import discord.gateway
import discord.http
import yarl


def point_at(api_base: str, gateway_url: str) -> None:
    """Send REST requests to `api_base` and open the gateway at `gateway_url`."""
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)

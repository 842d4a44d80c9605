"""Vonage Voice API: NCCO answer/event webhooks, the L16 WebSocket protocol, signed requests."""

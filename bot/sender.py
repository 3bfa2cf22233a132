"""The outbox sender; it lives in bot/sending/ with its flood limits and error policy."""

from bot.sending import FloodGate, OutboxSender

__all__ = ["FloodGate", "OutboxSender"]

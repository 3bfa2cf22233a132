"""Sending the outbox to Telegram: the worker, its flood limits and its error policy."""

from bot.sending.limits import FloodGate
from bot.sending.policy import Outcome, classify
from bot.sending.sender import OutboxSender

__all__ = ["FloodGate", "OutboxSender", "Outcome", "classify"]

"""One router per module; their order is written out in bot.dispatcher."""

"""`nearmiss team add/list`: team set-up from the command line, until the admin panel exists."""

from __future__ import annotations

import argparse
import logging
import sys

import aiohttp

from core.settings import Settings
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade_async
from storage.models import Team
from storage.repositories import TeamRepository

log = logging.getLogger(__name__)
NAME_LENGTH = 120  # teams.name and places.name hold this many characters


async def command(settings: Settings, args: argparse.Namespace) -> int:
    """Run one team subcommand against the configured database."""
    if args.team_command == "add":
        try:
            args.name, args.place = checked_team(args.name, args.place)
        except ValueError as error:
            print(f"nearmiss: {error}; no team was created.", file=sys.stderr)
            return 2
    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            repo = TeamRepository(session)
            username = await bot_username(settings)
            if args.team_command == "add":
                if same := [team.name for team in await repo.list()
                            if team.name.casefold() == args.name.casefold()]:
                    print(f"nearmiss: a team called {same[0]!r} already exists (names are "
                          f"compared ignoring case); choose another name.", file=sys.stderr)
                    return 2
                team = await repo.create(name=args.name, places=args.place)
                await session.commit()
                print(describe(team, [p for p in args.place], username))
            else:
                teams = await repo.list()
                if not teams:
                    print("No teams yet. Create one with: nearmiss team add \"Team name\" "
                          "--place \"Lounge\"")
                for team in teams:
                    places = [place.name for place in await repo.places(team_id=team.id)]
                    print(describe(team, places, username))
    finally:
        await engine.dispose()
    return 0


def checked_team(name: str, places: list[str]) -> tuple[str, list[str]]:
    """The team's name and places trimmed, or ValueError: an empty or over-long name, or a
    place given twice (ignoring case), which would show as a blank or doubled button."""
    name, places = name.strip(), [place.strip() for place in places]
    if not name:
        raise ValueError('a team needs a name, e.g. nearmiss team add "Rosewood House"')
    if any(not place for place in places):
        raise ValueError('every --place needs a name, e.g. --place "Lounge"')
    for label, value in [("team name", name), *(("place", place) for place in places)]:
        if len(value) > NAME_LENGTH:
            raise ValueError(f"the {label} {value[:20]!r}... is longer than {NAME_LENGTH} "
                             f"characters")
    folded = [place.casefold() for place in places]
    if twice := next((place for place in places if folded.count(place.casefold()) > 1), None):
        raise ValueError(f"the place {twice!r} is given more than once (ignoring case); "
                         f"give each place once")
    return name, places


def describe(team: Team, places: list[str], username: str | None) -> str:
    """A team as an operator needs it: code, invite link, places."""
    link = (f"https://t.me/{username}?start={team.code}" if username else
            f"https://t.me/<bot username>?start={team.code}  (set BOT_TOKEN to see the link)")
    return (f"{team.name}\n  code:        {team.code}\n  invite link: {link}\n"
            f"  places:      {', '.join(places) if places else '(none: workers type the place)'}")


async def bot_username(settings: Settings) -> str | None:
    """Ask the Bot API for the bot's username, for invite links; None when it cannot be had.

    A plain getMe over aiohttp: importing aiogram's types would cost far more than the call.
    """
    if settings.token_problem() is not None or settings.bot_token is None:
        return None

    base = (settings.telegram_api_url or "https://api.telegram.org").rstrip("/")
    url = f"{base}/bot{settings.bot_token.get_secret_value()}/getMe"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            async with http.get(url) as response:
                payload = await response.json()
        return payload["result"]["username"] if payload.get("ok") else None
    except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as error:
        log.warning("could not reach Telegram for the bot's username: %s", error)
        return None

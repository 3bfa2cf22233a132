"""`nearmiss create-admin`: the first administrator, with a password typed, never passed;
`nearmiss reset-two-factor`: a user who lost their authenticator signs in with a password."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.security import hash_password, password_problem
from core.settings import Settings
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade_async
from storage.repositories import AdminUserRepository, TeamRepository
from storage.repositories.admins import checked_email


def read_password() -> str | None:
    """Ask twice on a terminal; read one line from a pipe (for scripts and tests)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        print("nearmiss: the two passwords differ; nothing was created.", file=sys.stderr)
        return None
    return first


def create_admin(settings: Settings, args: argparse.Namespace) -> int:
    """Everything that can be checked without the password is, before it is asked for."""
    try:
        args.email = checked_email(args.email)
    except ValueError as error:
        print(f"nearmiss: --email: {str(error).rstrip('.')}; nothing was created.",
              file=sys.stderr)
        return 2
    refusal, team_ids = asyncio.run(_refusal(settings, args))
    if refusal is not None:
        print(f"nearmiss: {refusal}; nothing was created.", file=sys.stderr)
        return 2
    password = read_password()
    if password is None:
        return 2
    problem = password_problem(password, personal=[args.email])
    if problem:
        print(f"nearmiss: that password will not do: {problem}.", file=sys.stderr)
        return 2
    return asyncio.run(_create(settings, args, password, team_ids))


async def _refusal(settings: Settings, args: argparse.Namespace) -> tuple[str | None, list[int]]:
    """Why the user cannot be created (the email taken, a team unknown), and the teams' ids."""
    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            if await AdminUserRepository(session).get_by_email(email=args.email) is not None:
                return f"a user {args.email} already exists", []
            team_ids = []
            for name in args.team:
                team = await TeamRepository(session).get_by_name(name=name)
                if team is None:
                    return f"no team called {name!r} (see nearmiss team list)", []
                team_ids.append(team.id)
    finally:
        await engine.dispose()
    return None, team_ids


async def _create(settings: Settings, args: argparse.Namespace, password: str,
                  team_ids: list[int]) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            await AdminUserRepository(session).create(
                email=args.email, role=args.role, password_hash=hash_password(password),
                team_ids=team_ids)
            await session.commit()
    finally:
        await engine.dispose()
    print(f"Created {args.role} {args.email}. Sign in at "
          f"http://{settings.admin_host}:{settings.admin_port}/admin")
    return 0


async def reset_two_factor(settings: Settings, email: str) -> int:
    """Turn off a user's two-factor sign-in; an admin in production must enrol again."""
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            users = AdminUserRepository(session)
            user = await users.get_by_email(email=email)
            if user is None:
                print(f"nearmiss: no user {email.strip().lower()}.", file=sys.stderr)
                return 1
            await users.set_totp(user, secret=None, step=None)
            await users.end_sessions(user)
            await session.commit()
    finally:
        await engine.dispose()
    print(f"Two-factor sign-in is off for {user.email}; they sign in with their password and "
          f"can enrol again.")
    return 0


async def first_sign_in_hint(sessionmaker: async_sessionmaker[AsyncSession],
                             base_url: str) -> str | None:
    """With no admin panel user yet, the command that makes the first; else None."""
    async with sessionmaker() as session:
        if await AdminUserRepository(session).count():
            return None
    return (f"nearmiss: no administrator yet: run .venv/bin/nearmiss create-admin --email "
            f"you@example.org, then sign in at {base_url}/admin")

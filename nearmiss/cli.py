"""The `nearmiss` command: run the product, migrate, manage teams and users, import reports,
and look after the learning.

The modules that load aiogram, uvicorn or the embedding model (seconds and about 150 MB) are
imported by the commands that need them, so `nearmiss team list` or a mistyped setting answers
at once."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from core.settings import ConfigurationError, Settings, admin_base_url, identity_key
from nearmiss import alert_commands, preflight, teams, users
from nearmiss.logs import configure_logging
from storage.migrate import upgrade

log = logging.getLogger("nearmiss")

TOKEN_HELP = (
    "nearmiss: {problem}, so the bot cannot start. To get a token, open Telegram, start a chat "
    "with @BotFather, send /newbot and follow the steps; BotFather replies with a token that "
    "looks like 123456789:AAE... . Put it in the file .env in this folder as a line "
    "BOT_TOKEN=<your token> (copy .env.example to .env to start from the template), or set the "
    "BOT_TOKEN environment variable, then run `make run` again."
)
TOKEN_PROBLEMS = {
    "missing": "no Telegram bot token is set (BOT_TOKEN)",
    "placeholder": "BOT_TOKEN still holds the placeholder from .env.example",
    "malformed": "BOT_TOKEN does not look like a Telegram bot token",
    "rejected": "Telegram rejected BOT_TOKEN (it may have been revoked)",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nearmiss", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="migrate, then serve the admin panel and run the bot "
                                          "in one process (the default)")
    run.add_argument("--webhook", action="store_true",
                     help="receive updates by webhook at WEBHOOK_URL instead of long polling "
                          "(WEBHOOK_URL set does the same)")
    run.add_argument("--workers", type=int, default=1,
                     help="worker processes serving the webhook (PostgreSQL only)")
    commands.add_parser("bot", help="run the bot alone (long polling)")
    commands.add_parser("admin", help="serve the admin panel alone")
    commands.add_parser("migrate", help="apply database migrations")
    create_admin = commands.add_parser("create-admin", help="create an admin panel user; the "
                                                            "password is asked for, not passed")
    create_admin.add_argument("--email", required=True)
    create_admin.add_argument("--role", choices=("admin", "reviewer", "viewer"), default="admin")
    create_admin.add_argument("--team", action="append", default=[],
                              help="a team a reviewer or viewer may see (repeatable)")
    reset = commands.add_parser("reset-two-factor", help="turn off a user's two-factor sign-in "
                                                         "(a lost phone); they enrol again")
    reset.add_argument("--email", required=True)
    team = commands.add_parser("team", help="manage teams").add_subparsers(dest="team_command",
                                                                            required=True)
    add = team.add_parser("add", help="create a team and print its code and invite link")
    add.add_argument("name")
    add.add_argument("--place", action="append", default=[], help="a place (repeatable)")
    team.add_parser("list", help="list teams with their codes and places")
    learning = commands.add_parser("learning", help="the learning by meaning").add_subparsers(
        dest="learning_command", required=True)
    learning.add_parser("reindex", help="rebuild missing or outdated report vectors, then "
                                        "find patterns over all history (no heads-ups)")
    alerts = commands.add_parser("alerts", help="pattern alerts").add_subparsers(
        dest="alerts_command", required=True)
    alerts.add_parser("list", help="print every alert with its reports and label").add_argument(
        "--json", action="store_true", help="as JSON")
    reports = commands.add_parser("reports", help="manage reports").add_subparsers(
        dest="reports_command", required=True)
    load = reports.add_parser("import", help="import reports from a CSV file (UTF-8, header "
                                             "row; see the docs for the columns)")
    load.add_argument("file")
    load.add_argument("--create-missing", action="store_true",
                      help="create teams and places the file names that do not exist yet")
    load.add_argument("--skip-bad-rows", action="store_true",
                      help="import the good rows of a file that has errors, listing the others")
    load.add_argument("--announce", action="store_true",
                      help="let teams' groups hear of patterns the imported reports make")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.webhook, args.workers = getattr(args, "webhook", False), getattr(args, "workers", 1)
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"nearmiss: {settings_problem(error)}", file=sys.stderr)
        return 2
    configure_logging(settings)
    try:
        return _command(settings, args)
    except ConfigurationError as error:  # a weak SECRET_KEY, say: its message, no traceback
        print(f"nearmiss: {error}", file=sys.stderr)
        return 2


def settings_problem(error: ValidationError) -> str:
    """Every setting that is not valid, by its variable's name, on one line."""
    problems = "; ".join(f"{'.'.join(str(part) for part in item['loc']).upper()}: "
                         f"{item['msg']}" for item in error.errors())
    return f"the configuration is not valid ({problems}); correct it in .env or the environment."


def _command(settings: Settings, args: argparse.Namespace) -> int:
    command = args.command or "run"
    problem = settings.token_problem()
    # The settings first, then the database every command uses: one line, nothing started.
    refusal = scale_problem(settings, args, problem) if command == "run" else None
    if refusal := refusal or preflight.database_problem(settings.database_url):
        print(f"nearmiss: {refusal}", file=sys.stderr)
        return 2
    if command == "migrate":
        return migrate(settings)
    if command == "team":
        return asyncio.run(teams.command(settings, args))
    if command == "learning":
        from nearmiss import learning_commands
        return asyncio.run(learning_commands.command(settings))
    if command == "alerts":
        return asyncio.run(alert_commands.command(settings, as_json=args.json))
    if command == "reports":
        from nearmiss import import_command

        return asyncio.run(import_command.command(settings, args))
    if command == "create-admin":
        return users.create_admin(settings, args)
    if command == "reset-two-factor":
        return asyncio.run(users.reset_two_factor(settings, args.email))
    if command == "bot":
        if problem is not None:
            print(TOKEN_HELP.format(problem=TOKEN_PROBLEMS[problem]), file=sys.stderr)
            return 2
        if settings.webhook_url is not None:
            print("nearmiss: WEBHOOK_URL is set, so updates come by webhook, which `nearmiss run` "
                  "serves; unset WEBHOOK_URL to run the bot alone by long polling.",
                  file=sys.stderr)
            return 2
        return run_bot(settings)
    base_url = admin_base_url(settings)  # a ConfigurationError before anything starts
    if refusal := preflight.port_problem(settings.admin_host, settings.admin_port):
        print(f"nearmiss: {refusal}", file=sys.stderr)
        return 2
    migrate(settings)
    if command == "run" and args.workers > 1:
        return serve_workers(settings, args.workers)
    with_bot = command == "run" and problem is None
    if command == "run" and problem is not None:
        print(TOKEN_HELP.format(problem=TOKEN_PROBLEMS[problem]), file=sys.stderr)
        print(f"nearmiss: the bot is NOT running. The admin panel is still being served at "
              f"{base_url}/admin", file=sys.stderr)
    return serve_admin(settings, with_bot=with_bot)


def scale_problem(settings: Settings, args: argparse.Namespace, token: str | None) -> str | None:
    """Why `run --webhook` / `--workers N` cannot start as asked, or None."""
    from bot.webhook import webhook_path

    if args.webhook and settings.webhook_url is None:
        return ("--webhook needs WEBHOOK_URL, the public https URL Telegram will post updates "
                "to (e.g. https://nearmiss.example.org/telegram/webhook), set in .env or the "
                "environment.")
    if settings.webhook_url is not None:
        try:
            webhook_path(settings.webhook_url)
        except ValueError as error:
            return str(error)
    if args.workers < 1:
        return "--workers must be 1 or more."
    if args.workers == 1:
        return None
    if settings.webhook_url is None or token is not None:
        return ("--workers needs webhook mode (WEBHOOK_URL) and a bot token: several processes "
                "cannot long-poll one bot.")
    if settings.database_url.startswith("sqlite"):
        return ("--workers needs PostgreSQL (DATABASE_URL=postgresql+asyncpg://...): SQLite is "
                "one machine, one process. Run without --workers, or move to PostgreSQL.")
    if not settings.redis_url:
        return ("--workers needs Redis (REDIS_URL=redis://...): the reports people are writing, "
                "and the lock that stops two workers answering one person at once, must be "
                "shared by every worker.")
    return None


def serve_workers(settings: Settings, workers: int) -> int:
    """uvicorn's supervisor with `workers` processes, each building its own app."""
    import uvicorn

    log.info("admin panel and webhook: http://%s:%s with %d workers", settings.admin_host,
             settings.admin_port, workers)
    uvicorn.run("nearmiss.serve:worker_app", factory=True, workers=workers,
                host=settings.admin_host, port=settings.admin_port,
                log_level=settings.log_level.lower(), lifespan="on")
    return 0


def migrate(settings: Settings) -> int:
    upgrade(settings.database_url, identity_key=identity_key(settings))
    log.info("database is at the latest migration")
    return 0


def serve_admin(settings: Settings, *, with_bot: bool) -> int:
    from nearmiss.serve import serve

    try:
        asyncio.run(serve(settings, with_bot=with_bot))
    except KeyboardInterrupt:
        pass
    return 0


def run_bot(settings: Settings) -> int:
    from aiogram.exceptions import TelegramUnauthorizedError

    from bot.runner import poll

    try:
        asyncio.run(poll(settings))
    except TelegramUnauthorizedError:
        print(TOKEN_HELP.format(problem=TOKEN_PROBLEMS["rejected"]), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

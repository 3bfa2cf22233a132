"""Group chats: reports are private (point people there); team groups link with /link CODE."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Bot, F, Router
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import LEAVE_TRANSITION, ChatMemberUpdatedFilter, Command, CommandObject
from aiogram.types import ChatMemberUpdated, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.filters import IN_GROUP, IN_PRIVATE, Checked
from bot.middlewares import Repos
from bot.turn import Turn
from conversations import N_, Msg

GROUP_ADMINS = frozenset({ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR})


async def report_in_private(message: Message, bot: Bot, turn: Turn) -> None:
    me = await bot.me()
    label = turn.tr.gettext(N_("Report privately"), turn.language)
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=label, url=f"https://t.me/{me.username}")]])
    await turn.say(Msg(N_("Near misses are reported in a private chat with me, so your report "
                          "stays confidential. Tap the button to open it.")),
                   reply_markup=markup)


async def link_group(message: Message, command: CommandObject, turn: Turn) -> None:
    if not await _sent_by_group_admin(message, turn):
        await turn.say(Msg(N_("Only an administrator of this group can link it to a team.")))
        return
    if not command.args:
        await turn.say(Msg(N_("Please send /link followed by the code from the admin panel, "
                              "for example /link ABCD2345.")))
        return
    now, chat, admin = datetime.now(UTC), message.chat, message.from_user
    assert admin is not None  # _sent_by_group_admin asked Telegram about this very user
    code = await turn.repos.groups.use_code(code=command.args, chat_id=chat.id, now=now)
    team = await turn.repos.teams.get(team_id=code.team_id) if code else None
    if code is None or team is None:
        # One answer for every failure: a code must not reveal whether or where it exists.
        await turn.say(Msg(N_("That code is not valid: it may be mistyped, expired or already "
                              "used. Please ask your administrator for a new one.")))
        return
    await turn.repos.groups.link(team_id=team.id, chat_id=chat.id, title=chat.title or "",
                                 linked_by=admin.id, now=now)
    await turn.say(Msg(N_("This group is now linked to {team}: it will receive de-identified "
                          "learning from near-miss reports."), {"team": team.name}))


async def unlink_group(message: Message, turn: Turn) -> None:
    if not await _sent_by_group_admin(message, turn):
        await turn.say(Msg(N_("Only an administrator of this group can unlink it.")))
        return
    ended = await turn.repos.groups.deactivate(chat_id=message.chat.id, reason="unlink",
                                               now=datetime.now(UTC))
    if ended is None:
        await turn.say(Msg(N_("This group is not linked to a team.")))
    else:
        await turn.say(Msg(N_("This group is no longer linked: it will not receive learning "
                              "from near-miss reports any more.")))


async def link_in_private(message: Message, turn: Turn) -> None:
    await turn.say(Msg(N_("/link is for group chats. Add me to your team's group chat, then a "
                          "group administrator sends /link followed by the code from the admin "
                          "panel there.")))


async def group_upgraded(message: Message, repos: Repos) -> None:
    """A group became a supergroup with a new id: bulletins follow it there."""
    assert message.migrate_to_chat_id is not None
    await repos.groups.move(chat_id=message.chat.id, to_chat_id=message.migrate_to_chat_id)


async def bot_removed(event: ChatMemberUpdated, repos: Repos) -> None:
    """Kicked, removed or left: nothing may be sent to that chat until it is linked again."""
    await repos.groups.deactivate(chat_id=event.chat.id, reason="removed", now=datetime.now(UTC))


async def _sent_by_group_admin(message: Message, turn: Turn) -> bool:
    """Ask Telegram itself: nothing in the message can prove who administers the group."""
    if message.from_user is None:
        return False
    await turn.commit_before_speaking()  # no Telegram call while this update holds the database
    try:
        member = await turn.bot.get_chat_member(message.chat.id, message.from_user.id)
    except TelegramBadRequest:
        return False
    return member.status in GROUP_ADMINS


def create_router() -> Router:
    router = Router(name="groups")
    router.message.register(group_upgraded, IN_GROUP, Checked(F.migrate_to_chat_id))
    router.message.register(report_in_private, IN_GROUP, Command("report", "start", "help"))
    router.message.register(link_group, IN_GROUP, Command("link"))
    router.message.register(unlink_group, IN_GROUP, Command("unlink"))
    router.message.register(link_in_private, IN_PRIVATE, Command("link", "unlink"))
    router.my_chat_member.register(bot_removed, IN_GROUP, ChatMemberUpdatedFilter(LEAVE_TRANSITION))
    return router

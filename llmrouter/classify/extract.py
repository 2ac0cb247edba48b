"""Find the request to classify in an OpenAI chat ``messages`` list.

Owns: choosing the last *real* user message, cleaning OpenClaw's wrappers off it,
bounding its length, and deciding whether it is a short delegating follow-up
("yes, go ahead") whose level comes from the work proposed just before it.

Must not: raise on any well-typed OpenAI message list (content may be ``None``, a
string, or a list of parts of any type), read past a bounded amount of text per
message, or judge the level itself.

Theory of operation. Collect the user messages, skipping what OpenClaw appends
after every turn (a user message wrapped in ``<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>``
and the ``Image(s) from tool result`` message); the last one left is the ask.
OpenClaw prefixes user text with ``[Thu 2026-11-26 08:09 UTC]`` and suffixes it
with ``\\n\\nRuntime: agent=… | sessionId=<uuid> | …``: both are stripped, and the
sessionId becomes the conversation key. A long paste keeps its head and its
tail, where the ask usually is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

HEAD_CHARS = 1000
TAIL_CHARS = 600
CONTEXT_CHARS = 700
RUNTIME_CHARS = 2000  # the Runtime line is short and always last: never scan a whole paste
DELEGATE_MAX_WORDS = 14  # anywhere in a reply this short
DELEGATE_LEAD_WORDS = 40  # in a longer reply, only when it opens with the hand-back
ANSWER_MAX_WORDS = 8  # a reply this short to the assistant's question continues its work

_BEGIN_INTERNAL = "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>"
_END_INTERNAL = "<<<END_OPENCLAW_INTERNAL_CONTEXT>>>"
_TOOL_IMAGES = "Image(s) from tool result"
_QUEUED = re.compile(r"^\[Queued user message[^\]\n]*\]\s*")
_DATE_PREFIX = re.compile(r"^\s*\[[^\]\n]{0,24}\d{4}-\d{2}-\d{2}[^\]\n]{0,32}\]\s*")
_RUNTIME = re.compile(r"\n\s*Runtime: [^\n]*\s*$")
_SESSION_ID = re.compile(r"\bsessionId=([^\s|]+)")
# Claude Code puts instructions for the model inside the user turn; they are not the ask.
_REMINDER = re.compile(r"<system-reminder>.*?(?:</system-reminder>|$)", re.S)
_INTERNAL_BLOCK = re.compile(
    re.escape(_BEGIN_INTERNAL) + r".*?(?:" + re.escape(_END_INTERNAL) + r"|$)", re.S
)

# Short replies that hand work back to the assistant, in the languages the data has.
_DELEGATE = re.compile(
    r"\b(go ahead|go for it|do it|do that|do this|please do|proceed|continue|carry on"
    r"|make it so|ship it|sounds good|let'?s do|let'?s go|same (?:for|with|to)|do the same"
    r"|approved?|lgtm|agreed|green light|full (?:programme|program|plan|version|detail)"
    r"|try again|retry|apply (?:it|that|the|those|this)|implement (?:it|that|this|them)"
    r"|all of them|the rest|the others?|go on|yes,? please|mach (?:das|es|weiter)"
    r"|weiter|vas-y|allez-y|adelante|hazlo|continúa|sigue|prosiga|да,? давай|давай)\b"
    r"|हाँ|आगे बढ़",
    re.I,
)
# The same, for scripts without spaces: only at the start of a short reply, since
# "可以" or "お願い" also open brand-new requests.
_DELEGATE_WIDE = re.compile(
    r"^\W*(はい|お願い|進めて|やって|続けて|好的|继续|可以|请做|做吧|네|좋아)"
)
WIDE_REPLY_CHARS = 24
# Follow-ups that ask for the previous work again, changed ("what if it is not a binary
# tree?", "can you parallelize it?"): the work is the previous work.
_REWORK = re.compile(
    r"^\W*(?:what if|how about|what about|and if|now (?:make|do|write|add|try|change|use)"
    r"|(?:can|could) you (?:\w+ ){0,2}(?:it|this|that|them)\b|make it|rewrite it"
    r"|change it|instead\b|building on|if we change the previous|using the same"
    r"|same (?:thing|question|problem)|und wenn|et si|y si|e se)",
    re.I,
)
_CLOSING = re.compile(
    r"\b(thanks?|thx|ty|cheers|danke|merci|gracias|grazie|obrigad[oa]|bedankt|dzięki|спасибо"
    r"|no|nope|nah|nothing|never ?mind|nein|non|nada|нет)\b|ありがと|谢谢|감사|धन्यवाद|شكر",
    re.I,
)
_AFFIRM = re.compile(r"^\W*(yes|yeah|yep|yup|sure|ok|okay|ja|oui|sí|si|da)\b", re.I)
# A bare "yes"/"ok" delegates only when the assistant had offered to do something.
_OFFER = re.compile(
    r"\b(shall I|should I|shall we|want me to|would you like|do you want|want some|I can|I could"
    r"|I'?d suggest|I would suggest|I'?d recommend|I'?ll|happy to|let me know if|ready to"
    r"|proceed\?)",
    re.I,
)


@dataclass(frozen=True)
class Ask:
    """The request a classifier judges.

    ``text`` is bounded (head + tail of a long paste); ``chars`` is the cleaned
    length before bounding and ``fences`` the number of ``` markers in it.
    ``context`` is empty unless ``text`` is a short delegating follow-up, in
    which case it holds the work it approves (previous ask + assistant proposal).
    """

    text: str
    has_image: bool = False
    n_turns: int = 0
    context: str = ""
    conversation_key: str | None = None
    chars: int = 0
    fences: int = 0


@dataclass(frozen=True)
class _UserTurn:
    text: str
    has_image: bool
    index: int


def extract_ask(messages: Sequence[Mapping[str, Any]] | Iterable[Any]) -> Ask:
    """Return the last real user request of ``messages`` (never raises on odd shapes)."""
    msgs = list(messages) if not isinstance(messages, list) else messages
    turns = _user_turns(msgs)
    if not turns:
        return Ask(text="")
    last = turns[-1]
    raw, key = clean_user_text(last.text)
    if key is None:
        key = _first_session_id(turns)
    context = _delegated_work(msgs, turns, raw)
    return Ask(
        text=bound(raw, HEAD_CHARS, TAIL_CHARS),
        has_image=last.has_image,
        n_turns=len(turns),
        context=context,
        conversation_key=key,
        chars=len(raw),
        fences=raw.count("```"),
    )


def clean_user_text(text: str) -> tuple[str, str | None]:
    """Strip OpenClaw's date prefix, Runtime suffix and queued-turn header, and Claude Code's
    `<system-reminder>` blocks.

    Returns the cleaned text and the sessionId from the Runtime line, if any.
    """
    key = None
    tail_start = max(len(text) - RUNTIME_CHARS, 0)
    runtime = _RUNTIME.search(text, tail_start) if "Runtime: " in text else None
    if runtime is not None:
        found = _SESSION_ID.search(runtime.group(0))
        key = found.group(1) if found else None
        text = text[: runtime.start()]
    if _BEGIN_INTERNAL in text:
        text = _INTERNAL_BLOCK.sub("", text)
    if "<system-reminder>" in text:
        text = _REMINDER.sub("", text)
    text = _QUEUED.sub("", text, count=1)
    text = _DATE_PREFIX.sub("", text, count=1)
    return text.strip(), key


def bound(text: str, head: int, tail: int) -> str:
    """Keep the first ``head`` and last ``tail`` characters of a long text."""
    if len(text) <= head + tail:
        return text
    return text[:head] + "\n...\n" + text[-tail:]


def message_text(message: Any) -> tuple[str, bool]:
    """Text parts of one message joined by newlines, and whether it has an image."""
    if not isinstance(message, Mapping):
        return "", False
    content = message.get("content")
    if isinstance(content, str):
        return content, False
    if not isinstance(content, list):
        return "", False
    texts: list[str] = []
    has_image = False
    for part in content:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, Mapping):
            kind = part.get("type")
            if kind == "text" and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif kind in ("image_url", "image", "input_image"):
                has_image = True
    return "\n".join(texts), has_image


def _user_turns(messages: list[Any]) -> list[_UserTurn]:
    turns: list[_UserTurn] = []
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping) or message.get("role") != "user":
            continue
        text, has_image = message_text(message)
        if _is_synthetic(text):
            continue
        turns.append(_UserTurn(text, has_image, index))
    return turns


def _is_synthetic(text: str) -> bool:
    head = text.lstrip()[:64]
    if head.startswith(_TOOL_IMAGES):
        return True
    if not head.startswith(_BEGIN_INTERNAL):
        return False
    return not _INTERNAL_BLOCK.sub("", text).strip()


def _first_session_id(turns: list[_UserTurn]) -> str | None:
    for turn in turns:
        if "sessionId=" in turn.text:
            found = _SESSION_ID.search(turn.text)
            if found:
                return found.group(1)
    return None


def follow_up_kind(text: str, proposal: str) -> str | None:
    """How a follow-up relates to the work before it.

    ``"handback"``: it approves the proposed work as is ("yes, go ahead");
    ``"rework"``: it asks for the previous work again, changed, or answers the
    assistant's question ("what if it's a ternary tree?", "tomorrow 8am");
    ``None``: it stands on its own ("thanks!", "what does line 3 do?").
    """
    words = text.split()
    if not words or len(words) > DELEGATE_LEAD_WORDS:
        return None
    if _REWORK.match(text):
        return "rework"
    if len(words) > DELEGATE_MAX_WORDS:
        return "handback" if _DELEGATE.search(" ".join(words[:6])) else None
    if _DELEGATE.search(text) or (len(text) <= WIDE_REPLY_CHARS and _DELEGATE_WIDE.match(text)):
        return "handback"
    asked = proposal.rstrip().endswith(("?", "？")) or _OFFER.search(proposal[-CONTEXT_CHARS:])
    if not asked or _CLOSING.search(text):
        return None
    if _AFFIRM.match(text) and len(words) <= 3:
        return "handback"
    return "rework" if len(words) <= ANSWER_MAX_WORDS else None


def _delegated_work(messages: list[Any], turns: list[_UserTurn], ask: str) -> str:
    """The work a follow-up refers to: previous ask + assistant's last text, bounded."""
    if len(ask) > 40 * DELEGATE_LEAD_WORDS:
        return ""
    proposal = _last_assistant_text(messages, turns[-1].index)
    if len(turns) < 2 and not proposal.strip():
        return ""
    kind = follow_up_kind(ask, proposal)
    if kind is None:
        return ""
    previous = clean_user_text(turns[-2].text)[0] if len(turns) >= 2 else ""
    half = CONTEXT_CHARS // 2
    work = bound(previous, half, half // 2) + "\n" + bound(proposal, half, half)
    if kind == "rework":
        work += "\n" + bound(ask, half, half // 2)
    return work.strip()


def _last_assistant_text(messages: list[Any], before: int) -> str:
    for message in reversed(messages[:before]):
        if isinstance(message, Mapping) and message.get("role") == "assistant":
            text, _ = message_text(message)
            if text.strip():
                return text
    return ""

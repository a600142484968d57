"""Which short texts mean "stop contacting me" (FCC 24-24: consent is revoked by any reasonable means).

classify(text) answers STOP (opt the number out now), MAYBE (a short text with a stop-like word that is
not one of the known ways of saying it: a liaison decides with one tap) or None (an ordinary reply).
Texts are compared casefolded, without accents or punctuation, with "please" and "thank you" left
out, spaces ignored (Chinese and Korean write none), and only when short: a long text never opts out.
"""

import re
import unicodedata
from dataclasses import dataclass

STOP = "stop"
MAYBE = "maybe"
MAX_WORDS = 8  # after "please"/"thank you" are left out
MAX_CHARS = 60  # the same bound for scripts written without spaces

# The whole text, in the language it is usually written in. Single keywords come first (the carriers'
# STOP words and their equivalents), then the short phrases families actually send.
STOP_PHRASES: dict[str, list[str]] = {
    "en": [
        "stop", "stopall", "stop all", "unsubscribe", "unsub", "cancel", "end", "quit", "revoke",
        "opt out", "optout", "opt me out", "remove", "remove me", "remove me from the list",
        "remove me from this list", "remove me from your list", "remove my number",
        "take me off", "take me off the list", "take me off your list", "take me off this list",
        "unsubscribe me", "no more", "no more texts", "no more messages", "no more text messages",
        "stop texting", "stop texting me", "stop messaging me", "stop sending", "stop sending me",
        "stop sending texts", "stop sending me texts", "stop sending messages",
        "stop sending me messages", "stop contacting me", "stop the texts", "stop the messages",
        "stop texts", "stop messages", "stop it", "stop now", "dont text me", "do not text me",
        "dont text me anymore", "do not text me anymore", "dont message me", "do not message me",
        "dont contact me", "do not contact me", "dont contact me anymore", "i want to stop",
        "i want to unsubscribe", "i want to opt out", "leave me alone",
    ],
    "es": [
        "no mas", "parar", "para", "alto", "baja", "cancelar", "basta", "detener", "darme de baja",
        "quiero darme de baja", "dar de baja", "denme de baja", "cancelar suscripcion",
        "dejen de enviarme mensajes", "dejen de enviarme mensajes de texto", "dejen de escribirme",
        "deje de enviarme mensajes", "dejen de mandarme mensajes", "no me envien mas mensajes",
        "no me manden mas mensajes", "no mas mensajes", "no mas textos", "ya no mas mensajes",
        "no quiero recibir mensajes", "ya no quiero recibir mensajes", "no quiero mas mensajes",
    ],
    "fr": [
        "arreter", "arrete", "arretez", "desabonner", "me desabonner", "desabonnez moi",
        "desinscrire", "me desinscrire", "desinscrivez moi", "arretez les messages",
        "arretez de menvoyer des messages", "arretez les sms", "plus de messages", "plus de sms",
        "je ne veux plus de messages", "je ne veux plus recevoir de messages",
    ],
    "ht": [
        "kanpe", "sispann", "sispann voye mesaj", "sispann voye m mesaj", "sispann ekri m",
        "pa voye m mesaj anko", "pa voye mesaj anko", "mwen pa vle mesaj anko", "retire m",
        "retire m sou lis la", "pa ekri m anko",
    ],
    "pt": [
        "sair", "pare", "parar", "parem", "chega", "cancelar inscricao", "descadastrar",
        "me descadastre", "me descadastrem", "pare de enviar mensagens",
        "pare de me enviar mensagens", "parem de enviar mensagens", "parem de me enviar mensagens",
        "nao quero mais mensagens", "nao quero receber mensagens", "nao envie mais mensagens",
    ],
    "vi": [
        "dung", "dung lai", "huy", "huy dang ky", "dung gui tin nhan", "dung gui tin", "dung nhan tin",
        "dung nhan tin cho toi", "dung gui tin nhan cho toi", "khong nhan tin nua",
        "dung gui nua", "toi khong muon nhan tin nhan nua",
    ],
    "so": [
        "jooji", "jooji fariimaha", "jooji fariimaha qoraalka", "iga saar", "iga saar liiska",
        "ha ii soo dirin fariimo", "fariimo dambe ha ii soo dirin", "ha ii soo dirin fariimo dambe",
        "fariimaha jooji", "ma rabo fariimo",
    ],
    "ar": [
        "توقف", "توقفوا", "الغاء", "إلغاء الاشتراك", "الغاء الاشتراك", "أوقف الرسائل",
        "أوقفوا الرسائل", "توقفوا عن ارسال الرسائل", "توقفوا عن إرسال الرسائل", "لا اريد رسائل",
        "لا أريد رسائل", "لا ترسلوا لي رسائل", "كفى",
    ],
    "zh-hans": [
        "停止", "退订", "取消", "取消订阅", "停止发送", "停止短信", "不要再发了", "不要再发短信",
        "不要再发信息", "别再发了", "别再发短信", "退订短信", "不要再给我发短信",
    ],
    "ru": [
        "стоп", "отписаться", "хватит", "прекратите", "отпишите меня", "перестаньте писать",
        "не пишите мне", "прекратите присылать сообщения", "больше не присылайте сообщения",
        "не присылайте сообщения", "отписаться от рассылки",
    ],
    "ko": [
        "중지", "그만", "수신거부", "수신 거부", "그만 보내세요", "문자 그만", "문자 보내지 마세요",
        "메시지 보내지 마세요", "구독 취소", "그만 보내", "연락하지 마세요",
    ],
}  # fmt: skip

# Words left out before comparing: "stop please" is "stop".
FILLERS = {
    "please", "pls", "plz", "kindly", "thanks", "thx", "thank", "you", "ok", "okay", "now", "asap",
    "por", "favor", "gracias", "svp", "sil", "vous", "plait", "merci", "obrigado", "obrigada",
    "tanpri", "mesi", "xin", "vui", "long", "cam", "on", "fadlan", "mahadsanid",
    "пожалуйста", "спасибо", "رجاء", "شكرا", "فضلك", "من",
}  # fmt: skip
# The same for scripts written without spaces, at either end of the text.
FILLERS_CJK = ("请", "谢谢", "麻烦", "제발", "감사합니다")

# Words that suggest "stop contacting me" inside a short text that is none of the phrases above.
HINTS = {
    "stop", "stopp", "unsubscribe", "unsub", "optout", "opt", "basta", "dejen", "arretez", "arreter",
    "desabonner", "desinscrire", "sispann", "kanpe", "jooji", "pare", "parem", "descadastrar",
    "descadastre", "стоп", "хватит", "прекратите", "отписаться", "отпишите", "توقف", "توقفوا",
}  # fmt: skip
HINTS_CJK = ("停止", "退订", "不要再发", "别再发", "取消订阅", "그만", "중지", "수신거부")
# "I can't stop by today", "the bus did not stop", "bus stop": the word, but not the wish.
NOT_BEFORE = {
    "not", "dont", "didnt", "doesnt", "cant", "cannot", "couldnt", "wont", "wouldnt", "never",
    "bus", "next", "last", "first", "pit", "full", "no",
}  # fmt: skip
NOT_AFTER = {"by", "in", "at", "over", "off", "for", "to", "and", "when", "near", "there", "here"}


@dataclass(frozen=True)
class Intent:
    kind: str  # STOP or MAYBE
    language: str  # the language the text was written in, when the phrase tells (else "en")


def fold(text: str) -> str:
    """Casefolded, accents and apostrophes removed, other punctuation as spaces, spaces collapsed."""
    # "đ" has no decomposition: Vietnamese typed with and without the stroke must match.
    text = unicodedata.normalize("NFKD", (text or "").casefold().replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[\u2019'`´]", "", text)
    text = re.sub(r"[^\w\s]|_", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _compact(words: list[str]) -> str:
    joined = "".join(words)
    for filler in FILLERS_CJK:
        folded = fold(filler)
        joined = joined.removeprefix(folded).removesuffix(folded)
    return joined


def _phrase_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for language, phrases in STOP_PHRASES.items():
        for phrase in phrases:
            table.setdefault(fold(phrase).replace(" ", ""), language)
    return table


_PHRASES = _phrase_table()
_HINTS_CJK = tuple(fold(h) for h in HINTS_CJK)


def classify(text: str) -> Intent | None:
    words = fold(text).split()
    if not words or len(words) > MAX_WORDS or len("".join(words)) > MAX_CHARS:
        return None
    meaningful = [w for w in words if w not in FILLERS] or words
    language = _PHRASES.get(_compact(meaningful))
    if language is not None:
        return Intent(STOP, language)
    if _has_hint(meaningful):
        return Intent(MAYBE, "en")
    return None


def _has_hint(words: list[str]) -> bool:
    for i, word in enumerate(words):
        if word in HINTS:
            before = words[i - 1] if i > 0 else ""
            after = words[i + 1] if i + 1 < len(words) else ""
            if before not in NOT_BEFORE and after not in NOT_AFTER:
                return True
        elif any(hint in word for hint in _HINTS_CJK):
            return True
    return False

"""The few sentences families read from Liaison itself, in their language (not the staff catalogue).

The portal and SMS reach families in languages the staff interface is not translated into, so
these live here as data, keyed by base language. English is the fallback.
"""

from liaison.core.i18n import base_language

# "We could not translate this message": sent above the original when no translation exists.
UNTRANSLATED_NOTE = {
    "en": "We could not translate this message into your language yet. Your family liaison will contact you to explain it.",
    "es": "Todavía no pudimos traducir este mensaje a su idioma. Su enlace familiar se comunicará con usted para explicárselo.",
    "ar": "لم نتمكن بعد من ترجمة هذه الرسالة إلى لغتك. سيتواصل معك منسق شؤون الأسرة لشرحها لك.",
    "zh": "我们暂时无法将此信息翻译成您的语言。家庭联络员会与您联系，为您解释。",
    "vi": "Chúng tôi chưa thể dịch tin nhắn này sang ngôn ngữ của quý vị. Nhân viên liên lạc gia đình sẽ liên hệ để giải thích cho quý vị.",
    "ht": "Nou poko ka tradui mesaj sa a nan lang ou. Ajan lyezon fanmi an ap kontakte w pou l eksplike w li.",
    "so": "Weli ma aanu turjumi karin fariintan oo luqaddaada ah. Xiriiriyaha qoysaska ayaa kula soo xiriiri doona si uu kuugu sharxo.",
    "pt": "Ainda não conseguimos traduzir esta mensagem para o seu idioma. O agente de ligação com as famílias vai entrar em contato para explicá-la.",
    "ru": "Мы пока не смогли перевести это сообщение на ваш язык. Координатор по работе с семьями свяжется с вами и всё объяснит.",
    "fr": "Nous n'avons pas encore pu traduire ce message dans votre langue. L'agent de liaison avec les familles vous contactera pour vous l'expliquer.",
    "ko": "아직 이 메시지를 귀하의 언어로 번역하지 못했습니다. 가족 연락 담당자가 연락하여 설명해 드리겠습니다.",
}

# The marker on machine-translated text.
MACHINE_MARKER = {
    "en": "Machine translated",
    "es": "Traducción automática",
    "ar": "ترجمة آلية",
    "zh": "机器翻译",
    "vi": "Bản dịch máy",
    "ht": "Tradiksyon otomatik",
    "so": "Turjumaad mashiin",
    "pt": "Tradução automática",
    "ru": "Машинный перевод",
    "fr": "Traduction automatique",
    "ko": "기계 번역",
}

# The "I didn't understand" link text, and the page that confirms it.
DIDNT_UNDERSTAND = {
    "en": "I didn't understand this message",
    "es": "No entendí este mensaje",
    "ar": "لم أفهم هذه الرسالة",
    "zh": "我看不懂这条信息",
    "vi": "Tôi không hiểu tin nhắn này",
    "ht": "Mwen pa konprann mesaj sa a",
    "so": "Ma fahmin fariintan",
    "pt": "Não entendi esta mensagem",
    "ru": "Я не понял(а) это сообщение",
    "fr": "Je n'ai pas compris ce message",
    "ko": "이 메시지를 이해하지 못했습니다",
}
DIDNT_UNDERSTAND_THANKS = {
    "en": "Thank you. Your family liaison will contact you to explain the message, by phone or with an interpreter.",
    "es": "Gracias. Su enlace familiar se comunicará con usted para explicarle el mensaje, por teléfono o con un intérprete.",
    "ar": "شكرًا لك. سيتواصل معك منسق شؤون الأسرة لشرح الرسالة، عبر الهاتف أو بمساعدة مترجم.",
    "zh": "谢谢。家庭联络员会通过电话或在口译员的帮助下与您联系，为您解释这条信息。",
    "vi": "Cảm ơn quý vị. Nhân viên liên lạc gia đình sẽ liên hệ để giải thích tin nhắn, qua điện thoại hoặc với thông dịch viên.",
    "ht": "Mèsi. Ajan lyezon fanmi an ap kontakte w pou l eksplike w mesaj la, nan telefòn oswa ak yon entèprèt.",
    "so": "Mahadsanid. Xiriiriyaha qoysaska ayaa kula soo xiriiri doona si uu fariinta kuugu sharxo, telefoon ama turjubaan ahaan.",
    "pt": "Obrigado. O agente de ligação com as famílias vai entrar em contato para explicar a mensagem, por telefone ou com um intérprete.",
    "ru": "Спасибо. Координатор по работе с семьями свяжется с вами и объяснит сообщение по телефону или с помощью переводчика.",
    "fr": "Merci. L'agent de liaison avec les familles vous contactera pour vous expliquer le message, par téléphone ou avec un interprète.",
    "ko": "감사합니다. 가족 연락 담당자가 전화 또는 통역사를 통해 연락하여 메시지를 설명해 드리겠습니다.",
}
CONFIRM_BUTTON = {
    "en": "Yes, please explain it to me",
    "es": "Sí, por favor explíquenmelo",
    "ar": "نعم، أرجو أن تشرحوها لي",
    "zh": "是的，请给我解释",
    "vi": "Vâng, xin giải thích cho tôi",
    "ht": "Wi, tanpri eksplike m li",
    "so": "Haa, fadlan ii sharax",
    "pt": "Sim, por favor expliquem-me",
    "ru": "Да, пожалуйста, объясните мне",
    "fr": "Oui, expliquez-le-moi s'il vous plaît",
    "ko": "네, 설명해 주세요",
}

# SMS keywords (matched on the whole reply, case and accents folded) for "I didn't understand".
DIDNT_UNDERSTAND_KEYWORDS = {
    "en": ["UNCLEAR", "DIDNT UNDERSTAND", "I DIDNT UNDERSTAND"],
    "es": ["NO ENTIENDO", "NO ENTENDI"],
    "ar": ["لم أفهم", "لم افهم", "ما فهمت"],
    "zh": ["不明白", "看不懂", "不懂"],
    "vi": ["KHONG HIEU"],
    "ht": ["MWEN PA KONPRANN", "PA KONPRANN"],
    "so": ["MA FAHMIN", "MAAN FAHMIN"],
    "pt": ["NAO ENTENDI", "NAO ENTENDO"],
    "ru": ["НЕ ПОНЯЛ", "НЕ ПОНЯЛА", "НЕ ПОНИМАЮ"],
    "fr": ["PAS COMPRIS", "JE NAI PAS COMPRIS"],
    "ko": ["이해 못함", "이해못함", "모르겠어요"],
}


def phrase(table: dict, language: str) -> str:
    return table.get(base_language(language)) or table["en"]

"""What the demo's families and liaisons wrote each other, in each family's language.

A family that reads Spanish wrote its replies in Spanish, and read the liaison's messages in
Spanish: the district's interpreters approved these translations, which the translation memory
keeps (so staff read the replies in English, and the same words sent again go out approved).
Synthetic and short, like most of what a liaison and a family text each other.
"""

# English → {language: the same words}
PHRASES: dict[str, dict[str, str]] = {
    "Thank you for letting us know.": {
        "es": "Gracias por avisarnos.",
        "zh-Hans": "谢谢你们通知我们。",
        "vi": "Cảm ơn đã cho chúng tôi biết.",
        "ar": "شكرًا لإخبارنا.",
        "so": "Waad ku mahadsan tihiin inaad noo sheegteen.",
        "ko": "알려 주셔서 감사합니다.",
        "fr": "Merci de nous avoir prévenus.",
        "ru": "Спасибо, что сообщили нам.",
        "pt": "Obrigado por nos avisar.",
        "ht": "Mèsi paske nou fè nou konnen.",
    },
    "Yes, we will be there.": {
        "es": "Sí, allí estaremos.",
        "zh-Hans": "好的，我们会去。",
        "vi": "Vâng, chúng tôi sẽ đến.",
        "ar": "نعم، سنكون هناك.",
        "so": "Haa, waan iman doonnaa.",
        "ko": "네, 참석하겠습니다.",
        "fr": "Oui, nous serons là.",
        "ru": "Да, мы придём.",
        "pt": "Sim, estaremos lá.",
        "ht": "Wi, n ap la.",
    },
    "Can you call me after 5 pm?": {
        "es": "¿Me puede llamar después de las 5 de la tarde?",
        "zh-Hans": "你可以在下午5点以后给我打电话吗？",
        "vi": "Cô có thể gọi cho tôi sau 5 giờ chiều không?",
        "ar": "هل يمكنك الاتصال بي بعد الساعة الخامسة مساءً؟",
        "so": "Ma i soo wici kartaa 5-ta galabnimo kadib?",
        "ko": "오후 5시 이후에 전화해 주실 수 있나요?",
        "fr": "Pouvez-vous m'appeler après 17 h ?",
        "ru": "Можете позвонить мне после 5 вечера?",
        "pt": "Você pode me ligar depois das 17h?",
        "ht": "Èske ou ka rele m apre 5 è diswa?",
    },
    "My daughter is sick today.": {
        "es": "Mi hija está enferma hoy.",
        "zh-Hans": "我女儿今天生病了。",
        "vi": "Con gái tôi hôm nay bị ốm.",
        "ar": "ابنتي مريضة اليوم.",
        "so": "Gabadhayda maanta way xanuunsan tahay.",
        "ko": "제 딸이 오늘 아파요.",
        "fr": "Ma fille est malade aujourd'hui.",
        "ru": "Моя дочь сегодня заболела.",
        "pt": "Minha filha está doente hoje.",
        "ht": "Pitit fi mwen an malad jodi a.",
    },
    "We got the form, thank you.": {
        "es": "Recibimos el formulario, gracias.",
        "zh-Hans": "我们收到表格了，谢谢。",
        "vi": "Chúng tôi đã nhận được mẫu đơn, cảm ơn.",
        "ar": "استلمنا الاستمارة، شكرًا.",
        "so": "Foomka waan helnay, mahadsanid.",
        "ko": "서류 받았습니다, 감사합니다.",
        "fr": "Nous avons reçu le formulaire, merci.",
        "ru": "Мы получили форму, спасибо.",
        "pt": "Recebemos o formulário, obrigado.",
        "ht": "Nou resevwa fòm nan, mèsi.",
    },
    "Hello! How is the school year going for your family?": {
        "es": "¡Hola! ¿Cómo le va a su familia en este año escolar?",
        "zh-Hans": "您好！您家这个学年过得怎么样？",
        "vi": "Xin chào! Năm học này của gia đình mình thế nào ạ?",
        "ar": "مرحبًا! كيف تسير السنة الدراسية مع عائلتكم؟",
        "so": "Salaan! Sidee buu sanad dugsiyeedku ugu socdaa qoyskaaga?",
        "ko": "안녕하세요! 가족분들의 이번 학년은 어떻게 지내고 계신가요?",
        "fr": "Bonjour ! Comment se passe l'année scolaire pour votre famille ?",
        "ru": "Здравствуйте! Как проходит учебный год у вашей семьи?",
        "pt": "Olá! Como está indo o ano escolar para a sua família?",
        "ht": "Bonjou! Kijan ane lekòl la ap pase pou fanmi w?",
    },
    "A reminder: conferences are next week. Would you like an interpreter?": {
        "es": "Un recordatorio: las conferencias son la próxima semana. ¿Desea un intérprete?",
        "zh-Hans": "提醒：家长会在下周举行。您需要口译员吗？",
        "vi": "Nhắc nhở: tuần sau có buổi họp phụ huynh. Quý vị có cần thông dịch viên không?",
        "ar": "تذكير: اجتماعات أولياء الأمور الأسبوع القادم. هل تريدون مترجمًا؟",
        "so": "Xasuusin: shirarka waalidiinta waa toddobaadka soo socda. Ma rabtaa turjubaan?",
        "ko": "알림: 다음 주에 학부모 상담이 있습니다. 통역사가 필요하신가요?",
        "fr": (
            "Rappel : les rencontres parents-professeurs ont lieu la semaine prochaine. "
            "Souhaitez-vous un interprète ?"
        ),
        "ru": "Напоминание: родительские собрания на следующей неделе. Нужен ли вам переводчик?",
        "pt": (
            "Lembrete: as reuniões de pais e professores são na próxima semana. "
            "Gostaria de um intérprete?"
        ),
        "ht": "Yon rapèl: reyinyon paran yo se semèn pwochèn. Èske ou ta renmen yon entèprèt?",
    },
    "Your child did well on the reading check this week.": {
        "es": "A su hijo le fue bien en la evaluación de lectura esta semana.",
        "zh-Hans": "您的孩子本周阅读测验表现很好。",
        "vi": "Tuần này con quý vị làm bài kiểm tra đọc rất tốt.",
        "ar": "أبلى طفلكم بلاءً حسنًا في اختبار القراءة هذا الأسبوع.",
        "so": "Ilmahaagu si fiican ayuu u sameeyay imtixaanka akhriska toddobaadkan.",
        "ko": "자녀분이 이번 주 읽기 평가를 잘 했습니다.",
        "fr": "Votre enfant a bien réussi l'évaluation de lecture cette semaine.",
        "ru": "Ваш ребёнок хорошо справился с проверкой чтения на этой неделе.",
        "pt": "Seu filho foi bem na avaliação de leitura desta semana.",
        "ht": "Pitit ou a te byen fè nan tès lekti a semèn sa a.",
    },
    "Thank you! I will call you then.": {
        "es": "¡Gracias! Le llamo a esa hora.",
        "zh-Hans": "谢谢！我到时给您打电话。",
        "vi": "Cảm ơn! Tôi sẽ gọi vào giờ đó.",
        "ar": "شكرًا! سأتصل بكم في ذلك الوقت.",
        "so": "Mahadsanid! Markaas ayaan ku soo wici doonaa.",
        "ko": "감사합니다! 그때 전화드리겠습니다.",
        "fr": "Merci ! Je vous appellerai à ce moment-là.",
        "ru": "Спасибо! Я позвоню вам в это время.",
        "pt": "Obrigado! Vou ligar nesse horário.",
        "ht": "Mèsi! M ap rele w lè sa a.",
    },
    "Got it, I told the teacher.": {
        "es": "Entendido, ya se lo dije a la maestra.",
        "zh-Hans": "知道了，我已经告诉老师了。",
        "vi": "Đã rõ, tôi đã báo cho giáo viên.",
        "ar": "فهمت، لقد أخبرت المعلم.",
        "so": "Waan fahmay, macallinka ayaan u sheegay.",
        "ko": "알겠습니다, 선생님께 전달했습니다.",
        "fr": "C'est noté, j'ai prévenu l'enseignant.",
        "ru": "Понятно, учитель уже в курсе.",
        "pt": "Entendido, avisei o professor.",
        "ht": "Mwen konprann, mwen te di pwofesè a.",
    },
    "Thanks!": {
        "es": "¡Gracias!",
        "zh-Hans": "谢谢！",
        "vi": "Cảm ơn!",
        "ar": "شكرًا!",
        "so": "Mahadsanid!",
        "ko": "감사합니다!",
        "fr": "Merci !",
        "ru": "Спасибо!",
        "pt": "Obrigado!",
        "ht": "Mèsi!",
    },
    "Hello! I am your family liaison at school. Write to me here any time.": {
        "es": "¡Hola! Soy su enlace familiar en la escuela. Escríbame aquí cuando quiera.",
        "zh-Hans": "您好！我是学校的家庭联络员。有事随时在这里给我留言。",
        "vi": "Xin chào! Tôi là nhân viên liên lạc gia đình của trường. Quý vị có thể nhắn cho tôi ở đây bất cứ lúc nào.",
        "ar": "مرحبًا! أنا منسقة شؤون الأسر في المدرسة. راسلوني هنا في أي وقت.",
        "so": "Salaan! Waxaan ahay xiriiriyaha qoysaska ee dugsiga. Halkan iigu soo qor wakhti kasta.",
        "ko": "안녕하세요! 저는 학교의 가족 연락 담당자입니다. 언제든지 여기로 메시지 보내 주세요.",
        "fr": "Bonjour ! Je suis l'agente de liaison avec les familles de l'école. Écrivez-moi ici à tout moment.",
        "ru": "Здравствуйте! Я координатор по работе с семьями в школе. Пишите мне сюда в любое время.",
        "pt": "Olá! Sou a agente de ligação com as famílias da escola. Escreva-me aqui a qualquer momento.",
        "ht": "Bonjou! Mwen se moun ki fè lyezon ak fanmi yo nan lekòl la. Ekri m isit la nenpòt ki lè.",
    },
    "Thank you. When is the next parent meeting?": {
        "es": "Gracias. ¿Cuándo es la próxima reunión de padres?",
        "zh-Hans": "谢谢。下一次家长会是什么时候？",
        "vi": "Cảm ơn. Khi nào có buổi họp phụ huynh tiếp theo?",
        "ar": "شكرًا. متى اجتماع أولياء الأمور القادم؟",
        "so": "Mahadsanid. Goorma ayuu yahay shirka waalidiinta ee xiga?",
        "ko": "감사합니다. 다음 학부모 회의는 언제인가요?",
        "fr": "Merci. Quand a lieu la prochaine réunion de parents ?",
        "ru": "Спасибо. Когда следующее родительское собрание?",
        "pt": "Obrigado. Quando é a próxima reunião de pais?",
        "ht": "Mèsi. Ki lè pwochen reyinyon paran yo ye?",
    },
    "The food pantry is open on Saturdays from 9 to noon.": {
        "es": "El banco de alimentos abre los sábados de 9 a 12 del mediodía.",
        "zh-Hans": "食物银行每周六上午9点到中午开放。",
        "vi": "Ngân hàng thực phẩm mở cửa vào thứ Bảy từ 9 giờ đến 12 giờ trưa.",
        "ar": "بنك الطعام مفتوح أيام السبت من التاسعة حتى الظهر.",
        "so": "Bangiga cuntadu wuxuu furan yahay maalmaha Sabtida 9-ka subaxnimo ilaa duhurka.",
        "ko": "푸드 뱅크는 매주 토요일 오전 9시부터 정오까지 엽니다.",
        "fr": "La banque alimentaire est ouverte le samedi de 9 h à midi.",
        "ru": "Продовольственный банк открыт по субботам с 9 до полудня.",
        "pt": "O banco de alimentos abre aos sábados das 9h ao meio-dia.",
        "ht": "Bank manje a louvri samdi soti 9 è pou rive midi.",
    },
    "We will go this Saturday.": {
        "es": "Iremos este sábado.",
        "zh-Hans": "我们这个星期六去。",
        "vi": "Thứ Bảy này chúng tôi sẽ đến.",
        "ar": "سنذهب هذا السبت.",
        "so": "Sabtidan ayaan tagi doonnaa.",
        "ko": "이번 토요일에 가겠습니다.",
        "fr": "Nous irons ce samedi.",
        "ru": "Мы пойдём в эту субботу.",
        "pt": "Vamos neste sábado.",
        "ht": "N ap ale samdi sa a.",
    },
    "Did the new bus stop work this week?": {
        "es": "¿Le funcionó la nueva parada del autobús esta semana?",
        "zh-Hans": "这周新的公交车站方便吗？",
        "vi": "Tuần này trạm xe buýt mới có thuận tiện không?",
        "ar": "هل كانت محطة الحافلة الجديدة مناسبة هذا الأسبوع؟",
        "so": "Boosteejada cusub ee baska ma idiin shaqeysay toddobaadkan?",
        "ko": "이번 주 새 버스 정류장은 괜찮으셨나요?",
        "fr": "Le nouvel arrêt de bus vous a-t-il convenu cette semaine ?",
        "ru": "Новая автобусная остановка подошла вам на этой неделе?",
        "pt": "O novo ponto de ônibus funcionou bem esta semana?",
        "ht": "Èske nouvo arè bis la te mache byen semèn sa a?",
    },
    "Your child read a whole chapter aloud in class today. Well done!": {
        "es": "Su hijo leyó un capítulo entero en voz alta en clase hoy. ¡Muy bien!",
        "zh-Hans": "您的孩子今天在课堂上朗读了整整一章。太棒了！",
        "vi": "Hôm nay con quý vị đã đọc to cả một chương trong lớp. Giỏi lắm!",
        "ar": "قرأ طفلكم فصلًا كاملًا بصوت عالٍ في الصف اليوم. أحسنت!",
        "so": "Ilmahaagu maanta cutub dhan ayuu fasalka kor ugu akhriyay. Si fiican!",
        "ko": "자녀분이 오늘 수업 시간에 한 장 전체를 소리 내어 읽었습니다. 잘했어요!",
        "fr": "Votre enfant a lu un chapitre entier à voix haute en classe aujourd'hui. Bravo !",
        "ru": "Сегодня ваш ребёнок прочитал вслух в классе целую главу. Молодец!",
        "pt": "Seu filho leu um capítulo inteiro em voz alta na aula hoje. Muito bem!",
        "ht": "Pitit ou a li yon chapit antye awotvwa nan klas la jodi a. Bravo!",
    },
    "Thank you, we read together every evening.": {
        "es": "Gracias, leemos juntos todas las noches.",
        "zh-Hans": "谢谢，我们每天晚上都一起读书。",
        "vi": "Cảm ơn, tối nào chúng tôi cũng đọc sách cùng nhau.",
        "ar": "شكرًا، نقرأ معًا كل مساء.",
        "so": "Mahadsanid, fiid kasta ayaan wada akhrinnaa.",
        "ko": "감사합니다, 저희는 매일 저녁 함께 책을 읽어요.",
        "fr": "Merci, nous lisons ensemble tous les soirs.",
        "ru": "Спасибо, мы читаем вместе каждый вечер.",
        "pt": "Obrigado, lemos juntos todas as noites.",
        "ht": "Mèsi, nou li ansanm chak swa.",
    },
}


def said_in(english: str, language: str) -> str | None:
    """The phrase in `language` (a guardian's preferred language), None when the demo has no
    translation of it (English, or a language it does not speak)."""
    return PHRASES.get(english, {}).get(language)


# The year's announcements and events, which the district's Spanish interpreter translated before
# they went out (the other languages went out as written, with the note, and were flagged for a
# person: the language-access page shows them).
ANNOUNCED: dict[str, dict[str, str]] = {
    "Family literacy night: reading together at home": {
        "es": "Noche de lectura en familia: leer juntos en casa"
    },
    (
        "Bring your family for stories, games and free books to take home. "
        "Interpreters and childcare are there for you."
    ): {
        "es": (
            "Venga con su familia a disfrutar de cuentos, juegos y libros gratis para llevar a "
            "casa. Habrá intérpretes y cuidado de niños para ustedes."
        )
    },
    "Coffee with the principal": {"es": "Café con la dirección de la escuela"},
    "Math games for families": {"es": "Juegos de matemáticas para familias"},
    "Kindergarten and middle school registration night": {
        "es": "Noche de inscripción para kínder y secundaria"
    },
    "Applying for college and financial aid": {
        "es": "Cómo solicitar la universidad y la ayuda financiera"
    },
    "Spring family conferences": {"es": "Conferencias de primavera con las familias"},
    "End-of-year celebration and summer programs": {
        "es": "Celebración de fin de año y programas de verano"
    },
    "Back-to-school night": {"es": "Noche de regreso a clases"},
    "Understanding the report card": {"es": "Cómo entender la libreta de calificaciones"},
    "Keeping children safe online": {"es": "Cómo proteger a los niños en internet"},
    "Fall family conferences": {"es": "Conferencias de otoño con las familias"},
    "Play and learn morning": {"es": "Mañana de jugar y aprender"},
    "Spring break": {"es": "Vacaciones de primavera"},
    "School is closed next week for spring break. Enjoy the time together!": {
        "es": (
            "La escuela estará cerrada la próxima semana por las vacaciones de primavera. "
            "¡Disfruten el tiempo juntos!"
        )
    },
    "Summer meals": {"es": "Comidas de verano"},
    "Free summer meals for children at Riverside and Lincoln, weekdays.": {
        "es": "Comidas de verano gratuitas para niños en Riverside y Lincoln, de lunes a viernes."
    },
    "Welcome back": {"es": "Bienvenidos de nuevo"},
    "Welcome to the new school year! Classes start on Tuesday.": {
        "es": "¡Bienvenidos al nuevo año escolar! Las clases empiezan el martes."
    },
    "Picture day": {"es": "Día de fotos"},
    "Picture day is next Thursday. Order forms come home in backpacks.": {
        "es": (
            "El día de fotos es el próximo jueves. Los formularios de pedido llegarán a casa en "
            "las mochilas."
        )
    },
    "Flu clinic": {"es": "Clínica de vacunación contra la gripe"},
    "A free flu clinic for families is at Lincoln on Saturday morning.": {
        "es": (
            "Habrá una clínica gratuita de vacunación contra la gripe para familias en Lincoln "
            "el sábado por la mañana."
        )
    },
    "Snow day": {"es": "Día de nieve"},
    "School is closed today because of snow. Stay safe and warm.": {
        "es": "Hoy no hay clases por la nieve. Cuídense y abríguense."
    },
}

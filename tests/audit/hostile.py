"""The hostile-input corpus: strings that try to run script, break out of attributes, inject SQL
or headers, flip text direction, or overwhelm a field. Shared by the form, webhook and browser tests."""

# Each string that could run script sets window.__pwned: the browser test checks it never is.
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '"><img src=x onerror="window.__pwned=1">'
ATTR = "' onmouseover='window.__pwned=1' autofocus onfocus='window.__pwned=1' x='"
SVG = "<svg/onload=window.__pwned=1>"
JS_URL = "javascript:window.__pwned=1"
SQL = "Robert'); DROP TABLE people_household;--"
SQL_OR = "' OR '1'='1"
CRLF = "Smith\r\nSet-Cookie: pwned=1\r\nX-Pwned: 1"
CRLF_LOCATION = "x\r\nLocation: https://evil.example.org/"
RTL = "\u202etxt.exe\u202c Ahmed"
TEMPLATE = "{{ 7|add:7 }}{% now 'Y' %}"
NUL = "nul\x00byte"
LONG = "A" * 20_000
EMOJI = "👨‍👩‍👧 Nguyễn 王 فاطمة"

CORPUS = [
    SCRIPT,
    IMG,
    ATTR,
    SVG,
    JS_URL,
    SQL,
    SQL_OR,
    CRLF,
    CRLF_LOCATION,
    RTL,
    TEMPLATE,
    NUL,
    LONG,
    EMOJI,
]

# What must never appear raw in a rendered page (it would be live markup).
LIVE_MARKUP = [
    "<script>window.__pwned",
    "<img src=x onerror",
    "' onmouseover='",
    "<svg/onload",
    'href="javascript:',
]
# What must never appear in a response header.
HEADER_MARKERS = ["pwned", "evil.example.org", "\r", "\n"]

# Bodies that are not UTF-8 at all.
NOT_UTF8 = [b"given_name=\xff\xfe\xfa&family_name=%ff%fe", b"\xc3\x28\xa0\xa1=\xe2\x28\xa1"]
